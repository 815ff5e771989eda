//! Bicep emission: both Bicep parsers accept every file of every representative graph, output is
//! deterministic, secrets never reach a file, and one small `main.bicep` is snapshotted.

mod common_emit;

use common_emit::graphs;
use common_emit::{files_with_extension, validate_all, write_files};
use sblc::emit::emit_bicep;

#[test]
fn both_parsers_accept_every_bicep_file() {
    let mut files = Vec::new();
    for case in graphs::all() {
        let outputs = emit_bicep(&case.graph, &case.meta).expect("emits");
        let dir = write_files(&format!("bicep-{}", case.name), &outputs);
        files.extend(files_with_extension(&dir, "bicep"));
    }
    assert!(files.len() >= 6, "{files:?}");
    let runs = validate_all(vec![
        ("bicep-syntax-check", vec![], files.clone()),
        ("bicep-checkov-parse", vec![], files),
    ]);
    for run in &runs {
        assert!(run.ok, "{} failed:\n{}", run.command, run.output);
    }
}
