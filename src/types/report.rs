//! Turning type mismatches into diagnostics.
//!
//! The wording is shared by the two places record fields are checked: a record literal checked
//! against a known record type (field by field, with the span of each field), and a value whose
//! record type is only compared afterwards (a [`Mismatch`] from `fits`). Every message names the
//! field, says "did you mean" when a declared name is close, and points at the declaration of
//! the field when the type knows where it was declared (possibly in another file).

use std::rc::Rc;

use super::check::{Because, Checker};
use super::fits::{Mismatch, MismatchKind};
use super::ty::{field_name, RecordType, Type};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;

/// How many names [`list_names`] spells out.
const LISTED_NAMES: usize = 12;

/// "`a`, `b` and `c`", or "`a`, `b`, ... and 40 more" for long lists.
pub(crate) fn list_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let all: Vec<&str> = names.into_iter().collect();
    let shown: Vec<String> = all
        .iter()
        .take(LISTED_NAMES)
        .map(|n| format!("`{}`", field_name(n)))
        .collect();
    if all.len() > LISTED_NAMES {
        return format!("{} and {} more", shown.join(", "), all.len() - LISTED_NAMES);
    }
    match shown.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// `text`, or its beginning with "..." when it is longer than `limit` characters (types of big
/// records can be very long).
pub(crate) fn shorten(text: String, limit: usize) -> String {
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{} ...", &text[..cut]),
        None => text,
    }
}

fn field_path(path: &[Rc<str>]) -> String {
    path.iter()
        .map(|p| field_name(p))
        .collect::<Vec<_>>()
        .join(".")
}

impl<'p> Checker<'p> {
    pub(crate) fn report_mismatch(
        &mut self,
        mismatch: Mismatch,
        found: &Type,
        expected: &Type,
        span: Span,
        because: Option<Because<'_>>,
    ) {
        let within = if mismatch.path.is_empty() {
            String::new()
        } else {
            format!(" in field `{}`", field_path(&mismatch.path))
        };
        let mut diagnostic = match mismatch.kind {
            MismatchKind::Types {
                expected: inner_expected,
                found: inner_found,
            } => {
                let inner_expected = self.show(&inner_expected);
                let inner_found = self.show(&inner_found);
                let mut d = Diagnostic::new(
                    Code::TypeMismatch,
                    format!("expected `{inner_expected}`, found `{inner_found}`{within}"),
                    span,
                    format!("this is `{inner_found}`"),
                );
                if let Some(field_span) = mismatch.field_span.filter(|s| *s != span) {
                    d = d.with_label(field_span, format!("this field is `{inner_found}`"));
                }
                if !mismatch.path.is_empty() {
                    let (whole_expected, whole_found) = (self.show(expected), self.show(found));
                    d = d
                        .with_note(shorten(format!("the whole value is `{whole_found}`"), 200))
                        .with_note(shorten(format!("it must fit `{whole_expected}`"), 200));
                }
                d
            }
            MismatchKind::UnknownField {
                name,
                found_span,
                expected,
            } => {
                let (mut d, _) =
                    self.unknown_field(&name, found_span.unwrap_or(span), &expected, &[]);
                if found_span.is_some_and(|s| s != span) {
                    d = d.with_label(span, "the record is used here");
                }
                d.message.push_str(&within);
                d
            }
            MismatchKind::MissingFields { names, expected } => {
                let mut d = self.missing_fields(&names, span, &expected);
                d.message.push_str(&within);
                d
            }
            MismatchKind::InfiniteType => Diagnostic::new(
                Code::TypeMismatch,
                "this would need an infinite type",
                span,
                "used in a way that contains its own type",
            )
            .with_help("a value cannot be applied to itself or contain itself"),
        };
        if let Some(because) = because {
            diagnostic = diagnostic.with_label(because.span, because.message);
        }
        self.report(diagnostic);
    }

