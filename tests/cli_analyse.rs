//! The analyser from the command line: `check` runs it, `build` refuses to emit on its errors,
//! profiles turn security findings into warnings, `--deny-warnings` and SARIF output.

use std::path::PathBuf;
use std::process::Command;

/// The minimal example with its storage opened to the internet (ST1).
/// The program in a folder of its own per test: tests run in parallel.
fn open_storage_program(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sblc-cli-analyse-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let minimal = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/minimal/main.sbl"
    ))
    .expect("example");
    let opened = minimal.replace(
        "containers = [ \"packages\" ];",
        "containers = [ \"packages\" ]; publicNetworkAccess = true;",
    );
    assert_ne!(opened, minimal, "the example changed shape");
    std::fs::write(dir.join("main.sbl"), opened).expect("write");
    dir.join("main.sbl")
}

fn sblc(args: &[&str], file: &PathBuf) -> (Option<i32>, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_sblc"))
        .env("NO_COLOR", "1")
        .args(args)
        .arg(file)
        .output()
        .expect("run sblc");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn security_findings_are_errors_in_strict_and_warnings_in_relaxed() {
    let file =
        open_storage_program("security_findings_are_errors_in_strict_and_warnings_in_relaxed");
    let (code, _, stderr) = sblc(&["check"], &file);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("S0611") && stderr.contains("main.sbl"),
        "{stderr}"
    );

    let (code, _, stderr) = sblc(&["--profile", "relaxed", "check"], &file);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("S0611") && stderr.contains("warning"),
        "{stderr}"
    );

    let (code, _, _) = sblc(&["--profile", "relaxed", "--deny-warnings", "check"], &file);
    assert_eq!(code, Some(1));
}

#[test]
fn build_refuses_to_emit_on_findings() {
    let file = open_storage_program("build_refuses_to_emit_on_findings");
    let (code, _, stderr) = sblc(&["build"], &file);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        !file.parent().expect("dir").join("out").exists(),
        "a failed build wrote output"
    );
}

#[test]
fn sarif_output_names_the_rule_and_the_users_line() {
    let file = open_storage_program("sarif_output_names_the_rule_and_the_users_line");
    let (code, stdout, _) = sblc(&["--message-format", "sarif", "check"], &file);
    assert_eq!(code, Some(1));
    let sarif: serde_json::Value = serde_json::from_str(&stdout).expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let finding = results
        .iter()
        .find(|r| r["ruleId"] == "S0611")
        .expect("the ST1 finding");
    assert_eq!(finding["level"], "error");
    let uri = finding["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap_or_default();
    assert!(uri.ends_with("main.sbl"), "{uri}");
}
