//! Every construct of the language, evaluated and checked through its JSON value.

mod eval_common;

use eval_common::{eval_error, eval_json};
use sblc::diagnostic::Code;
use serde_json::json;

#[test]
fn literals() {
    assert_eq!(eval_json("42"), json!(42));
    assert_eq!(eval_json("-7"), json!(-7));
    assert_eq!(eval_json("true"), json!(true));
    assert_eq!(eval_json("false"), json!(false));
    assert_eq!(eval_json("null"), json!(null));
    assert_eq!(
        eval_json(r#""a\tb\n\"q\" \\ \$ \u{1F600}""#),
        json!("a\tb\n\"q\" \\ $ \u{1F600}")
    );
    assert_eq!(eval_json("[ ]"), json!([]));
    assert_eq!(eval_json("{ }"), json!({}));
}

#[test]
fn indented_strings_strip_common_indentation() {
    let text = "''\n    line one\n      indented\n    ${\"x\"}y\n  ''";
    assert_eq!(eval_json(text), json!("line one\n  indented\nxy\n"));
}

#[test]
fn arithmetic_and_precedence() {
    assert_eq!(eval_json("1 + 2 * 3"), json!(7));
    assert_eq!(eval_json("(1 + 2) * 3"), json!(9));
    assert_eq!(eval_json("10 - 2 - 3"), json!(5));
    assert_eq!(eval_json("7 / 2"), json!(3));
    assert_eq!(
        eval_json("-7 / 2"),
        json!(-3),
        "division truncates toward zero"
    );
    assert_eq!(eval_json("- 3 * 2"), json!(-6));
    assert_eq!(eval_json("let x = 5; in -x"), json!(-5));
    assert_eq!(eval_json("\"ab\" + \"cd\""), json!("abcd"));
}

#[test]
fn comparisons() {
    assert_eq!(
        eval_json("[ (1 < 2) (2 <= 2) (3 > 4) (4 >= 5) ]"),
        json!([true, true, false, false])
    );
    assert_eq!(
        eval_json("[ (\"a\" < \"b\") (\"b\" >= \"c\") ]"),
        json!([true, false])
    );
}

#[test]
fn equality_is_deep_and_structural() {
    assert_eq!(eval_json("[ 1 2 ] == [ 1 2 ]"), json!(true));
    assert_eq!(eval_json("[ 1 2 ] == [ 2 1 ]"), json!(false));
    assert_eq!(
        eval_json("{ a = 1; b = [ 2 ]; } == { b = [ 2 ]; a = 1; }"),
        json!(true)
    );
    assert_eq!(eval_json("{ a = 1; } == { a = 1; b = 2; }"), json!(false));
    assert_eq!(eval_json("{ a.b = 1; } != { a.b = 2; }"), json!(true));
    assert_eq!(eval_json("1 == \"1\""), json!(false));
    assert_eq!(eval_json("null == null"), json!(true));
    assert_eq!(
        eval_json("let f = x: x; in f == f"),
        json!(false),
        "functions are never equal"
    );
    assert_eq!(eval_json("./a == ./b/../a"), json!(true));
}

#[test]
fn booleans_short_circuit() {
    assert_eq!(eval_json("false && throw \"never\""), json!(false));
    assert_eq!(eval_json("true || throw \"never\""), json!(true));
    assert_eq!(eval_json("true && !false"), json!(true));
    assert_eq!(eval_json("false || false"), json!(false));
}

#[test]
fn if_then_else_evaluates_one_branch() {
    assert_eq!(
        eval_json("if 1 < 2 then \"yes\" else throw \"no\""),
        json!("yes")
    );
    assert_eq!(eval_json("if false then throw \"no\" else 2"), json!(2));
}

#[test]
fn let_bindings_are_mutually_recursive() {
    assert_eq!(eval_json("let a = b + 1; b = 2; in a"), json!(3));
    assert_eq!(
        eval_json("let even = n: if n == 0 then true else odd (n - 1); odd = n: if n == 0 then false else even (n - 1); in even 10"),
        json!(true)
    );
    assert_eq!(
        eval_json("let x = 1; in let x = 2; in x"),
        json!(2),
        "inner shadows outer"
    );
    assert_eq!(
        eval_json("let a.b = 1; a.c = 2; in a"),
        json!({"b": 1, "c": 2})
    );
}

#[test]
fn inherit_in_let_names_the_outer_variable() {
    assert_eq!(
        eval_json("let x = 1; in let inherit x; y = x + 1; in [ x y ]"),
        json!([1, 2])
    );
    assert_eq!(
        eval_json("let r = { a = 1; b = 2; }; in let inherit (r) a b; in a + b"),
        json!(3)
    );
}

#[test]
fn user_bindings_shadow_builtins() {
    assert_eq!(eval_json("let map = 3; in map"), json!(3));
    assert_eq!(eval_json("let length = xs: 99; in length [ ]"), json!(99));
    assert_eq!(eval_json("builtins.length [ 1 2 ]"), json!(2));
    assert_eq!(
        eval_json("let length = 1; in builtins.length [ 1 ]"),
        json!(1)
    );
}

#[test]
fn records_keep_definition_order() {
    assert_eq!(
        serde_json::to_string(&eval_json("{ zeta = 1; alpha = 2; mid = 3; }")).unwrap(),
        r#"{"zeta":1,"alpha":2,"mid":3}"#
    );
}

#[test]
fn nested_key_paths_merge() {
    assert_eq!(
        eval_json("{ a.b = 1; c = 0; a.d.e = 2; a.d.f = 3; \"quoted key\" = 4; }"),
        json!({"a": {"b": 1, "d": {"e": 2, "f": 3}}, "c": 0, "quoted key": 4})
    );
    assert_eq!(
        eval_json("let a.b = 1; in { a.c = a.b; a.d = 2; }"),
        json!({"a": {"c": 1, "d": 2}})
    );
}

#[test]
fn plain_records_do_not_see_their_own_fields() {
    assert_eq!(
        eval_json("let a = 10; in { a = 1; b = a; }"),
        json!({"a": 1, "b": 10})
    );
}

#[test]
fn rec_records_see_their_own_fields() {
    assert_eq!(
        eval_json("rec { a = 1; b = a + 1; c.d = b * 10; }"),
        json!({"a": 1, "b": 2, "c": {"d": 20}})
    );
    assert_eq!(eval_json("rec { b = a + 1; a = 1; }.b"), json!(2));
}

#[test]
fn inherit_in_records() {
    assert_eq!(
        eval_json("let x = 1; y = 2; in { inherit x y; z = 3; }"),
        json!({"x": 1, "y": 2, "z": 3})
    );
    assert_eq!(
        eval_json("let src = { a = 1; b = 2; c = 3; }; in { inherit (src) a c; d = 4; }"),
        json!({"a": 1, "c": 3, "d": 4})
    );
    assert_eq!(
        eval_json("let x = 5; in rec { inherit x; y = x + 1; }"),
        json!({"x": 5, "y": 6})
    );
    assert_eq!(
        eval_json("rec { inherit ({ a = 1; }) a; b = a + 1; }"),
        json!({"a": 1, "b": 2})
    );
}

#[test]
fn inherit_sources_in_a_let_see_the_let() {
    assert_eq!(
        eval_json("let r = { a = 1; b = 2; }; inherit (r) a b; c = a + b; in { inherit c; n = rec { inherit (r) a; z = a * 10; }; }"),
        json!({"c": 3, "n": {"a": 1, "z": 10}})
    );
}

#[test]
fn selection_default_and_has_field() {
    assert_eq!(eval_json("{ a.b.c = 1; }.a.b.c"), json!(1));
    assert_eq!(eval_json("{ a = 1; }.b or 2"), json!(2));
    assert_eq!(eval_json("{ a.x = 1; }.a.b.c or \"deep\""), json!("deep"));
    assert_eq!(eval_json("{ a = 1; }.a or 2"), json!(1));
    assert_eq!(eval_json("{ \"x y\" = 1; }.\"x y\""), json!(1));
    assert_eq!(
        eval_json("[ ({ a.b = 1; } ? a.b) ({ a = 1; } ? a.b) ({ } ? a) ]"),
        json!([true, false, false])
    );
}

#[test]
fn update_keeps_left_order_and_appends_new_right_keys() {
    assert_eq!(
        serde_json::to_string(&eval_json("{ a = 1; b = 2; } // { c = 3; a = 4; }")).unwrap(),
        r#"{"a":4,"b":2,"c":3}"#
    );
    assert_eq!(
        eval_json("{ a = 1; } // { } // { b = 2; }"),
        json!({"a": 1, "b": 2})
    );
    assert_eq!(
        eval_json("{ a.x = 1; } // { a.y = 2; }"),
        json!({"a": {"y": 2}}),
        "shallow"
    );
}

#[test]
fn list_concatenation() {
    assert_eq!(eval_json("[ 1 ] ++ [ 2 3 ] ++ [ ]"), json!([1, 2, 3]));
    assert_eq!(
        eval_json("[ 1 (2 + 3) \"s\" [ null ] ]"),
        json!([1, 5, "s", [null]])
    );
}

#[test]
fn functions_and_closures() {
    assert_eq!(eval_json("(x: x + 1) 2"), json!(3));
    assert_eq!(
        eval_json("let add = a: b: a + b; inc = add 1; in inc 41"),
        json!(42)
    );
    assert_eq!(
        eval_json("let k = 10; f = x: x * k; in map f [ 1 2 ]"),
        json!([10, 20])
    );
    assert_eq!(
        eval_json("let apply = f: x: f x; in apply (x: x * 2) 21"),
        json!(42)
    );
}

#[test]
fn record_patterns() {
    assert_eq!(eval_json("({ a, b }: a + b) { a = 1; b = 2; }"), json!(3));
    assert_eq!(eval_json("({ a, b ? 10 }: a + b) { a = 1; }"), json!(11));
    assert_eq!(
        eval_json("({ a, b ? a * 2 }: b) { a = 4; }"),
        json!(8),
        "defaults see other fields"
    );
    assert_eq!(eval_json("({ a ? b + 1, b ? 1 }: a) { }"), json!(2));
    assert_eq!(eval_json("({ a, ... }: a) { a = 1; z = 2; }"), json!(1));
    assert_eq!(
        eval_json("({ a, ... } @ all: all.z) { a = 1; z = 2; }"),
        json!(2)
    );
    assert_eq!(
        eval_json("(all @ { a, b ? 3 }: [ a b (all ? b) ]) { a = 1; }"),
        json!([1, 3, false])
    );
    assert_eq!(
        eval_json("({ a :: Int, b :: String ? \"x\" }: b + toString a) { a = 1; }"),
        json!("x1")
    );
}

#[test]
fn interpolation() {
    assert_eq!(
        eval_json("let n = 3; s = \"x\"; in \"${s}-${toString true}-${n}\""),
        json!("x-true-3")
    );
    assert_eq!(eval_json("\"a${\"b${\"c\"}\"}d\""), json!("abcd"));
    assert_eq!(
        eval_json("\"file: ${./dist/app.zip}\""),
        json!("file: ./dist/app.zip")
    );
    assert_eq!(
        eval_json("\"\\${not} interpolated\""),
        json!("${not} interpolated")
    );
}

#[test]
fn interpolating_other_values_says_use_to_string() {
    for value in ["true", "null", "[ 1 ]", "{ }", "(x: x)"] {
        let d = eval_error(&format!("\"v=${{{value}}}\""));
        assert_eq!(d.code, Code::InterpolationOfWrongType, "{value}");
        assert!(
            d.help.as_deref().unwrap_or("").contains("toString"),
            "{value}"
        );
    }
}

#[test]
fn assert_passes_through_when_true() {
    assert_eq!(eval_json("assert 1 < 2, \"math\"; \"ok\""), json!("ok"));
    assert_eq!(eval_json("assert true; 5"), json!(5));
}

#[test]
fn annotations_pass_values_through() {
    assert_eq!(eval_json("(1 + 1) :: Int"), json!(2));
    assert_eq!(eval_json("let port :: Int = 80; in port"), json!(80));
    assert_eq!(eval_json("{ port :: Int = 80; }"), json!({"port": 80}));
    assert_eq!(eval_json("let f = x :: Int: x * 2; in f 4"), json!(8));
}

#[test]
fn type_aliases_are_visible_in_the_whole_let() {
    assert_eq!(
        eval_json("let type Sku = \"Standard\" | \"Premium\"; s :: Sku = \"Premium\"; in s"),
        json!("Premium")
    );
    let d = eval_error("let s :: Sku = \"Basic\"; type Sku = \"Standard\" | \"Premium\"; in s");
    assert_eq!(d.code, Code::ContractViolated);
}

#[test]
fn paths_are_shown_relative_to_the_entry_folder() {
    assert_eq!(eval_json("./dist/app.zip"), json!("./dist/app.zip"));
    assert_eq!(eval_json("../shared/x.json"), json!("../shared/x.json"));
    assert_eq!(eval_json("./dist + \"/app.zip\""), json!("./dist/app.zip"));
    assert_eq!(eval_json("\"prefix:\" + ./a"), json!("prefix:./a"));
    assert_eq!(eval_json("./a/./b/../c"), json!("./a/c"));
}

#[test]
fn evaluation_is_lazy() {
    assert_eq!(eval_json("let unused = throw \"no\"; in 1"), json!(1));
    assert_eq!(eval_json("{ a = 1; b = throw \"no\"; }.a"), json!(1));
    assert_eq!(eval_json("length [ (throw \"no\") (1 / 0) ]"), json!(2));
    assert_eq!(
        eval_json("length (map (x: throw \"no\") [ 1 2 3 ])"),
        json!(3)
    );
    assert_eq!(
        eval_json("attrNames { a = throw \"no\"; b = 1; }"),
        json!(["a", "b"])
    );
    assert_eq!(eval_json("({ a ? throw \"no\" }: 1) { }"), json!(1));
    assert_eq!(
        eval_json("let x = { a = x; v = 1; }; in x.a.a.a.v"),
        json!(1)
    );
}

#[test]
fn deep_recursion_within_the_limit_works() {
    assert_eq!(
        eval_json("let sum = n: if n == 0 then 0 else n + sum (n - 1); in sum 5000"),
        json!(12_502_500)
    );
    let mut chain = String::from("let x0 = 0;");
    for i in 1..5000 {
        chain.push_str(&format!(" x{i} = x{} + 1;", i - 1));
    }
    chain.push_str(" in x4999");
    assert_eq!(eval_json(&chain), json!(4999));
}

#[test]
fn json_output_is_deterministic() {
    let text = "let mk = i: { name = \"n${toString i}\"; tags = { b = i; a = [ i ./p ]; }; }; in map mk (range 0 50)";
    let first = serde_json::to_string(&eval_json(text)).unwrap();
    let second = serde_json::to_string(&eval_json(text)).unwrap();
    assert_eq!(first, second);
    assert!(
        first.starts_with(r#"[{"name":"n0","tags":{"b":0,"a":[0,"./p"]}}"#),
        "{first}"
    );
}

#[test]
fn json_text_is_what_serde_json_prints() {
    let text =
        "{ b = [ 1 \"x\\n\\\"q\\\"\" null true [ ] { } ]; a = { c = ./p; d = -3; }; e = \"é\"; }";
    let value = eval_json(text);
    assert_eq!(
        eval_common::eval_json_text(text, true),
        serde_json::to_string_pretty(&value).unwrap()
    );
    assert_eq!(
        eval_common::eval_json_text(text, false),
        serde_json::to_string(&value).unwrap()
    );
    assert_eq!(eval_common::eval_json_text("[ ]", true), "[]");
}

#[test]
fn very_deep_values_are_built_compared_and_dropped_without_overflow() {
    assert_eq!(
        eval_json("let deep = foldl (acc: x: [ acc ]) [ ] (range 0 300000); in length deep"),
        json!(1)
    );
    assert_eq!(
        eval_json(
            "let deep = foldl (acc: x: { inner = acc; }) { } (range 0 300000); in isAttrs deep"
        ),
        json!(true)
    );
    assert_eq!(
        eval_json(
            "let chain = foldl (f: x: (y: f y)) (y: y) (range 0 300000); in isFunction chain"
        ),
        json!(true)
    );
    let d = eval_error("let deep = foldl (acc: x: [ acc ]) [ ] (range 0 300000); in deep == deep");
    assert_eq!(d.code, Code::RecursionTooDeep);
    let d = eval_error("let deep = foldl (acc: x: [ acc ]) [ ] (range 0 300000); in deep");
    assert_eq!(
        d.code,
        Code::RecursionTooDeep,
        "JSON of a value nested too deeply"
    );
}

#[test]
fn a_value_containing_a_function_is_not_equal_to_itself() {
    assert_eq!(eval_json("let l = [ (x: x) ]; in l == l"), json!(false));
    assert_eq!(eval_json("let r = { f = x: x; }; in r == r"), json!(false));
    assert_eq!(eval_json("let r = { a = [ 1 ]; }; in r == r"), json!(true));
}
