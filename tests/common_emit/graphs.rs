//! The representative graphs the emitter tests run on, built as the graph builder would build
//! them from `.sbl` (API versions are the ones the validators have schemas for).

use serde_json::json as j;

use sblc::emit::Metadata;
use sblc::graph::{
    ContextValue, Graph, Node, ParameterType, Reference, ResourceIndex, TargetScope,
};
use sblc::source::SourceMap;

use super::builder::*;

pub const NETWORK_API: &str = "2024-05-01";
pub const DNS_API: &str = "2024-06-01";
pub const STORAGE_API: &str = "2023-05-01";
pub const SECRET_VALUE_MARKER: &str = "adminPassword";

/// A named graph with its pseudo-source and build metadata.
pub struct Case {
    pub name: &'static str,
    pub graph: Graph,
    pub sources: SourceMap,
    pub meta: Metadata,
}

fn meta(allows: Vec<(String, sblc::graph::Allow)>) -> Metadata {
    Metadata {
        generator_version: "0.1.0".into(),
        inputs_hash: "sha256:0f3c2a9d".into(),
        allows,
    }
}

/// The smallest useful graph: a VNet with two subnets, at resource-group scope.
pub fn small_network() -> Case {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    let location = b.param(
        "location",
        ParameterType::String,
        Some(json(j!("westeurope"))),
    );
    let vnet = b.add(
        Res::new(
            "vnet",
            "Microsoft.Network/virtualNetworks",
            NETWORK_API,
            lit("vnet-batch"),
        )
        .set("location", refn(location))
        .set(
            "properties",
            json(j!({ "addressSpace": { "addressPrefixes": ["10.1.0.0/16"] } })),
        ),
    );
    let pool = b.add(
        Res::new(
            "poolSubnet",
            "Microsoft.Network/virtualNetworks/subnets",
            NETWORK_API,
            lit("snet-pool"),
        )
        .parent(vnet)
        .set(
            "properties",
            json(j!({ "addressPrefix": "10.1.0.0/24", "defaultOutboundAccess": false })),
        ),
    );
    let endpoints = b.add(
        Res::new(
            "endpointSubnet",
            "Microsoft.Network/virtualNetworks/subnets",
            NETWORK_API,
            lit("snet-endpoints"),
        )
        .parent(vnet)
        .set(
            "properties",
            json(
                j!({ "addressPrefix": "10.1.1.0/24", "privateEndpointNetworkPolicies": "Enabled" }),
            ),
        ),
    );
    // Subnets of one VNet are updated one after the other.
    b.graph.resources[endpoints.0].depends_on.push(pool);
    b.output("poolSubnetId", "string", refn(id(pool)));
    let (graph, sources) = b.finish();
    Case {
        name: "small_network",
        graph,
        sources,
        meta: meta(Vec::new()),
    }
}

