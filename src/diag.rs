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

macro_rules! codes {
    ($( $variant:ident = $name:literal, $sev:ident, $summary:literal; )*) => {
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
        }
    };
}

codes! {
    CpusOverLimit = "cpus-over-limit", Error, "cpus per node exceed the group's cpuNumber";
    MemoryOverLimit = "memory-over-limit", Error, "memory per node exceeds the group's memorySize";
    NodesOverLimit = "nodes-over-limit", Error, "nodes (taskNumber) exceed the group's nodeNumber";
    AcceleratorsOverLimit = "accelerators-over-limit", Error, "accelerator cards per node exceed gpuNumber, or the type's quota when that is above 0";
    AcceleratorTypeMismatch = "accelerator-type-mismatch", Error, "the cards requested do not match the accelerator type";
    WalltimeOverLimit = "walltime-over-limit", Error, "walltime exceeds the group's maxTime";
    UnknownResourceGroup = "unknown-resource-group", Error, "the resource group does not exist";
    InvalidValue = "invalid-value", Error, "a value has the wrong type, a zero or negative count, or a bad unit or time";
    MissingField = "missing-field", Error, "a required field is absent";
    UnknownField = "unknown-field", Error, "a key the format does not know (a warning in a platform body)";
    DuplicateKey = "duplicate-key", Error, "the same key appears twice in one mapping";
    SyntaxError = "syntax-error", Error, "the document is not valid YAML or JSON";
    WalltimeMissing = "walltime-missing", Warning, "no walltime while the group's maxTime is limited";
    WalltimeAmbiguous = "walltime-ambiguous", Warning, "a two-field `A:B` or bare-number walltime in a job spec (read as minutes:seconds, or minutes)";
    LimitsUnavailable = "limits-unavailable", Error, "the job's limits could not be had, so the job is unjudged";
    QuotaExceededByRun = "quota-exceeded-by-run", Warning, "retired, never reported: the card quota is per node, judged by accelerators-over-limit";
    MemoryUnitMissing = "memory-unit-missing", Warning, "a bare number for memory in a job spec (read as MiB)";
    LimitUnknown = "limit-unknown", Warning, "the platform left a limit out, so that rule was not judged";
    UnusedSuppression = "unused-suppression", Warning, "a `# jobcheck: ignore[…]` comment that suppresses nothing, names no codes or names an unknown one";
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
        assert_eq!(Code::ALL.len(), 19);
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
