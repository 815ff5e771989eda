//! The stdlib's typed interfaces: the generated reference is current, and a misspelt option or a
//! wrong value in a call is a type error at the user's line, with "did you mean".

mod common;

use sblc::diagnostic::Code;

#[test]
fn docs_stdlib_md_is_current() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/stdlib.md"))
        .expect("docs/stdlib.md");
    let generated = common::with_big_stack(sblc::doc::stdlib_reference);
    assert!(
        committed == generated,
        "docs/stdlib.md is stale: run `sblc doc stdlib > docs/stdlib.md`"
    );
    for module in ["<hub>", "<spoke>", "<batch>", "<secure-storage>"] {
        assert!(
            generated.contains(&format!("## `{module}`")),
            "{module} is not documented"
        );
    }
}

fn check(text: &'static str) -> (Vec<Code>, String) {
    common::with_big_stack(move || {
        let outcome = sblc::driver::evaluate_text("main.sbl", text, &std::env::temp_dir());
        let codes = outcome.diagnostics.iter().map(|d| d.code).collect();
        (
            codes,
            sblc::diagnostic::render::render_plain(&outcome.diagnostics, &outcome.program.sources),
        )
    })
}

#[test]
fn a_misspelt_module_option_is_named_with_a_suggestion() {
    let (codes, report) = check(
        r#"(import <hub>) { name = "h"; locaton = "westeurope"; addressSpace = "10.1.0.0/16"; }"#,
    );
    assert!(codes.contains(&Code::UnknownField), "{report}");
    assert!(
        report.contains("locaton") && report.contains("did you mean `location`"),
        "{report}"
    );
    assert!(
        report.contains("main.sbl"),
        "the error is at the user's line: {report}"
    );
}

#[test]
fn a_wrong_enum_value_in_a_nested_option_is_reported() {
    let (codes, report) = check(
        r#"(import <hub>) { name = "h"; location = "westeurope"; addressSpace = "10.1.0.0/16"; firewall.sku = "Premum"; }"#,
    );
    assert_eq!(codes, [Code::ValueNotAllowed], "{report}");
    assert!(report.contains("did you mean \"Premium\""), "{report}");
}

#[test]
fn a_misspelt_pool_option_is_caught_by_the_pool_contract() {
    let (codes, report) = check(
        r#"let
  hub = (import <hub>) { name = "h"; location = "westeurope"; addressSpace = "10.1.0.0/16"; };
  spoke = (import <spoke>) { name = "s"; location = "westeurope"; addressSpace = "10.2.0.0/16"; inherit hub; };
  batch = (import <batch>) { name = "b"; location = "westeurope"; inherit spoke; pools.cpu = { vmSzie = "Standard_D4s_v5"; }; };
in batch.resources"#,
    );
    assert_eq!(codes, [Code::ContractViolated], "{report}");
    assert!(
        report.contains("vmSzie") && report.contains("vmSize"),
        "{report}"
    );
}
