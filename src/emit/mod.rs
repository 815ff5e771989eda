//! Phase 7: writing a resource [`Graph`] out as ARM JSON and as Bicep.
//!
//! Both emitters read the same graph and describe the same deployment:
//! - [`emit_arm`] writes `main.json` (one template; at subscription scope the resource groups plus
//!   one inner-scoped nested deployment per deployment unit, see `units.rs`) and
//!   `main.parameters.json` (non-secret defaults only, see `parameters.rs`);
//! - [`emit_bicep`] writes `main.bicep`, and at subscription scope one `modules/<unit>.bicep` per
//!   deployment unit, wired through module parameters and outputs.
//!
//! Emission either succeeds completely or returns every problem it found (`check.rs`: runtime
//! values in names, a child or extension resource outside its parent's or scope's resource group,
//! empty guids; `limits.rs`: ARM's size and count limits, E0530-E0535). Nothing here prints or touches the disk: the driver writes the files.
//! Output is byte-for-byte deterministic: maps keep the graph's order, JSON is pretty-printed with
//! two spaces and ends with a newline, and no timestamp or path of the machine appears.

mod arm;
mod arm_expr;
mod arm_nested;
mod bicep;
mod bicep_expr;
mod bicep_modules;
mod bicep_wiring;
mod check;
mod limits;
mod parameters;
pub mod start_task;
mod symbols;
mod units;

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;
use crate::graph::{Allow, Graph};

/// Facts about the build that the outputs record, so that a reviewer can tell which compiler and
/// which inputs produced them and which findings were allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// The `sblc` version, e.g. `0.1.0`.
    pub generator_version: String,
    /// A hash of every input file, computed by the driver.
    pub inputs_hash: String,
    /// Allowed analyser findings: the resource symbol and the allow with its reason.
    pub allows: Vec<(String, Allow)>,
}

/// One file to write, relative to the output folder (`main.json`, `main.parameters.json`,
/// `main.bicep`, `modules/<unit>.bicep`): the type [`crate::output::write_all`] writes.
pub use crate::output::OutputFile;

/// ARM JSON: `main.json` and `main.parameters.json`.
pub fn emit_arm(graph: &Graph, meta: &Metadata) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    check::check_graph(graph)?;
    let graph = &*symbols::distinct_symbols(graph);
    let template = match graph.target {
        crate::graph::TargetScope::ResourceGroup => arm::resource_group_template(graph, meta),
        crate::graph::TargetScope::Subscription => arm_nested::subscription_template(graph, meta),
    };
    limits::check_arm(graph, &template)?;
    let main = pretty_json(&template);
    Ok(vec![
        OutputFile {
            path: PathBuf::from("main.json"),
            contents: main,
        },
        OutputFile {
            path: PathBuf::from("main.parameters.json"),
            contents: pretty_json(&parameters::parameters_file(graph)),
        },
    ])
}

/// Bicep: `main.bicep`, plus `modules/<unit>.bicep` at subscription scope.
pub fn emit_bicep(graph: &Graph, meta: &Metadata) -> Result<Vec<OutputFile>, Vec<Diagnostic>> {
    check::check_graph(graph)?;
    let graph = &*symbols::distinct_symbols(graph);
    let files = bicep_modules::bicep_files(graph, meta);
    limits::check_bicep_modules(graph, &files)?;
    Ok(files
        .into_iter()
        .map(|file| OutputFile {
            path: file.path,
            contents: file.contents,
        })
        .collect())
}

/// Two-space pretty JSON with a trailing newline.
fn pretty_json(value: &serde_json::Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}
