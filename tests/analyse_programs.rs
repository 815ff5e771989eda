//! The analyser on whole `.sbl` programs, through the real pipeline (load, check, evaluate,
//! graph, start tasks attached), as `sblc build` runs it: the examples (stdlib-made landing zones)
//! are clean under the strict profile; changed programs give findings labelled at the user's
//! call sites, also for resources the stdlib made; allows in the source suppress with reasons.

mod analyse_support;

use std::path::{Path, PathBuf};

use sblc::analyse::{run, Analysis, Options};
use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::{Code, Diagnostic};
use sblc::source::SourceMap;
use sblc::{emit, eval, graph, load, types};

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// Runs the pipeline on a program's text, as the file `main.sbl` in `dir`.
fn analyse_text(text: &str, dir: &Path) -> (Analysis, SourceMap) {
    let (program, mut diagnostics) = load::load_text("main.sbl", text, dir);
    diagnostics.extend(types::check(&program).diagnostics);
    let fail = |d: &[Diagnostic], s: &SourceMap| -> ! { panic!("{}", render_plain(d, s)) };
    if diagnostics.iter().any(Diagnostic::is_error) {
        fail(&diagnostics, &program.sources);
    }
    let declared = eval::evaluate_declared(&program).unwrap_or_else(|e| fail(&e, &program.sources));
    let mut graph =
        graph::build(&declared, &program.sources).unwrap_or_else(|e| fail(&e, &program.sources));
    emit::start_task::attach(&mut graph, dir).unwrap_or_else(|e| fail(&e, &program.sources));
    (run(&graph, &Options::default()), program.sources)
}

fn example(name: &str) -> (String, PathBuf) {
    let dir = examples().join(name);
    let text =
        std::fs::read_to_string(dir.join("main.sbl")).unwrap_or_else(|e| panic!("{name}: {e}"));
    (text, dir)
}

fn changed(text: &str, from: &str, to: &str) -> String {
    assert!(
        text.contains(from),
        "the example no longer contains `{from}`"
    );
    text.replacen(from, to, 1)
}

#[test]
fn the_examples_are_clean_in_the_strict_profile() {
    for name in [
        "minimal",
        "multi-spoke",
        "raw-network",
        "raw-subscription",
        "secured-batch",
        "tour",
    ] {
        let (text, dir) = example(name);
        let (analysis, sources) = analyse_text(&text, &dir);
        assert!(
            analysis.diagnostics.is_empty(),
            "{name}:\n{}",
            render_plain(&analysis.diagnostics, &sources)
        );
    }
}

#[test]
fn stdlib_made_resources_are_labelled_at_the_call_site() {
    let (text, dir) = example("secured-batch");
    let text = changed(
        &text,
        "addressSpace = \"10.20.0.0/16\";",
        "addressSpace = \"10.1.128.0/17\";",
    );
    let (analysis, sources) = analyse_text(&text, &dir);
    let overlaps: Vec<Diagnostic> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::AddressSpaceConflict)
        .collect();
    assert!(!overlaps.is_empty());
    let main = sources.get(overlaps[0].primary.span.file);
    assert_eq!(
        main.name, "main.sbl",
        "the user's call site, not the stdlib"
    );
    analyse_support::snapshot("program-NW1", &render_plain(&overlaps, &sources));
}

const STORAGE: &str = r#"let
  hub = import <hub>;
  spoke = import <spoke>;
  storage = import <secure-storage>;
  core = hub { name = "work-hub"; location = "westeurope"; addressSpace = "10.1.0.0/16"; };
  net = spoke { name = "work"; location = "westeurope"; hub = core; addressSpace = "10.30.0.0/16"; };
  packages = storage {
    name = "workpkgs";
    location = "westeurope";
    spoke = net;
    allowSharedKeyAccess = true;
    ALLOW
  };
in { resources = [ core.resources net.resources packages.resources ]; }
"#;

