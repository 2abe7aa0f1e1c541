//! The `jobcheck` command: arguments in, exit code out.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use jobcheck::config::Config;
use jobcheck::limits::api::{ApiOptions, ApiSource, CacheMode};
use jobcheck::limits::auth;
use jobcheck::limits::file::FileSource;
use jobcheck::limits::{LimitSource, Lookup, Pair, show};
use jobcheck::report::{self, Format, Style};
use jobcheck::run::{self, Options};
use jobcheck::spec::AccelType;

#[derive(Parser)]
#[command(
    name = "jobcheck",
    version,
    about = "Check container job requests against the Sugon AC / SCNet platform's resource limits",
    long_about = "Check container job requests against the Sugon AC / SCNet platform's resource limits.\n\n\
                  `jobcheck PATHS…` is short for `jobcheck check PATHS…`."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check job files (YAML/JSON job specs and platform bodies) against limits.
    Check(CheckArgs),
    /// Fetch and show one resource group's limits.
    Limits(LimitsArgs),
    /// Describe a rule: what it checks and how to fix it.
    Explain {
        /// A rule code, e.g. cpus-over-limit.
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
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `jobcheck man > jobcheck.1`.
    Man,
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
    #[arg(long, value_name = "FILE")]
    limits: Option<PathBuf>,
    /// The platform's AI address (https://host:port); limits are fetched from its API.
    /// Without it, the address is discovered from the token (JOBCHECK_TOKEN, --token-file,
    /// or one minted with JOBCHECK_USER / JOBCHECK_ACCESS_KEY / JOBCHECK_SECRET_KEY).
    #[arg(long, env = "JOBCHECK_ENDPOINT", value_name = "URL")]
    endpoint: Option<String>,
    /// A file holding the platform token (else the JOBCHECK_TOKEN variable is used).
    #[arg(long, env = "JOBCHECK_TOKEN_FILE", value_name = "PATH")]
    token_file: Option<PathBuf>,
    /// Answer from the local cache only (stale entries too); fetch nothing.
    #[arg(long, conflicts_with = "refresh")]
    offline: bool,
    /// Ignore cached answers and fetch them again.
    #[arg(long)]
    refresh: bool,
    /// Give up on the platform after this many seconds, retries included.
    #[arg(long, env = "JOBCHECK_TIMEOUT", value_name = "SECONDS", default_value = "30", value_parser = parse_seconds)]
    timeout: std::time::Duration,
    /// How long cached answers stay fresh, in seconds [default: 900].
    #[arg(long, env = "JOBCHECK_CACHE_TTL", value_name = "SECONDS")]
    cache_ttl: Option<u64>,
    /// Log each request to the platform on stderr (method, URL, status, attempt,
    /// time, headers sent; the token is shown as <redacted>).
    #[arg(short, long)]
    verbose: bool,
    /// Configuration file [default: jobcheck.toml here or in a parent directory].
    #[arg(long, env = "JOBCHECK_CONFIG", value_name = "PATH")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct LimitsArgs {
    /// The resource group, e.g. TeslaM40.
    #[arg(long, value_name = "G")]
    group: String,
    /// The accelerator type: gpu, dcu, mlu or cpu.
    #[arg(long, value_name = "T", value_parser = parse_accel)]
    accelerator: AccelType,
    #[command(flatten)]
    limits: LimitArgs,
    /// Output format.
    #[arg(short, long, value_enum, default_value = "table")]
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
    /// Files, directories (searched for *.yaml, *.yml, *.json) or `-` for standard input.
    #[arg(value_name = "PATHS")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
    /// Output format [default: human, or github when GITHUB_ACTIONS=true].
    #[arg(short, long, value_enum, env = "JOBCHECK_FORMAT")]
    format: Option<Format>,
    /// Write the report to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    output_file: Option<PathBuf>,
    /// Colour in the human format.
    #[arg(long, value_enum, default_value = "auto")]
    color: ColorChoice,
    /// Exit 1 when there are warnings, and count jobs with warnings as rejected.
    #[arg(long)]
    deny_warnings: bool,
    /// The name standard input goes by in reports.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
    /// Print the diagnostics only: no summary line, and run-wide notices on
    /// standard error (human and concise formats).
    #[arg(short, long)]
    quiet: bool,
    /// After the diagnostics, print one line per code with its count (human
    /// and concise formats).
    #[arg(long)]
    statistics: bool,
    /// After the diagnostics, print one row per job: its request beside its
    /// group's limits, values over a limit marked (human format).
    #[arg(long)]
    table: bool,
}

