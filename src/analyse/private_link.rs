//! Private endpoints (RULES.md NW2, NW6; `hs`).
//!
//! A private endpoint is only used if clients resolve the service's name to its private address:
//! it needs a DNS zone group, and the zone must be linked to the VNet the endpoint serves (NW2;
//! a VNet with custom DNS servers forwards elsewhere and is trusted). With private endpoint
//! network policies disabled, the endpoint subnet's NSG and routes do not apply to endpoint
//! traffic (NW6).

use super::{Context, Finding};
use crate::diagnostic::Code;

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for endpoint in &cx.index.endpoints {
        let service = endpoint
            .target
            .map(|t| format!("`{}`", cx.name(t)))
            .unwrap_or_else(|| "the service".into());
        let name = cx.name(endpoint.index);
        if endpoint.zone_groups.is_empty() {
            let mut finding = cx
                .finding(
                    Code::PrivateEndpointDns,
                    endpoint.index,
                    format!("clients resolve {service} to its public address, not to private endpoint `{name}`: the endpoint has no private DNS zone group, so connections go to the public endpoint (and fail when public access is off)"),
                    "no `privateDnsZoneGroups` child",
                );
            if let Some(t) = endpoint.target {
                finding = finding.also(cx, t, "the service");
            }
            out.push(finding.help("add a `Microsoft.Network/privateEndpoints/privateDnsZoneGroups` child whose `privateDnsZoneConfigs` name the service's `privatelink.*` zone, and link that zone to the VNets of its clients"));
            continue;
        }
        let Some(vnet) = endpoint.subnet.map(|s| cx.index.subnet(s).vnet) else {
            continue;
        };
        if cx.index.resolves_from(endpoint, vnet) {
            continue;
        }
        let mut finding = cx
            .finding(
                Code::PrivateEndpointDns,
                endpoint.index,
                format!("clients in VNet `{}` resolve {service} to its public address, not to private endpoint `{name}`: no private DNS zone of its zone group is linked to that VNet", cx.name(vnet)),
                "zone not linked where clients resolve it",
            )
            .also(cx, vnet, "the endpoint's VNet");
        for zone in endpoint.zones.iter().flatten() {
            finding = finding.also(cx, *zone, "the zone: no `virtualNetworkLinks` to that VNet");
        }
        out.push(finding.help("add a `Microsoft.Network/privateDnsZones/virtualNetworkLinks` child of the zone with `virtualNetwork.id = vnet.id`"));
    }
    for (position, subnet) in cx.index.subnets.iter().enumerate() {
        let id = super::index::SubnetId(position);
        let Some(endpoint) = cx.index.endpoints_in(id).next() else {
            continue;
        };
        let policies = subnet
            .field(&["privateEndpointNetworkPolicies"])
            .and_then(crate::graph::Node::as_literal);
        if policies
            .as_deref()
            .is_some_and(|p| !p.eq_ignore_ascii_case("Disabled"))
        {
            continue;
        }
        let guarded = subnet.field(&["networkSecurityGroup"]).is_some()
            || subnet.field(&["routeTable"]).is_some();
        if !guarded {
            continue;
        }
        out.push(
            cx.finding(
                Code::EndpointPoliciesDisabled,
                subnet.owner(),
                format!("the NSG and routes of subnet `{}` do not apply to its private endpoints (such as `{}`): private endpoint network policies are {}", subnet.name, cx.name(endpoint.index), if policies.is_some() { "Disabled" } else { "not set (Azure's default is Disabled)" }),
                "endpoint traffic bypasses the NSG and routes",
            )
            .also(cx, endpoint.index, "a private endpoint in it")
            .help("set `privateEndpointNetworkPolicies = \"Enabled\";` on the subnet"),
        );
    }
}
