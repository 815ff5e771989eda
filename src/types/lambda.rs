//! Functions and application.
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
//! Application `f x` checks `x` against the parameter type when `f`'s type is a known
//! function, binds `f`'s type to `X -> r` when it is a variable (a record `X` opened to
//! `{ ..., ... }`: without row polymorphism, a closed `X` would reject the next call with more
//! fields), and reports calling a value that is not a function (or, when `f` is itself an
//! application, one argument too many).

use super::check::{Because, Checker};
use super::env::Scheme;
use super::ty::{Field, Fields, RecordType, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, Ident, Param, PatternField};

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

    /// Whether `func` is the builtin `name` (not a user binding that shadows it).
    fn is_builtin(&self, func: &Expr, name: &str) -> bool {
        match &func.kind {
            ExprKind::Var(ident) => {
                &*ident.name == name && self.env.get(name).is_some_and(|s| s.span.is_none())
            }
            _ => false,
        }
    }

    /// `resource { ... }` returns the record given plus `id`: its type keeps the fields, so that
    /// `vnet.properties.addressSpace` is typed and `vnet.nmae` is reported.
    fn infer_resource(
        &mut self,
        arg: &'p Expr,
        param: &Type,
        because: Option<Because<'_>>,
    ) -> Type {
        let found = self.infer(arg);
        self.subsume(&found, param, arg.span, because);
        match self.vars.shallow(&found) {
            Type::Record(record) => {
                let mut with_id = (*record).clone();
                with_id
                    .fields
                    .insert("id".into(), Field::required(Type::String, None));
                Type::record(with_id)
            }
            _ => {
                let mut fields = Fields::default();
                fields.insert("id".into(), Field::required(Type::String, None));
                Type::record(RecordType { fields, open: true })
            }
        }
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

    pub(crate) fn infer_apply(&mut self, func: &'p Expr, arg: &'p Expr) -> Type {
        let func_ty = self.infer(func);
        match self.non_null(&func_ty) {
            Type::Function(param, result) => {
                let because = function_name(func).map(|_| Because {
                    span: func.span,
                    message: "the parameter type comes from this function",
                });
                if self.is_builtin(func, "resource") {
                    return self.infer_resource(arg, &param, because);
                }
                self.check(arg, &param, because);
                (*result).clone()
            }
            Type::Var(_) => {
                // Inferring the argument may already bind the function's variable (`f (f x)`),
                // so compare rather than bind.
                let arg_ty = self.infer(arg);
                // The first argument is an example of what the unknown function takes: a record
                // argument opens up, so that calling it again with more fields is not an error.
                let param = match self.vars.shallow(&arg_ty) {
                    Type::Record(record) if !record.open => {
                        let mut open = (*record).clone();
                        open.open = true;
                        Type::record(open)
                    }
                    _ => arg_ty,
                };
                let result = self.fresh();
                let wanted = Type::function(param, result.clone());
                self.subsume(&func_ty, &wanted, func.span, None);
                result
            }
            Type::Any => {
                self.infer(arg);
                Type::Any
            }
            other => {
                self.report_not_a_function(func, arg, &other);
                self.infer(arg);
                Type::Any
            }
        }
    }

    fn report_not_a_function(&mut self, func: &Expr, arg: &Expr, ty: &Type) {
        let shown = self.show(ty);
        let (head, given) = apply_head(func);
        let diagnostic = if given > 0 {
            let name = function_name(head).unwrap_or("this function".into());
            Diagnostic::new(
                Code::TooManyArguments,
                format!("too many arguments: `{name}` takes {given}, this is one more"),
                arg.span,
                "one argument too many",
            )
            .with_label(
                func.span,
                format!("after {given} argument{} this is `{shown}`, not a function", plural(given)),
            )
            .with_help("remove the extra argument, or put parentheses around an argument that is itself an application: `f (g x)`")
        } else {
            Diagnostic::new(
                Code::NotAFunction,
                format!("calling {}, which is not a function", ty.kind_name()),
                func.span,
                format!("this is `{shown}`"),
            )
            .with_label(arg.span, "applied to this argument")
            .with_help("in a list, put applications in parentheses: `[ (f x) y ]`")
        };
        self.report(diagnostic);
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The function at the head of an application chain `f a b`, and how many arguments it gets.
fn apply_head(expr: &Expr) -> (&Expr, usize) {
    let mut head = expr;
    let mut count = 0;
    while let ExprKind::Apply { func, .. } = &head.kind {
        head = func;
        count += 1;
    }
    (head, count)
}

/// A readable name for a function expression: `f`, `lib.mkVnet`.
fn function_name(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Var(name) => Some(name.name.to_string()),
        ExprKind::Select { target, path, .. } => {
            let mut name = function_name(target)?;
            for key in path {
                name.push('.');
                name.push_str(&key.name);
            }
            Some(name)
        }
        _ => None,
    }
}

fn param_span(param: &Param) -> Option<Span> {
    match param {
        Param::Name { name, .. } => Some(name.span),
        Param::Pattern { span, .. } => Some(*span),
    }
}
