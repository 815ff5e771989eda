//! String builtins. Lengths and offsets count characters (Unicode scalar values), not bytes, so
//! `substring` can never cut a character in half.

use std::fmt::Write;

use super::{int, invalid, list, string, wrong_argument, Arg};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::error::{a, fail, Fallible};
use crate::eval::machine::Machine;
use crate::eval::value::Value;
use crate::source::Span;

/// `toString`: Strings as they are, Ints in decimal, Paths as shown, Bools as `true`/`false`,
/// `null` as the empty string, lists as their items joined by spaces.
pub fn to_string(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let value = m.force(&args[0].thunk)?;
    if let Value::Str(_) = value {
        return Ok(value);
    }
    let start = m.scratch.len();
    let result = append_as_string(m, &value, args[0].span);
    let text = result.map(|()| Value::string(&m.scratch[start..]));
    m.scratch.truncate(start);
    text
}

/// Appends the text of `value` to the machine's scratch buffer.
fn append_as_string(m: &mut Machine, value: &Value, span: Span) -> Fallible<()> {
    match value {
        Value::Str(s) => m.scratch.push_str(s),
        Value::Int(n) => {
            let _ = write!(m.scratch, "{n}");
        }
        Value::Path(p) => m.scratch.push_str(&p.display),
        Value::Bool(b) => m.scratch.push_str(if *b { "true" } else { "false" }),
        Value::Null => {}
        Value::List(items) => m.descend(span, |m| {
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    m.scratch.push(' ');
                }
                let item = m.force(item)?;
                append_as_string(m, &item, span)?;
            }
            Ok(())
        })?,
        Value::Record(_) | Value::Function(_) => {
            return fail(
                Diagnostic::new(
                    Code::RuntimeTypeError,
                    format!("cannot convert {} to a string", a(value.type_name())),
                    span,
                    format!("this is or contains {}", a(value.type_name())),
                )
                .with_help("use `toJSON` to turn a record into text"),
            )
        }
    }
    Ok(())
}

pub fn string_length(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let s = string(m, args, 0, "stringLength")?;
    Ok(Value::Int(s.chars().count() as i64))
}

/// `substring start length s`; a length running past the end stops at the end, a negative
/// length means "to the end" (as in Nix).
pub fn substring(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let start = int(m, args, 0, "substring")?;
    let length = int(m, args, 1, "substring")?;
    let s = string(m, args, 2, "substring")?;
    let Ok(start) = usize::try_from(start) else {
        return fail(invalid(
            format!("`substring` start {start} is negative"),
            args[0].span,
            "must be 0 or more",
        ));
    };
    let taken: String = match usize::try_from(length) {
        Ok(length) => s.chars().skip(start).take(length).collect(),
        Err(_) => s.chars().skip(start).collect(),
    };
    Ok(Value::string(taken))
}

pub fn concat_strings_sep(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let separator = string(m, args, 0, "concatStringsSep")?;
    let items = list(m, args, 1, "concatStringsSep")?;
    let mut text = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            text.push_str(&separator);
        }
        match m.force(item)? {
            Value::Str(s) => text.push_str(&s),
            other => {
                return fail(
                    Diagnostic::new(
                        Code::RuntimeTypeError,
                        format!(
                            "`concatStringsSep` needs a list of Strings, but item {i} is {}",
                            a(other.type_name())
                        ),
                        args[1].span,
                        "this list",
                    )
                    .with_help("convert the items first: `map toString xs`"),
                )
            }
        }
    }
    Ok(Value::string(text))
}

/// `replaceStrings from to s`: scanning `s` left to right, at each position the first pattern in
/// `from` that matches is replaced by the string at the same place in `to`. An empty pattern
/// matches between every two characters (as in Nix).
pub fn replace_strings(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let from = strings_of(m, args, 0, "replaceStrings")?;
    let to = strings_of(m, args, 1, "replaceStrings")?;
    let s = string(m, args, 2, "replaceStrings")?;
    if from.len() != to.len() {
        return fail(invalid(
            format!(
                "`replaceStrings` has {} patterns but {} replacements",
                from.len(),
                to.len()
            ),
            args[0].span.to(args[1].span),
            "these lists must have the same length",
        ));
    }
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = &s;
    loop {
        match from.iter().position(|pattern| rest.starts_with(&**pattern)) {
            Some(i) => {
                out.push_str(&to[i]);
                if from[i].is_empty() {
                    let Some(c) = rest.chars().next() else { break };
                    out.push(c);
                    rest = &rest[c.len_utf8()..];
                } else {
                    rest = &rest[from[i].len()..];
                }
            }
            None => {
                let Some(c) = rest.chars().next() else { break };
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    Ok(Value::string(out))
}

fn strings_of(
    m: &mut Machine,
    args: &[Arg],
    i: usize,
    name: &str,
) -> Fallible<Vec<std::rc::Rc<str>>> {
    let items = list(m, args, i, name)?;
    let mut strings = Vec::with_capacity(items.len());
    for item in items.iter() {
        match m.force(item)? {
            Value::Str(s) => strings.push(s),
            other => return fail(wrong_argument(name, i, "List String", &other, args[i].span)),
        }
    }
    Ok(strings)
}

/// `splitString separator s`, plain text; the empty separator is refused.
pub fn split_string(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let separator = string(m, args, 0, "splitString")?;
    let s = string(m, args, 1, "splitString")?;
    if separator.is_empty() {
        return fail(invalid(
            "`splitString` needs a non-empty separator".to_string(),
            args[0].span,
            "this is empty",
        ));
    }
    Ok(Value::list(
        s.split(&*separator)
            .map(|part| crate::eval::value::Thunk::ready(Value::string(part)))
            .collect(),
    ))
}

pub fn has_prefix(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let prefix = string(m, args, 0, "hasPrefix")?;
    let s = string(m, args, 1, "hasPrefix")?;
    Ok(Value::Bool(s.starts_with(&*prefix)))
}

pub fn has_suffix(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let suffix = string(m, args, 0, "hasSuffix")?;
    let s = string(m, args, 1, "hasSuffix")?;
    Ok(Value::Bool(s.ends_with(&*suffix)))
}

pub fn to_upper(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    Ok(Value::string(string(m, args, 0, "toUpper")?.to_uppercase()))
}

pub fn to_lower(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    Ok(Value::string(string(m, args, 0, "toLower")?.to_lowercase()))
}
