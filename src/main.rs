//! The `jobcheck` command: arguments in, exit code out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc on Linux: glibc's allocator was about a fifth of the time of a
/// run over many small files (see the book's Performance chapter).
#[cfg(target_os = "linux")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use jobcheck::config::Scope;
use jobcheck::config::settings::{self, Env, Flags, LimitsFrom, Settings, SettingsError};
use jobcheck::escape;
use jobcheck::limits::api::{ApiOptions, ApiSource, CacheMode};
use jobcheck::limits::file::FileSource;
use jobcheck::limits::{LimitSource, Pair, show};
use jobcheck::pipeline::verdict::{self, REJECTED, UNAVAILABLE, USAGE};
use jobcheck::pipeline::{self, Options, Selection};
use jobcheck::report::{self, Format, Style};
use jobcheck::request::AccelType;

mod cli;
use clap::builder::TypedValueParser as _;
use cli::failure::{Failure, Outcome};
use cli::stream::after_report;
use cli::terminal::Terminal;
use cli::values::{Candidates, accelerators, codes, format_name, parse_accel};

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
        /// A rule code, e.g. cpus-over-limit (any case) [default: list every code].
        #[arg(value_name = "CODE", value_parser = Candidates(codes), hide_possible_values = true)]
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
    /// Limits from a YAML/JSON file (a list of limit sets, or a saved API response)
    /// [env: JOBCHECK_LIMITS].
    #[arg(long, value_name = "FILE", help_heading = LIMITS)]
    limits: Option<PathBuf>,
    /// The platform's AI address (https://host:port); limits are fetched from its API.
    /// Without it, the address is discovered from the token (JOBCHECK_TOKEN, --token-file,
    /// or one minted with JOBCHECK_USER / JOBCHECK_ACCESS_KEY / JOBCHECK_SECRET_KEY)
    /// [env: JOBCHECK_ENDPOINT].
    #[arg(long, value_name = "URL", help_heading = CREDENTIALS)]
    endpoint: Option<String>,
    /// A file holding the platform token (else the JOBCHECK_TOKEN variable is used)
    /// [env: JOBCHECK_TOKEN_FILE].
    #[arg(long, value_name = "PATH", help_heading = CREDENTIALS)]
    token_file: Option<PathBuf>,
    /// Answer from the local cache only (stale entries too); fetch nothing.
    #[arg(long, conflicts_with = "refresh", help_heading = LIMITS)]
    offline: bool,
    /// Ignore cached answers and fetch them again.
    #[arg(long, help_heading = LIMITS)]
    refresh: bool,
    /// Give up on the platform after this many seconds in all: minting, discovery and
    /// every limits request together, retries included [default: 30] [env: JOBCHECK_TIMEOUT].
    #[arg(long, value_name = "SECONDS", help_heading = LIMITS)]
    timeout: Option<String>,
    /// How long cached answers stay fresh: seconds (900) or a time (15m, 1h, 2d; at most
    /// 30 days) [default: 900] [env: JOBCHECK_CACHE_TTL].
    #[arg(long, value_name = "DURATION", help_heading = LIMITS)]
    cache_ttl: Option<String>,
    /// Log each request to the platform on stderr (method, URL, status, attempt,
    /// time, headers sent; the token is shown as <redacted>).
    #[arg(short, long, help_heading = OUTPUT)]
    verbose: bool,
    /// The project configuration, replacing the one found by searching [default:
    /// jobcheck.toml here or in a parent directory, up to the repository root or home,
    /// else from the paths given]. It may not say where credentials go. In CI, a file
    /// from outside the checkout pins the policy [env: JOBCHECK_CONFIG].
    #[arg(long, value_name = "PATH", help_heading = INPUTS)]
    config: Option<PathBuf>,
    /// Read files and directories named here (and the limits file) even when,
    /// inside a repository, a symbolic link takes them outside it.
    #[arg(long, help_heading = INPUTS)]
    follow: bool,
    /// Read no configuration file at all (neither the project's nor the user's):
    /// flags, environment and defaults only.
    #[arg(long, conflicts_with = "config", help_heading = INPUTS)]
    isolated: bool,
}

impl LimitArgs {
    /// The raw values the settings resolver validates.
    fn flags(&self, format: Option<Format>) -> Flags {
        Flags {
            limits: self.limits.clone(),
            endpoint: self.endpoint.clone(),
            token_file: self.token_file.clone(),
            timeout: self.timeout.clone(),
            cache_ttl: self.cache_ttl.clone(),
            config: self.config.clone(),
            isolated: self.isolated,
            format,
        }
    }
}

