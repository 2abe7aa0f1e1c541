//! A hover's text: the setting's description, how its value was read, the
//! limit it is judged against and the headroom left.

use super::analysis::{Amounts, Facts, Hovered};

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

/// One line per limit (a hover on `resourceGroup` or `acceleratorType`).
fn table(l: &Amounts, quota: Option<u64>, mib: &dyn Fn(u64) -> String) -> String {
    let mut out = String::new();
    let mut row = |name: &str, value: String| out.push_str(&format!("- {name}: {value}\n"));
    row("cpus per node", count(l.cpus));
    row("cards per node", count(l.cards));
    if let Some(q) = quota {
        row("card quota", q.to_string());
    }
    row(
        "memory per node",
        l.memory.map_or_else(|| "unknown".into(), mib),
    );
    row("nodes", count(l.nodes));
    row(
        "maxTime",
        l.time
            .as_ref()
            .map_or_else(|| "unknown".into(), |t| md(&t.text)),
    );
    out
}

fn read_and_limit(f: &Facts, l: &Amounts) -> String {
    let mib = |b: u64| format!("{} MiB", (f.mib)(b));
    let r = &f.request;
    match f.what {
        Hovered::Cpus => format!(
            "read as {} cores per node · limit {} · {}",
            count(r.cpus),
            count(l.cpus),
            headroom(r.cpus, l.cpus, &|n| n.to_string())
        ),
        Hovered::Cards => {
            let binding = crate::vocab::binding(l.cards, f.quota, None).map(|b| b.0);
            let quota = f.quota.map_or(String::new(), |q| format!(" (quota {q})"));
            format!(
                "read as {} {} cards per node · limit {}{quota} · {}",
                count(r.cards),
                f.accelerator,
                count(l.cards),
                headroom(r.cards, binding, &|n| n.to_string())
            )
        }
        Hovered::Memory => format!(
            "read as {} per node · limit {} · {}",
            f.memory_read
                .as_deref()
                .map_or_else(|| "unknown".into(), md),
            l.memory.map_or_else(|| "unknown".into(), mib),
            headroom(r.memory, l.memory, &mib)
        ),
        Hovered::Nodes => format!(
            "read as {} nodes · limit {} · {}",
            count(r.nodes),
            count(l.nodes),
            headroom(r.nodes, l.nodes, &|n| n.to_string())
        ),
        Hovered::Walltime => {
            let wanted = r.time.as_ref().and_then(|t| t.seconds);
            let room = match &l.time {
                Some(t) if t.seconds.is_none() => "no time limit".into(),
                Some(t) => headroom(wanted, t.seconds, &hms),
                None => "no limit known for this rule".into(),
            };
            format!(
                "read as {} · maxTime {} · {room}",
                r.time.as_ref().map_or("unknown".into(), |t| md(&t.text)),
                l.time.as_ref().map_or("unknown".into(), |t| md(&t.text)),
            )
        }
        Hovered::Group | Hovered::Accelerator => {
            format!("the limits judged:\n\n{}", table(l, f.quota, &mib))
        }
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
    match &f.limits {
        Some(l) => md.push_str(&read_and_limit(f, l)),
        None => match f.what {
            Hovered::Memory => {
                if let Some(m) = &f.memory_read {
                    md.push_str(&format!("Read as {} per node.", self::md(m)));
                }
            }
            Hovered::Walltime => {
                if let Some(t) = &f.request.time {
                    md.push_str(&format!("Read as {}.", self::md(&t.text)));
                }
            }
            _ => {}
        },
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
