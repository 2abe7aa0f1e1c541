//! The `jobcheck` command: arguments in, exit code out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use jobcheck::config::{Config, Places, Scope};
use jobcheck::credentials;
use jobcheck::escape;
use jobcheck::limits::api::{ApiOptions, ApiSource, CacheMode};
use jobcheck::limits::file::FileSource;
use jobcheck::limits::{LimitSource, Pair, show};
use jobcheck::pipeline::verdict::{REJECTED, UNAVAILABLE, USAGE};
use jobcheck::pipeline::{self, Options, Selection};
use jobcheck::platform::{Class, Notice, Sink};
use jobcheck::report::{self, Format, Style};
use jobcheck::request::AccelType;

const INPUTS: &str = "Inputs";
const LIMITS: &str = "Limits";
const CREDENTIALS: &str = "Credentials";
const OUTPUT: &str = "Output";

#[derive(Parser)]
#[command(
    name = "jobcheck",
    version,
    propagate_version = true,
    about = "Check container job requests against the Sugon AC / SCNet platform's resource limits",
    long_about = "Check container job requests against the Sugon AC / SCNet platform's resource limits.\n\n\
                  `jobcheck PATHS…` is short for `jobcheck check PATHS…`.",
    after_help = "Exit status: 0 admitted, 1 rejected, 2 usage error, 3 limits unavailable.\n\
                  `jobcheck man --out-dir DIR` writes the manual pages."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands' names, for `jobcheck PATHS…` and "did you mean".
const COMMANDS: [&str; 8] = [
    "check",
    "lsp",
    "limits",
    "explain",
    "schema",
    "completions",
    "man",
    "help",
];

