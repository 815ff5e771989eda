//! Every example builds twice to the same bytes, covers what it should, keeps secrets out of its
//! files, and passes the security scan of `../shared/validators` (less the checks listed in
//! `docs/security-scan.md`). The schema, preflight, Bicep-parser and ARM/Bicep equivalence checks of
//! the examples are in `tests/emit_examples.rs`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use sblc::driver::{build, Formats};
use sblc::output::{write_all, OutputFile};

const EXAMPLES: &[&str] = &[
    "raw-network",
    "raw-subscription",
    "minimal",
    "secured-batch",
    "multi-spoke",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> PathBuf {
    root().join("../shared/validators").join(name)
}

fn build_example(name: &str) -> Vec<OutputFile> {
    let entry = root().join("examples").join(name).join("main.sbl");
    common::with_big_stack(move || {
        let outcome = build(&entry, Formats::All).expect("example readable");
        let report =
            sblc::diagnostic::render::render_plain(&outcome.diagnostics, &outcome.program.sources);
        assert!(outcome.diagnostics.is_empty(), "{}", report);
        outcome.value.expect("files")
    })
}

/// Builds every example into a temporary folder, once.
fn built() -> &'static [(String, PathBuf, Vec<OutputFile>)] {
    static BUILT: std::sync::OnceLock<Vec<(String, PathBuf, Vec<OutputFile>)>> =
        std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let base = std::env::temp_dir().join(format!("sblc-examples-{}", std::process::id()));
        EXAMPLES
            .iter()
            .map(|name| {
                let files = build_example(name);
                let out = base.join(name);
                write_all(&out, &files).expect("write");
                (name.to_string(), out, files)
            })
            .collect()
    })
}

fn run(tool: &str, args: &[&Path], extra: &[&str]) -> (bool, String) {
    let output = Command::new(validator(tool))
        .args(extra)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} (run ../shared/validators/setup.sh): {e}"));
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

fn files_with(out: &Path, files: &[OutputFile], extension: &str) -> Vec<PathBuf> {
    files
        .iter()
        .filter(|f| {
            f.path.extension().is_some_and(|e| e == extension) && !f.path.starts_with("scripts")
        })
        .filter(|f| f.path != Path::new("main.parameters.json"))
        .map(|f| out.join(&f.path))
        .collect()
}

#[test]
fn examples_build_to_the_same_bytes_twice() {
    for (name, _, files) in built() {
        assert_eq!(&build_example(name), files, "{name} is not deterministic");
    }
}

/// The check ids `docs/security-scan.md` lists, and the types it says checkov cannot see.
fn documented_exceptions() -> (Vec<String>, Vec<String>) {
    let doc = std::fs::read_to_string(root().join("docs/security-scan.md"))
        .expect("docs/security-scan.md");
    let checks = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| CKV_"))
        .map(|l| format!("CKV_{}", l.split('|').next().unwrap_or("").trim()))
        .collect();
    let types = doc
        .split("Types checkov has no checks for")
        .nth(1)
        .unwrap_or("")
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    (checks, types)
}

#[test]
fn security_scan_passes_but_for_documented_exceptions() {
    let (skipped, unseen_types) = documented_exceptions();
    assert!(
        skipped.len() >= 2 && unseen_types.len() >= 3,
        "docs/security-scan.md lost its table"
    );
    // One checkov run over every file of every example: its start-up is the slow part.
    let mut targets = Vec::new();
    for (_, out, files) in built() {
        targets.push(out.join("main.json"));
        targets.extend(files_with(out, files, "bicep"));
    }
    let paths: Vec<&Path> = targets.iter().map(PathBuf::as_path).collect();
    let skip = skipped.join(",");
    let (_, text) = run("security-scan", &paths, &["--json", "--skip-check", &skip]);
    let start = text.find('[').unwrap_or(0);
    let results: serde_json::Value = serde_json::from_str(&text[start..])
        .unwrap_or_else(|e| panic!("security-scan output: {e}\n{text}"));
    let results = results.as_array().expect("a list of results");
    assert_eq!(results.len(), targets.len(), "every file has a result");
    for result in results {
        if result["ok"] == true {
            continue;
        }
        let file = result["file"].as_str().unwrap_or_default();
        assert!(
            result["failed"].as_array().is_some_and(Vec::is_empty),
            "{file} has failed checks: {}",
            result["failed"]
        );
        // No finding, no resource: acceptable only for files of unseen types.
        let bicep = std::fs::read_to_string(file).unwrap_or_default();
        let declared: Vec<&str> = bicep
            .lines()
            .filter(|l| l.starts_with("resource ") && !l.contains(" existing "))
            .filter_map(|l| l.split('\'').nth(1))
            .map(|t| t.split('@').next().unwrap_or(t))
            .collect();
        assert!(
            declared.iter().all(|t| unseen_types.iter().any(|u| u == t)),
            "{file} was not scanned, but declares {declared:?}\n{result}"
        );
    }
}

#[test]
fn secure_parameters_have_no_value_in_any_file() {
    for (name, _, files) in built() {
        for file in files {
            assert!(
                !file.contents.contains('\u{E000}'),
                "{name}: a raw reference token in {}",
                file.path.display()
            );
        }
        if let Some(params) = files
            .iter()
            .find(|f| f.path == Path::new("main.parameters.json"))
        {
            let json: serde_json::Value =
                serde_json::from_str(&params.contents).expect("parameters JSON");
            for (param, value) in json["parameters"].as_object().into_iter().flatten() {
                assert!(
                    !param.to_lowercase().contains("password"),
                    "{name}: {param} = {value}"
                );
            }
        }
    }
}

#[test]
fn the_reference_architecture_covers_every_layer() {
    let (_, _, files) = built()
        .iter()
        .find(|(n, _, _)| n == "secured-batch")
        .expect("secured-batch");
    let all: String = files.iter().map(|f| f.contents.as_str()).collect();
    for resource_type in [
        "Microsoft.Resources/resourceGroups",
        "Microsoft.Network/virtualNetworks",
        "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
        "Microsoft.Network/azureFirewalls",
        "Microsoft.Network/firewallPolicies",
        "Microsoft.Network/bastionHosts",
        "Microsoft.Network/networkSecurityGroups",
        "Microsoft.Network/routeTables",
        "Microsoft.Network/privateEndpoints",
        "Microsoft.Network/privateDnsZones",
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks",
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.Storage/storageAccounts",
        "Microsoft.KeyVault/vaults",
        "Microsoft.KeyVault/vaults/keys",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Batch/batchAccounts",
        "Microsoft.Batch/batchAccounts/pools",
    ] {
        assert!(
            all.contains(&format!("\"{resource_type}\"")),
            "secured-batch emits no {resource_type}"
        );
    }
    let scripts: Vec<_> = files
        .iter()
        .filter(|f| f.path.starts_with("scripts"))
        .map(|f| f.path.clone())
        .collect();
    assert_eq!(
        scripts,
        [
            Path::new("scripts/linux/start-task.sh"),
            Path::new("scripts/windows/start-task.ps1")
        ]
    );
}
