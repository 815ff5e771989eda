//! Hub and spokes (RULES.md NW3-NW5; `hs`, `bp`).
//!
//! A hub is a VNet that holds an Azure Firewall. Spokes (VNets peered with a hub) send their
//! default route to that firewall (NW3); peerings exist in both directions, and gateway transit
//! is offered where it is used (NW4); firewall rules are no wider than needed (NW5).

use super::index::{FastMap, FastSet};

use super::read::{id_field, types};
use super::routing::{
    classic_rules, firewall_at, firewall_subnet, group_rules, FirewallRule, RuleKind,
};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::ResourceIndex;

/// Subnets Azure manages itself, where user routes do not belong.
const SERVICE_SUBNETS: &[&str] = &[
    "gatewaysubnet",
    "azurebastionsubnet",
    "azurefirewallsubnet",
    "azurefirewallmanagementsubnet",
    "routeserversubnet",
];

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    both_directions(cx, out);
    default_routes(cx, out);
    for &firewall in cx.index.of_type(types::FIREWALL) {
        wide_rules(cx, firewall, classic_rules(&cx.index, firewall), out);
    }
    for &group in cx.index.of_type(types::RULE_COLLECTION_GROUP) {
        wide_rules(cx, group, group_rules(&cx.index, group), out);
    }
}

/// NW4.
fn both_directions(cx: &Context, out: &mut Vec<Finding>) {
    let by_pair: FastMap<(ResourceIndex, ResourceIndex), usize> = cx
        .index
        .peerings
        .iter()
        .enumerate()
        .filter_map(|(i, p)| Some(((p.local, p.remote?), i)))
        .collect();
    for peering in &cx.index.peerings {
        let Some(remote) = peering.remote else {
            continue;
        };
        let (local_name, remote_name) = (cx.name(peering.local), cx.name(remote));
        match by_pair.get(&(remote, peering.local)).map(|i| &cx.index.peerings[*i]) {
            None => out.push(
                cx.finding(
                    Code::PeeringOneSided,
                    peering.owner,
                    format!("the peering of `{local_name}` with `{remote_name}` stays `Initiated` and carries no traffic: Azure connects two VNets only when each side declares a peering to the other"),
                    "one direction only",
                )
                .also(cx, remote, "declares no peering back")
                .help(format!("add a `virtualNetworkPeerings` child of `{remote_name}` with `remoteVirtualNetwork.id = {local_name}.id`")),
            ),
            Some(back) if peering.use_remote_gateways && !back.allow_gateway_transit => out.push(
                cx.finding(
                    Code::PeeringOneSided,
                    peering.owner,
                    format!("Azure rejects the peering of `{local_name}` with `{remote_name}`: it uses the remote gateways, but `{remote_name}` does not allow gateway transit"),
                    "`useRemoteGateways = true`",
                )
                .also(cx, back.owner, "no `allowGatewayTransit = true`")
                .help(format!("set `allowGatewayTransit = true;` on the peering from `{remote_name}` (and keep its gateway), or drop `useRemoteGateways`")),
            ),
            Some(_) => {}
        }
    }
}

