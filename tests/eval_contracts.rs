//! Run-time contracts of type annotations: checked when the value is forced, on every kind of
//! annotation, with the annotation as secondary label.

mod eval_common;

use eval_common::{eval_error, eval_json};
use sblc::diagnostic::Code;
use serde_json::json;

fn violation(text: &str) -> sblc::diagnostic::Diagnostic {
    let d = eval_error(text);
    assert_eq!(d.code, Code::ContractViolated, "{text}: {}", d.message);
    d
}

#[test]
fn base_types() {
    assert_eq!(
        eval_json("[ (1 :: Int) (true :: Bool) (\"s\" :: String) (null :: Null) (./p :: Path) (3 :: Any) ]"),
        json!([1, true, "s", null, "./p", 3])
    );
    assert_eq!(eval_json("isFunction ((x: x) :: Int -> Int)"), json!(true));
    let d = violation("\"80\" :: Int");
    assert_eq!(d.message, "expected `Int`, found the String \"80\"");
    violation("1 :: Bool");
    violation("1 :: String");
    violation("1 :: Null");
    violation("\"./p\" :: Path");
    violation("1 :: Int -> Int");
}

#[test]
fn the_annotation_is_the_secondary_label() {
    let text = "let port :: Int = \"80\"; in port";
    let d = violation(text);
    assert_eq!(&text[d.primary.span.range()], "\"80\"");
    assert_eq!(&text[d.secondary[0].span.range()], "Int");
    assert!(d.secondary[0].message.contains("annotation"));
}

#[test]
fn string_literal_unions_suggest_the_closest_value() {
    assert_eq!(
        eval_json("\"Premium\" :: \"Standard\" | \"Premium\""),
        json!("Premium")
    );
    let d = violation("let tier = \"Standrd\"; in tier :: \"Standard\" | \"Premium\"");
    assert_eq!(
        d.message,
        "\"Standrd\" is not one of \"Standard\", \"Premium\""
    );
    assert_eq!(d.help.as_deref(), Some("did you mean \"Standard\"?"));
    let computed = violation("(\"Prem\" + \"ium2\") :: \"Standard\" | \"Premium\"");
    assert_eq!(computed.help.as_deref(), Some("did you mean \"Premium\"?"));
}

#[test]
fn nullable_types() {
    assert_eq!(
        eval_json("[ (null :: String | Null) (\"a\" :: String | Null) ]"),
        json!([null, "a"])
    );
    assert_eq!(eval_json("null :: \"A\" | \"B\" | Null"), json!(null));
    violation("1 :: String | Null");
    violation("\"C\" :: \"A\" | \"B\" | Null");
}

#[test]
fn lists_are_checked_item_by_item_when_forced() {
    assert_eq!(eval_json("[ 1 2 ] :: List Int"), json!([1, 2]));
    let d = violation("[ 1 \"two\" 3 ] :: List Int");
    assert_eq!(
        d.message,
        "expected `Int` at `[1]`, found the String \"two\""
    );
    assert_eq!(
        eval_json("length ([ 1 \"two\" ] :: List Int)"),
        json!(2),
        "unforced items are not checked"
    );
    violation("3 :: List Int");
    assert_eq!(
        eval_json("[ [ \"a\" ] ] :: List (List String)"),
        json!([["a"]])
    );
    violation("[ [ \"a\" 1 ] ] :: List (List String)");
}

#[test]
fn closed_records() {
    let ty = "{ name: String, size?: Int }";
    assert_eq!(
        eval_json(&format!("{{ name = \"a\"; }} :: {ty}")),
        json!({"name": "a"})
    );
    assert_eq!(
        eval_json(&format!("{{ name = \"a\"; size = 2; }} :: {ty}")),
        json!({"name": "a", "size": 2})
    );
    let unknown = violation(&format!("{{ name = \"a\"; sise = 2; }} :: {ty}"));
    assert_eq!(unknown.message, "unknown field `sise`");
    assert_eq!(unknown.help.as_deref(), Some("did you mean `size`?"));
    let missing = violation(&format!("{{ size = 2; }} :: {ty}"));
    assert_eq!(missing.message, "missing field `name`");
    let wrong = violation(&format!("{{ name = \"a\"; size = \"big\"; }} :: {ty}"));
    assert_eq!(
        wrong.message,
        "expected `Int` at `.size`, found the String \"big\""
    );
    violation("1 :: { name: String }");
}

#[test]
fn open_records_accept_other_fields() {
    assert_eq!(
        eval_json("{ name = \"a\"; extra = 1; } :: { name: String, ... }"),
        json!({"name": "a", "extra": 1})
    );
    violation("{ extra = 1; } :: { name: String, ... }");
}

#[test]
fn nested_places_are_named() {
    let d = violation(
        "{ pools = [ { nodes = 1; } { nodes = \"2\"; } ]; } :: { pools: List { nodes: Int } }",
    );
    assert_eq!(
        d.message,
        "expected `Int` at `.pools[1].nodes`, found the String \"2\""
    );
}

#[test]
fn aliases() {
    let text = "let type Pool = { name: String, nodes: Int }; type Pools = List Pool; ps :: Pools = [ { name = \"a\"; nodes = \"x\"; } ]; in ps";
    let d = violation(text);
    assert!(d.message.contains("`[0].nodes`"), "{}", d.message);
}

#[test]
fn function_parameters() {
    assert_eq!(eval_json("(x :: Int: x + 1) 1"), json!(2));
    let text = "let f = x :: Int: x + 1; in f \"one\"";
    let d = violation(text);
    assert_eq!(
        &text[d.primary.span.range()],
        "\"one\"",
        "points at the argument"
    );
    assert_eq!(&text[d.secondary[0].span.range()], "Int");
    assert_eq!(
        eval_json("(x :: Int: 5) \"unused\""),
        json!(5),
        "checked when forced"
    );
}

#[test]
fn pattern_fields() {
    let text = "let f = { name :: String, sku :: \"Standard\" | \"Premium\" ? \"Standard\" }: \"${name}-${sku}\"; in f { name = \"a\"; sku = \"Basic\"; }";
    let d = violation(text);
    assert!(
        d.message.contains("\"Basic\" is not one of"),
        "{}",
        d.message
    );
    assert_eq!(eval_json("({ n :: Int ? 1 }: n) { }"), json!(1));
}

#[test]
fn record_field_annotations() {
    assert_eq!(eval_json("{ port :: Int = 80; }"), json!({"port": 80}));
    violation("{ port :: Int = \"80\"; }");
    violation("rec { a :: Int = b; b = \"x\"; }");
}
