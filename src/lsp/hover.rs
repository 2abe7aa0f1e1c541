//! A hover's text: the setting's description, how its value was read, the
//! limit it is judged against and the headroom left.

use super::analysis::{Amounts, Facts, Hovered};
use crate::units::TimeLimit;
use crate::vocab::{LIMITS, LimitKey, Measure, limit_field};

/// Text from the document or a server, as Markdown shows it literally:
/// controls and bidi characters escaped, and the characters that make
/// emphasis, links, images, autolinks, HTML or tables backslash-escaped.
fn md(text: &str) -> String {
    let mut out = String::new();
    for c in crate::escape::text(text).chars() {
        if "\\`*_[]<>|#~&!".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Text shown as a code span: fenced by more backticks than it holds, so
/// that nothing in it can end the span.
fn code(text: &str) -> String {
    let text = crate::escape::text(text);
    let mut run = 0;
    let mut longest = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "unknown".into(), |n| n.to_string())
}

fn hms(s: u64) -> String {
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn headroom(request: Option<u64>, limit: Option<u64>, show: &dyn Fn(u64) -> String) -> String {
    match (request, limit) {
        (Some(r), Some(l)) if r <= l => format!("headroom **{}**", show(l - r)),
        (Some(r), Some(l)) => format!("**over the limit by {}**", show(r - l)),
        (None, Some(_)) => "the value could not be read".into(),
        (_, None) => "no limit known for this rule".into(),
    }
}

/// A run time as a hover writes it.
fn time_text(t: Option<TimeLimit>) -> String {
    t.map_or_else(|| "unknown".into(), |t| md(&t.describe()))
}

/// One line per limit of the limit table, in its order (a hover on
/// `resourceGroup` or `acceleratorType`); the quota only when above 0.
fn table(l: &Amounts, mib: &dyn Fn(u64) -> String) -> String {
    let mut out = String::new();
    for row in LIMITS {
        let value = match (row.limit, row.measure) {
            (LimitKey::Quota, _) => match l.number(row.limit) {
                Some(q) => {
                    out.push_str(&format!("- card quota: {q}\n"));
                    continue;
                }
                None => continue,
            },
            (_, Measure::Time) => time_text(l.time(row.limit)),
            (_, Measure::Memory) => l.number(row.limit).map_or_else(|| "unknown".into(), mib),
            (_, Measure::Count { .. }) => count(l.number(row.limit)),
        };
        out.push_str(&format!("- {}: {value}\n", row.hover_label()));
    }
    out
}

fn read_and_limit(f: &Facts, l: &Amounts) -> String {
    let mib = |b: u64| format!("{} MiB", (f.mib)(b));
    let r = &f.request;
    let key = match f.what {
        Hovered::Limit(key) => key,
        Hovered::Group | Hovered::Accelerator => {
            return format!("the limits judged:\n\n{}", table(l, &mib));
        }
    };
    let row = limit_field(key);
    let per_node = if row.per_node { " per node" } else { "" };
    let (wanted, limit) = (r.number(key), l.number(key));
    match (key, row.measure) {
        (LimitKey::Cards, _) => {
            let quota = l.number(LimitKey::Quota);
            let binding = crate::vocab::binding(limit, quota, None).map(|b| b.0);
            let quota = quota.map_or(String::new(), |q| format!(" (quota {q})"));
            format!(
                "read as {} {} cards per node · limit {}{quota} · {}",
                count(wanted),
                f.accelerator,
                count(limit),
                headroom(wanted, binding, &|n| n.to_string())
            )
        }
        (_, Measure::Time) => {
            let seconds = |t: TimeLimit| match t {
                TimeLimit::Unlimited => None,
                TimeLimit::Finite(d) => Some(d.seconds),
            };
            let room = match l.time(key) {
                Some(TimeLimit::Unlimited) => "no time limit".into(),
                Some(t) => headroom(r.time(key).and_then(seconds), seconds(t), &hms),
                None => "no limit known for this rule".into(),
            };
            format!(
                "read as {} · {} {} · {room}",
                time_text(r.time(key)),
                row.api_field,
                time_text(l.time(key)),
            )
        }
        (_, Measure::Memory) => format!(
            "read as {}{per_node} · limit {} · {}",
            f.memory_read
                .as_deref()
                .map_or_else(|| "unknown".into(), md),
            limit.map_or_else(|| "unknown".into(), mib),
            headroom(wanted, limit, &mib)
        ),
        (_, Measure::Count { .. }) => format!(
            "read as {} {}{per_node} · limit {} · {}",
            count(wanted),
            row.noun,
            count(limit),
            headroom(wanted, limit, &|n| n.to_string())
        ),
    }
}

/// The hover's Markdown.
pub fn markdown(f: &Facts) -> String {
    // The document's and the server's words are quoted, never Markdown.
    let mut md = format!("**{}**", self::md(f.key));
    if let Some(d) = f.description {
        md.push_str(&format!(" — {d}"));
    }
    let group = code(f.group.as_deref().unwrap_or("?"));
    md.push_str(&format!("\n\nGroup {group} ({}). ", f.accelerator));
    if let Some(status) = &f.status {
        md.push_str(&format!("{}. ", self::md(status)));
    }
    match (&f.limits, f.what) {
        (Some(l), _) => md.push_str(&read_and_limit(f, l)),
        (None, Hovered::Limit(key)) => match limit_field(key).measure {
            Measure::Memory => {
                if let Some(m) = &f.memory_read {
                    md.push_str(&format!("Read as {} per node.", self::md(m)));
                }
            }
            Measure::Time => {
                if let Some(t) = f.request.time(key) {
                    md.push_str(&format!("Read as {}.", self::md(&t.describe())));
                }
            }
            Measure::Count { .. } => {}
        },
        (None, _) => {}
    }
    md.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::{code, md};

    #[test]
    fn quoted_text_cannot_make_markdown() {
        let hostile = "x` ![i](https://evil.example/p.png) [l](https://evil.example) <img src=x>\u{1b}[2J\u{202e}\n# h";
        let q = md(hostile);
        assert!(q.contains("\\!\\[i\\]("), "{q}");
        assert!(q.contains("\\<img"), "{q}");
        assert!(!q.contains('\u{1b}') && !q.contains('\u{202e}') && !q.contains('\n'));
        assert_eq!(md("8G (8192 MiB)"), "8G (8192 MiB)");
        // A code span holding backticks is fenced by a longer run.
        assert_eq!(code("a``b"), "```a``b```");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("TeslaM40"), "`TeslaM40`");
    }
}
