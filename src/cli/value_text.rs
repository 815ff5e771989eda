//! Prints an evaluated value in `.sbl` syntax, the way `nix eval` prints Nix values.

use serde_json::Value;

pub fn to_sbl(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, 0, &mut out);
    out
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) if items.is_empty() => out.push_str("[ ]"),
        Value::Array(items) => {
            out.push_str("[\n");
            for item in items {
                push_indent(indent + 1, out);
                write_value(item, indent + 1, out);
                out.push('\n');
            }
            push_indent(indent, out);
            out.push(']');
        }
        Value::Object(fields) if fields.is_empty() => out.push_str("{ }"),
        Value::Object(fields) => {
            out.push_str("{\n");
            for (key, field) in fields {
                push_indent(indent + 1, out);
                write_key(key, out);
                out.push_str(" = ");
                write_value(field, indent + 1, out);
                out.push_str(";\n");
            }
            push_indent(indent, out);
            out.push('}');
        }
    }
}

fn push_indent(level: usize, out: &mut String) {
    out.extend(std::iter::repeat_n("  ", level));
}

fn write_key(key: &str, out: &mut String) {
    let plain = key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''));
    if plain {
        out.push_str(key);
    } else {
        write_string(key, out);
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
}
