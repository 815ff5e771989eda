//! Routes and Azure Firewall rules read once, for PO5 (node egress), NW3 (spokes through the hub
//! firewall) and NW5 (firewall rule width).

use super::index::{Index, SubnetId};
use super::read::{id_field, texts, types};
use crate::graph::{Node, Reference, ResourceIndex, Template};

#[derive(Debug)]
pub struct Route<'g> {
    /// `0.0.0.0/0`, a CIDR or a service tag.
    pub prefix: String,
    /// `virtualappliance`, `internet`, `none`, ... lower-cased.
    pub next_hop: String,
    pub next_hop_ip: Option<&'g Template>,
    pub owner: ResourceIndex,
}

/// The routes of a route table (inline and child resources).
pub fn routes_of<'g>(index: &Index<'g>, table: ResourceIndex) -> Vec<Route<'g>> {
    let inline = index
        .resource(table)
        .field(&["properties", "routes"])
        .map_or(&[][..], Node::as_list)
        .iter()
        .filter_map(|r| Some((table, r.get("properties")?)));
    let children = index
        .children_of_type(table, types::ROUTE)
        .filter_map(|c| Some((c, index.resource(c).body.get("properties")?)));
    inline
        .chain(children)
        .filter_map(|(owner, p)| {
            Some(Route {
                prefix: p.get("addressPrefix")?.as_literal()?,
                next_hop: p
                    .get("nextHopType")
                    .and_then(Node::as_literal)
                    .unwrap_or_default()
                    .to_ascii_lowercase(),
                next_hop_ip: p.get("nextHopIpAddress").and_then(Node::as_template),
                owner,
            })
        })
        .collect()
}

/// The subnet a firewall sits in (`AzureFirewallSubnet`).
pub fn firewall_subnet(index: &Index, firewall: ResourceIndex) -> Option<SubnetId> {
    index
        .resource(firewall)
        .field(&["properties", "ipConfigurations"])
        .map_or(&[][..], Node::as_list)
        .iter()
        .find_map(|c| index.subnet_field(c.at(&["properties", "subnet"])))
}

/// The firewall a next hop address is: a reference to one's private IP, or a literal address
/// inside one's subnet.
pub fn firewall_at(index: &Index, next_hop: &Template) -> Option<ResourceIndex> {
    let referenced = next_hop.references().find_map(|r| match r {
        Reference::Property(i, _) => index.ancestor_of_type(*i, types::FIREWALL),
        _ => None,
    });
    if referenced.is_some() {
        return referenced;
    }
    let address: std::net::IpAddr = next_hop.as_literal()?.trim().parse().ok()?;
    index.of_type(types::FIREWALL).iter().copied().find(|&fw| {
        firewall_subnet(index, fw).is_some_and(|s| {
            index
                .subnet(s)
                .prefixes()
                .iter()
                .filter_map(|p| p.parse::<ipnet::IpNet>().ok())
                .any(|net| net.contains(&address))
        })
    })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleKind {
    Network,
    Application,
}

/// One firewall rule, classic or from a firewall policy's rule collection group.
#[derive(Debug)]
pub struct FirewallRule {
    pub kind: RuleKind,
    pub name: String,
    pub allow: bool,
    pub sources: Vec<String>,
    /// Addresses or tags (network rules), FQDNs (application rules), lower-cased.
    pub destinations: Vec<String>,
    /// Ports as written (`443`, `*`, `8000-8080`); application rules give protocol ports.
    pub ports: Vec<String>,
}

impl FirewallRule {
    pub fn allows_port(&self, port: u32) -> bool {
        self.ports.is_empty()
            || self.ports.iter().any(|p| {
                let p = p.trim();
                p == "*"
                    || match p.split_once('-') {
                        Some((lo, hi)) => {
                            lo.parse::<u32>().is_ok_and(|lo| lo <= port)
                                && hi.parse::<u32>().is_ok_and(|hi| port <= hi)
                        }
                        None => p.parse::<u32>() == Ok(port),
                    }
            })
    }
}

/// The classic rules written on a firewall.
pub fn classic_rules(index: &Index, firewall: ResourceIndex) -> Vec<FirewallRule> {
    let resource = index.resource(firewall);
    let mut rules = Vec::new();
    for (field, kind) in [
        ("networkRuleCollections", RuleKind::Network),
        ("applicationRuleCollections", RuleKind::Application),
    ] {
        for collection in resource
            .field(&["properties", field])
            .map_or(&[][..], Node::as_list)
        {
            let properties = collection.get("properties");
            let allow = properties
                .and_then(|p| p.at(&["action", "type"]))
                .and_then(Node::as_literal)
                .is_some_and(|a| a.eq_ignore_ascii_case("Allow"));
            for rule in properties
                .and_then(|p| p.get("rules"))
                .map_or(&[][..], Node::as_list)
            {
                rules.push(read_rule(rule, kind, allow));
            }
        }
    }
    rules
}

/// The rules of a firewall policy's rule collection group.
pub fn group_rules(index: &Index, group: ResourceIndex) -> Vec<FirewallRule> {
    let mut rules = Vec::new();
    let collections = index
        .resource(group)
        .field(&["properties", "ruleCollections"])
        .map_or(&[][..], Node::as_list);
    for collection in collections {
        let allow = collection
            .at(&["action", "type"])
            .and_then(Node::as_literal)
            .is_some_and(|a| a.eq_ignore_ascii_case("Allow"));
        for rule in collection.get("rules").map_or(&[][..], Node::as_list) {
            let kind = match rule.get("ruleType").and_then(Node::as_literal).as_deref() {
                Some("ApplicationRule") => RuleKind::Application,
                _ => RuleKind::Network,
            };
            rules.push(read_rule(rule, kind, allow));
        }
    }
    rules
}

/// Every rule that applies to a firewall: classic ones and its policy's.
pub fn firewall_rules(index: &Index, firewall: ResourceIndex) -> Vec<FirewallRule> {
    let mut rules = classic_rules(index, firewall);
    if let Some(policy) = id_field(
        index
            .resource(firewall)
            .field(&["properties", "firewallPolicy"]),
    ) {
        for group in index.children_of_type(policy, types::RULE_COLLECTION_GROUP) {
            rules.extend(group_rules(index, group));
        }
    }
    rules
}

fn read_rule(rule: &Node, kind: RuleKind, allow: bool) -> FirewallRule {
    let lower = |items: Vec<String>| items.into_iter().map(|s| s.to_ascii_lowercase()).collect();
    let mut destinations: Vec<String> = lower(texts(rule.get("destinationAddresses")));
    destinations.extend(lower(texts(rule.get("destinationFqdns"))));
    destinations.extend(lower(texts(rule.get("targetFqdns"))));
    let mut ports = texts(rule.get("destinationPorts"));
    for protocol in rule.get("protocols").map_or(&[][..], Node::as_list) {
        if let Some(port) = protocol
            .get("port")
            .and_then(|p| super::read::int_field(Some(p)))
        {
            ports.push(port.to_string());
        }
    }
    FirewallRule {
        kind,
        name: rule
            .get("name")
            .and_then(Node::as_literal)
            .unwrap_or_default(),
        allow,
        sources: texts(rule.get("sourceAddresses")),
        destinations,
        ports,
    }
}
