//! One test per evaluation error code: the code, the message, and the rendered report as an
//! insta snapshot (source and report side by side, in `snapshots/eval/`).

mod eval_common;

use eval_common::{error_report, eval_error};
use sblc::diagnostic::Code;

fn snapshot(code: Code, text: &str) {
    let (found, report) = error_report(text);
    assert_eq!(found, code, "{report}");
    insta::with_settings!({ snapshot_path => "../snapshots/eval", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(code.as_str(), report);
    });
}

#[test]
fn e0401_assertion_failed() {
    snapshot(
        Code::AssertionFailed,
        "let nodes = 0; in\nassert nodes > 0, \"a pool needs at least one node\";\n{ inherit nodes; }",
    );
    let d = eval_error("assert 1 > 2; 3");
    assert_eq!(d.message, "assertion failed");
}

#[test]
fn e0402_thrown() {
    snapshot(
        Code::Thrown,
        "let sku = name:\n  if name == \"standard\" then \"Standard_LRS\"\n  else throw \"unknown storage tier ${name}\";\nin sku \"premum\"",
    );
}

#[test]
fn e0403_infinite_recursion() {
    snapshot(
        Code::InfiniteRecursion,
        "let a = b + 1;\n    b = a * 2;\nin { v = a; }",
    );
    assert_eq!(eval_error("rec { x = x; }.x").code, Code::InfiniteRecursion);
    assert_eq!(
        eval_error("({ a ? b, b ? a }: a) { }").code,
        Code::InfiniteRecursion
    );
}

#[test]
fn e0404_recursion_too_deep() {
    snapshot(
        Code::RecursionTooDeep,
        "let count = n: if n == 0 then 0 else 1 + count (n + 1);\nin count 5",
    );
    let d = eval_error("let f = n: f (n + 1); in f 0");
    assert_eq!(d.code, Code::RecursionTooDeep);
    let d = eval_error("let xs = n: [ n ] ++ xs (n + 1); in xs 0");
    assert_eq!(d.code, Code::RecursionTooDeep);
}

#[test]
fn e0405_division_by_zero() {
    snapshot(
        Code::DivisionByZero,
        "let nodes = 0; in { perNode = 100 / nodes; }",
    );
}

#[test]
fn e0406_integer_overflow() {
    snapshot(
        Code::IntegerOverflow,
        "{ bytes = 9223372036854775807 + 1; }",
    );
    for text in [
        "9223372036854775807 * 2",
        "-9223372036854775807 - 2",
        "(-9223372036854775807 - 1) / -1",
        "-(-9223372036854775807 - 1)",
    ] {
        assert_eq!(eval_error(text).code, Code::IntegerOverflow, "{text}");
    }
}

#[test]
fn e0407_no_such_field() {
    snapshot(
        Code::NoSuchField,
        "let pools = [ { name = \"render\"; vmSize = \"Standard_D2s_v3\"; } ];\n    size = p: p.vmSzie;\nin map size pools",
    );
    let d = eval_error("{ alpha = 1; beta = 2; }.gamma");
    assert!(
        d.notes.iter().any(|n| n.contains("`alpha`, `beta`")),
        "{:?}",
        d.notes
    );
    assert_eq!(
        eval_error("getAttr \"nmae\" { name = 1; }").help.as_deref(),
        Some("did you mean `name`?")
    );
}

#[test]
fn e0408_called_non_function() {
    snapshot(Code::CalledNonFunction, "let port = 80; in port 1");
    assert_eq!(
        eval_error("let f = x: x; in f 1 2").code,
        Code::CalledNonFunction
    );
}

#[test]
fn e0409_runtime_type_error() {
    snapshot(Code::RuntimeTypeError, "let size = \"2\"; in size * 2");
    for text in [
        "1 + \"a\"",
        "if 1 then 2 else 3",
        "!1",
        "-\"a\"",
        "1 && true",
        "1 < \"a\"",
        "[ 1 ] ++ 2",
        "{ } // 1",
        "(1).a",
        "({ a }: a) 5",
        "assert 1; 1",
    ] {
        assert_eq!(eval_error(text).code, Code::RuntimeTypeError, "{text}");
    }
}

