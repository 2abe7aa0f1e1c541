//! Memory and time grammars (DESIGN §2).
//!
//! Memory: an integer or decimal with an optional unit K, M, G, T (also KB/KiB,
//! MB/MiB, GB/GiB, TB/TiB, any case), always base 1024; a bare number is MiB.
//!
//! Time: Slurm's `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`;
//! suffix forms `90m`, `36h`, `2d`, `1d12h`, `1h30m15s`; and `unlimited`
//! (`UNLIMITED`, `infinite`, `-1`).

use std::fmt;

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * 1024;

/// An amount of memory, in bytes, with the unit it was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub bytes: u64,
    /// Whether the value carried an explicit unit.
    pub had_unit: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemoryError {
    #[error("memory is empty")]
    Empty,
    #[error("`{0}` is not a number")]
    NotANumber(String),
    #[error("unknown memory unit `{0}`: use K, M, G or T (base 1024)")]
    UnknownUnit(String),
    #[error("memory must be greater than zero")]
    Zero,
    #[error("memory cannot be negative (`{0}`)")]
    Negative(String),
    #[error("memory `{0}` is too large")]
    TooLarge(String),
}

impl Memory {
    pub fn from_mib(mib: u64) -> Option<Memory> {
        mib.checked_mul(MIB).map(|bytes| Memory {
            bytes,
            had_unit: true,
        })
    }

    /// Parse a memory amount. Negative values and zero are errors.
    pub fn parse(text: &str) -> Result<Memory, MemoryError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(MemoryError::Empty);
        }
        if t.starts_with('-') && t[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.') {
            return Err(MemoryError::Negative(t.to_string()));
        }
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (number, unit) = t.split_at(split);
        let unit = unit.trim_start();
        if number.is_empty() {
            return Err(MemoryError::NotANumber(t.to_string()));
        }
        let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
            "" => MIB,
            "k" | "kb" | "kib" => KIB,
            "m" | "mb" | "mib" => MIB,
            "g" | "gb" | "gib" => MIB * 1024,
            "t" | "tb" | "tib" => MIB * 1024 * 1024,
            _ => {
                // `1e3`, `1,5G`, `-3G` and friends are not numbers with a unit.
                if unit.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    return Err(MemoryError::UnknownUnit(unit.to_string()));
                }
                return Err(MemoryError::NotANumber(t.to_string()));
            }
        };
        let bytes = scaled(number, multiplier).ok_or_else(|| {
            if number.chars().filter(|&c| c == '.').count() > 1
                || number.starts_with('.')
                || number.ends_with('.')
            {
                MemoryError::NotANumber(t.to_string())
            } else {
                MemoryError::TooLarge(t.to_string())
            }
        })?;
        if bytes == 0 {
            return Err(MemoryError::Zero);
        }
        Ok(Memory {
            bytes,
            had_unit: !unit.is_empty(),
        })
    }

    /// The amount in MiB, possibly fractional.
    pub fn mib(&self) -> f64 {
        self.bytes as f64 / MIB as f64
    }

    /// `48G (49152 MiB)`-style text: a compact form plus the MiB value.
    pub fn describe(&self) -> String {
        format!("{} ({} MiB)", self.compact(), format_mib(self.bytes))
    }

    /// The shortest exact form with a unit: `48G`, `1536M`, `31888.5M`,
    /// `512K`; parsing it gives the same number of bytes back.
    pub fn compact(&self) -> String {
        for (unit, size) in [("T", MIB * 1024 * 1024), ("G", MIB * 1024), ("M", MIB)] {
            if self.bytes >= size && self.bytes.is_multiple_of(size) {
                return format!("{}{}", self.bytes / size, unit);
            }
        }
        // MiB with up to three exact decimals reads better than a count of KiB.
        if self.bytes >= MIB && (u128::from(self.bytes) * 1000).is_multiple_of(u128::from(MIB)) {
            return format!("{}M", format_mib(self.bytes));
        }
        if self.bytes.is_multiple_of(KIB) {
            return format!("{}K", self.bytes / KIB);
        }
        format!("{}M", format_mib(self.bytes))
    }
}

