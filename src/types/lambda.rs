//! Functions: lambdas and their parameters.
//!
//! A lambda `x: body` has type `P -> R`, where `P` is the annotation of `x` or a fresh variable.
//! A record pattern `{ a, b :: Int ? 2, ... } @ args` gives the record type of its fields: each
//! field has its annotation or a fresh variable as type, is optional when it has a default
//! (which is checked against the field's type), and the record is closed unless the pattern
//! has `...`. Each field's type remembers the span of its name in the pattern, so a caller's
//! misspelt field can be answered with "did you mean" and a label at the declaration, even
//! across an import. Checked against an expected function type, the parameter takes its type
//! from the expected one.
//!
//! Application is in `apply.rs`.

use super::check::{Because, Checker};
use super::env::Scheme;
use super::ty::{Field, Fields, RecordType, Type};
use crate::source::Span;
use crate::syntax::ast::{Expr, Ident, Param, PatternField};

impl<'p> Checker<'p> {
    pub(crate) fn infer_lambda(&mut self, param: &'p Param, body: &'p Expr) -> Type {
        self.env.enter();
        let param_ty = self.bind_param(param, None);
        let result = self.infer(body);
        self.env.leave();
        Type::function(param_ty, result)
    }

    pub(crate) fn check_lambda(
        &mut self,
        param: &'p Param,
        body: &'p Expr,
        span: Span,
        expected_param: &Type,
        expected_result: &Type,
    ) {
        self.env.enter();
        let param_ty = self.bind_param(param, Some(expected_param));
        // The caller passes `expected_param`; the lambda must accept it.
        self.subsume(
            expected_param,
            &param_ty,
            param_span(param).unwrap_or(span),
            None,
        );
        self.check(body, expected_result, None);
        self.env.leave();
    }

    /// Binds the names of a parameter in the current scope and returns the parameter's type.
    fn bind_param(&mut self, param: &'p Param, expected: Option<&Type>) -> Type {
        match param {
            Param::Name { name, ty } => {
                let param_ty = match (ty, expected) {
                    (Some(annotation), _) => self.type_of_annotation(annotation),
                    (None, Some(expected)) => expected.clone(),
                    (None, None) => self.fresh(),
                };
                self.env.bind(
                    name.name.clone(),
                    Scheme::mono(param_ty.clone(), Some(name.span)),
                );
                param_ty
            }
            Param::Pattern {
                fields, open, bind, ..
            } => self.bind_pattern(fields, *open, bind.as_ref(), expected),
        }
    }

    /// Binds the fields of a record pattern (and the name after `@`) and returns the pattern's
    /// record type.
    fn bind_pattern(
        &mut self,
        fields: &'p [PatternField],
        open: bool,
        bind: Option<&'p Ident>,
        expected: Option<&Type>,
    ) -> Type {
        let expected_record = expected
            .map(|e| self.vars.shallow(e))
            .and_then(|e| self.record_member(&e));
        let mut record_fields = Fields::default();
        // Whether each field's type is unknown so far (no annotation, not expected).
        let mut unknown: Vec<bool> = Vec::with_capacity(fields.len());
        for field in fields {
            let declared = match (&field.ty, &expected_record) {
                (Some(annotation), _) => Some(self.type_of_annotation(annotation)),
                (None, Some(record)) => record.fields.get(&field.name.name).map(|f| f.ty.clone()),
                (None, None) => None,
            };
            unknown.push(declared.is_none());
            let ty = declared.unwrap_or_else(|| self.fresh());
            record_fields
                .entry(field.name.name.clone())
                .or_insert(Field {
                    ty: ty.clone(),
                    optional: field.default.is_some(),
                    span: Some(field.name.span),
                });
            self.env.bind(
                field.name.name.clone(),
                Scheme::mono(ty, Some(field.name.span)),
            );
        }
        let record = Type::record(RecordType {
            fields: record_fields.clone(),
            open,
        });
        if let Some(bind) = bind {
            self.env.bind(
                bind.name.clone(),
                Scheme::mono(record.clone(), Some(bind.span)),
            );
        }
        // Defaults see the other fields (like Nix).
        for (field, unknown) in fields.iter().zip(unknown) {
            let (Some(default), Some(declared)) =
                (&field.default, record_fields.get(&field.name.name))
            else {
                continue;
            };
            let ty = declared.ty.clone();
            if unknown {
                // `{ tags ? { } }` accepts other records, `{ x ? null }` anything.
                let found = self.infer(default);
                let widened = self.widen_default(&found);
                self.subsume(&widened, &ty, default.span, None);
            } else {
                let because = Because {
                    span: field.name.span,
                    message: "the default must fit this field's type",
                };
                self.check(default, &ty, Some(because));
            }
        }
        record
    }

    /// The type a pattern field gets from its default alone: a default is an example of what
    /// callers pass, not a limit. `null` says nothing; a record default accepts records with
    /// other fields.
    fn widen_default(&mut self, ty: &Type) -> Type {
        match self.vars.shallow(ty) {
            Type::Null => self.fresh(),
            Type::Record(record) => {
                let mut open = (*record).clone();
                open.open = true;
                open.fields.values_mut().for_each(|f| f.optional = true);
                Type::record(open)
            }
            Type::List(element) => Type::list(self.widen_default(&element)),
            other => other,
        }
    }
}

fn param_span(param: &Param) -> Option<Span> {
    match param {
        Param::Name { name, .. } => Some(name.span),
        Param::Pattern { span, .. } => Some(*span),
    }
}
