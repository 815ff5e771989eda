//! Operators.
//!
//! | operator | operands | result |
//! |---|---|---|
//! | `+` | `Int + Int`; `String + String`/`Path`; `Path + Path`/`String` | `Int`; `String`; `Path` |
//! | `-` `*` `/`, unary `-` | `Int` | `Int` |
//! | `<` `<=` `>` `>=` | both `Int` or both `String` | `Bool` |
//! | `==` `!=` | anything | `Bool` |
//! | `&&` `\|\|`, `!` | `Bool` | `Bool` |
//! | `++` | two lists | the list of the joined element type (`List Any` if unrelated) |
//! | `//` | two records | right-biased merge |
//!
//! The result of `+` always has the type of its left operand. When an operand's type is still a
//! variable, `+` and the comparisons bind it to `Int` if the other operand is an `Int`; against
//! a string it stays open (it could be a path), and `x + y` with both unknown has the type of
//! `x` (there are no type classes to say more about an overloaded operator).
//!
//! `//` of two known records is the record of the left fields overridden by the right ones
//! (a field that is optional on the right keeps the left type joined in, since it may be absent);
//! the result is open when either side is, and a left field's type is `Any` when the right side
//! is open (it may override it). A variable operand becomes an open record.

use super::check::Checker;
use super::fits::join;
use super::ty::{RecordType, Type};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{BinOp, Expr, UnaryOp};

impl<'p> Checker<'p> {
    pub(crate) fn infer_binary(
        &mut self,
        op: BinOp,
        op_span: Span,
        lhs: &'p Expr,
        rhs: &'p Expr,
    ) -> Type {
        match op {
            BinOp::And | BinOp::Or => {
                self.operand(op, lhs, &Type::Bool);
                self.operand(op, rhs, &Type::Bool);
                Type::Bool
            }
            BinOp::Sub | BinOp::Mul | BinOp::Div => {
                self.operand(op, lhs, &Type::Int);
                self.operand(op, rhs, &Type::Int);
                Type::Int
            }
            BinOp::Eq | BinOp::NotEq => {
                self.infer(lhs);
                self.infer(rhs);
                Type::Bool
            }
            BinOp::Less | BinOp::LessEq | BinOp::Greater | BinOp::GreaterEq => {
                self.infer_comparison(op, op_span, lhs, rhs);
                Type::Bool
            }
            BinOp::Add => self.infer_add(op_span, lhs, rhs),
            BinOp::Concat => self.infer_concat(op_span, lhs, rhs),
            BinOp::Update => self.infer_update(op_span, lhs, rhs),
        }
    }

    pub(crate) fn infer_unary(&mut self, op: UnaryOp, operand: &'p Expr) -> Type {
        match op {
            UnaryOp::Neg => {
                self.operand_of(op_name(op), operand, &Type::Int);
                Type::Int
            }
            UnaryOp::Not => {
                self.operand_of(op_name(op), operand, &Type::Bool);
                Type::Bool
            }
        }
    }

    fn operand(&mut self, op: BinOp, operand: &'p Expr, expected: &Type) {
        self.operand_of(op.as_str(), operand, expected);
    }

    /// Infers an operand that must fit `expected`.
    fn operand_of(&mut self, op: &str, operand: &'p Expr, expected: &Type) {
        let ty = self.infer(operand);
        let ty = self.non_null(&ty);
        if self.fits_quietly(&ty, expected).is_err() {
            let (shown, wanted) = (self.show(&ty), self.show(expected));
            self.report(
                Diagnostic::new(
                    Code::OperatorMismatch,
                    format!("`{op}` needs `{wanted}` operands, found `{shown}`"),
                    operand.span,
                    format!("this is `{shown}`"),
                )
                .with_help(operator_help(op)),
            );
        }
    }

    fn report_operands(&mut self, op: &str, op_span: Span, lhs: (&Type, Span), rhs: (&Type, Span)) {
        let (left, right) = (self.show(lhs.0), self.show(rhs.0));
        self.report(
            Diagnostic::new(
                Code::OperatorMismatch,
                format!("`{op}` cannot be applied to `{left}` and `{right}`"),
                op_span,
                "this operator",
            )
            .with_label(lhs.1, format!("this is `{left}`"))
            .with_label(rhs.1, format!("this is `{right}`"))
            .with_help(operator_help(op)),
        );
    }

    fn infer_add(&mut self, op_span: Span, lhs: &'p Expr, rhs: &'p Expr) -> Type {
        let left = self.infer(lhs);
        let right = self.infer(rhs);
        let (l, r) = (self.non_null(&left), self.non_null(&right));
        // The result of `+` always has the left operand's type (a string literal widened).
        let text_like = |t: &Type| t.is_stringy() || matches!(t, Type::Path);
        let open = |t: &Type| matches!(t, Type::Var(_) | Type::Any);
        match (&l, &r) {
            (Type::Any, _) => Type::Any,
            (Type::Int, Type::Int) => Type::Int,
            (Type::Int, Type::Var(v)) | (Type::Var(v), Type::Int) => {
                self.vars.bind(*v, &Type::Int);
                Type::Int
            }
            (Type::Int, Type::Any) => Type::Int,
            (a, b) if a.is_stringy() && (text_like(b) || open(b)) => Type::String,
            (Type::Path, b) if text_like(b) || open(b) => Type::Path,
            // `x + "s"` or `x + y`: `x` may be a string or a path; the result is whatever it is.
            (Type::Var(_), b) if text_like(b) || open(b) => l.clone(),
            _ => {
                self.report_operands("+", op_span, (&l, lhs.span), (&r, rhs.span));
                Type::Any
            }
        }
    }

