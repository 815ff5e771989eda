//! Type diagnostics: one test per code (the code, the key words of the message, and a snapshot
//! of the source with the rendered report), error recovery, and independent errors.

mod types_support;

use sblc::diagnostic::Code;
use types_support::{check_text, errors, rendered, single_error, snapshot};

#[test]
fn e0301_type_mismatch() {
    let text = "let\n  nodes :: Int = \"4\";\nin nodes\n";
    single_error(
        text,
        Code::TypeMismatch,
        &["expected `Int`", "found `String`"],
    );
    snapshot("E0301", text, &[Code::TypeMismatch]);
}

#[test]
fn e0301_names_the_field_inside_a_record() {
    let text = "let\n  pool :: { nodes: Int } = { nodes = \"4\"; };\nin pool\n";
    // Checked field by field: reported at the field's value.
    let d = single_error(
        text,
        Code::TypeMismatch,
        &["expected `Int`", "found `String`"],
    );
    assert_eq!(
        d.primary.span.range(),
        text.find("\"4\"").map(|s| s..s + 3).unwrap()
    );
    // Compared after inference: the message names the field.
    let text = "let\n  p = { nodes = \"4\"; };\n  f = { nodes :: Int }: nodes;\nin f p\n";
    single_error(
        text,
        Code::TypeMismatch,
        &["in field `nodes`", "expected `Int`"],
    );
}

#[test]
fn e0302_unknown_variable() {
    let text = "let\n  location = \"westeurope\";\nin { region = locaton; }\n";
    single_error(
        text,
        Code::UnknownVariable,
        &["unknown variable `locaton`", "did you mean `location`?"],
    );
    snapshot("E0302", text, &[Code::UnknownVariable]);
}

#[test]
fn e0302_suggests_builtins() {
    single_error(
        "concatStringSep \",\" [ \"a\" ]",
        Code::UnknownVariable,
        &["did you mean `concatStringsSep`?"],
    );
}

#[test]
fn e0303_unknown_field() {
    let text = "let\n  pool = { vmSize, nodes ? 1 }: { inherit vmSize nodes; };\nin pool { vmSzie = \"Standard_D2s_v3\"; }\n";
    let d = single_error(
        text,
        Code::UnknownField,
        &[
            "unknown field `vmSzie`",
            "did you mean `vmSize`?",
            "`vmSize` is declared here",
        ],
    );
    // No second diagnostic for `vmSize` missing: the suggestion says it all.
    assert_eq!(d.secondary.len(), 1);
    snapshot("E0303", text, &[Code::UnknownField]);
}

#[test]
fn e0303_lists_allowed_fields_when_nothing_is_close() {
    single_error(
        "let f = { a, b ? 1 }: a; in f { a = 1; zzzzzz = 2; }",
        Code::UnknownField,
        &[
            "unknown field `zzzzzz`",
            "the allowed fields are `a` and `b`",
        ],
    );
}

#[test]
fn e0304_missing_field() {
    let text =
        "let\n  pool = { vmSize, nodes ? 1 }: { inherit vmSize nodes; };\nin pool { nodes = 2; }\n";
    single_error(
        text,
        Code::MissingField,
        &["missing required field `vmSize`", "is declared here"],
    );
    snapshot("E0304", text, &[Code::MissingField]);
}

#[test]
fn e0305_no_such_field() {
    let text = "let\n  network = { addressSpace = \"10.0.0.0/16\"; subnets = [ ]; };\nin network.adressSpace\n";
    single_error(
        text,
        Code::SelectedFieldMissing,
        &["no field `adressSpace`", "did you mean `addressSpace`?"],
    );
    snapshot("E0305", text, &[Code::SelectedFieldMissing]);
}

#[test]
fn e0305_not_with_a_default() {
    assert!(errors("let r = { a = 1; }; in r.b or 2").is_empty());
    assert!(errors("let r = { a = { }; }; in r.a.b.c or 2").is_empty());
}

#[test]
fn e0306_value_not_allowed() {
    let text =
        "let\n  type Sku = \"Standard\" | \"Premium\";\n  sku :: Sku = \"Premum\";\nin sku\n";
    single_error(
        text,
        Code::ValueNotAllowed,
        &[
            "\"Premum\" is not one of the allowed values",
            "did you mean \"Premium\"?",
            "\"Standard\", \"Premium\"",
        ],
    );
    snapshot("E0306", text, &[Code::ValueNotAllowed]);
}

#[test]
fn e0307_unknown_type() {
    let text = "let\n  port :: Integer = 443;\nin port\n";
    single_error(
        text,
        Code::UnknownType,
        &["unknown type `Integer`", "did you mean `Int`?"],
    );
    snapshot("E0307", text, &[Code::UnknownType]);
}

