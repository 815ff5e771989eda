//! Support for the emitter tests: hand-built graphs, writing outputs to disk and running the
//! shared validators on them.
#![allow(dead_code)]

pub mod builder;
pub mod graphs;

use std::path::{Path, PathBuf};
use std::process::Command;

use sblc::emit::{emit_arm, emit_bicep, OutputFile};

use graphs::Case;

/// `../shared/validators` next to the repository.
pub fn validators_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/validators")
}

/// Every output file of a case (ARM and Bicep), or the diagnostics rendered.
pub fn emit_all(case: &Case) -> Vec<OutputFile> {
    let render = |d: Vec<sblc::diagnostic::Diagnostic>| {
        sblc::diagnostic::render::render_plain(&d, &case.sources)
    };
    let mut files = emit_arm(&case.graph, &case.meta)
        .unwrap_or_else(|d| panic!("{}: ARM emission failed:\n{}", case.name, render(d)));
    files.extend(
        emit_bicep(&case.graph, &case.meta)
            .unwrap_or_else(|d| panic!("{}: Bicep emission failed:\n{}", case.name, render(d))),
    );
    files
}

/// Writes files under a fresh folder of the test target directory and returns that folder.
pub fn write_files(label: &str, files: &[OutputFile]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("emit")
        .join(label);
    let _ = std::fs::remove_dir_all(&dir);
    for file in files {
        let path = dir.join(&file.path);
        std::fs::create_dir_all(path.parent().expect("file in a folder")).expect("create folder");
        std::fs::write(&path, &file.contents).expect("write output");
    }
    dir
}

/// The outcome of one validator run.
pub struct Run {
    pub command: String,
    pub ok: bool,
    pub output: String,
}

/// Runs a validator on files; the validators install their environment on first use.
pub fn validate(tool: &str, args: &[&str], files: &[PathBuf]) -> Run {
    let mut command = Command::new(validators_dir().join(tool));
    command.args(args).args(files);
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e}"));
    Run {
        command: format!("{tool} {}", args.join(" ")),
        ok: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// Runs several validators at once, one thread each.
pub fn validate_all(jobs: Vec<(&'static str, Vec<&'static str>, Vec<PathBuf>)>) -> Vec<Run> {
    let handles: Vec<_> = jobs
        .into_iter()
        .map(|(tool, args, files)| std::thread::spawn(move || validate(tool, &args, &files)))
        .collect();
    handles
        .into_iter()
        .map(|h| h.join().expect("validator thread"))
        .collect()
}

/// Files of `dir` with the extension, recursively, sorted.
pub fn files_with_extension(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).expect("read folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == extension) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

pub mod arm_read;
pub mod bicep_parse;
pub mod bicep_read;
pub mod equivalence;

/// Reads the ARM and the Bicep outputs of a case back and compares them.
pub fn compare_arm_and_bicep(
    label: &str,
    files: &[OutputFile],
) -> (equivalence::Model, Vec<String>) {
    let text = |path: &str| {
        files
            .iter()
            .find(|f| f.path == Path::new(path))
            .unwrap_or_else(|| panic!("{label}: no {path}"))
            .contents
            .clone()
    };
    let template: serde_json::Value =
        serde_json::from_str(&text("main.json")).expect("main.json is JSON");
    let arm = arm_read::read(&template);
    let modules = files
        .iter()
        .filter(|f| f.path.starts_with("modules"))
        .map(|f| {
            (
                f.path.to_string_lossy().replace('\\', "/"),
                f.contents.clone(),
            )
        })
        .collect();
    let bicep = bicep_read::read(&text("main.bicep"), modules);
    let differences = equivalence::differences(&arm, &bicep);
    (arm, differences)
}

/// Checks parameter files against the deploymentParameters schema with the validators' Python.
pub fn check_parameter_files(files: &[PathBuf]) -> Run {
    let setup = Command::new(validators_dir().join("setup.sh"))
        .status()
        .expect("run the validators' setup.sh");
    assert!(setup.success(), "validators setup failed");
    let venv = std::env::var_os("SBL_VALIDATORS_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").expect("HOME")).join(".cache/sbl-validators/venv")
        });
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common_emit/check_parameters.py");
    let output = Command::new(venv.join("bin/python"))
        .arg(script)
        .arg(validators_dir().join("schemas"))
        .args(files)
        .output()
        .expect("run python");
    Run {
        command: "check_parameters.py".into(),
        ok: output.status.success(),
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    }
}

/// `arm-schema-check --require-schema`, less one false positive of the checker: it validates a
/// top-level child's name by its last segment only (`default`), against a schema pattern written
/// for the full name (`^.*/default$`, storage `blobServices` and the like), so a correct
/// `account/default` fails. The checker has already checked the number of segments; an error
/// whose segment is exactly what the pattern requires after the `/` is that false positive.
pub fn schema_check(templates: &[PathBuf]) -> Run {
    let raw = validate(
        "arm-schema-check",
        &["--json", "--require-schema"],
        templates,
    );
    let Ok(reports) = serde_json::from_str::<serde_json::Value>(&raw.output) else {
        return raw;
    };
    let mut remaining = Vec::new();
    for report in reports.as_array().into_iter().flatten() {
        for error in report["errors"].as_array().into_iter().flatten() {
            let message = error["message"].as_str().unwrap_or_default();
            if !is_child_name_false_positive(message) {
                remaining.push(format!("{}: {error}", report["file"]));
            }
        }
    }
    Run {
        command: raw.command,
        ok: remaining.is_empty(),
        output: remaining.join("\n"),
    }
}

pub fn is_child_name_false_positive(message: &str) -> bool {
    // "'default' does not match '^.*/default$'"
    let Some((segment, pattern)) = message
        .strip_prefix('\'')
        .and_then(|m| m.split_once("' does not match '"))
    else {
        return false;
    };
    pattern == format!("^.*/{segment}$'") && !segment.contains('/')
}
