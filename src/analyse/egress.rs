//! What pool nodes must reach, and whether their subnet lets them (RULES.md PO5; `bp`, `hs`).
//!
//! In simplified node communication nodes need outbound TCP 443 to `BatchNodeManagement.<region>`
//! unless the account has a `nodeManagement` private endpoint; they need `Storage.<region>` for
//! downloads from storage not reached through a private endpoint, and always in classic mode.
//! The subnet's NSG is evaluated by priority; a default route to nowhere blocks, and a default
//! route to a firewall of this deployment moves the question to that firewall's rules.

use super::nsg::deciding_rule;
use super::pools::Pool;
use super::read::{id_field, text, text_is};
use super::routing::{firewall_at, firewall_rules, RuleKind};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::ResourceIndex;

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pool in &cx.pools {
        check_pool(cx, pool, out);
    }
}

/// A service nodes must reach on 443.
struct Need {
    /// `BatchNodeManagement` or `Storage`.
    tag: &'static str,
    why: &'static str,
}

fn needs(cx: &Context, pool: &Pool) -> Vec<Need> {
    let mut needs = Vec::new();
    let node_management = pool.account.is_some_and(|a| {
        cx.index
            .endpoints_to(a)
            .any(|e| e.groups.iter().any(|g| g == "nodemanagement"))
    });
    if !node_management {
        needs.push(Need {
            tag: "BatchNodeManagement",
            why: "the account has no `nodeManagement` private endpoint",
        });
    }
    let vnet = pool.subnet.map(|s| cx.index.subnet(s).vnet);
    let classic = text_is(
        cx.index.resource(pool.index),
        &["properties", "targetNodeCommunicationMode"],
        "Classic",
    );
    let public_storage = pool.downloads.iter().any(|d| match (d.storage, vnet) {
        (_, _) if d.via == super::pools::Via::Registry => false,
        (Some(storage), Some(vnet)) => !cx.index.endpoints_to(storage).any(|e| {
            e.groups.iter().any(|g| g == d.via.sub_resource()) && cx.index.resolves_from(e, vnet)
        }),
        _ => true,
    });
    if classic {
        needs.push(Need {
            tag: "Storage",
            why: "classic node communication",
        });
    } else if public_storage {
        needs.push(Need {
            tag: "Storage",
            why: "downloads from storage without a private endpoint",
        });
    }
    needs
}

fn region(cx: &Context, pool: &Pool) -> Option<String> {
    let account = cx.index.resource(pool.account?);
    text(account, &["location"]).map(|l| l.replace(' ', "").to_ascii_lowercase())
}

/// Whether an address prefix or tag covers the service tag (optionally regional).
fn covers_tag(prefix: &str, tag: &str, region: Option<&str>) -> bool {
    let p = prefix.trim().to_ascii_lowercase();
    let tag = tag.to_ascii_lowercase();
    if matches!(
        p.as_str(),
        "*" | "internet" | "any" | "0.0.0.0/0" | "azurecloud"
    ) {
        return true;
    }
    match p.split_once('.') {
        None => p == tag,
        Some((base, r)) => {
            base == tag && (region.is_none() || region == Some(r))
                || (base == "azurecloud" && region.is_none_or(|x| x == r))
        }
    }
}

fn check_pool(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    let Some(subnet_id) = pool.subnet else { return };
    let subnet = cx.index.subnet(subnet_id);
    let region = region(cx, pool);
    let region = region.as_deref();
    let nsg = id_field(subnet.field(&["networkSecurityGroup"]));
    let rules = nsg.map_or(&[][..], |n| cx.nsg_rules(n));
    let routes = id_field(subnet.field(&["routeTable"])).map_or(&[][..], |t| cx.routes(t));
    for need in needs(cx, pool) {
        let target = match region {
            Some(r) => format!("{}.{r}", need.tag),
            None => need.tag.to_string(),
        };
        let mut blocked_by: Option<(ResourceIndex, String)> = None;
        if let Some(rule) = deciding_rule(rules, false, 443, &|p| covers_tag(p, need.tag, region)) {
            if !rule.allow {
                blocked_by = Some((
                    rule.owner,
                    format!(
                        "NSG rule `{}` (priority {}) denies outbound 443 to it",
                        rule.name, rule.priority
                    ),
                ));
            }
        }
        if blocked_by.is_none() {
            let route = routes
                .iter()
                .find(|r| {
                    covers_tag(&r.prefix, need.tag, region)
                        && r.prefix != "0.0.0.0/0"
                        && r.prefix != "*"
                })
                .or_else(|| routes.iter().find(|r| r.prefix == "0.0.0.0/0"));
            if let Some(route) = route {
                match route.next_hop.as_str() {
                    "none" => {
                        blocked_by = Some((
                            route.owner,
                            format!("route `{}` sends it nowhere (next hop None)", route.prefix),
                        ))
                    }
                    "virtualappliance" => {
                        if let Some(firewall) =
                            route.next_hop_ip.and_then(|ip| firewall_at(&cx.index, ip))
                        {
                            if !firewall_allows(cx, firewall, need.tag, region) {
                                blocked_by = Some((firewall, format!("the default route goes through firewall `{}`, whose rules do not allow 443 to it", cx.name(firewall))));
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        let Some((owner, how)) = blocked_by else {
            continue;
        };
        out.push(
            cx.finding(
                Code::PoolEgressBlocked,
                pool.index,
                format!("nodes of pool `{}` become unusable: they need outbound TCP 443 to `{target}` ({}), but {how}", cx.name(pool.index), need.why),
                "nodes in this subnet",
            )
            .also(cx, subnet.owner(), "the pool's subnet")
            .also(cx, owner, "blocks it")
            .help(format!("allow outbound TCP 443 to the `{target}` service tag (an NSG rule with a lower priority number than the deny, a firewall network rule, or a route with that tag and next hop Internet), or reach it through a private endpoint")),
        );
    }
}

fn firewall_allows(cx: &Context, firewall: ResourceIndex, tag: &str, region: Option<&str>) -> bool {
    let fqdn = match tag {
        "BatchNodeManagement" => "batch.azure.com",
        _ => "core.windows.net",
    };
    firewall_rules(&cx.index, firewall).iter().any(|rule| {
        rule.allow
            && rule.allows_port(443)
            && rule.destinations.iter().any(|d| match rule.kind {
                RuleKind::Network => covers_tag(d, tag, region),
                RuleKind::Application => d == "*" || d.ends_with(fqdn),
            })
    })
}

#[cfg(test)]
mod tests {
    use super::covers_tag;

    #[test]
    fn service_tags_match_with_or_without_region() {
        assert!(covers_tag(
            "BatchNodeManagement.WestEurope",
            "BatchNodeManagement",
            Some("westeurope")
        ));
        assert!(covers_tag(
            "BatchNodeManagement",
            "BatchNodeManagement",
            Some("westeurope")
        ));
        assert!(!covers_tag(
            "BatchNodeManagement.EastUS",
            "BatchNodeManagement",
            Some("westeurope")
        ));
        assert!(covers_tag("Internet", "Storage", None));
        assert!(!covers_tag("VirtualNetwork", "Storage", None));
    }
}
