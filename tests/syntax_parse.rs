//! Parser tests: the shape of the tree for every construct, and operator precedence.

mod common;

use common::{parse, sexpr};

fn tree(text: &str) -> String {
    let (module, diagnostics, sources) = parse(text);
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics for {text:?}:\n{}",
        sblc::diagnostic::render::render_plain(&diagnostics, &sources)
    );
    sexpr(&module.body)
}

#[test]
fn literals() {
    assert_eq!(tree("42"), "42");
    assert_eq!(tree("true"), "true");
    assert_eq!(tree("null"), "null");
    assert_eq!(tree("./dist/app-1.0.zip"), "(path ./dist/app-1.0.zip)");
    assert_eq!(tree("../x.sbl"), "(path ../x.sbl)");
    assert_eq!(tree("[ 1 \"a\" x ]"), "[1 (str \"a\") x]");
}

#[test]
fn operator_precedence_follows_the_documented_table() {
    let cases = [
        ("1 + 2 * 3", "(+ 1 (* 2 3))"),
        ("1 - 2 - 3", "(- (- 1 2) 3)"),
        ("a ++ b ++ c", "(++ a (++ b c))"),
        ("a // b // c", "(// a (// b c))"),
        ("a || b && c", "(|| a (&& b c))"),
        ("a == b && c != d", "(&& (== a b) (!= c d))"),
        ("a < b == true", "(== (< a b) true)"),
        ("!a + b", "(not (+ a b))"),
        ("!a && b", "(&& (not a) b)"),
        ("-f x", "(neg (app f x))"),
        ("- a * b", "(* (neg a) b)"),
        ("f x y", "(app (app f x) y)"),
        ("f a.b c", "(app (app f (. a b)) c)"),
        ("a.b.c or d", "(. a b.c or d)"),
        ("a ? b.c", "(? a b.c)"),
        ("a ? b && c", "(&& (? a b) c)"),
        ("x // { a = 1; } // y", "(// x (// (record (a = 1)) y))"),
        ("[ a ] ++ [ b ] ++ c", "(++ [a] (++ [b] c))"),
        ("a + b :: Int", "(:: (+ a b) Int)"),
        ("a.\"quoted key\"", "(. a quoted key)"),
    ];
    for (text, expected) in cases {
        assert_eq!(tree(text), expected, "{text}");
    }
}

#[test]
fn records_and_bindings() {
    assert_eq!(
        tree("{ a = 1; b.c = 2; b.d = 3; }"),
        "(record (a = 1) (b.c = 2) (b.d = 3))"
    );
    assert_eq!(
        tree("rec { a = 1; b = a; }"),
        "(rec-record (a = 1) (b = a))"
    );
    assert_eq!(
        tree("{ inherit a b; inherit (r) c; \"k y\" = 1; }"),
        "(record (inherit a b) (inherit ((r)) c) (k y = 1))".replace("((r))", "(r)")
    );
    assert_eq!(tree("{ port :: Int = 80; }"), "(record (port :: Int = 80))");
    assert_eq!(tree("{ }"), "(record)");
}

#[test]
fn let_if_assert_import() {
    assert_eq!(tree("let a = 1; b = a; in b"), "(let (a = 1) (b = a) in b)");
    assert_eq!(
        tree("let type Sku = \"Standard\" | \"Premium\"; in 1"),
        "(let (type Sku = (\"Standard\" | \"Premium\")) in 1)"
    );
    assert_eq!(tree("if a then 1 else 2"), "(if a 1 2)");
    assert_eq!(tree("assert a; 1"), "(assert a 1)");
    assert_eq!(
        tree("assert a > 0, \"too small\"; 1"),
        "(assert (> a 0) (str \"too small\") 1)"
    );
    assert_eq!(tree("import ./hub.sbl"), "(import ./hub.sbl)");
    assert_eq!(tree("import <secure-storage>"), "(import <secure-storage>)");
    assert_eq!(
        tree("(import <batch>) { }"),
        "(app (import <batch>) (record))"
    );
}

