//! ARM JSON emission: the validators accept every representative graph's `main.json` (and the
//! parameters schema its `main.parameters.json`), output is deterministic, secrets never reach a
//! file, and one small template is snapshotted.

mod common_emit;

use common_emit::graphs::{self, SECRET_VALUE_MARKER};
use common_emit::{check_parameter_files, schema_check, validate_all, write_files};
use sblc::emit::emit_arm;
use sblc::graph::{Node, ParameterType, Template};

#[test]
fn validators_accept_every_main_json() {
    let mut templates = Vec::new();
    let mut parameter_files = Vec::new();
    for case in graphs::all() {
        let files = emit_arm(&case.graph, &case.meta).expect("emits");
        let dir = write_files(&format!("arm-{}", case.name), &files);
        templates.push(dir.join("main.json"));
        parameter_files.push(dir.join("main.parameters.json"));
    }
    let parameters = check_parameter_files(&parameter_files);
    assert!(parameters.ok, "{}", parameters.output);
    let schema = schema_check(&templates);
    let runs = validate_all(vec![("arm-template-check", vec![], templates)]);
    for run in runs.iter().chain([&schema]) {
        assert!(run.ok, "{} failed:\n{}", run.command, run.output);
    }
}

#[test]
fn two_emissions_are_byte_identical() {
    for (first, second) in graphs::all().into_iter().zip(graphs::all()) {
        let a = emit_arm(&first.graph, &first.meta).expect("emits");
        let b = emit_arm(&second.graph, &second.meta).expect("emits");
        assert_eq!(a, b, "{}", first.name);
        for file in &a {
            assert!(file.contents.ends_with("}\n"), "{}", file.path.display());
        }
    }
}

#[test]
fn secure_parameters_get_no_value_anywhere() {
    for mut case in graphs::all() {
        let Some(secure) = case
            .graph
            .parameters
            .iter_mut()
            .find(|p| p.kind == ParameterType::SecureString)
        else {
            continue;
        };
        // Even a graph that breaks the model's rule and carries a default must not leak it.
        secure.default = Some(Node::Str(Template::literal("S3cret-Value-42")));
        let files = emit_arm(&case.graph, &case.meta).expect("emits");
        for file in &files {
            assert!(
                !file.contents.contains("S3cret-Value-42"),
                "{}: {} leaks the secret",
                case.name,
                file.path.display()
            );
        }
        let parameters = &files[1];
        assert!(!parameters.contents.contains(SECRET_VALUE_MARKER));
        let main: serde_json::Value = serde_json::from_str(&files[0].contents).expect("json");
        assert_eq!(
            main["parameters"][SECRET_VALUE_MARKER],
            serde_json::json!({ "type": "secureString", "metadata": { "description": "The adminPassword." } })
        );
    }
}

#[test]
fn parameters_file_holds_the_defaults() {
    let case = graphs::hub_and_spoke();
    let files = emit_arm(&case.graph, &case.meta).expect("emits");
    insta::with_settings!({ snapshot_path => "../snapshots/emit", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("hub_and_spoke.parameters.json", files[1].contents);
    });
}

#[test]
fn small_template_snapshot() {
    let case = graphs::small_network();
    let files = emit_arm(&case.graph, &case.meta).expect("emits");
    insta::with_settings!({ snapshot_path => "../snapshots/emit", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("small_network.main.json", files[0].contents);
    });
}

#[test]
fn only_the_checkers_child_name_false_positive_is_ignored() {
    use common_emit::is_child_name_false_positive as ignored;
    assert!(ignored("'default' does not match '^.*/default$'"));
    assert!(!ignored("'other' does not match '^.*/default$'"));
    assert!(!ignored("'a/default' does not match '^.*/a/default$'"));
    assert!(!ignored("'default' is not of type 'integer'"));
}