#[test]
fn e0307_suggests_aliases() {
    single_error(
        "let type Sku = \"A\" | \"B\"; s :: Skus = \"A\"; in s",
        Code::UnknownType,
        &["did you mean `Sku`?"],
    );
}

#[test]
fn e0308_recursive_type_alias() {
    let text = "let\n  type Tree = { name: String, children: List Tree };\n  t :: Tree = { name = \"root\"; children = [ ]; };\nin t\n";
    single_error(text, Code::RecursiveTypeAlias, &["`Tree` refers to itself"]);
    snapshot("E0308", text, &[Code::RecursiveTypeAlias]);
}

#[test]
fn e0309_not_a_function() {
    let text = "let\n  nodes = 3;\nin nodes 2\n";
    single_error(
        text,
        Code::NotAFunction,
        &["calling an integer", "not a function"],
    );
    snapshot("E0309", text, &[Code::NotAFunction]);
}

#[test]
fn e0310_too_many_arguments() {
    let text = "let\n  subnet = prefix: index: \"${prefix}/${toString index}\";\nin subnet \"10.0.0.0\" 24 1\n";
    single_error(
        text,
        Code::TooManyArguments,
        &[
            "too many arguments",
            "`subnet` takes 2",
            "after 2 arguments",
        ],
    );
    snapshot("E0310", text, &[Code::TooManyArguments]);
}

#[test]
fn e0311_condition_not_bool() {
    let text = "let\n  subnets = [ \"10.0.1.0/24\" ];\nin if subnets then \"some\" else \"none\"\n";
    single_error(
        text,
        Code::ConditionNotBool,
        &["condition of `if` must be a `Bool`", "found `List String`"],
    );
    snapshot("E0311", text, &[Code::ConditionNotBool]);
    single_error(
        "assert 1; 2",
        Code::ConditionNotBool,
        &["condition of `assert`"],
    );
}

#[test]
fn assert_message_must_be_a_string() {
    single_error(
        "assert true, 42; 2",
        Code::TypeMismatch,
        &["expected `String`", "found `Int`"],
    );
}

#[test]
fn e0312_branch_mismatch() {
    let text = "let\n  premium = true;\nin if premium then \"Premium\" else 0\n";
    single_error(
        text,
        Code::BranchMismatch,
        &["different types", "`String` and `Int`"],
    );
    snapshot("E0312", text, &[Code::BranchMismatch]);
}

#[test]
fn e0313_operator_mismatch() {
    let text = "let\n  nodes = 3;\nin \"nodes: \" + nodes\n";
    single_error(
        text,
        Code::OperatorMismatch,
        &["`+` cannot be applied to `String` and `Int`", "toString"],
    );
    snapshot("E0313", text, &[Code::OperatorMismatch]);
}

#[test]
fn e0313_every_operator_checks_its_operands() {
    let cases = [
        ("1 - \"a\"", "`-` needs `Int`"),
        ("true * 2", "`*` needs `Int`"),
        ("1 && true", "`&&` needs `Bool`"),
        ("!3", "`!` needs `Bool`"),
        ("-\"a\"", "`-` needs `Int`"),
        ("1 < \"a\"", "`<` cannot be applied to `Int` and `String`"),
        ("[ 1 ] ++ 2", "`++` cannot be applied"),
        ("{ } // 2", "`//` cannot be applied"),
        ("./a + 1", "`+` cannot be applied to `Path` and `Int`"),
    ];
    for (text, words) in cases {
        single_error(text, Code::OperatorMismatch, &[words]);
    }
}

#[test]
fn e0314_not_stringable() {
    let text = "let\n  enabled = true;\nin \"enabled=${enabled}\"\n";
    single_error(
        text,
        Code::NotStringable,
        &["cannot interpolate a boolean", "toString"],
    );
    snapshot("E0314", text, &[Code::NotStringable]);
    single_error(
        "\"${[ 1 ]}\"",
        Code::NotStringable,
        &["a list", "concatStringsSep"],
    );
}

#[test]
fn three_independent_errors_are_all_reported() {
    let text = "let\n  a = 1 + \"x\";\n  b = undefinedName;\n  c :: Bool = 3;\n  d = a + 1;\nin [ a b c d ]\n";
    let (program, report) = check_text(text);
    let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [
            Code::OperatorMismatch,
            Code::UnknownVariable,
            Code::TypeMismatch
        ],
        "{}",
        rendered(&program, &report.diagnostics)
    );
    snapshot("three_independent_errors", text, &codes);
}

