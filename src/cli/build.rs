//! `sblc build`: write the templates of a program, once or on every change.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, ValueEnum};
use sblc::driver::{self, Formats};
use sblc::output::{write_all, OutputFile, Written};

use super::{io_error, Output, EXIT_INPUT_ERRORS, EXIT_USAGE};

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The program's entry file.
    #[arg(default_value = "main.sbl")]
    file: PathBuf,
    /// Where to write the files (default: `out/` next to the entry file). Its contents are
    /// replaced as a whole, only when the build succeeds.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Which templates to write.
    #[arg(long, value_enum, default_value_t = FormatChoice::All)]
    format: FormatChoice,
    /// Print the main template (main.json, or main.bicep with `--format bicep`) instead of
    /// writing files.
    #[arg(long, conflicts_with = "watch")]
    stdout: bool,
    /// Rebuild whenever the entry file or a file it imports changes.
    #[arg(long)]
    watch: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum FormatChoice {
    Arm,
    Bicep,
    All,
}

pub fn run(args: &BuildArgs, output: &Output) -> ExitCode {
    let formats = match args.format {
        FormatChoice::Arm => Formats::Arm,
        FormatChoice::Bicep => Formats::Bicep,
        FormatChoice::All => Formats::All,
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.file.parent().unwrap_or(Path::new("")).join("out"));
    if args.watch {
        return super::watch::run(|| build_once(&args.file, &out, formats, output).1);
    }
    if args.stdout {
        return print_main(&args.file, formats, output);
    }
    build_once(&args.file, &out, formats, output).0
}

/// One build: diagnostics or a one-line summary. Returns the exit code and the files the
/// program was made of (to watch).
fn build_once(
    file: &Path,
    out: &Path,
    formats: Formats,
    output: &Output,
) -> (ExitCode, Vec<PathBuf>) {
    let started = Instant::now();
    let outcome = match driver::build_with(file, formats, &output.analysis) {
        Ok(outcome) => outcome,
        Err(error) => return (io_error(file, &error), vec![file.to_path_buf()]),
    };
    output.diagnostics(&outcome.diagnostics, &outcome.program.sources);
    let mut watched = outcome.program.disk_files();
    if watched.is_empty() {
        watched.push(file.to_path_buf());
    }
    let files = match outcome.value {
        Some(files) if !output.fails(&outcome.diagnostics) => files,
        _ => {
            eprintln!("build failed; {} left as it was", out.display());
            return (ExitCode::from(EXIT_INPUT_ERRORS), watched);
        }
    };
    let written = match write_all(out, &files) {
        Ok(written) => written,
        Err(error) => {
            eprintln!("error: cannot write {}: {error}", out.display());
            return (ExitCode::from(EXIT_USAGE), watched);
        }
    };
    eprintln!(
        "built {} in {:.1} ms: {} files in {}{}",
        file.display(),
        started.elapsed().as_secs_f64() * 1000.0,
        files.len(),
        out.display(),
        match written {
            Written::Replaced => "",
            Written::Unchanged => " (unchanged)",
        }
    );
    (ExitCode::SUCCESS, watched)
}

fn print_main(file: &Path, formats: Formats, output: &Output) -> ExitCode {
    let outcome = match driver::build_with(file, formats, &output.analysis) {
        Ok(outcome) => outcome,
        Err(error) => return io_error(file, &error),
    };
    output.diagnostics(&outcome.diagnostics, &outcome.program.sources);
    let files = match outcome.value {
        Some(files) if !output.fails(&outcome.diagnostics) => files,
        _ => return ExitCode::from(EXIT_INPUT_ERRORS),
    };
    let main = if formats == Formats::Bicep {
        "main.bicep"
    } else {
        "main.json"
    };
    let text = files
        .iter()
        .find(|f: &&OutputFile| f.path == Path::new(main))
        .map(|f| f.contents.as_str())
        .unwrap_or_default();
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
