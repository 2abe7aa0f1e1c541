//! How every count, memory amount and time of a job request is read
//! ("Platform body", "Job spec leniency and ambiguity", "Memory",
//! "Time").
//!
//! A job spec forgives spelling but is never silent: a value read in a way a
//! person may not mean (`walltime: 24:00`, `walltime: 90`) earns a warning
//! with the reading and the unambiguous spelling, and a near miss (`3 days`,
//! `32 GBs`) is refused with the spelling to use. A platform body is read
//! exactly as the platform takes it: JSON integers for counts and `ramSize`
//! (MiB), `unlimited` or `H:MM:SS` for `timeoutLimit`. In both, a number with
//! a leading zero (`010`) is refused: YAML 1.1 reads it as octal, 1.2 as
//! decimal.

use super::{DocKind, Entry, Reader, Value};
use crate::diag::{Code, Diagnostic};
use crate::syntax::{Kind, Node};
use crate::units::{self, Ambiguity, Duration, MIB, Memory, MemoryError, TimeError, TimeLimit};

/// `-?[0-9]+`: an integer as people write it, in decimal.
fn plain_decimal(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `cores` → `core` when there is one.
fn singular_if_one(n: u64, unit: &str) -> &str {
    if n == 1 {
        unit.strip_suffix('s').unwrap_or(unit)
    } else {
        unit
    }
}

/// `` `"k": 16` or `"k": 17` ``, or only the upper one when the lower is
/// below the field's minimum.
fn either<T: PartialOrd + std::fmt::Display>(
    lower: T,
    upper: T,
    min: T,
    write: &dyn Fn(&dyn std::fmt::Display) -> String,
) -> String {
    if lower < min || lower == upper {
        write(&upper)
    } else {
        format!("{} or {}", write(&lower), write(&upper))
    }
}

impl Reader<'_> {
    fn value<T>(node: &Node, key: &'static str, value: T) -> Option<Value<T>> {
        Some(Value {
            value,
            span: node.span,
            key,
        })
    }

    /// A count of at least `min` (`cpus`, `gpus`, `nodes`; `cpuNumber`,
    /// `gpuNumber`, `taskNumber`). In a job spec: a plain decimal integer
    /// (`0x10`, `0o10`, `+8`, `1_000` and `010` are refused with the decimal
    /// to write). In a platform body: a JSON integer.
    pub(super) fn count(
        &mut self,
        e: &Entry,
        key: &'static str,
        min: u64,
        unit: &str,
    ) -> Option<Value<u64>> {
        if self.kind == DocKind::PlatformBody {
            let n = self.body_integer(e.value, key, min, unit)?;
            return Self::value(e.value, key, n);
        }
        let node = e.value;
        let text = node.scalar_text(self.file).unwrap_or_default();
        let text = text.trim();
        if !node.is_quoted(self.file)
            && plain_decimal(text)
            && let Some(fixed) = units::without_leading_zero(text)
        {
            self.leading_zero(node, key, text, format!("write `{key}: {fixed}`"));
            return None;
        }
        if let Kind::Int(i) = &node.kind {
            if !plain_decimal(text) {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` {text} is not written as a decimal number"),
                    "not a decimal number",
                    format!("write `{key}: {i}`"),
                );
                return None;
            }
            let n = self.at_least(node, key, min, unit, *i)?;
            return Self::value(node, key, n);
        }
        let digits = text.trim_start_matches(['-', '+']);
        // (A string made so on purpose, `!!str 8`, is a string: named as
        // one below, not taken for a leading zero.)
        let (message, help) = if !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !node.is_quoted(self.file)
            && !matches!(node.kind, Kind::Str(_))
        {
            match digits.parse::<u64>() {
                // Digits not read as an integer that fit one: a value with a
                // leading zero, reached through an alias.
                Ok(n) => (
                    format!(
                        "`{key}` is written with a leading zero (YAML 1.1 reads `010` as octal 8, YAML 1.2 as 10)"
                    ),
                    format!("write `{key}: {n}`"),
                ),
                Err(_) => (
                    format!("`{key}` {text} is too large"),
                    format!("{key} is a count of {unit}"),
                ),
            }
        } else if let Kind::Str(s) = &node.kind {
            match s.trim().parse::<i128>() {
                Ok(n) if node.is_quoted(self.file) => (
                    format!(
                        "`{key}` must be a number, not the string {}",
                        node.raw(self.file).trim()
                    ),
                    format!("write `{key}: {n}` without quotes"),
                ),
                Ok(n) => (
                    format!("`{key}` must be a number, not a string (`{}`)", s.trim()),
                    format!("write `{key}: {n}`, without a tag"),
                ),
                Err(_) => (
                    format!("`{key}` must be a whole number of {unit}, not `{s}`"),
                    format!("write a whole number, e.g. `{key}: {}`", min.max(1)),
                ),
            }
        } else if let Kind::Float(f) = node.kind
            && f.is_finite()
            && f.abs() < 1e18
        {
            let write = |n: &dyn std::fmt::Display| format!("`{key}: {n}`");
            (
                format!("`{key}` must be a whole number of {unit}, not {text}"),
                format!("write {}", either(f.floor(), f.ceil(), min as f64, &write)),
            )
        } else if matches!(node.kind, Kind::Null) {
            (
                format!("`{key}` has no value"),
                format!("write a whole number, e.g. `{key}: {}`", min.max(1)),
            )
        } else {
            (
                format!(
                    "`{key}` must be a whole number of {unit}, not {} ({text})",
                    node.type_name(),
                ),
                format!("write a whole number, e.g. `{key}: {}`", min.max(1)),
            )
        };
        self.invalid(node, key, message, "not a whole number", help);
        None
    }

    /// `number` if it is at least `min` and fits; else the diagnostic.
    fn at_least(
        &mut self,
        node: &Node,
        key: &'static str,
        min: u64,
        unit: &str,
        number: i128,
    ) -> Option<u64> {
        if number < i128::from(min) {
            let message = if number < 0 {
                format!("`{key}` cannot be negative ({number})")
            } else {
                format!("`{key}` must be at least {min}, found {number}")
            };
            self.invalid(
                node,
                key,
                message,
                "too small",
                format!("request at least {min} {}", singular_if_one(min, unit)),
            );
            return None;
        }
        let Ok(value) = u64::try_from(number) else {
            self.invalid(
                node,
                key,
                format!("`{key}` {number} is too large"),
                "too large",
                format!("{key} is a count of {unit}"),
            );
            return None;
        };
        Some(value)
    }

    fn leading_zero(&mut self, node: &Node, key: &'static str, text: &str, help: String) {
        self.invalid(
            node,
            key,
            format!(
                "`{key}` {text} has a leading zero (YAML 1.1 reads `010` as octal 8, YAML 1.2 as 10)"
            ),
            "leading zero",
            help,
        );
    }

    /// A platform body's integer field (`cpuNumber`, `gpuNumber`,
    /// `taskNumber`, `ramSize`) as the platform takes it: a JSON integer of
    /// at least `min`. A string (`"8"`, `"40G"`) or a fraction (`16.5`) is
    /// refused with the integer to write.
    fn body_integer(
        &mut self,
        node: &Node,
        key: &'static str,
        min: u64,
        unit: &str,
    ) -> Option<u64> {
        let text = node.scalar_text(self.file).unwrap_or_default();
        let text = text.trim();
        let write = |n: &dyn std::fmt::Display| format!("`\"{key}\": {n}`");
        // A digit string (`"8"`) or an integral number (`8.0`) is read as
        // that integer, as the platform takes it, with a warning.
        let lenient = match &node.kind {
            Kind::Float(f) if f.is_finite() && f.fract() == 0.0 && *f >= 0.0 && *f < 1e18 => {
                Some((*f as i128, format!("the decimal {text}")))
            }
            Kind::Str(s)
                if !s.is_empty()
                    && s.bytes().all(|b| b.is_ascii_digit())
                    && units::without_leading_zero(s).is_none()
                    && s.len() <= 19 =>
            {
                s.parse::<i128>()
                    .ok()
                    .map(|n| (n, format!("the string {}", node.raw(self.file).trim())))
            }
            _ => None,
        };
        if let Some((n, what)) = lenient {
            let value = self.at_least(node, key, min, unit, n)?;
            self.push(
                Diagnostic::at(
                    Code::InvalidValue,
                    node.span,
                    format!("`{key}` is {what}, read as {value}; the platform's documented type is a JSON integer"),
                )
                .severity(crate::diag::Severity::Warning)
                .label(format!("read as {value}"))
                .help(format!("write {}", write(&value)))
                .field(key)
                .requested(node.raw(self.file).trim().to_string()),
            );
            return Some(value);
        }
        let (message, help) = match &node.kind {
            Kind::Int(i) if plain_decimal(text) && units::without_leading_zero(text).is_none() => {
                return self.at_least(node, key, min, unit, *i);
            }
            Kind::Int(i) => (
                format!("`{key}` {text} is not written as a decimal integer"),
                format!("write {}", write(i)),
            ),
            Kind::Float(f) if f.is_finite() && f.fract() == 0.0 => (
                format!("`{key}` must be a JSON integer, not the decimal {text}"),
                format!("the platform takes JSON integers: write {}", write(f)),
            ),
            Kind::Float(f) if f.is_finite() && f.abs() < 1e18 => (
                format!("`{key}` must be a whole number of {unit}, not {text}"),
                format!(
                    "the platform takes JSON integers: write {}",
                    either(f.floor(), f.ceil(), min as f64, &write)
                ),
            ),
            Kind::Str(s) => {
                let raw = node.raw(self.file).trim();
                let message = format!("`{key}` must be a JSON integer, not the string {raw}");
                let help = if key == "ramSize" {
                    match Memory::parse(s) {
                        Ok(m) if m.bytes.is_multiple_of(MIB) && m.had_unit => format!(
                            "write {} ({} in MiB, without quotes)",
                            write(&(m.bytes / MIB)),
                            s.trim()
                        ),
                        Ok(m) if m.bytes.is_multiple_of(MIB) => {
                            format!("write {} without quotes", write(&(m.bytes / MIB)))
                        }
                        Ok(m) => format!(
                            "`ramSize` is whole MiB: write {}",
                            either(m.bytes / MIB, m.bytes.div_ceil(MIB), min, &write)
                        ),
                        Err(_) => {
                            format!("write the MiB as a JSON integer, e.g. {}", write(&16384))
                        }
                    }
                } else {
                    match s.trim().parse::<u64>() {
                        Ok(n) => format!("write {} without quotes", write(&n)),
                        Err(_) => format!("write a JSON integer, e.g. {}", write(&min.max(1))),
                    }
                };
                (message, help)
            }
            _ => (
                format!(
                    "`{key}` must be a JSON integer of {unit}, not {}",
                    node.type_name()
                ),
                format!("write a JSON integer, e.g. {}", write(&min.max(1))),
            ),
        };
        self.invalid(node, key, message, "not a JSON integer", help);
        None
    }

    /// `memory` of a job spec (a number with a unit, base 1024), or
    /// `ramSize` of a platform body (a JSON integer of MiB).
    pub(super) fn memory(&mut self, e: &Entry, key: &'static str) -> Option<Value<Memory>> {
        let node = e.value;
        if self.kind == DocKind::PlatformBody {
            let mib = self.body_integer(node, key, 1, "MiB")?;
            let Some(m) = Memory::from_mib(mib) else {
                self.invalid(
                    node,
                    key,
                    format!("`{key}` {mib} is too large"),
                    "too large",
                    "ramSize is the memory per node in MiB".into(),
                );
                return None;
            };
            return Self::value(node, key, m);
        }
        let text = match &node.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                node.scalar_text(self.file).unwrap_or_default()
            }
            _ => {
                self.invalid(
                    node,
                    key,
                    format!(
                        "`{key}` must be an amount such as 16G, not {}",
                        node.type_name()
                    ),
                    "not a memory amount",
                    "write a number with a unit K, M, G or T (base 1024), e.g. 16G".into(),
                );
                return None;
            }
        };
        let text = text.trim();
        if let Some(fixed) = units::without_leading_zero(text) {
            let unitless = fixed.bytes().all(|b| b.is_ascii_digit() || b == b'.');
            let help = if unitless {
                format!("write `{key}: {fixed}G` for GiB, or `{fixed}M` if MiB is meant")
            } else {
                format!("write `{key}: {fixed}`")
            };
            self.leading_zero(node, key, text, help);
            return None;
        }
        match Memory::parse(text) {
            Ok(m) => {
                if !m.had_unit {
                    self.push(
                        Diagnostic::at(
                            Code::MemoryUnitMissing,
                            node.span,
                            format!("`{key}: {text}` has no unit, so it is read as {text} MiB"),
                        )
                        .label("no unit")
                        .help(format!(
                            "write `{text}M` if MiB is meant, or `{text}G` for GiB"
                        ))
                        .field(key)
                        .requested(m.describe()),
                    );
                }
                Self::value(node, key, m)
            }
            Err(err) => {
                let help = match &err {
                    MemoryError::UnknownUnit {
                        suggestion: Some(s),
                        ..
                    } => format!("did you mean `{s}`? Units are K, M, G, T (base 1024)"),
                    _ => "write a number with a unit K, M, G or T (base 1024), e.g. 16G or 1.5T"
                        .into(),
                };
                self.invalid(
                    node,
                    key,
                    format!("`{key}`: {err}"),
                    "not a memory amount",
                    help,
                );
                None
            }
        }
    }

    fn zero_time(&mut self, node: &Node, key: &'static str) {
        self.invalid(
            node,
            key,
            format!("`{key}` must be longer than zero"),
            "no time at all",
            "write the longest time the job may run, e.g. \"2-00:00:00\" or 36h".into(),
        );
    }

    /// `walltime` of a job spec (Slurm's forms, suffix forms, unlimited), or
    /// `timeoutLimit` of a platform body (`unlimited` or `H:MM:SS`).
    pub(super) fn time(&mut self, e: &Entry, key: &'static str) -> Option<Value<TimeLimit>> {
        let node = e.value;
        if self.kind == DocKind::PlatformBody {
            return self.timeout_limit(node, key);
        }
        let text = match &node.kind {
            Kind::Str(_) | Kind::Int(_) | Kind::Float(_) => {
                node.scalar_text(self.file).unwrap_or_default()
            }
            _ => Default::default(),
        };
        let text = text.trim();
        if let Some(fixed) = units::time_without_leading_zero(text) {
            let help = match units::ambiguity(&fixed) {
                Some(Ambiguity::BareMinutes(n)) => {
                    format!("write `{key}: {n}m` for {n} minutes, or `{n}h` for {n} hours")
                }
                _ => format!("write `{key}: {fixed}`"),
            };
            self.leading_zero(node, key, text, help);
            return None;
        }
        match TimeLimit::parse(text) {
            Ok(TimeLimit::Finite(d)) if d.seconds == 0 => {
                self.zero_time(node, key);
                None
            }
            Ok(t) => {
                if let (TimeLimit::Finite(d), Some(a)) = (t, units::ambiguity(text)) {
                    self.ambiguous(node, key, text, a, d);
                }
                Self::value(node, key, t)
            }
            Err(err) => {
                let (message, help) = if text.is_empty() {
                    (
                        format!(
                            "`{key}` must be a time such as 2-00:00:00, not {}",
                            node.type_name()
                        ),
                        None,
                    )
                } else if let Some((m, h)) = units::spelled_out(&format!("{text}m"))
                    .zip(units::spelled_out(&format!("{text}h")))
                    .filter(|_| text.bytes().all(|b| b.is_ascii_digit() || b == b'.'))
                {
                    (
                        format!("`{key}` {text} is not a time: a bare number is whole minutes"),
                        Some(format!(
                            "write `{key}: {m}` for {text} minutes, or `{h}` for {text} hours"
                        )),
                    )
                } else if let TimeError::Malformed(_) = err
                    && let Some(s) = units::spelled_out(text)
                {
                    (
                        format!(
                            "`{key}` `{text}` is not a time: write whole numbers with the units d, h, m and s, without spaces"
                        ),
                        Some(format!("write `{key}: {s}`")),
                    )
                } else {
                    (format!("`{key}`: {err}"), None)
                };
                self.invalid(
                    node,
                    key,
                    message,
                    "not a time",
                    help.unwrap_or_else(|| {
                        "write D-HH:MM:SS (e.g. \"2-00:00:00\"), HH:MM:SS, minutes, or 36h / 2d / 1d12h".into()
                    }),
                );
                None
            }
        }
    }

    /// The `walltime-ambiguous` warning: the reading, and how to write
    /// either meaning unambiguously.
    fn ambiguous(&mut self, node: &Node, key: &'static str, text: &str, a: Ambiguity, d: Duration) {
        let (message, help) = match a {
            Ambiguity::MinutesSeconds { minutes, seconds } => {
                // `24 min` / `1 min 30 s` / `30 s`, and what hours:minutes
                // would be: `24 hours` / `1 h 30 min` / `30 min`.
                let two = |a: u64, ua: &str, b: u64, ub: &str| match (a, b) {
                    (_, 0) => format!("{a} {ua}"),
                    (0, _) => format!("{b} {ub}"),
                    _ => format!("{a} {ua} {b} {ub}"),
                };
                let reading = two(minutes, "min", seconds, "s");
                let plural = |n: u64, unit: &str| match n {
                    1 => format!("1 {unit}"),
                    _ => format!("{n} {unit}s"),
                };
                let (long, meant) = match (minutes, seconds) {
                    (_, 0) => (plural(minutes, "minute"), plural(minutes, "hour")),
                    _ => (reading.clone(), two(minutes, "h", seconds, "min")),
                };
                (
                    format!("`{key}: {text}` is read as {reading}: two fields are minutes:seconds"),
                    format!(
                        "write `{text}:00` for {meant}, or `{}` for {long}",
                        d.suffix()
                    ),
                )
            }
            Ambiguity::BareMinutes(n) => (
                format!("`{key}: {text}` is a bare number, read as {n} min"),
                format!(
                    "write `{n}m` or `{}` for {n} minutes, or `{n}h` for {n} hours",
                    d.hms()
                ),
            ),
        };
        self.push(
            Diagnostic::at(Code::WalltimeAmbiguous, node.span, message)
                .label(format!("read as {}", d.human()))
                .help(help)
                .field(key)
                .requested(d.describe()),
        );
    }

    /// `timeoutLimit` as the platform takes it: `"unlimited"` or
    /// `"H:MM:SS"`, with the spelling to write when it is read some other
    /// way.
    fn timeout_limit(&mut self, node: &Node, key: &'static str) -> Option<Value<TimeLimit>> {
        let text = node.scalar_text(self.file).unwrap_or_default();
        let parsed = match &node.kind {
            Kind::Str(_) => units::parse_timeout_limit(&text),
            // Unquoted `2:00:00` in a YAML body is still the text written.
            Kind::Int(_) | Kind::Float(_) => units::parse_timeout_limit(&text).map_err(|_| None),
            _ => Err(None),
        };
        let suggestion = match parsed {
            Ok(TimeLimit::Finite(d)) if d.seconds == 0 => {
                self.zero_time(node, key);
                return None;
            }
            Ok(t) => return Self::value(node, key, t),
            Err(suggestion) => suggestion,
        };
        let message = match &node.kind {
            Kind::Str(s) => {
                format!("`{key}` must be \"unlimited\" or H:MM:SS, not \"{s}\"")
            }
            _ => format!(
                "`{key}` must be a string, \"unlimited\" or \"H:MM:SS\", not {}",
                node.type_name()
            ),
        };
        let help = match (suggestion, units::ambiguity(&text)) {
            (Some(s), Some(Ambiguity::MinutesSeconds { .. })) => format!(
                "write `\"{key}\": \"{}:00\"` if hours:minutes is meant, or `\"{s}\"` for minutes:seconds",
                text.trim()
            ),
            (Some(s), _) => format!("write `\"{key}\": \"{s}\"`"),
            (None, _) => format!(
                "write `\"{key}\": \"2:00:00\"` (H:MM:SS, hours may exceed 23) or `\"unlimited\"`"
            ),
        };
        self.invalid(node, key, message, "not H:MM:SS", help);
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Job, read_documents};
    use crate::diag::Diagnostic;
    use crate::units::{Memory, TimeLimit};

    /// The job and the (code, help) of each diagnostic of one document.
    fn read(file: &str) -> (Job, Vec<(&'static str, String)>) {
        let mut docs = read_documents(file);
        let doc = docs.remove(0);
        let found = doc
            .diagnostics
            .iter()
            .map(|d: &Diagnostic| (d.code.as_str(), d.help.clone().unwrap_or_default()))
            .collect();
        (doc.job.expect("a job"), found)
    }

    fn spec(field: &str, value: &str) -> String {
        let mut lines = vec![
            "resourceGroup: G".to_string(),
            "cpus: 8".into(),
            "memory: 16G".into(),
            "walltime: 1h".into(),
        ];
        let at = lines
            .iter()
            .position(|l| l.starts_with(&format!("{field}:")));
        let line = format!("{field}: {value}");
        match at {
            Some(i) => lines[i] = line,
            None => lines.push(line),
        }
        lines.join("\n") + "\n"
    }

    fn body(fields: &str) -> String {
        let mut pairs: Vec<(String, String)> = [
            ("instanceServiceName", "\"nb\""),
            ("acceleratorType", "\"gpu\""),
            ("taskType", "\"jupyter\""),
            ("version", "\"1\""),
            ("imagePath", "\"img\""),
            ("timeoutLimit", "\"2:00:00\""),
            ("taskNumber", "1"),
            ("resourceGroup", "\"G\""),
            ("useStartScript", "false"),
            ("startScriptActionScope", "\"all\""),
            ("cpuNumber", "8"),
            ("ramSize", "16384"),
            ("gpuNumber", "1"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for kv in fields.split(";").filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').expect("k=v");
            match pairs.iter_mut().find(|(key, _)| key == k) {
                Some(pair) => pair.1 = v.to_string(),
                None => pairs.push((k.to_string(), v.to_string())),
            }
        }
        let inner: Vec<String> = pairs.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        format!("{{{}}}", inner.join(","))
    }

    fn hours(job: &Job) -> Option<f64> {
        match job.walltime().as_ref()?.value {
            TimeLimit::Finite(d) => Some(d.seconds as f64 / 3600.0),
            TimeLimit::Unlimited => None,
        }
    }

    #[test]
    fn two_field_and_bare_walltimes_are_ambiguous_but_judged() {
        for (value, minutes, help) in [
            (
                "\"24:00\"",
                24.0,
                "write `24:00:00` for 24 hours, or `24m` for 24 minutes",
            ),
            (
                "24:00",
                24.0,
                "write `24:00:00` for 24 hours, or `24m` for 24 minutes",
            ),
            (
                "90",
                90.0,
                "write `90m` or `1:30:00` for 90 minutes, or `90h` for 90 hours",
            ),
            (
                "\"90\"",
                90.0,
                "write `90m` or `1:30:00` for 90 minutes, or `90h` for 90 hours",
            ),
            (
                "1:30",
                1.5,
                "write `1:30:00` for 1 h 30 min, or `1m30s` for 1 min 30 s",
            ),
        ] {
            let (job, found) = read(&spec("walltime", value));
            assert_eq!(found, [("walltime-ambiguous", help.to_string())], "{value}");
            assert_eq!(hours(&job), Some(minutes / 60.0), "{value}");
        }
        for clear in [
            "24:00:00",
            "\"24:00:00\"",
            "24h",
            "24m",
            "1-00",
            "-1",
            "unlimited",
        ] {
            let (_, found) = read(&spec("walltime", clear));
            assert!(found.is_empty(), "{clear}: {found:?}");
        }
    }

    #[test]
    fn time_words_are_refused_with_the_spelling_to_use() {
        for (value, meant) in [
            ("3 days", "3d"),
            ("2 hours", "2h"),
            ("1w", "7d"),
            ("30 minutes", "30m"),
            ("1.5h", "1h30m"),
        ] {
            let (job, found) = read(&spec("walltime", value));
            assert_eq!(
                found,
                [("invalid-value", format!("write `walltime: {meant}`"))],
                "{value}"
            );
            assert!(job.walltime().is_none() && job.walltime_given);
        }
        let (_, found) = read(&spec("walltime", "1.5"));
        assert_eq!(
            found,
            [(
                "invalid-value",
                "write `walltime: 1m30s` for 1.5 minutes, or `1h30m` for 1.5 hours".to_string()
            )]
        );
    }

    #[test]
    fn a_leading_zero_is_refused_in_every_field() {
        for (field, value, help) in [
            ("cpus", "010", "write `cpus: 10`"),
            ("nodes", "01", "write `nodes: 1`"),
            ("gpus", "00", "write `gpus: 0`"),
            ("memory", "010G", "write `memory: 10G`"),
            (
                "memory",
                "010",
                "write `memory: 10G` for GiB, or `10M` if MiB is meant",
            ),
            ("memory", "\"016Gi\"", "write `memory: 16Gi`"),
            (
                "walltime",
                "010",
                "write `walltime: 10m` for 10 minutes, or `10h` for 10 hours",
            ),
            ("walltime", "010:00:00", "write `walltime: 10:00:00`"),
            ("walltime", "08h", "write `walltime: 8h`"),
        ] {
            let (_, found) = read(&spec(field, value));
            assert_eq!(
                found,
                [("invalid-value", help.to_string())],
                "{field}: {value}"
            );
        }
        // Two-digit padding of the colon and day forms is not a leading zero.
        for fine in ["08:00:00", "\"00:30:00\"", "01-12:00:00", "0.5G"] {
            let field = if fine.ends_with('G') {
                "memory"
            } else {
                "walltime"
            };
            let (_, found) = read(&spec(field, fine));
            assert!(found.is_empty(), "{fine}: {found:?}");
        }
    }

    #[test]
    fn counts_are_written_in_decimal() {
        for (value, help) in [
            ("0x10", "write `cpus: 16`"),
            ("0o10", "write `cpus: 8`"),
            ("+8", "write `cpus: 8`"),
            ("8.0", "write `cpus: 8`"),
            ("2.5", "write `cpus: 2` or `cpus: 3`"),
            ("0.5", "write `cpus: 1`"),
            ("\"8\"", "write `cpus: 8` without quotes"),
        ] {
            let (job, found) = read(&spec("cpus", value));
            assert_eq!(found, [("invalid-value", help.to_string())], "{value}");
            assert!(job.cpus().is_none());
        }
    }

    #[test]
    fn memory_forms() {
        let mib = |value: &str| {
            let (job, found) = read(&spec("memory", value));
            assert!(found.is_empty(), "{value}: {found:?}");
            job.memory().expect("memory").value.mib()
        };
        assert_eq!(mib("32Gi"), 32768.0);
        assert_eq!(mib("32gi"), 32768.0);
        assert_eq!(mib("32GiB"), 32768.0);
        assert_eq!(mib("\"32 GB\""), 32768.0);
        assert_eq!(mib("1.5G"), 1536.0);
        assert_eq!(mib("512Mi"), 512.0);
        for (value, meant) in [
            ("32 GBs", "32G"),
            ("32Gb/s", "32G"),
            ("16gig", "16G"),
            ("16 gigabytes", "16G"),
        ] {
            let (_, found) = read(&spec("memory", value));
            assert_eq!(
                found,
                [(
                    "invalid-value",
                    format!("did you mean `{meant}`? Units are K, M, G, T (base 1024)")
                )],
                "{value}"
            );
        }
        let (job, found) = read(&spec("memory", "16"));
        assert_eq!(found[0].0, "memory-unit-missing");
        assert_eq!(
            job.memory().unwrap().value.bytes,
            Memory::from_mib(16).unwrap().bytes
        );
    }

    #[test]
    fn a_platform_body_is_read_as_the_platform_takes_it() {
        let (job, found) = read(&body(""));
        assert!(found.is_empty(), "{found:?}");
        assert_eq!(job.cpus().as_ref().unwrap().value, 8);
        assert_eq!(hours(&job), Some(2.0));
        for fine in [
            "timeoutLimit=\"02:00:00\"",
            "timeoutLimit=\"100:00:00\"",
            "timeoutLimit=\"unlimited\"",
            "gpuNumber=0",
        ] {
            let (_, found) = read(&body(fine));
            assert!(found.is_empty(), "{fine}: {found:?}");
        }
        for (fields, help) in [
            (
                "ramSize=\"40G\"",
                "write `\"ramSize\": 40960` (40G in MiB, without quotes)",
            ),
            (
                "ramSize=16.5",
                "the platform takes JSON integers: write `\"ramSize\": 16` or `\"ramSize\": 17`",
            ),
            (
                "cpuNumber=true",
                "write a JSON integer, e.g. `\"cpuNumber\": 1`",
            ),
            (
                "timeoutLimit=\"2h\"",
                "write `\"timeoutLimit\": \"2:00:00\"`",
            ),
            (
                "timeoutLimit=\"4-00:00:00\"",
                "write `\"timeoutLimit\": \"96:00:00\"`",
            ),
            (
                "timeoutLimit=\"UNLIMITED\"",
                "write `\"timeoutLimit\": \"unlimited\"`",
            ),
            (
                "timeoutLimit=\"2:0:0\"",
                "write `\"timeoutLimit\": \"2:00:00\"`",
            ),
            (
                "timeoutLimit=\"24:00\"",
                "write `\"timeoutLimit\": \"24:00:00\"` if hours:minutes is meant, or `\"0:24:00\"` for minutes:seconds",
            ),
            (
                "timeoutLimit=7200",
                "write `\"timeoutLimit\": \"2:00:00\"` (H:MM:SS, hours may exceed 23) or `\"unlimited\"`",
            ),
        ] {
            let (_, found) = read(&body(fields));
            assert_eq!(found, [("invalid-value", help.to_string())], "{fields}");
        }
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn bare_and_two_field_walltimes_warn_and_keep_slurms_reading(
                a in 1u64..100_000,
                b in 0u64..60,
                quoted in any::<bool>(),
            ) {
                let q = if quoted { "\"" } else { "" };
                let (job, found) = read(&spec("walltime", &format!("{q}{a}{q}")));
                prop_assert_eq!(found.len(), 1);
                prop_assert_eq!(found[0].0, "walltime-ambiguous");
                prop_assert_eq!(hours(&job), Some((a * 60) as f64 / 3600.0));
                let (job, found) = read(&spec("walltime", &format!("{q}{a}:{b:02}{q}")));
                prop_assert_eq!(found.len(), 1);
                prop_assert_eq!(found[0].0, "walltime-ambiguous");
                let start = format!("write `{a}:{b:02}:00` for ");
                prop_assert!(found[0].1.starts_with(&start), "{}", found[0].1);
                prop_assert_eq!(hours(&job), Some((a * 60 + b) as f64 / 3600.0));
            }

            #[test]
            fn a_leading_zero_is_refused_in_counts_memory_and_time(
                n in 1u64..100_000,
                field in prop::sample::select(vec!["cpus", "nodes", "gpus", "memory", "walltime"]),
                unit in prop::sample::select(vec!["", "G", "Gi"]),
            ) {
                let value = if field == "memory" { format!("0{n}{unit}") } else { format!("0{n}") };
                let (_, found) = read(&spec(field, &value));
                prop_assert_eq!(found.len(), 1);
                prop_assert_eq!(found[0].0, "invalid-value");
                let number = n.to_string();
                prop_assert!(found[0].1.contains(&number), "{:?}", found);
            }

            #[test]
            fn body_timeout_limit_in_h_mm_ss_is_accepted(seconds in 1u64..(10_000 * 3600)) {
                let d = crate::units::Duration { seconds };
                let (job, found) = read(&body(&format!("timeoutLimit=\"{}\"", d.hms())));
                prop_assert!(found.is_empty(), "{:?}", found);
                prop_assert_eq!(job.walltime().map(|w| w.value), Some(TimeLimit::Finite(d)));
            }

            #[test]
            fn body_strings_are_refused_with_the_integer(n in 1u64..1_000_000) {
                let (_, found) = read(&body(&format!("ramSize=\"{n}\";cpuNumber=\"{n}\"")));
                prop_assert_eq!(found.len(), 2);
                for (code, help) in &found {
                    prop_assert_eq!(*code, "invalid-value");
                    let integer = format!(": {n}`");
                    prop_assert!(help.contains(&integer), "{}", help);
                }
            }
        }
    }

    #[test]
    fn a_yaml_platform_body_refuses_leading_zeros_too() {
        let file = body("").replace("\"cpuNumber\":8", "\"cpuNumber\": 010");
        let (_, found) = read(&file);
        assert_eq!(found[0].0, "invalid-value", "{found:?}");
        assert!(found[0].1.contains("`\"cpuNumber\": 10`"), "{found:?}");
    }
}
