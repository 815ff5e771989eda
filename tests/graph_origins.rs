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