/// Resource-group scope: network, storage behind a private endpoint with its DNS zone, zone group
/// and VNet link, a managed identity with a role assignment, a diagnostic setting, a key vault
/// secret from a secure parameter, and outputs.
pub fn storage_with_private_endpoint() -> Case {
    let mut b = GraphBuilder::new(TargetScope::ResourceGroup);
    let location = b.param(
        "location",
        ParameterType::String,
        Some(json(j!("westeurope"))),
    );
    let secret = b.param(SECRET_VALUE_MARKER, ParameterType::SecureString, None);
    let prefix = b.param("namePrefix", ParameterType::String, Some(json(j!("risk"))));
    let retention = b.param("retentionInDays", ParameterType::Int, Some(json(j!(90))));
    b.graph.parameters.last_mut().expect("declared").allowed =
        vec![json(j!(30)), json(j!(90)), json(j!(365))];
    b.param(
        "enableDiagnostics",
        ParameterType::Bool,
        Some(json(j!(true))),
    );
    let vnet = b.add(
        Res::new(
            "vnet",
            "Microsoft.Network/virtualNetworks",
            NETWORK_API,
            tpl([text("vnet-"), part(prefix.clone())]),
        )
        .set("location", refn(location.clone()))
        .set(
            "properties",
            json(j!({ "addressSpace": { "addressPrefixes": ["10.1.0.0/16"] } })),
        ),
    );
    let endpoints = b.add(
        Res::new(
            "endpointSubnet",
            "Microsoft.Network/virtualNetworks/subnets",
            NETWORK_API,
            lit("snet-endpoints"),
        )
        .parent(vnet)
        .set("properties", json(j!({ "addressPrefix": "10.1.1.0/24" }))),
    );
    let identity = b.add(
        Res::new(
            "poolIdentity",
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "2023-01-31",
            lit("id-pool"),
        )
        .set("location", refn(location.clone())),
    );
    let storage = b.add(
        Res::new(
            "storage",
            "Microsoft.Storage/storageAccounts",
            STORAGE_API,
            tpl([part(prefix.clone()), text("pkgs")]),
        )
        .set("location", refn(location.clone()))
        // Text that needs escaping in both languages.
        .set(
            "tags",
            json(j!({
                "note": "it's a C:\\path\nwith ${literal} and {braces}\t\u{1}",
                "bracketed": "[not an expression]",
                "odd-key": "ünïcødé ✓"
            })),
        )
        .set("sku", json(j!({ "name": "Standard_GRS" })))
        .set("kind", json(j!("StorageV2")))
        // User-assigned identities are keyed by the identity's id.
        .set(
            "identity",
            with(
                json(j!({ "type": "UserAssigned" })),
                [(
                    "userAssignedIdentities",
                    Node::Object([(id_key(identity), json(j!({})))].into_iter().collect()),
                )],
            ),
        )
        .set(
            "properties",
            json(j!({
                "minimumTlsVersion": "TLS1_2",
                "allowSharedKeyAccess": false,
                "allowBlobPublicAccess": false,
                "publicNetworkAccess": "Disabled",
                "supportsHttpsTrafficOnly": true,
                "networkAcls": { "bypass": "AzureServices", "defaultAction": "Deny" }
            })),
        ),
    );
    let zone = b.add(
        Res::new(
            "blobZone",
            "Microsoft.Network/privateDnsZones",
            DNS_API,
            lit("privatelink.blob.core.windows.net"),
        )
        .set("location", json(j!("global"))),
    );
    b.add(
        Res::new(
            "blobZoneLink",
            "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
            DNS_API,
            tpl([part(Reference::Name(vnet)), text("-link")]),
        )
        .parent(zone)
        .set("location", json(j!("global")))
        .set(
            "properties",
            with(
                json(j!({ "registrationEnabled": false })),
                [("virtualNetwork", id_object(id(vnet)))],
            ),
        ),
    );
    let endpoint = b.add(
        Res::new(
            "storageBlobEndpoint",
            "Microsoft.Network/privateEndpoints",
            NETWORK_API,
            tpl([part(Reference::Name(storage)), text("-blob-pe")]),
        )
        .set("location", refn(location.clone()))
        .set(
            "properties",
            obj([
                ("subnet", id_object(id(endpoints))),
                (
                    "privateLinkServiceConnections",
                    Node::List(vec![obj([
                        ("name", json(j!("blob"))),
                        (
                            "properties",
                            with(
                                json(j!({ "groupIds": ["blob"] })),
                                [("privateLinkServiceId", refn(id(storage)))],
                            ),
                        ),
                    ])]),
                ),
            ]),
        ),
    );
    b.add(
        Res::new(
            "storageBlobDns",
            "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
            NETWORK_API,
            lit("default"),
        )
        .parent(endpoint)
        .set(
            "properties",
            obj([(
                "privateDnsZoneConfigs",
                Node::List(vec![obj([
                    ("name", json(j!("blob"))),
                    ("properties", obj([("privateDnsZoneId", refn(id(zone)))])),
                ])]),
            )]),
        ),
    );
    let reader_role =
        "/providers/Microsoft.Authorization/roleDefinitions/2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    let assignment = b.add(
        Res::new(
            "poolBlobReader",
            "Microsoft.Authorization/roleAssignments",
            "2022-04-01",
            tpl([part(guid([
                tpl([part(id(storage))]),
                tpl([part(id(identity))]),
                lit(reader_role),
            ]))]),
        )
        .scope(storage)
        .set(
            "properties",
            obj([
                ("roleDefinitionId", json(j!(reader_role))),
                (
                    "principalId",
                    refn(prop(identity, "properties.principalId")),
                ),
                ("principalType", json(j!("ServicePrincipal"))),
            ]),
        ),
    );
    let logs = b.add(
        Res::new(
            "logs",
            "Microsoft.OperationalInsights/workspaces",
            "2025-02-01",
            lit("log-batch"),
        )
        .set("location", refn(location.clone()))
        .set(
            "properties",
            with(
                json(j!({ "sku": { "name": "PerGB2018" } })),
                [("retentionInDays", refn(retention))],
            ),
        ),
    );
    b.add(
        Res::new(
            "storageDiagnostics",
            "Microsoft.Insights/diagnosticSettings",
            "2021-05-01-preview",
            lit("to-log-analytics"),
        )
        .scope(storage)
        .set(
            "properties",
            with(
                json(j!({ "metrics": [{ "category": "Transaction", "enabled": true }] })),
                [("workspaceId", refn(id(logs)))],
            ),
        ),
    );
    let vault = b.add(
        Res::new(
            "vault",
            "Microsoft.KeyVault/vaults",
            "2023-07-01",
            tpl([text("kv-"), part(prefix.clone())]),
        )
        .set("location", refn(location))
        .set(
            "properties",
            with(
                json(j!({
                    "sku": { "family": "A", "name": "standard" },
                    "enableRbacAuthorization": true,
                    "enablePurgeProtection": true,
                    "publicNetworkAccess": "Disabled"
                })),
                [("tenantId", refn(Reference::Context(ContextValue::TenantId)))],
            ),
        ),
    );
    b.add(
        Res::new(
            "adminSecret",
            "Microsoft.KeyVault/vaults/secrets",
            "2023-07-01",
            lit("admin-password"),
        )
        .parent(vault)
        .set(
            "properties",
            obj([
                ("value", refn(secret)),
                ("contentType", json(j!("text/plain"))),
            ]),
        ),
    );
    b.output("storageId", "string", refn(id(storage)));
    b.output(
        "blobEndpoint",
        "string",
        refn(prop(storage, "properties.primaryEndpoints.blob")),
    );
    b.output(
        "poolPrincipalId",
        "string",
        refn(prop(identity, "properties.principalId")),
    );
    let allow = b.allow(
        assignment,
        "ID2",
        "the pool reads packages with its own identity",
    );
    let (graph, sources) = b.finish();
    Case {
        name: "storage_with_private_endpoint",
        graph,
        sources,
        meta: meta(vec![allow]),
    }
}

