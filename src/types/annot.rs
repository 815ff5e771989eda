//! Type expressions written in the source (annotations, aliases) to [`Type`]s.
//!
//! Names resolve to the built-in types (`Int`, `Bool`, `String`, `Null`, `Path`, `Any`) or to a
//! `type` alias in scope; an alias shadows a built-in type of the same name. Aliases of one `let`
//! are visible in the whole `let` and may refer to each other in any order; each is expanded once,
//! on first use, and an alias that refers to itself is reported (`.sbl` types are not recursive).
//! An unknown name is reported with a "did you mean" over the aliases in scope and the built-in
//! types, and becomes `Any` so that nothing else is reported about it.

use super::check::Checker;
use super::env::Alias;
use super::ty::{Field, Fields, RecordType, Type};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::syntax::ast::{Ident, TypeExpr, TypeKind};

/// The names of the built-in types.
pub const BUILTIN_TYPES: &[&str] = &["Int", "Bool", "String", "Null", "Path", "Any"];

/// The `.sbl` spelling of type names common in other languages (`Integer`, `Boolean`, ...).
fn name_from_other_languages(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "integer" | "number" | "long" | "i64" | "u32" | "int64" => "Int",
        "boolean" => "Bool",
        "str" | "text" | "char" => "String",
        "nil" | "none" | "unit" => "Null",
        "object" | "attrs" | "attrset" | "set" | "record" | "map" | "dict" => "{ ... }",
        "array" | "vec" => "List Any",
        "dynamic" | "unknown" | "json" => "Any",
        _ => return None,
    })
}

fn builtin_type(name: &str) -> Option<Type> {
    Some(match name {
        "Int" => Type::Int,
        "Bool" => Type::Bool,
        "String" => Type::String,
        "Null" => Type::Null,
        "Path" => Type::Path,
        "Any" => Type::Any,
        _ => return None,
    })
}

impl<'p> Checker<'p> {
    /// Declares the aliases of a `let` (the caller has entered a scope for them), and expands
    /// each, so that mistakes in an alias are reported even if it is never used.
    pub(crate) fn declare_aliases(&mut self, aliases: &[(&'p Ident, &'p TypeExpr)]) {
        for (name, ty) in aliases {
            self.aliases.bind(name.name.clone(), Alias::Declared(ty));
        }
        for (name, _) in aliases {
            self.named_type(name);
        }
    }

    /// The type a type expression denotes.
    pub(crate) fn type_of_annotation(&mut self, expr: &TypeExpr) -> Type {
        match &expr.kind {
            TypeKind::Named(name) => self.named_type(name),
            TypeKind::List(element) => Type::list(self.type_of_annotation(element)),
            TypeKind::Record { fields, open } => {
                let mut converted = Fields::default();
                for field in fields {
                    let ty = self.type_of_annotation(&field.ty);
                    converted.entry(field.key.name.clone()).or_insert(Field {
                        ty,
                        optional: field.optional,
                        span: Some(field.key.span),
                    });
                }
                Type::record(RecordType {
                    fields: converted,
                    open: *open,
                })
            }
            TypeKind::StrLiteral(text) => Type::Literal(text.clone()),
            TypeKind::Union(members) => {
                let members: Vec<Type> =
                    members.iter().map(|m| self.type_of_annotation(m)).collect();
                Type::union(members)
            }
            TypeKind::Function(param, result) => {
                let param = self.type_of_annotation(param);
                let result = self.type_of_annotation(result);
                Type::function(param, result)
            }
            TypeKind::Error => Type::Any,
        }
    }

    fn named_type(&mut self, name: &Ident) -> Type {
        let alias = self.aliases.get(&name.name).cloned();
        match alias {
            Some(Alias::Expanded(ty)) => ty,
            Some(Alias::Declared(definition)) => {
                if let Some(slot) = self.aliases.get_mut(&name.name) {
                    *slot = Alias::Expanding;
                }
                let ty = self.type_of_annotation(definition);
                if let Some(slot) = self.aliases.get_mut(&name.name) {
                    *slot = Alias::Expanded(ty.clone());
                }
                ty
            }
            Some(Alias::Expanding) => {
                self.report(
                    Diagnostic::new(
                        Code::RecursiveTypeAlias,
                        format!("the type alias `{}` refers to itself", name.name),
                        name.span,
                        "used inside its own definition",
                    )
                    .with_help("`.sbl` types cannot be recursive; use `Any` for the inner part"),
                );
                Type::Any
            }
            None => match builtin_type(&name.name) {
                Some(ty) => ty,
                None => {
                    self.report_unknown_type(name);
                    Type::Any
                }
            },
        }
    }

    fn report_unknown_type(&mut self, name: &Ident) {
        let candidates: Vec<&str> = BUILTIN_TYPES
            .iter()
            .copied()
            .chain(self.aliases.names())
            .collect();
        let mut diagnostic = Diagnostic::new(
            Code::UnknownType,
            format!("unknown type `{}`", name.name),
            name.span,
            "not a type in scope",
        );
        let best = did_you_mean(&name.name, candidates.iter().copied())
            .or_else(|| name_from_other_languages(&name.name));
        diagnostic = match best {
            Some(best) => diagnostic.with_help(format!("did you mean `{best}`?")),
            None => diagnostic.with_help(
                "the built-in types are Int, Bool, String, Null, Path, Any and List T; \
                 declare others with `type Name = ...;` in a `let`",
            ),
        };
        self.report(diagnostic);
    }
}
