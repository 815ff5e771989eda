//! Address spaces (RULES.md NW1; `hs`): every subnet inside its VNet, no two subnets of a VNet
//! overlapping, no overlap between peered VNets. Azure rejects each of these at deployment.
//!
//! Prefixes are parsed with `ipnet` and turned into address intervals. Overlaps are found by
//! sorting, never by comparing all pairs: subnets of a VNet are swept in order of their first
//! address; a peer's prefixes are looked up by binary search among the local VNet's sorted
//! prefixes, with a running maximum of their last addresses. Prefixes that are deployment-time
//! values (parameters) are skipped.

use super::index::{FastMap, FastSet};

use ipnet::IpNet;

use super::index::SubnetId;
use super::read::{texts, types};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::ResourceIndex;

/// An address interval; the family keeps IPv4 and IPv6 apart when sorting.
type Address = (u8, u128);

fn interval(net: &IpNet) -> (Address, Address) {
    match net {
        IpNet::V4(v4) => (
            (4, u128::from(u32::from(v4.network()))),
            (4, u128::from(u32::from(v4.broadcast()))),
        ),
        IpNet::V6(v6) => (
            (6, u128::from(v6.network())),
            (6, u128::from(v6.broadcast())),
        ),
    }
}

/// A VNet's own prefixes, sorted by first address, with the running maximum last address.
struct Space {
    starts: Vec<Address>,
    max_end: Vec<(Address, IpNet)>,
}

impl Space {
    fn new(nets: &[IpNet]) -> Space {
        let mut sorted: Vec<(Address, Address, IpNet)> = nets
            .iter()
            .map(|n| {
                let (s, e) = interval(n);
                (s, e, *n)
            })
            .collect();
        sorted.sort();
        let mut max_end: Vec<(Address, IpNet)> = Vec::with_capacity(sorted.len());
        for (_, end, net) in &sorted {
            let best = match max_end.last() {
                Some((m, n)) if m >= end => (*m, *n),
                _ => (*end, *net),
            };
            max_end.push(best);
        }
        Space {
            starts: sorted.iter().map(|(s, _, _)| *s).collect(),
            max_end,
        }
    }

    /// A prefix of this space that overlaps `net`.
    fn overlapping(&self, net: &IpNet) -> Option<IpNet> {
        let (start, end) = interval(net);
        let count = self.starts.partition_point(|s| *s <= end);
        let (max, owner) = *self.max_end.get(count.checked_sub(1)?)?;
        (max >= start).then_some(owner)
    }
}

fn parse_all(prefixes: &[String]) -> (Vec<IpNet>, bool) {
    let nets: Vec<IpNet> = prefixes
        .iter()
        .filter_map(|p| p.trim().parse().ok())
        .collect();
    let complete = nets.len() == prefixes.len();
    (nets, complete)
}

fn vnet_prefixes(cx: &Context, vnet: ResourceIndex) -> (Vec<IpNet>, bool) {
    let resource = cx.index.resource(vnet);
    let node = resource.field(&["properties", "addressSpace", "addressPrefixes"]);
    let complete = node.is_none_or(|n| n.as_list().iter().all(|p| p.as_literal().is_some()));
    let (nets, parsed) = parse_all(&texts(node));
    (nets, complete && parsed)
}

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut spaces: Vec<(ResourceIndex, Space, Vec<IpNet>)> = Vec::new();
    for &vnet in cx.index.of_type(types::VNET) {
        let (nets, complete) = vnet_prefixes(cx, vnet);
        subnets_of(cx, vnet, &nets, complete, out);
        spaces.push((vnet, Space::new(&nets), nets));
    }
    peered_overlaps(cx, &spaces, out);
}

fn subnets_of(
    cx: &Context,
    vnet: ResourceIndex,
    space: &[IpNet],
    complete: bool,
    out: &mut Vec<Finding>,
) {
    let mut intervals: Vec<(Address, Address, SubnetId, IpNet)> = Vec::new();
    for &id in cx.index.subnets_of(vnet) {
        let subnet = cx.index.subnet(id);
        for net in parse_all(&subnet.prefixes()).0 {
            if complete && !space.is_empty() && !space.iter().any(|s| s.contains(&net)) {
                out.push(
                    cx.finding(
                        Code::AddressSpaceConflict,
                        subnet.owner(),
                        format!("Azure rejects subnet `{}`: {net} is outside the address space of VNet `{}` ({})", subnet.name, cx.name(vnet), list(space)),
                        format!("{net}"),
                    )
                    .also(cx, vnet, "the VNet")
                    .help("choose a subnet prefix inside one of the VNet's address prefixes, or add a prefix to `addressSpace.addressPrefixes`"),
                );
            }
            let (start, end) = interval(&net);
            intervals.push((start, end, id, net));
        }
    }
    intervals.sort();
    let mut widest: Option<(Address, SubnetId, IpNet)> = None;
    let mut reported: FastSet<(SubnetId, SubnetId)> = FastSet::default();
    for (start, end, id, net) in intervals {
        if let Some((max_end, other, other_net)) = widest {
            if start <= max_end && other != id && reported.insert((other, id)) {
                let (a, b) = (cx.index.subnet(other), cx.index.subnet(id));
                out.push(
                    cx.finding(
                        Code::AddressSpaceConflict,
                        b.owner(),
                        format!("Azure rejects subnet `{}`: {net} overlaps subnet `{}` ({other_net}) in VNet `{}`", b.name, a.name, cx.name(vnet)),
                        format!("{net}"),
                    )
                    .also(cx, a.owner(), format!("{other_net}"))
                    .help("give each subnet of a VNet its own, disjoint prefix"),
                );
            }
        }
        if widest.is_none_or(|(max_end, _, _)| end > max_end) {
            widest = Some((end, id, net));
        }
    }
}

fn peered_overlaps(
    cx: &Context,
    spaces: &[(ResourceIndex, Space, Vec<IpNet>)],
    out: &mut Vec<Finding>,
) {
    let position: FastMap<ResourceIndex, usize> = spaces
        .iter()
        .enumerate()
        .map(|(i, (v, _, _))| (*v, i))
        .collect();
    let mut seen: FastSet<(ResourceIndex, ResourceIndex)> = FastSet::default();
    for peering in &cx.index.peerings {
        let Some(remote) = peering.remote else {
            continue;
        };
        let pair = (peering.local.min(remote), peering.local.max(remote));
        if !seen.insert(pair) {
            continue;
        }
        let (Some(&l), Some(&r)) = (position.get(&peering.local), position.get(&remote)) else {
            continue;
        };
        let (local_space, remote_nets) = (&spaces[l].1, &spaces[r].2);
        let Some((theirs, ours)) = remote_nets
            .iter()
            .find_map(|n| local_space.overlapping(n).map(|o| (*n, o)))
        else {
            continue;
        };
        out.push(
            cx.finding(
                Code::AddressSpaceConflict,
                peering.owner,
                format!("Azure rejects the peering of VNet `{}` with `{}`: their address spaces overlap ({ours} and {theirs})", cx.name(peering.local), cx.name(remote)),
                "peering",
            )
            .also(cx, peering.local, format!("{ours}"))
            .also(cx, remote, format!("{theirs}"))
            .help("give peered VNets disjoint address spaces"),
        );
    }
}

fn list(nets: &[IpNet]) -> String {
    nets.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
