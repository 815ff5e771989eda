//! Deep forcing to JSON, like `nix eval --json`.
//!
//! Records keep definition order (serde_json is built with `preserve_order`), paths print as
//! their entry-relative display form, and nothing depends on hashing or the machine, so the
//! output is byte-for-byte deterministic. A function has no JSON form: the error says where in
//! the value it was found.

use serde_json::{Map, Number};

use super::error::{fail, Fallible};
use super::machine::Machine;
use super::value::{Function, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// `value`, forced all the way down, as JSON. `span` is the expression the value came from.
pub fn to_json(m: &mut Machine, value: &Value, span: Span) -> Fallible<serde_json::Value> {
    let mut path = String::new();
    convert(m, value, span, &mut path)
}

fn convert(
    m: &mut Machine,
    value: &Value,
    span: Span,
    path: &mut String,
) -> Fallible<serde_json::Value> {
    Ok(match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(n) => serde_json::Value::Number(Number::from(*n)),
        Value::Str(s) => serde_json::Value::String(s.to_string()),
        Value::Path(p) => serde_json::Value::String(p.display.to_string()),
        Value::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                let item = m.force(item).map_err(|e| in_place(e, path))?;
                out.push(convert(m, &item, span, path)?);
                path.truncate(len);
            }
            serde_json::Value::Array(out)
        }
        Value::Record(record) => {
            let mut out = Map::with_capacity(record.len());
            for (name, thunk) in record.iter() {
                let len = path.len();
                path.push('.');
                path.push_str(&name);
                let field = m.force(thunk).map_err(|e| in_place(e, path))?;
                out.insert(name.to_string(), convert(m, &field, span, path)?);
                path.truncate(len);
            }
            serde_json::Value::Object(out)
        }
        Value::Function(function) => {
            let place = if path.is_empty() {
                "the value".to_string()
            } else {
                format!("`{path}`")
            };
            let message = format!("{place} is a function, which has no JSON form");
            let d = match &**function {
                Function::Lambda { lambda, .. } => {
                    let d = Diagnostic::new(
                        Code::NotSerializable,
                        message,
                        lambda.span,
                        "this function",
                    );
                    // Overlapping labels render badly; the value's label only helps when the
                    // function was written elsewhere.
                    let overlaps = lambda.span.file == span.file
                        && lambda.span.start < span.end
                        && span.start < lambda.span.end;
                    if overlaps {
                        d
                    } else {
                        d.with_label(span, "is part of this value")
                    }
                }
                _ => Diagnostic::new(
                    Code::NotSerializable,
                    message,
                    span,
                    "this is or contains a function",
                ),
            };
            return fail(
                d.with_help("call the function, or keep it out of the output (in a `let`)"),
            );
        }
    })
}

fn in_place(mut error: Box<super::error::EvalError>, path: &str) -> Box<super::error::EvalError> {
    error.set_context(format!("while converting `{path}` to JSON"));
    error
}
