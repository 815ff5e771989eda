//! Fuzzing the front end (parse, check, evaluate) for panics, with proptest.
//!
//! Two generators: token soup from the language's whole vocabulary, and mutations (cut, repeat,
//! insert, swap) of valid seed programs, which reach deep into the checker and evaluator. The
//! property: no panic, no stack overflow, every diagnostic's spans inside its file, and both
//! renderers accept every diagnostic. `SBL_FUZZ_CASES` sets the number of cases per generator
//! (CI uses the default, with a fixed seed); regressions found are kept as plain tests at the bottom.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use sblc::diagnostic::render::{render_json, render_plain};

const VOCABULARY: &[&str] = &[
    "let",
    "in",
    "if",
    "then",
    "else",
    "assert",
    "import",
    "inherit",
    "rec",
    "or",
    "true",
    "false",
    "null",
    "type",
    "x",
    "y",
    "f",
    "map",
    "filter",
    "foldl",
    "toString",
    "throw",
    "cidrSubnet",
    "builtins",
    "a",
    "b",
    "0",
    "1",
    "42",
    "-",
    "+",
    "*",
    "/",
    "//",
    "++",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    "!",
    "?",
    ".",
    ",",
    ";",
    ":",
    "::",
    "=",
    "@",
    "...",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "\"",
    "\"s\"",
    "\"${",
    "}\"",
    "''",
    "''\n  x\n''",
    "./x.sbl",
    "<batch>",
    "Int",
    "String",
    "List",
    "{ a: Int }",
    "\"A\" | \"B\"",
    "->",
    "#c\n",
    "/*",
    "*/",
    "\\",
    "$",
    "\n",
    "x: x",
    "{ a, b ? 1, ... }:",
];

const SEEDS: &[&str] = &[
    "let f = { name, size ? 2, ... }: \"${name}-${toString size}\"; in f { name = \"pool\"; }",
    "let xs = map (x: x * 2) [ 1 2 3 ]; in foldl (a: b: a + b) 0 xs",
    "rec { a = 1; b = a + 1; c = { inherit a b; } // { d = [ a b ] ++ [ 3 ]; }; }",
    "let type Sku = \"Standard\" | \"Premium\"; mk = { sku :: Sku ? \"Standard\" }: sku; in mk { sku = \"Premium\"; }",
    "let r = { a.b.c = 1; }; in if r ? a.b then r.a.b.c or 0 else assert false, \"no\"; 1",
    "let net = cidrSubnet \"10.0.0.0/16\" 8 3; in { inherit net; ok = cidrContains \"10.0.0.0/16\" net; }",
    "let s = ''\n  echo ${toString 1}\n  ''\\n\n''; in s + \"!\"",
    // Linear, not exponential, recursion: a mutated argument (`count 1010`) must end quickly,
    // by a result or by the depth limit.
    "let count = n: if n < 1 then 0 else 1 + count (n - 1); in count 10",
    "{ a = 1; } // { b = (x: x) 3; c = (y :: Int: y + 1) 2; }",
];

/// CI runs the same cases every time; `SBL_FUZZ_RANDOM=1` explores new ones.
fn runner(cases: u32) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    if std::env::var_os("SBL_FUZZ_RANDOM").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    }
}