#[derive(Subcommand)]
enum Command {
    /// Check job files (YAML/JSON job specs and platform bodies) against limits.
    Check(CheckArgs),
    /// Serve the Language Server Protocol on standard input/output: the checks
    /// of `check` in an editor, with hover, completion and quick fixes.
    Lsp,
    /// Show resource groups' limits: every group of a limits file, or the groups named.
    Limits(LimitsArgs),
    /// Describe a rule: what it checks and how to fix it.
    Explain {
        /// A rule code, e.g. cpus-over-limit.
        #[arg(value_name = "CODE")]
        code: Option<String>,
        /// List every code.
        #[arg(long)]
        list: bool,
    },
    /// Print a JSON Schema: `job` (job spec files) or `report` (the JSON report).
    Schema {
        #[arg(value_enum, default_value = "job")]
        which: SchemaKind,
    },
    /// Print a shell completion script (e.g. `jobcheck completions bash > /etc/bash_completion.d/jobcheck`).
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write every page (jobcheck.1, jobcheck-check.1, …) to a directory.
    Man {
        /// Write jobcheck.1 and a page per subcommand into this directory.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum SchemaKind {
    Job,
    Report,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LimitsFormat {
    Table,
    Json,
}

#[derive(Args)]
struct LimitArgs {
    /// Limits from a YAML/JSON file (a list of limit sets, or a saved API response).
    #[arg(long, env = "JOBCHECK_LIMITS", hide_env_values = true, value_name = "FILE", help_heading = LIMITS)]
    limits: Option<PathBuf>,
    /// The platform's AI address (https://host:port); limits are fetched from its API.
    /// Without it, the address is discovered from the token (JOBCHECK_TOKEN, --token-file,
    /// or one minted with JOBCHECK_USER / JOBCHECK_ACCESS_KEY / JOBCHECK_SECRET_KEY).
    #[arg(long, env = "JOBCHECK_ENDPOINT", hide_env_values = true, value_name = "URL", help_heading = CREDENTIALS)]
    endpoint: Option<String>,
    /// A file holding the platform token (else the JOBCHECK_TOKEN variable is used).
    #[arg(long, env = "JOBCHECK_TOKEN_FILE", hide_env_values = true, value_name = "PATH", help_heading = CREDENTIALS)]
    token_file: Option<PathBuf>,
    /// Answer from the local cache only (stale entries too); fetch nothing.
    #[arg(long, conflicts_with = "refresh", help_heading = LIMITS)]
    offline: bool,
    /// Ignore cached answers and fetch them again.
    #[arg(long, help_heading = LIMITS)]
    refresh: bool,
    /// Give up on the platform after this many seconds in all: minting, discovery and
    /// every limits request together, retries included.
    #[arg(long, env = "JOBCHECK_TIMEOUT", hide_env_values = true, value_name = "SECONDS", default_value = "30", value_parser = parse_seconds, help_heading = LIMITS)]
    timeout: std::time::Duration,
    /// How long cached answers stay fresh, in seconds [default: 900].
    #[arg(long, env = "JOBCHECK_CACHE_TTL", hide_env_values = true, value_name = "SECONDS", help_heading = LIMITS)]
    cache_ttl: Option<u64>,
    /// Log each request to the platform on stderr (method, URL, status, attempt,
    /// time, headers sent; the token is shown as <redacted>).
    #[arg(short, long, help_heading = OUTPUT)]
    verbose: bool,
    /// The project configuration [default: jobcheck.toml here or in a parent directory,
    /// up to the repository root or home]. It may not say where credentials go.
    #[arg(long, env = "JOBCHECK_CONFIG", hide_env_values = true, value_name = "PATH", help_heading = INPUTS)]
    config: Option<PathBuf>,
    /// Read files and directories named here (and the limits file) even when,
    /// inside a repository, a symbolic link takes them outside it.
    #[arg(long, help_heading = INPUTS)]
    follow: bool,
}

#[derive(Args)]
struct LimitsArgs {
    /// A resource group, e.g. TeslaM40 (repeatable) [default: every group of the limits file].
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// The accelerator type: gpu, dcu, mlu or cpu [default: the group's only type].
    #[arg(long, value_name = "TYPE", value_parser = parse_accel)]
    accelerator: Option<AccelType>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Output format (json: an object for one --group, else an array).
    #[arg(short, long, value_enum, default_value = "table", value_name = "FORMAT", help_heading = OUTPUT)]
    format: LimitsFormat,
}

fn parse_seconds(text: &str) -> Result<std::time::Duration, String> {
    let s: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds"))?;
    if !(s > 0.0 && s <= 3600.0) {
        return Err(format!("`{text}`: give between 0 and 3600 seconds"));
    }
    Ok(std::time::Duration::from_secs_f64(s))
}

fn parse_accel(text: &str) -> Result<AccelType, String> {
    AccelType::parse(text).ok_or_else(|| format!("`{text}` is not gpu, dcu, mlu or cpu"))
}

#[derive(Args)]
struct CheckArgs {
    /// Files (always checked), directories (walked for *.yaml, *.yml, *.json, honouring
    /// .gitignore, .ignore and hidden names) or `-` for standard input.
    #[arg(value_name = "PATHS", help_heading = INPUTS)]
    paths: Vec<PathBuf>,
    /// Leave out what a glob matches in walked directories (.gitignore syntax, relative to
    /// the working directory; repeatable). Files named on the command line are still checked.
    #[arg(long, value_name = "GLOB", help_heading = INPUTS)]
    exclude: Vec<String>,
    /// The name standard input goes by in reports.
    #[arg(long, value_name = "NAME", help_heading = INPUTS)]
    stdin_filename: Option<String>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Output format [default: human, or github when GITHUB_ACTIONS=true].
    #[arg(short, long, value_enum, env = "JOBCHECK_FORMAT", hide_env_values = true, value_name = "FORMAT", help_heading = OUTPUT)]
    format: Option<Format>,
    /// Write the report to this file instead of standard output.
    #[arg(short, long, value_name = "PATH", help_heading = OUTPUT)]
    output_file: Option<PathBuf>,
    /// Colour in the human format.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN", help_heading = OUTPUT)]
    color: ColorChoice,
    /// Exit 1 when there are warnings, and count jobs with warnings as rejected.
    #[arg(long, help_heading = OUTPUT)]
    deny_warnings: bool,
    /// Print the diagnostics only: no summary line, and run-wide notices on
    /// standard error (human and concise formats).
    #[arg(short, long, help_heading = OUTPUT)]
    quiet: bool,
    /// After the diagnostics, print one line per code with its count (human
    /// and concise formats).
    #[arg(long, help_heading = OUTPUT)]
    statistics: bool,
    /// After the diagnostics, print one row per job: its request beside its
    /// group's limits, values over a limit marked (human format).
    #[arg(long, help_heading = OUTPUT)]
    table: bool,
}

/// The exit code for a failure of the platform client, the credentials or
/// a limits listing: the one place where an error's class becomes a number.
fn exit_code(class: Class) -> u8 {
    match class {
        Class::UnknownGroup => REJECTED,
        Class::Usage => USAGE,
        Class::Unavailable => UNAVAILABLE,
    }
}

/// Where the library's notices and progress go: notices to standard error
/// as they come, progress as an `indicatif` spinner on a terminal, shown
/// once fetching has taken [`Terminal::PROGRESS_AFTER`].
struct Terminal {
    bar: std::sync::Mutex<Progress>,
}

#[derive(Default)]
struct Progress {
    since: Option<std::time::Instant>,
    bar: Option<indicatif::ProgressBar>,
}

impl Terminal {
    const PROGRESS_AFTER: std::time::Duration = std::time::Duration::from_millis(300);

    fn new() -> Terminal {
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

/// Whether a first argument is meant as a path (so `check` is implied).
fn looks_like_path(arg: &str) -> bool {
    arg.starts_with('-') || arg.contains(['/', '\\', '.']) || std::path::Path::new(arg).exists()
}

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `jobcheck PATHS…` means `jobcheck check PATHS…`; a near miss of a
    // subcommand that is not a path gets a suggestion instead.
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let flags = ["-h", "--help", "-V", "--version"];
        if !COMMANDS.contains(&first) && !flags.contains(&first) {
            if !looks_like_path(first)
                && let Some(near) = jobcheck::diag::did_you_mean(first, COMMANDS)
            {
                eprintln!(
                    "error: unrecognized subcommand `{first}`\n\n  tip: did you mean `{near}`?\n\n\
                     For more information, try `jobcheck --help`."
                );
                return ExitCode::from(USAGE);
            }
            args.insert(1, "check".into());
        }
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { 0 });
        }
    };
    ExitCode::from(match cli.command {
        Command::Check(args) => check(args),
        Command::Lsp => jobcheck::lsp::serve(std::io::stdin(), std::io::stdout()),
        Command::Limits(args) => limits(args),
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Job => jobcheck::request::schema::job_schema(),
                SchemaKind::Report => jobcheck::report::json::REPORT_SCHEMA.to_string(),
            };
            emit(format!("{}\n", text.trim_end()).as_bytes(), 0)
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "jobcheck", &mut script);
            emit(&script, 0)
        }
        Command::Man { out_dir } => man(out_dir),
    })
}

