//! Evaluation errors and the call trace attached to them.
//!
//! An error starts as a [`Diagnostic`] at the exact expression that failed. As it travels back
//! up the Rust stack it passes the calls that were in progress; each adds a "called from here"
//! label, innermost first, up to [`TRACE_LIMIT`], then a note counts the rest. The trace costs
//! nothing unless an error happens.

use crate::diagnostic::Diagnostic;
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
