//! Diagnostics as data.
//!
//! Every phase reports problems as [`Diagnostic`] values: a stable [`Code`] from the one
//! [`catalogue`], a message, a primary label, secondary labels (possibly in other files), help and
//! notes. Phases never print: the driver collects diagnostics and hands them to [`render`], which
//! owns every output format (human with miette, JSON lines, SARIF).

pub mod catalogue;
pub mod render;
pub mod sarif;

pub use catalogue::{Code, Level};

use crate::source::Span;

/// How serious a diagnostic is once the profile has been applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with a short message shown under it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Label {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// One problem found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    /// A diagnostic at the catalogue's default severity for `code` (security findings count as
    /// errors until a profile says otherwise).
    pub fn new(
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Diagnostic {
        let severity = match code.info().level {
            Level::Warning => Severity::Warning,
            Level::Error | Level::Security => Severity::Error,
        };
        Diagnostic {
            code,
            severity,
            message: message.into(),
            primary: Label::new(span, label),
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label::new(span, message));
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// "did you mean" help: the closest candidate to `name` within a small edit distance.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1) + usize::from(name.len() > 6);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| *d <= limit || c.eq_ignore_ascii_case(name))
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let fields = ["vmSize", "image", "nodes", "packages"];
        assert_eq!(did_you_mean("vmSzie", fields), Some("vmSize"));
        assert_eq!(did_you_mean("imgae", fields), Some("image"));
        assert_eq!(did_you_mean("location", fields), None);
        assert_eq!(did_you_mean("VMSIZE", fields), Some("vmSize"));
    }
}
