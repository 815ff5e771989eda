//! Imports, paths across files, memoisation, and the value API later phases use.

mod eval_common;

use std::fs;

use eval_common::{on_big_stack, run_in, temp_dir};
use sblc::load::load_text;
use serde_json::json;

#[test]
fn imports_evaluate_to_the_file_value() {
    let dir = temp_dir();
    fs::write(
        dir.join("lib.sbl"),
        "{ double = x: x * 2; name = \"lib\"; }",
    )
    .unwrap();
    let json = run_in(
        "let lib = import ./lib.sbl; in { v = lib.double 21; n = lib.name; }",
        &dir,
    )
    .unwrap();
    assert_eq!(json, json!({"v": 42, "n": "lib"}));
}

#[test]
fn imports_resolve_against_the_importing_file_and_paths_print_relative_to_the_entry() {
    let dir = temp_dir();
    fs::create_dir_all(dir.join("net/sub")).unwrap();
    fs::write(
        dir.join("net/hub.sbl"),
        "{ spoke = import ./sub/spoke.sbl; zip = ./dist/app.zip; }",
    )
    .unwrap();
    fs::write(
        dir.join("net/sub/spoke.sbl"),
        "{ cfg = ../../shared/cfg.json; range = \"10.1.0.0/16\"; }",
    )
    .unwrap();
    let json = run_in("import ./net/hub.sbl", &dir).unwrap();
    assert_eq!(
        json,
        json!({"spoke": {"cfg": "./shared/cfg.json", "range": "10.1.0.0/16"}, "zip": "./net/dist/app.zip"})
    );
}

#[test]
fn each_file_is_evaluated_once() {
    let dir = temp_dir();
    fs::write(
        dir.join("shared.sbl"),
        "{ big = map (x: { v = x; }) (range 0 3); }",
    )
    .unwrap();
    fs::write(dir.join("a.sbl"), "(import ./shared.sbl).big").unwrap();
    let text = "{ a = import ./a.sbl; b = (import ./shared.sbl).big; }";
    let same = on_big_stack(move || {
        let (program, diagnostics) = load_text("main.sbl", text, &dir);
        assert!(diagnostics.is_empty());
        let value = sblc::eval::evaluate(&program).unwrap();
        let record = value.as_record().unwrap();
        let a = record.get("a").unwrap().force().unwrap();
        let b = record.get("b").unwrap().force().unwrap();
        a.is_same(&b)
    });
    assert!(same, "both imports share one evaluation of shared.sbl");
}

#[test]
fn thunks_are_memoised() {
    let dir = temp_dir();
    let text =
        "let make = n: { n = n; }; shared = make 1; in { x = shared; y = shared; z = make 1; }";
    let (same, different) = on_big_stack(move || {
        let (program, _) = load_text("main.sbl", text, &dir);
        let value = sblc::eval::evaluate(&program).unwrap();
        let record = value.as_record().unwrap();
        let force = |name: &str| record.get(name).unwrap().force().unwrap();
        (
            force("x").is_same(&force("y")),
            force("x").is_same(&force("z")),
        )
    });
    assert!(same, "one thunk, one value");
    assert!(!different, "a second call makes a second value");
}

#[test]
fn inherit_from_evaluates_its_source_once() {
    let dir = temp_dir();
    let text = "let mk = n: let shared = { v = n; }; in { a = shared; b = shared; }; in { inherit (mk 1) a b; }";
    let same = on_big_stack(move || {
        let (program, _) = load_text("main.sbl", text, &dir);
        let value = sblc::eval::evaluate(&program).unwrap();
        let record = value.as_record().unwrap();
        let force = |name: &str| record.get(name).unwrap().force().unwrap();
        force("a").is_same(&force("b"))
    });
    assert!(same, "`mk 1` ran once for both names");
}

#[test]
fn the_value_api_walks_results_lazily() {
    let dir = temp_dir();
    let text = "{ name = \"pool\"; nodes = [ 1 2 ]; broken = throw \"not forced\"; path = ./x; nested.flag = true; }";
    let summary = on_big_stack(move || {
        let (program, _) = load_text("main.sbl", text, &dir);
        let value = sblc::eval::evaluate(&program).unwrap();
        let record = value.as_record().unwrap();
        let names: Vec<String> = record.names().map(|n| n.to_string()).collect();
        let name = record.get("name").unwrap().force().unwrap();
        let nodes = record.get("nodes").unwrap().force().unwrap();
        let items: Vec<i64> = nodes
            .as_list()
            .unwrap()
            .iter()
            .map(|t| t.force().unwrap().as_int().unwrap())
            .collect();
        let path = record.get("path").unwrap().force().unwrap();
        let path = path.as_path().unwrap();
        let broken = record.get("broken").unwrap().force().unwrap_err();
        let flag = record.get("nested").unwrap().force().unwrap();
        let flag = flag
            .as_record()
            .unwrap()
            .get("flag")
            .unwrap()
            .force()
            .unwrap()
            .as_bool();
        (
            names,
            name.as_str().map(str::to_string),
            items,
            path.display.to_string(),
            path.absolute().ends_with("x"),
            broken.message,
            flag,
            record.get("missing").is_none(),
        )
    });
    assert_eq!(summary.0, ["name", "nodes", "broken", "path", "nested"]);
    assert_eq!(summary.1.as_deref(), Some("pool"));
    assert_eq!(summary.2, [1, 2]);
    assert_eq!(summary.3, "./x");
    assert!(summary.4);
    assert_eq!(summary.5, "not forced");
    assert_eq!(summary.6, Some(true));
    assert!(summary.7);
}
