//! Every builtin of the language notes, by name and through `builtins`, with edge cases.

mod eval_common;

use eval_common::{eval_error, eval_json};
use sblc::diagnostic::Code;
use serde_json::json;

#[test]
fn every_builtin_is_a_field_of_builtins_and_in_scope() {
    let names = sblc::eval::Builtin::ALL
        .iter()
        .map(|b| format!("\"{}\"", b.name()))
        .collect::<Vec<_>>()
        .join(" ");
    let text = format!("all (n: isFunction (getAttr n builtins)) [ {names} ]");
    assert_eq!(eval_json(&text), json!(true));
    for builtin in sblc::eval::Builtin::ALL {
        let text = format!(
            "isFunction {} && builtins.{} == builtins.{}",
            builtin.name(),
            builtin.name(),
            builtin.name()
        );
        // Functions never compare equal, so the conjunction is false but both sides evaluate.
        assert_eq!(eval_json(&text), json!(false), "{}", builtin.name());
    }
    assert_eq!(sblc::eval::Builtin::ALL.len(), 55);
}

#[test]
fn map_filter_foldl() {
    assert_eq!(eval_json("map (x: x * x) [ 1 2 3 ]"), json!([1, 4, 9]));
    assert_eq!(eval_json("map (x: x) [ ]"), json!([]));
    assert_eq!(eval_json("filter (x: x > 1) [ 1 2 3 ]"), json!([2, 3]));
    assert_eq!(
        eval_json("foldl (acc: x: acc + x) 0 [ 1 2 3 4 ]"),
        json!(10)
    );
    assert_eq!(
        eval_json("foldl (acc: x: acc ++ [ x ]) [ ] [ 1 2 ]"),
        json!([1, 2])
    );
    assert_eq!(
        eval_json("foldl (acc: x: acc + x) 0 (range 0 100000)"),
        json!(4_999_950_000i64)
    );
}

#[test]
fn list_access() {
    assert_eq!(eval_json("length [ 1 2 3 ]"), json!(3));
    assert_eq!(
        eval_json("[ (elem 2 [ 1 2 ]) (elem 5 [ 1 2 ]) (elem { a = 1; } [ { a = 1; } ]) ]"),
        json!([true, false, true])
    );
    assert_eq!(eval_json("head [ \"a\" \"b\" ]"), json!("a"));
    assert_eq!(eval_json("tail [ 1 2 3 ]"), json!([2, 3]));
    assert_eq!(eval_json("tail [ 1 ]"), json!([]));
    assert_eq!(eval_json("elemAt [ 10 20 30 ] 2"), json!(30));
}

#[test]
fn generating_lists() {
    assert_eq!(eval_json("range 0 3"), json!([0, 1, 2]));
    assert_eq!(eval_json("range 5 2"), json!([]));
    assert_eq!(eval_json("range (-2) 1"), json!([-2, -1, 0]));
    assert_eq!(eval_json("genList (i: i * 10) 3"), json!([0, 10, 20]));
    assert_eq!(eval_json("genList (i: i) 0"), json!([]));
    assert_eq!(
        eval_json("concatLists [ [ 1 ] [ ] [ 2 3 ] ]"),
        json!([1, 2, 3])
    );
    assert_eq!(
        eval_json("concatMap (x: [ x x ]) [ 1 2 ]"),
        json!([1, 1, 2, 2])
    );
}

#[test]
fn any_and_all_short_circuit() {
    assert_eq!(eval_json("any (x: x > 2) [ 1 2 3 ]"), json!(true));
    assert_eq!(eval_json("any (x: x > 5) [ 1 2 3 ]"), json!(false));
    assert_eq!(eval_json("all (x: x > 0) [ 1 2 3 ]"), json!(true));
    assert_eq!(
        eval_json("all (x: x > 1) [ 1 (throw \"not reached\") ]"),
        json!(false)
    );
    assert_eq!(
        eval_json("any (x: x == 1) [ 1 (throw \"not reached\") ]"),
        json!(true)
    );
    assert_eq!(
        eval_json("[ (any (x: true) [ ]) (all (x: false) [ ]) ]"),
        json!([false, true])
    );
}

