//! Diagnostics: stable codes, severities and the data every renderer reads.

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// What a rule checks and how to fix it: the text of `jobcheck explain`,
/// the SARIF rule metadata and the rules chapter of the documentation.
#[derive(Clone, Copy, Debug)]
pub struct RuleText {
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

/// Each rule in one place: its code, default severity, one-line summary
/// and explanation. The entries written here come first; after them, in
/// the limit table's order, the rules that rows of the limit table declare
/// (`limit_table.rs`: a new limit's rule is written beside its row), so a
/// new limit adds its code last and no rule's place in the catalog moves.
macro_rules! codes {
    ($($entries:tt)*) => {
        crate::limit_table!(codes_and_limit_rules [$($entries)*]);
    };
}

/// The entries of `codes!`, then the rules the limit table's rows declare.
macro_rules! codes_and_limit_rules {
    ([$($entries:tt)*] $(
        $(#[doc = $doc:literal])* $key:ident { $($row:tt)* }
        $(=> rule $rule:ident = $rule_name:literal, $sev:ident { $($text:tt)* })?
    )*) => {
        rules! { $($entries)* $($($rule = $rule_name, $sev { $($text)* })?)* }
    };
}

/// Defines `Code` from every rule's entry.
macro_rules! rules {
    ($( $variant:ident = $name:literal, $sev:ident {
        summary: $summary:literal,
        checks: $checks:literal,
        limit: $limit:literal,
        bad: $bad:literal,
        good: $good:literal,
        fix: $fix:literal $(,)?
    } )*) => {
        /// Every rule's stable code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }

            /// One line: when the rule fires.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// What the rule checks and how to fix it.
            pub fn text(self) -> RuleText {
                match self {
                    $( Code::$variant => RuleText {
                        checks: $checks,
                        limit: $limit,
                        bad: $bad,
                        good: $good,
                        fix: $fix,
                    }, )*
                }
            }
        }
    };
}

codes! {
    CpusOverLimit = "cpus-over-limit", Error {
        summary: "cpus per node exceed the group's cpuNumber",
        checks: "Checks the CPU cores a job asks for on each node (`cpus` in a job spec, \
            `cpuNumber` in a platform body) against the most the resource group allows \
            per node.",
        limit: "`cpuNumber` (cores per node). The limit is per node: a 2-node job may use \
            `cpuNumber` cores on each node.",
        bad: "# group TeslaM40: cpuNumber 40\nresourceGroup: TeslaM40\ncpus: 48\nmemory: 16G",
        good: "resourceGroup: TeslaM40\ncpus: 40\nmemory: 16G",
        fix: "ask for at most `cpuNumber` cores per node, or pick a group with more cores.",
    }
    MemoryOverLimit = "memory-over-limit", Error {
        summary: "memory per node exceeds the group's memorySize",
        checks: "Checks the memory a job asks for on each node (`memory` in a job spec, \
            `ramSize` in a platform body) against the group's memory per node. Units \
            are base 1024: 1G = 1024 MiB.",
        limit: "`memorySize` (MiB per node).",
        bad: "# group TeslaM40: memorySize 31888 (MiB)\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 48G",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 31888M",
        fix: "ask for at most `memorySize` MiB per node, or pick a group with more memory.",
    }
    NodesOverLimit = "nodes-over-limit", Error {
        summary: "nodes (taskNumber) exceed the group's nodeNumber",
        checks: "Checks the number of nodes (`nodes` in a job spec, `taskNumber` in a \
            platform body) against the most nodes one job may use in the group.",
        limit: "`nodeNumber` (nodes per job).",
        bad: "# group TeslaM40: nodeNumber 1\nresourceGroup: TeslaM40\nnodes: 2\ncpus: 8\nmemory: 16G",
        good: "resourceGroup: TeslaM40\nnodes: 1\ncpus: 8\nmemory: 16G",
        fix: "use at most `nodeNumber` nodes, or a group that allows more.",
    }
    AcceleratorsOverLimit = "accelerators-over-limit", Error {
        summary: "accelerator cards per node exceed gpuNumber, or the type's quota when that is above 0",
        checks: "Checks the accelerator cards a job asks for on each node (`gpus`, `dcus` or \
            `mlus` in a job spec, `gpuNumber` in a platform body). The count must not \
            exceed the group's cards per node, nor your quota for that card type when \
            the platform sets one.",
        limit: "`gpuNumber` (cards per node), and the type's quota: `nvLimits` for gpu, \
            `dcuLimits` for dcu, `mluLimits` for mlu. A quota of 0 means there is no \
            separate quota, so only `gpuNumber` applies.",
        bad: "# group A800x8: gpuNumber 8, nvLimits 4\nresourceGroup: A800x8\ncpus: 16\ngpus: 6\nmemory: 64G\nwalltime: 24h",
        good: "resourceGroup: A800x8\ncpus: 16\ngpus: 4\nmemory: 64G\nwalltime: 24h",
        fix: "ask for no more cards than `gpuNumber` and the type's quota (when above 0).",
    }
    AcceleratorTypeMismatch = "accelerator-type-mismatch", Error {
        summary: "the cards requested do not match the accelerator type",
        checks: "Checks that the cards a job asks for match its accelerator type: `dcus` \
            with `acceleratorType: gpu`, or any cards with `acceleratorType: cpu`, is a \
            mismatch. Also fires when the resource group has no limits for the \
            requested type (a DCU group asked for gpu).",
        limit: "The limit sets' `acceleratorType` (which types the group offers); no numeric \
            field.",
        bad: "resourceGroup: K100\nacceleratorType: gpu\ncpus: 8\ndcus: 2\nmemory: 16G\nwalltime: 24h",
        good: "resourceGroup: K100\nacceleratorType: dcu\ncpus: 8\ndcus: 2\nmemory: 16G\nwalltime: 24h",
        fix: "make the card key (`gpus`/`dcus`/`mlus`) and `acceleratorType` agree, and \
            pick a group that offers that type.",
    }
    WalltimeOverLimit = "walltime-over-limit", Error {
        summary: "walltime exceeds the group's maxTime",
        checks: "Checks the run time a job asks for (`walltime` in a job spec, \
            `timeoutLimit` in a platform body) against the group's maximum run time. \
            Never fires when the group's maximum is unlimited.",
        limit: "`maxTime` (D-HH:MM:SS, or unlimited).",
        bad: "# group CpuSmall: maxTime 12:00:00\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: 3-00:00:00",
        good: "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"12:00:00\"",
        fix: "ask for at most `maxTime`, or split the work into shorter jobs.",
    }
    UnknownResourceGroup = "unknown-resource-group", Error {
        summary: "the resource group does not exist",
        checks: "Checks that the resource group exists: in the limits file, or for the \
            platform (its API answers code 10004 for an unknown group). A close match \
            is suggested.",
        limit: "`resourceGroup` of the limit sets; no numeric field.",
        bad: "resourceGroup: TeslaM4\ncpus: 8\nmemory: 16G",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "use the exact name of an existing group (names are case-sensitive).",
    }
    InvalidValue = "invalid-value", Error {
        summary: "a value has the wrong type, a zero or negative count, or a bad unit or time",
        checks: "Checks that each value can be read: counts are whole numbers above zero \
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
        limit: "None: the value is wrong whatever the limits are.",
        bad: "resourceGroup: TeslaM40\ncpus: eight\nmemory: 16X\nwalltime: soon",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G\nwalltime: \"2-00:00:00\"",
        fix: "write the value in the form the field expects.",
    }
    MissingField = "missing-field", Error {
        summary: "a required field is absent",
        checks: "Checks that the fields a job cannot be judged without are present \
            (`resourceGroup`, `cpus`, `memory` in a job spec), and that fields another \
            field depends on exist (`startScriptContent` when `useStartScript` is true \
            in a platform body).",
        limit: "None: the rule reads the request only.",
        bad: "resourceGroup: TeslaM40\ncpus: 8",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "add the field.",
    }
    UnknownField = "unknown-field", Error {
        summary: "a key the format does not know (a warning in a platform body)",
        checks: "Checks for keys the format does not know, usually a typo; the closest \
            known key is suggested. Keys starting with `x-` are ignored. An error in a \
            job spec, a warning in a platform body (the platform ignores extra keys).",
        limit: "None: the rule reads the request only.",
        bad: "resourceGroup: TeslaM40\ncpus: 8\nmemroy: 16G",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "fix the spelling, or prefix your own keys with `x-`.",
    }
    DuplicateKey = "duplicate-key", Error {
        summary: "the same key appears twice in one mapping",
        checks: "Checks that no key appears twice in one mapping. YAML parsers disagree on \
            which copy wins; jobcheck checks the first.",
        limit: "None: the rule reads the request only.",
        bad: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G\ncpus: 64",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "keep one copy of the key.",
    }
    SyntaxError = "syntax-error", Error {
        summary: "the document is not valid YAML or JSON",
        checks: "Checks that each document is valid YAML (or JSON, which is YAML too). A \
            broken document is reported and the other documents of the file are still \
            checked. A character YAML forbids (a control character, even in a comment) \
            and a file neither UTF-8 nor UTF-16/UTF-32 with a byte-order mark are syntax \
            errors too.",
        limit: "None: the document cannot be read.",
        bad: "resourceGroup: [TeslaM40\ncpus: 8\nmemory: 16G",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "fix the syntax at the position shown (an unclosed bracket or quote, a stray `:`).",
    }
    WalltimeMissing = "walltime-missing", Warning {
        summary: "no walltime while the group's maxTime is limited",
        checks: "Warns when a job gives no walltime while the group's maximum run time is \
            limited: the platform then applies its own default, which may end the job \
            early.",
        limit: "`maxTime` (only when it is not unlimited).",
        bad: "# group CpuSmall: maxTime 12:00:00\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16G",
        good: "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"10:00:00\"",
        fix: "set `walltime` explicitly, at most `maxTime`.",
    }
    WalltimeAmbiguous = "walltime-ambiguous", Warning {
        summary: "a two-field `A:B` or bare-number walltime in a job spec (read as minutes:seconds, or minutes)",
        checks: "Warns when a job spec's `walltime` is written in one of the two forms people \
            misread. Two fields `A:B` are minutes:seconds, as Slurm reads them, so \
            `24:00` is 24 minutes, not 24 hours; a bare number is minutes, so `90` is \
            90 minutes. The job is still judged with that reading. (`timeoutLimit` in a \
            platform body takes only `H:MM:SS` or `unlimited`.)",
        limit: "`maxTime` is checked with the value read as minutes:seconds or minutes.",
        bad: "# group CpuSmall: maxTime 12:00:00; read as 10 minutes\nresourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"10:00\"",
        good: "resourceGroup: CpuSmall\ncpus: 8\nmemory: 16G\nwalltime: \"10:00:00\"",
        fix: "write the time unambiguously: `24:00:00` or `24h` for 24 hours, `24m` or \
            `0:24:00` for 24 minutes.",
    }
    LimitsUnavailable = "limits-unavailable", Error {
        summary: "the job's limits could not be had, so the job is unjudged",
        checks: "Reported at a job's `resourceGroup` when its group's limits could not be \
            had: the network or the platform failed, the token was refused, the \
            platform answered an error, `--offline` found no cached answer, or the \
            answer held no limit that can be read. The job is unjudged: never \
            admitted, never rejected, and the run exits 3. It names the job's file \
            in every format, so a CI reader sees which job was not checked.",
        limit: "All of them: no limit of the group could be read.",
        bad: "# the platform cannot be reached\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        good: "# --limits limits.yaml, or the platform reachable again\nresourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "check again once the limits can be had: fix the network or the token, or pass `--limits FILE`.",
    }
    QuotaExceededByRun = "quota-exceeded-by-run", Warning {
        summary: "retired, never reported: the card quota is per node, judged by accelerators-over-limit",
        checks: "Retired: this rule is never reported. It summed cards × nodes over the \
            jobs of a run and compared the sum with your card quota, but the quota \
            (`nvLimits`, `dcuLimits`, `mluLimits`) is a per-node figure (单节点…限额), \
            so the sum contradicted `accelerators-over-limit`. The quota is judged per \
            node, per job, by `accelerators-over-limit`. The code is kept so that \
            configurations naming it still load.",
        limit: "None (the quota is read by `accelerators-over-limit`).",
        bad: "# group A800x8: nvLimits 4 (cards per node)\nresourceGroup: A800x8\ncpus: 16\ngpus: 5\nmemory: 64G",
        good: "resourceGroup: A800x8\ncpus: 16\ngpus: 4\nmemory: 64G",
        fix: "nothing: see `accelerators-over-limit`, which judges the per-node quota.",
    }
    MemoryUnitMissing = "memory-unit-missing", Warning {
        summary: "a bare number for memory in a job spec (read as MiB)",
        checks: "Warns when `memory` in a job spec is a bare number. It is read as MiB, so \
            `memory: 16` is 16 MiB, almost never what is meant. (`ramSize` in a \
            platform body is MiB by definition and is not flagged.)",
        limit: "`memorySize` is still checked, with the number read as MiB.",
        bad: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "write a unit: `16G` for GiB, `16M` if MiB is really meant.",
    }
    LimitUnknown = "limit-unknown", Warning {
        summary: "the platform left a limit out, so that rule was not judged",
        checks: "Warns when the platform's answer (or the limits file) leaves a limit out, \
            so the matching rule could not be judged. The job itself may be fine. An \
            answer in which no limit at all can be read is no answer: its jobs are \
            unjudged (exit 3), never admitted.",
        limit: "Whichever of `cpuNumber`, `memorySize`, `nodeNumber`, `gpuNumber`, \
            `nvLimits`/`dcuLimits`/`mluLimits` or `maxTime` is missing.",
        bad: "# limits file: the TeslaM40 set has no memorySize\n- resourceGroup: TeslaM40\n  cpuNumber: 40\n  gpuNumber: 2\n  nodeNumber: 1\n  maxTime: unlimited",
        good: "- resourceGroup: TeslaM40\n  cpuNumber: 40\n  gpuNumber: 2\n  memorySize: 31888\n  nodeNumber: 1\n  maxTime: unlimited",
        fix: "complete the limits file, or ask the platform administrators why the limit is absent.",
    }
    UnusedSuppression = "unused-suppression", Warning {
        summary: "a `# jobcheck: ignore[…]` comment that suppresses nothing, names no codes or names an unknown one",
        checks: "Warns about a suppression comment that does nothing: `# jobcheck: ignore[CODE]` \
            at the end of a line with no CODE finding on that line, before a document's \
            first key with none in the document, or `# jobcheck: ignore-file[CODE]` with \
            none in the file; a bare `# jobcheck: ignore` that names no codes; a code that \
            does not exist; and a suppression on a line of its own inside a document, \
            which applies nowhere. A stale suppression would hide the next real finding.",
        limit: "None: the rule reads the file's comments only.",
        bad: "resourceGroup: TeslaM40\ncpus: 8  # jobcheck: ignore[cpus-over-limit]\nmemory: 16G",
        good: "resourceGroup: TeslaM40\ncpus: 8\nmemory: 16G",
        fix: "remove the comment (or the code from its list), or name the codes a bare `ignore` is for.",
    }
}

impl Code {
    pub fn parse(name: &str) -> Option<Code> {
        Code::ALL.iter().copied().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in a file's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn len(&self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// 1-based line and column (in Unicode characters); the end is exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

/// A second place a diagnostic points at (the first definition of a
/// duplicated key, say). `origin` is set when that place is in another file
/// (a policy cap in `jobcheck.toml`); `span` is then unused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    pub span: Span,
    pub label: String,
    pub origin: Option<Origin>,
}

/// A place in another file than the one being reported on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub path: String,
    pub text: std::sync::Arc<str>,
    pub span: Span,
}

impl Origin {
    /// `jobcheck.toml:7:8`.
    pub fn location(&self) -> String {
        let (line, column) = LineIndex::new(&self.text).line_col(self.span.start);
        format!("{}:{line}:{column}", self.path)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Text under the underline.
    pub label: String,
    pub help: Option<String>,
    /// Where in the file; `None` for file-wide problems (unreadable bytes).
    pub span: Option<Span>,
    /// Filled in from `span` once the file's text is known.
    pub position: Option<Position>,
    pub notes: Vec<Note>,
    /// 1-based document index in the file, when the problem is in one.
    pub document: Option<usize>,
    pub field: Option<String>,
    pub requested: Option<String>,
    pub limit: Option<String>,
    /// The one edit that fixes it, when there is one.
    pub fix: Option<Fix>,
}

/// One edit that fixes a diagnostic: `replacement` in place of the text at
/// `span` (an empty span inserts). A fix never changes what a value means
/// silently: it sets a value to its limit, spells out the current reading,
/// or corrects a name to the one suggested.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub span: Span,
    pub replacement: String,
    /// Filled in from `span` once the file's text is known.
    pub position: Option<Position>,
    /// Whether `check --fix` applies it without `--unsafe-fixes`: true for
    /// an edit that keeps what is asked for (a spelling corrected, a reading
    /// made explicit), false for one that changes it (a value lowered to its
    /// limit).
    pub safe: bool,
}

impl Diagnostic {
    pub fn new(code: Code, span: Option<Span>, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            label: String::new(),
            help: None,
            span,
            position: None,
            notes: Vec::new(),
            document: None,
            field: None,
            requested: None,
            limit: None,
            fix: None,
        }
    }

