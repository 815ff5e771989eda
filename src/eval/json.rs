//! Deep forcing to JSON, like `nix eval --json`: as text, or as a `serde_json` tree.
//!
//! One walk forces the value as it goes and hands each part to a [`Sink`]. The text sink writes
//! straight into one buffer: no intermediate tree, one allocation growing geometrically, nothing
//! to free per node; its output is byte-for-byte the same as `serde_json`'s compact or pretty
//! printing of the same data. The tree sink builds the `serde_json::Value` that parsing that text
//! would give, without writing and parsing it (resource declarations take this way). Both are
//! deterministic: records keep definition order, paths print as their entry-relative display
//! form, nothing depends on hashing or the machine.
//!
//! The place being converted is tracked as a stack of steps (no allocation per field), rendered
//! only for an error message: a function has no JSON form, and any error met while forcing says
//! where in the value it happened.

use std::fmt::Write;

use super::error::{fail, EvalError, Fallible};
use super::machine::Machine;
use super::symbol::Sym;
use super::value::{Function, Record, Thunk, Value};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;

/// One step from the top of the value to the part being converted.
#[derive(Clone, Copy)]
enum Step {
    Field(Sym),
    Item(usize),
}

/// `value`, forced all the way down, as JSON text (two-space indented if `pretty`). `span` is
/// the expression the value came from.
pub fn to_json_text(m: &mut Machine, value: &Value, span: Span, pretty: bool) -> Fallible<String> {
    let text = Text {
        out: String::with_capacity(1 << 16),
        pretty,
        depth: 0,
    };
    Ok(convert(m, value, span, text)?.out)
}

/// `value`, forced all the way down, as a `serde_json` tree: the same as parsing
/// [`to_json_text`]'s output.
pub fn to_json_value(m: &mut Machine, value: &Value, span: Span) -> Fallible<serde_json::Value> {
    let tree = Tree {
        open: Vec::new(),
        done: serde_json::Value::Null,
    };
    Ok(convert(m, value, span, tree)?.done)
}

fn convert<S: Sink>(m: &mut Machine, value: &Value, span: Span, sink: S) -> Fallible<S> {
    let mut writer = Writer {
        m,
        out: sink,
        path: Vec::new(),
        span,
    };
    writer.value(value)?;
    Ok(writer.out)
}

/// Where the walk puts what it converts. Empty containers come whole; others as `begin`, then
/// each element announced (`item` or `field`) before its value, then `end`.
trait Sink {
    fn null(&mut self);
    fn boolean(&mut self, value: bool);
    fn int(&mut self, value: i64);
    fn string(&mut self, value: &str);
    fn empty_list(&mut self);
    fn empty_record(&mut self);
    fn begin_list(&mut self);
    fn item(&mut self, index: usize);
    fn end_list(&mut self);
    fn begin_record(&mut self);
    fn field(&mut self, index: usize, name: &str);
    fn end_record(&mut self);
}

/// JSON text as `serde_json` prints it.
struct Text {
    out: String,
    pretty: bool,
    /// Nesting depth, for indentation.
    depth: usize,
}

impl Text {
    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
    }

    fn separator(&mut self, index: usize) {
        if index > 0 {
            self.out.push(',');
        }
        self.newline();
    }

    fn close(&mut self, closer: char) {
        self.depth -= 1;
        self.newline();
        self.out.push(closer);
    }
}

impl Sink for Text {
    fn null(&mut self) {
        self.out.push_str("null");
    }

    fn boolean(&mut self, value: bool) {
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn int(&mut self, value: i64) {
        let _ = write!(self.out, "{value}");
    }

    fn string(&mut self, value: &str) {
        escape(value, &mut self.out);
    }

    fn empty_list(&mut self) {
        self.out.push_str("[]");
    }

    fn empty_record(&mut self) {
        self.out.push_str("{}");
    }

    fn begin_list(&mut self) {
        self.out.push('[');
        self.depth += 1;
    }

    fn item(&mut self, index: usize) {
        self.separator(index);
    }

    fn end_list(&mut self) {
        self.close(']');
    }

    fn begin_record(&mut self) {
        self.out.push('{');
        self.depth += 1;
    }

    fn field(&mut self, index: usize, name: &str) {
        self.separator(index);
        escape(name, &mut self.out);
        self.out.push_str(if self.pretty { ": " } else { ":" });
    }

    fn end_record(&mut self) {
        self.close('}');
    }
}

/// A `serde_json::Value` tree.
struct Tree {
    /// The containers being filled, innermost last; a record with the name of its next field.
    open: Vec<Open>,
    done: serde_json::Value,
}

enum Open {
    List(Vec<serde_json::Value>),
    Record(serde_json::Map<String, serde_json::Value>, String),
}

impl Tree {
    fn put(&mut self, value: serde_json::Value) {
        match self.open.last_mut() {
            None => self.done = value,
            Some(Open::List(items)) => items.push(value),
            Some(Open::Record(fields, name)) => {
                fields.insert(std::mem::take(name), value);
            }
        }
    }
}

impl Sink for Tree {
    fn null(&mut self) {
        self.put(serde_json::Value::Null);
    }

    fn boolean(&mut self, value: bool) {
        self.put(serde_json::Value::Bool(value));
    }

