//! Record builtins. Names come and go in definition order (not sorted, unlike Nix), so output
//! follows the order the program wrote.

use std::rc::Rc;

use super::{function, list, record, string, Arg};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::error::missing_field;
use crate::eval::error::{a, fail, Fallible};
use crate::eval::machine::Machine;
use crate::eval::symbol::Sym;
use crate::eval::value::{Application, Record, State, Thunk, Value};
use crate::source::Span;

pub fn attr_names(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let r = record(m, args, 0, "attrNames")?;
    Ok(Value::list(
        r.names().map(|n| Thunk::ready(Value::Str(n))).collect(),
    ))
}

pub fn attr_values(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let r = record(m, args, 0, "attrValues")?;
    Ok(Value::list(r.fields.values().cloned().collect()))
}

pub fn has_attr(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let name = string(m, args, 0, "hasAttr")?;
    let r = record(m, args, 1, "hasAttr")?;
    Ok(Value::Bool(r.get(&name).is_some()))
}

pub fn get_attr(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let name = string(m, args, 0, "getAttr")?;
    let r = record(m, args, 1, "getAttr")?;
    match r.get(&name) {
        Some(thunk) => m.force(thunk),
        None => fail(missing_field(
            &r,
            Sym::intern(&name),
            args[0].span,
            args[1].span,
        )),
    }
}

pub fn remove_attrs(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let r = record(m, args, 0, "removeAttrs")?;
    let names = list(m, args, 1, "removeAttrs")?;
    let mut kept = (*r).clone();
    for name in names.iter() {
        match m.force(name)? {
            Value::Str(name) => {
                if let Some(sym) = Sym::existing(&name) {
                    kept.fields.shift_remove(&sym);
                }
            }
            other => return fail(not_a_name("removeAttrs", &other, args[1].span)),
        }
    }
    Ok(Value::Record(Rc::new(kept)))
}

pub fn map_attrs(m: &mut Machine, args: &[Arg], call: Span) -> Fallible<Value> {
    let f = function(m, args, 0, "mapAttrs")?;
    let r = record(m, args, 1, "mapAttrs")?;
    let mut mapped = Record::with_capacity(r.len());
    for (name, thunk) in &r.fields {
        mapped.fields.insert(
            *name,
            Thunk::lazy(State::Apply(Box::new(Application {
                func: f.clone(),
                arg: Thunk::ready(Value::Str(name.name())),
                arg2: Some(thunk.clone()),
                span: call,
            }))),
        );
    }
    Ok(Value::Record(Rc::new(mapped)))
}

/// `[ { name = "a"; value = 1; } ]` to `{ a = 1; }`; the first entry for a name wins.
pub fn list_to_attrs(m: &mut Machine, args: &[Arg], _call: Span) -> Fallible<Value> {
    let entries = list(m, args, 0, "listToAttrs")?;
    let (name_sym, value_sym) = (Sym::intern("name"), Sym::intern("value"));
    let mut built = Record::with_capacity(entries.len());
    for (index, entry) in entries.iter().enumerate() {
        let entry = m.force(entry)?;
        let malformed = |what: String| {
            Diagnostic::new(
                Code::RuntimeTypeError,
                format!("`listToAttrs` item {index} {what}"),
                args[0].span,
                "in this list",
            )
            .with_help("each item must be a record `{ name = \"...\"; value = ...; }`")
        };
        let Value::Record(entry) = entry else {
            return fail(malformed(format!(
                "is {}, not a record",
                a(entry.type_name())
            )));
        };
        let (Some(name), Some(value)) = (entry.get_sym(name_sym), entry.get_sym(value_sym)) else {
            return fail(malformed("lacks `name` or `value`".to_string()));
        };
        let name = match m.force(name)? {
            Value::Str(name) => name,
            other => {
                return fail(malformed(format!(
                    "has a `name` that is {}, not a String",
                    a(other.type_name())
                )))
            }
        };
        built
            .fields
            .insert_if_absent(Sym::intern(&name), || value.clone());
    }
    Ok(Value::Record(Rc::new(built)))
}

fn not_a_name(builtin: &str, found: &Value, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!(
            "`{builtin}` needs a list of field names (Strings), but it contains {}",
            a(found.type_name())
        ),
        span,
        "this list",
    )
}
