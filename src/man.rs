//! Manual pages: one for `jobcheck` and one per subcommand (`jobcheck-check.1`
//! …), each with its options, exit status, environment and examples.

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

/// One rendered page: its file name (`jobcheck-check.1`) and roff text.
pub struct Page {
    pub file_name: String,
    pub roff: Vec<u8>,
}

const EXIT_STATUS: &[(&str, &str)] = &[
    (
        "0",
        "Every job admitted (warnings allowed unless --deny-warnings).",
    ),
    (
        "1",
        "At least one job rejected, or a document could not be read as a job.",
    ),
    (
        "2",
        "Usage error: bad flags, a path that does not exist, no inputs, a bad limits or \
         configuration file, or a configuration refused for trust.",
    ),
    (
        "3",
        "Limits unavailable for some job (network, authentication, API error, offline without cache).",
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    ("JOBCHECK_LIMITS", "A limits file, as --limits."),
    (
        "JOBCHECK_ENDPOINT",
        "The platform's AI address, as --endpoint.",
    ),
    ("JOBCHECK_TOKEN", "The platform token."),
    (
        "JOBCHECK_TOKEN_FILE",
        "A file holding the token, as --token-file.",
    ),
    (
        "JOBCHECK_USER, JOBCHECK_ACCESS_KEY, JOBCHECK_SECRET_KEY",
        "Credentials to mint a token with.",
    ),
    (
        "JOBCHECK_AUTH_URL, JOBCHECK_AC_URL",
        "The token and discovery services.",
    ),
    ("JOBCHECK_CLUSTER", "Whose token to mint."),
    ("JOBCHECK_CONFIG", "The project configuration, as --config."),
    ("JOBCHECK_FORMAT", "The report format, as --format."),
    (
        "JOBCHECK_TIMEOUT, JOBCHECK_CACHE_TTL",
        "As --timeout and --cache-ttl.",
    ),
    (
        "XDG_CONFIG_HOME",
        "Where the user's configuration is read: $XDG_CONFIG_HOME/jobcheck/config.toml \
         (else ~/.config/jobcheck/config.toml).",
    ),
    (
        "GITHUB_ACTIONS",
        "When \"true\", the default format is github.",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no colour on a terminal.",
    ),
];

/// Examples per page (the top page shows them all).
fn examples(name: &str) -> Vec<(&'static str, &'static str)> {
    let check = vec![
        (
            "jobcheck check --limits limits.yaml jobs/",
            "Check every job file under jobs/.",
        ),
        (
            "jobcheck jobs/ --exclude 'jobs/drafts/' -f json -o report.json",
            "Leave a folder out and write a JSON report.",
        ),
        (
            "cat job.yaml | jobcheck check - --stdin-filename job.yaml",
            "Check standard input.",
        ),
    ];
    let limits = vec![
        (
            "jobcheck limits --limits limits.yaml",
            "List every group of a limits file.",
        ),
        (
            "jobcheck limits --group TeslaM40 --accelerator gpu",
            "One group's limits from the platform.",
        ),
    ];
    let explain = vec![("jobcheck explain cpus-over-limit", "What a rule checks.")];
    match name {
        "jobcheck-check" => check,
        "jobcheck-limits" => limits,
        "jobcheck-explain" => explain,
        "jobcheck-schema" => vec![(
            "jobcheck schema job > job.schema.json",
            "The job file schema.",
        )],
        "jobcheck-completions" => vec![(
            "jobcheck completions bash > /etc/bash_completion.d/jobcheck",
            "Install bash completions.",
        )],
        "jobcheck-lsp" => vec![(
            "jobcheck lsp",
            "Run by an editor, which talks to it on standard input and output (the book's \"Editors\" chapter).",
        )],
        "jobcheck-man" => vec![(
            "jobcheck man --out-dir /usr/local/share/man/man1",
            "Install every page.",
        )],
        _ => check.into_iter().chain(limits).chain(explain).collect(),
    }
}

fn section(roff: &mut Roff, title: &str, items: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (term, text) in items {
        roff.control("TP", []);
        roff.text([bold(*term)]);
        roff.text([roman(*text)]);
    }
}

/// The SYNOPSIS, each option with its value (`[--limits FILE]`), which
/// clap_mangen's own section leaves out.
fn synopsis(cmd: &clap::Command, name: &str) -> Roff {
    use clap_mangen::roff::italic;
    let mut parts = vec![bold(name.replace('-', " "))];
    for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
        let takes_value = arg.get_action().takes_values();
        let values: Vec<String> = arg
            .get_value_names()
            .map(|v| v.iter().map(|s| s.to_string()).collect())
            .unwrap_or_else(|| vec![arg.get_id().as_str().to_uppercase()]);
        let value = values.join(" ");
        let repeat = matches!(arg.get_action(), clap::ArgAction::Append);
        parts.push(roman(" ["));
        if arg.is_positional() {
            parts.push(italic(value));
            parts.push(roman(if repeat { "]…" } else { "]" }));
            continue;
        }
        let mut names = Vec::new();
        if let Some(short) = arg.get_short() {
            names.push(format!("-{short}"));
        }
        if let Some(long) = arg.get_long() {
            names.push(format!("--{long}"));
        }
        parts.push(bold(names.join("|")));
        if takes_value {
            parts.push(roman(" "));
            parts.push(italic(value));
        }
        parts.push(roman(if repeat { "]…" } else { "]" }));
    }
    if cmd.has_subcommands() {
        parts.push(roman(" "));
        parts.push(italic("COMMAND"));
    }
    let mut roff = Roff::new();
    roff.control("SH", ["SYNOPSIS"]);
    roff.text(parts);
    roff
}

fn page(cmd: clap::Command) -> std::io::Result<Page> {
    let name = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string();
    let man = Man::new(cmd.clone());
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    synopsis(&cmd, &name).to_writer(&mut out)?;
    man.render_description_section(&mut out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(&mut out)?;
    }
    if cmd.has_subcommands() {
        man.render_subcommands_section(&mut out)?;
    }
    let mut extra = Roff::new();
    section(&mut extra, "EXIT STATUS", EXIT_STATUS);
    section(&mut extra, "ENVIRONMENT", ENVIRONMENT);
    extra.control("SH", ["FILES"]);
    extra.text([roman(
        "jobcheck.toml in the working directory or a parent, up to the repository root or \
         the home directory (else found from the paths given; --config names another, \
         --isolated reads none): the project's configuration. $XDG_CONFIG_HOME/jobcheck/config.toml: \
         the user's own. See the book's \"Configuration\" chapter.",
    )]);
    let examples = examples(&name);
    let items: Vec<(&str, &str)> = examples.iter().map(|(c, t)| (*c, *t)).collect();
    section(&mut extra, "EXAMPLES", &items);
    if name != "jobcheck" {
        extra.control("SH", ["SEE ALSO"]);
        extra.text([bold("jobcheck"), roman("(1)")]);
    }
    extra.to_writer(&mut out)?;
    if cmd.get_version().is_some() {
        man.render_version_section(&mut out)?;
    }
    Ok(Page {
        file_name: man.get_filename(),
        roff: out,
    })
}

/// Every page: the command's and each visible subcommand's.
pub fn pages(cmd: clap::Command) -> std::io::Result<Vec<Page>> {
    let mut cmd = cmd.disable_help_subcommand(true);
    cmd.build();
    let mut pages = vec![page(cmd.clone())?];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push(page(sub.clone())?);
    }
    Ok(pages)
}