/// MiB with as many decimals as it takes, up to six (a byte is about
/// 0.000001 MiB), so that a value just over a limit never prints as equal.
pub fn format_mib(bytes: u64) -> String {
    if bytes.is_multiple_of(MIB) {
        return (bytes / MIB).to_string();
    }
    let s = format!("{:.6}", bytes as f64 / MIB as f64);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `digits[.digits] * multiplier` in whole bytes (rounded up), exactly.
fn scaled(number: &str, multiplier: u64) -> Option<u64> {
    let (int, frac) = match number.split_once('.') {
        Some((i, f)) => (i, f),
        None => (number, ""),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if number.ends_with('.') || number.starts_with('.') {
        return None;
    }
    let frac = frac.trim_end_matches('0');
    if int.len() > 30 || frac.len() > 18 {
        return None;
    }
    let int_v: u128 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut total = int_v.checked_mul(multiplier as u128)?;
    if !frac.is_empty() {
        let frac_v: u128 = frac.parse().ok()?;
        let scale = 10u128.pow(frac.len() as u32);
        let part = frac_v.checked_mul(multiplier as u128)?;
        total = total.checked_add(part.div_ceil(scale))?;
    }
    u64::try_from(total).ok()
}

/// A run time in whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Duration {
    pub seconds: u64,
}

/// A time that may be unlimited (walltime, timeoutLimit, maxTime).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeLimit {
    Unlimited,
    Finite(Duration),
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("time is empty")]
    Empty,
    #[error(
        "`{0}` is not a time: use D-HH:MM:SS, HH:MM:SS, MM:SS, MM, a suffix form such as 90m, 36h, 2d or 1d12h, or unlimited"
    )]
    Malformed(String),
    #[error("`{text}`: {field} must be below {max}")]
    OutOfRange {
        text: String,
        field: &'static str,
        max: u64,
    },
    #[error("time `{0}` is too large")]
    TooLarge(String),
}

const MINUTE: u64 = 60;
const HOUR: u64 = 3600;
const DAY: u64 = 86400;

impl TimeLimit {
    pub fn parse(text: &str) -> Result<TimeLimit, TimeError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(TimeError::Empty);
        }
        let lower = t.to_ascii_lowercase();
        if matches!(lower.as_str(), "unlimited" | "infinite" | "-1") {
            return Ok(TimeLimit::Unlimited);
        }
        let seconds = if lower.ends_with(['d', 'h', 'm', 's']) {
            parse_suffix(t, &lower)?
        } else {
            parse_slurm(t)?
        };
        Ok(TimeLimit::Finite(Duration { seconds }))
    }

    pub fn describe(&self) -> String {
        match self {
            TimeLimit::Unlimited => "unlimited".to_string(),
            TimeLimit::Finite(d) => d.describe(),
        }
    }
}

fn number(part: &str, whole: &str) -> Result<u64, TimeError> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TimeError::Malformed(whole.to_string()));
    }
    part.parse::<u64>()
        .map_err(|_| TimeError::TooLarge(whole.to_string()))
}

fn bounded(value: u64, max: u64, field: &'static str, whole: &str) -> Result<u64, TimeError> {
    if value >= max {
        return Err(TimeError::OutOfRange {
            text: whole.to_string(),
            field,
            max,
        });
    }
    Ok(value)
}

fn sum(parts: &[(u64, u64)], whole: &str) -> Result<u64, TimeError> {
    let mut total: u64 = 0;
    for &(value, unit) in parts {
        total = value
            .checked_mul(unit)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(|| TimeError::TooLarge(whole.to_string()))?;
    }
    Ok(total)
}