#[test]
fn allows_in_the_source_suppress_with_their_reason() {
    let dir = examples();
    let (analysis, sources) = analyse_text(&STORAGE.replace("ALLOW", ""), &dir);
    let keys: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::StorageKeysOrSas)
        .cloned()
        .collect();
    assert_eq!(
        keys.len(),
        1,
        "{}",
        render_plain(&analysis.diagnostics, &sources)
    );
    analyse_support::snapshot("program-ST4", &render_plain(&keys, &sources));

    let allowed = STORAGE.replace("ALLOW", r#"allow = [ { rule = "ST4"; reason = "a legacy uploader signs with the key until Q3"; } ];"#);
    let (analysis, sources) = analyse_text(&allowed, &dir);
    assert!(
        analysis
            .diagnostics
            .iter()
            .all(|d| d.code != Code::StorageKeysOrSas),
        "{}",
        render_plain(&analysis.diagnostics, &sources)
    );
    assert_eq!(analysis.allowed.len(), 1);
    assert_eq!(
        analysis.allowed[0].1.reason,
        "a legacy uploader signs with the key until Q3"
    );

    let blank = STORAGE.replace("ALLOW", r#"allow = [ { rule = "ST4"; reason = ""; } ];"#);
    let (analysis, _) = analyse_text(&blank, &dir);
    let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        codes.contains(&Code::AllowWithoutReason) && codes.contains(&Code::StorageKeysOrSas),
        "{codes:?}"
    );
}

/// Scenario 4 of the managed-identity document, written with raw resources.
const RAW_POOL: &str = r#"let
  location = "westeurope";
  identity = name: resource { type = "Microsoft.ManagedIdentity/userAssignedIdentities"; apiVersion = "2023-01-31"; inherit name location; };
  nodes = identity "nodes-id";
  other = identity "other-id";
  store = resource {
    type = "Microsoft.Storage/storageAccounts"; apiVersion = "2023-05-01"; name = "rawstore"; inherit location;
    kind = "StorageV2"; sku.name = "Standard_LRS";
  };
  account = resource {
    type = "Microsoft.Batch/batchAccounts"; apiVersion = "2024-07-01"; name = "rawbatch"; inherit location;
    properties.autoStorage = {
      storageAccountId = store.id;
      authenticationMode = "BatchAccountManagedIdentity";
      nodeIdentityReference.resourceId = nodes.id;
    };
  };
  pool = resource {
    type = "Microsoft.Batch/batchAccounts/pools"; apiVersion = "2024-07-01"; name = "render"; parent = account;
    identity = { type = "UserAssigned"; userAssignedIdentities = listToAttrs [ { name = POOL_IDENTITY.id; value = { }; } ]; };
    properties = {
      vmSize = "Standard_D4s_v5";
      applicationPackages = [ { id = "${account.id}/applications/tools"; } ];
    };
  };
in { resources = [ pool ]; }
"#;

#[test]
fn a_raw_program_gives_the_scenario_diagnostics() {
    let dir = examples();
    let (analysis, sources) = analyse_text(&RAW_POOL.replace("POOL_IDENTITY", "other"), &dir);
    let not_on_pool: Vec<Diagnostic> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::IdentityNotOnPool)
        .cloned()
        .collect();
    assert_eq!(
        not_on_pool.len(),
        1,
        "{}",
        render_plain(&analysis.diagnostics, &sources)
    );
    assert!(not_on_pool[0].message.contains("`ApplicationPackageError`"));
    analyse_support::snapshot("program-ID1", &render_plain(&not_on_pool, &sources));

    let (analysis, _) = analyse_text(&RAW_POOL.replace("POOL_IDENTITY", "nodes"), &dir);
    let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert!(!codes.contains(&Code::IdentityNotOnPool), "{codes:?}");
    assert!(
        codes.contains(&Code::NodeIdentityWithoutStorageRole),
        "scenario 2: no role on the storage account"
    );
}
