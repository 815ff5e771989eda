//! Deep forcing to JSON, like `nix eval --json`.
//!
//! Records keep definition order (serde_json is built with `preserve_order`), paths print as
//! their entry-relative display form, and nothing depends on hashing or the machine, so the
//! output is byte-for-byte deterministic. A function has no JSON form: the error says where in
//! the value it was found.

use serde_json::{Map, Number};

use super::error::{a, fail, Fallible};
use super::machine::Machine;
use super::value::Value;
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
        Value::Function(_) => {
            let place = if path.is_empty() {
                "the value".to_string()
            } else {
                format!("`{path}`")
            };
            return fail(
                Diagnostic::new(
                    Code::NotSerializable,
                    format!("cannot convert {} to JSON: {place} is a function", a(value.type_name())),
                    span,
                    format!("{place} in this value is a function"),
                )
                .with_help("call the function, or leave it out of the output"),
            );
        }
    })
}

fn in_place(
    mut error: Box<super::error::EvalError>,
    path: &str,
) -> Box<super::error::EvalError> {
    error.set_context(format!("while converting `{path}` to JSON"));
    error
}
