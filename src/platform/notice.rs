//! Notices: what a layer has to tell the user besides its answers. The
//! library never writes to the terminal; it hands notices and progress to a
//! [`Sink`] that the front provides (and prints, or not).

pub use crate::vocab::{Level, Notice};

/// Where notices and progress go. Calls may come from any thread, while
/// requests are in flight, so that `--verbose` lines appear as they happen.
pub trait Sink: Send + Sync {
    fn notice(&self, notice: Notice);

    /// `done` of `started` requests have finished; called as requests start
    /// and end. The default ignores it.
    fn progress(&self, _done: usize, _started: usize) {}

    /// Every request is over: a progress display can go.
    fn finished(&self) {}
}

/// A sink that keeps notices, for tests and for callers that show them
/// after the run.
#[derive(Debug, Default)]
pub struct Collect(pub std::sync::Mutex<Vec<Notice>>);

impl Collect {
    pub fn take(&self) -> Vec<Notice> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

impl Sink for Collect {
    fn notice(&self, notice: Notice) {
        if let Ok(mut v) = self.0.lock() {
            v.push(notice);
        }
    }
}

/// A sink that drops everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Sink for Quiet {
    fn notice(&self, _notice: Notice) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_show_their_level_and_are_kept_in_order() {
        let sink = Collect::default();
        sink.notice(Notice::warning("the cache is shared"));
        sink.notice(Notice::debug("GET /x: HTTP 200"));
        let told: Vec<String> = sink.take().iter().map(ToString::to_string).collect();
        assert_eq!(
            told,
            ["warning: the cache is shared", "debug: GET /x: HTTP 200"]
        );
        assert!(sink.take().is_empty());
        Quiet.notice(Notice::warning("dropped"));
    }
}
