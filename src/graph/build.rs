//! Builds the [`Graph`] from what evaluation declared.
//!
//! Steps, each reporting instead of failing: read every declared resource's fixed fields
//! (`type`, `apiVersion`, `name`, `parent`, `scope`, `resourceGroup`, `allow`) and keep the rest
//! as its body; turn token strings into references; infer `dependsOn` from the references;
//! check what ARM would reject later (duplicates, cycles, resources without a resource group at
//! subscription scope, secrets in outputs); read parameters and outputs. Every diagnostic points
//! at the user's `.sbl` line that declared the resource, also when a stdlib module did.

use std::collections::HashMap;

use foldhash::fast::FixedState;
use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::model::*;
use super::nodes::{
    parameters_in, references_in, resource_of, template_references, to_node, to_template,
};
use super::symbols::Symbols;
use crate::declared::{Declared, DeclaredResource};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::{SourceMap, Span};

const RESOURCE_GROUP_TYPE: &str = "Microsoft.Resources/resourceGroups";
/// Fields of a resource record that the graph reads itself; everything else is ARM body.
const FIXED_FIELDS: &[&str] = &[
    "type",
    "apiVersion",
    "name",
    "parent",
    "scope",
    "resourceGroup",
    "allow",
    "id",
];

pub fn build(declared: &Declared, sources: &SourceMap) -> Result<Graph, Vec<Diagnostic>> {
    let mut builder = Builder {
        sources,
        count: declared.resources.len(),
        diagnostics: Vec::new(),
    };
    let target = builder.target_scope(&declared.value);
    let mut resources = Vec::with_capacity(declared.resources.len());
    let mut symbols = Symbols::default();
    for resource in &declared.resources {
        let (origin, calls) = builder.origin(&resource.trace);
        resources.push(builder.resource(resource, origin, calls, &mut symbols));
    }
    let resources: Vec<Resource> = resources.into_iter().flatten().collect();
    if resources.len() != declared.resources.len() {
        return Err(builder.diagnostics);
    }
    let mut graph = Graph {
        target,
        parameters: builder.parameters(declared),
        resources,
        outputs: Vec::new(),
    };
    graph.outputs = builder.outputs(&declared.value, &graph.parameters);
    builder.check_groups(&mut graph);
    builder.check_duplicates(&graph);
    builder.check_cycles(&graph);
    builder.check_parameters_exist(&graph);
    if builder.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(builder.diagnostics);
    }
    Ok(graph)
}

/// The fields of the program's `deployment` record, as the `.sbl` program spells them.
const DEPLOYMENT_FIELDS: [&str; 4] = ["subscription", "resourceGroup", "location", "name"];

/// Reads the program's `deployment` record (for `plan` and `apply`); absent means all defaults.
pub fn deployment_settings(value: &Value) -> Result<DeploymentSettings, Vec<Diagnostic>> {
    let invalid = |message: String, help: String| {
        let mut d = Diagnostic::new(Code::InvalidDeployment, message, Span::default(), "");
        d.help = Some(help);
        vec![d]
    };
    let Some(record) = value.get("deployment") else {
        return Ok(DeploymentSettings::default());
    };
    let Some(fields) = record.as_object() else {
        return Err(invalid(
            "`deployment` must be a record".into(),
            "e.g. `deployment = { subscription = \"...\"; location = \"westeurope\"; };`".into(),
        ));
    };
    let mut settings = DeploymentSettings::default();
    for (key, field) in fields {
        let slot = match key.as_str() {
            "subscription" => &mut settings.subscription,
            "resourceGroup" => &mut settings.resource_group,
            "location" => &mut settings.location,
            "name" => &mut settings.name,
            other => {
                let help = match did_you_mean(other, DEPLOYMENT_FIELDS.iter().copied()) {
                    Some(best) => format!("did you mean `{best}`?"),
                    None => format!("its fields are {}", DEPLOYMENT_FIELDS.join(", ")),
                };
                return Err(invalid(
                    format!("`deployment` has no field `{other}`"),
                    help,
                ));
            }
        };
        let Some(text) = field.as_str() else {
            return Err(invalid(
                format!("`deployment.{key}` must be a string"),
                "deployment settings are known before deploying: use a literal".into(),
            ));
        };
        *slot = Some(text.to_string());
    }
    Ok(settings)
}

