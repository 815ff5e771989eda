//! From an ARM resource id back to the `.sbl` that made the resource: what-if changes and failed
//! deployment operations name resources by id, and users want to see their own line.

use std::collections::HashMap;

use crate::graph::{Graph, ResourceIndex};
use crate::source::{SourceMap, Span};

/// The parts of a resource id that identify a resource of the graph.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceId {
    pub group: Option<String>,
    /// Full type, e.g. `Microsoft.Network/virtualNetworks/subnets`.
    pub resource_type: String,
    /// Full name, e.g. `vnet/pool`.
    pub name: String,
}

/// Splits `/subscriptions/s/resourceGroups/rg/providers/Ns/t1/n1/t2/n2` (case-insensitive
/// keywords); an extension resource is read by its last `providers` part.
pub fn parse_id(id: &str) -> Option<ResourceId> {
    let segments: Vec<&str> = id.trim_matches('/').split('/').collect();
    let keyword = |i: usize, word: &str| {
        segments
            .get(i)
            .is_some_and(|s| s.eq_ignore_ascii_case(word))
    };
    let group = (0..segments.len())
        .find(|&i| keyword(i, "resourceGroups"))
        .and_then(|i| segments.get(i + 1))
        .map(|g| g.to_string());
    let Some(providers) = (0..segments.len()).rev().find(|&i| keyword(i, "providers")) else {
        // `/subscriptions/s/resourceGroups/rg` is the resource group itself.
        return match (segments.len(), group) {
            (4, Some(group)) => Some(ResourceId {
                group: None,
                resource_type: "Microsoft.Resources/resourceGroups".into(),
                name: group,
            }),
            _ => None,
        };
    };
    let rest = &segments[providers + 1..];
    let (namespace, pairs) = rest.split_first()?;
    if pairs.is_empty() || pairs.len() % 2 != 0 {
        return None;
    }
    let types: Vec<&str> = pairs.iter().step_by(2).copied().collect();
    let names: Vec<&str> = pairs.iter().skip(1).step_by(2).copied().collect();
    Some(ResourceId {
        group,
        resource_type: format!("{namespace}/{}", types.join("/")),
        name: names.join("/"),
    })
}

/// Where a resource came from in the program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The user's code that made it.
    pub span: Span,
    /// The user's calls that led there, innermost first.
    pub calls: Vec<Span>,
}

impl Origin {
    /// `main.sbl:17:45`, and `via main.sbl:25:11` for the outermost call when there is one.
    pub fn describe(&self, sources: &SourceMap) -> String {
        match self.calls.last() {
            Some(call) => format!(
                "{} via {}",
                location(sources, self.span),
                location(sources, *call)
            ),
            None => location(sources, self.span),
        }
    }
}

/// `file:line:column` of a span.
pub fn location(sources: &SourceMap, span: Span) -> String {
    let file = sources.get(span.file);
    let (line, column) = file.line_col(span.start as usize);
    format!("{}:{line}:{column}", file.name)
}

/// A resource of the graph that an id may name: its resource group, index and origin.
type Candidate = (Option<String>, ResourceIndex, Origin);

/// The graph's resources by (lower-case) type and full name.
#[derive(Debug, Default)]
pub struct Origins {
    by_name: HashMap<(String, String), Vec<Candidate>>,
    /// Extension resources (role assignments, diagnostic settings) by type and the resource
    /// they extend: their names are often `guid(...)` expressions, known only to ARM.
    by_scope: HashMap<(String, ResourceIndex), Vec<Origin>>,
}

impl Origins {
    pub fn new(graph: &Graph) -> Origins {
        let mut by_name: HashMap<_, Vec<_>> = HashMap::new();
        let mut by_scope: HashMap<_, Vec<_>> = HashMap::new();
        for index in graph.indices() {
            let resource = graph.resource(index);
            let origin = Origin {
                span: resource.origin,
                calls: resource.calls.clone(),
            };
            if let Some(scope) = resource.scope {
                by_scope
                    .entry((resource.resource_type.to_ascii_lowercase(), scope))
                    .or_default()
                    .push(origin.clone());
            }
            let Some(name) = full_name(graph, index) else {
                continue;
            };
            let group = resource
                .group
                .and_then(|g| graph.resource(g).name.as_literal())
                .map(|g| g.to_ascii_lowercase());
            by_name
                .entry((
                    resource.resource_type.to_ascii_lowercase(),
                    name.to_ascii_lowercase(),
                ))
                .or_default()
                .push((group, index, origin));
        }
        Origins { by_name, by_scope }
    }

    /// Where the program made the resource an id names.
    pub fn find(&self, id: &str) -> Option<&Origin> {
        self.find_named(id)
            .map(|(_, origin)| origin)
            .or_else(|| self.find_extension(id))
    }

    /// An extension resource by the resource it extends, when every candidate of its type there
    /// comes from the same place in the program.
    fn find_extension(&self, id: &str) -> Option<&Origin> {
        let at = id.to_ascii_lowercase().rfind("/providers/")?;
        let (scope_id, _) = id.split_at(at);
        let (scope, _) = self.find_named(scope_id)?;
        let own = parse_id(id)?;
        let origins = self
            .by_scope
            .get(&(own.resource_type.to_ascii_lowercase(), scope))?;
        let first = origins.first()?;
        origins.iter().all(|o| o == first).then_some(first)
    }

    fn find_named(&self, id: &str) -> Option<(ResourceIndex, &Origin)> {
        let id = parse_id(id)?;
        let candidates = self.by_name.get(&(
            id.resource_type.to_ascii_lowercase(),
            id.name.to_ascii_lowercase(),
        ))?;
        let group = id.group.map(|g| g.to_ascii_lowercase());
        let found = match candidates.as_slice() {
            [only] => only,
            many => many.iter().find(|(g, _, _)| *g == group)?,
        };
        Some((found.1, &found.2))
    }
}

/// `parent/child` names, when every part is known at build time.
fn full_name(graph: &Graph, index: ResourceIndex) -> Option<String> {
    let resource = graph.resource(index);
    let own = resource.name.as_literal()?;
    match resource.parent {
        Some(parent) => Some(format!("{}/{own}", full_name(graph, parent)?)),
        None => Some(own),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_into_group_type_and_name() {
        let id = parse_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/pool")
            .expect("an id");
        assert_eq!(id.group.as_deref(), Some("rg"));
        assert_eq!(
            id.resource_type,
            "Microsoft.Network/virtualNetworks/subnets"
        );
        assert_eq!(id.name, "v/pool");
        let group = parse_id("/subscriptions/s/resourcegroups/rg").expect("a group");
        assert_eq!(group.resource_type, "Microsoft.Resources/resourceGroups");
        let extension = parse_id("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a/providers/Microsoft.Authorization/roleAssignments/g")
            .expect("an extension");
        assert_eq!(
            extension.resource_type,
            "Microsoft.Authorization/roleAssignments"
        );
        assert_eq!(
            parse_id("/subscriptions/s/providers/Microsoft.Foo/bar"),
            None
        );
    }
}
