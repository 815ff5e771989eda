//! Emission diagnostics: one snapshot per code, each the rendered report over the graph's
//! pseudo-source (there is no `.sbl` source behind a hand-built graph).

mod common_emit;

use common_emit::builder::*;
use common_emit::graphs::{self, Case};
use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::Code;
use sblc::emit::{emit_arm, emit_bicep, Metadata};
use sblc::graph::{ParameterType, Reference, TargetScope};
use serde_json::json as j;

fn meta() -> Metadata {
    Metadata {
        generator_version: "0.1.0".into(),
        inputs_hash: "sha256:0".into(),
        allows: Vec::new(),
    }
}

/// Both emitters report exactly `expected`; the ARM report is snapshotted.
fn snapshot(name: &str, builder: GraphBuilder, expected: &[Code]) {
    let (graph, sources) = builder.finish();
    let case = Case {
        name: "diagnostic",
        graph,
        sources,
        meta: meta(),
    };
    let arm = emit_arm(&case.graph, &case.meta).expect_err("ARM emission must fail");
    let codes: Vec<Code> = arm.iter().map(|d| d.code).collect();
    assert_eq!(codes, expected, "ARM codes for {name}");
    if expected != [Code::TemplateTooLarge] && expected != [Code::TooManyResources] {
        let bicep = emit_bicep(&case.graph, &case.meta).expect_err("Bicep emission must fail");
        let codes: Vec<Code> = bicep.iter().map(|d| d.code).collect();
        assert_eq!(codes, expected, "Bicep codes for {name}");
    }
    let rendered = render_plain(&arm, &case.sources);
    insta::with_settings!({ snapshot_path => "../snapshots/emit", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, rendered);
    });
}

fn identity(b: &mut GraphBuilder, symbol: &str) -> sblc::graph::ResourceIndex {
    b.add(
        Res::new(
            symbol,
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "2023-01-31",
            lit(&format!("id-{symbol}")),
        )
        .set("location", json(j!("westeurope"))),
    )
}

/// The graph builder reports this (E0510); the emitters check again for graphs built otherwise.
#[test]
fn e0510_runtime_value_in_name_backstop() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    let pool = identity(&mut b, "pool");
    b.add(
        Res::new(
            "storage",
            "Microsoft.Storage/storageAccounts",
            "2023-05-01",
            tpl([text("st"), part(prop(pool, "properties.principalId"))]),
        )
        .set("location", json(j!("westeurope"))),
    );
    snapshot("E0510-backstop", b, &[Code::RuntimeValueInName]);
}

#[test]
fn e0530_parent_in_other_group() {
    let mut b = GraphBuilder::new(TargetScope::Subscription);
    let hub = b.add(Res::new(
        "hubRg",
        "Microsoft.Resources/resourceGroups",
        "2024-03-01",
        lit("rg-hub"),
    ));
    let spoke = b.add(Res::new(
        "spokeRg",
        "Microsoft.Resources/resourceGroups",
        "2024-03-01",
        lit("rg-spoke"),
    ));
    let vnet = b.add(
        Res::new(
            "hubVnet",
            "Microsoft.Network/virtualNetworks",
            "2024-05-01",
            lit("vnet-hub"),
        )
        .group(hub),
    );
    b.add(
        Res::new(
            "hubSubnet",
            "Microsoft.Network/virtualNetworks/subnets",
            "2024-05-01",
            lit("snet"),
        )
        .parent(vnet)
        .group(spoke),
    );
    snapshot("E0530", b, &[Code::ParentInOtherGroup]);
}

#[test]
fn e0531_empty_guid() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    let pool = identity(&mut b, "pool");
    b.add(
        Res::new(
            "assignment",
            "Microsoft.Authorization/roleAssignments",
            "2022-04-01",
            tpl([part(guid([]))]),
        )
        .scope(pool),
    );
    snapshot("E0531", b, &[Code::EmptyGuid]);
}

