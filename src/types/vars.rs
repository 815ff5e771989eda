//! Type variables: a union-find table with levels, for inference and let-generalisation.
//!
//! Every [`TypeVar`] is a slot in [`VarTable`]: either a link to another variable (the union-find
//! part, path-compressed by [`VarTable::find`]), unbound with a *level*, or bound to a type.
//!
//! Levels implement generalisation without scanning the environment (Rémy's levels, as in OCaml):
//! the checker's current level rises by one while it infers a group of `let` bindings, fresh
//! variables get the current level, and binding a variable to a type lowers the levels of the
//! variables in that type to the variable's own level (so a variable that escapes into an outer
//! binding takes that binding's level). When the group is done, the unbound variables of its
//! types whose level is still above the outer level belong to the group alone, and are
//! generalised by setting their level to [`GENERIC`]. Instantiating a type scheme copies it with
//! fresh variables in place of the generic ones. Both steps are linear in the size of the type.

use std::borrow::Cow;
use std::rc::Rc;

use super::ty::{Field, RecordType, Type, TypeVar};

/// The level of generalised variables: instantiation replaces them with fresh ones.
pub const GENERIC: u32 = u32::MAX;

#[derive(Clone, Debug)]
enum Slot {
    Link(TypeVar),
    Unbound { level: u32 },
    Bound(Type),
}

/// The union-find table of type variables.
#[derive(Debug, Default)]
pub struct VarTable {
    slots: Vec<Slot>,
    /// The stack of the walks over types, kept between walks (empty then) so that binding and
    /// generalising, done for every `let` binding, do not allocate one each time.
    walk_stack: Vec<Type>,
}

impl VarTable {
    pub fn fresh(&mut self, level: u32) -> Type {
        let var = TypeVar(self.slots.len() as u32);
        self.slots.push(Slot::Unbound { level });
        Type::Var(var)
    }

    /// A variable that is generic from the start (for builtin signatures).
    pub fn generic(&mut self) -> Type {
        self.fresh(GENERIC)
    }

    fn slot(&self, var: TypeVar) -> &Slot {
        &self.slots[var.0 as usize]
    }

    /// The representative of `var`'s class, compressing the path on the way.
    pub fn find(&mut self, var: TypeVar) -> TypeVar {
        let mut root = var;
        while let Slot::Link(next) = self.slot(root) {
            root = *next;
        }
        let mut current = var;
        while let Slot::Link(next) = self.slot(current) {
            let next = *next;
            self.slots[current.0 as usize] = Slot::Link(root);
            current = next;
        }
        root
    }

    /// The type with its outermost variables followed: never a bound or linked variable.
    pub fn shallow(&mut self, ty: &Type) -> Type {
        self.resolve(ty).into_owned()
    }

