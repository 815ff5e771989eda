//! Type annotations lowered to the [`Contract`]s checked at run time.

use std::rc::Rc;

use super::Lowerer;
use crate::eval::contract::{Contract, FieldContract};
use crate::syntax::ast::{TypeExpr, TypeKind};

/// How deeply type aliases may refer to each other before the lowerer gives up (cyclic aliases
/// are the type checker's to report; here they just stop being checked).
const ALIAS_DEPTH_LIMIT: u32 = 64;

impl<'a> Lowerer<'a> {
    pub(super) fn contract(&mut self, ty: &'a TypeExpr) -> Rc<Contract> {
        Rc::new(self.contract_at(ty, 0))
    }

    fn contract_at(&mut self, ty: &'a TypeExpr, depth: u32) -> Contract {
        match &ty.kind {
            TypeKind::Named(ident) => match &*ident.name {
                "Int" => Contract::Int,
                "Bool" => Contract::Bool,
                "String" => Contract::String,
                "Null" => Contract::Null,
                "Path" => Contract::Path,
                "Any" => Contract::Any,
                name => match self.alias(name) {
                    Some(aliased) if depth < ALIAS_DEPTH_LIMIT => {
                        self.contract_at(aliased, depth + 1)
                    }
                    _ => Contract::Any,
                },
            },
            TypeKind::List(item) => Contract::List(Rc::new(self.contract_at(item, depth))),
            TypeKind::Record { fields, open } => Contract::Record {
                fields: fields
                    .iter()
                    .map(|f| FieldContract {
                        name: self.syms.sym(&f.key.name),
                        optional: f.optional,
                        contract: Rc::new(self.contract_at(&f.ty, depth)),
                    })
                    .collect(),
                open: *open,
            },
            TypeKind::StrLiteral(s) => Contract::Literal(s.clone()),
            TypeKind::Union(alternatives) => {
                let mut flat = Vec::new();
                for alt in alternatives {
                    match self.contract_at(alt, depth) {
                        Contract::Union(inner) => flat.extend(inner),
                        other => flat.push(Rc::new(other)),
                    }
                }
                Contract::Union(flat)
            }
            TypeKind::Function(_, _) => Contract::Function,
            TypeKind::Error => Contract::Any,
        }
    }

    fn alias(&self, name: &str) -> Option<&'a TypeExpr> {
        self.aliases
            .iter()
            .rev()
            .flat_map(|scope| scope.iter().rev())
            .find(|(n, _)| &**n == name)
            .map(|(_, ty)| *ty)
    }
}
