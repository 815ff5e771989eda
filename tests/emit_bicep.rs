//! Bicep emission: both Bicep parsers accept every file of every representative graph, output is
//! deterministic, secrets never reach a file, and one small `main.bicep` is snapshotted.

mod common_emit;

use common_emit::graphs;
use common_emit::{files_with_extension, validate_all, write_files};
use sblc::emit::emit_bicep;

#[test]
fn both_parsers_accept_every_bicep_file() {
    let mut files = Vec::new();
    for case in graphs::all() {
        let outputs = emit_bicep(&case.graph, &case.meta).expect("emits");
        let dir = write_files(&format!("bicep-{}", case.name), &outputs);
        files.extend(files_with_extension(&dir, "bicep"));
    }
    assert!(files.len() >= 6, "{files:?}");
    let runs = validate_all(vec![
        ("bicep-syntax-check", vec![], files.clone()),
        ("bicep-checkov-parse", vec![], files),
    ]);
    for run in &runs {
        assert!(run.ok, "{} failed:\n{}", run.command, run.output);
    }
}

#[test]
fn two_emissions_are_byte_identical() {
    for (first, second) in graphs::all().into_iter().zip(graphs::all()) {
        let a = emit_bicep(&first.graph, &first.meta).expect("emits");
        let b = emit_bicep(&second.graph, &second.meta).expect("emits");
        assert_eq!(a, b, "{}", first.name);
        for file in &a {
            assert!(file.contents.ends_with('\n') && !file.contents.ends_with("\n\n"));
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
            .find(|p| p.kind == sblc::graph::ParameterType::SecureString)
        else {
            continue;
        };
        secure.default = Some(sblc::graph::Node::Str(sblc::graph::Template::literal(
            "S3cret-Value-42",
        )));
        let files = emit_bicep(&case.graph, &case.meta).expect("emits");
        for file in &files {
            assert!(
                !file.contents.contains("S3cret-Value-42"),
                "{}",
                file.path.display()
            );
            for line in file
                .contents
                .lines()
                .filter(|l| l.contains("param adminPassword"))
            {
                assert_eq!(
                    line,
                    "param adminPassword string",
                    "{}",
                    file.path.display()
                );
            }
        }
    }
}

#[test]
fn subscription_scope_gets_one_module_per_unit() {
    let case = graphs::hub_and_spoke();
    let files = emit_bicep(&case.graph, &case.meta).expect("emits");
    let paths: Vec<String> = files.iter().map(|f| f.path.display().to_string()).collect();
    assert_eq!(
        paths,
        [
            "main.bicep",
            "modules/hubRg.bicep",
            "modules/spokeRg.bicep",
            "modules/spokeRg-2.bicep"
        ]
    );
    // The spoke-to-hub peering waits for the hub, which waits for the spoke VNet: its parent is
    // declared `existing` in a second spoke module.
    assert!(files[3].contents.contains(
        "resource spokeVnet 'Microsoft.Network/virtualNetworks@2024-05-01' existing = {"
    ));
    // A module output keeps the type of the main output it feeds.
    assert!(files[2]
        .contents
        .contains("output spokeVnetAddressSpace object = spokeVnet.properties.addressSpace\n"));
    insta::with_settings!({ snapshot_path => "../snapshots/emit", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("hub_and_spoke.main.bicep", files[0].contents);
    });
}

#[test]
fn small_main_bicep_snapshot() {
    let case = graphs::small_network();
    let files = emit_bicep(&case.graph, &case.meta).expect("emits");
    insta::with_settings!({ snapshot_path => "../snapshots/emit", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("small_network.main.bicep", files[0].contents);
    });
}
