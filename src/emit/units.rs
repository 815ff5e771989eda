//! Deployment units: which nested deployment (ARM) or module (Bicep) holds each resource at
//! subscription scope.
//!
//! One unit per resource group is the goal, but it is not always possible: a hub and a spoke
//! peered both ways need each other's virtual network before either peering can be created, so
//! "hub deployment, then spoke deployment" and the reverse are both wrong. Resources are therefore
//! placed in dependency order, each into the earliest unit of its group that does not make units
//! depend on each other in a cycle; when none fits, the group gets a further unit (`hubRg-2`). Graphs
//! without such back-and-forth references get exactly one unit per group.
//!
//! Both emitters use the same units, so `main.json` and the Bicep modules describe the same
//! deployments, with the same names and the same order.

use std::collections::BTreeSet;

use crate::graph::{key_template, Graph, Node, Reference, ResourceIndex, Template};

pub const RESOURCE_GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";

/// A nested deployment into one resource group.
#[derive(Clone, Debug)]
pub struct Unit {
    /// The resource group it deploys into.
    pub group: ResourceIndex,
    /// Zero for the group's first unit.
    pub stage: usize,
    /// The deployment name: the group's symbol, then `-2`, `-3`, ... for later stages.
    pub name: String,
    /// In dependency order.
    pub resources: Vec<ResourceIndex>,
    /// Earlier units this one waits for, by index, ascending.
    pub after_units: BTreeSet<usize>,
    /// Resource groups this one waits for (its own included).
    pub after_groups: BTreeSet<ResourceIndex>,
}

/// The units of a graph and the unit of each resource.
#[derive(Clone, Debug, Default)]
pub struct Units {
    pub list: Vec<Unit>,
    /// Indexed by resource; `None` for resource groups and resources deployed at the top level.
    pub unit_of: Vec<Option<usize>>,
}

pub fn is_resource_group(graph: &Graph, index: ResourceIndex) -> bool {
    graph
        .resource(index)
        .resource_type
        .eq_ignore_ascii_case(RESOURCE_GROUP_TYPE)
}

/// Everything a resource must wait for: its parent, its scope, its inferred dependencies, and
/// resources named in object keys (identities keyed by id), which Bicep would wait for too.
pub fn dependencies(graph: &Graph, index: ResourceIndex) -> Vec<ResourceIndex> {
    let resource = graph.resource(index);
    let mut keyed = Vec::new();
    resource
        .body
        .values()
        .for_each(|node| resources_in_keys(node, &mut keyed));
    let mut out = Vec::new();
    for dep in resource
        .parent
        .iter()
        .chain(resource.scope.iter())
        .chain(resource.depends_on.iter())
        .chain(keyed.iter())
    {
        if *dep != index && dep.0 < graph.resources.len() && !out.contains(dep) {
            out.push(*dep);
        }
    }
    out
}

fn resources_in_keys(node: &Node, out: &mut Vec<ResourceIndex>) {
    fn in_template(template: &Template, out: &mut Vec<ResourceIndex>) {
        for reference in template.references() {
            match reference {
                Reference::Id(r) | Reference::Name(r) | Reference::Property(r, _) => out.push(*r),
                Reference::Guid(args) => args.iter().for_each(|a| in_template(a, out)),
                Reference::Parameter(_) | Reference::Context(_) => {}
            }
        }
    }
    match node {
        Node::List(items) => items.iter().for_each(|n| resources_in_keys(n, out)),
        Node::Object(fields) => {
            for (key, value) in fields {
                // Almost no key holds a reference: only those are split into a template.
                if key.contains(crate::reference::START) {
                    in_template(&key_template(key), out);
                }
                resources_in_keys(value, out);
            }
        }
        Node::Null | Node::Bool(_) | Node::Int(_) | Node::Str(_) => {}
    }
}

/// Resources in dependency order; among the ready ones, the graph's order. A cycle (which the
/// graph builder rules out) cannot hang or panic: the rest follows in graph order.
pub fn dependency_order(graph: &Graph) -> Vec<ResourceIndex> {
    let count = graph.resources.len();
    // Read once: the search below looks at every unplaced resource for each one it places.
    let dependencies: Vec<Vec<ResourceIndex>> =
        graph.indices().map(|r| dependencies(graph, r)).collect();
    let mut placed = vec![false; count];
    let mut order = Vec::with_capacity(count);
    while order.len() < count {
        let ready = graph.indices().find(|&r| {
            !placed[r.0]
                && dependencies[r.0]
                    .iter()
                    .all(|d| d.0 >= count || placed[d.0])
        });
        let next = ready.unwrap_or_else(|| {
            graph
                .indices()
                .find(|r| !placed[r.0])
                .unwrap_or(ResourceIndex(0))
        });
        placed[next.0] = true;
        order.push(next);
    }
    order
}

/// Splits the resources of a subscription-scope graph into units.
pub fn plan(graph: &Graph) -> Units {
    let mut units = Units {
        list: Vec::new(),
        unit_of: vec![None; graph.resources.len()],
    };
    for index in dependency_order(graph) {
        let Some(group) = graph.resource(index).group else {
            continue;
        };
        let deps = dependencies(graph, index);
        let dep_units: BTreeSet<usize> = deps.iter().filter_map(|d| units.unit_of[d.0]).collect();
        let fits = |unit: usize| {
            dep_units
                .iter()
                .all(|&other| other == unit || !units.reaches(other, unit))
        };
        let latest = units.list.iter().rposition(|u| u.group == group);
        let earliest_fit = (0..units.list.len()).find(|&u| units.list[u].group == group && fits(u));
        let unit = match earliest_fit {
            Some(unit) => unit,
            None => {
                let stage = latest.map_or(0, |u| units.list[u].stage + 1);
                let symbol = &graph.resource(group).symbol;
                units.list.push(Unit {
                    group,
                    stage,
                    name: if stage == 0 {
                        symbol.clone()
                    } else {
                        format!("{symbol}-{}", stage + 1)
                    },
                    resources: Vec::new(),
                    after_units: BTreeSet::new(),
                    after_groups: BTreeSet::from([group]),
                });
                units.list.len() - 1
            }
        };
        units.unit_of[index.0] = Some(unit);
        let entry = &mut units.list[unit];
        entry.resources.push(index);
        entry
            .after_units
            .extend(dep_units.iter().copied().filter(|&u| u != unit));
        entry.after_groups.extend(
            deps.iter()
                .copied()
                .filter(|&d| is_resource_group(graph, d)),
        );
    }
    units
}

impl Units {
    /// Whether unit `from` waits for unit `to`, directly or not.
    pub fn reaches(&self, from: usize, to: usize) -> bool {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(unit) = stack.pop() {
            if unit == to {
                return true;
            }
            if seen.insert(unit) {
                stack.extend(self.list[unit].after_units.iter().copied());
            }
        }
        false
    }
}