const USAGE: u8 = 2;

fn main() -> ExitCode {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // `jobcheck PATHS…` means `jobcheck check PATHS…`.
    if let Some(first) = args.get(1).and_then(|a| a.to_str()) {
        let known = [
            "check",
            "limits",
            "explain",
            "schema",
            "completions",
            "man",
            "help",
            "-h",
            "--help",
            "-V",
            "--version",
        ];
        if !known.contains(&first) {
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
        Command::Limits(args) => limits(args),
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Schema { which } => {
            let text = match which {
                SchemaKind::Job => jobcheck::spec::schema::job_schema(),
                SchemaKind::Report => jobcheck::report::json::REPORT_SCHEMA.to_string(),
            };
            println!("{}", text.trim_end());
            0
        }
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            clap_complete::generate(shell, &mut cmd, "jobcheck", &mut std::io::stdout());
            0
        }
        Command::Man => {
            let mut out = Vec::new();
            match clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .and_then(|()| std::io::stdout().write_all(&out))
            {
                Ok(()) => 0,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
                Err(e) => usage_error(format!("cannot write the man page: {e}")),
            }
        }
    })
}

fn usage_error(message: impl std::fmt::Display) -> u8 {
    eprintln!("error: {message}");
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

/// `--config`, or `jobcheck.toml` found from the working directory upwards.
fn load_config(args: &LimitArgs) -> Result<Config, u8> {
    let path = match &args.config {
        Some(path) if !path.is_file() => {
            return Err(usage_error(format!(
                "the configuration `{}` does not exist",
                path.display()
            )));
        }
        Some(path) => Some(path.clone()),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| Config::discover(&cwd)),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    Config::load(&path, &run::display_path(&path)).map_err(|bad| bad_file(&bad, "configuration"))
}

/// A limits or configuration file that cannot be used: shown, then exit 2.
fn bad_file(bad: &jobcheck::limits::file::BadFile, what: &str) -> u8 {
    let style = style(ColorChoice::Auto, std::io::stderr().is_terminal());
    eprint!("{}", report::render_bad_file(bad, style, what));
    USAGE
}

fn limit_source(args: &LimitArgs, config: &Config) -> Result<Box<dyn LimitSource>, u8> {
    let endpoint = args.endpoint.as_ref().or(config.endpoint.as_ref());
    match (&args.limits, endpoint) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                usage_error(format!("cannot read limits file `{}`: {e}", path.display()))
            })?;
            FileSource::parse(&run::display_path(path), &text)
                .map(|s| Box::new(s) as Box<dyn LimitSource>)
                .map_err(|bad| bad_file(&bad, "limits file"))
        }
        (None, endpoint)
            if endpoint.is_some() || auth::credential_configured(args.token_file.as_deref()) =>
        {
            api_source(args, config, endpoint)
        }
        (None, _) => Err(usage_error(
            "no limits: pass --limits FILE, or --endpoint URL (or JOBCHECK_ENDPOINT) with a token, \
             or a token or access key alone to discover the endpoint (see the README, \"Credentials\")",
        )),
    }
}

