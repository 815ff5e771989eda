//! Secure values kept out of everything sblc prints.
//!
//! `plan` and `apply` learn the deployment's secure parameter values, and Azure may quote them
//! back: what-if echoes the properties it compares, an error message the value it refused. So
//! every text goes out through [`Output`](super::Output), which holds the values learnt so far
//! and replaces each by `(secure value)` at one place: diagnostics as data, before the renderer
//! wraps their lines (a secret cut in two would no longer match), and every other text just
//! before it is written. A print site cannot forget it, because there is no other way out.

use std::borrow::Cow;
use std::cell::RefCell;

use sblc::diagnostic::{Diagnostic, Label};
use serde_json::Value;

const MASK: &str = "(secure value)";

/// The secure values met in this run; empty until a deployment's parameters are read.
#[derive(Debug, Default)]
pub(crate) struct Secrets {
    /// Longest first, so that a secret containing another is replaced whole; each also in its
    /// JSON-escaped form, since JSON output escapes what it prints.
    values: RefCell<Vec<String>>,
}

impl Secrets {
    /// Hides `values` from everything printed from now on.
    pub(crate) fn add(&self, values: impl IntoIterator<Item = String>) {
        let mut known = self.values.borrow_mut();
        for value in values.into_iter().filter(|v| !v.is_empty()) {
            let quoted = Value::String(value.clone()).to_string();
            let escaped = quoted[1..quoted.len() - 1].to_string();
            if escaped != value {
                known.push(escaped);
            }
            known.push(value);
        }
        known.sort_by_key(|s| std::cmp::Reverse(s.len()));
        known.dedup();
    }

    /// `text` with every secure value masked.
    pub(crate) fn redact<'t>(&self, text: &'t str) -> Cow<'t, str> {
        let known = self.values.borrow();
        let mut text = Cow::Borrowed(text);
        for secret in known.iter() {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), MASK));
            }
        }
        text
    }

    /// `value` with every secure value in its strings masked: for values that are shortened
    /// for display before they are printed.
    pub(crate) fn redact_value(&self, value: &mut Value) {
        match value {
            Value::String(text) => {
                if let Cow::Owned(masked) = self.redact(text) {
                    *text = masked;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.redact_value(v)),
            Value::Object(fields) => fields.values_mut().for_each(|v| self.redact_value(v)),
            _ => {}
        }
    }

    /// `diagnostic` with every secure value in its texts masked.
    pub(crate) fn redact_diagnostic(&self, diagnostic: &Diagnostic) -> Diagnostic {
        let text = |t: &String| self.redact(t).into_owned();
        let label = |l: &Label| Label::new(l.span, text(&l.message));
        Diagnostic {
            message: text(&diagnostic.message),
            primary: label(&diagnostic.primary),
            secondary: diagnostic.secondary.iter().map(label).collect(),
            help: diagnostic.help.as_ref().map(text),
            notes: diagnostic.notes.iter().map(text).collect(),
            ..diagnostic.clone()
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.values.borrow().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_a_value_and_its_json_escaped_form_longest_first() {
        let secrets = Secrets::default();
        assert_eq!(
            secrets.redact("p\"w"),
            "p\"w",
            "nothing is hidden before `add`"
        );
        secrets.add(["p\"w".to_string(), "p\"w-long".to_string(), String::new()]);
        assert_eq!(secrets.redact("a p\"w-long b"), "a (secure value) b");
        assert_eq!(
            secrets.redact(r#"{"v":"p\"w"}"#),
            r#"{"v":"(secure value)"}"#
        );
        assert_eq!(secrets.redact("nothing here"), "nothing here");
    }

    #[test]
    fn masks_every_text_of_a_diagnostic_and_nested_json_strings() {
        let secrets = Secrets::default();
        secrets.add(["hunter2".to_string()]);
        let span = sblc::source::Span::new(sblc::source::FileId(0), 0, 1);
        let diagnostic = Diagnostic::new(
            sblc::diagnostic::Code::ResourceDeploymentFailed,
            "refused hunter2",
            span,
            "label hunter2",
        )
        .with_label(span, "second hunter2")
        .with_help("help hunter2")
        .with_note("note hunter2");
        let masked = secrets.redact_diagnostic(&diagnostic);
        let texts = [
            masked.message,
            masked.primary.message,
            masked.secondary[0].message.clone(),
            masked.help.unwrap_or_default(),
            masked.notes[0].clone(),
        ];
        for text in texts {
            assert!(text.ends_with("(secure value)"), "{text}");
        }
        let mut value = serde_json::json!({ "a": ["x hunter2"], "b": 1 });
        secrets.redact_value(&mut value);
        assert_eq!(
            value,
            serde_json::json!({ "a": ["x (secure value)"], "b": 1 })
        );
    }
}
