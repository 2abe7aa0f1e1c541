//! The command line flags of fixing, suppressing and adopting, for
//! `jobcheck check` (flattened into its arguments).

use std::path::PathBuf;

const FIXING: &str = "Fixing and suppressing";

#[derive(clap::Args, Debug, Default)]
pub struct Flags {
    /// Apply every safe fix in place (comments, quoting, key order, line
    /// endings and encoding kept), then report what remains. With `-`,
    /// print the fixed text of standard input.
    #[arg(long, help_heading = FIXING)]
    pub fix: bool,
    /// Print the fixes as a unified diff and write nothing; exit 1 when
    /// there is any.
    #[arg(long, help_heading = FIXING)]
    pub diff: bool,
    /// With --fix or --diff, also apply the fixes that change what is asked
    /// for (a value lowered to its limit).
    #[arg(long, help_heading = FIXING)]
    pub unsafe_fixes: bool,
    /// Report only these codes (comma-separated, repeatable), over the
    /// configuration's `[rules]`.
    #[arg(long, value_name = "CODE,…", value_delimiter = ',', help_heading = FIXING)]
    pub select: Vec<String>,
    /// Do not report these codes (comma-separated, repeatable).
    #[arg(long, value_name = "CODE,…", value_delimiter = ',', help_heading = FIXING)]
    pub ignore: Vec<String>,
    /// Hide the findings this baseline file lists (by file, job, code and
    /// field), and say which of its entries no longer match anything.
    #[arg(long, value_name = "FILE", help_heading = FIXING)]
    pub baseline: Option<PathBuf>,
    /// Record every finding of this run in a baseline file and exit.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff"], help_heading = FIXING)]
    pub write_baseline: Option<PathBuf>,
}

impl Flags {
    /// Check the flags before a run: `--select`/`--ignore` applied to the
    /// configuration's rules, the baseline read. The error is a usage error.
    pub fn prepare(
        &self,
        config: &mut crate::config::Config,
    ) -> Result<Option<std::sync::Arc<crate::pipeline::baseline::Baseline>>, String> {
        if self.unsafe_fixes && !(self.fix || self.diff) {
            return Err("--unsafe-fixes goes with --fix or --diff".into());
        }
        crate::pipeline::suppress::select(&mut config.rules, &self.select, &self.ignore)?;
        match &self.baseline {
            Some(path) => super::read_baseline(path).map(|b| Some(std::sync::Arc::new(b))),
            None => Ok(None),
        }
    }

    /// After a run with `--baseline`: how many findings it hid, and which of
    /// its entries matched nothing (so the file can shrink).
    pub fn tell(&self, options: &crate::pipeline::Options) -> Vec<String> {
        match (&self.baseline, &options.baseline) {
            (Some(path), Some(baseline)) => {
                baseline.tell(&super::shown(&crate::pipeline::display_path(path)))
            }
            _ => Vec::new(),
        }
    }
}