/// Write to standard output. A closed pipe (`| head -1`) ends the output
/// quietly, as other tools do, and the command keeps its exit code.
fn emit(bytes: &[u8], code: u8) -> u8 {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => code,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        Err(e) => usage_error(format!("cannot write to standard output: {e}")),
    }
}

fn man(out_dir: Option<PathBuf>) -> u8 {
    let pages = match jobcheck::man::pages(Cli::command()) {
        Ok(pages) => pages,
        Err(e) => return usage_error(format!("cannot render the man pages: {e}")),
    };
    let Some(dir) = out_dir else {
        // The top page on standard output: `jobcheck man > jobcheck.1`.
        return emit(&pages[0].roff, 0);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        return usage_error(format!("cannot create `{}`: {e}", dir.display()));
    }
    let mut written = Vec::new();
    for page in &pages {
        let path = dir.join(&page.file_name);
        if let Err(e) = std::fs::write(&path, &page.roff) {
            return usage_error(format!("cannot write `{}`: {e}", path.display()));
        }
        written.push(format!("{}\n", path.display()));
    }
    emit(written.concat().as_bytes(), 0)
}

fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {}", escape::lines(&message.to_string()));
    USAGE
}

fn style(color: ColorChoice, to_terminal: bool) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => to_terminal && !no_color,
    };
    Style {
        color,
        unicode: true,
        width: 100,
    }
}

