//! Evaluated JSON to graph [`Node`]s: strings are split into text and references.

use serde_json::Value;

use super::model::{ContextValue, Fields, Node, Part, Reference, ResourceIndex, Template};
use crate::reference::{split, Piece, Token};

/// A reference token that names no declared resource: a bug upstream, reported by the caller.
#[derive(Debug)]
pub struct DanglingToken;

pub fn to_node(value: &Value, resources: usize) -> Result<Node, DanglingToken> {
    Ok(match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(*b),
        Value::Number(n) => Node::Int(n.as_i64().unwrap_or_default()),
        Value::String(s) => Node::Str(to_template(s, resources)?),
        Value::Array(items) => Node::List(
            items
                .iter()
                .map(|v| to_node(v, resources))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(fields) => Node::Object(
            fields
                .iter()
                .map(|(k, v)| {
                    // Keys may hold references (`userAssignedIdentities`); check them now so
                    // that `key_template` never meets a dangling one.
                    to_template(k, resources)?;
                    Ok((k.clone(), to_node(v, resources)?))
                })
                .collect::<Result<Fields, _>>()?,
        ),
    })
}

pub fn to_template(text: &str, resources: usize) -> Result<Template, DanglingToken> {
    let mut parts = Vec::new();
    for piece in split(text) {
        parts.push(match piece {
            Piece::Text(t) => Part::Text(t.to_string()),
            Piece::Token(token) => Part::Ref(to_reference(token, resources)?),
        });
    }
    Ok(Template(parts))
}

fn to_reference(token: Token, resources: usize) -> Result<Reference, DanglingToken> {
    Ok(match token {
        Token::Resource { index, .. } if index >= resources => return Err(DanglingToken),
        Token::Resource { index, path } => {
            let index = ResourceIndex(index);
            match path.as_slice() {
                [one] if one == "id" => Reference::Id(index),
                [one] if one == "name" => Reference::Name(index),
                _ => Reference::Property(index, path),
            }
        }
        Token::Parameter { name } => Reference::Parameter(name),
        Token::Context { name } => match name.as_str() {
            "tenantId" => Reference::Context(ContextValue::TenantId),
            "subscriptionId" => Reference::Context(ContextValue::SubscriptionId),
            _ => return Err(DanglingToken),
        },
        Token::Guid { args } => Reference::Guid(
            args.iter()
                .map(|a| to_template(a, resources))
                .collect::<Result<Vec<_>, _>>()?,
        ),
    })
}

/// A record key as a template: keys are kept as text, and may hold reference tokens (pool
/// identities are keyed by identity id). The builder has checked every key's tokens.
pub fn key_template(key: &str) -> Template {
    to_template(key, usize::MAX).unwrap_or_else(|_| Template::literal(key))
}

/// The resource a value stands for, when it is a resource record (it carries its `id` token).
pub fn resource_of(value: &Value) -> Option<usize> {
    let id = value.get("id")?.as_str()?;
    match split(id).as_slice() {
        [Piece::Token(Token::Resource { index, path })] if path.len() == 1 && path[0] == "id" => {
            Some(*index)
        }
        _ => None,
    }
}

/// Every resource a node refers to, in order of appearance (with repeats).
pub fn references_in(node: &Node, out: &mut Vec<ResourceIndex>) {
    match node {
        Node::Str(template) => template_references(template, out),
        Node::List(items) => items.iter().for_each(|n| references_in(n, out)),
        Node::Object(fields) => {
            for (key, value) in fields {
                // Almost no key holds a reference: only those are split into a template.
                if key.contains(crate::reference::START) {
                    template_references(&key_template(key), out);
                }
                references_in(value, out);
            }
        }
        Node::Null | Node::Bool(_) | Node::Int(_) => {}
    }
}

pub fn template_references(template: &Template, out: &mut Vec<ResourceIndex>) {
    for reference in template.references() {
        match reference {
            Reference::Id(i) | Reference::Name(i) | Reference::Property(i, _) => out.push(*i),
            Reference::Guid(args) => args.iter().for_each(|a| template_references(a, out)),
            Reference::Parameter(_) | Reference::Context(_) => {}
        }
    }
}

/// Every parameter a node refers to.
pub fn parameters_in(node: &Node, out: &mut Vec<String>) {
    fn in_template(template: &Template, out: &mut Vec<String>) {
        for reference in template.references() {
            match reference {
                Reference::Parameter(name) => out.push(name.clone()),
                Reference::Guid(args) => args.iter().for_each(|a| in_template(a, out)),
                _ => {}
            }
        }
    }
    match node {
        Node::Str(template) => in_template(template, out),
        Node::List(items) => items.iter().for_each(|n| parameters_in(n, out)),
        Node::Object(fields) => fields.values().for_each(|n| parameters_in(n, out)),
        Node::Null | Node::Bool(_) | Node::Int(_) => {}
    }
}
