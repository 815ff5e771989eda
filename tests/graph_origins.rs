//! Every resource remembers the `.sbl` span that created it: the user's call site, also when a
//! stdlib module declared it.

mod common;

use std::path::PathBuf;

use sblc::graph::Graph;
use sblc::source::SourceMap;

/// Reads the resource graph of an example with `read`.
fn with_graph<T: Send + 'static>(
    example: &str,
    read: impl FnOnce(&Graph, &SourceMap) -> T + Send + 'static,
) -> T {
    let entry = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(example)
        .join("main.sbl");
    common::with_big_stack(move || {
        let (program, diagnostics) = sblc::load::load_file(&entry).expect("readable");
        assert!(diagnostics.is_empty());
        let declared = sblc::eval::evaluate_declared(&program).expect("evaluates");
        let graph = sblc::graph::build(&declared, &program.sources).expect("graph");
        read(&graph, &program.sources)
    })
}

#[test]
fn stdlib_resources_point_at_the_users_call() {
    let origins = with_graph("minimal", |graph, sources| {
        graph
            .resources
            .iter()
            .map(|r| {
                let file = sources.get(r.origin.file);
                (
                    r.resource_type.clone(),
                    file.is_stdlib(),
                    sources.snippet(r.origin).to_string(),
                )
            })
            .collect::<Vec<_>>()
    });
    assert!(origins.len() > 30, "the minimal example has its resources");
    for (resource_type, in_stdlib, snippet) in &origins {
        assert!(!in_stdlib, "{resource_type} points into the stdlib");
        assert!(
            snippet.starts_with('{'),
            "{resource_type} points at {snippet:?}, not at a module's options"
        );
    }
    // The hub's firewall points at the `hub { ... }` options, the pool at the `batch { ... }` ones.
    let firewall = origins
        .iter()
        .find(|(t, _, _)| t == "Microsoft.Network/azureFirewalls")
        .expect("firewall");
    assert!(firewall.2.contains("min-hub"), "{}", firewall.2);
    let pool = origins
        .iter()
        .find(|(t, _, _)| t == "Microsoft.Batch/batchAccounts/pools")
        .expect("pool");
    assert!(pool.2.contains("minbatch"), "{}", pool.2);
}

#[test]
fn resources_made_by_a_users_helper_remember_the_calls_that_tell_them_apart() {
    let vnets = with_graph("raw-subscription", |graph, sources| {
        graph
            .resources
            .iter()
            .filter(|r| r.resource_type == "Microsoft.Network/virtualNetworks")
            .map(|r| {
                let snippet = |span| sources.snippet(span).to_string();
                (
                    snippet(r.origin),
                    r.calls.iter().map(|c| snippet(*c)).collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(vnets.len(), 2);
    for ((origin, calls), name) in vnets.iter().zip(["raw-hub-vnet", "raw-spoke-vnet"]) {
        // Both come from the `resource { ... }` in the helper `network`...
        assert!(
            origin.contains("type = \"Microsoft.Network/virtualNetworks\""),
            "{origin}"
        );
        // ...and one call each, with their own options.
        assert_eq!(calls.len(), 1, "{calls:?}");
        assert!(calls[0].contains(name), "{name}: {calls:?}");
    }
}
