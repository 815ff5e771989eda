//! Helpers for the type checker's tests: load a program from text, check it, and look at the
//! diagnostics or the entry file's type.
#![allow(dead_code)]

use std::path::Path;

use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::{Code, Diagnostic};
use sblc::load::{load_text, Program};
use sblc::types::{check, TypeReport};

/// Loads `text` as `main.sbl` in `dir` and type-checks it. Syntax errors fail the test.
pub fn check_in(text: &str, dir: &Path) -> (Program, TypeReport) {
    let (program, load_diagnostics) = load_text("main.sbl", text, dir);
    assert!(
        load_diagnostics.is_empty(),
        "the test program must parse and load:\n{}",
        render_plain(&load_diagnostics, &program.sources)
    );
    let report = check(&program);
    (program, report)
}

pub fn check_text(text: &str) -> (Program, TypeReport) {
    check_in(text, &std::env::temp_dir())
}

/// The diagnostics rendered as plain text.
pub fn rendered(program: &Program, diagnostics: &[Diagnostic]) -> String {
    render_plain(diagnostics, &program.sources)
}

/// The type of the entry file; the program must check without diagnostics.
pub fn type_of(text: &str) -> String {
    let (program, report) = check_text(text);
    assert!(
        report.diagnostics.is_empty(),
        "unexpected type errors in {text:?}:\n{}",
        rendered(&program, &report.diagnostics)
    );
    report.module_types[&program.entry].to_string()
}

/// The diagnostics of a program (which must parse).
pub fn errors(text: &str) -> Vec<Diagnostic> {
    check_text(text).1.diagnostics
}

/// Asserts that `text` gives exactly one diagnostic, with `code`, whose message and help
/// contain each of `words`. Returns it.
pub fn single_error(text: &str, code: Code, words: &[&str]) -> Diagnostic {
    let (program, report) = check_text(text);
    let shown = rendered(&program, &report.diagnostics);
    assert_eq!(
        report.diagnostics.len(),
        1,
        "expected one diagnostic for {text:?}, got:\n{shown}"
    );
    let d = report.diagnostics[0].clone();
    assert_eq!(d.code, code, "{shown}");
    let all_text = format!(
        "{} {} {} {}",
        d.message,
        d.help.clone().unwrap_or_default(),
        d.notes.join(" "),
        d.secondary
            .iter()
            .map(|l| l.message.clone())
            .collect::<Vec<_>>()
            .join(" ")
    );
    for word in words {
        assert!(all_text.contains(word), "{word:?} missing from:\n{shown}");
    }
    d
}

/// Snapshots the source and its rendered type diagnostics under `snapshots/types/<name>.snap`,
/// after asserting the codes.
pub fn snapshot(name: &str, text: &str, expected: &[Code]) {
    let (program, report) = check_text(text);
    let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        expected,
        "codes for {name}:\n{}",
        rendered(&program, &report.diagnostics)
    );
    let side_by_side = format!(
        "--- source\n{text}\n--- codes: {}\n{}",
        codes
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        rendered(&program, &report.diagnostics)
    );
    insta::with_settings!({ snapshot_path => "../../snapshots/types", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, side_by_side);
    });
}
