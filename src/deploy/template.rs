//! Deployment bodies made from a build's `main.json`: the whole template, and the foundation
//! (everything but Batch pools) that a first apply deploys before uploading packages.

use serde_json::{json, Map, Value};

use super::arm::Scope;

const POOL_TYPE: &str = "Microsoft.Batch/batchAccounts/pools";

/// The PUT / what-if body of a deployment.
pub fn body(scope: &Scope, location: &str, template: &Value, parameters: &Value) -> Value {
    let mut body = json!({
        "properties": {
            "mode": "Incremental",
            "template": template,
            "parameters": parameters,
        }
    });
    if matches!(scope, Scope::Subscription(_)) {
        body["location"] = json!(location);
    }
    body
}

/// Whether the template (or a nested one) declares a Batch pool.
pub fn has_pools(template: &Value) -> bool {
    template
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|resource| {
            is_pool(resource)
                || resource
                    .pointer("/properties/template")
                    .is_some_and(has_pools)
        })
}

/// The template without its Batch pools: no pool resource, no `dependsOn` on one, no output
/// that reads one. Everything a pool's start task needs (storage, containers, identities, role
/// assignments) stays.
pub fn without_pools(template: &Value) -> Value {
    let mut template = template.clone();
    strip_pools(&mut template);
    template
}

fn strip_pools(template: &mut Value) {
    if let Some(resources) = template.get_mut("resources").and_then(Value::as_array_mut) {
        resources.retain(|r| !is_pool(r));
        for resource in resources {
            if let Some(depends) = resource.get_mut("dependsOn").and_then(Value::as_array_mut) {
                depends.retain(|d| !mentions_pool(d));
            }
            if let Some(nested) = resource.pointer_mut("/properties/template") {
                strip_pools(nested);
            }
        }
    }
    if let Some(outputs) = template.get_mut("outputs").and_then(Value::as_object_mut) {
        let kept: Map<String, Value> = std::mem::take(outputs)
            .into_iter()
            .filter(|(_, output)| !mentions_pool(output))
            .collect();
        *outputs = kept;
    }
}

fn is_pool(resource: &Value) -> bool {
    resource
        .get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(POOL_TYPE))
}

fn mentions_pool(value: &Value) -> bool {
    value.to_string().contains(POOL_TYPE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_foundation_keeps_everything_but_pools() {
        let template = json!({
            "resources": [
                {"type": "Microsoft.Resources/deployments", "name": "spoke", "properties": {"template": {
                    "resources": [
                        {"type": "Microsoft.Storage/storageAccounts", "name": "pkgs"},
                        {"type": "Microsoft.Batch/batchAccounts/pools", "name": "b/linux"},
                        {"type": "Microsoft.Insights/diagnosticSettings", "name": "d",
                         "dependsOn": ["[resourceId('Microsoft.Batch/batchAccounts/pools', 'b', 'linux')]",
                                       "[resourceId('Microsoft.Storage/storageAccounts', 'pkgs')]"]}
                    ],
                    "outputs": {
                        "pool": {"type": "string", "value": "[resourceId('Microsoft.Batch/batchAccounts/pools', 'b', 'linux')]"},
                        "pkgs": {"type": "string", "value": "pkgs"}
                    }
                }}}
            ]
        });
        assert!(has_pools(&template));
        let foundation = without_pools(&template);
        assert!(!has_pools(&foundation));
        let nested = &foundation["resources"][0]["properties"]["template"];
        assert_eq!(nested["resources"].as_array().map(Vec::len), Some(2));
        assert_eq!(
            nested["resources"][1]["dependsOn"],
            json!(["[resourceId('Microsoft.Storage/storageAccounts', 'pkgs')]"])
        );
        assert_eq!(
            nested["outputs"],
            json!({"pkgs": {"type": "string", "value": "pkgs"}})
        );
    }

    #[test]
    fn only_subscription_deployments_carry_a_location() {
        let template = json!({"resources": []});
        let sub = body(
            &Scope::Subscription("s".into()),
            "westeurope",
            &template,
            &json!({}),
        );
        assert_eq!(sub["location"], "westeurope");
        let group = Scope::ResourceGroup {
            subscription: "s".into(),
            group: "rg".into(),
        };
        assert!(body(&group, "westeurope", &template, &json!({}))
            .get("location")
            .is_none());
    }
}
