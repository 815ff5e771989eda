//! Resource-graph builder on hand-made declarations: references become ARM-ready references,
//! dependencies are inferred once each, and what ARM would reject is diagnosed.

use sblc::declared::{Declared, DeclaredParameter, DeclaredResource};
use sblc::diagnostic::Code;
use sblc::graph::{build, Node, Reference, ResourceIndex, TargetScope};
use sblc::reference::Token;
use sblc::source::{Origin, SourceMap, Span};
use serde_json::{json, Value};

fn sources() -> SourceMap {
    let mut sources = SourceMap::new();
    sources.add(Origin::Disk("main.sbl".into()), "main.sbl", "x".repeat(100));
    sources
}

fn id(index: usize) -> String {
    Token::Resource {
        index,
        path: vec!["id".into()],
    }
    .encode()
}

fn prop(index: usize, path: &[&str]) -> String {
    Token::Resource {
        index,
        path: path.iter().map(|s| s.to_string()).collect(),
    }
    .encode()
}

fn resource(spec: Value, at: usize) -> DeclaredResource {
    DeclaredResource {
        spec: spec.as_object().cloned().unwrap_or_default(),
        trace: vec![Span::new(sblc::source::FileId(0), at, at + 1)],
    }
}

fn vnet(name: &str) -> Value {
    json!({ "type": "Microsoft.Network/virtualNetworks", "apiVersion": "2024-05-01", "name": name, "location": "westeurope" })
}

#[test]
fn references_become_dependencies_once_each() {
    let mut subnet = json!({ "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2024-05-01", "name": "pool" });
    subnet["parent"] = json!({ "id": id(0) });
    subnet["properties"] =
        json!({ "networkSecurityGroup": { "id": id(2) }, "routeTable": { "id": id(2) } });
    let declared = Declared {
        value: json!({}),
        resources: vec![
            resource(vnet("hub"), 1),
            resource(subnet, 2),
            resource(
                json!({ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "nsg", "tags": { "vnet": format!("{}/x", prop(0, &["properties", "resourceGuid"])) } }),
                3,
            ),
        ],
        parameters: vec![],
    };
    let graph = build(&declared, &sources()).expect("graph");
    assert_eq!(graph.target, TargetScope::ResourceGroup);
    let subnet = &graph.resources[1];
    assert_eq!(subnet.parent, Some(ResourceIndex(0)));
    // The parent is implicit; the NSG is referenced twice but depended on once.
    assert_eq!(subnet.depends_on, vec![ResourceIndex(2)]);
    assert_eq!(graph.resources[2].depends_on, vec![ResourceIndex(0)]);
    let Some(Node::Object(tags)) = graph.resources[2].body.get("tags") else {
        panic!("tags")
    };
    let Some(Node::Str(template)) = tags.get("vnet") else {
        panic!("tag")
    };
    assert_eq!(
        template.references().collect::<Vec<_>>(),
        [&Reference::Property(
            ResourceIndex(0),
            vec!["properties".into(), "resourceGuid".into()]
        )]
    );
    assert_eq!(
        graph
            .resources
            .iter()
            .map(|r| r.symbol.as_str())
            .collect::<Vec<_>>(),
        ["hub", "pool", "nsg"]
    );
}

#[test]
fn cycles_are_reported_with_their_chain() {
    let mut a = vnet("a");
    a["tags"] = json!({ "peer": id(1) });
    let mut b = vnet("b");
    b["tags"] = json!({ "peer": id(0) });
    let declared = Declared {
        value: json!({}),
        resources: vec![resource(a, 1), resource(b, 2)],
        parameters: vec![],
    };
    let errors = build(&declared, &sources()).expect_err("cycle");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].code, Code::DependencyCycle);
    assert!(
        errors[0].message.contains("a → b → a") || errors[0].message.contains("b → a → b"),
        "{}",
        errors[0].message
    );
    assert_eq!(errors[0].secondary.len(), 1);
}

#[test]
fn duplicates_and_missing_fields_are_reported() {
    let declared = Declared {
        value: json!({}),
        resources: vec![resource(vnet("hub"), 1), resource(vnet("hub"), 2)],
        parameters: vec![],
    };
    let errors = build(&declared, &sources()).expect_err("duplicate");
    assert_eq!(
        errors.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::DuplicateResource]
    );
    let declared = Declared {
        value: json!({}),
        resources: vec![resource(
            json!({ "type": "Microsoft.Network/virtualNetworks", "name": "x" }),
            1,
        )],
        parameters: vec![],
    };
    let errors = build(&declared, &sources()).expect_err("incomplete");
    assert_eq!(errors[0].code, Code::InvalidResource);
    assert!(errors[0].message.contains("apiVersion"));
}