    /// "unknown field `vmSzie`", with "did you mean" over the declared fields not in `given`.
    /// Returns the suggested field too.
    pub(crate) fn unknown_field(
        &mut self,
        name: &str,
        span: Span,
        expected: &RecordType,
        given: &[&str],
    ) -> (Diagnostic, Option<Rc<str>>) {
        let mut d = Diagnostic::new(
            Code::UnknownField,
            format!("unknown field `{}`", field_name(name)),
            span,
            "not a field of the expected record type",
        );
        // Only suggest fields the record does not set already (nor was told to set instead of
        // another misspelt field).
        let not_given = expected
            .fields
            .keys()
            .map(|k| &**k)
            .filter(|k| !given.contains(k));
        let best = did_you_mean(name, not_given);
        match best {
            Some(best) => {
                d = d.with_help(format!("did you mean `{}`?", field_name(best)));
                if let Some(decl) = expected.fields.get(best).and_then(|f| f.span) {
                    d = d.with_label(decl, format!("`{}` is declared here", field_name(best)));
                }
            }
            None => {
                let names = list_names(expected.fields.keys().map(|k| &**k));
                d = d.with_note(if names.is_empty() {
                    "the expected record type has no fields".to_string()
                } else {
                    format!("the allowed fields are {names}")
                });
            }
        }
        (d, best.map(Rc::from))
    }

    /// "missing field `vmSize`", labelling each field's declaration.
    pub(crate) fn missing_fields(
        &mut self,
        names: &[Rc<str>],
        span: Span,
        expected: &RecordType,
    ) -> Diagnostic {
        let plural = if names.len() == 1 { "" } else { "s" };
        let listed = list_names(names.iter().map(|n| &**n));
        let mut d = Diagnostic::new(
            Code::MissingField,
            format!("missing required field{plural} {listed}"),
            span,
            format!("this record needs {listed}"),
        );
        for name in names.iter().take(LISTED_NAMES) {
            let Some(field) = expected.fields.get(name) else {
                continue;
            };
            let Some(decl) = field.span else {
                continue;
            };
            let declared = match self.vars.shallow(&field.ty) {
                // An unconstrained pattern field: its type says nothing.
                Type::Var(_) => field_name(name),
                ty => format!("{}: {}", field_name(name), self.show(&ty)),
            };
            d = d.with_label(decl, format!("`{declared}` is declared here"));
        }
        d.with_help("set the missing fields, or declare them optional (`name?: T`, or a default `name ? value` in a pattern)")
    }

    /// A string literal that is not one of the allowed values of a literal union.
    pub(crate) fn value_not_allowed(
        &mut self,
        text: &str,
        span: Span,
        expected: &Type,
        because: Option<Because<'_>>,
    ) {
        let allowed = expected.literals();
        let mut d = Diagnostic::new(
            Code::ValueNotAllowed,
            format!(
                "{} is not one of the allowed values",
                super::ty::quote_string(text)
            ),
            span,
            format!("expected `{}`", self.show(expected)),
        );
        if let Some(best) = did_you_mean(text, allowed.iter().copied()) {
            d = d.with_help(format!("did you mean {}?", super::ty::quote_string(best)));
        }
        let allowed_list: Vec<String> =
            allowed.iter().map(|a| super::ty::quote_string(a)).collect();
        d = d.with_note(format!(
            "the allowed values are {}",
            allowed_list.join(", ")
        ));
        if let Some(because) = because {
            d = d.with_label(because.span, because.message);
        }
        self.report(d);
    }
}

#[cfg(test)]
mod tests {
    use super::list_names;

    #[test]
    fn lists_names_in_prose_and_cuts_long_lists() {
        assert_eq!(list_names(["a"]), "`a`");
        assert_eq!(list_names(["a", "b", "c d"]), "`a`, `b` and `\"c d\"`");
        let many: Vec<String> = (0..20).map(|i| format!("f{i}")).collect();
        let listed = list_names(many.iter().map(|s| s.as_str()));
        assert!(listed.ends_with("`f11` and 8 more"), "{listed}");
    }
}