/// The user's own configuration, then the project's (`--config`, or
/// `jobcheck.toml` found from the working directory up to the repository
/// root or home), the project's over the user's.
fn load_config(args: &LimitArgs) -> Result<Config, u8> {
    let config =
        Config::load_all(&Places::from_env(args.config.clone())).map_err(|(bad, scope)| {
            let what = match scope {
                Scope::User => "user configuration",
                Scope::Project => "configuration",
            };
            bad_file(&bad, what)
        })?;
    // SAFETY: `main` loads the configuration before it starts any thread
    // (the reader pool and the HTTP runtime come later).
    unsafe { config.export_service_urls() };
    Ok(config)
}

/// A limits or configuration file that cannot be used: shown, then exit 2.
fn bad_file(bad: &jobcheck::limits::file::BadFile, what: &str) -> u8 {
    let style = style(ColorChoice::Auto, std::io::stderr().is_terminal());
    eprint!("{}", report::render_bad_file(bad, style, what));
    USAGE
}

/// Where limits come from: `--limits` / `JOBCHECK_LIMITS`, then
/// `--endpoint` / `JOBCHECK_ENDPOINT`, then the configuration's `limits`,
/// then the user configuration's endpoint or a token alone (discovery).
enum Choice<'a> {
    File(PathBuf),
    Api(Option<&'a String>),
}

fn choose<'a>(args: &'a LimitArgs, config: &'a Config) -> Result<Choice<'a>, u8> {
    if let Some(path) = &args.limits {
        return Ok(Choice::File(path.clone()));
    }
    if args.endpoint.is_some() {
        return Ok(Choice::Api(args.endpoint.as_ref()));
    }
    if let Some(path) = &config.limits {
        return Ok(Choice::File(path.clone()));
    }
    if config.endpoint.is_some() || credentials::credential_configured(args.token_file.as_deref()) {
        return Ok(Choice::Api(config.endpoint.as_ref()));
    }
    Err(usage_error(
        "no limits: pass --limits FILE (or JOBCHECK_LIMITS, or `limits` in jobcheck.toml), or \
         --endpoint URL (or JOBCHECK_ENDPOINT) with a token, or a token or access key alone to \
         discover the endpoint (see the README, \"Credentials\")",
    ))
}

fn read_limits_file(path: &std::path::Path, follow: bool) -> Result<FileSource, u8> {
    let text = jobcheck::fsread::confined(path, follow, true)
        .and_then(|()| jobcheck::fsread::read_small(path))
        .map_err(|e| usage_error(format!("cannot read limits file `{}`: {e}", path.display())))?;
    FileSource::parse(&pipeline::display_path(path), &text)
        .map_err(|bad| bad_file(&bad, "limits file"))
}

fn limit_source(args: &LimitArgs, config: &Config) -> Result<Box<dyn LimitSource>, u8> {
    match choose(args, config)? {
        Choice::File(path) => {
            read_limits_file(&path, args.follow).map(|s| Box::new(s) as Box<dyn LimitSource>)
        }
        Choice::Api(endpoint) => api_source(args, config, endpoint),
    }
}

/// The platform API; without an endpoint, it is discovered from the token.
fn api_source(
    args: &LimitArgs,
    config: &Config,
    endpoint: Option<&String>,
) -> Result<Box<dyn LimitSource>, u8> {
    let sink = std::sync::Arc::new(Terminal::new());
    ApiSource::from_env(
        ApiOptions {
            endpoint: endpoint.cloned(),
            cluster: config.cluster.clone(),
            token_file: args.token_file.clone(),
            timeout: args.timeout,
            verbose: args.verbose,
            cache_ttl: std::time::Duration::from_secs(
                args.cache_ttl.or(config.cache_ttl).unwrap_or(900),
            ),
            cache_mode: if args.offline {
                CacheMode::Offline
            } else if args.refresh {
                CacheMode::Refresh
            } else {
                CacheMode::Normal
            },
            // The endpoint is set above (`None`: discovered).
            ..ApiOptions::new("")
        },
        sink,
    )
    .map(|s| Box::new(s) as Box<dyn LimitSource>)
    .map_err(|e| {
        eprintln!("error: {}", escape::lines(&e.to_string()));
        exit_code(e.class())
    })
}

