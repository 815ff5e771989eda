//! Syntax diagnostics: one snapshot per code (source and rendered report side by side), error
//! recovery across independent mistakes, and absurd input that must not crash.

mod common;

use common::{parse, report, with_big_stack};
use sblc::diagnostic::Code;

fn snapshot(name: &str, text: &str, expected: &[Code]) {
    let owned = text.to_string();
    let (codes, rendered) = with_big_stack(move || {
        let (_, diagnostics, sources) = parse(&owned);
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        (codes, report(&owned, &diagnostics, &sources))
    });
    assert_eq!(codes, expected, "codes for {name}");
    insta::with_settings!({ snapshot_path => "../snapshots/syntax", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, rendered);
    });
}

#[test]
fn e0101_unexpected_token() {
    snapshot("E0101", "let x = 1; ) in x", &[Code::UnexpectedToken]);
}

#[test]
fn e0102_unclosed_delimiter() {
    snapshot(
        "E0102",
        "{ a = [ 1 2 ];\n  b = 3;\n",
        &[Code::UnclosedDelimiter],
    );
}

#[test]
fn e0103_unterminated_string() {
    snapshot(
        "E0103",
        "{ name = \"pricing; }",
        &[Code::UnterminatedString],
    );
}

#[test]
fn e0104_unterminated_comment() {
    snapshot(
        "E0104",
        "/* the hub /* and spoke */\n1",
        &[Code::UnterminatedComment],
    );
}

#[test]
fn e0105_invalid_escape() {
    snapshot("E0105", r#"{ dir = "C:\data"; }"#, &[Code::InvalidEscape]);
}

#[test]
fn an_invalid_unicode_escape_with_non_ascii_braces_ends_at_its_brace() {
    // The braces hold a two-byte character: the escape ends at `}` and the string still closes.
    let text = r#"{ name = "\u{é}"; size = 1; }"#.to_string();
    let (codes, spans) = with_big_stack(move || {
        let (_, diagnostics, _) = parse(&text);
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        let spans: Vec<_> = diagnostics
            .iter()
            .map(|d| text[d.primary.span.start as usize..d.primary.span.end as usize].to_string())
            .collect();
        (codes, spans)
    });
    assert_eq!(codes, [Code::InvalidEscape]);
    assert_eq!(spans, ["\\u{é}"]);
}

#[test]
fn e0106_integer_literal_too_large() {
    snapshot(
        "E0106",
        "{ size = 99999999999999999999; }",
        &[Code::IntegerLiteralTooLarge],
    );
}

#[test]
fn e0107_unknown_character() {
    snapshot("E0107", "let x = 5 % 2; in x", &[Code::UnknownCharacter]);
}

#[test]
fn e0108_expected_expression() {
    snapshot("E0108", "{ a = ; b = 2; }", &[Code::ExpectedExpression]);
}

#[test]
fn e0109_missing_semicolon() {
    snapshot(
        "E0109",
        "{\n  a = 1\n  b = 2;\n}",
        &[Code::MissingSemicolon],
    );
}

#[test]
fn e0110_duplicate_binding() {
    snapshot(
        "E0110",
        "{\n  location = \"westeurope\";\n  net.a = 1;\n  net.b = 2;\n  location = \"northeurope\";\n}",
        &[Code::DuplicateBinding],
    );
}

#[test]
fn e0111_nesting_too_deep() {
    let text = format!("{}1{}", "[".repeat(600), "]".repeat(600));
    let diagnostics = with_big_stack(move || parse(&text).1);
    let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::NestingTooDeep]);
    snapshot(
        "E0111",
        &format!("let x = {}1{}; in x", "(".repeat(520), ")".repeat(520)),
        &[Code::NestingTooDeep],
    );
}

#[test]
fn e0112_chained_comparison() {
    snapshot(
        "E0112",
        "if 1 < x < 10 then 1 else 2",
        &[Code::ChainedComparison],
    );
}

#[test]
fn e0113_duplicate_parameter() {
    snapshot(
        "E0113",
        "{ name, size ? 2, name }: name",
        &[Code::DuplicateParameter],
    );
}

#[test]
fn e0114_invalid_import_target() {
    snapshot(
        "E0114",
        "let file = \"./network.sbl\"; in import file",
        &[Code::InvalidImportTarget],
    );
}

#[test]
fn e0115_type_alias_outside_let() {
    snapshot(
        "E0115",
        "{ type Sku = \"Standard\" | \"Premium\"; }",
        &[Code::TypeAliasOutsideLet],
    );
}

#[test]
fn five_independent_syntax_errors_are_all_reported() {
    let text = r#"let
  hub = { name = "hub"; cidr = ; };
  spoke = { name = "spoke" location = "westeurope"; };
  size = 3 * ;
  nodes = [ 1 2 3 ;
  tags = { owner = "risk"; } } ;
  ok = 1;
in ok"#;
    let (_, diagnostics, sources) = parse(text);
    assert_eq!(
        diagnostics.len(),
        5,
        "{}",
        report(text, &diagnostics, &sources)
    );
    insta::with_settings!({ snapshot_path => "../snapshots/syntax", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("five_errors", report(text, &diagnostics, &sources));
    });
}

#[test]
fn one_hundred_thousand_nested_brackets_give_one_diagnostic() {
    for (open, close) in [("[", "]"), ("(", ")"), ("{ a = ", "; }"), ("\"${", "}\"")] {
        let text = format!("{}1{}", open.repeat(100_000), close.repeat(100_000));
        let diagnostics = with_big_stack(move || parse(&text).1);
        assert_eq!(diagnostics.len(), 1, "{open}: {diagnostics:?}");
        assert_eq!(diagnostics[0].code, Code::NestingTooDeep);
    }
}

#[test]
fn long_operator_chains_are_bounded_too() {
    let text = format!("1{}", " + 1".repeat(100_000));
    let diagnostics = with_big_stack(move || parse(&text).1);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].code, Code::NestingTooDeep);
    let text = format!("f{}", " x".repeat(100_000));
    let diagnostics = with_big_stack(move || parse(&text).1);
    assert_eq!(diagnostics.len(), 1);
}

#[test]
fn unbalanced_and_truncated_inputs_never_panic() {
    let samples = [
        "",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        "let",
        "let in",
        "in",
        "if",
        "if then else",
        "x:",
        "{ a ? }:",
        "\"${",
        "''${",
        "\"\\",
        "''",
        "a.",
        "a.b or",
        "a ?",
        "import",
        "inherit",
        "{ inherit (; }",
        "x :: ",
        "x :: {",
        "x :: List",
        "{ a, ... } @",
        "assert",
        "assert x,",
        "rec",
        "@",
        "...",
        "/*",
        "\"\\u{110000}\"",
        "\"\\u{\"",
        "<hub",
        "a-b-c",
        "1 +",
        "- -",
        "!!",
        "''\n  ''\\",
    ];
    for text in samples {
        let (module, _, sources) = parse(text);
        // The tree's span always lies inside the text.
        assert!(module.body.span.end as usize <= text.len(), "{text:?}");
        let _ = sources.snippet(module.body.span);
    }
}
