//! Every code in the catalogue is triggered by at least one test: its variant (`Code::X`) or its
//! code string appears in a test or in a reviewed snapshot.

use std::path::Path;

fn collect(dir: &Path, extension: &str, out: &mut String) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, extension, out);
        } else if path.extension().is_some_and(|e| e == extension) {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            // In sources, only the unit tests count.
            let tests = match (extension, text.find("#[cfg(test)]")) {
                ("rs", Some(at))
                    if path.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) =>
                {
                    &text[at..]
                }
                ("rs", None)
                    if path.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("src")) =>
                {
                    ""
                }
                _ => &text,
            };
            out.push_str(tests);
        }
    }
}

#[test]
fn every_code_has_a_test_that_triggers_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut evidence = String::new();
    collect(&root.join("tests"), "rs", &mut evidence);
    collect(&root.join("src"), "rs", &mut evidence);
    collect(&root.join("snapshots"), "snap", &mut evidence);
    let untested: Vec<String> = sblc::diagnostic::Code::ALL
        .iter()
        .filter(|code| {
            let variant = format!("Code::{code:?}");
            let text = code.info().code;
            // `Code::X` in a test, `"E0101"` in an assertion, or the code heading a rendered
            // report in a snapshot.
            !evidence.contains(&variant)
                && !evidence.contains(&format!("\"{text}\""))
                && !evidence.contains(&format!("\n{text}\n"))
                && !evidence.contains(&format!("codes: {text}"))
        })
        .map(|code| code.info().code.to_string())
        .collect();
    assert!(untested.is_empty(), "codes no test triggers: {untested:?}");
    assert!(sblc::diagnostic::Code::ALL.len() >= 40);
}
