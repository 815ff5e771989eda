//! Every resource remembers the `.sbl` span that created it: the user's call site, also when a
//! stdlib module declared it.

mod common;

use std::path::PathBuf;

#[test]
fn stdlib_resources_point_at_the_users_call() {
    let entry = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/minimal/main.sbl");
    let origins = common::with_big_stack(move || {
        let (program, diagnostics) = sblc::load::load_file(&entry).expect("readable");
        assert!(diagnostics.is_empty());
        let declared = sblc::eval::evaluate_declared(&program).expect("evaluates");
        let graph = sblc::graph::build(&declared, &program.sources).expect("graph");
        graph
            .resources
            .iter()
            .map(|r| {
                let file = program.sources.get(r.origin.file);
                (
                    r.resource_type.clone(),
                    file.is_stdlib(),
                    program.sources.snippet(r.origin).to_string(),
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
    let entry =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples/raw-subscription/main.sbl");
    let vnets = common::with_big_stack(move || {
        let (program, diagnostics) = sblc::load::load_file(&entry).expect("readable");
        assert!(diagnostics.is_empty());
        let declared = sblc::eval::evaluate_declared(&program).expect("evaluates");
        let graph = sblc::graph::build(&declared, &program.sources).expect("graph");
        graph
            .resources
            .iter()
            .filter(|r| r.resource_type == "Microsoft.Network/virtualNetworks")
            .map(|r| {
                let snippet = |span| program.sources.snippet(span).to_string();
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
