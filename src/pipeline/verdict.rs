//! Verdicts and the exit status, decided here and nowhere else: which
//! diagnostics reject a job, what a job's verdict is, and what the run's
//! exit status is (0 admitted, 1 rejected, 2 usage, 3 unjudged; the highest wins).

use crate::diag::{Code, Diagnostic, Severity};
use crate::limits::Lookup;
use crate::platform::Class;
use crate::report::{Report, Summary, Verdict};

/// Exit status: every job admitted.
pub const ADMITTED: u8 = 0;
/// Exit status: a job rejected, or a document that could not be read.
pub const REJECTED: u8 = 1;
/// Exit status: a usage error (arguments, a configuration or limits file).
pub const USAGE: u8 = 2;
/// Exit status: limits unavailable for some job.
pub const UNAVAILABLE: u8 = 3;

/// Whether a diagnostic rejects its job: an error, or a warning under
/// `--deny-warnings`. `limits-unavailable` names an unjudged job; it does
/// not reject it.
pub fn rejects(d: &Diagnostic, deny_warnings: bool) -> bool {
    d.code != Code::LimitsUnavailable
        && (d.severity == Severity::Error || (deny_warnings && d.severity == Severity::Warning))
}

/// A job's verdict: rejected (by a diagnostic, or a document that is no
/// job), unjudged when its limits were unavailable (with the reason), else
/// admitted.
pub fn of_job(rejected: bool, answer: Option<&Lookup>) -> (Verdict, Option<String>) {
    match answer {
        _ if rejected => (Verdict::Rejected, None),
        Some(Lookup::Unavailable { reason }) => (Verdict::Unjudged, Some(reason.clone())),
        _ => (Verdict::Admitted, None),
    }
}

/// 3 when limits were unavailable for some job, else 1 when a job
/// was rejected or a document could not be read, else 0.
pub fn exit_code(report: &Report, deny_warnings: bool) -> u8 {
    exit_code_of(&report.summary(), !report.notices.is_empty(), deny_warnings)
}

/// [`exit_code`] from a run's summary and whether it has notices (a run
/// whose report was written as it went keeps no `Report`).
pub fn exit_code_of(s: &Summary, notices: bool, deny_warnings: bool) -> u8 {
    if s.unjudged > 0 || notices {
        UNAVAILABLE
    } else if s.rejected > 0 || s.errors > 0 || (deny_warnings && s.warnings > 0) {
        REJECTED
    } else {
        ADMITTED
    }
}

/// The exit status for a failure of the platform client, the credentials
/// or a limits listing, by its class.
pub fn of_failure(class: Class) -> u8 {
    match class {
        Class::UnknownGroup => REJECTED,
        Class::Usage => USAGE,
        Class::Unavailable => UNAVAILABLE,
    }
}

/// The language server's exit status, as the protocol has it: 0 when
/// `exit` came after `shutdown`, else 1.
pub fn of_server(shut_down: bool) -> u8 {
    if shut_down { ADMITTED } else { REJECTED }
}
