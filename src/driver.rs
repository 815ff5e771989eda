//! Runs the phases in order for the command line, and owns nothing else.
//!
//! Each phase reports diagnostics instead of failing, so the driver keeps going as far as it
//! safely can: syntax and import errors do not stop type checking (error nodes check as
//! anything), but any error stops evaluation, because evaluating a program known to be wrong
//! only produces follow-on errors.

use std::path::Path;

use crate::diagnostic::Diagnostic;
use crate::load::{self, Program};
use crate::{eval, types};

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

/// The whole front end on text, as if it were the file `name` in `dir` (tests, fuzzing).
pub fn evaluate_text(name: &str, text: &str, dir: &Path) -> Outcome<serde_json::Value> {
    let (program, diagnostics) = load::load_text(name, text, dir);
    check_and_evaluate(program, diagnostics)
}

fn check_and_evaluate(
    program: Program,
    mut diagnostics: Vec<Diagnostic>,
) -> Outcome<serde_json::Value> {
    diagnostics.extend(types::check(&program).diagnostics);
    let mut value = None;
    if !diagnostics.iter().any(Diagnostic::is_error) {
        match eval::evaluate_to_json(&program) {
            Ok(json) => value = Some(json),
            Err(errors) => diagnostics.extend(errors),
        }
    }
    Outcome {
        program,
        diagnostics,
        value,
    }
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