fn cases() -> u32 {
    std::env::var("SBL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

/// Runs the whole front end and checks the property; returns a message on violation.
fn front_end_holds(text: &str) -> Result<(), String> {
    let dir = std::env::temp_dir();
    let outcome = sblc::driver::evaluate_text("fuzz.sbl", text, &dir);
    for diagnostic in &outcome.diagnostics {
        for label in std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary) {
            let file = outcome.program.sources.get(label.span.file);
            if label.span.end as usize > file.text.len() || label.span.start > label.span.end {
                return Err(format!(
                    "span {:?} outside {} ({} bytes)",
                    label.span,
                    file.name,
                    file.text.len()
                ));
            }
            if !file.text.is_char_boundary(label.span.start as usize)
                || !file.text.is_char_boundary(label.span.end as usize)
            {
                return Err(format!("span {:?} splits a character", label.span));
            }
        }
    }
    let _ = render_plain(&outcome.diagnostics, &outcome.program.sources);
    let _ = render_json(&outcome.diagnostics, &outcome.program.sources);
    Ok(())
}

fn run(strategy: impl Strategy<Value = String> + Send + 'static) {
    let cases = cases();
    let result = common::with_big_stack(move || {
        let mut runner = runner(cases);
        runner
            .run(&strategy, |text| {
                front_end_holds(&text).map_err(TestCaseError::fail)
            })
            .map_err(|e| e.to_string())
    });
    if let Err(message) = result {
        panic!("{message}");
    }
}

#[test]
fn token_soup_never_panics() {
    let token = proptest::sample::select(VOCABULARY);
    let separator = proptest::sample::select(&[" ", "", "\n"][..]);
    run(proptest::collection::vec((token, separator), 0..60)
        .prop_map(|parts| parts.into_iter().map(|(t, s)| format!("{t}{s}")).collect()));
}

#[derive(Clone, Debug)]
enum Mutation {
    Cut(usize, usize),
    Repeat(usize, usize),
    Insert(usize, &'static str),
    Swap(usize, usize),
}

fn mutate(seed: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = seed.chars().collect();
    for mutation in mutations {
        let len = chars.len().max(1);
        match *mutation {
            Mutation::Cut(at, n) => {
                let at = at % len;
                let end = (at + n % 8).min(chars.len());
                chars.drain(at.min(chars.len())..end);
            }
            Mutation::Repeat(at, n) => {
                let at = (at % len).min(chars.len());
                let end = (at + n % 12).min(chars.len());
                let piece: Vec<char> = chars[at..end].to_vec();
                chars.splice(at..at, piece);
            }
            Mutation::Insert(at, text) => {
                let at = (at % len).min(chars.len());
                chars.splice(at..at, text.chars());
            }
            Mutation::Swap(a, b) => {
                if !chars.is_empty() {
                    let (a, b) = (a % chars.len(), b % chars.len());
                    chars.swap(a, b);
                }
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_programs_never_panic() {
    let mutation = prop_oneof![
        (any::<usize>(), any::<usize>()).prop_map(|(a, n)| Mutation::Cut(a, n)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, n)| Mutation::Repeat(a, n)),
        (any::<usize>(), proptest::sample::select(VOCABULARY))
            .prop_map(|(a, t)| Mutation::Insert(a, t)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Mutation::Swap(a, b)),
    ];
    let seed = proptest::sample::select(SEEDS);
    run((seed, proptest::collection::vec(mutation, 1..6)).prop_map(|(seed, ms)| mutate(seed, &ms)));
}

#[test]
fn seeds_are_valid_programs() {
    // The mutation generator starts from valid programs; keep them valid.
    for seed in SEEDS {
        let outcome = common::with_big_stack(move || {
            let o = sblc::driver::evaluate_text("seed.sbl", seed, &std::env::temp_dir());
            render_plain(&o.diagnostics, &o.program.sources)
        });
        assert!(outcome.is_empty(), "{seed}\n{outcome}");
    }
}

// --- Regressions ---------------------------------------------------------------------------

/// Found by the mutation generator: a recursion whose argument a mutation multiplied ends at
/// once with the depth-limit diagnostic (not a stack overflow, not a hang).
#[test]
fn a_runaway_recursion_ends_with_a_diagnostic() {
    let codes = common::with_big_stack(|| {
        let text = "let count = n: if n < 1 then 0 else 1 + count (n - 1); in count 1010101";
        let outcome = sblc::driver::evaluate_text("fuzz.sbl", text, &std::env::temp_dir());
        outcome
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>()
    });
    assert_eq!(codes, [sblc::diagnostic::Code::RecursionTooDeep]);
}
