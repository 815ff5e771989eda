//! ARM JSON templates: the resource-group template, and the parts every template shares
//! (parameters, one resource, outputs, metadata).
//!
//! Choices:
//! - child resources are written flat, at the top level: full `type`, `name` `parent/child`, and the
//!   parent in `dependsOn` (ARM needs it when both are in the same template);
//! - extension resources (role assignments, diagnostic settings) carry `scope` in the relative
//!   form `Microsoft.X/y/name`, which ARM and Bicep's own output use, and depend on their scope;
//! - `dependsOn` entries are `resourceId(...)` expressions, in the order the graph lists them:
//!   parent, scope, then inferred dependencies;
//! - no `variables`: every value is written where it is used, so a reader needs no indirection.

use serde_json::{json, Map, Value};

use crate::graph::{Graph, ParameterType, ResourceIndex};

use super::arm_expr::{ArmWriter, Place};
use super::units::dependencies;
use super::Metadata;

pub const RESOURCE_GROUP_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#";
pub const SUBSCRIPTION_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2018-05-01/subscriptionDeploymentTemplate.json#";

/// `main.json` for a resource-group deployment.
pub fn resource_group_template(graph: &Graph, meta: &Metadata) -> Value {
    let mut writer = ArmWriter::new(graph, Place::ResourceGroup);
    let resources: Vec<Value> = graph
        .indices()
        .map(|r| resource(&mut writer, r, |_| true))
        .collect();
    let outputs = outputs(&mut writer);
    let mut template = template_head(RESOURCE_GROUP_SCHEMA, Some(meta));
    template.insert("parameters".into(), parameters_section(graph, None, true));
    template.insert("resources".into(), Value::Array(resources));
    if !graph.outputs.is_empty() {
        template.insert("outputs".into(), outputs);
    }
    Value::Object(template)
}

/// `$schema`, `contentVersion` and, for the top-level template, `metadata`.
pub fn template_head(schema: &str, meta: Option<&Metadata>) -> Map<String, Value> {
    let mut head = Map::new();
    head.insert("$schema".into(), json!(schema));
    head.insert("contentVersion".into(), json!("1.0.0.0"));
    if let Some(meta) = meta {
        head.insert("metadata".into(), metadata(meta));
    }
    head
}

fn metadata(meta: &Metadata) -> Value {
    let allowed: Vec<Value> = meta
        .allows
        .iter()
        .map(|(symbol, allow)| {
            json!({ "resource": symbol, "rule": allow.rule, "reason": allow.reason })
        })
        .collect();
    json!({
        "_generator": { "name": "sblc", "version": meta.generator_version },
        "inputsHash": meta.inputs_hash,
        "allowedFindings": allowed,
    })
}

/// The `parameters` section: every graph parameter, or only `only` (for inner templates, which
/// declare the parameters they read and get them from the outer template, without defaults).
pub fn parameters_section(
    graph: &Graph,
    only: Option<&std::collections::BTreeSet<String>>,
    with_defaults: bool,
) -> Value {
    let mut section = Map::new();
    for parameter in &graph.parameters {
        if only.is_some_and(|names| !names.contains(&parameter.name)) {
            continue;
        }
        let mut declaration = Map::new();
        declaration.insert("type".into(), json!(arm_parameter_type(parameter.kind)));
        let mut writer = ArmWriter::new(graph, Place::ResourceGroup);
        if with_defaults && parameter.kind != ParameterType::SecureString {
            if let Some(default) = &parameter.default {
                declaration.insert("defaultValue".into(), writer.node(default));
            }
        }
        if with_defaults && !parameter.allowed.is_empty() {
            let allowed = parameter.allowed.iter().map(|n| writer.node(n)).collect();
            declaration.insert("allowedValues".into(), Value::Array(allowed));
        }
        if let Some(description) = &parameter.description {
            declaration.insert("metadata".into(), json!({ "description": description }));
        }
        section.insert(parameter.name.clone(), Value::Object(declaration));
    }
    Value::Object(section)
}

/// `secureString` spelled so: checkov's CKV_AZURE_131 compares it exactly.
pub fn arm_parameter_type(kind: ParameterType) -> &'static str {
    match kind {
        ParameterType::String => "string",
        ParameterType::SecureString => "secureString",
        ParameterType::Int => "int",
        ParameterType::Bool => "bool",
    }
}

/// One resource. `same_template` says whether a dependency is deployed by the same template (and
/// so belongs in `dependsOn`); the others are the nested deployment's business.
pub fn resource(
    writer: &mut ArmWriter,
    index: ResourceIndex,
    same_template: impl Fn(ResourceIndex) -> bool,
) -> Value {
    let graph = writer.graph;
    let resource = graph.resource(index);
    let mut out = Map::new();
    out.insert("type".into(), json!(resource.resource_type));
    out.insert("apiVersion".into(), json!(resource.api_version));
    let name = writer.full_name(index);
    out.insert("name".into(), json!(name.to_string_value()));
    if let Some(scope) = resource.scope {
        let scope_is_own_group =
            writer.place == Place::Group(scope) && resource.group == Some(scope);
        if !scope_is_own_group {
            let relative = writer.relative_id(scope);
            out.insert("scope".into(), json!(relative.to_string_value()));
        }
    }
    for (key, value) in &resource.body {
        out.insert(key.clone(), writer.node(value));
    }
    let depends_on: Vec<Value> = dependencies(graph, index)
        .into_iter()
        .filter(|&d| same_template(d))
        .map(|d| json!(writer.resource_id(d).to_string_value()))
        .collect();
    if !depends_on.is_empty() {
        out.insert("dependsOn".into(), Value::Array(depends_on));
    }
    Value::Object(out)
}

/// The `outputs` section.
pub fn outputs(writer: &mut ArmWriter) -> Value {
    let graph = writer.graph;
    let mut section = Map::new();
    for output in &graph.outputs {
        let value = writer.node(&output.value);
        section.insert(
            output.name.clone(),
            json!({ "type": output.kind, "value": value }),
        );
    }
    Value::Object(section)
}
