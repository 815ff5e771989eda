//! Network security group rules read once and evaluated the way Azure does: by priority, first
//! match decides, the default rules last (VNet and internet outbound allowed, internet inbound
//! denied). Used by PO3 (remote access) and PO5 (node egress).

use super::index::Index;
use super::read::{int_field, texts, types};
use crate::graph::{Node, ResourceIndex};

#[derive(Debug)]
pub struct SecurityRule {
    pub name: String,
    pub priority: i64,
    pub inbound: bool,
    pub allow: bool,
    /// `Tcp`, `Udp`, `*`, ... lower-cased.
    pub protocol: String,
    pub sources: Vec<String>,
    pub destinations: Vec<String>,
    pub ports: Vec<(u32, u32)>,
    /// The resource that declares it (the NSG or its `securityRules` child).
    pub owner: ResourceIndex,
}

impl SecurityRule {
    fn covers_port(&self, port: u32) -> bool {
        self.ports.iter().any(|(lo, hi)| *lo <= port && port <= *hi)
    }

    fn carries_tcp(&self) -> bool {
        matches!(self.protocol.as_str(), "tcp" | "*" | "any")
    }
}

/// The rules of an NSG (inline and child resources), by priority.
pub fn rules_of(index: &Index, nsg: ResourceIndex) -> Vec<SecurityRule> {
    let inline = index
        .resource(nsg)
        .field(&["properties", "securityRules"])
        .map_or(&[][..], Node::as_list)
        .iter()
        .map(|rule| (nsg, rule));
    let children = index
        .children_of_type(nsg, types::NSG_RULE)
        .filter_map(|child| {
            let resource = index.resource(child);
            let name = resource.name.as_literal().unwrap_or_default();
            resource
                .body
                .get("properties")
                .map(|p| (child, p))
                .map(|(c, p)| (c, p, name))
        });
    let mut rules: Vec<SecurityRule> = inline
        .filter_map(|(owner, rule)| {
            let name = rule
                .get("name")
                .and_then(Node::as_literal)
                .unwrap_or_default();
            read_rule(owner, rule.get("properties")?, name)
        })
        .collect();
    rules.extend(
        children.filter_map(|(owner, properties, name)| read_rule(owner, properties, name)),
    );
    rules.sort_by_key(|r| r.priority);
    rules
}

fn read_rule(owner: ResourceIndex, properties: &Node, name: String) -> Option<SecurityRule> {
    let both = |one: &str, many: &str| {
        let mut all = texts(properties.get(many));
        all.extend(properties.get(one).and_then(Node::as_literal));
        all
    };
    let lower = |key: &str| {
        properties
            .get(key)
            .and_then(Node::as_literal)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let ports = both("destinationPortRange", "destinationPortRanges")
        .iter()
        .filter_map(|p| parse_ports(p))
        .collect();
    Some(SecurityRule {
        name,
        priority: int_field(properties.get("priority"))?,
        inbound: lower("direction") == "inbound",
        allow: lower("access") == "allow",
        protocol: lower("protocol"),
        sources: both("sourceAddressPrefix", "sourceAddressPrefixes"),
        destinations: both("destinationAddressPrefix", "destinationAddressPrefixes"),
        ports,
        owner,
    })
}

fn parse_ports(text: &str) -> Option<(u32, u32)> {
    let text = text.trim();
    if text == "*" {
        return Some((0, 65535));
    }
    match text.split_once('-') {
        Some((lo, hi)) => Some((lo.trim().parse().ok()?, hi.trim().parse().ok()?)),
        None => text.parse().ok().map(|p| (p, p)),
    }
}

/// The rule that decides TCP traffic to `port` in a direction, where `remote` says whether a
/// rule's prefixes (sources for inbound, destinations for outbound) include the far end.
/// `None`: no custom rule matches and Azure's default rules decide.
pub fn deciding_rule<'r>(
    rules: &'r [SecurityRule],
    inbound: bool,
    port: u32,
    remote: &dyn Fn(&str) -> bool,
) -> Option<&'r SecurityRule> {
    rules.iter().find(|r| {
        r.inbound == inbound
            && r.carries_tcp()
            && r.covers_port(port)
            && (if inbound { &r.sources } else { &r.destinations })
                .iter()
                .any(|p| remote(p))
    })
}

/// Whether an address prefix or tag includes addresses on the internet.
pub fn includes_internet(prefix: &str) -> bool {
    let p = prefix.trim().to_ascii_lowercase();
    if matches!(p.as_str(), "*" | "internet" | "any" | "0.0.0.0/0") {
        return true;
    }
    match p
        .parse::<ipnet::IpNet>()
        .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
    {
        Ok(net) => !is_private(&net),
        Err(_) => false,
    }
}

fn is_private(net: &ipnet::IpNet) -> bool {
    match net {
        ipnet::IpNet::V4(v4) => {
            let [a, b, ..] = v4.network().octets();
            let len = v4.prefix_len();
            (a == 10 && len >= 8)
                || (a == 172 && (16..32).contains(&b) && len >= 12)
                || (a == 192 && b == 168 && len >= 16)
                || (a == 100 && (64..128).contains(&b) && len >= 10)
        }
        ipnet::IpNet::V6(v6) => (v6.addr().segments()[0] & 0xfe00) == 0xfc00,
    }
}