struct Builder<'a> {
    sources: &'a SourceMap,
    count: usize,
    diagnostics: Vec<Diagnostic>,
}

impl Builder<'_> {
    /// The user's place in a trace: the innermost span outside the stdlib, and the user's
    /// call sites further out.
    fn origin(&self, trace: &[Span]) -> (Span, Vec<Span>) {
        let is_user = |s: &Span| !self.sources.get(s.file).is_stdlib();
        match trace.iter().position(is_user) {
            Some(at) => (
                trace[at],
                trace[at + 1..].iter().copied().filter(is_user).collect(),
            ),
            None => (trace.first().copied().unwrap_or_default(), Vec::new()),
        }
    }

    fn error(&mut self, code: Code, message: String, span: Span, label: &str) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(code, message, span, label));
        let last = self.diagnostics.len() - 1;
        &mut self.diagnostics[last]
    }

    fn target_scope(&mut self, value: &Value) -> TargetScope {
        match value.get("targetScope").and_then(Value::as_str) {
            None | Some("resourceGroup") => TargetScope::ResourceGroup,
            Some("subscription") => TargetScope::Subscription,
            Some(other) => {
                let message = format!("unknown targetScope `{other}`");
                let d = self.error(Code::InvalidDeployment, message, Span::default(), "");
                d.help = Some("use \"resourceGroup\" (the default) or \"subscription\"".into());
                TargetScope::ResourceGroup
            }
        }
    }

    fn resource(
        &mut self,
        declared: &DeclaredResource,
        origin: Span,
        calls: Vec<Span>,
        symbols: &mut Symbols,
    ) -> Option<Resource> {
        let spec = &declared.spec;
        let text = |field: &str| spec.get(field).and_then(Value::as_str).map(str::to_string);
        let (Some(resource_type), Some(api_version)) = (text("type"), text("apiVersion")) else {
            let missing = if text("type").is_none() {
                "type"
            } else {
                "apiVersion"
            };
            let d = self.error(
                Code::InvalidResource,
                format!("a resource needs a string `{missing}`"),
                origin,
                "declared here",
            );
            d.help = Some("e.g. `resource { type = \"Microsoft.Network/virtualNetworks\"; apiVersion = \"2024-05-01\"; name = \"hub\"; ... }`".into());
            return None;
        };
        let Some(name_text) = spec.get("name").and_then(Value::as_str) else {
            self.error(
                Code::InvalidResource,
                format!("the `{resource_type}` resource needs a string `name`"),
                origin,
                "declared here",
            );
            return None;
        };
        let name = self.template(name_text, origin)?;
        if name
            .references()
            .any(|r| matches!(r, Reference::Property(..)))
        {
            let d = self.error(
                Code::RuntimeValueInName,
                format!("the name of this `{resource_type}` depends on a value known only after deployment"),
                origin,
                "declared here",
            );
            d.help = Some("ARM must know every name before deploying: build names from literals, parameters, ids or `guid`".into());
        }
        let parent = self.linked(spec, "parent", origin);
        let scope = self.linked(spec, "scope", origin);
        let group = self.linked(spec, "resourceGroup", origin);
        let mut body = Fields::default();
        for (key, value) in spec {
            if FIXED_FIELDS.contains(&key.as_str()) {
                continue;
            }
            match to_node(value, self.count) {
                Ok(node) => {
                    body.insert(key.clone(), node);
                }
                Err(_) => self.dangling(origin),
            }
        }
        let allows = self.allows(spec, origin);
        let symbol = symbols.assign(name.as_literal().as_deref(), &resource_type);
        Some(Resource {
            symbol,
            resource_type,
            api_version,
            name,
            parent,
            scope,
            group,
            body,
            depends_on: Vec::new(),
            origin,
            calls,
            allows,
        })
    }

    fn template(&mut self, text: &str, origin: Span) -> Option<Template> {
        match to_template(text, self.count) {
            Ok(t) => Some(t),
            Err(_) => {
                self.dangling(origin);
                None
            }
        }
    }

    fn dangling(&mut self, origin: Span) {
        self.error(
            Code::InvalidResource,
            "a reference names a resource that was never declared".into(),
            origin,
            "in this resource",
        );
    }

    /// `parent`, `scope` or `resourceGroup`: must be a resource value.
    fn linked(
        &mut self,
        spec: &Map<String, Value>,
        field: &str,
        origin: Span,
    ) -> Option<ResourceIndex> {
        let value = spec.get(field).filter(|v| !v.is_null())?;
        match resource_of(value).filter(|i| *i < self.count) {
            Some(index) => Some(ResourceIndex(index)),
            None => {
                let d = self.error(
                    Code::InvalidResource,
                    format!(
                        "`{field}` must be a resource (the value of another `resource {{ ... }}`)"
                    ),
                    origin,
                    "declared here",
                );
                d.help = Some(format!(
                    "write `{field} = vnet;` where `vnet = resource {{ ... }};`"
                ));
                None
            }
        }
    }

    fn allows(&mut self, spec: &Map<String, Value>, origin: Span) -> Vec<Allow> {
        let Some(list) = spec.get("allow").and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|item| {
                let rule = item.get("rule")?.as_str()?.to_string();
                let reason = item
                    .get("reason")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string();
                Some(Allow {
                    rule,
                    reason,
                    span: origin,
                })
            })
            .collect()
    }

    fn parameters(&mut self, declared: &Declared) -> Vec<Parameter> {
        let mut by_name: IndexMap<String, Parameter> = IndexMap::new();
        for declared in &declared.parameters {
            let (origin, _) = self.origin(&declared.trace);
            let spec = &declared.spec;
            let Some(name) = spec.get("name").and_then(Value::as_str) else {
                self.error(
                    Code::InvalidParameter,
                    "a parameter needs a string `name`".into(),
                    origin,
                    "declared here",
                );
                continue;
            };
            let kind = match spec.get("type").and_then(Value::as_str).unwrap_or("string") {
                "string" => ParameterType::String,
                "securestring" | "secureString" => ParameterType::SecureString,
                "int" => ParameterType::Int,
                "bool" => ParameterType::Bool,
                other => {
                    let d = self.error(
                        Code::InvalidParameter,
                        format!("parameter `{name}` has unknown type `{other}`"),
                        origin,
                        "declared here",
                    );
                    d.help = Some(
                        "parameter types are \"string\", \"securestring\", \"int\" and \"bool\""
                            .into(),
                    );
                    continue;
                }
            };
            let node = |v: &Value| to_node(v, 0).ok();
            let default = spec.get("default").filter(|v| !v.is_null()).and_then(node);
            if kind == ParameterType::SecureString && default.is_some() {
                let d = self.error(
                    Code::SecureParameterDefault,
                    format!("secure parameter `{name}` has a default value"),
                    origin,
                    "declared here",
                );
                d.help = Some("a default would be written into the template in clear; give the value at deployment or from Key Vault".into());
                continue;
            }
            let parameter = Parameter {
                name: name.to_string(),
                kind,
                default,
                allowed: spec
                    .get("allowed")
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(node).collect())
                    .unwrap_or_default(),
                description: spec
                    .get("description")
                    .and_then(Value::as_str)
                    .map(str::to_string),
                origin,
            };
            match by_name.get(name) {
                Some(existing)
                    if existing.kind != parameter.kind || existing.default != parameter.default =>
                {
                    let first = existing.origin;
                    let d = self.error(
                        Code::InvalidParameter,
                        format!("parameter `{name}` is declared twice, differently"),
                        origin,
                        "declared again here",
                    );
                    d.secondary
                        .push(crate::diagnostic::Label::new(first, "first declared here"));
                }
                Some(_) => {}
                None => {
                    by_name.insert(name.to_string(), parameter);
                }
            }
        }
        by_name.into_values().collect()
    }

    fn outputs(&mut self, value: &Value, parameters: &[Parameter]) -> Vec<Output> {
        let Some(outputs) = value.get("outputs") else {
            return Vec::new();
        };
        let Some(fields) = outputs.as_object() else {
            self.error(
                Code::InvalidDeployment,
                "`outputs` must be a record".into(),
                Span::default(),
                "",
            );
            return Vec::new();
        };
        let mut result = Vec::new();
        for (name, value) in fields {
            let Ok(node) = to_node(value, self.count) else {
                self.dangling(Span::default());
                continue;
            };
            let mut used = Vec::new();
            parameters_in(&node, &mut used);
            if let Some(secret) = used.iter().find(|p| {
                parameters
                    .iter()
                    .any(|q| &q.name == *p && q.kind == ParameterType::SecureString)
            }) {
                let origin = parameters
                    .iter()
                    .find(|q| &q.name == secret)
                    .map(|q| q.origin)
                    .unwrap_or_default();
                let d = self.error(
                    Code::SecretInOutput,
                    format!("output `{name}` would reveal the secure parameter `{secret}`"),
                    origin,
                    "the secure parameter",
                );
                d.help = Some("deployment outputs are stored in clear in the deployment history; remove the output".into());
                continue;
            }
            let kind = match value {
                Value::Bool(_) => "bool",
                Value::Number(_) => "int",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
                Value::String(_) | Value::Null => "string",
            };
            result.push(Output {
                name: name.clone(),
                kind,
                value: node,
                origin: Span::default(),
            });
        }
        result
    }

    /// Resource groups: only at subscription scope, where every other resource needs one (its
    /// own, or its parent's or scope's).
    fn check_groups(&mut self, graph: &mut Graph) {
        for index in 0..graph.resources.len() {
            let is_group = graph.resources[index]
                .resource_type
                .eq_ignore_ascii_case(RESOURCE_GROUP_TYPE);
            let origin = graph.resources[index].origin;
            match graph.target {
                TargetScope::ResourceGroup if is_group => {
                    let d = self.error(
                        Code::MisplacedResourceGroup,
                        "a resource group can only be created by a subscription-scope deployment"
                            .into(),
                        origin,
                        "resource group declared here",
                    );
                    d.help =
                        Some("add `targetScope = \"subscription\";` to the program's value".into());
                }
                TargetScope::ResourceGroup => graph.resources[index].group = None,
                TargetScope::Subscription if is_group => graph.resources[index].group = None,
                TargetScope::Subscription => {
                    let group = inherited_group(graph, ResourceIndex(index), 0);
                    match group {
                        Some(g)
                            if graph
                                .resource(g)
                                .resource_type
                                .eq_ignore_ascii_case(RESOURCE_GROUP_TYPE) =>
                        {
                            graph.resources[index].group = Some(g);
                        }
                        _ => {
                            let symbol = graph.resources[index].resource_type.clone();
                            let d = self.error(
                                Code::MissingResourceGroup,
                                format!("this `{symbol}` has no resource group"),
                                origin,
                                "declared here",
                            );
                            d.help = Some("at subscription scope, give each resource `resourceGroup = rg;` (children inherit their parent's)".into());
                        }
                    }
                }
            }
        }
        // Dependencies, now that groups are known: every reference, less self, parent and group.
        for index in 0..graph.resources.len() {
            let resource = &graph.resources[index];
            let mut refs = Vec::new();
            template_references(&resource.name, &mut refs);
            resource
                .body
                .values()
                .for_each(|n| references_in(n, &mut refs));
            refs.extend(resource.scope);
            refs.sort();
            refs.dedup();
            refs.retain(|r| {
                r.0 != index && Some(*r) != resource.parent && Some(*r) != resource.group
            });
            graph.resources[index].depends_on = refs;
        }
    }

    fn check_duplicates(&mut self, graph: &Graph) {
        let mut seen: HashMap<PlaceKey, Span, FixedState> = HashMap::default();
        for resource in &graph.resources {
            let key = (
                resource.resource_type.to_ascii_lowercase(),
                resource.parent,
                resource.group,
                resource.scope,
                resource.name.clone(),
            );
            if let Some(first) = seen.insert(key, resource.origin) {
                let name = resource
                    .name
                    .as_literal()
                    .unwrap_or_else(|| resource.symbol.clone());
                let d = self.error(
                    Code::DuplicateResource,
                    format!(
                        "`{}` named `{name}` is declared twice",
                        resource.resource_type
                    ),
                    resource.origin,
                    "declared again here",
                );
                d.secondary
                    .push(crate::diagnostic::Label::new(first, "first declared here"));
                d.help = Some("ARM rejects a template that creates the same resource twice; declare it once and share the value".into());
            }
        }
    }

    /// Reference cycles (through `dependsOn` and parents): ARM cannot order them.
    fn check_cycles(&mut self, graph: &Graph) {
        let edges = |i: usize| -> Vec<usize> {
            let r = &graph.resources[i];
            r.depends_on
                .iter()
                .chain(r.parent.iter())
                .map(|d| d.0)
                .collect()
        };
        let n = graph.resources.len();
        let mut state = vec![0u8; n]; // 0 new, 1 on the stack, 2 done
        for start in 0..n {
            if state[start] != 0 {
                continue;
            }
            let mut stack: Vec<(usize, Vec<usize>)> = vec![(start, edges(start))];
            state[start] = 1;
            while let Some((node, pending)) = stack.last_mut() {
                let node = *node;
                match pending.pop() {
                    Some(next) if state[next] == 1 => {
                        let from = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let chain: Vec<usize> = stack[from..].iter().map(|(n, _)| *n).collect();
                        self.report_cycle(graph, &chain);
                        state[next] = 2;
                    }
                    Some(next) if state[next] == 0 => {
                        state[next] = 1;
                        stack.push((next, edges(next)));
                    }
                    Some(_) => {}
                    None => {
                        state[node] = 2;
                        stack.pop();
                    }
                }
            }
        }
    }

    fn report_cycle(&mut self, graph: &Graph, chain: &[usize]) {
        let names: Vec<String> = chain
            .iter()
            .chain(chain.first())
            .map(|i| graph.resources[*i].symbol.clone())
            .collect();
        let first = &graph.resources[chain[0]];
        let mut d = Diagnostic::new(
            Code::DependencyCycle,
            format!("resources refer to each other in a cycle: {}", names.join(" → ")),
            first.origin,
            format!("`{}` is declared here", first.symbol),
        )
        .with_help("ARM deploys a resource after everything it refers to; break the cycle by removing one reference");
        for i in &chain[1..] {
            let r = &graph.resources[*i];
            d = d.with_label(r.origin, format!("`{}` is declared here", r.symbol));
        }
        self.diagnostics.push(d);
    }

    fn check_parameters_exist(&mut self, graph: &Graph) {
        let mut used = Vec::new();
        for resource in &graph.resources {
            resource
                .body
                .values()
                .for_each(|n| parameters_in(n, &mut used));
        }
        used.sort();
        used.dedup();
        for name in used {
            if !graph.parameters.iter().any(|p| p.name == name) {
                self.error(
                    Code::InvalidParameter,
                    format!("parameter `{name}` is used but never declared"),
                    Span::default(),
                    "",
                );
            }
        }
    }
}

/// What makes two declarations the same ARM resource: type, parent, group, scope and name.
type PlaceKey = (
    String,
    Option<ResourceIndex>,
    Option<ResourceIndex>,
    Option<ResourceIndex>,
    Template,
);

/// The group a resource lives in: its own, or its parent's or scope's (bounded walk).
fn inherited_group(graph: &Graph, index: ResourceIndex, depth: usize) -> Option<ResourceIndex> {
    let resource = graph.resource(index);
    if depth > graph.resources.len() {
        return None;
    }
    resource
        .group
        .or_else(|| {
            resource
                .parent
                .and_then(|p| inherited_group(graph, p, depth + 1))
        })
        .or_else(|| {
            resource
                .scope
                .and_then(|s| inherited_group(graph, s, depth + 1))
        })
}
