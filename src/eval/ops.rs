//! Operators: arithmetic, comparison, deep equality, `++` and `//`.

use std::rc::Rc;

use super::error::{a, fail, Fallible};
use super::machine::Machine;
use super::value::{PathValue, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::BinOp;

/// `op` applied to two evaluated operands, each with the span of its expression. `&&` and `||`
/// never get here: they short-circuit in the machine.
#[inline(never)]
pub fn binary(
    m: &mut Machine,
    op: BinOp,
    op_span: Span,
    (left, left_span): (&Value, Span),
    (right, right_span): (&Value, Span),
) -> Fallible<Value> {
    let whole = left_span.to(right_span);
    match op {
        BinOp::Add => match (left, right) {
            (Value::Int(x), Value::Int(y)) => {
                checked(x.checked_add(*y), whole, || format!("{x} + {y}"))
            }
            (Value::Str(x), Value::Str(y)) => Ok(Value::string(concat(x, y))),
            (Value::Str(x), Value::Path(p)) => Ok(Value::string(concat(x, &p.display))),
            (Value::Path(p), Value::Str(s)) => Ok(Value::Path(Rc::new(append_to_path(p, s)))),
            _ => fail(mismatch(
                op,
                op_span,
                (left, left_span),
                (right, right_span),
                "Int + Int, String + String, String + Path or Path + String",
            )),
        },
        BinOp::Sub | BinOp::Mul | BinOp::Div => {
            let (x, y) = ints(op, op_span, (left, left_span), (right, right_span))?;
            let result = match op {
                BinOp::Sub => x.checked_sub(y),
                BinOp::Mul => x.checked_mul(y),
                _ if y == 0 => {
                    return fail(
                        Diagnostic::new(
                            Code::DivisionByZero,
                            format!("division by zero: {x} / 0"),
                            right_span,
                            "this is 0",
                        )
                        .with_label(op_span, "dividing here"),
                    )
                }
                _ => x.checked_div(y),
            };
            checked(result, whole, || format!("{x} {} {y}", op.as_str()))
        }
        BinOp::Less | BinOp::LessEq | BinOp::Greater | BinOp::GreaterEq => {
            let ordering = match (left, right) {
                (Value::Int(x), Value::Int(y)) => x.cmp(y),
                (Value::Str(x), Value::Str(y)) => x.cmp(y),
                _ => {
                    return fail(mismatch(
                        op,
                        op_span,
                        (left, left_span),
                        (right, right_span),
                        "two Ints or two Strings",
                    ))
                }
            };
            Ok(Value::Bool(match op {
                BinOp::Less => ordering.is_lt(),
                BinOp::LessEq => ordering.is_le(),
                BinOp::Greater => ordering.is_gt(),
                _ => ordering.is_ge(),
            }))
        }
        BinOp::Eq => Ok(Value::Bool(equal(m, left, right, whole)?)),
        BinOp::NotEq => Ok(Value::Bool(!equal(m, left, right, whole)?)),
        BinOp::Concat => match (left, right) {
            (Value::List(x), Value::List(y)) => {
                if x.is_empty() {
                    return Ok(right.clone());
                }
                if y.is_empty() {
                    return Ok(left.clone());
                }
                let mut items = Vec::with_capacity(x.len() + y.len());
                items.extend(x.iter().cloned());
                items.extend(y.iter().cloned());
                Ok(Value::list(items))
            }
            _ => fail(mismatch(
                op,
                op_span,
                (left, left_span),
                (right, right_span),
                "two Lists",
            )),
        },
        BinOp::Update => match (left, right) {
            (Value::Record(x), Value::Record(y)) => {
                if y.is_empty() {
                    return Ok(left.clone());
                }
                if x.is_empty() {
                    return Ok(right.clone());
                }
                let mut merged = (**x).clone();
                merged.fields.reserve(y.len());
                for (name, thunk) in &y.fields {
                    merged.fields.insert(*name, thunk.clone());
                }
                Ok(Value::Record(Rc::new(merged)))
            }
            _ => fail(mismatch(
                op,
                op_span,
                (left, left_span),
                (right, right_span),
                "two records",
            )),
        },
        BinOp::And | BinOp::Or => fail(super::error::internal(
            "`&&`/`||` reached the operator table",
            op_span,
        )),
    }
}

/// Deep structural equality. Values of different types are unequal; functions are never equal,
/// so there is no shortcut for a value compared with itself (it may contain a function).
/// `span` is the comparison, for the error if the values nest too deeply.
pub fn equal(m: &mut Machine, left: &Value, right: &Value, span: Span) -> Fallible<bool> {
    Ok(match (left, right) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Path(x), Value::Path(y)) => x.absolute == y.absolute,
        (Value::List(x), Value::List(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            m.descend(span, |m| {
                for (a, b) in x.iter().zip(y.iter()) {
                    let (a, b) = (m.force(a)?, m.force(b)?);
                    if !equal(m, &a, &b, span)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            })?
        }
        (Value::Record(x), Value::Record(y)) => {
            if x.len() != y.len() {
                return Ok(false);
            }
            m.descend(span, |m| {
                for (name, a) in &x.fields {
                    let Some(b) = y.get_sym(*name) else {
                        return Ok(false);
                    };
                    let (a, b) = (m.force(a)?, m.force(b)?);
                    if !equal(m, &a, &b, span)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            })?
        }
        _ => false,
    })
}

fn concat(x: &str, y: &str) -> String {
    let mut text = String::with_capacity(x.len() + y.len());
    text.push_str(x);
    text.push_str(y);
    text
}

/// `./dir + "/file"`: a path with text appended, normalised again.
fn append_to_path(path: &PathValue, suffix: &str) -> PathValue {
    let absolute = concat(&path.absolute.to_string_lossy(), suffix);
    let display = concat(&path.display, suffix);
    PathValue {
        absolute: super::paths::normalise(std::path::Path::new(&absolute)),
        display: super::paths::normalise_display(&display).into(),
    }
}

fn ints(
    op: BinOp,
    op_span: Span,
    left: (&Value, Span),
    right: (&Value, Span),
) -> Fallible<(i64, i64)> {
    match (left.0, right.0) {
        (Value::Int(x), Value::Int(y)) => Ok((*x, *y)),
        _ => fail(mismatch(op, op_span, left, right, "two Ints")),
    }
}

fn checked(
    result: Option<i64>,
    span: Span,
    expression: impl FnOnce() -> String,
) -> Fallible<Value> {
    match result {
        Some(n) => Ok(Value::Int(n)),
        None => fail(overflow(span, expression())),
    }
}

#[cold]
#[inline(never)]
pub fn overflow(span: Span, expression: String) -> Diagnostic {
    Diagnostic::new(
        Code::IntegerOverflow,
        format!("integer overflow: {expression} does not fit in 64 bits"),
        span,
        "overflows here",
    )
    .with_note(format!("Ints range from {} to {}", i64::MIN, i64::MAX))
}

/// The operands do not suit the operator. The primary label goes on the operand that is wrong:
/// the left one if no right operand could make it work, else the right one.
#[cold]
#[inline(never)]
fn mismatch(
    op: BinOp,
    op_span: Span,
    (left, left_span): (&Value, Span),
    (right, right_span): (&Value, Span),
    expects: &str,
) -> Diagnostic {
    let left_fits = match op {
        BinOp::Add => matches!(left, Value::Int(_) | Value::Str(_) | Value::Path(_)),
        BinOp::Less | BinOp::LessEq | BinOp::Greater | BinOp::GreaterEq => {
            matches!(left, Value::Int(_) | Value::Str(_))
        }
        BinOp::Concat => matches!(left, Value::List(_)),
        BinOp::Update => matches!(left, Value::Record(_)),
        _ => matches!(left, Value::Int(_)),
    };
    let ((wrong, wrong_span), (other, other_span)) = if left_fits {
        ((right, right_span), (left, left_span))
    } else {
        ((left, left_span), (right, right_span))
    };
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!(
            "cannot apply `{}` to {} and {}",
            op.as_str(),
            a(left.type_name()),
            a(right.type_name())
        ),
        wrong_span,
        format!("this is {}", a(wrong.type_name())),
    )
    .with_label(other_span, format!("this is {}", a(other.type_name())))
    .with_label(op_span, format!("`{}` takes {expects}", op.as_str()))
}

/// One operand of the wrong type for `role` (`-`, an `if` condition, ...).
#[cold]
#[inline(never)]
pub fn operand_error(role: &str, value: &Value, span: Span, expected: &str) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!(
            "{role} must be {}, not {}",
            a(expected),
            a(value.type_name())
        ),
        span,
        format!("this is {}", a(value.type_name())),
    )
}