    /// [`shallow`](Self::shallow), borrowing `ty` itself when it is not a variable (the
    /// comparisons of types resolve both sides at every step, and mostly meet no variables).
    pub fn resolve<'t>(&mut self, ty: &'t Type) -> Cow<'t, Type> {
        let Type::Var(mut var) = *ty else {
            return Cow::Borrowed(ty);
        };
        loop {
            let root = self.find(var);
            match self.slot(root) {
                Slot::Bound(Type::Var(next)) => var = *next,
                Slot::Bound(bound) => return Cow::Owned(bound.clone()),
                _ => return Cow::Owned(Type::Var(root)),
            }
        }
    }

    pub fn level(&mut self, var: TypeVar) -> Option<u32> {
        let root = self.find(var);
        match self.slot(root) {
            Slot::Unbound { level } => Some(*level),
            _ => None,
        }
    }

    /// Binds the unbound variable `var` to `ty`. Returns `false` (and binds nothing) when `ty`
    /// contains `var`, which would make an infinite type.
    pub fn bind(&mut self, var: TypeVar, ty: &Type) -> bool {
        let root = self.find(var);
        let Some(level) = self.level(root) else {
            return false;
        };
        if let Type::Var(other) = self.shallow(ty) {
            if other == root {
                return true;
            }
            let other_level = self.level(other).unwrap_or(level);
            self.slots[other.0 as usize] = Slot::Unbound {
                level: other_level.min(level),
            };
            self.slots[root.0 as usize] = Slot::Link(other);
            return true;
        }
        if !self.occurs_adjusting_levels(root, level, ty) {
            return false;
        }
        self.slots[root.0 as usize] = Slot::Bound(ty.clone());
        true
    }

    /// Walks `ty`: false if `var` occurs in it; otherwise lowers every unbound variable in it to
    /// at most `level` and returns true.
    fn occurs_adjusting_levels(&mut self, var: TypeVar, level: u32, ty: &Type) -> bool {
        self.all_unbound(ty, |table, other, other_level| {
            if other == var {
                return false;
            }
            if other_level > level {
                table.slots[other.0 as usize] = Slot::Unbound { level };
            }
            true
        })
    }

    /// `ty` with every bound variable replaced by its solution, recursively.
    pub fn zonk(&mut self, ty: &Type) -> Type {
        self.map_vars(ty, &mut |_, var| Type::Var(var))
    }

    /// Generalises the unbound variables of `ty` whose level is above `outer_level`. Returns
    /// whether any variable was generalised (a type without generic variables needs no
    /// instantiation).
    pub fn generalise(&mut self, ty: &Type, outer_level: u32) -> bool {
        let mut any = false;
        self.all_unbound(ty, |table, var, level| {
            if level == GENERIC {
                any = true;
            } else if level > outer_level {
                table.slots[var.0 as usize] = Slot::Unbound { level: GENERIC };
                any = true;
            }
            true
        });
        any
    }

    /// Calls `visit` with the representative and the level of every unbound variable in `ty`
    /// (following the bound ones) until it returns false. Returns whether it never did.
    fn all_unbound(
        &mut self,
        ty: &Type,
        mut visit: impl FnMut(&mut VarTable, TypeVar, u32) -> bool,
    ) -> bool {
        // An explicit stack: a type can be as deep as the expression that built it. Leaves are
        // never pushed (they hold no variables), and the last part of a type is visited next
        // without going through the stack. A walk stopped early drops the stack with what is
        // left on it.
        let mut pending = std::mem::take(&mut self.walk_stack);
        let mut next = Some(ty.clone());
        while let Some(ty) = next.take().or_else(|| pending.pop()) {
            match ty {
                Type::Var(var) => {
                    let root = self.find(var);
                    match self.slot(root) {
                        Slot::Bound(bound) => next = Some(bound.clone()),
                        Slot::Unbound { level } => {
                            let level = *level;
                            if !visit(self, root, level) {
                                return false;
                            }
                        }
                        // `find` returns the representative, never a link.
                        Slot::Link(_) => {}
                    }
                }
                Type::List(element) => next = Some((*element).clone()),
                Type::Function(param, result) => {
                    pending.push((*param).clone());
                    next = Some((*result).clone());
                }
                Type::Record(record) => pending.extend(
                    record
                        .fields
                        .values()
                        .filter(|field| field.ty.may_contain_vars())
                        .map(|field| field.ty.clone()),
                ),
                Type::Union(members) => pending.extend(
                    members
                        .iter()
                        .filter(|member| member.may_contain_vars())
                        .cloned(),
                ),
                _ => {}
            }
        }
        self.walk_stack = pending;
        true
    }

    /// A copy of `ty` with fresh variables at `level` in place of the generic ones (the same
    /// generic variable gets the same fresh one throughout).
    pub fn instantiate(&mut self, ty: &Type, level: u32) -> Type {
        // Schemes have few variables: a vector beats a hash map.
        let mut fresh: Vec<(TypeVar, Type)> = Vec::new();
        self.map_vars(ty, &mut |table, var| {
            if table.level(var) != Some(GENERIC) {
                return Type::Var(var);
            }
            if let Some((_, copy)) = fresh.iter().find(|(v, _)| *v == var) {
                return copy.clone();
            }
            let copy = table.fresh(level);
            fresh.push((var, copy.clone()));
            copy
        })
    }

    /// Rebuilds `ty` with bound variables resolved and each unbound variable (by its
    /// representative) replaced by `on_unbound`. Parts without variables are shared, not copied.
    fn map_vars(
        &mut self,
        ty: &Type,
        on_unbound: &mut dyn FnMut(&mut VarTable, TypeVar) -> Type,
    ) -> Type {
        self.rewrite(ty, on_unbound).unwrap_or_else(|| ty.clone())
    }

    /// [`map_vars`](Self::map_vars), returning `None` when nothing changes.
    fn rewrite(
        &mut self,
        ty: &Type,
        on_unbound: &mut dyn FnMut(&mut VarTable, TypeVar) -> Type,
    ) -> Option<Type> {
        match ty {
            Type::Var(var) => {
                let root = self.find(*var);
                if let Slot::Bound(bound) = self.slot(root) {
                    let bound = bound.clone();
                    return Some(self.rewrite(&bound, on_unbound).unwrap_or(bound));
                }
                let replaced = on_unbound(self, root);
                match replaced {
                    Type::Var(same) if same == *var => None,
                    other => Some(other),
                }
            }
            Type::List(element) => self.rewrite(element, on_unbound).map(Type::list),
            Type::Function(param, result) => {
                let new_param = self.rewrite(param, on_unbound);
                let new_result = self.rewrite(result, on_unbound);
                if new_param.is_none() && new_result.is_none() {
                    return None;
                }
                Some(Type::function(
                    new_param.unwrap_or_else(|| (**param).clone()),
                    new_result.unwrap_or_else(|| (**result).clone()),
                ))
            }
            Type::Record(record) => {
                let changed: Vec<Option<Type>> = record
                    .fields
                    .values()
                    .map(|field| self.rewrite(&field.ty, on_unbound))
                    .collect();
                if changed.iter().all(Option::is_none) {
                    return None;
                }
                let fields = record
                    .fields
                    .iter()
                    .zip(changed)
                    .map(|((name, field), new)| {
                        let ty = new.unwrap_or_else(|| field.ty.clone());
                        (
                            name.clone(),
                            Field {
                                ty,
                                ..field.clone()
                            },
                        )
                    })
                    .collect();
                Some(Type::Record(Rc::new(RecordType {
                    fields,
                    open: record.open,
                })))
            }
            Type::Union(members) => {
                let changed: Vec<Option<Type>> = members
                    .iter()
                    .map(|m| self.rewrite(m, on_unbound))
                    .collect();
                if changed.iter().all(Option::is_none) {
                    return None;
                }
                let members: Vec<Type> = members
                    .iter()
                    .zip(changed)
                    .map(|(m, new)| new.unwrap_or_else(|| m.clone()))
                    .collect();
                Some(Type::union(members))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_follows_links_and_refuses_infinite_types() {
        let mut table = VarTable::default();
        let a = table.fresh(1);
        let b = table.fresh(1);
        let (Type::Var(va), Type::Var(vb)) = (a.clone(), b.clone()) else {
            unreachable!()
        };
        assert!(table.bind(va, &b));
        assert!(table.bind(vb, &Type::Int));
        assert_eq!(table.zonk(&Type::list(a.clone())).to_string(), "List Int");
        let c = table.fresh(1);
        let Type::Var(vc) = c else { unreachable!() };
        assert!(!table.bind(vc, &Type::list(Type::Var(vc))));
    }

    #[test]
    fn generalises_only_variables_above_the_outer_level() {
        let mut table = VarTable::default();
        let outer = table.fresh(0);
        let inner = table.fresh(1);
        let f = Type::function(inner.clone(), outer.clone());
        assert!(table.generalise(&f, 0));
        let copy = table.instantiate(&f, 0);
        let Type::Function(param, result) = table.zonk(&copy) else {
            unreachable!()
        };
        assert!(matches!(&*param, Type::Var(v) if Type::Var(*v).to_string() == "a"));
        assert!(
            matches!((&*param, &inner), (Type::Var(p), Type::Var(i)) if p != i),
            "the generic variable is replaced"
        );
        assert!(
            matches!((&*result, &outer), (Type::Var(r), Type::Var(o)) if r == o),
            "the outer variable is shared"
        );
    }
}
