//! SARIF output: the log of analyser findings (errors, warnings, several labels, a stdlib file)
//! validates against the final OASIS SARIF 2.1.0 JSON schema (vendored under `tests/data/`,
//! checked with the validators' Python `jsonschema`), and carries what GitHub code scanning reads.

mod analyse_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use analyse_support::*;
use sblc::analyse::Options;
use sblc::diagnostic::sarif::render_sarif;
use sblc::diagnostic::{Code, Diagnostic};
use sblc::source::{Origin, Span};
use serde_json::{json, Value};

fn python() -> PathBuf {
    let venv = std::env::var_os("SBL_VALIDATORS_VENV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/sbl-validators/venv"))
        })
        .unwrap_or_default();
    venv.join("bin/python")
}

fn validate(log: &str, schema: &Path) {
    let dir = std::env::temp_dir().join(format!("sblc-sarif-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let file = dir.join("log.sarif");
    std::fs::write(&file, log).unwrap_or_else(|e| panic!("{e}"));
    let script = "import json, sys, jsonschema\n\
        schema = json.load(open(sys.argv[1]))\n\
        log = json.load(open(sys.argv[2]))\n\
        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)\n\
        [print(list(e.absolute_path), e.message) for e in errors]\n\
        sys.exit(1 if errors else 0)\n";
    let output = Command::new(python())
        .args(["-c", script])
        .arg(schema)
        .arg(&file)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the validators' Python ({}) is needed: run shared/validators/setup.sh ({e})",
                python().display()
            )
        });
    assert!(
        output.status.success(),
        "the SARIF log does not validate against {}:\n{}{}",
        schema.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

fn findings() -> (String, Vec<Diagnostic>) {
    let mut d = baseline();
    d.disable("privatelink.blob.core.windows.net-spoke");
    d.get("render")["properties"]["targetNodeCommunicationMode"] = json!("Classic");
    d.get("sblstore")["allow"] = json!([{ "rule": "ST5", "reason": "stale" }]);
    let (analysis, mut sources) = d.run(&Options::default());
    let mut diagnostics = analysis.diagnostics;
    // A label in a stdlib module, as stdlib-made resources may have.
    let stdlib = sources.add(Origin::Stdlib("batch".into()), "<batch>", "pool = { };\n");
    diagnostics[0] = diagnostics[0]
        .clone()
        .with_label(Span::new(stdlib, 0, 4), "made by the stdlib");
    (render_sarif(&diagnostics, &sources), diagnostics)
}

/// The final OASIS SARIF 2.1.0 schema (errata 01, `id`
/// `https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json`),
/// vendored verbatim from
/// https://github.com/oasis-tcs/sarif-spec/blob/0a8091f7d4057e57b6d8d9b56129e5f918747b34/Schemata/sarif-schema-2.1.0.json
#[test]
fn sarif_validates_against_the_2_1_0_schema() {
    let (log, _) = findings();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    validate(&log, &data.join("sarif-schema-2.1.0.json"));
}

#[test]
fn sarif_carries_rules_results_and_locations() {
    let (log, diagnostics) = findings();
    let log: Value = serde_json::from_str(&log).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "sblc");
    assert_eq!(
        driver["rules"].as_array().map(Vec::len),
        Some(Code::ALL.len())
    );
    let results = run["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(results.len(), diagnostics.len());
    let codes: Vec<&str> = results
        .iter()
        .filter_map(|r| r["ruleId"].as_str())
        .collect();
    assert!(
        codes.contains(&"E0612") && codes.contains(&"E0636") && codes.contains(&"W0692"),
        "{codes:?}"
    );
    for result in &results {
        let index = result["ruleIndex"].as_u64().unwrap_or(u64::MAX) as usize;
        assert_eq!(driver["rules"][index]["id"], result["ruleId"]);
    }
    let unused = results
        .iter()
        .find(|r| r["ruleId"] == "W0692")
        .cloned()
        .unwrap_or_default();
    assert_eq!(unused["level"], "warning");
    let st2 = results
        .iter()
        .find(|r| r["ruleId"] == "E0612")
        .cloned()
        .unwrap_or_default();
    assert_eq!(st2["level"], "error");
    let location = &st2["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "main.sbl");
    assert!(location["region"]["startLine"].as_u64() > Some(1));
    assert!(st2["message"]["text"]
        .as_str()
        .unwrap_or("")
        .contains("help: "));
    let related = st2["relatedLocations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(related.len() >= 2, "the storage account and the subnet");
    let rule = &driver["rules"][Code::ALL
        .iter()
        .position(|c| *c == Code::StorageUnreachableFromPool)
        .unwrap_or_default()];
    assert_eq!(rule["properties"]["rule"], "ST2");
    assert_eq!(rule["name"], "StorageUnreachableFromPool");
    let first = &results[0]["relatedLocations"];
    let stdlib = first
        .as_array()
        .and_then(|l| l.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        stdlib["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "SBLC_STDLIB"
    );
}
