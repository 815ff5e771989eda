//! Runs the phases in order for the command line, and owns nothing else.
//!
//! Each phase reports diagnostics instead of failing, so the driver keeps going as far as it
//! safely can: syntax and import errors do not stop type checking (error nodes check as
//! anything), but any error stops evaluation, because evaluating a program known to be wrong
//! only produces follow-on errors.

use std::path::Path;

use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::emit::{self, Metadata};
use crate::load::{self, Program};
use crate::output::OutputFile;
use crate::{analyse, eval, graph, types};

/// What running the front end on one entry file gave.
pub struct Outcome<T> {
    pub program: Program,
    pub diagnostics: Vec<Diagnostic>,
    /// Present when no error was found.
    pub value: Option<T>,
}

impl<T> Outcome<T> {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// The whole front end on a file: parse, load, check, then evaluate to JSON if no error was found.
pub fn evaluate_json(path: &Path) -> std::io::Result<Outcome<serde_json::Value>> {
    let (program, diagnostics) = load::load_file(path)?;
    Ok(check_and_evaluate(program, diagnostics))
}

/// The whole front end on a file, with the value as JSON text written straight from the
/// evaluator (the fast path of `sblc eval --json`).
pub fn evaluate_json_text(path: &Path, pretty: bool) -> std::io::Result<Outcome<String>> {
    let (program, diagnostics) = load::load_file(path)?;
    Ok(front_end(program, diagnostics, |p| {
        eval::evaluate_to_json_text(p, pretty)
    }))
}

/// The whole front end on text, as if it were the file `name` in `dir` (tests, fuzzing).
pub fn evaluate_text(name: &str, text: &str, dir: &Path) -> Outcome<serde_json::Value> {
    let (program, diagnostics) = load::load_text(name, text, dir);
    check_and_evaluate(program, diagnostics)
}

fn check_and_evaluate(
    program: Program,
    diagnostics: Vec<Diagnostic>,
) -> Outcome<serde_json::Value> {
    front_end(program, diagnostics, eval::evaluate_to_json)
}

/// Type-checks, then runs `evaluate` if no error was found.
fn front_end<T>(
    program: Program,
    mut diagnostics: Vec<Diagnostic>,
    evaluate: impl FnOnce(&Program) -> Result<T, Vec<Diagnostic>>,
) -> Outcome<T> {
    diagnostics.extend(types::check(&program).diagnostics);
    let mut value = None;
    if !diagnostics.iter().any(Diagnostic::is_error) {
        match evaluate(&program) {
            Ok(result) => value = Some(result),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    Outcome {
        program,
        diagnostics,
        value,
    }
}

/// Which templates `build` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Formats {
    Arm,
    Bicep,
    All,
}

/// What the analyser is told.
pub type AnalysisOptions = analyse::Options;

/// Everything but writing templates: parse, check, evaluate, build the resource graph, attach
/// start tasks, analyse. `sblc check` is this.
pub fn check(path: &Path, options: &AnalysisOptions) -> std::io::Result<Outcome<()>> {
    let (program, diagnostics) = load::load_file(path)?;
    let outcome = pipeline(program, diagnostics, options, None);
    Ok(Outcome {
        value: outcome.value.map(|_| ()),
        program: outcome.program,
        diagnostics: outcome.diagnostics,
    })
}

/// The whole pipeline: the files of a build (templates, parameters, start-task scripts), or the
/// diagnostics that stop it.
pub fn build(path: &Path, formats: Formats) -> std::io::Result<Outcome<Vec<OutputFile>>> {
    build_with(path, formats, &AnalysisOptions::default())
}

pub fn build_with(
    path: &Path,
    formats: Formats,
    options: &AnalysisOptions,
) -> std::io::Result<Outcome<Vec<OutputFile>>> {
    let (program, diagnostics) = load::load_file(path)?;
    let outcome = pipeline(program, diagnostics, options, Some(formats));
    Ok(Outcome {
        value: outcome.value.map(|built| built.files),
        program: outcome.program,
        diagnostics: outcome.diagnostics,
    })
}

/// A build with what the deploy step needs besides the files: the resource graph (for the
/// resources' `.sbl` origins) and the blobs to upload.
#[derive(Debug)]
pub struct Built {
    /// The files `sblc build` writes, ARM only.
    pub files: Vec<OutputFile>,
    pub graph: graph::Graph,
    pub uploads: Vec<emit::start_task::Upload>,
    /// The program's own deployment target (its `deployment` record).
    pub settings: graph::DeploymentSettings,
}

/// The pipeline for `plan` and `apply`: like [`build_with`] with ARM templates only.
pub fn build_for_deployment(
    path: &Path,
    options: &AnalysisOptions,
) -> std::io::Result<Outcome<Built>> {
    let (program, diagnostics) = load::load_file(path)?;
    Ok(pipeline(program, diagnostics, options, Some(Formats::Arm)))
}

/// A build's diagnostics with its analysis run again under `options`: `plan` and `apply` learn
/// the live state (for RULES.md CK5 and BA4) only after a first build, and need not build twice.
/// Everything but the analyser's findings is kept; the findings are replaced.
pub fn reanalyse(
    built: &Built,
    diagnostics: &[Diagnostic],
    options: &AnalysisOptions,
) -> Vec<Diagnostic> {
    let mut kept: Vec<Diagnostic> = diagnostics
        .iter()
        .filter(|d| !d.code.is_analysis())
        .cloned()
        .collect();
    kept.extend(analyse::run(&built.graph, options).diagnostics);
    kept
}

fn pipeline(
    program: Program,
    mut diagnostics: Vec<Diagnostic>,
    options: &AnalysisOptions,
    formats: Option<Formats>,
) -> Outcome<Built> {
    diagnostics.extend(types::check(&program).diagnostics);
    let stop = |program, diagnostics| Outcome {
        program,
        diagnostics,
        value: None,
    };
    if diagnostics.iter().any(Diagnostic::is_error) {
        return stop(program, diagnostics);
    }
    let declared = match eval::evaluate_declared(&program) {
        Ok(declared) => declared,
        Err(errors) => {
            diagnostics.extend(errors);
            return stop(program, diagnostics);
        }
    };
    let mut graph = match graph::build(&declared, &program.sources) {
        Ok(graph) => graph,
        Err(errors) => {
            diagnostics.extend(errors);
            return stop(program, diagnostics);
        }
    };
    let settings = match graph::deployment_settings(&declared.value) {
        Ok(settings) => settings,
        Err(errors) => {
            diagnostics.extend(errors);
            return stop(program, diagnostics);
        }
    };
    let base_dir = program
        .base_dir(program.entry)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let emit::start_task::Attached { mut files, uploads } =
        match emit::start_task::attach(&mut graph, &base_dir) {
            Ok(attached) => attached,
            Err(errors) => {
                diagnostics.extend(errors);
                return stop(program, diagnostics);
            }
        };
    // The analyser sees the pools with their start tasks, as they will be deployed.
    let analysis = analyse::run(&graph, options);
    diagnostics.extend(analysis.diagnostics);
    if diagnostics.iter().any(Diagnostic::is_error) {
        return stop(program, diagnostics);
    }
    let Some(formats) = formats else {
        return Outcome {
            program,
            diagnostics,
            value: Some(Built {
                files: Vec::new(),
                graph,
                uploads,
                settings,
            }),
        };
    };
    let metadata = Metadata {
        generator_version: env!("CARGO_PKG_VERSION").to_string(),
        inputs_hash: inputs_hash(&program),
        allows: analysis
            .allowed
            .into_iter()
            .map(|(index, allow)| (graph.resource(index).symbol.clone(), allow))
            .collect(),
    };
    let mut emitted = Vec::new();
    if formats != Formats::Bicep {
        emitted.push(emit::emit_arm(&graph, &metadata));
    }
    if formats != Formats::Arm {
        emitted.push(emit::emit_bicep(&graph, &metadata));
    }
    for result in emitted {
        match result {
            Ok(mut templates) => files.append(&mut templates),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    if diagnostics.iter().any(Diagnostic::is_error) {
        return stop(program, diagnostics);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Outcome {
        program,
        diagnostics,
        value: Some(Built {
            files,
            graph,
            uploads,
            settings,
        }),
    }
}

/// SHA-256 over every input file (name and text, in name order): the same sources always give
/// the same hash, on any machine.
fn inputs_hash(program: &Program) -> String {
    let root = program
        .base_dir(program.entry)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut files: Vec<(String, &str)> = program
        .sources
        .files()
        .map(|(_, f)| {
            let key = match &f.origin {
                crate::source::Origin::Stdlib(name) => format!("<{name}>"),
                crate::source::Origin::Disk(path) => path
                    .strip_prefix(&root)
                    .unwrap_or(path)
                    .display()
                    .to_string(),
            };
            (key, &*f.text)
        })
        .collect();
    files.sort();
    let mut hasher = Sha256::new();
    for (name, text) in files {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `f` on a thread with a stack large enough for the deepest input the parser accepts and
/// the evaluator's recursion limit: neither can overflow it.
pub fn with_large_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    const STACK_BYTES: usize = 256 << 20;
    match std::thread::Builder::new().stack_size(STACK_BYTES).spawn(f) {
        Ok(handle) => match handle.join() {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        },
        Err(error) => {
            eprintln!("error: cannot start the compiler thread: {error}");
            std::process::exit(2);
        }
    }
}