/// Slurm forms: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS.
fn parse_slurm(t: &str) -> Result<u64, TimeError> {
    let (days, rest) = match t.split_once('-') {
        Some((d, rest)) => (Some(number(d, t)?), rest),
        None => (None, t),
    };
    let fields: Vec<&str> = rest.split(':').collect();
    match (days, fields.as_slice()) {
        (None, [mm]) => sum(&[(number(mm, t)?, MINUTE)], t),
        (None, [mm, ss]) => {
            let s = bounded(number(ss, t)?, 60, "seconds", t)?;
            sum(&[(number(mm, t)?, MINUTE), (s, 1)], t)
        }
        (None, [hh, mm, ss]) => {
            let m = bounded(number(mm, t)?, 60, "minutes", t)?;
            let s = bounded(number(ss, t)?, 60, "seconds", t)?;
            sum(&[(number(hh, t)?, HOUR), (m, MINUTE), (s, 1)], t)
        }
        (Some(d), [hh, rest @ ..]) if rest.len() <= 2 => {
            let h = bounded(number(hh, t)?, 24, "hours", t)?;
            let m = match rest.first() {
                Some(mm) => bounded(number(mm, t)?, 60, "minutes", t)?,
                None => 0,
            };
            let s = match rest.get(1) {
                Some(ss) => bounded(number(ss, t)?, 60, "seconds", t)?,
                None => 0,
            };
            sum(&[(d, DAY), (h, HOUR), (m, MINUTE), (s, 1)], t)
        }
        _ => Err(TimeError::Malformed(t.to_string())),
    }
}

/// Suffix forms: a run of `<number><unit>` with units d, h, m, s in that
/// order, each at most once (`1d12h`, `90m`, `1h30m`).
fn parse_suffix(t: &str, lower: &str) -> Result<u64, TimeError> {
    let units = [('d', DAY), ('h', HOUR), ('m', MINUTE), ('s', 1)];
    let mut next_unit = 0;
    let mut parts = Vec::new();
    let mut digits = String::new();
    for c in lower.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let Some(pos) = units.iter().position(|(u, _)| *u == c) else {
            return Err(TimeError::Malformed(t.to_string()));
        };
        if pos < next_unit || digits.is_empty() {
            return Err(TimeError::Malformed(t.to_string()));
        }
        let value = number(&digits, t)?;
        // After a larger unit, a part stays below the next one up, as in the
        // colon forms: `1d12h`, not `1d25h`.
        if !parts.is_empty() {
            let (max, field) = match units[pos].0 {
                'h' => (24, "hours"),
                'm' => (60, "minutes"),
                _ => (60, "seconds"),
            };
            bounded(value, max, field, t)?;
        }
        parts.push((value, units[pos].1));
        digits.clear();
        next_unit = pos + 1;
    }
    if !digits.is_empty() || parts.is_empty() {
        return Err(TimeError::Malformed(t.to_string()));
    }
    sum(&parts, t)
}

impl Duration {
    /// Slurm's canonical form: `D-HH:MM:SS`, or `HH:MM:SS` under a day.
    pub fn slurm(&self) -> String {
        let s = self.seconds;
        let (d, h, m, sec) = (s / DAY, (s % DAY) / HOUR, (s % HOUR) / MINUTE, s % MINUTE);
        if d > 0 {
            format!("{d}-{h:02}:{m:02}:{sec:02}")
        } else {
            format!("{h:02}:{m:02}:{sec:02}")
        }
    }

    /// A short reading aid: `72 h`, `90 min`, `45 s`, `1.5 h`.
    pub fn human(&self) -> String {
        let s = self.seconds;
        if s >= HOUR && s.is_multiple_of(HOUR) {
            format!("{} h", s / HOUR)
        } else if s >= HOUR && s.is_multiple_of(HOUR / 4) {
            let h = format!("{:.2}", s as f64 / HOUR as f64);
            format!("{} h", h.trim_end_matches('0').trim_end_matches('.'))
        } else if s >= MINUTE && s.is_multiple_of(MINUTE) {
            format!("{} min", s / MINUTE)
        } else {
            format!("{s} s")
        }
    }

