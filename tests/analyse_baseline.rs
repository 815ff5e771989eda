//! The secure baseline landing zone of the analyser tests is clean: every rule's test changes it
//! in one place, so a finding there is due to that change alone.

mod analyse_support;

use analyse_support::baseline;
use sblc::analyse::{run, Options};
use sblc::diagnostic::render::render_plain;

#[test]
fn the_secure_baseline_has_no_findings() {
    let (analysis, sources) = baseline().run(&Options::default());
    assert!(
        analysis.diagnostics.is_empty(),
        "{}",
        render_plain(&analysis.diagnostics, &sources)
    );
    let (graph, _) = baseline().graph();
    assert!(run(&graph, &Options::default()).allowed.is_empty());
}
