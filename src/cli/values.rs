//! Command-line values: what shell completion offers and how a few values
//! are read and named.

use jobcheck::report::Format;
use jobcheck::request::AccelType;

/// A value parser that takes any text (the command checks it and says what
/// is wrong, with a suggestion) but names its candidates, so that shell
/// completion offers them: `jobcheck explain <TAB>`, `--accelerator <TAB>`.
#[derive(Clone)]
pub struct Candidates(pub fn() -> Vec<&'static str>);

impl clap::builder::TypedValueParser for Candidates {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            (self.0)()
                .into_iter()
                .map(clap::builder::PossibleValue::new),
        ))
    }
}

pub fn codes() -> Vec<&'static str> {
    jobcheck::diag::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect()
}

pub fn accelerators() -> Vec<&'static str> {
    vec!["gpu", "dcu", "mlu", "cpu"]
}

pub fn parse_accel(text: &str) -> Result<AccelType, String> {
    AccelType::parse(text).ok_or_else(|| format!("`{text}` is not gpu, dcu, mlu or cpu"))
}

/// A format's name, as `--format` takes it.
pub fn format_name(format: Format) -> &'static str {
    match format {
        Format::Human => "human",
        Format::Concise => "concise",
        Format::Json => "json",
        Format::Sarif => "sarif",
        Format::Github => "github",
        Format::Junit => "junit",
    }
}
