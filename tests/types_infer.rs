//! Inferred types, as printed in `.sbl` syntax: generalisation, builtins, records, patterns,
//! joins and the types of modules.

mod types_support;

use types_support::type_of;

#[test]
fn simple_values() {
    assert_eq!(type_of("42"), "Int");
    assert_eq!(type_of("\"a\""), "String");
    assert_eq!(type_of("./a.zip"), "Path");
    assert_eq!(type_of("null"), "Null");
    assert_eq!(type_of("[ ]"), "List a");
    assert_eq!(type_of("[ 1 2 ]"), "List Int");
    assert_eq!(type_of("[ [ \"a\" ] ]"), "List (List String)");
    assert_eq!(type_of("1 < 2"), "Bool");
}

#[test]
fn records() {
    assert_eq!(
        type_of("{ a = 1; b.c = \"x\"; b.d = true; }"),
        "{ a: Int, b: { c: String, d: Bool } }"
    );
    assert_eq!(
        type_of("{ \"with space\" = 1; my-name = 2; }"),
        "{ \"with space\": Int, my-name: Int }"
    );
    assert_eq!(
        type_of("rec { a = 1; b = [ a ]; }"),
        "{ a: Int, b: List Int }"
    );
    assert_eq!(
        type_of("{ a = 1; b = \"x\"; } // { b = 2; c = null; }"),
        "{ a: Int, b: Int, c: Null }"
    );
    assert_eq!(
        type_of("[ { a = 1; } { a = 2; b = \"x\"; } ]"),
        "List { a: Int, b?: String }"
    );
    assert_eq!(
        type_of("if true then { a = 1; } else null"),
        "{ a: Int } | Null"
    );
}

#[test]
fn functions_are_generalised() {
    assert_eq!(type_of("x: x"), "a -> a");
    assert_eq!(type_of("f: x: f x"), "(a -> b) -> a -> b");
    assert_eq!(
        type_of("f: g: x: f (g x)"),
        "(a -> b) -> (c -> a) -> c -> b"
    );
    assert_eq!(type_of("x: y: x"), "a -> b -> a");
    assert_eq!(type_of("let id = x: x; in id"), "a -> a");
    assert_eq!(
        type_of("let id = x: x; in { a = id 1; b = id \"s\"; }"),
        "{ a: Int, b: String }"
    );
    assert_eq!(
        type_of("c: xs: if c then xs else [ ]"),
        "Bool -> List a -> List a"
    );
}

#[test]
fn operators_constrain_variables() {
    assert_eq!(type_of("x: x + 1"), "Int -> Int");
    assert_eq!(type_of("x: y: x * y"), "Int -> Int -> Int");
    assert_eq!(type_of("x: !x"), "Bool -> Bool");
    assert_eq!(type_of("a: b: a ++ b"), "List a -> List a -> List a");
    assert_eq!(type_of("x: \"<\" + x"), "a -> String");
    assert_eq!(type_of("r: r // { a = 1; }"), "{ ... } -> { a: Int, ... }");
    assert_eq!(type_of("r: { a = 1; } // r"), "{ ... } -> { a: Any, ... }");
    assert_eq!(
        type_of("{ a = 1; b = \"x\"; } // { b = 2; }"),
        "{ a: Int, b: Int }"
    );
}

#[test]
fn builtins_are_polymorphic() {
    assert_eq!(type_of("map"), "(a -> b) -> List a -> List b");
    assert_eq!(
        type_of("builtins.filter"),
        "(a -> Bool) -> List a -> List a"
    );
    assert_eq!(type_of("map (x: x + 1)"), "List Int -> List Int");
    assert_eq!(type_of("map toString [ 1 2 ]"), "List String");
    assert_eq!(
        type_of("xs: map (x: x.name) xs"),
        "List { ... } -> List Any"
    );
    // Lambda arguments are checked last: `acc` is already an `Int` from `0` when `acc + x` is
    // checked, so `x` is one too.
    assert_eq!(type_of("foldl (acc: x: acc + x) 0"), "List Int -> Int");
    assert_eq!(type_of("foldl (acc: x: x + acc) 0"), "List Int -> Int");
    // Without the other arguments, `+` of two unknowns only says the result is the left type.
    assert_eq!(type_of("foldl (acc: x: acc + x)"), "a -> List b -> a");
    assert_eq!(
        type_of("listToAttrs"),
        "List { name: String, value: a } -> { ... }"
    );
}

#[test]
fn patterns_give_record_parameters() {
    assert_eq!(type_of("{ a, b ? 2 }: a + b"), "{ a: Int, b?: Int } -> Int");
    assert_eq!(type_of("{ name, ... }: name"), "{ name: a, ... } -> a");
    assert_eq!(
        type_of("{ sku :: \"Standard\" | \"Premium\" ? \"Standard\", vmSize :: String }: vmSize"),
        "{ sku?: \"Standard\" | \"Premium\", vmSize: String } -> String"
    );
    assert_eq!(type_of("{ a } @ args: args"), "{ a: a } -> { a: a }");
    assert_eq!(type_of("r: r.a"), "{ ... } -> Any");
}

#[test]
fn annotations_and_aliases() {
    assert_eq!(
        type_of("let type Sku = \"A\" | \"B\"; s :: Sku = \"A\"; in s"),
        "\"A\" | \"B\""
    );
    assert_eq!(type_of("(x: x) :: Int -> Int"), "Int -> Int");
    assert_eq!(type_of("null :: String | Null"), "String | Null");
    assert_eq!(
        type_of("x :: { a: Int, ... }: x.a"),
        "{ a: Int, ... } -> Int"
    );
    assert_eq!(
        type_of("{ a = 1; } :: { a: Int, b?: String }"),
        "{ a: Int, b?: String }"
    );
}

#[test]
fn selection_with_defaults() {
    assert_eq!(type_of("let r = { a = 1; }; in r.a or 2"), "Int");
    assert_eq!(type_of("let r = { a = 1; }; in r.b or \"x\""), "String");
    assert_eq!(
        type_of("let r = { a = \"x\"; }; in r.a or null"),
        "String | Null"
    );
    assert_eq!(type_of("{ a = 1; } ? b"), "Bool");
}

#[test]
fn mixed_lists_are_lists_of_any() {
    assert_eq!(type_of("[ 1 \"a\" ]"), "List Any");
    assert_eq!(type_of("[ 1 ] ++ [ \"a\" ]"), "List Any");
    assert_eq!(type_of("[ 1 ] ++ [ 2 ]"), "List Int");
}

#[test]
fn resources_keep_their_fields_and_gain_an_id() {
    let text = "resource { type = \"Microsoft.Network/virtualNetworks\"; apiVersion = \"2024-05-01\"; name = \"hub\"; properties.addressSpace.addressPrefixes = [ \"10.0.0.0/16\" ]; }";
    assert_eq!(
        type_of(text),
        "{ type: String, apiVersion: String, name: String, properties: { addressSpace: { addressPrefixes: List String } }, id: String }"
    );
    assert_eq!(
        type_of("r: ref r \"properties.vaultUri\""),
        "{ id: String, ... } -> String"
    );
    assert_eq!(type_of("let resource = x: x; in resource 1"), "Int");
}

#[test]
fn an_unknown_function_called_with_a_record_takes_an_open_record() {
    assert_eq!(type_of("f: f { a = 1; }"), "({ a: Int, ... } -> a) -> a");
}