#[test]
fn e0532_template_too_large() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    identity(&mut b, "small");
    b.add(
        Res::new(
            "bigScript",
            "Microsoft.Resources/deploymentScripts",
            "2023-08-01",
            lit("inline-script"),
        )
        .set(
            "properties",
            obj([("scriptContent", json(j!("x".repeat(4_300_000))))]),
        ),
    );
    snapshot("E0532", b, &[Code::TemplateTooLarge]);
}

#[test]
fn e0533_too_many_resources() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    for i in 0..801 {
        identity(&mut b, &format!("id{i}"));
    }
    snapshot("E0533", b, &[Code::TooManyResources]);
}

#[test]
fn e0534_too_many_parameters() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    for i in 0..257 {
        b.param(&format!("p{i}"), ParameterType::String, Some(json(j!("x"))));
    }
    identity(&mut b, "pool");
    snapshot("E0534", b, &[Code::TooManyParameters]);
}

#[test]
fn e0535_too_many_outputs() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    let pool = identity(&mut b, "pool");
    for i in 0..65 {
        b.output(&format!("o{i}"), "string", refn(Reference::Name(pool)));
    }
    snapshot("E0535", b, &[Code::TooManyOutputs]);
}

#[test]
fn limits_are_inclusive() {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    for i in 0..256 {
        b.param(&format!("p{i}"), ParameterType::String, None);
    }
    let pool = identity(&mut b, "pool");
    for i in 0..64 {
        b.output(&format!("o{i}"), "string", refn(Reference::Name(pool)));
    }
    let (graph, _) = b.finish();
    assert!(emit_arm(&graph, &meta()).is_ok());
    assert!(emit_bicep(&graph, &meta()).is_ok());
}

#[test]
fn representative_graphs_have_no_diagnostics() {
    for case in graphs::all() {
        assert!(emit_arm(&case.graph, &case.meta).is_ok(), "{}", case.name);
        assert!(emit_bicep(&case.graph, &case.meta).is_ok(), "{}", case.name);
    }
}

/// Bicep modules pass values from other groups as outputs and parameters: 257 of them exceed
/// both modules' limits, while `main.json` (which names them by id) is fine.
#[test]
fn bicep_modules_are_limited_too() {
    let mut b = GraphBuilder::new(TargetScope::Subscription);
    let rg = |b: &mut GraphBuilder, symbol: &str| {
        b.add(
            Res::new(
                symbol,
                "Microsoft.Resources/resourceGroups",
                "2024-03-01",
                lit(symbol),
            )
            .set("location", json(j!("westeurope"))),
        )
    };
    let identities_rg = rg(&mut b, "identitiesRg");
    let user_rg = rg(&mut b, "userRg");
    let identities: Vec<_> = (0..257)
        .map(|i| {
            b.add(
                Res::new(
                    &format!("id{i}"),
                    "Microsoft.ManagedIdentity/userAssignedIdentities",
                    "2023-01-31",
                    lit(&format!("id-{i}")),
                )
                .group(identities_rg)
                .set("location", json(j!("westeurope"))),
            )
        })
        .collect();
    b.add(
        Res::new(
            "user",
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "2023-01-31",
            lit("user"),
        )
        .group(user_rg)
        .set("location", json(j!("westeurope")))
        .set(
            "tags",
            sblc::graph::Node::Object(
                identities
                    .iter()
                    .map(|&i| (format!("t{}", i.0), refn(id(i))))
                    .collect(),
            ),
        ),
    );
    let (graph, _) = b.finish();
    assert!(emit_arm(&graph, &meta()).is_ok());
    let problems = emit_bicep(&graph, &meta()).expect_err("the modules are too large");
    let messages: Vec<(Code, &str)> = problems
        .iter()
        .map(|d| (d.code, d.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                Code::TooManyOutputs,
                "modules/identitiesRg.bicep would declare 257 outputs; ARM accepts at most 64"
            ),
            (
                Code::TooManyParameters,
                "modules/userRg.bicep would declare 257 parameters; ARM accepts at most 256"
            ),
        ]
    );
}
