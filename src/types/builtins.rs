//! The type signatures of the builtins, exactly the tables of `grammar/README.md` (the general
//! builtins, and `resource`, `ref`, `param`, `guid` for the resource graph), plus the deployment
//! context strings `tenantId` and `subscriptionId` that the stdlib uses.
//!
//! Signatures are polymorphic: their type variables are created generic, so every use of a
//! builtin instantiates fresh ones (`map` used on a list of strings and on a list of records in
//! the same file is fine). `{..}` in the table, a record of unknown fields, is the open record
//! type `{ ... }`. Every builtin is in scope by its own name and, except the two context
//! strings, as a field of the closed record `builtins` (so `builtins.mapp` is reported with
//! "did you mean `map`").

use std::rc::Rc;

use super::ty::{Field, Fields, RecordType, Type};
use super::vars::VarTable;

/// The names of all builtins, in the order of the table.
pub const BUILTIN_NAMES: &[&str] = &[
    "map",
    "filter",
    "foldl",
    "length",
    "elem",
    "head",
    "tail",
    "elemAt",
    "range",
    "genList",
    "concatLists",
    "concatMap",
    "any",
    "all",
    "attrNames",
    "attrValues",
    "hasAttr",
    "getAttr",
    "removeAttrs",
    "mapAttrs",
    "listToAttrs",
    "toString",
    "toJSON",
    "stringLength",
    "substring",
    "concatStringsSep",
    "replaceStrings",
    "splitString",
    "hasPrefix",
    "hasSuffix",
    "toUpper",
    "toLower",
    "throw",
    "isNull",
    "isInt",
    "isBool",
    "isString",
    "isList",
    "isAttrs",
    "isFunction",
    "isPath",
    "typeOf",
    "min",
    "max",
    "mod",
    "abs",
    "cidrSubnet",
    "cidrHost",
    "cidrContains",
    "cidrPrefixLength",
    "cidrOverlaps",
    "resource",
    "ref",
    "param",
    "guid",
    "tenantId",
    "subscriptionId",
];

/// The deployment context strings: in scope by name, but (like in the evaluator) not fields of
/// `builtins`, which holds the functions.
const CONTEXT_VALUES: &[&str] = &["tenantId", "subscriptionId"];

/// The signature of the builtin `name`, with generic variables from `vars`.
pub fn signature(name: &str, vars: &mut VarTable) -> Option<Type> {
    use Type::{Any, Bool, Int, String as Str};
    let a = vars.generic();
    let b = vars.generic();
    let list = Type::list;
    let fun = Type::function;
    let attrs = Type::open_record;
    let predicate = || fun(a.clone(), Bool);
    Some(match name {
        "map" => Type::curried([fun(a.clone(), b.clone()), list(a.clone())], list(b)),
        "filter" => Type::curried([predicate(), list(a.clone())], list(a)),
        "foldl" => Type::curried(
            [
                Type::curried([b.clone(), a.clone()], b.clone()),
                b.clone(),
                list(a),
            ],
            b,
        ),
        "length" => fun(list(a), Int),
        "elem" => Type::curried([a.clone(), list(a)], Bool),
        "head" => fun(list(a.clone()), a),
        "tail" => fun(list(a.clone()), list(a)),
        "elemAt" => Type::curried([list(a.clone()), Int], a),
        "range" => Type::curried([Int, Int], list(Int)),
        "genList" => Type::curried([fun(Int, a.clone()), Int], list(a)),
        "concatLists" => fun(list(list(a.clone())), list(a)),
        "concatMap" => Type::curried([fun(a.clone(), list(b.clone())), list(a)], list(b)),
        "any" | "all" => Type::curried([predicate(), list(a)], Bool),
        "attrNames" => fun(attrs(), list(Str)),
        "attrValues" => fun(attrs(), list(Any)),
        "hasAttr" => Type::curried([Str, attrs()], Bool),
        "getAttr" => Type::curried([Str, attrs()], Any),
        "removeAttrs" => Type::curried([attrs(), list(Str)], attrs()),
        "mapAttrs" => Type::curried([Type::curried([Str, Any], b), attrs()], attrs()),
        "listToAttrs" => {
            let entry = record(&[("name", Str), ("value", a)], &[], false);
            fun(list(entry), attrs())
        }
        "toString" | "toJSON" | "typeOf" => fun(Any, Str),
        "stringLength" | "cidrPrefixLength" => fun(Str, Int),
        "substring" => Type::curried([Int, Int, Str], Str),
        "concatStringsSep" => Type::curried([Str, list(Str)], Str),
        "replaceStrings" => Type::curried([list(Str), list(Str), Str], Str),
        "splitString" => Type::curried([Str, Str], list(Str)),
        "hasPrefix" | "hasSuffix" | "cidrContains" | "cidrOverlaps" => {
            Type::curried([Str, Str], Bool)
        }
        "toUpper" | "toLower" => fun(Str, Str),
        "throw" => fun(Str, a),
        "isNull" | "isInt" | "isBool" | "isString" | "isList" | "isAttrs" | "isFunction"
        | "isPath" => fun(Any, Bool),
        "min" | "max" | "mod" => Type::curried([Int, Int], Int),
        "abs" => fun(Int, Int),
        "cidrSubnet" => Type::curried([Str, Int, Int], Str),
        "cidrHost" => Type::curried([Str, Int], Str),
        "resource" => {
            let declared = record(
                &[("type", Str), ("apiVersion", Str), ("name", Str)],
                &[],
                true,
            );
            fun(declared, record(&[("id", Str)], &[], true))
        }
        "ref" => Type::curried([record(&[("id", Str)], &[], true), Str], Str),
        "param" => {
            let kinds = ["string", "securestring", "int", "bool"];
            let kind = Type::union(kinds.map(|k| Type::Literal(k.into())));
            let declared = record(
                &[("name", Str)],
                &[
                    ("type", kind),
                    ("default", Any),
                    ("allowed", list(Any)),
                    ("description", Str),
                ],
                false,
            );
            fun(declared, Any)
        }
        "guid" => fun(list(Str), Str),
        // Deployment context references, used by the stdlib (strings holding reference tokens).
        "tenantId" | "subscriptionId" => Str,
        _ => return None,
    })
}

