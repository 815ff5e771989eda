//! What the emitters check in the graph before writing anything: things ARM would reject that the
//! graph model can express. Every problem is reported, not only the first.
//!
//! Runtime values in names are the graph builder's diagnostic (E0510); it is checked again here,
//! through names of names and guid arguments, for graphs built by other means.

use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Graph, Reference, ResourceIndex, TargetScope, Template};

use super::units::is_resource_group;

pub fn check_graph(graph: &Graph) -> Result<(), Vec<Diagnostic>> {
    let mut problems = Vec::new();
    for index in graph.indices() {
        let resource = graph.resource(index);
        if let Some(path) = runtime_value_in(graph, &resource.name, 0) {
            problems.push(
                Diagnostic::new(
                    Code::RuntimeValueInName,
                    format!(
                        "the name of `{}` uses `{path}`, which is known only once the deployment runs",
                        resource.symbol
                    ),
                    resource.origin,
                    "this resource's name",
                )
                .with_help(
                    "build names from parameters and literals only; for a unique name use a guid \
                     of resource ids, which are known before deployment",
                )
                .with_note("ARM evaluates resource names before any resource exists, so `reference()` is rejected there"),
            );
        }
        problems.extend(same_group_checks(graph, index));
    }
    for index in graph.indices() {
        let resource = graph.resource(index);
        let all = std::iter::once(&resource.name).chain(templates_in_body(&resource.body));
        if all.into_iter().any(has_empty_guid) {
            problems.push(
                Diagnostic::new(
                    Code::EmptyGuid,
                    format!("`{}` uses a guid of no arguments", resource.symbol),
                    resource.origin,
                    "created here",
                )
                .with_help("give the guid the values that make it unique, e.g. the scope's id and the role"),
            );
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// A child must be deployed with its parent, an extension resource with the resource it extends.
fn same_group_checks(graph: &Graph, index: ResourceIndex) -> Vec<Diagnostic> {
    let resource = graph.resource(index);
    if graph.target != TargetScope::Subscription {
        return Vec::new();
    }
    let mut problems = Vec::new();
    for (other, role) in [(resource.parent, "parent"), (resource.scope, "scope")] {
        let Some(other) = other else { continue };
        let other_group = if is_resource_group(graph, other) {
            Some(other)
        } else {
            graph.resource(other).group
        };
        if other_group != resource.group {
            let target = graph.resource(other);
            problems.push(
                Diagnostic::new(
                    Code::ParentInOtherGroup,
                    format!(
                        "`{}` is deployed into another resource group than its {role} `{}`",
                        resource.symbol, target.symbol
                    ),
                    resource.origin,
                    "created here",
                )
                .with_label(target.origin, format!("the {role}"))
                .with_help(format!(
                    "deploy `{}` into the resource group of `{}`",
                    resource.symbol, target.symbol
                )),
            );
        }
    }
    problems
}

/// The first runtime property a template reads, directly or through names and guids, as
/// `symbol.path`.
fn runtime_value_in(graph: &Graph, template: &Template, depth: usize) -> Option<String> {
    if depth > graph.resources.len() + 1 {
        return None;
    }
    template.references().find_map(|reference| match reference {
        Reference::Property(r, path)
            if !matches!(path.as_slice(), [one] if one == "id" || one == "name") =>
        {
            Some(format!("{}.{}", graph.resource(*r).symbol, path.join(".")))
        }
        Reference::Name(r) => runtime_value_in(graph, &graph.resource(*r).name, depth + 1),
        Reference::Guid(args) => args
            .iter()
            .find_map(|a| runtime_value_in(graph, a, depth + 1)),
        _ => None,
    })
}

fn has_empty_guid(template: &Template) -> bool {
    template.references().any(|reference| match reference {
        Reference::Guid(args) => args.is_empty() || args.iter().any(has_empty_guid),
        _ => false,
    })
}

/// Every template in a resource body, depth first.
fn templates_in_body(body: &crate::graph::Fields) -> Vec<&Template> {
    fn walk<'a>(node: &'a crate::graph::Node, out: &mut Vec<&'a Template>) {
        match node {
            crate::graph::Node::Str(t) => out.push(t),
            crate::graph::Node::List(items) => items.iter().for_each(|n| walk(n, out)),
            crate::graph::Node::Object(map) => map.values().for_each(|n| walk(n, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    body.values().for_each(|n| walk(n, &mut out));
    out
}