#[test]
fn record_builtins() {
    assert_eq!(
        eval_json("attrNames { z = 1; a = 2; }"),
        json!(["z", "a"]),
        "definition order"
    );
    assert_eq!(eval_json("attrValues { z = 1; a = 2; }"), json!([1, 2]));
    assert_eq!(
        eval_json("[ (hasAttr \"a\" { a = 1; }) (hasAttr \"never-used-name\" { a = 1; }) ]"),
        json!([true, false])
    );
    assert_eq!(eval_json("getAttr \"a\" { a = 5; }"), json!(5));
    assert_eq!(
        eval_json("removeAttrs { a = 1; b = 2; c = 3; } [ \"b\" \"nope\" ]"),
        json!({"a": 1, "c": 3})
    );
    assert_eq!(
        eval_json("mapAttrs (name: v: \"${name}=${toString v}\") { a = 1; b = 2; }"),
        json!({"a": "a=1", "b": "b=2"})
    );
    assert_eq!(
        eval_json("listToAttrs [ { name = \"a\"; value = 1; } { name = \"b\"; value = 2; } { name = \"a\"; value = 3; } ]"),
        json!({"a": 1, "b": 2}),
        "the first entry for a name wins"
    );
    assert_eq!(
        eval_json("listToAttrs (map (n: { name = \"k${toString n}\"; value = n; }) [ 1 2 ])"),
        json!({"k1": 1, "k2": 2})
    );
}

#[test]
fn to_string_conversions() {
    assert_eq!(
        eval_json("map toString [ 1 \"s\" true false null ./x [ 1 [ \"a\" ] null ] ]"),
        json!(["1", "s", "true", "false", "", "./x", "1 a "])
    );
    assert_eq!(eval_error("toString { }").code, Code::RuntimeTypeError);
    assert_eq!(eval_error("toString (x: x)").code, Code::RuntimeTypeError);
}