    /// `3-00:00:00 (72 h)`.
    pub fn describe(&self) -> String {
        format!("{} ({})", self.slurm(), self.human())
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.slurm())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(s: &str) -> u64 {
        Memory::parse(s).unwrap().bytes
    }

    fn secs(s: &str) -> u64 {
        match TimeLimit::parse(s).unwrap() {
            TimeLimit::Finite(d) => d.seconds,
            TimeLimit::Unlimited => panic!("{s} parsed as unlimited"),
        }
    }

    #[test]
    fn memory_units_are_base_1024() {
        assert_eq!(mem("16G"), 16 * 1024 * MIB);
        assert_eq!(mem("16gb"), 16 * 1024 * MIB);
        assert_eq!(mem("16GiB"), 16 * 1024 * MIB);
        assert_eq!(mem("512K"), 512 * KIB);
        assert_eq!(mem("512kib"), 512 * KIB);
        assert_eq!(mem("1T"), 1024 * 1024 * MIB);
        assert_eq!(mem("1.5G"), 1536 * MIB);
        assert_eq!(mem("31888"), 31888 * MIB);
        assert_eq!(mem("31888 MiB"), 31888 * MIB);
        assert_eq!(mem("0.5"), MIB / 2);
        assert!(!Memory::parse("31888").unwrap().had_unit);
        assert!(Memory::parse("4M").unwrap().had_unit);
    }

    #[test]
    fn memory_rejects_bad_text() {
        assert_eq!(
            Memory::parse("16X"),
            Err(MemoryError::UnknownUnit("X".into()))
        );
        assert_eq!(
            Memory::parse("16GG"),
            Err(MemoryError::UnknownUnit("GG".into()))
        );
        assert!(matches!(
            Memory::parse("-3G"),
            Err(MemoryError::Negative(_))
        ));
        assert!(matches!(
            Memory::parse("1.2.3G"),
            Err(MemoryError::NotANumber(_))
        ));
        assert!(matches!(
            Memory::parse("1e3"),
            Err(MemoryError::UnknownUnit(_))
        ));
        assert_eq!(Memory::parse("0G"), Err(MemoryError::Zero));
        assert_eq!(Memory::parse(""), Err(MemoryError::Empty));
        assert!(matches!(
            Memory::parse("99999999999999999999T"),
            Err(MemoryError::TooLarge(_))
        ));
    }

    #[test]
    fn memory_describe() {
        assert_eq!(Memory::parse("48G").unwrap().describe(), "48G (49152 MiB)");
        assert_eq!(
            Memory::parse("1.5G").unwrap().describe(),
            "1536M (1536 MiB)"
        );
        assert_eq!(Memory::parse("512K").unwrap().describe(), "512K (0.5 MiB)");
        assert_eq!(
            Memory::parse("31888.5").unwrap().describe(),
            "31888.5M (31888.5 MiB)"
        );
        // Just over 1024 MiB never reads as 1024 MiB.
        assert_eq!(
            Memory::parse("1.0000001G").unwrap().describe(),
            "1024.000103M (1024.000103 MiB)"
        );
        assert_ne!(
            format_mib(Memory::parse("1048577KiB").unwrap().bytes),
            "1024"
        );
    }

    #[test]
    fn slurm_forms() {
        assert_eq!(secs("90"), 90 * 60);
        assert_eq!(secs("90:30"), 90 * 60 + 30);
        assert_eq!(secs("36:00:00"), 36 * 3600);
        assert_eq!(secs("2-12"), 2 * 86400 + 12 * 3600);
        assert_eq!(secs("2-12:30"), 2 * 86400 + 12 * 3600 + 1800);
        assert_eq!(secs("2-00:00:00"), 2 * 86400);
        assert_eq!(secs("0-00:00:01"), 1);
    }