    pub fn at(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Some(span), message)
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn requested(mut self, requested: impl Into<String>) -> Self {
        self.requested = Some(requested.into());
        self
    }

    pub fn limit(mut self, limit: impl Into<String>) -> Self {
        self.limit = Some(limit.into());
        self
    }

    /// The edit that fixes it: `replacement` in place of `span`. A spelling
    /// fix (`gpuu` → `gpu`, `2 days` → `2d`, `"32G"` → `32768`) says the same
    /// request in the form it is read in, and is safe to apply with `check
    /// --fix`; lowering a value to a limit (the fix of an `*-over-limit`
    /// code) changes what is asked for, and is unsafe (`--unsafe-fixes`).
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        let safe = !matches!(
            self.code,
            Code::CpusOverLimit
                | Code::MemoryOverLimit
                | Code::NodesOverLimit
                | Code::AcceleratorsOverLimit
                | Code::WalltimeOverLimit
        );
        self.fix = Some(Fix {
            span,
            replacement: replacement.into(),
            position: None,
            safe,
        });
        self
    }

    /// An edit that changes what is asked for (a value lowered to its
    /// limit): applied only with `--unsafe-fixes`.
    pub fn unsafe_fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self = self.fix(span, replacement);
        if let Some(f) = self.fix.as_mut() {
            f.safe = false;
        }
        self
    }

    pub fn note(mut self, span: Span, label: impl Into<String>) -> Self {
        self.notes.push(Note {
            span,
            label: label.into(),
            origin: None,
        });
        self
    }

    /// A second label in another file.
    pub fn note_elsewhere(mut self, origin: Origin, label: impl Into<String>) -> Self {
        self.notes.push(Note {
            span: origin.span,
            label: label.into(),
            origin: Some(origin),
        });
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Whether its fix (if any) is safe to apply without asking (see
    /// [`Diagnostic::fix`]). `None` without a fix.
    pub fn fix_is_safe(&self) -> Option<bool> {
        self.fix.as_ref().map(|f| f.safe)
    }
}

/// Maps byte offsets of one text to 1-based lines and character columns.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        // LF, CRLF and a bare CR each end a line, as in YAML.
        let bytes = text.as_bytes();
        starts.extend(
            bytes
                .iter()
                .enumerate()
                .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    /// Line and column (both 1-based, column in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        (line + 1, Self::column_in(self.text, &self.starts, offset))
    }

    /// The 1-based column, in characters, of a byte offset in `text` whose
    /// lines start at `starts` (as [`LineIndex::new`] finds them).
    pub fn column_in(text: &str, starts: &[usize], offset: usize) -> usize {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = starts.partition_point(|&s| s <= offset) - 1;
        let before = &text[starts[line]..offset];
        // A byte-order mark is not a column.
        let before = before.strip_prefix('\u{feff}').unwrap_or(before);
        before.chars().count() + 1
    }

    pub fn position(&self, span: Span) -> Position {
        let (line, column) = self.line_col(span.start);
        let (end_line, end_column) = self.line_col(span.end);
        Position {
            line,
            column,
            end_line,
            end_column,
        }
    }
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The closest candidate by edit distance, if it is close enough to be a
/// plausible typo (case is ignored).
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&lower, &candidate.to_lowercase());
        let longest = candidate.chars().count().max(word.chars().count());
        let allowed = (longest / 3).clamp(1, 3);
        if distance <= allowed && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// A name for an unknown one: [`did_you_mean`], else the one candidate
