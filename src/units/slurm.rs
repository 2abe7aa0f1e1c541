//! Slurm's reading of a time, ported from `time_str2secs`,
//! `time_str2mins` and `_is_valid_timespec` of Slurm's
//! `src/common/parse_time.c`: the reading every limit (`maxTime`) gets.

use super::{Duration, TimeLimit};

/// How Slurm reads a time string: `time_str2secs` of Slurm's
/// `src/common/parse_time.c`, ported rule for rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlurmTime {
    /// `-1`, `INFINITE`, `UNLIMITED` (any case).
    Infinite,
    /// A number of seconds; may be zero or negative (`-5` is -5 days to
    /// Slurm's `sscanf`), which no limit can be.
    Seconds(i64),
}

/// Slurm's `_is_valid_timespec`: only digits, `-` and `:`; at least one run
/// of digits; at most one `-`, never after a `:`; at most two `:`; and
/// enough runs of digits for the separators.
fn slurm_timespec(s: &str) -> bool {
    let (mut digit, mut dash, mut colon) = (0, 0, 0);
    let mut already_digit = false;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                if !already_digit {
                    digit += 1;
                    already_digit = true;
                }
            }
            b'-' => {
                already_digit = false;
                dash += 1;
                if colon > 0 {
                    return false;
                }
            }
            b':' => {
                already_digit = false;
                colon += 1;
            }
            _ => return false,
        }
    }
    if digit == 0 || dash > 1 || colon > 2 {
        return false;
    }
    let needed = match colon {
        0 => 0,
        c => c + 1 + dash,
    };
    digit >= needed
}

/// C's `sscanf("%d")` on the front of `s`: an optional sign, then digits;
/// `None` when there is no number there (the scan stops), else the value and
/// the rest. A value past `i32` is unreadable (`Err`).
fn scan_int(s: &str) -> Option<Result<(i64, &str), ()>> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'-' | b'+')) {
        i = 1;
    }
    let start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    if i == start {
        return None;
    }
    let value = match s[..i].parse::<i64>() {
        Ok(v) if i64::from(i32::MIN) <= v && v <= i64::from(i32::MAX) => v,
        _ => return Some(Err(())),
    };
    Some(Ok((value, &s[i..])))
}

/// `sscanf(s, pattern)` for patterns `%d<sep>%d<sep>…`: the values read
/// before the first mismatch, or `Err` on a number out of `int`'s range.
fn scan(s: &str, separators: &[u8]) -> Result<Vec<i64>, ()> {
    let mut out = Vec::new();
    let mut rest = s;
    for i in 0..=separators.len() {
        match scan_int(rest) {
            None => break,
            Some(Err(())) => return Err(()),
            Some(Ok((v, r))) => {
                out.push(v);
                rest = r;
            }
        }
        match separators.get(i) {
            Some(&sep) if rest.as_bytes().first() == Some(&sep) => rest = &rest[1..],
            _ => break,
        }
    }
    Ok(out)
}

/// Slurm's `time_str2secs`: `None` where Slurm answers `NO_VAL` (invalid),
/// and also where a number or the total leaves C's `int` (undefined in C,
/// unreadable here). Fields carry: `12:60` is 13 minutes, `1-24` two days.
pub fn slurm_time_secs(text: &str) -> Option<SlurmTime> {
    if text.is_empty() {
        return None;
    }
    if text == "-1"
        || text.eq_ignore_ascii_case("infinite")
        || text.eq_ignore_ascii_case("unlimited")
    {
        return Some(SlurmTime::Infinite);
    }
    if !slurm_timespec(text) {
        return None;
    }
    let (d, h, m, s) = if text.contains('-') {
        // days-[hours[:minutes[:seconds]]]
        let v = scan(text, b"-::").ok()?;
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        (at(0) * 86400, at(1) * 3600, at(2) * 60, at(3))
    } else {
        let v = scan(text, b"::").ok()?;
        let at = |i: usize| v.get(i).copied().unwrap_or(0);
        if v.len() == 3 {
            (0, at(0) * 3600, at(1) * 60, at(2))
        } else {
            // minutes[:seconds]
            (0, 0, at(0) * 60, at(1))
        }
    };
    let total = d + h + m + s;
    (i64::from(i32::MIN)..=i64::from(i32::MAX))
        .contains(&total)
        .then_some(SlurmTime::Seconds(total))
}

/// Slurm's `time_str2mins`: [`slurm_time_secs`] in whole minutes, rounded
/// up; `None` when invalid, `Some(None)` for infinite.
pub fn slurm_time_mins(text: &str) -> Option<Option<i64>> {
    match slurm_time_secs(text)? {
        SlurmTime::Infinite => Some(None),
        // C's `ROUNDUP(i, 60)`, `(i + 59) / 60`, truncating toward zero.
        SlurmTime::Seconds(s) => Some(Some((s + 59) / 60)),
    }
}

impl TimeLimit {
    /// A limit (`maxTime`) as Slurm reads it ([`slurm_time_secs`]), and the
    /// suffix forms (`36h`, `2d`) Slurm does not read but nobody misreads.
    /// Zero (any spelling: `0`, `00:00:00`, `0-0`) and negative times are no
    /// limit at all: an error, so that limit is unknown.
    pub fn parse_limit(text: &str) -> Result<TimeLimit, String> {
        // Not trimmed: Slurm reads ` 10` as no time at all.
        let t = text;
        let reading = match slurm_time_secs(t) {
            Some(SlurmTime::Infinite) => return Ok(TimeLimit::Unlimited),
            Some(SlurmTime::Seconds(s)) => s,
            None => match TimeLimit::parse(t) {
                Ok(TimeLimit::Finite(d))
                    if t.to_ascii_lowercase().ends_with(['d', 'h', 'm', 's']) =>
                {
                    i64::try_from(d.seconds).unwrap_or(i64::MAX)
                }
                Ok(TimeLimit::Unlimited) => return Ok(TimeLimit::Unlimited),
                _ => return Err(format!("`{t}` is not a time Slurm can read")),
            },
        };
        match u64::try_from(reading) {
            Ok(0) => Err(format!(
                "`{t}` is a maximum run time of zero, which is no limit"
            )),
            Ok(seconds) => Ok(TimeLimit::Finite(Duration { seconds })),
            Err(_) => Err(format!("`{t}` is a negative time")),
        }
    }
}