    fn int(&mut self, value: i64) {
        self.put(serde_json::Value::from(value));
    }

    fn string(&mut self, value: &str) {
        self.put(serde_json::Value::String(value.to_string()));
    }

    fn empty_list(&mut self) {
        self.put(serde_json::Value::Array(Vec::new()));
    }

    fn empty_record(&mut self) {
        self.put(serde_json::Value::Object(serde_json::Map::new()));
    }

    fn begin_list(&mut self) {
        self.open.push(Open::List(Vec::new()));
    }

    fn item(&mut self, _index: usize) {}

    fn end_list(&mut self) {
        if let Some(Open::List(items)) = self.open.pop() {
            self.put(serde_json::Value::Array(items));
        }
    }

    fn begin_record(&mut self) {
        self.open
            .push(Open::Record(serde_json::Map::new(), String::new()));
    }

    fn field(&mut self, _index: usize, name: &str) {
        if let Some(Open::Record(_, next)) = self.open.last_mut() {
            *next = name.to_string();
        }
    }

    fn end_record(&mut self) {
        if let Some(Open::Record(fields, _)) = self.open.pop() {
            self.put(serde_json::Value::Object(fields));
        }
    }
}

struct Writer<'m, S> {
    m: &'m mut Machine,
    out: S,
    path: Vec<Step>,
    span: Span,
}

impl<S: Sink> Writer<'_, S> {
    fn value(&mut self, value: &Value) -> Fallible<()> {
        match value {
            Value::Null => self.out.null(),
            Value::Bool(b) => self.out.boolean(*b),
            Value::Int(n) => self.out.int(*n),
            Value::Str(s) => self.out.string(s),
            Value::Path(p) => self.out.string(&p.display),
            Value::List(items) if items.is_empty() => self.out.empty_list(),
            Value::Record(record) if record.is_empty() => self.out.empty_record(),
            Value::List(items) => {
                // Count the nesting in the machine: a value nested too deeply must stop with
                // an error, not overflow the stack.
                self.m.enter(self.span)?;
                let result = self.list(items);
                self.m.leave();
                result?;
            }
            Value::Record(record) => {
                self.m.enter(self.span)?;
                let result = self.record(record);
                self.m.leave();
                result?;
            }
            Value::Function(function) => {
                return fail(function_error(function, self.span, &self.path))
            }
        }
        Ok(())
    }

    fn list(&mut self, items: &[Thunk]) -> Fallible<()> {
        self.out.begin_list();
        for (i, item) in items.iter().enumerate() {
            self.out.item(i);
            self.path.push(Step::Item(i));
            let item = self.m.force(item).map_err(|e| in_place(e, &self.path))?;
            self.value(&item)?;
            self.path.pop();
        }
        self.out.end_list();
        Ok(())
    }

    fn record(&mut self, record: &Record) -> Fallible<()> {
        self.out.begin_record();
        for (i, (name, thunk)) in record.fields.iter().enumerate() {
            self.out.field(i, &name.name());
            self.path.push(Step::Field(*name));
            let field = self.m.force(thunk).map_err(|e| in_place(e, &self.path))?;
            self.value(&field)?;
            self.path.pop();
        }
        self.out.end_record();
        Ok(())
    }
}

/// Writes `text` as a JSON string, escaping as `serde_json` does.
fn escape(text: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, byte) in text.bytes().enumerate() {
        let escaped = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&text[start..i]);
        if escaped.is_empty() {
            let _ = write!(out, "\\u{byte:04x}");
        } else {
            out.push_str(escaped);
        }
        start = i + 1;
    }
    out.push_str(&text[start..]);
    out.push('"');
}

fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Field(name) => {
                out.push('.');
                out.push_str(&name.name());
            }
            Step::Item(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

fn function_error(function: &Function, span: Span, path: &[Step]) -> Diagnostic {
    let place = if path.is_empty() {
        "the value".to_string()
    } else {
        format!("`{}`", render(path))
    };
    let message = format!("{place} is a function, which has no JSON form");
    let d = match function {
        Function::Lambda { lambda, .. } => {
            let d = Diagnostic::new(Code::NotSerializable, message, lambda.span, "this function");
            // Overlapping labels render badly; the value's label only helps when the function
            // was written elsewhere.
            let overlaps = lambda.span.file == span.file
                && lambda.span.start < span.end
                && span.start < lambda.span.end;
            if overlaps {
                d
            } else {
                d.with_label(span, "is part of this value")
            }
        }
        Function::Builtin { .. } => Diagnostic::new(
            Code::NotSerializable,
            message,
            span,
            "this is or contains a function",
        ),
    };
    d.with_help("call the function, or keep it out of the output (in a `let`)")
}

fn in_place(mut error: Box<EvalError>, path: &[Step]) -> Box<EvalError> {
    error.set_context(format!("while converting `{}` to JSON", render(path)));
    error
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for text in [
            "plain",
            "q\"b\\s",
            "\n\r\t\u{8}\u{c}",
            "\u{1}\u{1f}\u{7f}",
            "é ünï 😀",
            "",
        ] {
            let mut ours = String::new();
            escape(text, &mut ours);
            assert_eq!(
                ours,
                serde_json::to_string(text).unwrap_or_default(),
                "{text:?}"
            );
        }
    }
}