#[test]
fn one_mistake_gives_one_diagnostic() {
    // `bad` is in error; every use of it is `Any` and reported no further.
    let text = "let\n  bad = nope;\n  x = bad + 1;\n  y = bad.field;\n  z = bad 3;\n  w = if bad then \"${bad}\" else \"\";\nin [ x y z w ]\n";
    assert_eq!(errors(text).len(), 1, "{:?}", errors(text));
    // A wrong field value does not make the whole call wrong.
    let text = "let f = { a :: Int, b :: String }: a + 1; in (f { a = \"x\"; b = \"y\"; }) + 1";
    assert_eq!(errors(text).len(), 1);
}

#[test]
fn syntax_errors_are_not_reported_again() {
    let (program, load_diagnostics) = sblc::load::load_text(
        "main.sbl",
        "let a = ; b = a + 1; in b.c",
        &std::env::temp_dir(),
    );
    assert!(!load_diagnostics.is_empty());
    let report = sblc::types::check(&program);
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
}

#[test]
fn every_explanation_example_triggers_its_code() {
    for code in Code::ALL {
        let info = code.info();
        if !info.code.starts_with("E03") {
            continue;
        }
        assert!(info.explanation.contains("## Fix"), "{}", info.code);
        let example = info
            .explanation
            .split("```sbl\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap_or_else(|| panic!("{} has no sbl example", info.code));
        let codes: Vec<Code> = errors(example).iter().map(|d| d.code).collect();
        assert_eq!(codes, [*code], "the example of {}:\n{example}", info.code);
    }
}

#[test]
fn misspelt_fields_of_resources_are_reported() {
    let text = "let\n  vnet = resource { type = \"t\"; apiVersion = \"v\"; name = \"hub\"; location = \"westeurope\"; };\nin vnet.locaton\n";
    single_error(
        text,
        Code::SelectedFieldMissing,
        &["did you mean `location`?"],
    );
    single_error(
        "resource { type = \"t\"; apiVersion = \"v\"; name = 3; }",
        Code::TypeMismatch,
        &["in field `name`", "expected `String`"],
    );
    single_error(
        "param { name = \"p\"; type = \"strng\"; }",
        Code::ValueNotAllowed,
        &["did you mean \"string\"?"],
    );
}

#[test]
fn each_declared_field_is_suggested_once() {
    let text = "let f = { a, b }: a; in f { a = 1; c = 2; d = 3; }";
    let (program, report) = check_text(text);
    let shown = rendered(&program, &report.diagnostics);
    assert_eq!(report.diagnostics.len(), 2, "{shown}");
    assert_eq!(
        report.diagnostics[0].help.as_deref(),
        Some("did you mean `b`?")
    );
    assert!(report.diagnostics[1].help.is_none(), "{shown}");
    assert!(report.diagnostics[1].notes[0].contains("the allowed fields are `a` and `b`"));
}

#[test]
fn a_mismatched_field_is_labelled_where_it_is_written() {
    let text = "let f = { a :: Int }: a; r = { a = \"x\"; }; in f r";
    let d = single_error(
        text,
        Code::TypeMismatch,
        &["in field `a`", "this field is `String`"],
    );
    let field = d
        .secondary
        .iter()
        .find(|l| l.message.contains("this field"))
        .unwrap();
    assert_eq!(&text[field.span.range()], "a");
}

#[test]
fn diagnostics_come_in_source_order() {
    // `late` is checked first (`early` depends on it), but reported second.
    let text = "let\n  early = { uses = late; bad = 1 + \"x\"; };\n  late = 1 + true;\nin early\n";
    let diagnostics = errors(text);
    assert_eq!(diagnostics.len(), 2);
    assert!(diagnostics[0].primary.span.start < diagnostics[1].primary.span.start);
}

#[test]
fn lambda_arguments_see_the_types_of_the_other_arguments() {
    let text = "let\n  subnets = map (i: { name = \"s${toString i}\"; }) (range 0 3);\nin map (s: s.nmae) subnets\n";
    single_error(text, Code::SelectedFieldMissing, &["did you mean `name`?"]);
    single_error(
        "filter (p: p.enabeld) [ { enabled = true; } ]",
        Code::SelectedFieldMissing,
        &["did you mean `enabled`?"],
    );
}

#[test]
fn builtins_record_holds_the_functions() {
    single_error(
        "builtins.mapp",
        Code::SelectedFieldMissing,
        &["did you mean `map`?"],
    );
    single_error(
        "builtins.tenantId",
        Code::SelectedFieldMissing,
        &["no field `tenantId`"],
    );
}
