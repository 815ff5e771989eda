//! Scoped environments: the types of the names in scope, and the type aliases in scope.
//!
//! Both are a map from name to a stack of entries, plus a stack of scopes recording which names
//! each scope pushed, so entering and leaving a scope costs only what the scope binds, and
//! looking a name up is one hash lookup however deep the nesting (a generated file with
//! thousands of bindings must check in linear time). The innermost entry shadows the others.

use std::collections::HashMap;
use std::rc::Rc;

use super::ty::Type;
use crate::source::Span;
use crate::syntax::ast::TypeExpr;

/// The type of a name in scope.
#[derive(Clone, Debug)]
pub struct Scheme {
    pub ty: Type,
    /// Whether `ty` contains generalised variables (then each use instantiates it).
    pub poly: bool,
    /// Where the name was bound, when it was bound in source text.
    pub span: Option<Span>,
}

impl Scheme {
    pub fn mono(ty: Type, span: Option<Span>) -> Scheme {
        Scheme {
            ty,
            poly: false,
            span,
        }
    }
}

/// A map from names to stacks of entries, with scopes.
#[derive(Debug)]
pub struct Scoped<T> {
    entries: HashMap<Rc<str>, Vec<T>>,
    scopes: Vec<Vec<Rc<str>>>,
}

impl<T> Default for Scoped<T> {
    fn default() -> Self {
        Scoped {
            entries: HashMap::new(),
            scopes: vec![Vec::new()],
        }
    }
}

impl<T> Scoped<T> {
    pub fn enter(&mut self) {
        self.scopes.push(Vec::new());
    }

    /// Leaves the innermost scope, dropping everything it bound.
    pub fn leave(&mut self) {
        let Some(names) = self.scopes.pop() else {
            return;
        };
        for name in names {
            if let Some(stack) = self.entries.get_mut(&name) {
                stack.pop();
                if stack.is_empty() {
                    self.entries.remove(&name);
                }
            }
        }
        if self.scopes.is_empty() {
            self.scopes.push(Vec::new());
        }
    }

    /// Binds `name` in the innermost scope.
    pub fn bind(&mut self, name: Rc<str>, entry: T) {
        self.entries.entry(name.clone()).or_default().push(entry);
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(name);
        }
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        self.entries.get(name).and_then(|stack| stack.last())
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.entries
            .get_mut(name)
            .and_then(|stack| stack.last_mut())
    }

    /// Every name in scope (for "did you mean").
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(|k| &**k)
    }
}

/// A type alias in scope: declared, being expanded, or expanded.
#[derive(Clone, Debug)]
pub enum Alias<'p> {
    Declared(&'p TypeExpr),
    /// Being expanded right now: meeting it again means the alias refers to itself.
    Expanding,
    Expanded(Type),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_scopes_shadow_and_leaving_restores() {
        let mut env: Scoped<i32> = Scoped::default();
        env.bind("x".into(), 1);
        env.enter();
        env.bind("x".into(), 2);
        env.bind("y".into(), 3);
        assert_eq!(env.get("x"), Some(&2));
        env.leave();
        assert_eq!(env.get("x"), Some(&1));
        assert_eq!(env.get("y"), None);
        assert_eq!(env.names().collect::<Vec<_>>(), vec!["x"]);
    }
}
