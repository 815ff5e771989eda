//! Command-line interface: argument parsing and output. The compiler itself lives in the
//! library; this module only turns flags into driver calls and results into text and exit codes.

mod build;
mod deploy;
mod explain;
mod interrupt;
mod redact;
mod value_text;
mod watch;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use sblc::diagnostic::render::{render_human, render_json};
use sblc::diagnostic::{Diagnostic, Severity};
use sblc::source::SourceMap;

/// sblc: the compiler for .sbl secure Azure Batch landing zones.
#[derive(Parser, Debug)]
#[command(name = "sblc", version, about, propagate_version = true)]
pub struct Args {
    /// When to colour diagnostics (`NO_COLOR` turns colour off for `auto`).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    /// How to print diagnostics: `human` on stderr; `json` (one object per line) and `sarif`
    /// (SARIF 2.1.0, for code scanning) on stdout.
    #[arg(long, value_enum, default_value_t = MessageFormat::Human, global = true)]
    message_format: MessageFormat,
    /// `strict`: security findings are errors; `relaxed`: they are warnings.
    #[arg(long, value_enum, default_value_t = ProfileChoice::Strict, global = true)]
    profile: ProfileChoice,
    /// Treat warnings as errors (exit 1 and, for `build`, write nothing).
    #[arg(long, global = true)]
    deny_warnings: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Parse, type-check and evaluate files; report every problem.
    Check {
        /// The `.sbl` files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Evaluate a file and print its value.
    Eval {
        file: PathBuf,
        /// Print the value as JSON instead of `.sbl` syntax.
        #[arg(long)]
        json: bool,
    },
    /// Compile to ARM JSON, Bicep, parameter files and start-task scripts.
    Build(build::BuildArgs),
    /// Show what `apply` would change in Azure (ARM what-if), resource by resource. Exit code:
    /// 0 no changes, 2 changes, 1 errors.
    Plan(deploy::TargetArgs),
    /// Deploy to Azure: plan, confirm, upload start-task files, deploy; `--watch` repeats it
    /// on every save.
    Apply(deploy::ApplyArgs),
    /// Print generated documentation: `sblc doc stdlib` is the stdlib reference (docs/stdlib.md).
    Doc {
        #[arg(value_enum)]
        topic: DocTopic,
    },
    /// Explain a diagnostic code, or list all codes.
    Explain {
        /// A code such as `E0101`, or a RULES.md id such as `ST1`.
        code: Option<String>,
        /// List every code with its level and summary.
        #[arg(long, conflicts_with = "code")]
        list: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum DocTopic {
    Stdlib,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    Human,
    Json,
    Sarif,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum ProfileChoice {
    Strict,
    Relaxed,
}

pub fn parse_args() -> Args {
    match Args::try_parse() {
        Ok(args) => args,
        Err(error) => {
            let _ = error.print();
            // `plan` exits 2 for "changes", so its usage errors take 1, as its other errors do.
            let planning = std::env::args().skip(1).any(|a| a == "plan");
            let code = if error.use_stderr() && planning {
                i32::from(EXIT_INPUT_ERRORS)
            } else {
                error.exit_code()
            };
            std::process::exit(code);
        }
    }
}

/// Exit codes: 0 success, 1 errors in the input, 2 usage or I/O errors.
pub(crate) const EXIT_INPUT_ERRORS: u8 = 1;
pub(crate) const EXIT_USAGE: u8 = 2;

pub fn run(args: Args) -> ExitCode {
    let output = Output {
        color: use_color(args.color),
        format: args.message_format,
        deny_warnings: args.deny_warnings,
        analysis: sblc::driver::AnalysisOptions {
            profile: match args.profile {
                ProfileChoice::Strict => sblc::analyse::Profile::Strict,
                ProfileChoice::Relaxed => sblc::analyse::Profile::Relaxed,
            },
            live_state: None,
        },
        secrets: redact::Secrets::default(),
    };
    match args.command {
        Command::Check { files } => check(&files, &output),
        Command::Eval { file, json } => eval(&file, json, &output),
        Command::Build(build_args) => build::run(&build_args, &output),
        Command::Plan(target) => deploy::run_plan(&target, &output),
        Command::Apply(apply_args) => deploy::run_apply(&apply_args, &output),
        Command::Doc {
            topic: DocTopic::Stdlib,
        } => {
            print!("{}", sblc::doc::stdlib_reference());
            ExitCode::SUCCESS
        }
        Command::Explain { code, list } => explain::run(code.as_deref(), list),
    }
}

fn check(files: &[PathBuf], output: &Output) -> ExitCode {
    let mut failed = false;
    for file in files {
        match sblc::driver::check(file, &output.analysis) {
            Ok(outcome) => {
                output.diagnostics(&outcome.diagnostics, &outcome.program.sources);
                failed |= output.fails(&outcome.diagnostics);
            }
            Err(error) => return io_error(file, &error),
        }
    }
    if failed {
        ExitCode::from(EXIT_INPUT_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

fn eval(file: &std::path::Path, json: bool, output: &Output) -> ExitCode {
    let text = if json {
        let outcome = match sblc::driver::evaluate_json_text(file, true) {
            Ok(outcome) => outcome,
            Err(error) => return io_error(file, &error),
        };
        output.diagnostics(&outcome.diagnostics, &outcome.program.sources);
        outcome.value
    } else {
        let outcome = match sblc::driver::evaluate_json(file) {
            Ok(outcome) => outcome,
            Err(error) => return io_error(file, &error),
        };
        output.diagnostics(&outcome.diagnostics, &outcome.program.sources);
        outcome.value.map(|value| value_text::to_sbl(&value))
    };
    let Some(text) = text else {
        return ExitCode::from(EXIT_INPUT_ERRORS);
    };
    // Deployment-time values print as `${resource 3 .id}`, not as their internal tokens.
    let text = sblc::reference::readable(&text);
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "{text}").is_err() {
        return ExitCode::from(EXIT_USAGE);
    }
    ExitCode::SUCCESS
}

pub(crate) fn io_error(file: &std::path::Path, error: &std::io::Error) -> ExitCode {
    eprintln!("error: cannot read `{}`: {error}", file.display());
    ExitCode::from(EXIT_USAGE)
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

pub(crate) struct Output {
    color: bool,
    format: MessageFormat,
    deny_warnings: bool,
    pub(crate) analysis: sblc::driver::AnalysisOptions,
    /// Masked in everything printed through this `Output`.
    pub(crate) secrets: redact::Secrets,
}

impl Output {
    /// Prints diagnostics in the chosen format: human on stderr with a closing count, JSON lines
    /// on stdout.
    pub(crate) fn diagnostics(&self, diagnostics: &[Diagnostic], sources: &SourceMap) {
        if diagnostics.is_empty() {
            return;
        }
        let redacted: Vec<Diagnostic>;
        let diagnostics = if self.secrets.is_empty() {
            diagnostics
        } else {
            redacted = diagnostics
                .iter()
                .map(|d| self.secrets.redact_diagnostic(d))
                .collect();
            &redacted
        };
        match self.format {
            MessageFormat::Sarif => {
                let sarif = sblc::diagnostic::sarif::render_sarif(diagnostics, sources);
                let _ = writeln!(std::io::stdout().lock(), "{sarif}");
            }
            MessageFormat::Json => {
                let _ = std::io::stdout()
                    .lock()
                    .write_all(render_json(diagnostics, sources).as_bytes());
            }
            MessageFormat::Human => {
                let mut stderr = std::io::stderr().lock();
                let _ = stderr.write_all(render_human(diagnostics, sources, self.color).as_bytes());
                let errors = diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .count();
                let warnings = diagnostics.len() - errors;
                let _ = writeln!(stderr, "{}", summary(errors, warnings));
            }
        }
    }
}

impl Output {
    /// Prints a line on stderr (messages, progress), secure values masked.
    pub(crate) fn say(&self, line: impl std::fmt::Display) {
        let line = line.to_string();
        let _ = writeln!(std::io::stderr().lock(), "{}", self.secrets.redact(&line));
    }

    /// Writes `text` to stdout (results such as a plan), secure values masked.
    pub(crate) fn print(&self, text: &str) {
        let _ = std::io::stdout()
            .lock()
            .write_all(self.secrets.redact(text).as_bytes());
    }

    /// Whether these diagnostics make the run fail: any error, or any warning under
    /// `--deny-warnings`.
    pub(crate) fn fails(&self, diagnostics: &[Diagnostic]) -> bool {
        diagnostics
            .iter()
            .any(|d| d.is_error() || self.deny_warnings)
    }
}

fn summary(errors: usize, warnings: usize) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    match (errors, warnings) {
        (0, w) => format!("{} found", plural(w, "warning")),
        (e, 0) => format!("{} found", plural(e, "error")),
        (e, w) => format!("{} and {} found", plural(e, "error"), plural(w, "warning")),
    }
}