#[test]
fn e0410_interpolation_of_wrong_type() {
    snapshot(
        Code::InterpolationOfWrongType,
        "let debug = true; in \"debug=${debug}\"",
    );
}

#[test]
fn e0411_invalid_cidr() {
    snapshot(
        Code::InvalidCidr,
        "{ subnet = cidrSubnet \"10.0.0.0/16\" 8 300; }",
    );
}

#[test]
fn e0412_index_out_of_range() {
    snapshot(
        Code::IndexOutOfRange,
        "elemAt [ \"eastus\" \"westeurope\" ] 2",
    );
    assert_eq!(eval_error("elemAt [ 1 ] (-1)").code, Code::IndexOutOfRange);
}

#[test]
fn e0413_empty_list() {
    snapshot(Code::EmptyList, "let regions = [ ]; in head regions");
    assert_eq!(eval_error("tail [ ]").code, Code::EmptyList);
}

#[test]
fn e0414_unexpected_argument_field() {
    snapshot(
        Code::UnexpectedArgumentField,
        "let pool = { name, nodes ? 1 }: { inherit name nodes; };\nin pool { name = \"render\"; node = 4; }",
    );
}

#[test]
fn e0415_missing_argument_field() {
    snapshot(
        Code::MissingArgumentField,
        "let pool = { name, nodes ? 1 }: name;\nin pool { nodes = 2; }",
    );
}

#[test]
fn e0416_not_serializable() {
    snapshot(
        Code::NotSerializable,
        "{ name = \"pool\"; settings.scale = n: n * 2; }",
    );
}

#[test]
fn e0417_contract_violated() {
    snapshot(
        Code::ContractViolated,
        "let type Tier = \"Standard\" | \"Premium\";\n    tier :: Tier = \"Standrd\";\nin { inherit tier; }",
    );
}

#[test]
fn e0418_unevaluable_code() {
    let (program, diagnostics) = sblc::load::load_text(
        "main.sbl",
        "{ a = 1; b = undefinedName; }",
        std::path::Path::new("/virtual"),
    );
    assert!(diagnostics.is_empty());
    let errors = sblc::eval::evaluate_to_json(&program).unwrap_err();
    assert_eq!(errors[0].code, Code::UnevaluableCode);
    let rendered = sblc::diagnostic::render::render_plain(&errors, &program.sources);
    insta::with_settings!({ snapshot_path => "../snapshots/eval", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("E0418", rendered);
    });
}

#[test]
fn e0419_invalid_builtin_argument() {
    snapshot(
        Code::InvalidBuiltinArgument,
        "replaceStrings [ \"a\" \"b\" ] [ \"x\" ] \"abc\"",
    );
    assert_eq!(
        eval_error("substring (-1) 2 \"abc\"").code,
        Code::InvalidBuiltinArgument
    );
}

#[test]
fn traces_list_the_calls_innermost_first_up_to_a_limit() {
    let text = "let f0 = x: x.missing;\n    f1 = x: f0 x; f2 = x: f1 x; f3 = x: f2 x; f4 = x: f3 x; f5 = x: f4 x; f6 = x: f5 x;\nin f6 { }";
    let d = eval_error(text);
    assert_eq!(d.code, Code::NoSuchField);
    let traced: Vec<&str> = d
        .secondary
        .iter()
        .filter(|l| l.message == "called from here")
        .map(|l| &text[l.span.range()])
        .collect();
    assert_eq!(traced, ["f0 x", "f1 x", "f2 x", "f3 x", "f4 x"]);
    assert!(
        d.notes.iter().any(|n| n.contains("2 more calls")),
        "{:?}",
        d.notes
    );
}

#[test]
fn json_errors_say_where_in_the_value() {
    let d = eval_error("{ pools = [ { ok = 1; } { bad = 1 / 0; } ]; }");
    assert_eq!(d.code, Code::DivisionByZero);
    assert!(
        d.notes
            .iter()
            .any(|n| n == "while converting `.pools[1].bad` to JSON"),
        "{:?}",
        d.notes
    );
}
