//! The accelerator types and what each is called where.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccelType {
    Gpu,
    Dcu,
    Mlu,
    Cpu,
}

impl AccelType {
    pub const ALL: [AccelType; 4] = [
        AccelType::Gpu,
        AccelType::Dcu,
        AccelType::Mlu,
        AccelType::Cpu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccelType::Gpu => "gpu",
            AccelType::Dcu => "dcu",
            AccelType::Mlu => "mlu",
            AccelType::Cpu => "cpu",
        }
    }

    pub fn parse(text: &str) -> Option<AccelType> {
        AccelType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(text.trim()))
    }

    /// The job-spec key for this type's cards.
    pub fn cards_key(self) -> &'static str {
        match self {
            AccelType::Gpu => "gpus",
            AccelType::Dcu => "dcus",
            AccelType::Mlu => "mlus",
            AccelType::Cpu => "gpus",
        }
    }

    /// The API field holding the user's per-node quota for this type.
    pub fn quota_field(self) -> Option<&'static str> {
        match self {
            AccelType::Gpu => Some("nvLimits"),
            AccelType::Dcu => Some("dcuLimits"),
            AccelType::Mlu => Some("mluLimits"),
            AccelType::Cpu => None,
        }
    }
}
