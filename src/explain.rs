//! `jobcheck explain CODE`: what a rule checks and how to fix it.
//!
//! The same text feeds the SARIF rules (`help`, `fullDescription`), so code
//! scanning shows what `jobcheck explain` prints.

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
    let (checks, limit, bad, good, fix) = match code {
        Code::CpusOverLimit => (
            "Checks the CPU cores a job asks for on each node (`cpus` in a job spec, \
             `cpuNumber` in a platform body) against the most the resource group allows \
             per node.",
            "`cpuNumber` (cores per node). The limit is per node: a 2-node job may use \
             `cpuNumber` cores on each node.",
            "# group TeslaM40: cpuNumber 40\nresourceGroup: TeslaM40\ncpus: 48\nmemory: 16G",
            "resourceGroup: TeslaM40\ncpus: 40\nmemory: 16G",
            "ask for at most `cpuNumber` cores per node, or pick a group with more cores.",
        ),
        Code::MemoryOverLimit => (
            "Checks the memory a job asks for on each node (`memory` in a job spec, \
             `ramSize` in a platform body) against the group's memory per node. Units \
             are base 1024: 1G = 1024 MiB.",
            "`memorySize` (MiB per node).",
            "# group TeslaM40: memorySize 31888 (MiB)\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 48G",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 31888M",
            "ask for at most `memorySize` MiB per node, or pick a group with more memory.",
        ),
        Code::NodesOverLimit => (
            "Checks the number of nodes (`nodes` in a job spec, `taskNumber` in a \
             platform body) against the most nodes one job may use in the group.",
            "`nodeNumber` (nodes per job).",
            "# group TeslaM40: nodeNumber 1\nresourceGroup: TeslaM40\nnodes: 2\ncpus: 8\nmemory: 16G",
            "resourceGroup: TeslaM40\nnodes: 1\ncpus: 8\nmemory: 16G",
            "use at most `nodeNumber` nodes, or a group that allows more.",
        ),
        Code::AcceleratorsOverLimit => (
            "Checks the accelerator cards a job asks for on each node (`gpus`, `dcus` or \
             `mlus` in a job spec, `gpuNumber` in a platform body). The count must not \
             exceed the group's cards per node, nor your quota for that card type when \
             the platform sets one.",
            "`gpuNumber` (cards per node), and the type's quota: `nvLimits` for gpu, \
             `dcuLimits` for dcu, `mluLimits` for mlu. A quota of 0 means there is no \
             separate quota, so only `gpuNumber` applies.",
            "# group A800x8: gpuNumber 8, nvLimits 4\nresourceGroup: A800x8\ncpus: 16\ngpus: 6\nmemory: 64G\nwalltime: 24h",
            "resourceGroup: A800x8\ncpus: 16\ngpus: 4\nmemory: 64G\nwalltime: 24h",
            "ask for no more cards than `gpuNumber` and the type's quota (when above 0).",
        ),
        Code::AcceleratorTypeMismatch => (
            "Checks that the cards a job asks for match its accelerator type: `dcus` \
             with `acceleratorType: gpu`, or any cards with `acceleratorType: cpu`, is a \
             mismatch. Also fires when the resource group has no limits for the \
             requested type (a DCU group asked for gpu).",
            "The limit sets' `acceleratorType` (which types the group offers); no numeric \
             field.",
            "resourceGroup: K100\nacceleratorType: gpu\ncpus: 8\ndcus: 2\nmemory: 16G\nwalltime: 24h",
            "resourceGroup: K100\nacceleratorType: dcu\ncpus: 8\ndcus: 2\nmemory: 16G\nwalltime: 24h",
            "make the card key (`gpus`/`dcus`/`mlus`) and `acceleratorType` agree, and \
             pick a group that offers that type.",
        ),
        Code::WalltimeOverLimit => (
            "Checks the run time a job asks for (`walltime` in a job spec, \
             `timeoutLimit` in a platform body) against the group's maximum run time. \
             Never fires when the group's maximum is unlimited.",
            "`maxTime` (D-HH:MM:SS, or unlimited).",
            "# group CpuSmall: maxTime 12:00:00\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: 3-00:00:00",
            "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"12:00:00\"",
            "ask for at most `maxTime`, or split the work into shorter jobs.",
        ),
        Code::UnknownResourceGroup => (
            "Checks that the resource group exists: in the limits file, or for the \
             platform (its API answers code 10004 for an unknown group). A close match \
             is suggested.",
            "`resourceGroup` of the limit sets; no numeric field.",
            "resourceGroup: TeslaM4\ncpus: 8\nmemory: 16G",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "use the exact name of an existing group (names are case-sensitive).",
        ),
        Code::InvalidValue => (
            "Checks that each value can be read: counts are whole numbers above zero \
             (cards may be 0), memory is a number with a unit K, M, G or T (base 1024), \
             a walltime is D-HH:MM:SS, HH:MM:SS, minutes, a suffix form such as 36h, or \
             unlimited, and strings are strings. No number has a leading zero (`010`). \
             A platform body is read as the platform reads it: `cpuNumber`, `gpuNumber`, \
             `taskNumber` and `ramSize` (MiB) are JSON integers, `timeoutLimit` is \
             \"unlimited\" or \"H:MM:SS\", acceleratorType, taskType and \
             startScriptActionScope take the exact lower-case values (`GPU` gets \"did you \
             mean `gpu`\"), useStartScript is a boolean, required strings are not empty, \
             mount paths are absolute and ports are 1 to 65535. The help gives the spelling \
             to write when the value can be read another way (`3 days` → `3d`, \
             `\"ramSize\": \"40G\"` → `40960`).",
            "None: the value is wrong whatever the limits are.",
            "resourceGroup: TeslaM40\ncpus: eight\nmemory: 16X\nwalltime: soon",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G\nwalltime: \"2-00:00:00\"",
            "write the value in the form the field expects.",
        ),
        Code::MissingField => (
            "Checks that the fields a job cannot be judged without are present \
             (`resourceGroup`, `cpus`, `memory` in a job spec), and that fields another \
             field depends on exist (`startScriptContent` when `useStartScript` is true \
             in a platform body).",
            "None: the rule reads the request only.",
            "resourceGroup: TeslaM40\ncpus: 8",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "add the field.",
        ),
        Code::UnknownField => (
            "Checks for keys the format does not know, usually a typo; the closest \
             known key is suggested. Keys starting with `x-` are ignored. An error in a \
             job spec, a warning in a platform body (the platform ignores extra keys).",
            "None: the rule reads the request only.",
            "resourceGroup: TeslaM40\ncpus: 8\nmemroy: 16G",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "fix the spelling, or prefix your own keys with `x-`.",
        ),
        Code::DuplicateKey => (
            "Checks that no key appears twice in one mapping. YAML parsers disagree on \
             which copy wins; jobcheck checks the first.",
            "None: the rule reads the request only.",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G\ncpus: 64",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "keep one copy of the key.",
        ),
        Code::SyntaxError => (
            "Checks that each document is valid YAML (or JSON, which is YAML too). A \
             broken document is reported and the other documents of the file are still \
             checked. A character YAML forbids (a control character, even in a comment) \
             and a file neither UTF-8 nor UTF-16/UTF-32 with a byte-order mark are syntax \
             errors too.",
            "None: the document cannot be read.",
            "resourceGroup: [TeslaM40\ncpus: 8\nmemory: 16G",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "fix the syntax at the position shown (an unclosed bracket or quote, a stray `:`).",
        ),
        Code::WalltimeMissing => (
            "Warns when a job gives no walltime while the group's maximum run time is \
             limited: the platform then applies its own default, which may end the job \
             early.",
            "`maxTime` (only when it is not unlimited).",
            "# group CpuSmall: maxTime 12:00:00\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16G",
            "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"10:00:00\"",
            "set `walltime` explicitly, at most `maxTime`.",
        ),
        Code::WalltimeAmbiguous => (
            "Warns when a job spec's `walltime` is written in one of the two forms people \
             misread. Two fields `A:B` are minutes:seconds, as Slurm reads them, so \
             `24:00` is 24 minutes, not 24 hours; a bare number is minutes, so `90` is \
             90 minutes. The job is still judged with that reading. (`timeoutLimit` in a \
             platform body takes only `H:MM:SS` or `unlimited`.)",
            "`maxTime` is checked with the value read as minutes:seconds or minutes.",
            "# group CpuSmall: maxTime 12:00:00; read as 10 minutes\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"10:00\"",
            "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"10:00:00\"",
            "write the time unambiguously: `24:00:00` or `24h` for 24 hours, `24m` or \
             `0:24:00` for 24 minutes.",
        ),
        Code::LimitsUnavailable => (
            "Reported at a job's `resourceGroup` when its group's limits could not be \
             had: the network or the platform failed, the token was refused, the \
             platform answered an error, `--offline` found no cached answer, or the \
             answer held no limit that can be read. The job is unjudged: never \
             admitted, never rejected, and the run exits 3. It names the job's file \
             in every format, so a CI reader sees which job was not checked.",
            "All of them: no limit of the group could be read.",
            "# the platform cannot be reached\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "# --limits limits.yaml, or the platform reachable again\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "check again once the limits can be had: fix the network or the token, or pass `--limits FILE`.",
        ),
        Code::QuotaExceededByRun => (
            "Retired: this rule is never reported. It summed cards × nodes over the \
             jobs of a run and compared the sum with your card quota, but the quota \
             (`nvLimits`, `dcuLimits`, `mluLimits`) is a per-node figure (单节点…限额), \
             so the sum contradicted `accelerators-over-limit`. The quota is judged per \
             node, per job, by `accelerators-over-limit`. The code is kept so that \
             configurations naming it still load.",
            "None (the quota is read by `accelerators-over-limit`).",
            "# group A800x8: nvLimits 4 (cards per node)\nresourceGroup: A800x8\ncpus: 16\ngpus: 5\nmemory: 64G",
            "resourceGroup: A800x8\ncpus: 16\ngpus: 4\nmemory: 64G",
            "nothing: see `accelerators-over-limit`, which judges the per-node quota.",
        ),
        Code::MemoryUnitMissing => (
            "Warns when `memory` in a job spec is a bare number. It is read as MiB, so \
             `memory: 16` is 16 MiB, almost never what is meant. (`ramSize` in a \
             platform body is MiB by definition and is not flagged.)",
            "`memorySize` is still checked, with the number read as MiB.",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "write a unit: `16G` for GiB, `16M` if MiB is really meant.",
        ),
        Code::LimitUnknown => (
            "Warns when the platform's answer (or the limits file) leaves a limit out, \
             so the matching rule could not be judged. The job itself may be fine. An \
             answer in which no limit at all can be read is no answer: its jobs are \
             unjudged (exit 3), never admitted.",
            "Whichever of `cpuNumber`, `memorySize`, `nodeNumber`, `gpuNumber`, \
             `nvLimits`/`dcuLimits`/`mluLimits` or `maxTime` is missing.",
            "# limits file: the TeslaM40 set has no memorySize\n- resourceGroup: TeslaM40\n  cpuNumber: 40\n  gpuNumber: 2\n  nodeNumber: 1\n  maxTime: unlimited",
            "- resourceGroup: TeslaM40\n  cpuNumber: 40\n  gpuNumber: 2\n  memorySize: 31888\n  nodeNumber: 1\n  maxTime: unlimited",
            "complete the limits file, or ask the platform administrators why the limit is absent.",
        ),
        Code::UnusedSuppression => (
            "Warns about a suppression comment that does nothing: `# jobcheck: ignore[CODE]` \
             at the end of a line with no CODE finding on that line, before a document's \
             first key with none in the document, or `# jobcheck: ignore-file[CODE]` with \
             none in the file; a bare `# jobcheck: ignore` that names no codes; a code that \
             does not exist; and a suppression on a line of its own inside a document, \
             which applies nowhere. A stale suppression would hide the next real finding.",
            "None: the rule reads the file's comments only.",
            "resourceGroup: TeslaM40\ncpus: 8  # jobcheck: ignore[cpus-over-limit]\nmemory: 16G",
            "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
            "remove the comment (or the code from its list), or name the codes a bare `ignore` is for.",
        ),
    };
    Explanation {
        code,
        checks,
        limit,
        bad,
        good,
        fix,
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
         <!-- Generated from the program's own rule text (src/explain.rs): \
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
    use crate::vocab::LimitKey;

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
