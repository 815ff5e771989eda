//! Scoped environments: the types of the names in scope, and the type aliases in scope.
//!
//! Both are a stack of bindings plus a map from each name to its innermost binding, so
//! entering and leaving a scope costs only what the scope binds, and looking a name up is one
//! hash lookup however deep the nesting (a generated file with thousands of bindings must check
//! in linear time).

use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;

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

/// The hasher of the checker's maps of names: foldhash, fast on short keys, with a fixed seed so
/// that runs are reproducible (the keys come from the program being checked, not from an
/// adversary of the process, so SipHash's resistance to crafted collisions is not needed).
pub type BuildNameHasher = FixedState;

/// A hash map keyed by names, with the fast hasher.
pub type NameMap<K, V> = HashMap<K, V, BuildNameHasher>;

/// One binding: the value, and the binding of the same name it shadows.
#[derive(Debug)]
struct Entry<T> {
    name: Rc<str>,
    value: T,
    shadowed: Option<usize>,
}

/// Names bound in nested scopes: the innermost binding of a name wins.
///
/// Bindings live in one stack, in binding order; the map gives the index of the innermost
/// binding of each name, and each binding remembers the one it shadows, so leaving a scope
/// pops its bindings and restores what they shadowed.
#[derive(Debug)]
pub struct Scoped<T> {
    entries: Vec<Entry<T>>,
    innermost: NameMap<Rc<str>, usize>,
    /// Where each open scope starts in `entries`.
    scopes: Vec<usize>,
}

impl<T> Default for Scoped<T> {
    fn default() -> Self {
        Scoped {
            entries: Vec::new(),
            innermost: NameMap::default(),
            scopes: Vec::new(),
        }
    }
}

impl<T> Scoped<T> {
    pub fn enter(&mut self) {
        self.scopes.push(self.entries.len());
    }

    /// Leaves the innermost scope, dropping everything it bound.
    pub fn leave(&mut self) {
        let start = self.scopes.pop().unwrap_or(0);
        while self.entries.len() > start {
            let Some(entry) = self.entries.pop() else {
                break;
            };
            match entry.shadowed {
                Some(previous) => {
                    self.innermost.insert(entry.name, previous);
                }
                None => {
                    self.innermost.remove(&entry.name);
                }
            }
        }
    }

    /// Makes room for `additional` more bindings (a `let` knows how many names it binds).
    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
        self.innermost.reserve(additional);
    }

    /// Binds `name` in the innermost scope.
    pub fn bind(&mut self, name: Rc<str>, value: T) {
        let index = self.entries.len();
        let shadowed = self.innermost.insert(name.clone(), index);
        self.entries.push(Entry {
            name,
            value,
            shadowed,
        });
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        let index = *self.innermost.get(name)?;
        self.entries.get(index).map(|e| &e.value)
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        let index = *self.innermost.get(name)?;
        self.entries.get_mut(index).map(|e| &mut e.value)
    }

    /// Every name in scope (for "did you mean").
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.innermost.keys().map(|k| &**k)
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
