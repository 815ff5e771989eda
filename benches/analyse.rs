//! Analyser benchmark: generated hub-and-spoke landing zones (VNets, subnets, peerings, NSGs,
//! route tables, private endpoints and DNS, storage, identities, role assignments, Batch accounts
//! and pools), analysed with every rule. Prints the time per analysis for 250, 500 and 1,000 pools
//! (10 pools per spoke, so 25, 50 and 100 spokes), as CPU time so that other work on a shared
//! machine does not count, and the ratios between them: linear growth
//! shows as ratios near 2. Target: under 20 ms for 1,000 pools and 100 spokes.
//!
//! `cargo bench --bench analyse` (plain `std::time::Instant`, no harness), with the `sblc` binary's
//! allocator.

use std::time::{Duration, Instant};

use sblc::analyse::{self, Options};
use sblc::declared::{Declared, DeclaredResource};
use sblc::graph::{build, Graph};
use sblc::reference::Token;
use sblc::source::{FileId, Origin, SourceMap, Span};
use serde_json::{json, Map, Value};

/// The allocator of the `sblc` binary, so that the analysis is timed as `sblc` runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const POOLS_PER_SPOKE: usize = 10;
const RUNS: usize = 40;
const NET: &str = "2024-05-01";

fn id(index: usize) -> String {
    Token::Resource {
        index,
        path: vec!["id".into()],
    }
    .encode()
}

fn prop(index: usize, path: &str) -> String {
    Token::Resource {
        index,
        path: path.split('.').map(str::to_string).collect(),
    }
    .encode()
}

#[derive(Default)]
struct Landing {
    specs: Vec<Value>,
}

impl Landing {
    fn add(&mut self, kind: &str, api: &str, name: String, mut rest: Value) -> usize {
        rest["type"] = json!(kind);
        rest["apiVersion"] = json!(api);
        rest["name"] = json!(name);
        self.specs.push(rest);
        self.specs.len() - 1
    }
}

fn role(guid: &str) -> String {
    format!("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/{guid}")
}