#[test]
fn to_json_is_compact_and_ordered() {
    assert_eq!(
        eval_json("toJSON { b = [ 1 \"x\" null true ]; a = { c = ./p; }; }"),
        json!(r#"{"b":[1,"x",null,true],"a":{"c":"./p"}}"#)
    );
    assert_eq!(
        eval_error("toJSON { f = x: x; }").code,
        Code::NotSerializable
    );
}

#[test]
fn string_builtins() {
    assert_eq!(
        eval_json("stringLength \"héllo\""),
        json!(5),
        "characters, not bytes"
    );
    assert_eq!(eval_json("substring 1 3 \"abcdef\""), json!("bcd"));
    assert_eq!(eval_json("substring 4 10 \"abcdef\""), json!("ef"));
    assert_eq!(eval_json("substring 2 (-1) \"abcdef\""), json!("cdef"));
    assert_eq!(eval_json("substring 10 2 \"abc\""), json!(""));
    assert_eq!(
        eval_json("concatStringsSep \", \" [ \"a\" \"b\" \"c\" ]"),
        json!("a, b, c")
    );
    assert_eq!(eval_json("concatStringsSep \"-\" [ ]"), json!(""));
    assert_eq!(
        eval_json("replaceStrings [ \"a\" \"bb\" ] [ \"X\" \"Y\" ] \"abba\""),
        json!("XYX")
    );
    assert_eq!(
        eval_json("replaceStrings [ \"\" ] [ \"-\" ] \"ab\""),
        json!("-a-b-")
    );
    assert_eq!(
        eval_json("replaceStrings [ \"ab\" \"a\" ] [ \"1\" \"2\" ] \"aab\""),
        json!("21")
    );
    assert_eq!(
        eval_json("splitString \",\" \"a,b,,c\""),
        json!(["a", "b", "", "c"])
    );
    assert_eq!(eval_json("splitString \"::\" \"a::b\""), json!(["a", "b"]));
    assert_eq!(
        eval_json("splitString \".\" \"a.b\""),
        json!(["a", "b"]),
        "plain text, not a regex"
    );
    assert_eq!(
        eval_json("[ (hasPrefix \"ab\" \"abc\") (hasPrefix \"b\" \"abc\") ]"),
        json!([true, false])
    );
    assert_eq!(
        eval_json("[ (hasSuffix \"bc\" \"abc\") (hasSuffix \"b\" \"abc\") ]"),
        json!([true, false])
    );
    assert_eq!(
        eval_json("[ (toUpper \"aB1\") (toLower \"aB1\") ]"),
        json!(["AB1", "ab1"])
    );
}

#[test]
fn type_tests() {
    let values = "[ null 1 true \"s\" [ ] { } (x: x) ./p ]";
    for (test, expected) in [
        (
            "isNull",
            [true, false, false, false, false, false, false, false],
        ),
        (
            "isInt",
            [false, true, false, false, false, false, false, false],
        ),
        (
            "isBool",
            [false, false, true, false, false, false, false, false],
        ),
        (
            "isString",
            [false, false, false, true, false, false, false, false],
        ),
        (
            "isList",
            [false, false, false, false, true, false, false, false],
        ),
        (
            "isAttrs",
            [false, false, false, false, false, true, false, false],
        ),
        (
            "isFunction",
            [false, false, false, false, false, false, true, false],
        ),
        (
            "isPath",
            [false, false, false, false, false, false, false, true],
        ),
    ] {
        assert_eq!(
            eval_json(&format!("map {test} {values}")),
            json!(expected),
            "{test}"
        );
    }
    assert_eq!(
        eval_json(&format!("map typeOf {values}")),
        json!(["null", "int", "bool", "string", "list", "set", "lambda", "path"])
    );
    assert_eq!(eval_json("isFunction map"), json!(true));
}

#[test]
fn integer_builtins() {
    assert_eq!(eval_json("[ (min 3 (-1)) (max 3 (-1)) ]"), json!([-1, 3]));
    assert_eq!(
        eval_json("[ (mod 7 3) (mod (-7) 3) (mod 7 (-3)) ]"),
        json!([1, -1, 1])
    );
    assert_eq!(eval_json("[ (abs (-5)) (abs 5) ]"), json!([5, 5]));
    assert_eq!(
        eval_error("abs (-9223372036854775807 - 1)").code,
        Code::IntegerOverflow
    );
    assert_eq!(eval_error("mod 1 0").code, Code::DivisionByZero);
}

#[test]
fn throw_stops_with_its_message() {
    let d = eval_error("throw \"custom message\"");
    assert_eq!(d.code, Code::Thrown);
    assert_eq!(d.message, "custom message");
}

#[test]
fn partial_application_of_builtins() {
    assert_eq!(
        eval_json("let double = map (x: x * 2); in double [ 1 2 ]"),
        json!([2, 4])
    );
    assert_eq!(
        eval_json("map (substring 0 2) [ \"abc\" \"xyz\" ]"),
        json!(["ab", "xy"])
    );
    assert_eq!(
        eval_json("let sub = cidrSubnet \"10.0.0.0/16\"; in sub 8 1"),
        json!("10.0.1.0/24")
    );
    assert_eq!(eval_json("map (builtins.add or (x: x)) [ 1 ]"), json!([1]));
}

#[test]
fn builtin_argument_errors_point_at_the_argument() {
    let d = eval_error("length 3");
    assert_eq!(d.code, Code::RuntimeTypeError);
    assert_eq!(
        d.message,
        "`length` expects a List as its first argument, but got an Int"
    );
    assert_eq!(d.primary.span.range(), 7..8);
    assert_eq!(
        eval_error("filter (x: 1) [ 1 ]").code,
        Code::RuntimeTypeError
    );
    assert_eq!(
        eval_error("concatStringsSep \",\" [ 1 ]").code,
        Code::RuntimeTypeError
    );
    assert_eq!(
        eval_error("listToAttrs [ { name = 1; value = 2; } ]").code,
        Code::RuntimeTypeError
    );
    assert_eq!(
        eval_error("replaceStrings [ \"a\" ] [ ] \"a\"").code,
        Code::InvalidBuiltinArgument
    );
    assert_eq!(
        eval_error("splitString \"\" \"a\"").code,
        Code::InvalidBuiltinArgument
    );
    assert_eq!(
        eval_error("genList (x: x) (-1)").code,
        Code::InvalidBuiltinArgument
    );
    assert_eq!(
        eval_error("range 0 100000000").code,
        Code::InvalidBuiltinArgument
    );
}