#[test]
fn subscription_scope_places_resources_in_groups() {
    let rg = json!({ "type": "Microsoft.Resources/resourceGroups", "apiVersion": "2024-03-01", "name": "hub-rg", "location": "westeurope" });
    let mut placed = vnet("hub");
    placed["resourceGroup"] = json!({ "id": id(0) });
    let mut child = json!({ "type": "Microsoft.Network/virtualNetworks/subnets", "apiVersion": "2024-05-01", "name": "s" });
    child["parent"] = json!({ "id": id(1) });
    let declared = Declared {
        value: json!({ "targetScope": "subscription" }),
        resources: vec![
            resource(rg.clone(), 1),
            resource(placed, 2),
            resource(child, 3),
            resource(vnet("lost"), 4),
        ],
        parameters: vec![],
    };
    let errors = build(&declared, &sources()).expect_err("lost resource");
    assert_eq!(
        errors.iter().map(|d| d.code).collect::<Vec<_>>(),
        [Code::MissingResourceGroup]
    );
    let declared = Declared {
        value: json!({ "targetScope": "subscription" }),
        resources: declared.resources[..3].to_vec(),
        parameters: vec![],
    };
    let graph = build(&declared, &sources()).expect("graph");
    assert_eq!(graph.resources[1].group, Some(ResourceIndex(0)));
    assert_eq!(
        graph.resources[2].group,
        Some(ResourceIndex(0)),
        "children inherit the parent's group"
    );
    assert!(
        graph.resources[1].depends_on.is_empty(),
        "the group is not a dependency"
    );
    let declared = Declared {
        value: json!({}),
        resources: vec![resource(rg, 1)],
        parameters: vec![],
    };
    assert_eq!(
        build(&declared, &sources())
            .expect_err("rg")
            .pop()
            .map(|d| d.code),
        Some(Code::MisplacedResourceGroup)
    );
}

#[test]
fn secure_parameters_never_get_values_or_outputs() {
    let secret = |default: Option<&str>| DeclaredParameter {
        spec: json!({ "name": "adminPassword", "type": "securestring", "default": default })
            .as_object()
            .cloned()
            .unwrap_or_default(),
        trace: vec![Span::default()],
    };
    let declared = Declared {
        value: json!({}),
        resources: vec![],
        parameters: vec![secret(Some("hunter2"))],
    };
    assert_eq!(
        build(&declared, &sources())
            .expect_err("default")
            .pop()
            .map(|d| d.code),
        Some(Code::SecureParameterDefault)
    );
    let leak = Token::Parameter {
        name: "adminPassword".into(),
    }
    .encode();
    let declared = Declared {
        value: json!({ "outputs": { "pw": leak } }),
        resources: vec![],
        parameters: vec![secret(None)],
    };
    assert_eq!(
        build(&declared, &sources())
            .expect_err("leak")
            .pop()
            .map(|d| d.code),
        Some(Code::SecretInOutput)
    );
}

#[test]
fn references_in_record_keys_are_dependencies() {
    // A pool is keyed by its identity's id: it must wait for the identity.
    let identity = json!({ "type": "Microsoft.ManagedIdentity/userAssignedIdentities", "apiVersion": "2023-01-31", "name": "pool-id", "location": "westeurope" });
    let mut pool = json!({ "type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01", "name": "user" });
    pool["identity"] = json!({ "type": "UserAssigned", "userAssignedIdentities": { id(0): {} } });
    let declared = Declared {
        value: json!({}),
        resources: vec![resource(identity, 1), resource(pool, 2)],
        parameters: vec![],
    };
    let graph = build(&declared, &sources()).expect("graph");
    assert_eq!(graph.resources[1].depends_on, vec![ResourceIndex(0)]);
}

#[test]
fn malformed_parameters_are_reported() {
    let spec = |v: Value| DeclaredParameter {
        spec: v.as_object().cloned().unwrap_or_default(),
        trace: vec![Span::default()],
    };
    let declared = Declared {
        value: json!({}),
        resources: vec![],
        parameters: vec![spec(json!({ "name": "size", "type": "float" }))],
    };
    assert_eq!(
        build(&declared, &sources())
            .expect_err("type")
            .pop()
            .map(|d| d.code),
        Some(Code::InvalidParameter)
    );
    let declared = Declared {
        value: json!({}),
        resources: vec![],
        parameters: vec![
            spec(json!({ "name": "size", "type": "int" })),
            spec(json!({ "name": "size", "type": "string" })),
        ],
    };
    let errors = build(&declared, &sources()).expect_err("twice");
    assert!(
        errors[0].message.contains("declared twice"),
        "{}",
        errors[0].message
    );
}

#[test]
fn the_programs_deployment_record_gives_plan_and_apply_their_defaults() {
    use sblc::graph::{deployment_settings, DeploymentSettings};
    assert_eq!(
        deployment_settings(&json!({ "resources": [] })),
        Ok(DeploymentSettings::default())
    );
    let settings = deployment_settings(&json!({ "deployment": {
        "subscription": "sub", "resourceGroup": "rg", "location": "westeurope", "name": "dev"
    }}))
    .expect("valid settings");
    assert_eq!(settings.resource_group.as_deref(), Some("rg"));
    assert_eq!(settings.name.as_deref(), Some("dev"));

    let misspelt = &deployment_settings(&json!({ "deployment": { "resourcegroup": "rg" } }))
        .expect_err("an unknown field")[0];
    assert_eq!(misspelt.code, Code::InvalidDeployment);
    assert_eq!(
        misspelt.help.as_deref(),
        Some("did you mean `resourceGroup`?")
    );
    let not_text =
        deployment_settings(&json!({ "deployment": { "location": 3 } })).expect_err("a number");
    assert!(not_text[0]
        .message
        .contains("`deployment.location` must be a string"));
}
