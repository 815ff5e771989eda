//! The expression walk: `infer` (synthesise a type) and `check` (against an expected type).
//!
//! `check` handles the forms that can use an expected type to say more, or to say it at a
//! better place: string literals (membership in a literal union), record literals (each field
//! against its declared type, unknown and missing fields at their own spans), lists, `if`,
//! `let`, `assert`, lambdas (the parameter type comes from the expected function type) and
//! annotations. Every other form is inferred, and the result compared with `fits`. Against a
//! type that is still a variable everything is inferred too: checking the elements of a list
//! one by one against a variable would force them all to the type of the first, where
//! inference joins them.
//!
//! Records, lets, lambdas, applications and operators are in `records.rs`, `bindings.rs`,
//! `lambda.rs`, `apply.rs` and `ops.rs`.

use super::check::{Because, Checker};
use super::fits::join;
use super::ty::Type;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Expr, ExprKind, StrPart};

impl<'p> Checker<'p> {
    /// The type of `expr`; errors are reported, and an erroneous expression gets `Any`.
    pub(crate) fn infer(&mut self, expr: &'p Expr) -> Type {
        self.deeper(|checker| checker.infer_unguarded(expr))
    }

    fn infer_unguarded(&mut self, expr: &'p Expr) -> Type {
        match &expr.kind {
            ExprKind::Int(_) => Type::Int,
            ExprKind::Bool(_) => Type::Bool,
            ExprKind::Null => Type::Null,
            ExprKind::Path(_) => Type::Path,
            ExprKind::Str(parts) => {
                self.check_interpolations(parts);
                Type::String
            }
            ExprKind::Var(name) => self.lookup(name),
            ExprKind::List(items) => self.infer_list(items),
            ExprKind::Record {
                recursive,
                bindings,
            } => self.infer_record(*recursive, bindings),
            ExprKind::Let { bindings, body } => self.check_let(bindings, body, None),
            ExprKind::Lambda { param, body } => self.infer_lambda(param, body),
            ExprKind::Apply { .. } => self.infer_apply(expr),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => {
                self.check_condition(cond, "if");
                let then_ty = self.infer(then_branch);
                let else_ty = self.infer(else_branch);
                self.join_branches(&then_ty, then_branch.span, &else_ty, else_branch.span)
            }
            ExprKind::Select {
                target,
                path,
                default,
            } => self.infer_select(target, path, default.as_deref()),
            ExprKind::HasField { target, .. } => {
                self.infer(target);
                Type::Bool
            }
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => self.infer_binary(*op, *op_span, lhs, rhs),
            ExprKind::Unary { op, operand } => self.infer_unary(*op, operand),
            ExprKind::Assert {
                cond,
                message,
                body,
            } => {
                self.check_assert(cond, message.as_deref());
                self.infer(body)
            }
            ExprKind::Import(target) => self.import_type(target),
            ExprKind::Annotated { expr: inner, ty } => {
                let annotated = self.type_of_annotation(ty);
                let because = Because {
                    span: ty.span,
                    message: "expected because of this annotation",
                };
                self.check(inner, &annotated, Some(because));
                annotated
            }
            ExprKind::Error => Type::Any,
        }
    }

    /// Checks `expr` against `expected`, reporting at the most precise place.
    pub(crate) fn check(&mut self, expr: &'p Expr, expected: &Type, because: Option<Because<'_>>) {
        self.deeper(|checker| {
            checker.check_unguarded(expr, expected, because);
            Type::Any
        });
    }

    fn check_unguarded(&mut self, expr: &'p Expr, expected: &Type, because: Option<Because<'_>>) {
        let expected = self.vars.shallow(expected);
        if matches!(expected, Type::Any) {
            self.infer(expr);
            return;
        }
        if matches!(expected, Type::Var(_)) {
            // Nothing known yet: infer, so that list elements and branches are joined rather
            // than all forced to the type of the first one.
            self.infer_then_fit(expr, &expected, because);
            return;
        }
        match (&expr.kind, &expected) {
            (ExprKind::Str(parts), _) => self.check_string(parts, expr.span, &expected, because),
            (
                ExprKind::Record {
                    recursive: false,
                    bindings,
                },
                _,
            ) => match self.record_member(&expected) {
                Some(record) => self.check_record_literal(bindings, expr.span, &record),
                None => self.infer_then_fit(expr, &expected, because),
            },
            (ExprKind::List(items), Type::List(element))
                if !matches!(self.vars.shallow(element), Type::Var(_)) =>
            {
                for item in items {
                    self.check(item, element, because);
                }
            }
            (
                ExprKind::If {
                    cond,
                    then_branch,
                    else_branch,
                },
                _,
            ) => {
                self.check_condition(cond, "if");
                self.check(then_branch, &expected, because);
                self.check(else_branch, &expected, because);
            }
            (ExprKind::Let { bindings, body }, _) => {
                self.check_let(bindings, body, Some((&expected, because)));
            }
            (
                ExprKind::Assert {
                    cond,
                    message,
                    body,
                },
                _,
            ) => {
                self.check_assert(cond, message.as_deref());
                self.check(body, &expected, because);
            }
            (ExprKind::Lambda { param, body }, Type::Function(p, r)) => {
                self.check_lambda(param, body, expr.span, p, r);
            }
            (ExprKind::Error, _) => {}
            _ => self.infer_then_fit(expr, &expected, because),
        }
    }

