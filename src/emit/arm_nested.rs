//! ARM JSON at subscription scope: resource groups at the top level and one nested deployment per
//! deployment unit (see [`super::units`]), each holding its resources in an inner-scoped template.
//!
//! Choices:
//! - `expressionEvaluationOptions.scope` is `inner`: an inner template sees only its own
//!   parameters, so each declares exactly the parameters its resources read and the outer
//!   template passes them through (`parameters('x')`), secure ones included (they stay secure);
//! - a resource of another group is named by a full id (`resourceId('<group>', 'T', ...)`), and
//!   its runtime properties are read with `reference(<that id>, ...)`: no value is copied between
//!   deployments, so no output of one is needed by another;
//! - each deployment depends on its own resource group, the groups its resources use and the
//!   units holding resources they depend on; deployment names are the units' names;
//! - resources that are neither resource groups nor in one stay at the top level
//!   (subscription-level resources).

use serde_json::{json, Map, Value};

use crate::graph::{Graph, ResourceIndex};

use super::arm::{
    outputs, parameters_section, resource, template_head, RESOURCE_GROUP_SCHEMA,
    SUBSCRIPTION_SCHEMA,
};
use super::arm_expr::{ArmWriter, Expr, Place};
use super::units::{dependencies, is_resource_group, plan, Unit, Units};
use super::Metadata;

/// The API version of `Microsoft.Resources/deployments` (validators have its schema).
pub const DEPLOYMENTS_API: &str = "2024-03-01";
pub const DEPLOYMENTS_TYPE: &str = "Microsoft.Resources/deployments";

/// `main.json` for a subscription deployment.
pub fn subscription_template(graph: &Graph, meta: &Metadata) -> Value {
    let units = plan(graph);
    let mut writer = ArmWriter::new(graph, Place::Subscription);
    let mut resources = Vec::new();
    for index in graph.indices() {
        if units.unit_of[index.0].is_some() {
            continue;
        }
        let mut value = resource(&mut writer, index, |d| units.unit_of[d.0].is_none());
        let unit_deps: Vec<usize> = dependencies(graph, index)
            .iter()
            .filter_map(|d| units.unit_of[d.0])
            .collect();
        add_depends_on(
            &mut value,
            unit_deps
                .iter()
                .map(|&u| deployment_id(&mut writer, &units, u)),
        );
        resources.push(value);
    }
    for (number, unit) in units.list.iter().enumerate() {
        resources.push(deployment(graph, &units, number, unit));
    }
    let outputs = outputs(&mut writer);
    let mut template = template_head(SUBSCRIPTION_SCHEMA, Some(meta));
    template.insert("parameters".into(), parameters_section(graph, None, true));
    template.insert("resources".into(), Value::Array(resources));
    if !graph.outputs.is_empty() {
        template.insert("outputs".into(), outputs);
    }
    Value::Object(template)
}

fn add_depends_on(resource: &mut Value, more: impl Iterator<Item = Expr>) {
    let Some(object) = resource.as_object_mut() else {
        return;
    };
    let entry = object
        .entry("dependsOn")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = entry {
        for expr in more {
            let value = json!(expr.to_string_value());
            if !list.contains(&value) {
                list.push(value);
            }
        }
    }
    if object.get("dependsOn").is_some_and(|d| d == &json!([])) {
        object.shift_remove("dependsOn");
    }
}

/// The id of a unit's deployment, as seen from the top-level template.
fn deployment_id(writer: &mut ArmWriter, units: &Units, unit: usize) -> Expr {
    let unit = &units.list[unit];
    Expr::Call(
        "extensionResourceId",
        vec![
            writer.resource_id(unit.group),
            Expr::Str(DEPLOYMENTS_TYPE.into()),
            Expr::Str(unit.name.clone()),
        ],
    )
}

/// The nested deployment of one unit.
fn deployment(graph: &Graph, units: &Units, number: usize, unit: &Unit) -> Value {
    let mut inner = ArmWriter::new(graph, Place::Group(unit.group));
    let resources: Vec<Value> = unit
        .resources
        .iter()
        .map(|&r| resource(&mut inner, r, |d| units.unit_of[d.0] == Some(number)))
        .collect();
    let used = inner.used_parameters.clone();

    let mut outer = ArmWriter::new(graph, Place::Subscription);
    let group_name = outer.template(&graph.resource(unit.group).name);
    let mut depends_on: Vec<Expr> = unit
        .after_groups
        .iter()
        .map(|&g| outer.resource_id(g))
        .collect();
    let top_level_deps = unit.resources.iter().flat_map(|&r| {
        dependencies(graph, r)
            .into_iter()
            .filter(|&d| units.unit_of[d.0].is_none() && !is_resource_group(graph, d))
    });
    let top_level_deps: Vec<ResourceIndex> = top_level_deps.collect();
    for dep in top_level_deps {
        depends_on.push(outer.resource_id(dep));
    }
    for &other in &unit.after_units {
        depends_on.push(deployment_id(&mut outer, units, other));
    }
    let mut seen = Vec::new();
    let depends_on: Vec<Value> = depends_on
        .into_iter()
        .map(|e| json!(e.to_string_value()))
        .filter(|v| {
            let fresh = !seen.contains(v);
            seen.push(v.clone());
            fresh
        })
        .collect();

    let mut passed = Map::new();
    for name in graph
        .parameters
        .iter()
        .map(|p| &p.name)
        .filter(|n| used.contains(*n))
    {
        passed.insert(
            name.clone(),
            json!({ "value": format!("[parameters('{}')]", name.replace('\'', "''")) }),
        );
    }
    let mut template = template_head(RESOURCE_GROUP_SCHEMA, None);
    template.insert(
        "parameters".into(),
        parameters_section(graph, Some(&used), false),
    );
    template.insert("resources".into(), Value::Array(resources));

    json!({
        "type": DEPLOYMENTS_TYPE,
        "apiVersion": DEPLOYMENTS_API,
        "name": unit.name,
        "resourceGroup": group_name.to_string_value(),
        "dependsOn": depends_on,
        "properties": {
            "expressionEvaluationOptions": { "scope": "inner" },
            "mode": "Incremental",
            "parameters": passed,
            "template": template,
        },
    })
}
