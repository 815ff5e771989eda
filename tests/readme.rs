//! The README's language tour is executable: every ```sbl block followed by a ```json block must
//! evaluate to that JSON.

mod common;

fn examples(readme: &str) -> Vec<(String, String)> {
    let blocks = common::markdown_blocks(readme);
    blocks
        .windows(2)
        .filter(|w| w[0].0 == "sbl" && w[1].0 == "json")
        .map(|w| (w[0].1.clone(), w[1].1.clone()))
        .collect()
}

#[test]
fn every_tour_example_evaluates_to_its_json() {
    let readme = include_str!("../README.md");
    let examples = examples(readme);
    assert!(examples.len() >= 6, "the tour lost its examples");
    for (source, expected) in examples {
        let expected: serde_json::Value =
            serde_json::from_str(&expected).expect("README json block parses");
        let (value, report) = common::with_big_stack(move || {
            let outcome = sblc::driver::evaluate_text("readme.sbl", &source, &std::env::temp_dir());
            let report = sblc::diagnostic::render::render_plain(
                &outcome.diagnostics,
                &outcome.program.sources,
            );
            (outcome.value, format!("{source}\n{report}"))
        });
        assert_eq!(value, Some(expected), "{report}");
    }
}