    fn infer_then_fit(&mut self, expr: &'p Expr, expected: &Type, because: Option<Because<'_>>) {
        let found = self.infer(expr);
        self.subsume(&found, expected, expr.span, because);
    }

    /// A string against an expected type: a constant string must be one of the allowed values
    /// of a literal union.
    fn check_string(
        &mut self,
        parts: &'p [StrPart],
        span: Span,
        expected: &Type,
        because: Option<Because<'_>>,
    ) {
        self.check_interpolations(parts);
        let constant: Option<String> = parts
            .iter()
            .map(|p| match p {
                StrPart::Literal(text) => Some(&**text),
                StrPart::Interpolation(_) => None,
            })
            .collect();
        let allowed = expected.literals();
        let accepts_any_string = match expected {
            Type::String => true,
            Type::Union(members) => members.iter().any(|m| matches!(m, Type::String)),
            _ => false,
        };
        match constant {
            Some(text) if !allowed.is_empty() && !accepts_any_string => {
                if !allowed.contains(&text.as_str()) {
                    self.value_not_allowed(&text, span, expected, because);
                }
            }
            _ => {
                self.subsume(&Type::String, expected, span, because);
            }
        }
    }

    /// Every interpolated expression must be convertible to a string.
    pub(crate) fn check_interpolations(&mut self, parts: &'p [StrPart]) {
        for part in parts {
            let StrPart::Interpolation(inner) = part else {
                continue;
            };
            let ty = self.infer(inner);
            let ty = self.non_null(&ty);
            let fine = match &ty {
                Type::Int | Type::Path | Type::Any | Type::Var(_) => true,
                other => other.is_stringy(),
            };
            if !fine {
                let shown = self.show(&ty);
                let help = match ty {
                    Type::List(_) => "join the elements with `concatStringsSep \" \" list`",
                    Type::Record(_) => "use `toJSON` to turn a record into text",
                    _ => "convert it with `toString`",
                };
                self.report(
                    Diagnostic::new(
                        Code::NotStringable,
                        format!("cannot interpolate {} into a string", ty.kind_name()),
                        inner.span,
                        format!("this is `{shown}`"),
                    )
                    .with_help(help)
                    .with_note("`${...}` accepts String, Int and Path values"),
                );
            }
        }
    }

    /// `ty` without `Null` members: without flow typing, a `T | Null` used where a `T` is needed
    /// is accepted (the evaluator reports `null` where it is not allowed), since the program may
    /// well have checked for `null` first.
    pub(crate) fn non_null(&mut self, ty: &Type) -> Type {
        match self.vars.shallow(ty) {
            Type::Union(members) if members.iter().any(|m| matches!(m, Type::Null)) => {
                Type::union(members.iter().filter(|m| !matches!(m, Type::Null)).cloned())
            }
            other => other,
        }
    }

    /// The condition of `if` or `assert` must be a `Bool`.
    pub(crate) fn check_condition(&mut self, cond: &'p Expr, keyword: &str) {
        let ty = self.infer(cond);
        if self.fits_quietly(&ty, &Type::Bool).is_err() {
            let shown = self.show(&ty);
            self.report(
                Diagnostic::new(
                    Code::ConditionNotBool,
                    format!("the condition of `{keyword}` must be a `Bool`, found `{shown}`"),
                    cond.span,
                    format!("this is `{shown}`"),
                )
                .with_help("compare explicitly, e.g. `x != null` or `length xs > 0`"),
            );
        }
    }

    fn check_assert(&mut self, cond: &'p Expr, message: Option<&'p Expr>) {
        self.check_condition(cond, "assert");
        if let Some(message) = message {
            self.check(message, &Type::String, None);
        }
    }

    /// The type of an `if` from the types of its branches.
    fn join_branches(&mut self, a: &Type, a_span: Span, b: &Type, b_span: Span) -> Type {
        match join(&mut self.vars, a, b) {
            Some(joined) => joined,
            None => {
                let (a_shown, b_shown) = (self.show(a), self.show(b));
                self.report(
                    Diagnostic::new(
                        Code::BranchMismatch,
                        format!(
                            "the branches of `if` have different types: `{a_shown}` and `{b_shown}`"
                        ),
                        b_span,
                        format!("this is `{b_shown}`"),
                    )
                    .with_label(a_span, format!("this is `{a_shown}`"))
                    .with_help("both branches must produce the same type (or one may be `null`)"),
                );
                Type::Any
            }
        }
    }

    /// A list's element type is the join of its elements' types; lists of unrelated types are
    /// allowed (the resource lists of a deployment mix resources and lists of resources) and
    /// have type `List Any`.
    fn infer_list(&mut self, items: &'p [Expr]) -> Type {
        let Some((first, rest)) = items.split_first() else {
            return Type::list(self.fresh());
        };
        let mut element = self.infer(first);
        let mut mixed = false;
        for item in rest {
            let ty = self.infer(item);
            if mixed {
                continue;
            }
            match join(&mut self.vars, &element, &ty) {
                Some(joined) => element = joined,
                None => mixed = true,
            }
        }
        Type::list(if mixed { Type::Any } else { element })
    }
}
