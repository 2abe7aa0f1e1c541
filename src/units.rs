//! Memory and time grammars.
//!
//! Memory: an integer or decimal with an optional unit K, M, G, T (also KB/KiB,
//! MB/MiB, GB/GiB, TB/TiB and Kubernetes' Ki, Mi, Gi, Ti; any case), always
//! base 1024; a bare number is MiB.
//!
//! Time: Slurm's `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`;
//! suffix forms `90m`, `36h`, `2d`, `1d12h`, `1h30m15s`; and `unlimited`
//! (`UNLIMITED`, `infinite`, `-1`).
//!
//! These grammars are lenient, as limits and policy files need. The stricter
//! checks of job files (leading zeros, the platform's `H:MM:SS`) and the
//! spellings suggested for near misses are separate functions below.

use std::fmt;

mod slurm;
pub use slurm::{SlurmTime, slurm_time_mins, slurm_time_secs};

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * 1024;
const GIB: u64 = MIB * 1024;
const TIB: u64 = GIB * 1024;

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
    #[error("unknown memory unit `{unit}`: use K, M, G or T (base 1024)")]
    UnknownUnit {
        unit: String,
        /// The amount in a known unit, when the unit is a near miss
        /// (`32 GBs`, `16gig` → `32G`, `16G`).
        suggestion: Option<String>,
    },
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
        // `Gb`, `Mb`, `Tb`, `Kb` are bits, not bytes: never read as bytes.
        if let [b'K' | b'M' | b'G' | b'T', b'b'] = unit.as_bytes() {
            return Err(MemoryError::UnknownUnit {
                unit: unit.to_string(),
                suggestion: Some(format!("{number}{}", &unit[..1])),
            });
        }
        let multiplier: u64 = match unit.to_ascii_lowercase().as_str() {
            "" => MIB,
            "k" | "kb" | "kib" | "ki" => KIB,
            "m" | "mb" | "mib" | "mi" => MIB,
            "g" | "gb" | "gib" | "gi" => GIB,
            "t" | "tb" | "tib" | "ti" => TIB,
            _ => {
                // `1e3`, `1,5G`, `-3G` and friends are not numbers with a unit.
                if unit.starts_with(|c: char| c.is_ascii_alphabetic()) {
                    return Err(MemoryError::UnknownUnit {
                        unit: unit.to_string(),
                        suggestion: near_unit(unit).map(|u| format!("{number}{u}")),
                    });
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
        // Rounded up to whole MiB, as Slurm rounds: `512K` is 1 MiB.
        let bytes = bytes
            .div_ceil(MIB)
            .checked_mul(MIB)
            .ok_or_else(|| MemoryError::TooLarge(t.to_string()))?;
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

/// The unit a near miss stands for: `GBs`, `Gb/s`, `Gbps`, `gig`, `GByte`,
/// `gigabytes`, `Go` (gigaoctet), `G B` → `G`. Letters only, any case; a
/// plural `s` or a per-second `ps` is dropped first.
fn near_unit(unit: &str) -> Option<&'static str> {
    let letters: String = unit
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_lowercase();
    let base = letters
        .strip_suffix("ps")
        .or_else(|| letters.strip_suffix('s'))
        .unwrap_or(&letters);
    let (first, rest) = base.split_at_checked(1)?;
    let (unit, word, short) = match first {
        "k" => ("K", "ilo", ""),
        "m" => ("M", "ega", "eg"),
        "g" => ("G", "iga", "ig"),
        "t" => ("T", "era", ""),
        _ => return None,
    };
    let near = [
        "", "b", "i", "ib", "o", "byte", "ibyte", "ibibyte", "ebibyte",
    ]
    .contains(&rest)
        || rest == word
        || rest.strip_prefix(word) == Some("byte")
        || (!short.is_empty() && rest == short);
    near.then_some(unit)
}

/// `010G` → `10G`, `010` → `10`, `00.5G` → `0.5G`: the text without the
/// leading zeros of its first number, when it has any. YAML 1.1 reads `010`
/// as octal 8 and YAML 1.2 as 10, so a job file that writes a number so is
/// refused rather than guessed (in every count, memory and time field).
pub fn without_leading_zero(text: &str) -> Option<String> {
    let t = text.trim();
    let digits = t.len() - t.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits < 2 || !t.starts_with('0') {
        return None;
    }
    let zeros = t.len() - t.trim_start_matches('0').len();
    Some(t[zeros.min(digits - 1)..].to_string())
}

/// [`without_leading_zero`] for a time: a bare number or a suffix form
/// (`010`, `08h`) has no leading zero; the fields of the colon and day forms
/// may be padded to two digits (`08:00:00`, `00:30`, `01-12`), not more
/// (`010:00:00`).
pub fn time_without_leading_zero(text: &str) -> Option<String> {
    let t = text.trim();
    if !t.contains([':', '-']) {
        return without_leading_zero(t);
    }
    let mut out = String::with_capacity(t.len());
    let mut changed = false;
    let mut at = 0;
    for field in t.split([':', '-']) {
        if at > 0 {
            // The separator that ended the previous field.
            out.push(t.as_bytes()[at - 1] as char);
        }
        at += field.len() + 1;
        if field.len() > 2 && field.starts_with('0') && field.bytes().all(|b| b.is_ascii_digit()) {
            let trimmed = field.trim_start_matches('0');
            out.push_str(if trimmed.is_empty() { "0" } else { trimmed });
            changed = true;
        } else {
            out.push_str(field);
        }
    }
    changed.then_some(out)
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
    /// Whole minutes, rounded up, as Slurm compares run times
    /// (`time_str2mins`): `1:00:50` and `1:00:10` are both 61.
    pub fn minutes_up(&self) -> u64 {
        self.seconds.div_ceil(MINUTE)
    }
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

    /// The platform's `H:MM:SS`: hours unpadded and past 23 (`96:00:00`).
    pub fn hms(&self) -> String {
        let s = self.seconds;
        format!("{}:{:02}:{:02}", s / HOUR, (s % HOUR) / MINUTE, s % MINUTE)
    }

    /// The shortest suffix form: `90m` → `1h30m`, `72 h` → `3d`, `24m`,
    /// `1d12h`; `0s` for nothing.
    pub fn suffix(&self) -> String {
        let s = self.seconds;
        let parts = [
            (s / DAY, 'd'),
            ((s % DAY) / HOUR, 'h'),
            ((s % HOUR) / MINUTE, 'm'),
            (s % MINUTE, 's'),
        ];
        let text: String = parts
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, u)| format!("{n}{u}"))
            .collect();
        if text.is_empty() { "0s".into() } else { text }
    }
}

