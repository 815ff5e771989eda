//! Type tests, integer helpers, `throw` and `toJSON`.

use super::{int, string, Arg};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::error::{fail, Fallible};
use crate::eval::machine::Machine;
use crate::eval::ops::overflow;
use crate::eval::value::Value;
use crate::source::Span;

pub fn throw(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let message = string(m, args, 0, "throw")?;
    fail(Diagnostic::new(
        Code::Thrown,
        message.to_string(),
        call,
        "thrown here",
    ))
}

pub fn to_json(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let value = m.force(&args[0].thunk)?;
    let json = crate::eval::json::to_json_text(m, &value, args[0].span, false)?;
    Ok(Value::string(json))
}

fn test(m: &mut Machine, args: &[Arg], is: fn(&Value) -> bool) -> Fallible<Value> {
    let value = m.force(&args[0].thunk)?;
    Ok(Value::Bool(is(&value)))
}

pub fn is_null(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Null))
}

pub fn is_int(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Int(_)))
}

pub fn is_bool(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Bool(_)))
}

pub fn is_string(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Str(_)))
}

pub fn is_list(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::List(_)))
}

pub fn is_attrs(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Record(_)))
}

pub fn is_function(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Function(_)))
}

pub fn is_path(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    test(m, args, |v| matches!(v, Value::Path(_)))
}

/// The Nix names of the types.
pub fn type_of(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let name = match m.force(&args[0].thunk)? {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Str(_) => "string",
        Value::Path(_) => "path",
        Value::List(_) => "list",
        Value::Record(_) => "set",
        Value::Function(_) => "lambda",
    };
    Ok(Value::string(name))
}

pub fn min(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    Ok(Value::Int(
        int(m, args, 0, "min")?.min(int(m, args, 1, "min")?),
    ))
}

pub fn max(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    Ok(Value::Int(
        int(m, args, 0, "max")?.max(int(m, args, 1, "max")?),
    ))
}

/// `mod a b`: the remainder of the truncating division, so it has the sign of `a`.
pub fn modulo(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let a = int(m, args, 0, "mod")?;
    let b = int(m, args, 1, "mod")?;
    if b == 0 {
        return fail(Diagnostic::new(
            Code::DivisionByZero,
            format!("division by zero: mod {a} 0"),
            args[1].span,
            "this is 0",
        ));
    }
    match a.checked_rem(b) {
        Some(r) => Ok(Value::Int(r)),
        None => fail(overflow(call, format!("mod {a} {b}"))),
    }
}

pub fn abs(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let n = int(m, args, 0, "abs")?;
    match n.checked_abs() {
        Some(r) => Ok(Value::Int(r)),
        None => fail(overflow(call, format!("abs ({n})"))),
    }
}