/// A record type with `required` and `optional` fields (declared nowhere in source).
fn record(required: &[(&str, Type)], optional: &[(&str, Type)], open: bool) -> Type {
    let mut fields = Fields::default();
    for (name, ty) in required {
        fields.insert(Rc::from(*name), Field::required(ty.clone(), None));
    }
    for (name, ty) in optional {
        let field = Field {
            ty: ty.clone(),
            optional: true,
            span: None,
        };
        fields.insert(Rc::from(*name), field);
    }
    Type::record(RecordType { fields, open })
}

/// The type of the `builtins` record: every builtin as a field.
pub fn builtins_record(vars: &mut VarTable) -> Type {
    let fields = BUILTIN_NAMES
        .iter()
        .filter(|name| !CONTEXT_VALUES.contains(name))
        .filter_map(|name| {
            let ty = signature(name, vars)?;
            Some((Rc::from(*name), Field::required(ty, None)))
        })
        .collect();
    Type::record(RecordType {
        fields,
        open: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_has_a_signature() {
        let mut vars = VarTable::default();
        for name in BUILTIN_NAMES {
            assert!(signature(name, &mut vars).is_some(), "{name}");
        }
        assert!(signature("nope", &mut vars).is_none());
    }

    #[test]
    fn signatures_print_as_in_the_language_notes() {
        let mut vars = VarTable::default();
        let mut show = |name: &str| signature(name, &mut vars).unwrap().to_string();
        assert_eq!(show("map"), "(a -> b) -> List a -> List b");
        assert_eq!(show("foldl"), "(a -> b -> a) -> a -> List b -> a");
        assert_eq!(show("attrNames"), "{ ... } -> List String");
        assert_eq!(
            show("listToAttrs"),
            "List { name: String, value: a } -> { ... }"
        );
        assert_eq!(show("cidrSubnet"), "String -> Int -> Int -> String");
        assert_eq!(
            show("resource"),
            "{ type: String, apiVersion: String, name: String, ... } -> { id: String, ... }"
        );
        assert_eq!(show("ref"), "{ id: String, ... } -> String -> String");
        assert_eq!(
            show("param"),
            "{ name: String, type?: \"string\" | \"securestring\" | \"int\" | \"bool\", default?: Any, allowed?: List Any, description?: String } -> Any"
        );
        assert_eq!(show("guid"), "List String -> String");
    }
}