/// Reads `timeoutLimit` of a platform body as the platform takes it:
/// `unlimited`, or `H:MM:SS` with hours of any size (padded to two digits at
/// most: `2:00:00`, `02:00:00`, `96:00:00`) and minutes and seconds of two
/// digits below 60. Nothing else: no days, no suffixes, no spaces, no other
/// case. The error holds the spelling to write (`H:MM:SS` or `unlimited`)
/// when the text can be read some other way (`2h` → `2:00:00`).
pub fn parse_timeout_limit(text: &str) -> Result<TimeLimit, Option<String>> {
    if text == "unlimited" {
        return Ok(TimeLimit::Unlimited);
    }
    let fields: Vec<&str> = text.split(':').collect();
    if let [h, m, s] = fields.as_slice()
        && [h, m, s]
            .iter()
            .all(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && m.len() == 2
        && s.len() == 2
        && !(h.len() > 2 && h.starts_with('0'))
    {
        let (m, s) = (number(m, text), number(s, text));
        if let (Ok(h), Ok(m), Ok(s)) = (number(h, text), m, s)
            && m < 60
            && s < 60
        {
            return sum(&[(h, HOUR), (m, MINUTE), (s, 1)], text)
                .map(|seconds| TimeLimit::Finite(Duration { seconds }))
                .map_err(|_| None);
        }
    }
    let t = text.trim();
    let read = |t: &str| TimeLimit::parse(t).ok();
    let reading = read(t)
        .or_else(|| time_without_leading_zero(t).and_then(|t| read(&t)))
        .or_else(|| spelled_out(t).and_then(|t| read(&t)));
    Err(reading.map(|r| match r {
        TimeLimit::Unlimited => "unlimited".to_string(),
        TimeLimit::Finite(d) => d.hms(),
    }))
}

/// The suffix spelling of a time written in words, in weeks or with a
/// decimal: `3 days` → `3d`, `2 hours` → `2h`, `1w` → `7d`, `30 minutes` →
/// `30m`, `1.5h` → `1h30m`, `1 day 12 hours` → `1d12h`. `None` when the
/// text is not such a time.
pub fn spelled_out(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase();
    let mut tokens: Vec<(bool, String)> = Vec::new();
    for c in lower.chars() {
        let numeric = c.is_ascii_digit() || c == '.';
        if !numeric && !c.is_ascii_alphabetic() {
            if !(c.is_whitespace() || c == ',') {
                return None;
            }
            tokens.push((false, String::new()));
            continue;
        }
        match tokens.last_mut() {
            Some((n, word)) if *n == numeric && !word.is_empty() => word.push(c),
            _ => tokens.push((numeric, c.to_string())),
        }
    }
    tokens.retain(|(_, w)| !w.is_empty() && w != "and");
    if tokens.is_empty() || !tokens.len().is_multiple_of(2) || tokens.len() > 16 {
        return None;
    }
    let mut total: u64 = 0;
    let mut single = None;
    for pair in tokens.chunks(2) {
        let [(true, n), (false, word)] = pair else {
            return None;
        };
        let (unit, letter) = match word.as_str() {
            "w" | "wk" | "wks" | "week" | "weeks" => (7 * DAY, 'w'),
            "d" | "day" | "days" => (DAY, 'd'),
            "h" | "hr" | "hrs" | "hour" | "hours" => (HOUR, 'h'),
            "m" | "min" | "mins" | "minute" | "minutes" => (MINUTE, 'm'),
            "s" | "sec" | "secs" | "second" | "seconds" => (1, 's'),
            _ => return None,
        };
        total = total.checked_add(scaled(n, unit)?)?;
        single = (tokens.len() == 2 && letter != 'w' && !n.contains('.'))
            .then(|| format!("{}{letter}", n.trim_start_matches('0')));
    }
    if total == 0 {
        return None;
    }
    Some(single.unwrap_or_else(|| Duration { seconds: total }.suffix()))
}

/// A job spec walltime that Slurm reads differently from how people often
/// mean it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ambiguity {
    /// `A:B`: Slurm reads minutes:seconds; people often mean hours:minutes.
    MinutesSeconds { minutes: u64, seconds: u64 },
    /// A bare number: Slurm reads minutes; people often mean hours.
    BareMinutes(u64),
}

