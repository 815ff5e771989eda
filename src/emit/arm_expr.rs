//! Graph values as ARM template values: templates become literals or `[...]` expressions.
//!
//! An expression is first built as a small tree ([`Expr`]) and rendered once, so quoting is done
//! in one place. How a resource is named depends on where the expression is evaluated
//! ([`Place`]): in a resource-group template `resourceId('T', 'a', 'b')`; inside the nested
//! deployment of another group `resourceId('<that group>', 'T', ...)`; at subscription scope
//! `extensionResourceId(<group id>, 'T', ...)`. Resource groups are always
//! `subscriptionResourceId('Microsoft.Resources/resourceGroups', name)`.
//!
//! The writer remembers which parameters it used, so that nested deployments declare and receive
//! exactly those.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::graph::{
    key_template, ContextValue, Graph, Node, Part, Reference, ResourceIndex, Template,
};

use super::units::{is_resource_group, RESOURCE_GROUP_TYPE};

/// Where an expression is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// The template of a resource-group deployment.
    ResourceGroup,
    /// The top-level template of a subscription deployment.
    Subscription,
    /// The inner template of a nested deployment into this resource group.
    Group(ResourceIndex),
}

/// An ARM template expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Str(String),
    Call(&'static str, Vec<Expr>),
    /// `base.field[0]['odd-field']`
    Member(Box<Expr>, Vec<String>),
}

impl Expr {
    pub fn render(&self) -> String {
        match self {
            Expr::Str(text) => format!("'{}'", text.replace('\'', "''")),
            Expr::Call(name, args) => {
                let args: Vec<String> = args.iter().map(Expr::render).collect();
                format!("{name}({})", args.join(", "))
            }
            Expr::Member(base, path) => {
                let mut out = base.render();
                for segment in path {
                    if segment.chars().all(|c| c.is_ascii_digit()) && !segment.is_empty() {
                        out.push_str(&format!("[{segment}]"));
                    } else if is_identifier(segment) {
                        out.push('.');
                        out.push_str(segment);
                    } else {
                        out.push_str(&format!("[{}]", Expr::Str(segment.clone()).render()));
                    }
                }
                out
            }
        }
    }

    /// The value of a JSON string field: a literal stays literal, anything else is `[expr]`.
    pub fn to_string_value(&self) -> String {
        match self {
            Expr::Str(text) => escape_literal(text),
            other => format!("[{}]", other.render()),
        }
    }
}

fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// ARM reads a string that starts with `[` and ends with `]` as an expression; doubling the
/// opening bracket keeps it literal. Other strings are already literal.
pub fn escape_literal(text: &str) -> String {
    if text.starts_with('[') && text.ends_with(']') {
        format!("[{text}")
    } else {
        text.to_string()
    }
}

/// A template flattened so that names are expanded: literal text and the remaining references.
pub(super) enum Flat {
    Text(String),
    Ref(Reference),
}

/// Expands [`Reference::Name`] into the (full) name's own parts and merges adjacent text.
pub(super) fn flatten(graph: &Graph, template: &Template, out: &mut Vec<Flat>, depth: usize) {
    for part in &template.0 {
        match part {
            Part::Text(text) => push_text(out, text),
            // The depth bound only guards against a malformed graph naming itself.
            Part::Ref(Reference::Name(r)) if depth <= graph.resources.len() => {
                let resource = graph.resource(*r);
                if let Some(parent) = resource.parent {
                    let parent_name = Template(vec![Part::Ref(Reference::Name(parent))]);
                    flatten(graph, &parent_name, out, depth + 1);
                    push_text(out, "/");
                }
                flatten(graph, &resource.name, out, depth + 1);
            }
            Part::Ref(reference) => out.push(Flat::Ref(reference.clone())),
        }
    }
}

fn push_text(out: &mut Vec<Flat>, text: &str) {
    match out.last_mut() {
        Some(Flat::Text(last)) => last.push_str(text),
        _ => out.push(Flat::Text(text.to_string())),
    }
}

/// Turns graph values into ARM values for one [`Place`].
pub struct ArmWriter<'g> {
    pub graph: &'g Graph,
    pub place: Place,
    /// Parameters the written values read, by name.
    pub used_parameters: BTreeSet<String>,
}