/// that the word begins or that contains it, ignoring case (`A100` →
/// `A100-80G`); `None` when several fit.
pub fn near_name<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    if let Some(near) = did_you_mean(word, candidates.iter().map(String::as_str)) {
        return Some(near);
    }
    let lower = word.to_lowercase();
    if lower.chars().count() < 2 {
        return None;
    }
    let fits: Vec<&'a str> = candidates
        .iter()
        .map(String::as_str)
        .filter(|c| c.to_lowercase().contains(&lower))
        .collect();
    let starts: Vec<&'a str> = fits
        .iter()
        .copied()
        .filter(|c| c.to_lowercase().starts_with(&lower))
        .collect();
    match (starts.as_slice(), fits.as_slice()) {
        ([one], _) | ([], [one]) => Some(one),
        _ => None,
    }
}

#[cfg(test)]
impl Diagnostic {
    /// The diagnostic on one line, from `column` to `end_column` (the
    /// renderers' test fixtures).
    pub(crate) fn on_line(mut self, line: usize, column: usize, end_column: usize) -> Self {
        self.position = Some(Position {
            line,
            column,
            end_line: line,
            end_column,
        });
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_or_a_part_names_the_group() {
        let groups: Vec<String> = ["A100-80G", "TeslaM40", "K100-AI"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(near_name("A100", &groups), Some("A100-80G"));
        assert_eq!(near_name("m40", &groups), Some("TeslaM40"));
        assert_eq!(near_name("100", &groups), None, "two fit");
        assert_eq!(near_name("x", &groups), None);
    }

    #[test]
    fn spelling_fixes_are_safe_and_lowering_a_value_is_not() {
        let span = Span::new(0, 2);
        let over = Diagnostic::at(Code::CpusOverLimit, span, "over").fix(span, "40");
        assert_eq!(over.fix_is_safe(), Some(false));
        let spelling = Diagnostic::at(Code::InvalidValue, span, "gpuu").fix(span, "gpu");
        assert_eq!(spelling.fix_is_safe(), Some(true));
        let group = Diagnostic::at(Code::UnknownResourceGroup, span, "g").fix(span, "TeslaM40");
        assert_eq!(group.fix_is_safe(), Some(true));
        assert_eq!(
            Diagnostic::at(Code::InvalidValue, span, "x").fix_is_safe(),
            None
        );
    }

    #[test]
    fn codes_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::parse(code.as_str()), Some(*code));
        }
    }

    #[test]
    fn codes_keep_their_names_and_places() {
        // SARIF refers to a rule by its place in the catalog (this order):
        // a new code, of `codes!` or of a limit's row, comes after these.
        let first: Vec<&str> = Code::ALL.iter().take(19).map(|c| c.as_str()).collect();
        assert_eq!(
            first,
            [
                "cpus-over-limit",
                "memory-over-limit",
                "nodes-over-limit",
                "accelerators-over-limit",
                "accelerator-type-mismatch",
                "walltime-over-limit",
                "unknown-resource-group",
                "invalid-value",
                "missing-field",
                "unknown-field",
                "duplicate-key",
                "syntax-error",
                "walltime-missing",
                "walltime-ambiguous",
                "limits-unavailable",
                "quota-exceeded-by-run",
                "memory-unit-missing",
                "limit-unknown",
                "unused-suppression",
            ]
        );
    }

    #[test]
    fn line_index_counts_characters() {
        let text = "name: résumé\ncpus: 8\n";
        let idx = LineIndex::new(text);
        let cpus = text.find("8").unwrap();
        assert_eq!(idx.line_col(cpus), (2, 7));
        let after = text.find("é\n").unwrap() + 2;
        assert_eq!(idx.line_col(after), (1, 13));
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}cpus: 17\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text.find("17").unwrap()), (1, 7));
    }

    #[test]
    fn suggestions() {
        let keys = ["cpus", "memory", "walltime", "resourceGroup"];
        assert_eq!(did_you_mean("cpu", keys), Some("cpus"));
        assert_eq!(did_you_mean("memroy", keys), Some("memory"));
        assert_eq!(did_you_mean("resourcegroup", keys), Some("resourceGroup"));
        assert_eq!(did_you_mean("wall_time", keys), Some("walltime"));
        assert_eq!(did_you_mean("zzz", keys), None);
    }
}