/// Whether a time is written in one of the two forms people misread.
pub fn ambiguity(text: &str) -> Option<Ambiguity> {
    let t = text.trim();
    let digits = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u64>().ok())
            .flatten()
    };
    match t.split_once(':') {
        Some((a, b)) => Some(Ambiguity::MinutesSeconds {
            minutes: digits(a)?,
            seconds: digits(b)?,
        }),
        None => digits(t).map(Ambiguity::BareMinutes),
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
        assert_eq!(mem("512K"), MIB, "rounded up to whole MiB");
        assert_eq!(mem("512kib"), MIB);
        assert_eq!(mem("1.3G"), 1332 * MIB);
        assert_eq!(mem("1025K"), 2 * MIB);
        assert_eq!(mem("1T"), 1024 * 1024 * MIB);
        assert_eq!(mem("1.5G"), 1536 * MIB);
        assert_eq!(mem("31888"), 31888 * MIB);
        assert_eq!(mem("31888 MiB"), 31888 * MIB);
        assert_eq!(mem("0.5"), MIB);
        assert!(!Memory::parse("31888").unwrap().had_unit);
        assert!(Memory::parse("4M").unwrap().had_unit);
    }

    #[test]
    fn memory_rejects_bad_text() {
        assert_eq!(
            Memory::parse("16X"),
            Err(MemoryError::UnknownUnit {
                unit: "X".into(),
                suggestion: None
            })
        );
        assert_eq!(
            Memory::parse("16GG"),
            Err(MemoryError::UnknownUnit {
                unit: "GG".into(),
                suggestion: None
            })
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
            Err(MemoryError::UnknownUnit { .. })
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
        assert_eq!(Memory::parse("512K").unwrap().describe(), "1M (1 MiB)");
        assert_eq!(
            Memory::parse("31888.5").unwrap().describe(),
            "31889M (31889 MiB)"
        );
        // Just over 1024 MiB is the next whole MiB, never 1024 MiB.
        assert_eq!(
            Memory::parse("1.0000001G").unwrap().describe(),
            "1025M (1025 MiB)"
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

    #[test]
    fn kubernetes_units_are_base_1024() {
        assert_eq!(mem("32Gi"), 32768 * MIB);
        assert_eq!(mem("32gi"), 32768 * MIB);
        assert_eq!(mem("512Mi"), 512 * MIB);
        assert_eq!(mem("64Ki"), MIB);
        assert_eq!(mem("1Ti"), 1024 * 1024 * MIB);
        assert_eq!(mem("1.5Gi"), 1536 * MIB);
        assert_eq!(mem("16 GB"), 16 * 1024 * MIB);
    }

    #[test]
    fn near_miss_units_get_the_unit_meant() {
        let suggestion = |s: &str| match Memory::parse(s) {
            Err(MemoryError::UnknownUnit { suggestion, .. }) => suggestion,
            other => panic!("{s:?} gave {other:?}"),
        };
        for (text, meant) in [
            ("32 GBs", "32G"),
            ("32Gb/s", "32G"),
            ("32Gbps", "32G"),
            ("16gig", "16G"),
            ("16 gigs", "16G"),
            ("16 gigabytes", "16G"),
            ("16GByte", "16G"),
            ("16Go", "16G"),
            ("16G.", "16G"),
            ("16 G B", "16G"),
            ("512 megs", "512M"),
            ("512 megabytes", "512M"),
            ("512MiBs", "512M"),
            ("64 kilobytes", "64K"),
            ("2 terabytes", "2T"),
            ("1.5 gibibytes", "1.5G"),
        ] {
            assert_eq!(suggestion(text).as_deref(), Some(meant), "{text}");
        }
        for text in ["16X", "16GG", "16 bytes", "16 gallons", "1e3"] {
            assert_eq!(suggestion(text), None, "{text}");
        }
    }

    #[test]
    fn leading_zeros_are_found_with_the_spelling_without() {
        let lz = |s: &str| without_leading_zero(s);
        assert_eq!(lz("010").as_deref(), Some("10"));
        assert_eq!(lz("010G").as_deref(), Some("10G"));
        assert_eq!(lz("00.5G").as_deref(), Some("0.5G"));
        assert_eq!(lz("000").as_deref(), Some("0"));
        for fine in ["0", "10", "0.5G", "0G", "1010", "", "G"] {
            assert_eq!(lz(fine), None, "{fine}");
        }
        let tz = |s: &str| time_without_leading_zero(s);
        assert_eq!(tz("010").as_deref(), Some("10"));
        assert_eq!(tz("08h").as_deref(), Some("8h"));
        assert_eq!(tz("010:00:00").as_deref(), Some("10:00:00"));
        assert_eq!(tz("1-005:00").as_deref(), Some("1-5:00"));
        for fine in [
            "08:00:00",
            "00:30",
            "01-12",
            "0-00:00:01",
            "-1",
            "1d02h",
            "0",
            "90m",
        ] {
            assert_eq!(tz(fine), None, "{fine}");
        }
    }

    #[test]
    fn timeout_limit_is_unlimited_or_h_mm_ss() {
        let ok = |s: &str| parse_timeout_limit(s).unwrap();
        assert_eq!(ok("unlimited"), TimeLimit::Unlimited);
        let h = |n: u64| TimeLimit::Finite(Duration { seconds: n * 3600 });
        assert_eq!(ok("2:00:00"), h(2));
        assert_eq!(ok("02:00:00"), h(2));
        assert_eq!(ok("96:00:00"), h(96));
        assert_eq!(ok("100:00:00"), h(100));
        assert_eq!(ok("0:30:15"), TimeLimit::Finite(Duration { seconds: 1815 }));
        let refused = |s: &str| parse_timeout_limit(s).unwrap_err();
        for (text, meant) in [
            ("2h", Some("2:00:00")),
            ("4-00:00:00", Some("96:00:00")),
            ("90", Some("1:30:00")),
            ("24:00", Some("0:24:00")),
            ("2:0:0", Some("2:00:00")),
            (" 2:00:00", Some("2:00:00")),
            ("UNLIMITED", Some("unlimited")),
            ("-1", Some("unlimited")),
            ("010:00:00", Some("10:00:00")),
            ("3 days", Some("72:00:00")),
            ("2:60:00", None),
            ("2:00:60", None),
            ("soon", None),
            ("", None),
        ] {
            assert_eq!(refused(text).as_deref(), meant, "{text:?}");
        }
    }

    #[test]
    fn words_get_the_suffix_spelling() {
        for (text, meant) in [
            ("3 days", "3d"),
            ("2 hours", "2h"),
            ("1w", "7d"),
            ("2 weeks", "14d"),
            ("30 minutes", "30m"),
            ("90 mins", "90m"),
            ("36 Hours", "36h"),
            ("45 sec", "45s"),
            ("1.5h", "1h30m"),
            ("1.5 days", "1d12h"),
            ("1 day 12 hours", "1d12h"),
            ("1h 30m", "1h30m"),
            ("2 hours and 30 minutes", "2h30m"),
        ] {
            assert_eq!(spelled_out(text).as_deref(), Some(meant), "{text}");
            let read = TimeLimit::parse(meant).expect("the spelling reads");
            assert!(matches!(read, TimeLimit::Finite(_)), "{meant}");
        }
        for text in [
            "soon",
            "3",
            "days",
            "3 fortnights",
            "0 days",
            "1:30",
            "3d 3",
        ] {
            assert_eq!(spelled_out(text), None, "{text}");
        }
    }

    #[test]
    fn the_two_misread_forms_are_found() {
        assert_eq!(
            ambiguity("24:00"),
            Some(Ambiguity::MinutesSeconds {
                minutes: 24,
                seconds: 0
            })
        );
        assert_eq!(ambiguity("90"), Some(Ambiguity::BareMinutes(90)));
        for fine in [
            "24:00:00",
            "1-12",
            "90m",
            "-1",
            "unlimited",
            "2d",
            "1-00:30",
        ] {
            assert_eq!(ambiguity(fine), None, "{fine}");
        }
    }

    #[test]
    fn platform_and_suffix_spellings() {
        let d = |seconds| Duration { seconds };
        assert_eq!(d(96 * 3600).hms(), "96:00:00");
        assert_eq!(d(5400).hms(), "1:30:00");
        assert_eq!(d(59).hms(), "0:00:59");
        assert_eq!(d(5400).suffix(), "1h30m");
        assert_eq!(d(72 * 3600).suffix(), "3d");
        assert_eq!(d(36 * 3600).suffix(), "1d12h");
        assert_eq!(d(24 * 60).suffix(), "24m");
        assert_eq!(d(0).suffix(), "0s");
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
                prop_assert_eq!(back.bytes, m.bytes.div_ceil(MIB) * MIB);
            }

            #[test]
            fn memory_with_unit_round_trips(n in 1u64..1_000_000, unit in prop::sample::select(vec!["K", "M", "G", "T", "kb", "MiB", "gb", "TiB"])) {
                let mult = match unit.to_ascii_lowercase().chars().next().unwrap() {
                    'k' => KIB, 'm' => MIB, 'g' => MIB * 1024, _ => MIB * 1024 * 1024,
                };
                prop_assert_eq!(Memory::parse(&format!("{n}{unit}")).unwrap().bytes, (n * mult).div_ceil(MIB) * MIB);
            }

            #[test]
            fn value_helpers_never_panic(s in "\\PC{0,24}") {
                let _ = parse_timeout_limit(&s);
                let _ = spelled_out(&s);
                let _ = ambiguity(&s);
                let _ = without_leading_zero(&s);
                let _ = time_without_leading_zero(&s);
            }

            #[test]
            fn time_helpers_never_panic_on_time_like_text(s in "[0-9:dhmsw. -]{0,20}") {
                let _ = parse_timeout_limit(&s);
                let _ = spelled_out(&s);
                let _ = time_without_leading_zero(&s);
            }

            #[test]
            fn hms_is_what_the_platform_takes(seconds in 1u64..(10_000 * 86400)) {
                let d = Duration { seconds };
                prop_assert_eq!(parse_timeout_limit(&d.hms()), Ok(TimeLimit::Finite(d)));
                prop_assert_eq!(TimeLimit::parse(&d.hms()), Ok(TimeLimit::Finite(d)));
            }

            #[test]
            fn suffix_reads_back(seconds in 1u64..(10_000 * 86400)) {
                let d = Duration { seconds };
                prop_assert_eq!(TimeLimit::parse(&d.suffix()), Ok(TimeLimit::Finite(d)));
            }

            #[test]
            fn a_leading_zero_removed_reads_the_same(n in 1u64..100_000, zeros in 1usize..4, unit in prop::sample::select(vec!["", "G", "Gi", "M"])) {
                let text = format!("{}{n}{unit}", "0".repeat(zeros));
                let fixed = without_leading_zero(&text).expect("a leading zero is found");
                prop_assert_eq!(&fixed, &format!("{n}{unit}"));
                prop_assert_eq!(Memory::parse(&fixed), Memory::parse(&text));
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