impl<'g> ArmWriter<'g> {
    pub fn new(graph: &'g Graph, place: Place) -> ArmWriter<'g> {
        ArmWriter {
            graph,
            place,
            used_parameters: BTreeSet::new(),
        }
    }

    pub fn node(&mut self, node: &Node) -> Value {
        match node {
            Node::Null => Value::Null,
            Node::Bool(b) => Value::Bool(*b),
            Node::Int(i) => Value::from(*i),
            Node::Str(t) => Value::String(self.template(t).to_string_value()),
            Node::List(items) => Value::Array(items.iter().map(|n| self.node(n)).collect()),
            // Keys may hold references (identities keyed by id): ARM evaluates keys too.
            Node::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| {
                        let key = self.template(&key_template(k)).to_string_value();
                        (key, self.node(v))
                    })
                    .collect(),
            ),
        }
    }

    /// A template as one expression: a literal, a single reference, or `format(...)`.
    pub fn template(&mut self, template: &Template) -> Expr {
        let mut flat = Vec::new();
        flatten(self.graph, template, &mut flat, 0);
        if let [Flat::Ref(reference)] = flat.as_slice() {
            return self.reference(reference);
        }
        let mut pattern = String::new();
        let mut literal = String::new();
        let mut args = Vec::new();
        for part in &flat {
            match part {
                Flat::Text(text) => {
                    literal.push_str(text);
                    pattern.push_str(&text.replace('{', "{{").replace('}', "}}"));
                }
                Flat::Ref(reference) => {
                    pattern.push_str(&format!("{{{}}}", args.len()));
                    args.push(self.reference(reference));
                }
            }
        }
        if args.is_empty() {
            return Expr::Str(literal);
        }
        args.insert(0, Expr::Str(pattern));
        Expr::Call("format", args)
    }

    pub fn reference(&mut self, reference: &Reference) -> Expr {
        match reference {
            Reference::Id(r) => self.resource_id(*r),
            Reference::Name(r) => self.full_name(*r),
            Reference::Property(r, path) => match path.as_slice() {
                [one] if one == "id" => self.resource_id(*r),
                [one] if one == "name" => self.full_name(*r),
                _ => self.property(*r, path),
            },
            Reference::Parameter(name) => {
                self.used_parameters.insert(name.clone());
                Expr::Call("parameters", vec![Expr::Str(name.clone())])
            }
            Reference::Guid(args) => {
                Expr::Call("guid", args.iter().map(|a| self.template(a)).collect())
            }
            Reference::Context(value) => {
                let field = match value {
                    ContextValue::TenantId => "tenantId",
                    ContextValue::SubscriptionId => "subscriptionId",
                };
                Expr::Member(
                    Box::new(Expr::Call("subscription", Vec::new())),
                    vec![field.to_string()],
                )
            }
        }
    }

    fn property(&mut self, index: ResourceIndex, path: &[String]) -> Expr {
        let id = self.resource_id(index);
        let api = Expr::Str(self.graph.resource(index).api_version.clone());
        match path.split_first() {
            Some((first, rest)) if first == "properties" => {
                let call = Expr::Call("reference", vec![id, api]);
                if rest.is_empty() {
                    call
                } else {
                    Expr::Member(Box::new(call), rest.to_vec())
                }
            }
            _ => {
                let call = Expr::Call("reference", vec![id, api, Expr::Str("Full".into())]);
                if path.is_empty() {
                    call
                } else {
                    Expr::Member(Box::new(call), path.to_vec())
                }
            }
        }
    }

    /// The full name (`vnet/subnet` for a child).
    pub fn full_name(&mut self, index: ResourceIndex) -> Expr {
        let name = Template(vec![Part::Ref(Reference::Name(index))]);
        self.template(&name)
    }

    /// The name segments of `index` and its ancestors, outermost first.
    fn name_segments(&mut self, index: ResourceIndex) -> Vec<Expr> {
        let mut chain = vec![index];
        while let Some(parent) = self.graph.resource(*chain.last().unwrap_or(&index)).parent {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
        }
        chain
            .iter()
            .rev()
            .map(|r| {
                let name = &self.graph.resource(*r).name;
                self.template(name)
            })
            .collect()
    }

    pub fn resource_id(&mut self, index: ResourceIndex) -> Expr {
        let resource = self.graph.resource(index);
        let rtype = Expr::Str(resource.resource_type.clone());
        if is_resource_group(self.graph, index) {
            let name = self.template(&resource.name);
            return Expr::Call(
                "subscriptionResourceId",
                vec![Expr::Str(RESOURCE_GROUP_TYPE.into()), name],
            );
        }
        let mut args = vec![rtype];
        args.extend(self.name_segments(index));
        if let Some(scope) = resource.scope {
            args.insert(0, self.resource_id(scope));
            return Expr::Call("extensionResourceId", args);
        }
        match (self.place, resource.group) {
            (_, None) if self.place != Place::ResourceGroup => {
                Expr::Call("subscriptionResourceId", args)
            }
            (Place::Group(here), Some(group)) if here != group => {
                let group_name = self.template(&self.graph.resource(group).name);
                args.insert(0, group_name);
                Expr::Call("resourceId", args)
            }
            (Place::Subscription, Some(group)) => {
                args.insert(0, self.resource_id(group));
                Expr::Call("extensionResourceId", args)
            }
            _ => Expr::Call("resourceId", args),
        }
    }

    /// `Microsoft.Storage/storageAccounts/name` (children: types and names interleaved), the form
    /// ARM takes for an extension resource's `scope` in the same resource group.
    pub fn relative_id(&mut self, index: ResourceIndex) -> Expr {
        let resource = self.graph.resource(index);
        let mut type_segments = resource.resource_type.split('/');
        let namespace = type_segments.next().unwrap_or_default().to_string();
        let mut parts = vec![Part::Text(namespace)];
        let mut chain = vec![index];
        while let Some(parent) = self.graph.resource(*chain.last().unwrap_or(&index)).parent {
            if chain.contains(&parent) {
                break;
            }
            chain.push(parent);
        }
        for (r, type_segment) in chain.iter().rev().zip(type_segments) {
            parts.push(Part::Text(format!("/{type_segment}/")));
            parts.extend(self.graph.resource(*r).name.0.iter().cloned());
        }
        self.template(&Template(parts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_that_look_like_expressions_are_escaped() {
        assert_eq!(
            escape_literal("[not an expression]"),
            "[[not an expression]"
        );
        assert_eq!(escape_literal("[only a prefix"), "[only a prefix");
        assert_eq!(escape_literal("plain"), "plain");
    }

    #[test]
    fn strings_and_format_patterns_are_quoted() {
        let expr = Expr::Call(
            "format",
            vec![
                Expr::Str("{{literal}} {0}'s".into()),
                Expr::Call("parameters", vec![Expr::Str("it's".into())]),
            ],
        );
        assert_eq!(
            expr.to_string_value(),
            "[format('{{literal}} {0}''s', parameters('it''s'))]"
        );
    }

    #[test]
    fn member_paths_use_dots_indexes_and_quoted_keys() {
        let base = Expr::Call("reference", vec![Expr::Str("x".into())]);
        let expr = Expr::Member(
            Box::new(base),
            vec!["ipConfigurations".into(), "0".into(), "odd-key".into()],
        );
        assert_eq!(
            expr.render(),
            "reference('x').ipConfigurations[0]['odd-key']"
        );
    }

    #[test]
    fn templates_mixing_text_and_references_become_format() {
        let graph = Graph {
            target: crate::graph::TargetScope::ResourceGroup,
            parameters: Vec::new(),
            resources: Vec::new(),
            outputs: Vec::new(),
        };
        let mut writer = ArmWriter::new(&graph, Place::ResourceGroup);
        let template = Template(vec![
            Part::Text("{a}-".into()),
            Part::Ref(Reference::Parameter("p".into())),
        ]);
        assert_eq!(
            writer.template(&template).to_string_value(),
            "[format('{{a}}-{0}', parameters('p'))]"
        );
        assert!(writer.used_parameters.contains("p"));
        assert_eq!(
            writer.template(&Template::literal("[x]")).to_string_value(),
            "[[x]"
        );
    }
}
