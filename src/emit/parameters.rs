//! `main.parameters.json`: the values a deployment is started with, ready to edit.
//!
//! It lists every parameter that has a literal default, with that default. Secure parameters are
//! left out on purpose: they never have a default (the graph guarantees it), no secret may appear
//! in an output file, and a Key Vault reference placeholder would need a vault id the compiler
//! does not know and would make the file fail to deploy until edited. `az deployment ... create`
//! asks for missing secure values, or they are given on the command line
//! (`--parameters adminPassword=...`) or added as a Key Vault reference by the user. Parameters
//! without a default, and defaults that are expressions, are left out too: the template decides.

use serde_json::{json, Map, Value};

use crate::graph::{Graph, ParameterType};

use super::arm_expr::{ArmWriter, Place};

pub const PARAMETERS_SCHEMA: &str =
    "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#";

pub fn parameters_file(graph: &Graph) -> Value {
    let mut values = Map::new();
    for parameter in &graph.parameters {
        if parameter.kind == ParameterType::SecureString {
            continue;
        }
        let Some(default) = &parameter.default else {
            continue;
        };
        let mut writer = ArmWriter::new(graph, Place::ResourceGroup);
        let value = writer.node(default);
        if contains_expression(&value) {
            continue;
        }
        values.insert(parameter.name.clone(), json!({ "value": value }));
    }
    json!({
        "$schema": PARAMETERS_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": values,
    })
}

/// Whether a value holds an ARM expression, which a parameters file cannot.
fn contains_expression(value: &Value) -> bool {
    match value {
        Value::String(s) => s.starts_with('[') && s.ends_with(']') && !s.starts_with("[["),
        Value::Array(items) => items.iter().any(contains_expression),
        Value::Object(map) => map.values().any(contains_expression),
        _ => false,
    }
}
