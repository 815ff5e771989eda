//! The checker on large and absurd input: a generated file with ten thousand bindings, deep
//! nesting, and no panic on anything the parser produces. (How its time grows with the input
//! is measured by `bench/run.sh language`, not here: a test does not time.)

mod types_support;

use sblc::driver::with_large_stack;
use sblc::load::load_text;

/// Parses and checks `text`; returns the number of type diagnostics.
fn parse_and_check(text: String) -> usize {
    with_large_stack(move || {
        let (program, _) = load_text("main.sbl", &text, &std::env::temp_dir());
        sblc::types::check(&program).diagnostics.len()
    })
}

fn generated(bindings: usize) -> String {
    let mut text = String::from("let\n  type Sku = \"Standard\" | \"Premium\";\n  mk = { name, size ? 1, sku :: Sku ? \"Standard\" }: { inherit name size sku; };\n  b0 = mk { name = \"b0\"; };\n");
    for i in 1..bindings {
        let previous = i - 1;
        match i % 4 {
            0 => text.push_str(&format!("  b{i} = mk {{ name = \"b{i}\"; size = b{previous}.size + 1; sku = \"Premium\"; }};\n")),
            1 => text.push_str(&format!("  b{i} = b{previous} // {{ extra{i} = [ {i} ]; }};\n")),
            2 => text.push_str(&format!("  b{i} = {{ name = \"n-${{toString {i}}}\"; size = {i}; sku = \"Standard\"; inner = b{previous}; }};\n")),
            _ => text.push_str(&format!("  b{i} = if b{previous}.size > {i} then mk {{ name = \"x\"; }} else mk {{ name = \"y\"; size = 2; }};\n")),
        }
    }
    text.push_str(&format!(
        "in {{ last = b{}; all = map (x: x) [ b0 ]; }}\n",
        bindings - 1
    ));
    text
}

#[test]
fn ten_thousand_chained_bindings_check_without_errors() {
    assert_eq!(parse_and_check(generated(10_000)), 0);
}

#[test]
fn a_record_with_ten_thousand_fields() {
    let mut text = String::from("let r = {\n");
    for i in 0..10_000 {
        text.push_str(&format!("  f{i} = {i};\n"));
    }
    text.push_str("}; in [ r.f0 r.f9999 (r.f10000 or 0) ]\n");
    let errors = parse_and_check(text);
    assert_eq!(errors, 0);
}

#[test]
fn deep_operator_chains_do_not_overflow() {
    let mut text = String::from("1");
    for _ in 0..50_000 {
        text.push_str(" + 1");
    }
    let errors = parse_and_check(text);
    assert_eq!(errors, 0);
    let mut text = String::from("f");
    for _ in 0..50_000 {
        text.push_str(" 1");
    }
    let errors = parse_and_check(format!("let f :: Any = x: f; in {text}"));
    assert_eq!(errors, 0);
}

#[test]
fn deeply_nested_brackets_do_not_overflow() {
    let depth = 5_000;
    let text = format!("{}1{}", "[ ".repeat(depth), " ]".repeat(depth));
    parse_and_check(text);
    let text = format!("{}1{}", "{ a = ".repeat(depth), "; }".repeat(depth));
    parse_and_check(text);
    let text = format!("{}x{}", "(x: ".repeat(depth), ")".repeat(depth));
    parse_and_check(text);
}

/// A tiny deterministic generator of token soup.
struct Soup(u64);

impl Soup {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % 1_000) as usize
    }
}

#[test]
fn token_soup_never_panics() {
    const PIECES: &[&str] = &[
        "let",
        "in",
        "if",
        "then",
        "else",
        "assert",
        "rec",
        "inherit",
        "or",
        "type",
        "{",
        "}",
        "[",
        "]",
        "(",
        ")",
        ";",
        ":",
        "::",
        "=",
        ".",
        "?",
        "@",
        ",",
        "...",
        "+",
        "-",
        "*",
        "/",
        "++",
        "//",
        "==",
        "!=",
        "<",
        ">",
        "&&",
        "||",
        "!",
        "->",
        "|",
        "x",
        "y",
        "f",
        "a.b",
        "map",
        "builtins",
        "Int",
        "String",
        "List",
        "Any",
        "\"s\"",
        "\"${x}\"",
        "1",
        "null",
        "true",
        "./p",
        "import",
        "{ a, b ? 1, ... }:",
        "x:",
        "x :: Int:",
        "\"A\" | \"B\"",
    ];
    for seed in 1..400u64 {
        let mut soup = Soup(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let length = 5 + soup.next() % 60;
        let text: Vec<&str> = (0..length)
            .map(|_| PIECES[soup.next() % PIECES.len()])
            .collect();
        parse_and_check(text.join(" "));
    }
}

#[test]
fn exhaustive_small_programs_never_panic() {
    let programs = [
        "x: x x",
        "let f = f; in f",
        "let a = b; b = a; in a + 1",
        "let type A = B; type B = A; x :: A = 1; in x",
        "rec { a = a; }",
        "let r = rec { f = x: r.f x; }; in r",
        "{ a.b = 1; a = 2; }",
        "{ } // { } // null",
        "(x: x) (x: x) (x: x) 1 2",
        "let f = { a ? b, b ? a }: a; in f { }",
        "[ (x: x) 1 ]",
        "builtins.nope",
        "assert null; null",
        "\"${x: x}\"",
        "import <nope>",
    ];
    for text in programs {
        parse_and_check(text.to_string());
    }
}

#[test]
fn a_list_of_records_with_distinct_fields_checks() {
    let items: Vec<String> = (0..10_000).map(|i| format!("{{ f{i} = {i}; }}")).collect();
    let text = format!("[ {} ]", items.join(" "));
    assert_eq!(parse_and_check(text), 0);
}

#[test]
fn thousands_of_unknown_names_are_each_reported() {
    let mut text = String::from("let\n");
    for i in 0..5_000 {
        text.push_str(&format!("  value{i} = valu{i} + missing;\n"));
    }
    text.push_str("in value0\n");
    assert_eq!(parse_and_check(text), 10_000);
}
