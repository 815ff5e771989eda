//! Every example under `examples/` that declares a deployment goes through the whole pipeline
//! (load, evaluate, resource graph, emit): the validators accept its `main.json` and Bicep files,
//! and ARM and Bicep describe the same deployment.

mod common_emit;

use std::path::{Path, PathBuf};

use common_emit::{
    check_parameter_files, compare_arm_and_bicep, files_with_extension, schema_check, validate_all,
    write_files,
};
use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::Code;
use sblc::emit::OutputFile;

/// The example's output files as `sblc build` writes them, or `None` when its value is not a
/// deployment (the language tour).
fn emit_example(entry: PathBuf) -> Option<Vec<OutputFile>> {
    sblc::driver::with_large_stack(move || {
        let outcome = sblc::driver::build(&entry, sblc::driver::Formats::All).expect("readable");
        let errors: Vec<_> = outcome
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .cloned()
            .collect();
        if errors.iter().all(|d| d.code == Code::InvalidDeployment) && outcome.value.is_none() {
            return None;
        }
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            entry.display(),
            render_plain(&errors, &outcome.program.sources)
        );
        outcome.value
    })
}

#[test]
fn examples_validate_and_agree() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut names: Vec<String> = std::fs::read_dir(&examples)
        .expect("examples folder")
        .flatten()
        .filter(|e| e.path().join("main.sbl").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut templates = Vec::new();
    let mut parameters = Vec::new();
    let mut bicep = Vec::new();
    for name in &names {
        let Some(files) = emit_example(examples.join(name).join("main.sbl")) else {
            continue;
        };
        let (_, differences) = compare_arm_and_bicep(name, &files);
        assert!(
            differences.is_empty(),
            "{name}: ARM and Bicep differ:\n{}",
            differences.join("\n")
        );
        let dir = write_files(&format!("example-{name}"), &files);
        templates.push(dir.join("main.json"));
        parameters.push(dir.join("main.parameters.json"));
        bicep.extend(files_with_extension(&dir, "bicep"));
    }
    assert!(templates.len() >= 4, "examples emitted: {templates:?}");
    let schema = schema_check(&templates);
    let runs = validate_all(vec![
        ("arm-template-check", vec![], templates),
        ("bicep-syntax-check", vec![], bicep.clone()),
        ("bicep-checkov-parse", vec![], bicep),
    ]);
    let parameters = check_parameter_files(&parameters);
    for run in runs.iter().chain([&parameters, &schema]) {
        assert!(run.ok, "{} failed:\n{}", run.command, run.output);
    }
}
