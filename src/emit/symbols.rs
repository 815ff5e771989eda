//! Resource symbols that Bicep can use as they are.
//!
//! In a Bicep file, parameters and resources share one namespace, and a symbol named like a
//! function the emitters call (`subscription`, `guid`) would hide it. The graph's symbols are
//! unique among resources only, so a symbol that meets a parameter or such a function gets the
//! suffix `Resource` (then a number). Both emitters rename alike: deployment names derive from
//! resource group symbols and must be the same in `main.json` and the Bicep modules.

use std::borrow::Cow;
use std::collections::BTreeSet;

use crate::graph::Graph;

/// Functions the Bicep emitter calls.
const FUNCTIONS: &[&str] = &["subscription", "guid"];

pub fn distinct_symbols(graph: &Graph) -> Cow<'_, Graph> {
    let parameters: BTreeSet<&str> = graph.parameters.iter().map(|p| p.name.as_str()).collect();
    let clashes = |symbol: &str| parameters.contains(symbol) || FUNCTIONS.contains(&symbol);
    if !graph.resources.iter().any(|r| clashes(&r.symbol)) {
        return Cow::Borrowed(graph);
    }
    let mut taken: BTreeSet<String> = graph
        .resources
        .iter()
        .map(|r| r.symbol.clone())
        .chain(parameters.iter().map(|p| p.to_string()))
        .collect();
    let mut renamed = graph.clone();
    for resource in &mut renamed.resources {
        if !clashes(&resource.symbol) {
            continue;
        }
        let base = format!("{}Resource", resource.symbol);
        let mut symbol = base.clone();
        let mut counter = 2;
        while taken.contains(&symbol) {
            symbol = format!("{base}{counter}");
            counter += 1;
        }
        taken.insert(symbol.clone());
        resource.symbol = symbol;
    }
    Cow::Owned(renamed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Parameter, ParameterType, Resource, TargetScope, Template};

    fn resource(symbol: &str) -> Resource {
        Resource {
            symbol: symbol.into(),
            resource_type: "Microsoft.Network/virtualNetworks".into(),
            api_version: "2024-05-01".into(),
            name: Template::literal(symbol),
            parent: None,
            scope: None,
            group: None,
            body: Default::default(),
            depends_on: Vec::new(),
            origin: Default::default(),
            calls: Vec::new(),
            allows: Vec::new(),
        }
    }

    #[test]
    fn symbols_meeting_parameters_or_functions_are_renamed() {
        let graph = Graph {
            target: TargetScope::ResourceGroup,
            parameters: vec![Parameter {
                name: "hub".into(),
                kind: ParameterType::String,
                default: None,
                allowed: Vec::new(),
                description: None,
                origin: Default::default(),
            }],
            resources: vec![
                resource("hub"),
                resource("hubResource"),
                resource("subscription"),
                resource("spoke"),
            ],
            outputs: Vec::new(),
        };
        let renamed = distinct_symbols(&graph);
        let symbols: Vec<&str> = renamed
            .resources
            .iter()
            .map(|r| r.symbol.as_str())
            .collect();
        assert_eq!(
            symbols,
            [
                "hubResource2",
                "hubResource",
                "subscriptionResource",
                "spoke"
            ]
        );
        let plain = Graph {
            parameters: Vec::new(),
            resources: vec![resource("spoke")],
            ..graph
        };
        assert!(matches!(distinct_symbols(&plain), Cow::Borrowed(_)));
    }
}
