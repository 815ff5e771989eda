//! What `plan` and `apply` deploy to, and with which parameter values: from flags, the
//! environment and the program, with errors that say which flag is missing.

use std::collections::BTreeSet;
use std::path::Path;

use sblc::deploy::apply::Target;
use sblc::deploy::arm::Scope;
use sblc::graph::{DeploymentSettings, Graph, TargetScope};
use sblc::output::OutputFile;
use serde_json::{Map, Value};

use super::TargetArgs;

/// ARM allows 64 characters; the foundation deployment adds `-foundation` (11).
const NAME_LIMIT: usize = 53;

/// Resolves the deployment target: each field from its flag (or environment variable), else
/// from the program's `deployment` record, else a default.
pub fn resolve(
    args: &TargetArgs,
    graph: &Graph,
    program: &DeploymentSettings,
    entry: &Path,
) -> Result<Target, String> {
    let pick = |flag: &Option<String>, own: &Option<String>| flag.clone().or_else(|| own.clone());
    let subscription = pick(&args.subscription, &program.subscription).ok_or(
        "no subscription: pass --subscription ID, set AZURE_SUBSCRIPTION_ID, or give the program `deployment.subscription`",
    )?;
    let scope = match graph.target {
        TargetScope::Subscription => Scope::Subscription(subscription),
        TargetScope::ResourceGroup => Scope::ResourceGroup {
            subscription,
            group: pick(&args.resource_group, &program.resource_group).ok_or(
                "this program deploys into a resource group: pass --resource-group NAME, set AZURE_RESOURCE_GROUP, or give the program `deployment.resourceGroup`",
            )?,
        },
    };
    let location = match (pick(&args.location, &program.location), &scope) {
        (Some(location), _) => location,
        (None, Scope::ResourceGroup { .. }) => String::new(),
        (None, Scope::Subscription(_)) => first_group_location(graph).ok_or(
            "a subscription deployment needs a location for its metadata: pass --location",
        )?,
    };
    let name = pick(&args.name, &program.name).unwrap_or_else(|| default_name(entry));
    if name.is_empty()
        || name.len() > NAME_LIMIT
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.()".contains(c))
    {
        return Err(format!(
            "`{name}` cannot name a deployment: 1-{NAME_LIMIT} letters, digits, `-`, `_`, `.`, `(`, `)`"
        ));
    }
    Ok(Target {
        scope,
        location,
        name,
    })
}

/// `sblc-<folder of the entry file>`, e.g. `sblc-secured-batch`.
fn default_name(entry: &Path) -> String {
    let folder = std::fs::canonicalize(entry)
        .ok()
        .and_then(|p| {
            p.parent()
                .and_then(|d| d.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "main".into());
    let cleaned: String = folder
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut name = format!("sblc-{cleaned}");
    name.truncate(NAME_LIMIT);
    name
}

fn first_group_location(graph: &Graph) -> Option<String> {
    graph
        .resources
        .iter()
        .filter(|r| {
            r.resource_type
                .eq_ignore_ascii_case("Microsoft.Resources/resourceGroups")
        })
        .find_map(|r| r.body.get("location").and_then(|l| l.as_literal()))
}

/// The deployment's parameter values (`{name: {value}}`): the build's parameters file, then
/// `--parameters FILE`, then `SBLC_PARAM_<NAME>` variables, then `--param NAME=VALUE`. Every
/// parameter without a default must end up with a value.
pub fn parameters(args: &TargetArgs, files: &[OutputFile]) -> Result<(Value, Value), String> {
    let template: Value = files
        .iter()
        .find(|f| f.path == Path::new("main.json"))
        .and_then(|f| serde_json::from_str(&f.contents).ok())
        .ok_or("the build produced no main.json")?;
    let mut values = Map::new();
    if let Some(file) = files
        .iter()
        .find(|f| f.path == Path::new("main.parameters.json"))
    {
        merge_file(&mut values, &file.contents, "main.parameters.json")?;
    }
    if let Some(path) = &args.parameters {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        merge_file(&mut values, &text, &path.display().to_string())?;
    }
    let declared = template
        .get("parameters")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for (name, declaration) in &declared {
        let variable = format!("SBLC_PARAM_{name}");
        if let Ok(text) = std::env::var(&variable) {
            values.insert(
                name.clone(),
                serde_json::json!({ "value": typed(declaration, &text) }),
            );
        }
    }
    for assignment in &args.param {
        let Some((name, text)) = assignment.split_once('=') else {
            return Err(format!("--param `{assignment}`: expected NAME=VALUE"));
        };
        let Some(declaration) = declared.get(name) else {
            return Err(format!(
                "--param {name}: the template has no such parameter (it has: {})",
                declared.keys().cloned().collect::<Vec<_>>().join(", ")
            ));
        };
        values.insert(
            name.to_string(),
            serde_json::json!({ "value": typed(declaration, text) }),
        );
    }
    let missing: BTreeSet<&String> = declared
        .iter()
        .filter(|(name, d)| d.get("defaultValue").is_none() && !values.contains_key(*name))
        .map(|(name, _)| name)
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|name| format!("  {name}: --param {name}=VALUE or SBLC_PARAM_{name}"))
            .collect();
        return Err(format!(
            "parameters without a value:\n{}\n(secure values: prefer the environment variable, which no process list shows)",
            list.join("\n")
        ));
    }
    Ok((template, Value::Object(values)))
}

fn merge_file(values: &mut Map<String, Value>, text: &str, name: &str) -> Result<(), String> {
    let file: Value = serde_json::from_str(text).map_err(|e| format!("{name} is not JSON: {e}"))?;
    if let Some(given) = file.get("parameters").and_then(Value::as_object) {
        for (key, value) in given {
            values.insert(key.clone(), value.clone());
        }
    }
    Ok(())
}

/// A command-line text as the parameter's declared type wants it.
fn typed(declaration: &Value, text: &str) -> Value {
    let kind = declaration
        .get("type")
        .and_then(Value::as_str)
        .unwrap_or("string")
        .to_ascii_lowercase();
    match kind.as_str() {
        "int" | "bool" | "object" | "array" | "secureobject" => {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
        }
        _ => Value::String(text.to_string()),
    }
}

/// The values of the secure parameters (`securestring`, `secureobject`): nothing sblc prints may
/// contain them, not even where Azure echoes them back (what-if payloads, error messages).
pub fn secure_values(template: &Value, parameters: &Value) -> Vec<String> {
    let mut secrets = Vec::new();
    let declared = template.get("parameters").and_then(Value::as_object);
    for (name, declaration) in declared.into_iter().flatten() {
        let kind = declaration
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !kind.eq_ignore_ascii_case("securestring") && !kind.eq_ignore_ascii_case("secureobject")
        {
            continue;
        }
        if let Some(value) = parameters.pointer(&format!("/{name}/value")) {
            collect_strings(value, &mut secrets);
        }
    }
    secrets
}

fn collect_strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(text) => out.push(text.clone()),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        Value::Object(fields) => fields.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}
