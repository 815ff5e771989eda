//! Binding groups, collected before lowering.
//!
//! The bindings of a `let` or a record are first collected into a tree of entries by name:
//! `a.b = 1; a.c = 2;` become one nested record `a`, and `inherit (source) x` shares one thunk
//! of `source` among all its names.

use std::rc::Rc;

use super::names::SymCache;
use crate::eval::sym_map::SymMap;
use crate::source::Span;
use crate::syntax::ast::{Binding, BindingKind, Expr, Ident, Key, TypeExpr};

/// One name of a binding group, before lowering.
pub(super) enum Entry<'a> {
    Value {
        value: &'a Expr,
        ty: Option<&'a TypeExpr>,
    },
    /// A record built from key paths (`a.b = ...; a.c = ...;`).
    Nested { entries: Entries<'a>, span: Span },
    /// `inherit name;`: in a `let` or `rec`, this names the variable outside the group (not
    /// the binding itself).
    Inherit { name: &'a Ident },
    /// `inherit (sources[source]) name;`.
    InheritFrom { source: usize, name: &'a Ident },
}

/// Entries by name, in the order the names were first bound.
pub(super) type Entries<'a> = SymMap<Entry<'a>>;

/// A `let`'s or record's bindings, collected.
pub(super) struct Group<'a> {
    pub(super) entries: Entries<'a>,
    pub(super) sources: Vec<&'a Expr>,
    pub(super) aliases: Vec<(Rc<str>, &'a TypeExpr)>,
}

impl<'a> Group<'a> {
    pub(super) fn collect(bindings: &'a [Binding], syms: &mut SymCache<'a>) -> Group<'a> {
        syms.reserve(bindings.len());
        let mut group = Group {
            // Most bindings bind one name of their own: room for them all at once.
            entries: Entries::with_capacity(bindings.len()),
            sources: Vec::new(),
            aliases: Vec::new(),
        };
        for binding in bindings {
            group.add(binding, syms);
        }
        group
    }

    fn add(&mut self, binding: &'a Binding, syms: &mut SymCache<'a>) {
        match &binding.kind {
            BindingKind::Field { path, ty, value } => insert_path(
                &mut self.entries,
                path,
                Entry::Value {
                    value,
                    ty: ty.as_deref(),
                },
                syms,
            ),
            BindingKind::Inherit {
                source: None,
                names,
            } => {
                for name in names {
                    self.entries
                        .insert_if_absent(syms.sym(&name.name), || Entry::Inherit { name });
                }
            }
            BindingKind::Inherit {
                source: Some(source),
                names,
            } => {
                self.sources.push(source);
                let source = self.sources.len() - 1;
                for name in names {
                    self.entries
                        .insert_if_absent(syms.sym(&name.name), || Entry::InheritFrom {
                            source,
                            name,
                        });
                }
            }
            BindingKind::TypeAlias { name, ty } => self.aliases.push((name.name.clone(), ty)),
        }
    }
}

/// Binds `path` to `leaf`, creating and merging nested records. A second binding of the same
/// name (or a key path into a name bound to a value) is the parser's error to report (E0110);
/// here the first binding stays.
fn insert_path<'a>(
    entries: &mut Entries<'a>,
    path: &'a [Key],
    leaf: Entry<'a>,
    syms: &mut SymCache<'a>,
) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let name = syms.sym(&first.name);
    if rest.is_empty() {
        entries.insert_if_absent(name, || leaf);
        return;
    }
    let entry = entries.get_or_insert_with(name, || Entry::Nested {
        entries: Entries::default(),
        span: first.span,
    });
    if let Entry::Nested { entries: inner, .. } = entry {
        insert_path(inner, rest, leaf, syms);
    }
}
