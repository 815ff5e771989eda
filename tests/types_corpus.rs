//! The checker on the project's own `.sbl`: every example program (with the stdlib modules it
//! imports) and every README tour block must check without a diagnostic. A false positive here
//! would stop a correct deployment from being built.

mod types_support;

mod common;

use std::path::Path;

use sblc::diagnostic::render::render_plain;
use sblc::driver::with_large_stack;

fn check_file(path: &Path) -> String {
    let path = path.to_path_buf();
    with_large_stack(move || {
        let (program, load_diagnostics) = sblc::load::load_file(&path).expect("example readable");
        let report = sblc::types::check(&program);
        let mut all = load_diagnostics;
        all.extend(report.diagnostics);
        render_plain(&all, &program.sources)
    })
}

#[test]
fn every_example_checks_cleanly() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).expect("examples folder") {
        let main = entry.expect("entry").path().join("main.sbl");
        if main.is_file() {
            let report = check_file(&main);
            assert!(report.is_empty(), "{}:\n{report}", main.display());
            checked += 1;
        }
    }
    assert!(checked >= 3, "only {checked} examples found");
}

#[test]
fn every_readme_block_with_a_result_checks_cleanly() {
    let readme = include_str!("../README.md");
    let blocks = common::markdown_blocks(readme);
    let mut checked = 0;
    for pair in blocks.windows(2) {
        if pair[0].0 == "sbl" && pair[1].0 == "json" {
            let text = pair[0].1.clone();
            let (program, report) = types_support::check_text(&text);
            let shown = render_plain(&report.diagnostics, &program.sources);
            assert!(report.diagnostics.is_empty(), "{text}\n{shown}");
            checked += 1;
        }
    }
    assert!(checked > 0);
}
