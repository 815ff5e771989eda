//! Application.
//!
//! `f a b c` is `((f a) b) c`; the checker takes the whole spine at once. The parameter types
//! known from `f`'s type are checked against the arguments that are not lambdas first, and the
//! lambdas last, so that in `map (s: s.name) subnets` the lambda's parameter already has the
//! element type of `subnets` (and `s.nmae` is reported) instead of being an unknown that the
//! selection turns into an open record. The spine is walked with a loop, so a chain of
//! thousands of arguments does not nest.
//!
//! Past the known parameters, each argument is applied in turn: to a variable, which is bound
//! to `X -> r` (a record `X` opened to `{ ..., ... }`: without row polymorphism a closed `X`
//! would reject the next call with more fields), to `Any`, or to a value that is not a function,
//! which is reported (as one argument too many when arguments came before).

use super::check::{Because, Checker};
use super::ty::{Field, Fields, RecordType, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind};

impl<'p> Checker<'p> {
    /// The type of the application `whole`.
    pub(crate) fn infer_apply(&mut self, whole: &'p Expr) -> Type {
        // (partial application, argument, the parameter type the head's type gives the
        // argument), innermost first.
        let mut spine: Vec<(&'p Expr, &'p Expr, Option<Type>)> = Vec::new();
        let mut head = whole;
        while let ExprKind::Apply { func, arg } = &head.kind {
            spine.push((func, arg, None));
            head = func;
        }
        spine.reverse();
        let mut ty = self.infer(head);
        let mut known = 0;
        if !self.is_builtin(head, "resource") {
            for (_, _, param) in &mut spine {
                let Type::Function(param_ty, result) = self.non_null(&ty) else {
                    break;
                };
                *param = Some((*param_ty).clone());
                ty = (*result).clone();
                known += 1;
            }
        }
        let because = has_function_name(head).then_some(Because {
            span: head.span,
            message: "the parameter type comes from this function",
        });
        for lambdas in [false, true] {
            for (_, arg, param) in &spine[..known] {
                let Some(param) = param else {
                    continue;
                };
                if matches!(arg.kind, ExprKind::Lambda { .. }) == lambdas {
                    self.check(arg, param, because);
                }
            }
        }
        for &(func, arg, _) in &spine[known..] {
            ty = self.apply_to(&ty, func, arg);
        }
        ty
    }

    /// Applies `func`, of type `func_ty`, to `arg`.
    fn apply_to(&mut self, func_ty: &Type, func: &'p Expr, arg: &'p Expr) -> Type {
        match self.non_null(func_ty) {
            Type::Function(param, result) => {
                let because = has_function_name(func).then_some(Because {
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
                self.subsume(func_ty, &wanted, func.span, None);
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

/// Whether [`function_name`] names `expr` (without building the name).
fn has_function_name(expr: &Expr) -> bool {
    match &expr.kind {
        ExprKind::Var(_) => true,
        ExprKind::Select { target, .. } => has_function_name(target),
        _ => false,
    }
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
