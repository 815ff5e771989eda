//! Reads `main.json` and the Bicep files back into one canonical description of the deployment,
//! so that a test can check that both describe the same thing.
//!
//! The description: parameters, outputs, metadata, and per deployment unit (`""` is the top
//! level) its resource group, what it waits for, and its resources by key (type, full name, and
//! resource group, or `@scope` for extension resources) with API version, body and dependencies.
//! Values are canonical: deployment-time values become markers such as `⟪id:KEY⟫`,
//! `⟪prop:KEY:properties.principalId⟫`, `⟪param:location⟫` and `⟪guid:a|b⟫`, whatever ARM
//! expression or Bicep symbol, module output or module parameter carried them.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

#[derive(Debug, Default, PartialEq)]
pub struct Model {
    pub parameters: BTreeMap<String, ParameterView>,
    pub outputs: BTreeMap<String, (String, Value)>,
    pub metadata: Value,
    pub units: BTreeMap<String, UnitView>,
}

#[derive(Debug, Default, PartialEq)]
pub struct ParameterView {
    /// `string`, `int` or `bool`.
    pub kind: String,
    pub secure: bool,
    pub default: Option<Value>,
    pub allowed: Vec<Value>,
    pub description: Option<String>,
}

#[derive(Debug, Default, PartialEq)]
pub struct UnitView {
    /// The canonical resource group name (`""` at the top level).
    pub group: String,
    /// `unit:<name>` and `res:<key>` entries.
    pub depends_on: BTreeSet<String>,
    pub resources: BTreeMap<String, ResourceView>,
}

#[derive(Debug, Default, PartialEq)]
pub struct ResourceView {
    pub api_version: String,
    pub body: Value,
    pub depends_on: BTreeSet<String>,
}

/// The key of an ordinary resource.
pub fn key(resource_type: &str, full_name: &str, group: &str) -> String {
    format!("{}|{full_name}|{group}", resource_type.to_ascii_lowercase())
}

/// The key of an extension resource.
pub fn extension_key(resource_type: &str, name: &str, scope_key: &str) -> String {
    format!("{}|{name}|@{scope_key}", resource_type.to_ascii_lowercase())
}

pub fn id_marker(key: &str) -> String {
    format!("⟪id:{key}⟫")
}

pub fn key_of_id(marker: &str) -> Option<&str> {
    marker.strip_prefix("⟪id:")?.strip_suffix('⟫')
}

pub fn prop_marker(key: &str, path: &[String]) -> String {
    format!("⟪prop:{key}:{}⟫", path.join("."))
}

pub fn param_marker(name: &str) -> String {
    format!("⟪param:{name}⟫")
}

/// `subscription().tenantId` and the like.
pub fn context_marker(field: &str) -> String {
    format!("⟪ctx:{field}⟫")
}

pub fn guid_marker(args: &[String]) -> String {
    format!("⟪guid:{}⟫", args.join("|"))
}

/// Differences between two models, as readable lines (empty when equal).
pub fn differences(arm: &Model, bicep: &Model) -> Vec<String> {
    let mut out = Vec::new();
    if arm.parameters != bicep.parameters {
        out.push(format!(
            "parameters differ:\n  arm:   {:?}\n  bicep: {:?}",
            arm.parameters, bicep.parameters
        ));
    }
    if arm.outputs != bicep.outputs {
        out.push(format!(
            "outputs differ:\n  arm:   {:?}\n  bicep: {:?}",
            arm.outputs, bicep.outputs
        ));
    }
    if arm.metadata != bicep.metadata {
        out.push(format!(
            "metadata differs:\n  arm:   {}\n  bicep: {}",
            arm.metadata, bicep.metadata
        ));
    }
    let names: BTreeSet<&String> = arm.units.keys().chain(bicep.units.keys()).collect();
    for name in names {
        let (Some(a), Some(b)) = (arm.units.get(name), bicep.units.get(name)) else {
            out.push(format!("unit `{name}` exists on one side only"));
            continue;
        };
        if a.group != b.group {
            out.push(format!("unit `{name}`: group {} vs {}", a.group, b.group));
        }
        if a.depends_on != b.depends_on {
            out.push(format!(
                "unit `{name}`: depends on\n  arm:   {:?}\n  bicep: {:?}",
                a.depends_on, b.depends_on
            ));
        }
        let keys: BTreeSet<&String> = a.resources.keys().chain(b.resources.keys()).collect();
        for key in keys {
            match (a.resources.get(key), b.resources.get(key)) {
                (Some(x), Some(y)) if x == y => {}
                (Some(x), Some(y)) => out.push(format!(
                    "unit `{name}`, resource {key}:\n  arm:   {x:?}\n  bicep: {y:?}"
                )),
                _ => out.push(format!("unit `{name}`: resource {key} on one side only")),
            }
        }
    }
    out
}
