//! Evaluation errors and the call trace attached to them.
//!
//! An error starts as a [`Diagnostic`] at the exact expression that failed. As it travels back
//! up the Rust stack it passes the calls that were in progress; each adds a "called from here"
//! label, innermost first, up to [`TRACE_LIMIT`], then a note counts the rest. The trace costs
//! nothing unless an error happens.
//!
//! The diagnostics the machine itself raises are built here, out of line (`#[cold]`, never
//! inlined), so that the functions every level of evaluation goes through keep small stack
//! frames.

use super::machine::MAX_DEPTH;
use super::symbol::Sym;
use super::value::{Record, Value};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;

/// The most "called from here" labels one diagnostic gets.
pub const TRACE_LIMIT: usize = 5;

pub struct EvalError {
    diagnostic: Diagnostic,
    trace: Vec<Span>,
    untraced_calls: usize,
    context: Option<String>,
}

/// Boxed so that the `Result`s threaded through every evaluation step stay small.
pub type Fallible<T> = Result<T, Box<EvalError>>;

impl EvalError {
    pub fn new(diagnostic: Diagnostic) -> Box<EvalError> {
        Box::new(EvalError {
            diagnostic,
            trace: Vec::new(),
            untraced_calls: 0,
            context: None,
        })
    }

    /// Records that the error passed through the call at `span`.
    /// A call whose text contains the primary span adds nothing: the primary label already
    /// shows where it happened.
    pub fn add_call(&mut self, span: Span) {
        let primary = self.diagnostic.primary.span;
        let contains_primary =
            span.file == primary.file && span.start <= primary.start && primary.end <= span.end;
        if contains_primary || self.trace.contains(&span) {
            return;
        }
        if self.trace.len() < TRACE_LIMIT {
            self.trace.push(span);
        } else {
            self.untraced_calls += 1;
        }
    }

    /// Says what the evaluator was doing at the top level (the first such note wins: it is the
    /// most precise).
    pub fn set_context(&mut self, context: String) {
        if self.context.is_none() {
            self.context = Some(context);
        }
    }

    pub fn into_diagnostic(self) -> Diagnostic {
        let mut d = self.diagnostic;
        for span in self.trace {
            d = d.with_label(span, "called from here");
        }
        if self.untraced_calls > 0 {
            d = d.with_note(format!(
                "... and {} more call{} (outermost not shown)",
                self.untraced_calls,
                if self.untraced_calls == 1 { "" } else { "s" }
            ));
        }
        if let Some(context) = self.context {
            d = d.with_note(context);
        }
        d
    }
}

/// Fails with `diagnostic`.
pub fn fail<T>(diagnostic: Diagnostic) -> Fallible<T> {
    Err(EvalError::new(diagnostic))
}

/// "a String", "an Int": the type name with its article, for messages.
pub fn a(type_name: &str) -> String {
    let article = match type_name.chars().next() {
        Some('A' | 'E' | 'I' | 'O' | 'U') => "an",
        _ => "a",
    };
    format!("{article} {type_name}")
}

#[cold]
#[inline(never)]
pub fn black_hole(span: Span) -> Box<EvalError> {
    EvalError::new(
        Diagnostic::new(
            Code::InfiniteRecursion,
            "infinite recursion: this value depends on itself",
            span,
            "computing this needs its own value",
        )
        .with_help("break the cycle: a binding cannot be defined in terms of itself"),
    )
}

#[cold]
#[inline(never)]
pub fn too_deep(span: Span, depth: u32) -> Box<EvalError> {
    let message = if depth >= MAX_DEPTH {
        format!("evaluation nested more than {MAX_DEPTH} levels deep")
    } else {
        "evaluation nested too deeply for the stack".to_string()
    };
    EvalError::new(
        Diagnostic::new(
            Code::RecursionTooDeep,
            message,
            span,
            "the limit was reached here",
        )
        .with_help(
            "a recursive function probably never reaches its base case \
             (or a value is nested that deeply)",
        ),
    )
}

#[cold]
#[inline(never)]
pub fn invalid(why: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnevaluableCode,
        format!("cannot evaluate this: {why}"),
        span,
        "reported earlier",
    )
}

/// A bug in the compiler, reported instead of panicking.
#[cold]
#[inline(never)]
pub fn internal(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnevaluableCode,
        format!("internal evaluator error: {what}"),
        span,
        "while evaluating this",
    )
    .with_note("this is a bug in sblc; please report it")
}

#[cold]
#[inline(never)]
pub fn not_a_record(value: &Value, name: Sym, target: Span, field: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!("cannot select field `{name}` from {}", a(value.type_name())),
        target,
        format!("this is {}, not a record", a(value.type_name())),
    )
    .with_label(field, "field selected here")
}

#[cold]
#[inline(never)]
pub fn missing_field(record: &Record, name: Sym, span: Span, target: Span) -> Diagnostic {
    let name = name.name();
    let names: Vec<std::rc::Rc<str>> = record.names().collect();
    let mut d = Diagnostic::new(
        Code::NoSuchField,
        format!("the record has no field `{name}`"),
        span,
        "no such field",
    )
    .with_label(target, "this record");
    if let Some(best) = did_you_mean(&name, names.iter().map(|s| &**s)) {
        d = d.with_help(format!("did you mean `{best}`?"));
    } else if names.is_empty() {
        d = d.with_note("the record is empty");
    } else {
        let shown: Vec<String> = names.iter().take(12).map(|n| format!("`{n}`")).collect();
        let more = if names.len() > 12 { ", ..." } else { "" };
        d = d.with_note(format!("its fields are: {}{more}", shown.join(", ")));
    }
    d.with_help_if_none(format!(
        "use `r.{name} or default` if the field is optional"
    ))
}

trait HelpIfNone {
    fn with_help_if_none(self, help: String) -> Self;
}

impl HelpIfNone for Diagnostic {
    fn with_help_if_none(self, help: String) -> Diagnostic {
        if self.help.is_some() {
            self
        } else {
            self.with_help(help)
        }
    }
}

/// Adds the call at `span` to an error's trace.
pub fn traced(span: Span) -> impl FnOnce(Box<EvalError>) -> Box<EvalError> {
    move |mut e| {
        e.add_call(span);
        e
    }
}