    #[test]
    fn suffix_forms() {
        assert_eq!(secs("90m"), 90 * 60);
        assert_eq!(secs("36h"), 36 * 3600);
        assert_eq!(secs("2d"), 2 * 86400);
        assert_eq!(secs("1d12h"), 86400 + 12 * 3600);
        assert_eq!(secs("1H30M"), 5400);
        assert_eq!(secs("45s"), 45);
    }

    #[test]
    fn unlimited_forms() {
        for s in ["unlimited", "UNLIMITED", "infinite", "-1", "Infinite"] {
            assert_eq!(TimeLimit::parse(s), Ok(TimeLimit::Unlimited), "{s}");
        }
    }

    #[test]
    fn time_rejects_bad_text() {
        for s in [
            "",
            "abc",
            "1:2:3:4",
            "2-",
            "-2",
            "1h1d",
            "h",
            "1d1d",
            "12:60",
            "1-24",
            "1-2:3:4:5",
            "1.5h",
            "2 days",
        ] {
            assert!(TimeLimit::parse(s).is_err(), "{s:?} should be rejected");
        }
        assert!(matches!(
            TimeLimit::parse("99999999999999999999"),
            Err(TimeError::TooLarge(_))
        ));
    }

    #[test]
    fn time_describe() {
        let d = |s| match TimeLimit::parse(s).unwrap() {
            TimeLimit::Finite(d) => d.describe(),
            TimeLimit::Unlimited => "unlimited".into(),
        };
        assert_eq!(d("3-00:00:00"), "3-00:00:00 (72 h)");
        assert_eq!(d("90m"), "01:30:00 (1.5 h)");
        assert_eq!(d("50m"), "00:50:00 (50 min)");
        assert_eq!(d("45s"), "00:00:45 (45 s)");
    }

    mod props {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn memory_parse_never_panics(s in "\\PC{0,24}") {
                let _ = Memory::parse(&s);
            }

            #[test]
            fn time_parse_never_panics(s in "\\PC{0,24}") {
                let _ = TimeLimit::parse(&s);
            }

            #[test]
            fn time_parse_never_panics_on_time_like_text(s in "[0-9:dhms-]{0,20}") {
                let _ = TimeLimit::parse(&s);
            }

            #[test]
            fn memory_compact_round_trips(bytes in 1u64..(1u64 << 50)) {
                let m = Memory { bytes: bytes * KIB, had_unit: true };
                let back = Memory::parse(&m.compact()).unwrap();
                prop_assert_eq!(back.bytes, m.bytes);
            }

            #[test]
            fn memory_with_unit_round_trips(n in 1u64..1_000_000, unit in prop::sample::select(vec!["K", "M", "G", "T", "kb", "MiB", "gb", "TiB"])) {
                let mult = match unit.to_ascii_lowercase().chars().next().unwrap() {
                    'k' => KIB, 'm' => MIB, 'g' => MIB * 1024, _ => MIB * 1024 * 1024,
                };
                prop_assert_eq!(Memory::parse(&format!("{n}{unit}")).unwrap().bytes, n * mult);
            }

            #[test]
            fn slurm_round_trips(seconds in 0u64..(10_000 * 86400)) {
                let d = Duration { seconds };
                prop_assert_eq!(TimeLimit::parse(&d.slurm()), Ok(TimeLimit::Finite(d)));
            }

            #[test]
            fn suffix_round_trips(d in 0u64..400, h in 0u64..24, m in 0u64..60, s in 0u64..60) {
                let text = format!("{d}d{h}h{m}m{s}s");
                prop_assert_eq!(
                    TimeLimit::parse(&text),
                    Ok(TimeLimit::Finite(Duration { seconds: d * 86400 + h * 3600 + m * 60 + s }))
                );
            }
        }
    }
}
