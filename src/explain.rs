//! `jobcheck explain CODE`: what a rule checks and how to fix it.
//!
//! The text is kept beside each code, in one entry per rule of the `codes!`
//! table in `diag.rs`, or beside its limit's row in `limit_table.rs` for a
//! rule a row declares (`Code::summary`, `Code::text`); this module only
//! renders it. The same text feeds the SARIF rules (`help`,
//! `fullDescription`) and the rules chapter, so code scanning shows what
//! `jobcheck explain` prints.

use crate::diag::Code;

/// Everything `explain` says about one rule.
#[derive(Clone, Copy, Debug)]
pub struct Explanation {
    pub code: Code,
    /// What the rule checks, in a few sentences.
    pub checks: &'static str,
    /// Which limit field (of the resource group's limits) the rule reads, if any.
    pub limit: &'static str,
    /// A job spec snippet (YAML) that fails the rule…
    pub bad: &'static str,
    /// …and the same snippet fixed.
    pub good: &'static str,
    /// How to fix it, in one sentence.
    pub fix: &'static str,
}

/// The explanation of a rule.
pub fn explanation(code: Code) -> Explanation {
    let text = code.text();
    Explanation {
        code,
        checks: text.checks,
        limit: text.limit,
        bad: text.bad,
        good: text.good,
        fix: text.fix,
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
}

/// Plain text, as `jobcheck explain CODE` prints it.
pub fn explain(code: Code) -> String {
    let e = explanation(code);
    format!(
        "{code} ({severity} by default)\n\n{summary}.\n\n\
         What it checks:\n  {checks}\n\n\
         Limit field:\n  {limit}\n\n\
         Example that fails:\n{bad}\n\
         Example fixed:\n{good}\n\
         Fix: {fix}\n",
        code = code.as_str(),
        severity = code.default_severity().as_str(),
        summary = capitalize(code.summary()),
        checks = e.checks,
        limit = e.limit,
        bad = indent(e.bad),
        good = indent(e.good),
        fix = e.fix,
    )
}

/// Markdown, for SARIF `help.markdown`.
pub fn markdown(code: Code) -> String {
    let e = explanation(code);
    format!(
        "**{code}** ({severity} by default): {summary}.\n\n{checks}\n\n\
         **Limit field:** {limit}\n\n\
         **Example that fails:**\n\n```yaml\n{bad}\n```\n\n\
         **Example fixed:**\n\n```yaml\n{good}\n```\n\n\
         **Fix:** {fix}\n",
        code = code.as_str(),
        severity = code.default_severity().as_str(),
        summary = code.summary(),
        checks = e.checks,
        limit = e.limit,
        bad = e.bad,
        good = e.good,
        fix = e.fix,
    )
}

/// The rules chapter of the book (`docs/src/rules.md`), generated from the
/// same text as `explain`, so the book never drifts from the program. A unit
/// test compares it with the committed file; `JOBCHECK_BLESS=1 cargo test
/// --lib explain` rewrites the file.
pub fn rules_chapter() -> String {
    let mut out = String::from(
        "# Rules\n\n\
         <!-- Generated from the program's own rule text (the `codes!` table in src/diag.rs, \
         and the rules that rows of the limit table in src/limit_table.rs declare): \
         edit that, then run `JOBCHECK_BLESS=1 cargo test --lib explain`. -->\n\n\
         Every diagnostic has a stable code, a severity, a message with the requested \
         value and the limit, a label on the exact span of the offending value, and a \
         help line that says what would fix it. A value equal to its limit is allowed. \
         `jobcheck explain CODE` prints what this chapter says of one rule; \
         `jobcheck explain --list` lists every code.\n\n\
         Every job gets a verdict: **admitted** (no errors), **rejected** (at least one \
         error, or the document could not be read as a job) or **unjudged** (its limits \
         could not be had: never reported as admitted).\n\n\
         | code | default severity | what it reports |\n|---|---|---|\n",
    );
    for &code in Code::ALL {
        out.push_str(&format!(
            "| [`{c}`](#{c}) | {sev} | {summary} |\n",
            c = code.as_str(),
            sev = code.default_severity().as_str(),
            summary = code.summary(),
        ));
    }
    for &code in Code::ALL {
        let e = explanation(code);
        out.push_str(&format!(
            "\n## {c}\n\n{summary_cap} ({sev} by default).\n\n{checks}\n\n\
             **Limit field:** {limit}\n\n\
             **Example that fails:**\n\n```yaml\n{bad}\n```\n\n\
             **Example fixed:**\n\n```yaml\n{good}\n```\n\n\
             **Fix:** {fix}\n",
            c = code.as_str(),
            summary_cap = capitalize(code.summary()),
            sev = code.default_severity().as_str(),
            checks = e.checks,
            limit = e.limit,
            bad = e.bad,
            good = e.good,
            fix = e.fix,
        ));
    }
    out
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The codes an unknown name may have meant: those whose name holds it
/// (`memory` → memory-over-limit, memory-unit-missing), else the nearest.
pub fn suggest(word: &str) -> Vec<Code> {
    let word = word.trim().to_lowercase();
    if word.is_empty() {
        return Vec::new();
    }
    let holding: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| word.len() >= 3 && c.as_str().contains(&word))
        .collect();
    if !holding.is_empty() {
        return holding;
    }
    // A near miss of a whole code, or of one part of it (`walltim`).
    let near = crate::diag::did_you_mean(&word, Code::ALL.iter().map(|c| c.as_str()));
    if let Some(near) = near.and_then(Code::parse) {
        return vec![near];
    }
    Code::ALL
        .iter()
        .copied()
        .filter(|c| {
            c.as_str()
                .split('-')
                .any(|part| part.len() > 3 && crate::diag::did_you_mean(&word, [part]).is_some())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::fields;
    use crate::vocab::{AccelType, LimitKey};

    #[test]
    fn every_code_is_explained() {
        for &code in Code::ALL {
            let text = explain(code);
            assert!(text.contains(code.as_str()), "{code}");
            assert!(text.contains("Example"), "{code}");
            assert!(text.contains(code.default_severity().as_str()), "{code}");
            let e = explanation(code);
            assert_ne!(e.bad, e.good, "{code}");
            assert!(markdown(code).contains("```yaml"), "{code}");
        }
    }

    #[test]
    fn rules_chapter_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/rules.md");
        let text = rules_chapter();
        if std::env::var_os("JOBCHECK_BLESS").is_some() {
            std::fs::write(&path, &text).expect("write docs/src/rules.md");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "docs/src/rules.md is not what `explain` says: run \
             `JOBCHECK_BLESS=1 cargo test --lib explain` and commit the file"
        );
    }

    #[test]
    fn suggestions_for_unknown_codes() {
        let names = |w: &str| -> Vec<&str> { suggest(w).iter().map(|c| c.as_str()).collect() };
        assert_eq!(
            names("memory"),
            ["memory-over-limit", "memory-unit-missing"]
        );
        assert_eq!(names("cpus-over-limt"), ["cpus-over-limit"]);
        assert!(names("walltim").contains(&"walltime-over-limit"));
        assert!(names("zz").is_empty());
        assert!(names("").is_empty());
    }
    #[test]
    fn hand_written_lists_of_limits_name_every_one() {
        // Two texts list the limit table by hand: `limit-unknown`'s limit
        // field and the policy keys of the configuration chapter. A new row
        // makes this fail until both name it.
        let unknown = explanation(Code::LimitUnknown).limit;
        let mut fields: Vec<&str> = fields::LIMITS
            .iter()
            .filter(|l| l.limit != LimitKey::Quota)
            .map(|l| l.api_field)
            .collect();
        fields.extend(AccelType::CARD_TYPES.iter().filter_map(|t| t.quota_field()));
        for field in fields {
            assert!(
                unknown.contains(&format!("`{field}`")),
                "limit-unknown's limit text does not name `{field}`: {unknown}"
            );
        }
        let chapter = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/src/config.md");
        let chapter = std::fs::read_to_string(chapter).unwrap();
        let sentence = chapter
            .split("\n\n")
            .find(|p| p.starts_with("Policy keys are"))
            .expect("docs/src/config.md says which policy keys there are");
        for (_, name, _) in crate::vocab::CapKey::all() {
            assert!(
                sentence.contains(&format!("`{name}`")),
                "docs/src/config.md's policy keys do not name `{name}`: {sentence}"
            );
        }
    }

    #[test]
    fn explain_names_each_limits_keys_and_field() {
        // `jobcheck explain` (and SARIF) describe each limit rule with the
        // keys that request it and the field that bounds it.
        for row in fields::LIMITS.iter().filter(|l| l.limit != LimitKey::Quota) {
            let e = explanation(row.code);
            let text = format!("{} {}", e.checks, e.limit);
            for word in [row.body_key, row.api_field] {
                assert!(
                    text.contains(&format!("`{word}`")),
                    "{:?}: {word}",
                    row.limit
                );
            }
            if row.limit != LimitKey::Cards {
                assert!(
                    text.contains(&format!("`{}`", row.spec_key)),
                    "{:?}",
                    row.limit
                );
            }
        }
    }
}