    fn infer_comparison(&mut self, op: BinOp, op_span: Span, lhs: &'p Expr, rhs: &'p Expr) {
        let left = self.infer(lhs);
        let right = self.infer(rhs);
        let (l, r) = (self.non_null(&left), self.non_null(&right));
        let fine = match (&l, &r) {
            (Type::Any, _) | (_, Type::Any) => true,
            (Type::Int, Type::Int) => true,
            (a, b) if a.is_stringy() && b.is_stringy() => true,
            (Type::Var(v), other @ Type::Int) | (other @ Type::Int, Type::Var(v)) => {
                self.vars.bind(*v, other);
                true
            }
            (Type::Var(v), other) | (other, Type::Var(v)) if other.is_stringy() => {
                self.vars.bind(*v, &Type::String);
                true
            }
            (Type::Var(_), Type::Var(_)) => true,
            _ => false,
        };
        if !fine {
            self.report_operands(op.as_str(), op_span, (&l, lhs.span), (&r, rhs.span));
        }
    }

    fn infer_concat(&mut self, op_span: Span, lhs: &'p Expr, rhs: &'p Expr) -> Type {
        let left = self.infer(lhs);
        let right = self.infer(rhs);
        let is_list = |checker: &mut Self, ty: &Type| match checker.vars.shallow(ty) {
            Type::List(_) | Type::Any => true,
            Type::Var(var) => {
                let list = Type::list(checker.fresh());
                checker.vars.bind(var, &list)
            }
            _ => false,
        };
        let (left_ok, right_ok) = (is_list(self, &left), is_list(self, &right));
        if !left_ok || !right_ok {
            let (l, r) = (self.vars.shallow(&left), self.vars.shallow(&right));
            self.report_operands("++", op_span, (&l, lhs.span), (&r, rhs.span));
            return Type::Any;
        }
        // Lists of unrelated element types concatenate into a `List Any`.
        join(&mut self.vars, &left, &right).unwrap_or(Type::list(Type::Any))
    }

    fn infer_update(&mut self, op_span: Span, lhs: &'p Expr, rhs: &'p Expr) -> Type {
        let left = self.infer(lhs);
        let right = self.infer(rhs);
        let (l, r) = (self.record_operand(&left), self.record_operand(&right));
        match (l, r) {
            (Some(Operand::Record(l)), Some(Operand::Record(r))) => self.merge_records(&l, &r),
            (Some(Operand::Record(l)), Some(Operand::Unknown)) => {
                // The left fields are there, but any may be overridden by a value of any type.
                let mut open = (*l).clone();
                open.open = true;
                open.fields.values_mut().for_each(|f| f.ty = Type::Any);
                Type::record(open)
            }
            (Some(Operand::Unknown), Some(Operand::Record(r))) => {
                let mut open = (*r).clone();
                open.open = true;
                Type::record(open)
            }
            (Some(_), Some(_)) => Type::open_record(),
            _ => {
                let (l, r) = (self.vars.shallow(&left), self.vars.shallow(&right));
                self.report_operands("//", op_span, (&l, lhs.span), (&r, rhs.span));
                Type::Any
            }
        }
    }

    /// A `//` operand: a known record, or a value that may be a record (binding a variable to
    /// an open record); `None` for anything else.
    fn record_operand(&mut self, ty: &Type) -> Option<Operand> {
        match self.non_null(ty) {
            Type::Record(record) => Some(Operand::Record(record)),
            Type::Any => Some(Operand::Unknown),
            Type::Var(var) => {
                self.vars.bind(var, &Type::open_record());
                Some(Operand::Unknown)
            }
            _ => None,
        }
    }

    fn merge_records(&mut self, left: &RecordType, right: &RecordType) -> Type {
        let mut merged = left.clone();
        for (name, field) in &right.fields {
            let replaced = match (merged.fields.get(name), field.optional) {
                (Some(old), true) => {
                    let ty = join(&mut self.vars, &old.ty, &field.ty).unwrap_or(Type::Any);
                    super::ty::Field {
                        ty,
                        optional: old.optional,
                        span: field.span,
                    }
                }
                _ => field.clone(),
            };
            merged.fields.insert(name.clone(), replaced);
        }
        if right.open {
            // Unknown fields of the right side may override any left field.
            for (name, field) in merged.fields.iter_mut() {
                if !right.fields.contains_key(name) {
                    field.ty = Type::Any;
                }
            }
        }
        merged.open = left.open || right.open;
        Type::record(merged)
    }
}

enum Operand {
    Record(std::rc::Rc<RecordType>),
    Unknown,
}

fn op_name(op: UnaryOp) -> &'static str {
    match op {
        UnaryOp::Neg => "-",
        UnaryOp::Not => "!",
    }
}

fn operator_help(op: &str) -> &'static str {
    match op {
        "+" => {
            "`+` adds integers, or concatenates strings and paths; convert with `toString` first"
        }
        "-" | "*" | "/" => "arithmetic works on `Int` values only",
        "<" | "<=" | ">" | ">=" => "compare two integers or two strings",
        "&&" | "||" | "!" => {
            "logical operators work on `Bool` values; compare explicitly, e.g. `x != null`"
        }
        "++" => "`++` concatenates two lists; wrap a single element in `[ ]`",
        "//" => "`//` merges two records",
        _ => "check the types of the operands",
    }
}
