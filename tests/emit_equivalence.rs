//! `main.json` and the Bicep files describe the same deployment: both are read back into one
//! canonical description (resource types, full names, groups, API versions, bodies with
//! deployment-time values resolved to what they denote, dependencies, deployment units,
//! parameters, outputs, metadata) and compared.

mod common_emit;

use common_emit::{compare_arm_and_bicep, emit_all, graphs};

#[test]
fn arm_and_bicep_describe_the_same_deployment() {
    for case in graphs::all() {
        let files = emit_all(&case);
        let (model, differences) = compare_arm_and_bicep(case.name, &files);
        assert!(
            differences.is_empty(),
            "{}: ARM and Bicep differ:\n{}",
            case.name,
            differences.join("\n")
        );
        let resources: usize = model.units.values().map(|u| u.resources.len()).sum();
        assert_eq!(
            resources,
            case.graph.resources.len(),
            "{}: every resource is read",
            case.name
        );
    }
}

/// The comparison is not vacuous: small edits to the Bicep files are noticed.
#[test]
fn the_comparison_notices_differences() {
    let case = graphs::hub_and_spoke();
    let files = emit_all(&case);
    let edits: [(&str, &str, &str); 6] = [
        (
            "modules/hubRg.bicep",
            "name: 'vnet-hub'",
            "name: 'vnet-hub2'",
        ),
        (
            "main.bicep",
            "  dependsOn: [\n    spokeRgDeployment\n  ]\n",
            "",
        ),
        (
            "main.bicep",
            "spokeIdentityId: spokeRgDeployment.outputs.spokeIdentityId",
            "spokeIdentityId: spokeRgDeployment.outputs.spokeVnetId",
        ),
        (
            "modules/spokeRg.bicep",
            "@2023-07-01' = {",
            "@2024-11-01' = {",
        ),
        (
            "modules/hubRg.bicep",
            "registrationEnabled: false",
            "registrationEnabled: true",
        ),
        (
            "main.bicep",
            "param location string = 'westeurope'",
            "param location string = 'northeurope'",
        ),
    ];
    for (path, from, to) in edits {
        let mut edited = files.clone();
        let file = edited
            .iter_mut()
            .find(|f| f.path == std::path::Path::new(path))
            .expect("file");
        assert!(file.contents.contains(from), "{path} has no {from:?}");
        file.contents = file.contents.replacen(from, to, 1);
        let (_, differences) = compare_arm_and_bicep(case.name, &edited);
        assert!(
            !differences.is_empty(),
            "editing {path} ({from:?}) went unnoticed"
        );
    }
}