/// A landing zone with `spokes` spokes and `POOLS_PER_SPOKE` pools in each.
fn landing_zone(spokes: usize) -> Landing {
    let mut l = Landing::default();
    let hub = l.add("Microsoft.Network/virtualNetworks", NET, "hub".into(), json!({ "properties": {
        "addressSpace": { "addressPrefixes": ["10.0.0.0/16"] },
        "subnets": [ { "name": "AzureFirewallSubnet", "properties": { "addressPrefix": "10.0.0.0/26" } } ] } }));
    let policy = l.add(
        "Microsoft.Network/firewallPolicies",
        NET,
        "policy".into(),
        json!({}),
    );
    l.add("Microsoft.Network/firewallPolicies/ruleCollectionGroups", NET, "rules".into(), json!({ "parent": { "id": id(policy) }, "properties": { "ruleCollections": [
        { "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "action": { "type": "Allow" }, "rules": [
            { "ruleType": "NetworkRule", "name": "batch", "sourceAddresses": ["10.0.0.0/8"], "destinationAddresses": ["BatchNodeManagement.WestEurope"], "destinationPorts": ["443"] } ] } ] } }));
    let firewall = l.add("Microsoft.Network/azureFirewalls", NET, "fw".into(), json!({ "properties": {
        "ipConfigurations": [ { "name": "ip", "properties": { "subnet": { "id": format!("{}/subnets/AzureFirewallSubnet", id(hub)) } } } ],
        "firewallPolicy": { "id": id(policy) } } }));
    let zones: Vec<usize> = [
        "privatelink.blob.core.windows.net",
        "privatelink.batch.azure.com",
    ]
    .iter()
    .map(|z| {
        l.add(
            "Microsoft.Network/privateDnsZones",
            "2020-06-01",
            (*z).into(),
            json!({ "location": "global" }),
        )
    })
    .collect();
    for s in 0..spokes {
        let octet = s + 1;
        let nsg = l.add("Microsoft.Network/networkSecurityGroups", NET, format!("nsg{s}"), json!({ "properties": { "securityRules": [
            { "name": "deny-ssh", "properties": { "priority": 100, "direction": "Inbound", "access": "Deny", "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*", "destinationPortRanges": ["22", "3389"] } },
            { "name": "batch-out", "properties": { "priority": 100, "direction": "Outbound", "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "VirtualNetwork", "destinationAddressPrefix": "BatchNodeManagement.WestEurope", "destinationPortRange": "443" } } ] } }));
        let routes = l.add("Microsoft.Network/routeTables", NET, format!("rt{s}"), json!({ "properties": { "routes": [ { "name": "default", "properties": {
            "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance", "nextHopIpAddress": prop(firewall, "properties.ipConfigurations.0.properties.privateIPAddress") } } ] } }));
        let vnet = l.add("Microsoft.Network/virtualNetworks", NET, format!("spoke{s}"), json!({ "properties": { "addressSpace": { "addressPrefixes": [format!("10.{octet}.0.0/16")] } } }));
        let pools_subnet = l.add("Microsoft.Network/virtualNetworks/subnets", NET, "pools".into(), json!({ "parent": { "id": id(vnet) }, "properties": {
            "addressPrefix": format!("10.{octet}.0.0/20"), "networkSecurityGroup": { "id": id(nsg) }, "routeTable": { "id": id(routes) } } }));
        let endpoints = l.add("Microsoft.Network/virtualNetworks/subnets", NET, "endpoints".into(), json!({ "parent": { "id": id(vnet) }, "properties": {
            "addressPrefix": format!("10.{octet}.16.0/24"), "privateEndpointNetworkPolicies": "Enabled", "networkSecurityGroup": { "id": id(nsg) }, "routeTable": { "id": id(routes) } } }));
        l.add("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", NET, format!("hub-to-{s}"), json!({ "parent": { "id": id(hub) }, "properties": { "remoteVirtualNetwork": { "id": id(vnet) } } }));
        l.add("Microsoft.Network/virtualNetworks/virtualNetworkPeerings", NET, "to-hub".into(), json!({ "parent": { "id": id(vnet) }, "properties": { "remoteVirtualNetwork": { "id": id(hub) } } }));
        for (z, zone) in zones.iter().enumerate() {
            l.add("Microsoft.Network/privateDnsZones/virtualNetworkLinks", "2020-06-01", format!("link{z}-{s}"), json!({ "parent": { "id": id(*zone) }, "properties": { "virtualNetwork": { "id": id(vnet) } } }));
        }
        let storage = l.add("Microsoft.Storage/storageAccounts", "2023-05-01", format!("store{s}"), json!({ "properties": {
            "publicNetworkAccess": "Disabled", "networkAcls": { "defaultAction": "Deny" }, "allowSharedKeyAccess": false,
            "minimumTlsVersion": "TLS1_2", "supportsHttpsTrafficOnly": true, "allowBlobPublicAccess": false } }));
        let uai = l.add(
            "Microsoft.ManagedIdentity/userAssignedIdentities",
            "2023-01-31",
            format!("nodes{s}"),
            json!({}),
        );
        let account = l.add("Microsoft.Batch/batchAccounts", "2024-07-01", format!("batch{s}"), json!({ "location": "westeurope", "identity": { "type": "SystemAssigned" }, "properties": {
            "allowedAuthenticationModes": ["AAD"], "publicNetworkAccess": "Disabled",
            "autoStorage": { "storageAccountId": id(storage), "authenticationMode": "BatchAccountManagedIdentity", "nodeIdentityReference": { "resourceId": id(uai) } } } }));
        for (target, group, zone) in [
            (storage, "blob", zones[0]),
            (account, "batchAccount", zones[1]),
            (account, "nodeManagement", zones[1]),
        ] {
            let endpoint = l.add("Microsoft.Network/privateEndpoints", NET, format!("pe-{group}-{s}"), json!({ "properties": {
                "subnet": { "id": id(endpoints) },
                "privateLinkServiceConnections": [ { "name": "c", "properties": { "privateLinkServiceId": id(target), "groupIds": [group] } } ] } }));
            l.add("Microsoft.Network/privateEndpoints/privateDnsZoneGroups", NET, "zones".into(), json!({ "parent": { "id": id(endpoint) }, "properties": {
                "privateDnsZoneConfigs": [ { "name": "z", "properties": { "privateDnsZoneId": id(zone) } } ] } }));
        }
        for (principal, guid, name) in [
            (
                prop(uai, "properties.principalId"),
                "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
                format!("read{s}"),
            ),
            (
                prop(account, "identity.principalId"),
                "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
                format!("write{s}"),
            ),
        ] {
            l.add("Microsoft.Authorization/roleAssignments", "2022-04-01", name, json!({ "scope": { "id": id(storage) }, "properties": { "roleDefinitionId": role(guid), "principalId": principal } }));
        }
        let mut identities = Map::new();
        identities.insert(id(uai), json!({}));
        for p in 0..POOLS_PER_SPOKE {
            l.add("Microsoft.Batch/batchAccounts/pools", "2024-07-01", format!("pool{p}"), json!({ "parent": { "id": id(account) },
                "identity": { "type": "UserAssigned", "userAssignedIdentities": identities },
                "properties": {
                    "vmSize": "Standard_D4s_v5",
                    "deploymentConfiguration": { "virtualMachineConfiguration": { "nodeAgentSkuId": "batch.node.ubuntu 24.04", "diskEncryptionConfiguration": { "targets": ["TemporaryDisk"] } } },
                    "networkConfiguration": { "subnetId": id(pools_subnet), "publicIPAddressConfiguration": { "provision": "NoPublicIPAddresses" } },
                    "targetNodeCommunicationMode": "Simplified",
                    "applicationPackages": [ { "id": format!("{}/applications/tools", id(account)) } ],
                    "startTask": { "commandLine": "/bin/sh -c 'tar xf in/tools.tar'", "resourceFiles": [ { "autoStorageContainerName": "in" } ] } } }));
        }
    }
    l
}

fn graph(landing: &Landing) -> Graph {
    let mut sources = SourceMap::new();
    let file = sources.add(
        Origin::Disk("bench.sbl".into()),
        "bench.sbl",
        " ".repeat(landing.specs.len() + 1),
    );
    let declared = Declared {
        value: json!({}),
        resources: landing
            .specs
            .iter()
            .enumerate()
            .map(|(i, spec)| DeclaredResource {
                spec: spec.as_object().cloned().unwrap_or_default(),
                trace: vec![Span::new(FileId(file.0), i, i + 1)],
            })
            .collect(),
        parameters: vec![],
    };
    match build(&declared, &sources) {
        Ok(graph) => graph,
        Err(errors) => panic!("the generated landing zone does not build: {errors:?}"),
    }
}

/// Nanoseconds this thread has spent on a CPU (Linux `schedstat`), when the system tells.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// The CPU time of one analysis, averaged over `runs` (wall time where CPU time is not
/// available), and the fastest wall time: on a shared machine wall time includes waiting for a
/// CPU, and per-run CPU figures are too coarse.
fn time(graph: &Graph, runs: usize) -> (Duration, Duration, usize) {
    let options = Options::default();
    let findings = analyse::run(graph, &options).diagnostics.len();
    let mut fastest = Duration::MAX;
    let (cpu_start, start) = (cpu_ns(), Instant::now());
    for _ in 0..runs {
        let run_start = Instant::now();
        let analysis = analyse::run(graph, &options);
        fastest = fastest.min(run_start.elapsed());
        assert_eq!(analysis.diagnostics.len(), findings);
    }
    let total = match (cpu_start, cpu_ns()) {
        (Some(a), Some(b)) if b > a => Duration::from_nanos(b - a),
        _ => start.elapsed(),
    };
    (total / runs as u32, fastest, findings)
}

fn main() {
    let mut results = Vec::new();
    // `SBLC_BENCH_POOLS=1000,2000` times other sizes.
    let sizes: Vec<usize> = std::env::var("SBLC_BENCH_POOLS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![250, 500, 1000]);
    for pools in sizes {
        let spokes = pools / POOLS_PER_SPOKE;
        let graph = graph(&landing_zone(spokes));
        let (cpu, wall, findings) = time(&graph, RUNS);
        println!(
            "analyse: {pools:>5} pools, {spokes:>3} spokes, {:>5} resources: {:>7.3} ms CPU per analysis (mean of {RUNS}; fastest wall {:.3} ms), {findings} findings",
            graph.resources.len(),
            cpu.as_secs_f64() * 1e3,
            wall.as_secs_f64() * 1e3
        );
        results.push((pools, cpu));
    }
    for pair in results.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        println!(
            "analyse: {} -> {} pools: time x{:.2} for size x{:.2}",
            a.0,
            b.0,
            b.1.as_secs_f64() / a.1.as_secs_f64(),
            b.0 as f64 / a.0 as f64
        );
    }
    if let Some((_, at_target)) = results.iter().find(|(pools, _)| *pools == 1000) {
        let verdict = if *at_target < Duration::from_millis(20) {
            "within"
        } else {
            "OVER"
        };
        println!(
            "analyse: 1000 pools / 100 spokes in {:.3} ms: {verdict} the 20 ms target",
            at_target.as_secs_f64() * 1e3
        );
    }
}
