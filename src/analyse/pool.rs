//! Batch pools on their own (RULES.md PO1-PO4, PO6; `bp`).
//!
//! Pools use Virtual Machine configuration (PO1), get no public IP addresses (PO2), offer no
//! remote login from outside the VNet (PO3), encrypt their disks (PO4) and use simplified node
//! communication (PO6). Egress needs (PO5) are in [`super::egress`].

use super::nsg::{deciding_rule, includes_internet};
use super::pools::Pool;
use super::read::{id_field, int_field, text, texts};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::Node;

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pool in &cx.pools {
        configuration(cx, pool, out);
        public_addresses(cx, pool, out);
        remote_access(cx, pool, out);
        disk_encryption(cx, pool, out);
        node_communication(cx, pool, out);
    }
}

fn pool_field<'g>(pool: &Pool<'g>, path: &[&str]) -> Option<&'g Node> {
    pool.properties?.at(path)
}

/// PO1.
fn configuration(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    let cloud = pool_field(
        pool,
        &["deploymentConfiguration", "cloudServiceConfiguration"],
    )
    .is_some();
    if pool.vm.is_some() && !cloud {
        return;
    }
    out.push(
        cx.finding(
            Code::CloudServicePool,
            pool.index,
            format!("Azure rejects pool `{}`: Cloud Services configuration is retired; pools take Virtual Machine configuration only", cx.name(pool.index)),
            if cloud { "`cloudServiceConfiguration`" } else { "no `virtualMachineConfiguration`" },
        )
        .help("set `properties.deploymentConfiguration.virtualMachineConfiguration = { imageReference = { ... }; nodeAgentSkuId = \"...\"; };`"),
    );
}

/// The pool's `publicIPAddressConfiguration.provision`, if it says.
fn public_ip_provision(pool: &Pool) -> Option<String> {
    pool_field(
        pool,
        &[
            "networkConfiguration",
            "publicIPAddressConfiguration",
            "provision",
        ],
    )
    .and_then(Node::as_literal)
}

/// Whether nodes get public IPs: anything but `NoPublicIPAddresses`, or no subnet at all.
fn has_public_addresses(pool: &Pool) -> bool {
    !public_ip_provision(pool).is_some_and(|p| p.eq_ignore_ascii_case("NoPublicIPAddresses"))
}

/// PO2.
fn public_addresses(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    let why = match public_ip_provision(pool) {
        Some(p) if p.eq_ignore_ascii_case("NoPublicIPAddresses") => {
            if pool_field(pool, &["networkConfiguration", "subnetId"]).is_some() {
                return;
            }
            "it names no subnet, so Batch places nodes on its own network".to_string()
        }
        Some(p) => format!("`publicIPAddressConfiguration.provision` is {p}"),
        None => "no `publicIPAddressConfiguration.provision` (Azure's default is BatchManaged)"
            .to_string(),
    };
    out.push(
        cx.finding(
            Code::PoolPublicAddresses,
            pool.index,
            format!("nodes of pool `{}` get public IP addresses, reachable and discoverable from the internet: {why}", cx.name(pool.index)),
            "public node addresses",
        )
        .help("set `networkConfiguration = { subnetId = subnet.id; publicIPAddressConfiguration.provision = \"NoPublicIPAddresses\"; };` and `targetNodeCommunicationMode = \"Simplified\";`"),
    );
}

