//! Bicep declarations: parameters, resources (deployed or `existing`), outputs and metadata.
//!
//! Only the widely parsed subset is written (checkov's pycep parser must read every file): no
//! user-defined types, lambdas, imports, spread or functions. Choices:
//! - child resources are top-level declarations with `parent:` and their own last name segment;
//! - extension resources use `scope: <symbol>`;
//! - `dependsOn` is written only for dependencies Bicep cannot infer, i.e. that no symbol in the
//!   resource's body names;
//! - secure parameters get `@secure()` and never a default.

use std::collections::BTreeSet;

use crate::graph::{Graph, Node, Parameter, ParameterType, ResourceIndex};

use super::bicep_expr::{quote, BicepWriter};
use super::units::dependencies;
use super::Metadata;

/// `param` with its decorators; `with_default` is false for module parameters.
pub fn parameter(writer: &mut BicepWriter, parameter: &Parameter, with_default: bool) -> String {
    let mut out = String::new();
    if let Some(description) = &parameter.description {
        out.push_str(&format!("@description({})\n", quote(description)));
    }
    if with_default && !parameter.allowed.is_empty() {
        let values: Vec<String> = parameter
            .allowed
            .iter()
            .map(|v| format!("  {}\n", writer.node(v, 1)))
            .collect();
        out.push_str(&format!("@allowed([\n{}])\n", values.concat()));
    }
    if parameter.kind == ParameterType::SecureString {
        out.push_str("@secure()\n");
    }
    let kind = match parameter.kind {
        ParameterType::String | ParameterType::SecureString => "string",
        ParameterType::Int => "int",
        ParameterType::Bool => "bool",
    };
    out.push_str(&format!("param {} {kind}", parameter.name));
    if with_default && parameter.kind != ParameterType::SecureString {
        if let Some(default) = &parameter.default {
            out.push_str(&format!(" = {}", writer.node(default, 0)));
        }
    }
    out.push('\n');
    out
}

/// How a resource is declared in a file.
pub struct Declaration<'a> {
    pub index: ResourceIndex,
    pub existing: bool,
    /// Resources deployed by the same file (candidates for `dependsOn`).
    pub deployed_here: &'a BTreeSet<ResourceIndex>,
    /// The resource group the file deploys into, if it is a module: a `scope` on it is implied.
    pub file_group: Option<ResourceIndex>,
    /// Further symbols (modules) to wait for, unless the body already names them.
    pub extra_depends_on: Vec<String>,
}

/// One `resource` declaration.
pub fn resource(writer: &mut BicepWriter, declaration: &Declaration) -> String {
    let graph = writer.graph;
    let index = declaration.index;
    let resource = graph.resource(index);
    let saved = std::mem::take(&mut writer.used_symbols);
    let mut body = String::new();
    if let Some(parent) = resource.parent {
        let symbol = &graph.resource(parent).symbol;
        writer.used_symbols.insert(symbol.clone());
        body.push_str(&format!("  parent: {symbol}\n"));
    }
    if let Some(scope) = resource.scope {
        if declaration.file_group != Some(scope) {
            let symbol = &graph.resource(scope).symbol;
            writer.used_symbols.insert(symbol.clone());
            body.push_str(&format!("  scope: {symbol}\n"));
        }
    }
    body.push_str(&format!("  name: {}\n", writer.template(&resource.name)));
    if !declaration.existing {
        body.push_str(&writer.fields(&resource.body, 1));
        let explicit: Vec<&str> = dependencies(graph, index)
            .into_iter()
            .filter(|d| declaration.deployed_here.contains(d))
            .map(|d| graph.resource(d).symbol.as_str())
            .chain(declaration.extra_depends_on.iter().map(String::as_str))
            .filter(|symbol| !writer.used_symbols.contains(*symbol))
            .collect();
        body.push_str(&depends_on(&explicit, 1));
    }
    let used = std::mem::replace(&mut writer.used_symbols, saved);
    writer.used_symbols.extend(used);
    format!(
        "resource {} '{}@{}' {}= {{\n{body}}}\n",
        resource.symbol,
        resource.resource_type,
        resource.api_version,
        if declaration.existing {
            "existing "
        } else {
            ""
        }
    )
}

/// A `dependsOn:` block at `indent` levels, or nothing.
pub fn depends_on(symbols: &[&str], indent: usize) -> String {
    if symbols.is_empty() {
        return String::new();
    }
    let pad = "  ".repeat(indent);
    let items: String = symbols.iter().map(|s| format!("{pad}  {s}\n")).collect();
    format!("{pad}dependsOn: [\n{items}{pad}]\n")
}

/// The file-level metadata of `main.bicep`: generator, inputs hash and allowed findings. pycep
/// reads only string metadata, so the findings are one compact JSON string, the same list as
/// `metadata.allowedFindings` in `main.json`.
pub fn metadata(meta: &Metadata) -> String {
    let findings: Vec<serde_json::Value> = meta
        .allows
        .iter()
        .map(|(symbol, allow)| {
            serde_json::json!({ "resource": symbol, "rule": allow.rule, "reason": allow.reason })
        })
        .collect();
    let findings = serde_json::Value::Array(findings).to_string();
    format!(
        "metadata generator = {}\nmetadata inputsHash = {}\nmetadata allowedFindings = {}\n",
        quote(&format!("sblc {}", meta.generator_version)),
        quote(&meta.inputs_hash),
        quote(&findings)
    )
}

/// The graph's outputs, in `main.bicep`.
pub fn outputs(writer: &mut BicepWriter, graph: &Graph) -> String {
    graph
        .outputs
        .iter()
        .map(|output| {
            let whole_value = matches!(&output.value, Node::Str(t) if t.0.len() == 1);
            writer
                .outside
                .expect_type(if whole_value { output.kind } else { "string" });
            let value = writer.node(&output.value, 0);
            writer.outside.expect_type("string");
            format!("output {} {} = {value}\n", output.name, output.kind)
        })
        .collect()
}