/// The platform API; without an endpoint, it is discovered from the token.
fn api_source(
    args: &LimitArgs,
    config: &Config,
    endpoint: Option<&String>,
) -> Result<Box<dyn LimitSource>, u8> {
    ApiSource::from_env(ApiOptions {
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
    })
    .map(|s| Box::new(s) as Box<dyn LimitSource>)
    .map_err(|e| {
        eprintln!("error: {e}");
        e.exit_code()
    })
}

/// The configuration, then the limit source it and the flags choose.
fn config_and_source(args: &LimitArgs) -> Result<(Config, Box<dyn LimitSource>), u8> {
    let config = load_config(args)?;
    let source = limit_source(args, &config)?;
    Ok((config, source))
}

fn check(args: CheckArgs) -> u8 {
    let inputs = match run::collect_inputs(&args.paths, args.stdin_filename.as_deref()) {
        Ok(inputs) => inputs,
        Err(e) => return usage_error(e),
    };
    let (config, source) = match config_and_source(&args.limits) {
        Ok(both) => both,
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
    let report = run::check_inputs(inputs, source.as_ref(), &options);
    let to_terminal = args.output_file.is_none() && std::io::stdout().is_terminal();
    let style = style(args.color, to_terminal);
    let extras = report::Extras {
        quiet: args.quiet,
        statistics: args.statistics,
        table: args.table,
    };
    let written = match &args.output_file {
        Some(path) => std::fs::File::create(path).and_then(|f| {
            let mut w = std::io::BufWriter::new(f);
            report::render_with(format, style, extras, &report, &mut w)?;
            w.flush()
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
    run::exit_code(&report, args.deny_warnings)
}

fn limits(args: LimitsArgs) -> u8 {
    let (_, source) = match config_and_source(&args.limits) {
        Ok(both) => both,
        Err(code) => return code,
    };
    let pair = Pair {
        group: args.group.clone(),
        accelerator: args.accelerator,
    };
    let answer = source
        .lookup(std::slice::from_ref(&pair))
        .into_iter()
        .next()
        .unwrap_or(Lookup::Unavailable {
            reason: "no answer".into(),
        });
    let what = format!(
        "resource group `{}` ({})",
        pair.group,
        pair.accelerator.as_str()
    );
    match answer {
        Lookup::Found(limits) => {
            match args.format {
                LimitsFormat::Table => print!("{}", show::table(&limits, &pair)),
                LimitsFormat::Json => println!("{:#}", show::json(&limits, &pair)),
            }
            0
        }
        Lookup::UnknownGroup { known } => {
            let hint = jobcheck::diag::did_you_mean(&pair.group, known.iter().map(String::as_str))
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            eprintln!("error: unknown {what}{hint}");
            1
        }
        Lookup::UnsupportedType { offered } => {
            let offered: Vec<&str> = offered.iter().map(|t| t.as_str()).collect();
            eprintln!(
                "error: {what}: the group does not offer this accelerator type (it offers {})",
                offered.join(", ")
            );
            1
        }
        Lookup::Unavailable { reason } => {
            eprintln!("error: limits unavailable for {what}: {reason}");
            3
        }
    }
}

fn explain(code: Option<&str>, list: bool) -> u8 {
    use jobcheck::diag::Code;
    if list || code.is_none() {
        for c in Code::ALL {
            println!(
                "{:<26} {:<8} {}",
                c.as_str(),
                c.default_severity().as_str(),
                c.summary()
            );
        }
        return if list { 0 } else { USAGE };
    }
    let name = code.unwrap_or_default();
    match Code::parse(name) {
        Some(c) => {
            print!("{}", jobcheck::explain::explain(c));
            0
        }
        None => {
            let names: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
            let hint = jobcheck::diag::did_you_mean(name, names.iter().copied())
                .map(|n| format!(" (did you mean `{n}`?)"))
                .unwrap_or_default();
            eprintln!("error: unknown code `{name}`{hint}; the codes are:");
            for n in names {
                eprintln!("  {n}");
            }
            USAGE
        }
    }
}
