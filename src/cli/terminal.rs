//! The terminal side of the library's notice sink: notices to standard
//! error, progress as a spinner.

use std::io::IsTerminal;

use jobcheck::platform::{Notice, Sink};

/// Where the library's notices and progress go: notices to standard error
/// as they come, progress as an `indicatif` spinner on a terminal, shown
/// once fetching has taken [`Terminal::PROGRESS_AFTER`].
pub struct Terminal {
    bar: std::sync::Mutex<Progress>,
}

#[derive(Default)]
struct Progress {
    since: Option<std::time::Instant>,
    bar: Option<indicatif::ProgressBar>,
}

impl Terminal {
    const PROGRESS_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

    pub fn new() -> Terminal {
        Terminal {
            bar: std::sync::Mutex::new(Progress::default()),
        }
    }
}

impl Sink for Terminal {
    fn notice(&self, notice: Notice) {
        let progress = self.bar.lock().ok();
        match progress.as_ref().and_then(|p| p.bar.as_ref()) {
            Some(bar) => bar.suspend(|| eprintln!("{notice}")),
            None => eprintln!("{notice}"),
        }
    }

    fn progress(&self, done: usize, started: usize) {
        let Ok(mut progress) = self.bar.lock() else {
            return;
        };
        let since = *progress.since.get_or_insert_with(std::time::Instant::now);
        if progress.bar.is_none() {
            if since.elapsed() < Self::PROGRESS_AFTER || !std::io::stderr().is_terminal() {
                return;
            }
            let bar = indicatif::ProgressBar::new_spinner();
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            progress.bar = Some(bar);
        }
        if let Some(bar) = &progress.bar {
            bar.set_message(format!(
                "fetching limits from the platform: {done}/{started} resource groups"
            ));
        }
    }

    fn finished(&self) {
        if let Ok(mut progress) = self.bar.lock() {
            if let Some(bar) = progress.bar.take() {
                bar.finish_and_clear();
            }
            progress.since = None;
        }
    }
}