/// NW3.
fn default_routes(cx: &Context, out: &mut Vec<Finding>) {
    let mut hub_firewall: FastMap<ResourceIndex, ResourceIndex> = FastMap::default();
    for &firewall in cx.index.of_type(types::FIREWALL) {
        if let Some(subnet) = firewall_subnet(&cx.index, firewall) {
            hub_firewall
                .entry(cx.index.subnet(subnet).vnet)
                .or_insert(firewall);
        }
    }
    let mut spokes: Vec<(ResourceIndex, ResourceIndex)> = Vec::new();
    let mut seen = FastSet::default();
    for peering in &cx.index.peerings {
        let Some(remote) = peering.remote else {
            continue;
        };
        for (spoke, hub) in [(peering.local, remote), (remote, peering.local)] {
            if let (false, Some(&firewall)) =
                (hub_firewall.contains_key(&spoke), hub_firewall.get(&hub))
            {
                if seen.insert(spoke) {
                    spokes.push((spoke, firewall));
                }
            }
        }
    }
    for (spoke, firewall) in spokes {
        for &id in cx.index.subnets_of(spoke) {
            let subnet = cx.index.subnet(id);
            if SERVICE_SUBNETS.contains(&subnet.name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let table = id_field(subnet.field(&["routeTable"]));
            let routed = table.is_some_and(|t| {
                cx.routes(t).iter().any(|r| {
                    r.prefix == "0.0.0.0/0"
                        && r.next_hop == "virtualappliance"
                        && r.next_hop_ip.is_some_and(|ip| {
                            ip.as_literal().is_none()
                                && ip
                                    .references()
                                    .all(|r| matches!(r, crate::graph::Reference::Parameter(_)))
                                || firewall_at(&cx.index, ip).is_some()
                        })
                })
            });
            if routed {
                continue;
            }
            let mut finding = cx
                .finding(
                    Code::SpokeBypassesFirewall,
                    subnet.owner(),
                    format!("traffic from subnet `{}` of spoke `{}` leaves for the internet directly, bypassing hub firewall `{}`: {}", subnet.name, cx.name(spoke), cx.name(firewall), if table.is_some() { "its route table has no 0.0.0.0/0 route to the firewall" } else { "it has no route table" }),
                    "no default route to the firewall",
                )
                .also(cx, firewall, "the hub firewall");
            if let Some(table) = table {
                finding = finding.also(cx, table, "the subnet's route table");
            }
            out.push(finding.help("attach a route table with `{ name = \"default\"; properties = { addressPrefix = \"0.0.0.0/0\"; nextHopType = \"VirtualAppliance\"; nextHopIpAddress = ref firewall \"properties.ipConfigurations.0.properties.privateIPAddress\"; }; }`"));
        }
    }
}

/// NW5.
fn wide_rules(
    cx: &Context,
    owner: ResourceIndex,
    rules: Vec<FirewallRule>,
    out: &mut Vec<Finding>,
) {
    let any = |items: &[String]| items.iter().any(|a| a == "*" || a == "0.0.0.0/0");
    let mut problems = Vec::new();
    for rule in rules.iter().filter(|r| r.allow) {
        match rule.kind {
            RuleKind::Network if any(&rule.sources) && any(&rule.destinations) => {
                problems.push(format!(
                    "network rule `{}` allows any source to any destination",
                    rule.name
                ));
            }
            RuleKind::Application => {
                if let Some(fqdn) = rule.destinations.iter().find(|f| too_wide(f)) {
                    problems.push(format!("application rule `{}` allows `{fqdn}`", rule.name));
                }
            }
            RuleKind::Network => {}
        }
    }
    if problems.is_empty() {
        return;
    }
    out.push(
        cx.finding(
            Code::FirewallRuleTooWide,
            owner,
            format!("firewall rules in `{}` let workloads reach (and leak data to) hosts far beyond what they need: {}", cx.name(owner), problems.join("; ")),
            "too wide",
        )
        .help("name the sources (the pool subnets) and the destinations (service tags, the FQDNs the workload needs, e.g. `*.batch.azure.com`)"),
    );
}

/// Domains where anyone can host a name: a wildcard under them reaches any tenant's endpoint.
const SHARED_SUFFIXES: &[&str] = &[
    "core.windows.net",
    "blob.core.windows.net",
    "file.core.windows.net",
    "windows.net",
    "azurewebsites.net",
    "cloudapp.azure.com",
    "cloudapp.net",
    "azure.com",
    "amazonaws.com",
    "googleapis.com",
    "github.io",
];

/// `*`, a wildcard over a top-level domain (`*.com`), or over a multi-tenant suffix
/// (`*.blob.core.windows.net`: any storage account in Azure, a way to exfiltrate data).
fn too_wide(fqdn: &str) -> bool {
    match fqdn.strip_prefix("*.") {
        Some(rest) => !rest.contains('.') || SHARED_SUFFIXES.contains(&rest),
        None => fqdn == "*",
    }
}