fn check(args: CheckArgs) -> u8 {
    let config = match load_config(&args.limits) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let selection = Selection {
        stdin_name: args.stdin_filename.clone(),
        exclude: args.exclude.clone(),
        config_dir: config.dir.clone(),
        include: config.include.clone(),
        config_exclude: config.exclude.clone(),
        follow: args.limits.follow,
    };
    let inputs = match pipeline::collect_inputs(&args.paths, &selection) {
        Ok(inputs) => inputs,
        Err(e) => return usage_error(e),
    };
    let source = match limit_source(&args.limits, &config) {
        Ok(source) => source,
        Err(code) => return code,
    };
    let format = args.format.or(config.format).unwrap_or_else(|| {
        if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
            Format::Github
        } else {
            Format::Human
        }
    });
    let options = Options {
        deny_warnings: args.deny_warnings,
        config,
    };
    let report = match pipeline::check_bounded(inputs, source.as_ref(), &options) {
        Ok(report) => report,
        Err(too_many) => return usage_error(too_many),
    };
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let style = style(args.color, to_terminal);
    let extras = report::Extras {
        quiet: args.quiet,
        statistics: args.statistics,
        table: args.table,
    };
    let written = match &args.output_file {
        // A new file renamed over the target: never through a planted link.
        Some(path) => jobcheck::fsread::replace_file(path, |w| {
            report::render_with(format, style, extras, &report, w)
        }),
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            report::render_with(format, style, extras, &report, &mut w).and_then(|_| w.flush())
        }
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return usage_error(format!("cannot write the report: {e}"));
    }
    if format != Format::Human || args.quiet {
        // Machine formats and quiet output stay clean on stdout; run-wide
        // problems go to stderr.
        for notice in &report.notices {
            eprintln!("{notice}");
        }
    }
    pipeline::exit_code(&report, args.deny_warnings)
}

fn limits(args: LimitsArgs) -> u8 {
    let config = match load_config(&args.limits) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let choice = match choose(&args.limits, &config) {
        Ok(choice) => choice,
        Err(code) => return code,
    };
    let shown = match choice {
        Choice::File(path) => match read_limits_file(&path, args.limits.follow) {
            Ok(file) => show::from_file(file.sets(), &args.group, args.accelerator),
            Err(code) => return code,
        },
        Choice::Api(endpoint) => {
            let Some(accelerator) = args.accelerator else {
                return usage_error(
                    "give --accelerator TYPE: the platform answers for one accelerator type at a time",
                );
            };
            if args.group.is_empty() {
                return usage_error(
                    "give --group GROUP: the platform's groups are listed only from a limits file",
                );
            }
            let source = match api_source(&args.limits, &config, endpoint) {
                Ok(source) => source,
                Err(code) => return code,
            };
            let pairs: Vec<Pair> = args
                .group
                .iter()
                .map(|g| Pair {
                    group: g.clone(),
                    accelerator,
                })
                .collect();
            let answers = source.lookup(&pairs);
            show::from_answers(&pairs, answers)
        }
    };
    match shown {
        Ok(shown) => {
            let json = args.format == LimitsFormat::Json;
            emit(
                show::render(&shown, json, args.group.len() == 1).as_bytes(),
                0,
            )
        }
        Err(refusal) => {
            for message in &refusal.messages {
                eprintln!("error: {}", escape::lines(message));
            }
            exit_code(refusal.class)
        }
    }
}

fn explain(code: Option<&str>, list: bool) -> u8 {
    use jobcheck::diag::Code;
    if list || code.is_none() {
        let text: String = Code::ALL
            .iter()
            .map(|c| {
                format!(
                    "{:<26} {:<8} {}\n",
                    c.as_str(),
                    c.default_severity().as_str(),
                    c.summary()
                )
            })
            .collect();
        return emit(text.as_bytes(), if list { 0 } else { USAGE });
    }
    let name = code.unwrap_or_default();
    match Code::parse(name) {
        Some(c) => emit(jobcheck::explain::explain(c).as_bytes(), 0),
        None => {
            let near = jobcheck::explain::suggest(name);
            let names: Vec<String> = near.iter().map(|c| format!("`{c}`")).collect();
            let hint = match names.len() {
                0 => String::new(),
                1 => format!("\n\n  tip: did you mean {}?", names[0]),
                _ => format!("\n\n  tip: did you mean one of {}?", names.join(", ")),
            };
            eprintln!(
                "error: unknown code `{name}`{hint}\n\n`jobcheck explain --list` lists every code."
            );
            USAGE
        }
    }
}
