//! Phase 4: evaluation.
//!
//! The program is first *lowered* ([`lower`]) into a compact tree ([`ir`]) where variables are
//! frame/slot indices, field names are interned symbols, and binding groups are pre-merged. The
//! [`machine`] then evaluates it lazily, as Nix does: every binding, field, list item and
//! argument is a [`Thunk`] computed at most once, when first needed. [`evaluate`] returns the
//! entry file's value with its insides still lazy; later phases walk it with
//! [`Value::as_record`], [`Record::iter`], [`Thunk::force`] and friends, and [`evaluate_to_json`] (or, faster,
//! [`evaluate_to_json_text`]) forces everything, like `nix eval --json`.
//!
//! Type annotations become run-time [`contract`]s, checked when the annotated value is forced.
//! Errors are [`Diagnostic`]s with codes `E0401`..`E0419`, each pointing at the failing
//! expression with a short trace of the calls that led there ([`error`]).
//!
//! Evaluation recurses on the Rust stack; nesting is capped at [`MAX_DEPTH`] levels, which fits
//! in the 256 MiB stack of [`crate::driver::with_large_stack`]: run evaluation there. Values hold
//! `Rc`s, so they stay on the thread that made them: run later phases that walk values on that
//! thread too.

mod builtins;
mod calls;
mod contract;
mod deploy;
mod error;
mod ir;
mod json;
mod lower;
mod machine;
mod ops;
mod paths;
mod sym_map;
mod symbol;
mod value;

pub use builtins::Builtin;
pub use deploy::evaluate_declared;
pub use machine::MAX_DEPTH;
pub use value::{Function, PathValue, Record, Thunk, Value};

use crate::diagnostic::{Code, Diagnostic};
use crate::load::Program;
use crate::source::Span;
use machine::Machine;

/// Evaluates the entry file of `program`. The result is forced to its outermost constructor
/// only; its fields and items are forced on demand.
pub fn evaluate(program: &Program) -> Result<Value, Vec<Diagnostic>> {
    let modules = lower::lower_program(program);
    let Some(entry) = modules.get(&program.entry) else {
        return Err(vec![Diagnostic::new(
            Code::UnevaluableCode,
            "the entry file was not loaded",
            Span::default(),
            "nothing to evaluate",
        )]);
    };
    entry.force().map_err(|d| vec![*d])
}

/// Evaluates the entry file of `program` completely and converts it to JSON: records keep
/// definition order, paths print relative to the entry file's folder.
pub fn evaluate_to_json(program: &Program) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let value = evaluate(program)?;
    json::to_json_value(&mut Machine::new(), &value, entry_span(program))
        .map_err(|e| vec![e.into_diagnostic()])
}

/// Like [`evaluate_to_json`], but the JSON text itself, written straight from the value without
/// building a tree first (faster, less memory): compact, or two-space indented if `pretty`
/// (byte-for-byte what `serde_json::to_string_pretty` would print).
pub fn evaluate_to_json_text(program: &Program, pretty: bool) -> Result<String, Vec<Diagnostic>> {
    let value = evaluate(program)?;
    json::to_json_text(&mut Machine::new(), &value, entry_span(program), pretty)
        .map_err(|e| vec![e.into_diagnostic()])
}

/// The result of forcing part of a value: the error is boxed to keep the success path small.
pub type Forced<T> = Result<T, Box<Diagnostic>>;

/// Forces `value` completely and converts it to JSON text. `span` is where the value came from,
/// for the error if part of it is a function.
pub fn to_json_text(value: &Value, span: Span, pretty: bool) -> Forced<String> {
    json::to_json_text(&mut Machine::new(), value, span, pretty)
        .map_err(|e| Box::new(e.into_diagnostic()))
}

fn entry_span(program: &Program) -> Span {
    program
        .modules
        .get(&program.entry)
        .map(|m| m.body.span)
        .unwrap_or_default()
}

impl Thunk {
    /// The value, computed now if it was not yet (then remembered). Run this on the evaluation
    /// thread (see the module documentation).
    pub fn force(&self) -> Forced<Value> {
        Machine::new()
            .force(self)
            .map_err(|e| Box::new(e.into_diagnostic()))
    }
}
