//! Emission of graphs made by the real graph builder (from declarations as evaluation hands
//! them over, the `raw-subscription` example among them): the validators accept the output and
//! ARM and Bicep describe the same deployment.

mod common_emit;

use common_emit::graphs::Case;
use common_emit::{
    compare_arm_and_bicep, emit_all, files_with_extension, schema_check, validate_all, write_files,
};
use sblc::declared::{Declared, DeclaredParameter, DeclaredResource};
use sblc::emit::Metadata;
use sblc::reference::Token;
use sblc::source::{FileId, Origin, SourceMap, Span};
use serde_json::{json, Value};

fn token(index: usize, path: &[&str]) -> String {
    Token::Resource {
        index,
        path: path.iter().map(|s| s.to_string()).collect(),
    }
    .encode()
}

/// A resource value as evaluation gives it to others: a record with its id.
fn link(index: usize) -> Value {
    json!({ "id": token(index, &["id"]) })
}

fn declared(resources: Vec<Value>, parameters: Vec<Value>, value: Value) -> Declared {
    let span = |i: usize| vec![Span::new(FileId(0), i, i + 1)];
    Declared {
        value,
        resources: resources
            .into_iter()
            .enumerate()
            .map(|(i, spec)| DeclaredResource {
                spec: spec.as_object().cloned().unwrap_or_default(),
                trace: span(i),
            })
            .collect(),
        parameters: parameters
            .into_iter()
            .enumerate()
            .map(|(i, spec)| DeclaredParameter {
                spec: spec.as_object().cloned().unwrap_or_default(),
                trace: span(50 + i),
            })
            .collect(),
    }
}

fn build(name: &'static str, declared: Declared) -> Case {
    let mut sources = SourceMap::new();
    sources.add(Origin::Disk("main.sbl".into()), "main.sbl", "x".repeat(100));
    let graph = sblc::graph::build(&declared, &sources).unwrap_or_else(|d| {
        panic!(
            "{name}: {}",
            sblc::diagnostic::render::render_plain(&d, &sources)
        )
    });
    Case {
        name,
        graph,
        sources,
        meta: Metadata {
            generator_version: "0.1.0".into(),
            inputs_hash: "sha256:1".into(),
            allows: Vec::new(),
        },
    }
}

/// `examples/raw-subscription`, as its evaluation declares it.
fn raw_subscription() -> Case {
    let group = |name: &str| json!({ "type": "Microsoft.Resources/resourceGroups", "apiVersion": "2024-03-01", "name": name, "location": "westeurope" });
    let network = |name: &str, space: &str, group: usize| {
        json!({
            "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": name,
            "location": "westeurope", "resourceGroup": link(group),
            "properties": { "addressSpace": { "addressPrefixes": [space] } }
        })
    };
    let peering = |from: usize, to: usize| {
        json!({
            "type": "Microsoft.Network/virtualNetworks/virtualNetworkPeerings", "apiVersion": "2024-05-01",
            "name": format!("{}-to-{}", token(from, &["name"]), token(to, &["name"])),
            "parent": link(from),
            "properties": { "remoteVirtualNetwork": { "id": token(to, &["id"]) }, "allowVirtualNetworkAccess": true, "allowForwardedTraffic": true }
        })
    };
    let resources = vec![
        group("raw-hub-rg"),
        group("raw-spoke-rg"),
        network("raw-hub-vnet", "10.1.0.0/16", 0),
        network("raw-spoke-vnet", "10.2.0.0/16", 1),
        peering(2, 3),
        peering(3, 2),
        json!({ "type": "Microsoft.Network/privateDnsZones", "apiVersion": "2020-06-01", "name": "privatelink.batch.azure.com", "location": "global", "resourceGroup": link(0) }),
        json!({
            "type": "Microsoft.Network/privateDnsZones/virtualNetworkLinks", "apiVersion": "2020-06-01",
            "name": "raw-spoke-link", "parent": link(6), "location": "global",
            "properties": { "registrationEnabled": false, "virtualNetwork": { "id": token(3, &["id"]) } }
        }),
    ];
    let value =
        json!({ "targetScope": "subscription", "outputs": { "hubVnetId": token(2, &["id"]) } });
    build("raw_subscription", declared(resources, Vec::new(), value))
}

/// Resource-group scope: a storage account with a user-assigned identity (keyed by its id, a
/// reference the dependency inference must not miss) and a parameterised name.
fn identity_keyed() -> Case {
    let prefix = Token::Parameter {
        name: "prefix".into(),
    }
    .encode();
    // Context tokens (`tenantId`) are not decoded by `reference::split` yet: reported to main.
    let tenant = "00000000-0000-0000-0000-000000000000";
    let resources = vec![
        json!({ "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": "id-pool", "location": "westeurope" }),
        json!({
            "type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": format!("{prefix}pkgs"),
            "location": "westeurope", "sku": { "name": "Standard_GRS" }, "kind": "StorageV2",
            "identity": { "type": "UserAssigned", "userAssignedIdentities": { token(0, &["id"]): {} } },
            "properties": { "minimumTlsVersion": "TLS1_2", "allowSharedKeyAccess": false, "publicNetworkAccess": "Disabled" }
        }),
        json!({
            "type": "Microsoft.KeyVault/vaults", "apiVersion": "2024-11-01", "name": format!("kv-{prefix}"), "location": "westeurope",
            "properties": { "tenantId": tenant, "sku": { "family": "A", "name": "standard" }, "enableRbacAuthorization": true }
        }),
    ];
    let parameters = vec![json!({ "name": "prefix", "type": "string", "default": "risk" })];
    let value = json!({ "outputs": { "storageName": token(1, &["name"]) } });
    build("identity_keyed", declared(resources, parameters, value))
}

#[test]
fn builder_graphs_validate_and_agree() {
    let mut templates = Vec::new();
    let mut bicep = Vec::new();
    for case in [raw_subscription(), identity_keyed()] {
        let files = emit_all(&case);
        let (_, differences) = compare_arm_and_bicep(case.name, &files);
        assert!(
            differences.is_empty(),
            "{}: ARM and Bicep differ:\n{}",
            case.name,
            differences.join("\n")
        );
        let dir = write_files(&format!("builder-{}", case.name), &files);
        templates.push(dir.join("main.json"));
        bicep.extend(files_with_extension(&dir, "bicep"));
    }
    let schema = schema_check(&templates);
    let runs = validate_all(vec![
        ("arm-template-check", vec![], templates),
        ("bicep-syntax-check", vec![], bicep.clone()),
        ("bicep-checkov-parse", vec![], bicep),
    ]);
    for run in runs.iter().chain([&schema]) {
        assert!(run.ok, "{} failed:\n{}", run.command, run.output);
    }
}

#[test]
fn identities_keyed_by_id_are_waited_for() {
    let case = identity_keyed();
    let files = emit_all(&case);
    let main: Value = serde_json::from_str(&files[0].contents).expect("json");
    assert_eq!(
        main["resources"][1]["dependsOn"],
        json!(["[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'id-pool')]"])
    );
}
