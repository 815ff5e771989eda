//! Builtins that declare the deployment: `resource`, `ref`, `param`, `guid`.
//!
//! They return ordinary values whose strings carry [`crate::reference`] tokens, and record each
//! declaration in the evaluation's [`registry`](crate::eval::deploy), with the `.sbl` places that
//! led to it, for the resource-graph phase.

use std::rc::Rc;

use super::{list, record, string, wrong_argument, Arg};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::deploy::{register_parameter, register_resource};
use crate::eval::error::{fail, Fallible};
use crate::eval::machine::Machine;
use crate::eval::symbol::Sym;
use crate::eval::value::{Record, Thunk, Value};
use crate::reference::{split, Piece, Token};
use crate::source::Span;

/// `resource { type = ...; apiVersion = ...; name = ...; ... }`: the record given, plus `id`.
pub fn resource(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let spec = record(m, args, 0, "resource")?;
    let trace = m.origin_trace(call);
    let index = register_resource(Value::Record(spec.clone()), trace);
    let mut result = Record::with_capacity(spec.len() + 1);
    for (name, thunk) in spec.fields.iter() {
        result.fields.insert(*name, thunk.clone());
    }
    let id = Token::Resource {
        index,
        path: vec!["id".into()],
    };
    result
        .fields
        .insert(Sym::intern("id"), Thunk::ready(Value::string(id.encode())));
    Ok(Value::Record(Rc::new(result)))
}

/// `ref r "properties.vaultUri"`: a property of resource `r` known only after deployment.
pub fn reference(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let target = record(m, args, 0, "ref")?;
    let path = string(m, args, 1, "ref")?;
    let index = match target.get("id") {
        Some(id) => match m.force(id)? {
            Value::Str(text) => match split(&text).as_slice() {
                [Piece::Token(Token::Resource { index, path })]
                    if path.len() == 1 && path[0] == "id" =>
                {
                    Some(*index)
                }
                _ => None,
            },
            _ => None,
        },
        None => None,
    };
    let Some(index) = index else {
        return fail(Diagnostic::new(
            Code::InvalidBuiltinArgument,
            "`ref` needs a resource, the value of `resource { ... }`",
            args[0].span,
            "not a resource",
        ));
    };
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return fail(Diagnostic::new(
            Code::InvalidBuiltinArgument,
            format!("`ref` needs a dotted path such as \"properties.principalId\", not {path:?}"),
            args[1].span,
            "not a property path",
        ));
    }
    let token = Token::Resource {
        index,
        path: path.split('.').map(str::to_string).collect(),
    };
    Ok(Value::string(token.encode()))
}

/// `param { name = "..."; type = "securestring"; }`: a deployment parameter's value.
pub fn param(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let spec = record(m, args, 0, "param")?;
    let name = match spec.get("name") {
        Some(thunk) => m.force(thunk)?,
        None => Value::Null,
    };
    let Value::Str(name) = name else {
        return fail(wrong_argument(
            "param",
            0,
            "record with a String `name`",
            &name,
            args[0].span,
        ));
    };
    let valid = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return fail(Diagnostic::new(
            Code::InvalidBuiltinArgument,
            format!("parameter name {name:?} must start with a letter and hold only letters, digits and `_`"),
            args[0].span,
            "invalid parameter name",
        ));
    }
    let trace = m.origin_trace(call);
    register_parameter(Value::Record(spec.clone()), trace);
    Ok(Value::string(
        Token::Parameter {
            name: name.to_string(),
        }
        .encode(),
    ))
}

/// `guid [ a b c ]`: ARM's `guid(a, b, c)`, computed at deployment.
pub fn guid(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let items = list(m, args, 0, "guid")?;
    let mut parts = Vec::with_capacity(items.len());
    for item in items.iter() {
        match m.force(item)? {
            Value::Str(text) => parts.push(text.to_string()),
            other => {
                return fail(wrong_argument(
                    "guid",
                    0,
                    "list of Strings",
                    &other,
                    args[0].span,
                ))
            }
        }
    }
    if parts.is_empty() {
        return fail(Diagnostic::new(
            Code::InvalidBuiltinArgument,
            "`guid` needs at least one string",
            args[0].span,
            "empty list",
        ));
    }
    Ok(Value::string(Token::Guid { args: parts }.encode()))
}