#[derive(Args)]
struct LimitsArgs {
    /// A resource group, e.g. TeslaM40 (repeatable) [default: every group of the limits file].
    #[arg(long, value_name = "GROUP")]
    group: Vec<String>,
    /// The accelerator type: gpu, dcu, mlu or cpu [default: the group's only type].
    #[arg(long, value_name = "TYPE", value_parser = Candidates(accelerators).try_map(|t: String| parse_accel(&t)), hide_possible_values = true)]
    accelerator: Option<AccelType>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Output format (json: an object for one --group, else an array).
    #[arg(short, long, value_enum, default_value = "table", value_name = "FORMAT", help_heading = OUTPUT)]
    format: LimitsFormat,
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
    /// Output format [default: human, or github when GITHUB_ACTIONS=true] [env: JOBCHECK_FORMAT].
    #[arg(short, long, value_enum, value_name = "FORMAT", help_heading = OUTPUT)]
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
    #[command(flatten)]
    fixing: jobcheck::fix::Flags,
    /// Print the settings as resolved (flags, environment, user and project
    /// configuration, defaults) as JSON, and check nothing.
    #[arg(long, help_heading = OUTPUT)]
    show_settings: bool,
}

/// Whether a first argument is meant as a path (so `check` is implied).
fn looks_like_path(arg: &str) -> bool {
    arg.starts_with('-') || arg.contains(['/', '\\', '.']) || std::path::Path::new(arg).exists()
}