/// PO3.
fn remote_access(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    let mut reasons = Vec::new();
    let mut involved = Vec::new();
    let nat_pools = pool_field(
        pool,
        &[
            "networkConfiguration",
            "endpointConfiguration",
            "inboundNatPools",
        ],
    )
    .map_or(&[][..], Node::as_list);
    for nat in nat_pools {
        let port = int_field(nat.get("backendPort"));
        if !matches!(port, Some(22 | 3389)) {
            continue;
        }
        let rules = nat
            .get("networkSecurityGroupRules")
            .map_or(&[][..], Node::as_list);
        let mut sorted: Vec<&Node> = rules.iter().collect();
        sorted.sort_by_key(|r| int_field(r.get("priority")).unwrap_or(i64::MAX));
        let first_internet = sorted.iter().find(|r| {
            r.get("sourceAddressPrefix")
                .and_then(Node::as_literal)
                .is_some_and(|p| includes_internet(&p))
        });
        let open = match first_internet {
            Some(rule) => rule
                .get("access")
                .and_then(Node::as_literal)
                .is_some_and(|a| a.eq_ignore_ascii_case("Allow")),
            None => true,
        };
        if open {
            reasons.push(format!(
                "inbound NAT pool `{}` forwards port {} without a rule denying the internet",
                nat.get("name")
                    .and_then(Node::as_literal)
                    .unwrap_or_default(),
                port.unwrap_or_default()
            ));
        }
    }
    if nat_pools.is_empty() && has_public_addresses(pool) {
        reasons.push("nodes have public IPs and no `endpointConfiguration`, so Batch opens SSH (Linux) or RDP (Windows) to them".into());
    }
    let users = texts_of_names(pool_field(pool, &["userAccounts"]));
    if !users.is_empty() {
        reasons.push(format!(
            "node user accounts ({}) can log in remotely",
            users.join(", ")
        ));
    }
    if let Some(subnet) = pool.subnet.map(|s| cx.index.subnet(s)) {
        if let Some(nsg) = id_field(subnet.field(&["networkSecurityGroup"])) {
            let rules = cx.nsg_rules(nsg);
            for port in [22, 3389] {
                if let Some(rule) =
                    deciding_rule(rules, true, port, &includes_internet).filter(|r| r.allow)
                {
                    reasons.push(format!(
                        "NSG rule `{}` allows port {port} from outside the VNet",
                        rule.name
                    ));
                    involved.push(rule.owner);
                }
            }
        }
    }
    if reasons.is_empty() {
        return;
    }
    let mut finding = cx.finding(
        Code::PoolRemoteAccess,
        pool.index,
        format!(
            "nodes of pool `{}` accept remote logins: {}",
            cx.name(pool.index),
            reasons.join("; ")
        ),
        "remote access open",
    );
    for owner in involved {
        finding = finding.also(cx, owner, "allows SSH/RDP from outside the VNet");
    }
    out.push(finding.help("deny remote access: no public IPs (`provision = \"NoPublicIPAddresses\"`), or inbound NAT pools whose `networkSecurityGroupRules` deny `*`; no `userAccounts` (tasks run as `autoUser`); NSG rules that allow 22/3389 only from a bastion subnet"));
}

fn texts_of_names(node: Option<&Node>) -> Vec<String> {
    node.map_or(&[][..], Node::as_list)
        .iter()
        .filter_map(|u| u.get("name").and_then(Node::as_literal))
        .collect()
}

/// PO4.
fn disk_encryption(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    let Some(vm) = pool.vm else { return };
    let targets = texts(vm.at(&["diskEncryptionConfiguration", "targets"]));
    let windows = vm
        .get("nodeAgentSkuId")
        .and_then(Node::as_literal)
        .is_some_and(|s| s.to_ascii_lowercase().contains("windows"))
        || vm
            .at(&["imageReference", "publisher"])
            .and_then(Node::as_literal)
            .is_some_and(|p| p.to_ascii_lowercase().contains("windows"));
    let needed: &[&str] = if windows {
        &["OsDisk", "TemporaryDisk"]
    } else {
        &["TemporaryDisk"]
    };
    let missing: Vec<&str> = needed
        .iter()
        .copied()
        .filter(|n| !targets.iter().any(|t| t.eq_ignore_ascii_case(n)))
        .collect();
    if missing.is_empty() {
        return;
    }
    out.push(
        cx.finding(
            Code::PoolDiskUnencrypted,
            pool.index,
            format!("nodes of pool `{}` keep task files unencrypted on {}: `diskEncryptionConfiguration` does not cover {}", cx.name(pool.index), if windows { "their OS and temporary disks" } else { "the temporary disk" }, missing.join(" and ")),
            "no disk encryption",
        )
        .help(format!("set `virtualMachineConfiguration.diskEncryptionConfiguration.targets = [ {} ];`", needed.iter().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(" "))),
    );
}

/// PO6.
fn node_communication(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    let resource = cx.index.resource(pool.index);
    if !text(resource, &["properties", "targetNodeCommunicationMode"])
        .is_some_and(|m| m.eq_ignore_ascii_case("Classic"))
    {
        return;
    }
    out.push(
        cx.finding(
            Code::ClassicNodeCommunication,
            pool.index,
            format!("pool `{}` asks for classic node communication, retired on 2026-03-31: Azure no longer supports it, and nodes that depend on it (inbound 29876-29877, outbound Storage) lose contact with Batch", cx.name(pool.index)),
            "`targetNodeCommunicationMode = \"Classic\"`",
        )
        .help("set `properties.targetNodeCommunicationMode = \"Simplified\";` (nodes then need only outbound 443 to `BatchNodeManagement.<region>`)"),
    );
}
