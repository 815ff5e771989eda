//! The `.sbl` examples in the emission codes' explanations parse.

use sblc::diagnostic::Code;
use sblc::source::{Origin, SourceMap};

#[test]
fn emission_explanation_examples_parse() {
    for code in Code::ALL {
        let info = code.info();
        if !info.code.starts_with("E053") {
            continue;
        }
        let example = info
            .explanation
            .split("```sbl\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("an sbl example");
        let mut sources = SourceMap::new();
        let file = sources.add(Origin::Disk("example.sbl".into()), "example.sbl", example);
        let (_, diagnostics) = sblc::syntax::parse(file, example);
        assert!(
            diagnostics.is_empty(),
            "{} example does not parse:\n{}",
            info.code,
            sblc::diagnostic::render::render_plain(&diagnostics, &sources)
        );
    }
}
