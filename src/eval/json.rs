//! Deep forcing to JSON text, like `nix eval --json`.
//!
//! The writer forces the value as it goes and writes text straight into one buffer: no
//! intermediate tree, one allocation growing geometrically, nothing to free per node. The output
//! is byte-for-byte the same as `serde_json`'s compact or pretty printing of the same data, and
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
    let mut writer = Writer {
        m,
        out: String::with_capacity(1 << 16),
        pretty,
        depth: 0,
        path: Vec::new(),
        span,
    };
    writer.value(value)?;
    Ok(writer.out)
}

struct Writer<'m> {
    m: &'m mut Machine,
    out: String,
    pretty: bool,
    /// Nesting depth, for indentation.
    depth: usize,
    path: Vec<Step>,
    span: Span,
}

impl Writer<'_> {
    fn value(&mut self, value: &Value) -> Fallible<()> {
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(n) => {
                let _ = write!(self.out, "{n}");
            }
            Value::Str(s) => escape(s, &mut self.out),
            Value::Path(p) => escape(&p.display, &mut self.out),
            Value::List(items) if items.is_empty() => self.out.push_str("[]"),
            Value::Record(record) if record.is_empty() => self.out.push_str("{}"),
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
        self.out.push('[');
        self.depth += 1;
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.newline();
            self.path.push(Step::Item(i));
            let item = self.m.force(item).map_err(|e| in_place(e, &self.path))?;
            self.value(&item)?;
            self.path.pop();
        }
        self.depth -= 1;
        self.newline();
        self.out.push(']');
        Ok(())
    }

    fn record(&mut self, record: &Record) -> Fallible<()> {
        self.out.push('{');
        self.depth += 1;
        for (i, (name, thunk)) in record.fields.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.newline();
            escape(&name.name(), &mut self.out);
            self.out.push_str(if self.pretty { ": " } else { ":" });
            self.path.push(Step::Field(*name));
            let field = self.m.force(thunk).map_err(|e| in_place(e, &self.path))?;
            self.value(&field)?;
            self.path.pop();
        }
        self.depth -= 1;
        self.newline();
        self.out.push('}');
        Ok(())
    }

    fn newline(&mut self) {
        if self.pretty {
            self.out.push('\n');
            for _ in 0..self.depth {
                self.out.push_str("  ");
            }
        }
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