fn vnet_in(
    b: &mut GraphBuilder,
    symbol: &str,
    name: sblc::graph::Template,
    group: ResourceIndex,
    prefix: &str,
    location: &Reference,
) -> ResourceIndex {
    b.add(
        Res::new(
            symbol,
            "Microsoft.Network/virtualNetworks",
            NETWORK_API,
            name,
        )
        .group(group)
        .set("location", refn(location.clone()))
        .set(
            "properties",
            json(j!({ "addressSpace": { "addressPrefixes": [prefix] } })),
        ),
    )
}

/// Subscription scope: a hub and a spoke resource group, VNets peered both ways, a private DNS
/// zone in the hub linked to both VNets, a spoke identity given a role on the hub VNet, and a key
/// vault secret from a secure parameter.
pub fn hub_and_spoke() -> Case {
    let mut b = GraphBuilder::new(TargetScope::Subscription);
    let location = b.param(
        "location",
        ParameterType::String,
        Some(json(j!("westeurope"))),
    );
    let spoke_name = b.param(
        "spokeName",
        ParameterType::String,
        Some(json(j!("pricing"))),
    );
    let secret = b.param(SECRET_VALUE_MARKER, ParameterType::SecureString, None);
    let hub_rg = b.add(
        Res::new(
            "hubRg",
            "Microsoft.Resources/resourceGroups",
            "2024-03-01",
            lit("rg-hub"),
        )
        .set("location", refn(location.clone())),
    );
    let spoke_rg = b.add(
        Res::new(
            "spokeRg",
            "Microsoft.Resources/resourceGroups",
            "2024-03-01",
            tpl([text("rg-"), part(spoke_name.clone())]),
        )
        .set("location", refn(location.clone()))
        .set("tags", json(j!({ "workload": "batch" }))),
    );
    let hub_vnet = vnet_in(
        &mut b,
        "hubVnet",
        lit("vnet-hub"),
        hub_rg,
        "10.0.0.0/16",
        &location,
    );
    let spoke_vnet = vnet_in(
        &mut b,
        "spokeVnet",
        tpl([text("vnet-"), part(spoke_name.clone())]),
        spoke_rg,
        "10.20.0.0/16",
        &location,
    );
    let peering = |b: &mut GraphBuilder, symbol: &str, from, to, group| {
        b.add(
            Res::new(
                symbol,
                "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
                NETWORK_API,
                tpl([text("to-"), part(Reference::Name(to))]),
            )
            .parent(from)
            .group(group)
            .set(
                "properties",
                with(
                    json(j!({ "allowVirtualNetworkAccess": true, "allowForwardedTraffic": true })),
                    [("remoteVirtualNetwork", id_object(id(to)))],
                ),
            ),
        )
    };
    peering(&mut b, "hubToSpoke", hub_vnet, spoke_vnet, hub_rg);
    peering(&mut b, "spokeToHub", spoke_vnet, hub_vnet, spoke_rg);
    let zone = b.add(
        Res::new(
            "blobZone",
            "Microsoft.Network/privateDnsZones",
            DNS_API,
            lit("privatelink.blob.core.windows.net"),
        )
        .group(hub_rg)
        .set("location", json(j!("global"))),
    );
    for (symbol, vnet) in [
        ("blobZoneHubLink", hub_vnet),
        ("blobZoneSpokeLink", spoke_vnet),
    ] {
        b.add(
            Res::new(
                symbol,
                "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
                DNS_API,
                tpl([part(Reference::Name(vnet))]),
            )
            .parent(zone)
            .group(hub_rg)
            .set("location", json(j!("global")))
            .set(
                "properties",
                with(
                    json(j!({ "registrationEnabled": false })),
                    [("virtualNetwork", id_object(id(vnet)))],
                ),
            ),
        );
    }
    let identity = b.add(
        Res::new(
            "spokeIdentity",
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "2023-01-31",
            tpl([text("id-"), part(spoke_name.clone())]),
        )
        .group(spoke_rg)
        .set("location", refn(location.clone())),
    );
    let reader_role =
        "/providers/Microsoft.Authorization/roleDefinitions/acdd72a7-3385-48ef-bd42-f606fba81ae7";
    b.add(
        Res::new(
            "spokeReadsHub",
            "Microsoft.Authorization/roleAssignments",
            "2022-04-01",
            tpl([part(guid([
                tpl([part(id(hub_vnet))]),
                tpl([part(id(identity))]),
                lit(reader_role),
            ]))]),
        )
        .scope(hub_vnet)
        .group(hub_rg)
        .set(
            "properties",
            obj([
                ("roleDefinitionId", json(j!(reader_role))),
                (
                    "principalId",
                    refn(prop(identity, "properties.principalId")),
                ),
                ("principalType", json(j!("ServicePrincipal"))),
            ]),
        ),
    );
    // An extension resource on a resource group itself: deployed inside that group.
    let contributor =
        "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c";
    b.add(
        Res::new(
            "spokeOwnsGroup",
            "Microsoft.Authorization/roleAssignments",
            "2022-04-01",
            tpl([part(guid([
                tpl([part(id(spoke_rg))]),
                tpl([part(id(identity))]),
                lit(contributor),
            ]))]),
        )
        .scope(spoke_rg)
        .group(spoke_rg)
        .set(
            "properties",
            obj([
                ("roleDefinitionId", json(j!(contributor))),
                (
                    "principalId",
                    refn(prop(identity, "properties.principalId")),
                ),
                ("principalType", json(j!("ServicePrincipal"))),
            ]),
        ),
    );
    let vault = b.add(
        Res::new(
            "vault",
            "Microsoft.KeyVault/vaults",
            "2023-07-01",
            tpl([text("kv-"), part(spoke_name)]),
        )
        .group(spoke_rg)
        .set("location", refn(location))
        .set(
            "properties",
            with(
                json(j!({
                    "sku": { "family": "A", "name": "standard" },
                    "enableRbacAuthorization": true,
                    "enablePurgeProtection": true,
                    "publicNetworkAccess": "Disabled"
                })),
                [("tenantId", refn(Reference::Context(ContextValue::TenantId)))],
            ),
        ),
    );
    b.add(
        Res::new(
            "adminSecret",
            "Microsoft.KeyVault/vaults/secrets",
            "2023-07-01",
            lit("admin-password"),
        )
        .parent(vault)
        .group(spoke_rg)
        .set("properties", obj([("value", refn(secret))])),
    );
    b.output("hubVnetId", "string", refn(id(hub_vnet)));
    b.output("spokeVnetId", "string", refn(id(spoke_vnet)));
    b.output("spokeGroupName", "string", refn(Reference::Name(spoke_rg)));
    b.output(
        "spokeAddressSpace",
        "object",
        refn(prop(spoke_vnet, "properties.addressSpace")),
    );
    b.output(
        "spokePrincipalId",
        "string",
        refn(prop(identity, "properties.principalId")),
    );
    let (graph, sources) = b.finish();
    Case {
        name: "hub_and_spoke",
        graph,
        sources,
        meta: meta(Vec::new()),
    }
}

/// Every representative graph.
pub fn all() -> Vec<Case> {
    vec![
        small_network(),
        storage_with_private_endpoint(),
        hub_and_spoke(),
    ]
}
