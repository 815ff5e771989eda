//! Every RULES.md id has exactly one analyser code, with an explanation that names it; the
//! identity codes carry the managed-identity scenario tables.

use sblc::diagnostic::{Code, Level};

const RULES: &[&str] = &[
    "ID1", "ID2", "ID3", "ID4", "ID5", "ID6", "ID7", "ST1", "ST2", "ST3", "ST4", "ST5", "BA1",
    "BA2", "BA3", "BA4", "PO1", "PO2", "PO3", "PO4", "PO5", "PO6", "CK1", "CK2", "CK3", "CK4",
    "CK5", "CK6", "NW1", "NW2", "NW3", "NW4", "NW5", "NW6", "KV1", "KV2",
];

#[test]
fn every_rule_has_one_code_with_its_explanation() {
    for rule in RULES {
        let codes: Vec<&Code> = Code::ALL
            .iter()
            .filter(|c| c.info().rule == Some(rule))
            .collect();
        assert_eq!(codes.len(), 1, "{rule}");
        let info = codes[0].info();
        assert_eq!(Code::lookup(rule), Some(*codes[0]));
        assert!(
            info.code.starts_with(match info.level {
                Level::Error => "E06",
                Level::Security => "S06",
                Level::Warning => "W06",
            }),
            "{}: the letter says the level",
            info.code
        );
        assert!(
            info.explanation.contains(&format!("RULES.md: {rule}.")),
            "{}",
            info.code
        );
        assert!(info.explanation.contains("## Fix"), "{}", info.code);
    }
    let analyser = Code::ALL.iter().filter(|c| c.info().rule.is_some()).count();
    assert_eq!(analyser, RULES.len());
}

#[test]
fn identity_explanations_carry_the_scenario_tables() {
    for code in ["E0601", "E0602", "E0605"] {
        let text = Code::lookup(code)
            .map(|c| c.info().explanation)
            .unwrap_or("");
        assert!(text.contains("**Pool application packages**"), "{code}");
        assert!(
            text.contains("**Start task resource files from auto-storage**"),
            "{code}"
        );
        assert!(text.contains("node `starting` forever"), "{code}");
    }
}

#[test]
fn analyser_explanation_examples_parse() {
    use sblc::source::{Origin, SourceMap};
    let mut failures = Vec::new();
    for code in Code::ALL {
        let info = code.info();
        if &info.code[1..3] != "06" {
            continue;
        }
        for example in info.explanation.split("```sbl\n").skip(1) {
            let example = example.split("```").next().unwrap_or("");
            let mut sources = SourceMap::new();
            let file = sources.add(Origin::Disk("example.sbl".into()), "example.sbl", example);
            let (_, diagnostics) = sblc::syntax::parse(file, example);
            if !diagnostics.is_empty() {
                failures.push(format!(
                    "{} example does not parse:\n{}",
                    info.code,
                    sblc::diagnostic::render::render_plain(&diagnostics, &sources)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
