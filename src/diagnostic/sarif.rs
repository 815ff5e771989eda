//! SARIF 2.1.0 rendering of diagnostics, for GitHub code scanning and other SARIF readers.
//!
//! One run whose tool is `sblc`: its `rules` are the whole catalogue (id = code, name = the code's
//! variant name, descriptions and help from the summary and the `explain` text, properties with the
//! RULES.md id and the level), so `ruleIndex` is the code's place in [`Code::ALL`]. Each result has
//! the profile-applied level (`error`/`warning`), the message with help and notes, the primary
//! label as its location and the secondary labels as related locations. Regions are one-based
//! lines and columns in Unicode code points (`columnKind`). File URIs are relative to the
//! working directory when they can be; stdlib modules are under the `SBLC_STDLIB` base.

use serde_json::{json, Value};

use super::{Code, Diagnostic, Label, Level, Severity};
use crate::source::{Origin, SourceMap, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log of some diagnostics, as pretty JSON text.
pub fn render_sarif(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver() },
            "columnKind": "unicodeCodePoints",
            "originalUriBaseIds": {
                "SBLC_STDLIB": { "description": { "text": "The standard library embedded in sblc." } }
            },
            "results": diagnostics.iter().map(|d| result(d, sources)).collect::<Vec<_>>(),
        }],
    });
    serde_json::to_string_pretty(&log).unwrap_or_default()
}

fn driver() -> Value {
    json!({
        "name": "sblc",
        "version": env!("CARGO_PKG_VERSION"),
        "semanticVersion": env!("CARGO_PKG_VERSION"),
        "rules": Code::ALL.iter().map(|c| rule(*c)).collect::<Vec<_>>(),
    })
}

fn level(level: Level) -> &'static str {
    match level {
        Level::Error | Level::Security => "error",
        Level::Warning => "warning",
    }
}

fn rule(code: Code) -> Value {
    let info = code.info();
    let mut tags = vec!["sbl"];
    if info.rule.is_some() {
        tags.push("azure");
    }
    if info.level == Level::Security {
        tags.push("security");
    }
    json!({
        "id": info.code,
        "name": format!("{code:?}"),
        "shortDescription": { "text": info.summary },
        "fullDescription": { "text": first_paragraph(info.explanation) },
        "help": { "text": info.explanation, "markdown": info.explanation },
        "defaultConfiguration": { "level": level(info.level) },
        "properties": {
            "rule": info.rule,
            "level": info.level.as_str(),
            "tags": tags,
        },
    })
}

/// The explanation's first paragraph after its heading (and the RULES.md line).
fn first_paragraph(explanation: &str) -> String {
    explanation
        .split("\n\n")
        .map(str::trim)
        .find(|p| !p.is_empty() && !p.starts_with('#') && !p.starts_with("*RULES.md"))
        .unwrap_or("")
        .replace('\n', " ")
}

fn result(diagnostic: &Diagnostic, sources: &SourceMap) -> Value {
    let mut text = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        text.push_str("\nhelp: ");
        text.push_str(help);
    }
    for note in &diagnostic.notes {
        text.push_str("\nnote: ");
        text.push_str(note);
    }
    let index = Code::ALL
        .iter()
        .position(|c| *c == diagnostic.code)
        .unwrap_or_default();
    json!({
        "ruleId": diagnostic.code.as_str(),
        "ruleIndex": index,
        "level": match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        "message": { "text": text },
        "locations": [location(&diagnostic.primary, None, sources)],
        "relatedLocations": diagnostic
            .secondary
            .iter()
            .enumerate()
            .map(|(i, label)| location(label, Some(i + 1), sources))
            .collect::<Vec<_>>(),
    })
}

fn location(label: &Label, id: Option<usize>, sources: &SourceMap) -> Value {
    let mut location = json!({ "physicalLocation": physical(label.span, sources) });
    if let Some(id) = id {
        location["id"] = json!(id);
    }
    if !label.message.is_empty() {
        location["message"] = json!({ "text": label.message });
    }
    location
}

fn physical(span: Span, sources: &SourceMap) -> Value {
    let file = sources.get(span.file);
    let (start_line, start_column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    let artifact = match &file.origin {
        Origin::Disk(path) => json!({ "uri": relative_uri(path) }),
        Origin::Stdlib(name) => json!({ "uri": format!("{name}.sbl"), "uriBaseId": "SBLC_STDLIB" }),
    };
    json!({
        "artifactLocation": artifact,
        "region": {
            "startLine": start_line,
            "startColumn": start_column,
            "endLine": end_line,
            "endColumn": end_column,
        },
    })
}

/// A path as a relative URI reference: relative to the working directory when below it, with
/// `/` separators and unsafe characters percent-encoded.
fn relative_uri(path: &std::path::Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|dir| {
            path.strip_prefix(dir)
                .ok()
                .map(std::path::Path::to_path_buf)
        })
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    let mut uri = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        assert_eq!(
            relative_uri(std::path::Path::new("./zones/hub spoke.sbl")),
            "zones/hub%20spoke.sbl"
        );
        let here = std::env::current_dir().unwrap_or_default().join("main.sbl");
        assert_eq!(relative_uri(&here), "main.sbl");
    }

    #[test]
    fn explanations_give_a_first_paragraph() {
        let text = first_paragraph(
            "# E0601: x\n\n*RULES.md: ID1.*\n\nA pool uses\nan identity.\n\n## Example",
        );
        assert_eq!(text, "A pool uses an identity.");
    }
}