#[test]
fn functions() {
    assert_eq!(tree("x: x"), "(fn x x)");
    assert_eq!(tree("x: y: x + y"), "(fn x (fn y (+ x y)))");
    assert_eq!(tree("x :: Int: x"), "(fn (x :: Int) x)");
    assert_eq!(tree("{ a, b ? 2, ... }: a"), "(fn {a, b ? 2, ...} a)");
    assert_eq!(tree("{ }: 1"), "(fn {} 1)");
    assert_eq!(tree("{ a }: a"), "(fn {a} a)");
    assert_eq!(tree("args @ { a, ... }: a"), "(fn {a, ...}@args a)");
    assert_eq!(tree("{ a } @ args: a"), "(fn {a}@args a)");
    assert_eq!(
        tree("{ name :: String, size :: Int ? 2 }: name"),
        "(fn {name :: String, size :: Int ? 2} name)"
    );
    assert_eq!(
        tree("map (x: x * 2) [ 1 2 ]"),
        "(app (app map (fn x (* x 2))) [1 2])"
    );
}

#[test]
fn types() {
    let cases = [
        ("x :: List Int", "(:: x (List Int))"),
        (
            "x :: { name: String, size?: Int, ... }",
            "(:: x {name: String, size?: Int, ...})",
        ),
        ("x :: Int -> Int -> Bool", "(:: x (Int -> (Int -> Bool)))"),
        (
            "x :: String | Null -> Int",
            "(:: x ((String | Null) -> Int))",
        ),
        ("x :: (Int -> Int) -> Int", "(:: x ((Int -> Int) -> Int))"),
        ("x :: List { a: Int }", "(:: x (List {a: Int}))"),
    ];
    for (text, expected) in cases {
        assert_eq!(tree(text), expected, "{text}");
    }
}

#[test]
fn strings_and_interpolation() {
    assert_eq!(tree(r#""a ${b} c""#), r#"(str "a " ${b} " c")"#);
    assert_eq!(
        tree(r#""${ { x = "in}"; }.x }""#),
        r#"(str ${(. (record (x = (str "in}"))) x)})"#
    );
    assert_eq!(
        tree(r#""tab\there \"q\" \${no} \u{e9}""#),
        r#"(str "tab\there \"q\" ${no} é")"#
    );
    assert_eq!(
        tree(r#""nested ${ "x ${y}" }""#),
        r#"(str "nested " ${(str "x " ${y})})"#
    );
}

#[test]
fn indented_strings_strip_common_indentation() {
    let text = "''\n    #!/bin/bash\n      echo ${name}\n    done\n  ''";
    assert_eq!(
        tree(text),
        r##"(str "#!/bin/bash\n  echo " ${name} "\ndone\n")"##
    );
    assert_eq!(tree("''one line''"), r#"(str "one line")"#);
    assert_eq!(
        tree("''\n  a '''quoted''' ''${not} ''\\n\n''"),
        r#"(str "a ''quoted'' ${not} \n\n")"#
    );
    assert_eq!(tree("''\n  a\n\n  b\n''"), r#"(str "a\n\nb\n")"#);
}

#[test]
fn comments_nest() {
    assert_eq!(tree("/* a /* b */ c */ 1 # trailing"), "1");
}

#[test]
fn every_node_has_a_span_inside_the_text() {
    let text = "let f = { a, b ? 2 }: a + b; in f { a = 1; } // { c = \"${x}\"; }";
    let (module, diagnostics, sources) = parse(text);
    assert!(diagnostics.is_empty());
    assert_eq!(sources.snippet(module.body.span), text);
    let sblc::syntax::ast::ExprKind::Let { bindings, body } = &module.body.kind else {
        panic!("expected let");
    };
    assert_eq!(
        sources.snippet(bindings[0].span),
        "f = { a, b ? 2 }: a + b;"
    );
    assert_eq!(
        sources.snippet(body.span),
        "f { a = 1; } // { c = \"${x}\"; }"
    );
}