fn main() -> ExitCode {
    // No transparent huge pages for this process: where the kernel gives
    // them to every process, each thread's first allocations took a whole
    // 2 MiB page, and 10,000 files peaked at 41 MiB instead of 15 MiB, in
    // the same time. (Inherited by child processes; jobcheck starts none.)
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with integer arguments; it changes nothing else.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `jobcheck PATHS…` means `jobcheck check PATHS…`; a near miss of a
    // subcommand that is not a path gets a suggestion instead.
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let flags = ["-h", "--help", "-V", "--version"];
        if !COMMANDS.contains(&first) && !flags.contains(&first) {
            if !looks_like_path(first)
                && let Some(near) = jobcheck::diag::did_you_mean(first, COMMANDS)
            {
                return report_failure(Failure::shown(
                    format!(
                        "error: unrecognized subcommand `{first}`\n\n  tip: did you mean `{near}`?\n\n\
                         For more information, try `jobcheck --help`.\n"
                    ),
                    USAGE,
                ));
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
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => report_failure(failure),
    }
}

/// The one place a failure is shown.
fn report_failure(failure: Failure) -> ExitCode {
    eprint!("{}", failure.text());
    ExitCode::from(failure.code)
}

fn run(command: Command) -> Outcome {
    match command {
        Command::Check(args) => check(args),
        Command::Lsp => Ok(jobcheck::lsp::serve(std::io::stdin(), std::io::stdout())),
        Command::Limits(args) => limits(args),
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Job => jobcheck::request::schema::job_schema(),
                SchemaKind::Report => jobcheck::report::schema::report_schema(),
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
    }
}

/// Write to standard output. A closed pipe (`| head -1`) ends the output
/// quietly, as other tools do, and the command keeps its exit code.
fn emit(bytes: &[u8], code: u8) -> Outcome {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(code),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(Failure::usage(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

fn man(out_dir: Option<PathBuf>) -> Outcome {
    let pages = jobcheck::man::pages(Cli::command())
        .map_err(|e| Failure::usage(format!("cannot render the man pages: {e}")))?;
    let Some(dir) = out_dir else {
        // The top page on standard output: `jobcheck man > jobcheck.1`.
        return emit(&pages[0].roff, 0);
    };
    std::fs::create_dir_all(&dir)
        .map_err(|e| Failure::usage(format!("cannot create `{}`: {e}", dir.display())))?;
    let mut written = Vec::new();
    for page in &pages {
        let path = dir.join(&page.file_name);
        std::fs::write(&path, &page.roff)
            .map_err(|e| Failure::usage(format!("cannot write `{}`: {e}", path.display())))?;
        written.push(format!("{}\n", path.display()));
    }
    emit(written.concat().as_bytes(), 0)
}

fn style(color: ColorChoice, to_terminal: bool) -> Style {
    // NO_COLOR, or a terminal that says it cannot show colour (TERM=dumb).
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
        || std::env::var_os("TERM").is_some_and(|t| t == "dumb");
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

/// The settings, resolved once by the library's one resolver (flags,
/// environment, user configuration, project configuration, defaults).
fn resolve(flags: &Flags, paths: &[PathBuf]) -> Result<Settings, Failure> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    settings::resolve(flags, &Env::process(), &cwd, paths).map_err(|e| match e {
        SettingsError::Value(message) => Failure::usage(message),
        SettingsError::File(bad, scope) => {
            let what = match scope {
                Scope::User => "user configuration",
                Scope::Project => "configuration",
            };
            bad_file(&bad, what)
        }
    })
}

/// A limits or configuration file that cannot be used: shown, then exit 2.
fn bad_file(bad: &jobcheck::limits::file::BadFile, what: &str) -> Failure {
    let style = style(ColorChoice::Auto, std::io::stderr().is_terminal());
    Failure::shown(report::render_bad_file(bad, style, what), USAGE)
}

fn read_limits_file(path: &std::path::Path, follow: bool) -> Result<FileSource, Failure> {
    let text = jobcheck::fsread::confined(path, follow, true)
        .and_then(|()| jobcheck::fsread::read_small(path))
        .map_err(|e| {
            let shown = pipeline::display_path(path);
            Failure::usage(format!("cannot read limits file `{shown}`: {e}"))
        })?;
    let source = FileSource::parse(&pipeline::display_path(path), &text)
        .map_err(|bad| bad_file(&bad, "limits file"))?;
    for warning in source.warnings() {
        eprintln!("{}", jobcheck::vocab::Notice::warning(warning));
    }
    Ok(source)
}

fn cache_mode(args: &LimitArgs) -> CacheMode {
    if args.offline {
        CacheMode::Offline
    } else if args.refresh {
        CacheMode::Refresh
    } else {
        CacheMode::Normal
    }
}

/// The platform API; without an endpoint, it is discovered from the token.
fn api_source(args: &LimitArgs, settings: &Settings) -> Result<Box<dyn LimitSource>, Failure> {
    let sink = std::sync::Arc::new(Terminal::new());
    let options = ApiOptions {
        cache_mode: cache_mode(args),
        verbose: args.verbose,
        ..ApiOptions::from_settings(&settings.api)
    };
    ApiSource::from_env(options, sink)
        .map(|s| Box::new(s) as Box<dyn LimitSource>)
        .map_err(|e| Failure::error(e.to_string(), verdict::of_failure(e.class())))
}

fn check(args: CheckArgs) -> Outcome {
    let settings = resolve(&args.limits.flags(args.format), &args.paths)?;
    if args.show_settings {
        let text = serde_json::to_string_pretty(&settings.to_json()).unwrap_or_default();
        return emit(format!("{text}\n").as_bytes(), 0);
    }
    let mut config = settings.config.clone();
    let baseline = args.fixing.prepare(&mut config).map_err(Failure::usage)?;
    let selection = Selection {
        stdin_name: args.stdin_filename.clone(),
        exclude: args.exclude.clone(),
        config_dir: config.dir.clone(),
        include: config.include.clone(),
        config_exclude: config.exclude.clone(),
        follow: args.limits.follow,
    };
    // A check that writes its report as it goes reads while the walk goes
    // on; fixing and adopting a baseline take the whole list (`into_vec`).
    let inputs = pipeline::stream_inputs(&args.paths, &selection).map_err(Failure::usage)?;
    // Without limits, the files are still read and their structural
    // problems shown; the run then ends with exit 2 and how to give limits.
    let mut no_limits = None;
    let source: Box<dyn LimitSource> = match &settings.limits {
        LimitsFrom::File(path, _) => Box::new(read_limits_file(path, args.limits.follow)?),
        LimitsFrom::Api => api_source(&args.limits, &settings)?,
        LimitsFrom::None(message) => {
            no_limits = Some(message.clone());
            Box::new(NoLimits)
        }
    };
    let format = settings.format_or_default();
    for (on, flag, shown_in) in [
        (args.table, "--table", &[Format::Human][..]),
        (
            args.statistics,
            "--statistics",
            &[Format::Human, Format::Concise][..],
        ),
    ] {
        if on && !shown_in.contains(&format) {
            let names: Vec<&str> = shown_in.iter().map(|f| format_name(*f)).collect();
            eprintln!(
                "warning: {flag} is shown in the {} format{} only; it is ignored with --format {}",
                names.join(" and "),
                if names.len() > 1 { "s" } else { "" },
                format_name(format)
            );
        }
    }
    let options = Options {
        deny_warnings: args.deny_warnings,
        config,
        baseline,
    };
    let (report, done) = if args.fixing.fix || args.fixing.diff {
        let (report, done) = jobcheck::fix::fix_files(
            &args.fixing,
            inputs.into_vec().map_err(Failure::usage)?,
            source.as_ref(),
            &options,
        );
        done.messages.iter().for_each(|l| eprintln!("{l}"));
        if args.fixing.diff {
            return emit(
                done.diff.as_bytes(),
                (!done.diff.is_empty()) as u8 * REJECTED,
            );
        }
        (report, done)
    } else if args.fixing.write_baseline.is_some() {
        let report = pipeline::check_bounded(
            inputs.into_vec().map_err(Failure::usage)?,
            source.as_ref(),
            &options,
        )
        .map_err(Failure::usage)?;
        (report, jobcheck::fix::Finish::default())
    } else {
        return cli::stream::check(&args, inputs, source.as_ref(), &options, format, no_limits);
    };
    if let Some(path) = &args.fixing.write_baseline {
        let (lines, code) = jobcheck::fix::write_baseline(path, &report).map_err(Failure::usage)?;
        lines.iter().for_each(|l| eprintln!("{l}"));
        return Ok(code);
    }
    if args.limits.verbose {
        for p in &report.passed_over {
            eprintln!("passed over {} ({})", p.path, p.reason);
        }
    }
    // With fixed text on standard output, the report goes to standard error.
    let to_stderr = done.stdin.is_some();
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let style = style(args.color, to_terminal && !to_stderr);
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
        None if to_stderr => {
            report::render_with(format, style, extras, &report, &mut std::io::stderr())
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = std::io::BufWriter::new(stdout.lock());
            report::render_with(format, style, extras, &report, &mut w).and_then(|_| w.flush())
        }
    };
    if let Err(e) = written
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Err(Failure::usage(format!("cannot write the report: {e}")));
    }
    let code = pipeline::exit_code(&report, args.deny_warnings).max(done.failed as u8 * USAGE);
    after_report(&args, &options, format, &report.notices, no_limits)?;
    match done.stdin {
        Some(text) => emit(&text, code),
        None => Ok(code),
    }
}

/// The source of a run without limits: every pair is unjudged (the run's
/// structural diagnostics are still shown; it ends with exit 2).
struct NoLimits;

impl LimitSource for NoLimits {
    fn lookup(&self, pairs: &[Pair]) -> Vec<jobcheck::limits::Lookup> {
        pairs
            .iter()
            .map(|_| jobcheck::limits::Lookup::Unavailable {
                reason: "no limits configured".into(),
            })
            .collect()
    }
}

fn limits(args: LimitsArgs) -> Outcome {
    let settings = resolve(&args.limits.flags(None), &[])?;
    let shown = match &settings.limits {
        LimitsFrom::None(message) => return Err(Failure::usage(message)),
        LimitsFrom::File(path, _) => {
            let file = read_limits_file(path, args.limits.follow)?;
            show::from_file(file.sets(), &args.group, args.accelerator)
        }
        LimitsFrom::Api => {
            let Some(accelerator) = args.accelerator else {
                return Err(Failure::usage(
                    "give --accelerator TYPE: the platform answers for one accelerator type at a time",
                ));
            };
            if args.group.is_empty() {
                return Err(Failure::usage(
                    "give --group GROUP: the platform's groups are listed only from a limits file",
                ));
            }
            let source = api_source(&args.limits, &settings)?;
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
        Ok(mut shown) => {
            let json = args.format == LimitsFormat::Json;
            // A set with no readable limit is no answer: said, exit 3.
            let unreadable = show::take_unreadable(&mut shown);
            if !shown.is_empty() {
                let caps = |group: &str| settings.config.caps(group);
                let text = show::render(&shown, json, args.group.len() == 1, &caps);
                emit(text.as_bytes(), 0)?;
            }
            if unreadable.is_empty() {
                Ok(0)
            } else {
                Err(Failure::errors(unreadable, UNAVAILABLE))
            }
        }
        Err(refusal) => Err(Failure::errors(
            refusal.messages,
            verdict::of_failure(refusal.class),
        )),
    }
}

fn explain(code: Option<&str>, list: bool) -> Outcome {
    use jobcheck::diag::Code;
    // `explain` alone lists the codes, as `explain --list` does.
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
        return emit(text.as_bytes(), 0);
    }
    let name = code.unwrap_or_default();
    let normal = name.trim().to_ascii_lowercase().replace('_', "-");
    match Code::parse(&normal) {
        Some(c) => emit(jobcheck::explain::explain(c).as_bytes(), 0),
        None => {
            let near = jobcheck::explain::suggest(name);
            let names: Vec<String> = near.iter().map(|c| format!("`{c}`")).collect();
            let hint = match names.len() {
                0 => String::new(),
                1 => format!("\n\n  tip: did you mean {}?", names[0]),
                _ => format!("\n\n  tip: did you mean one of {}?", names.join(", ")),
            };
            Err(Failure::shown(
                format!(
                    "error: unknown code `{}`{hint}\n\n`jobcheck explain --list` lists every code.\n",
                    escape::lines(name)
                ),
                USAGE,
            ))
        }
    }
}
