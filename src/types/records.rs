//! Record literals, field selection, and the binding tree shared with `let`.
//!
//! The bindings of a record or `let` are first arranged in a [`FieldTree`]: key paths are merged
//! (`a.b = 1; a.c = 2;` make one field `a` holding `{ b, c }`), `inherit` entries are kept as
//! such, and repeated bindings (already reported by the parser) are dropped. A record literal
//! that only sets one-key fields, the common case, is typed straight from its bindings in the
//! same order, without building a tree it does not need.
//!
//! A record literal's inferred type is closed and exact: its fields, all required, each with
//! the span of its key. Checked against a known record type instead, each field is checked
//! against its declared type right where it is written; a field the closed type does not
//! declare is reported at its key with "did you mean", a required field left out is reported
//! at the record (unless it is the suggestion for a misspelt field, which says it all).
//!
//! Selection `r.a.b` on a closed record without the field is an error with "did you mean"
//! (never with `or default`); on an open record, a type variable or `Any` it yields `Any`
//! (there is no row polymorphism: a variable being selected from becomes an open record). A
//! `T | Null` is selected from as `T`, a union with a record member as that record.

use std::rc::Rc;

use indexmap::IndexMap;

use super::check::{Because, Checker};
use super::env::BuildNameHasher;
use super::fits::join;
use super::ty::{field_name, Field, Fields, RecordType, Type};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Binding, BindingKind, Expr, ExprKind, Ident, Key, TypeExpr};

/// One entry of a [`FieldTree`].
pub(crate) enum FieldNode<'p> {
    /// `key :: T = value;` (the last key of the path).
    Value {
        key: &'p Key,
        annotation: Option<&'p TypeExpr>,
        value: &'p Expr,
    },
    /// The fields set through longer key paths: `key.x = ...; key.y = ...;`.
    Nested {
        key: &'p Key,
        children: FieldTree<'p>,
    },
    /// `inherit name;` or `inherit (source) name;`.
    Inherit {
        name: &'p Ident,
        source: Option<&'p Expr>,
    },
}

impl FieldNode<'_> {
    /// Where the field is named.
    pub(crate) fn span(&self) -> Span {
        match self {
            FieldNode::Value { key, .. } | FieldNode::Nested { key, .. } => key.span,
            FieldNode::Inherit { name, .. } => name.span,
        }
    }
}

pub(crate) type FieldTree<'p> = IndexMap<Rc<str>, FieldNode<'p>, BuildNameHasher>;

/// The bindings of a record or `let` as a tree, and its type aliases.
pub(crate) fn field_tree<'p>(
    bindings: &'p [Binding],
) -> (FieldTree<'p>, Vec<(&'p Ident, &'p TypeExpr)>) {
    let mut tree = FieldTree::with_capacity_and_hasher(bindings.len(), BuildNameHasher::default());
    let mut aliases = Vec::new();
    for binding in bindings {
        match &binding.kind {
            BindingKind::Field { path, ty, value } => {
                insert_path(&mut tree, path, ty.as_deref(), value);
            }
            BindingKind::Inherit { source, names } => {
                for name in names {
                    tree.entry(name.name.clone()).or_insert(FieldNode::Inherit {
                        name,
                        source: source.as_ref(),
                    });
                }
            }
            BindingKind::TypeAlias { name, ty } => aliases.push((name, ty)),
        }
    }
    (tree, aliases)
}

fn insert_path<'p>(
    tree: &mut FieldTree<'p>,
    path: &'p [Key],
    annotation: Option<&'p TypeExpr>,
    value: &'p Expr,
) {
    let Some((last, prefix)) = path.split_last() else {
        return;
    };
    let mut current = tree;
    for key in prefix {
        let node = current
            .entry(key.name.clone())
            .or_insert_with(|| FieldNode::Nested {
                key,
                children: FieldTree::default(),
            });
        match node {
            FieldNode::Nested { children, .. } => current = children,
            // `a = ...; a.b = ...;`: reported by the parser as a repeated binding.
            _ => return,
        }
    }
    current
        .entry(last.name.clone())
        .or_insert(FieldNode::Value {
            key: last,
            annotation,
            value,
        });
}

impl<'p> Checker<'p> {
    /// The record type to check a record literal against, if `expected` has exactly one.
    pub(crate) fn record_member(&mut self, expected: &Type) -> Option<Rc<RecordType>> {
        match expected {
            Type::Record(record) => Some(record.clone()),
            Type::Union(members) => {
                let mut records = members.iter().filter_map(|m| match m {
                    Type::Record(r) => Some(r.clone()),
                    _ => None,
                });
                let first = records.next()?;
                records.next().is_none().then_some(first)
            }
            _ => None,
        }
    }

    pub(crate) fn infer_record(&mut self, recursive: bool, bindings: &'p [Binding]) -> Type {
        if recursive {
            return self.infer_recursive_record(bindings);
        }
        let plain = bindings.iter().all(
            |binding| matches!(&binding.kind, BindingKind::Field { path, .. } if path.len() == 1),
        );
        if plain {
            return self.infer_plain_record(bindings);
        }
        let (tree, _) = field_tree(bindings);
        self.infer_tree(&tree)
    }

    /// A record literal whose bindings all set one-key fields (`{ a = 1; b :: Int = 2; }`, the
    /// common case): typed as [`infer_tree`](Self::infer_tree) would type its tree, straight
    /// from the bindings, without building the tree first.
    fn infer_plain_record(&mut self, bindings: &'p [Binding]) -> Type {
        let mut fields =
            Fields::with_capacity_and_hasher(bindings.len(), BuildNameHasher::default());
        for binding in bindings {
            let BindingKind::Field {
                path,
                ty: annotation,
                value,
            } = &binding.kind
            else {
                continue;
            };
            let Some(key) = path.first() else {
                continue;
            };
            // A repeated field (reported by the parser) is dropped, as from a tree.
            if let indexmap::map::Entry::Vacant(slot) = fields.entry(key.name.clone()) {
                let ty = self.infer_value(annotation.as_deref(), value);
                slot.insert(Field::required(ty, Some(key.span)));
            }
        }
        Type::record(RecordType {
            fields,
            open: false,
        })
    }

    /// The closed record type of a tree whose names are not in scope of each other.
    pub(crate) fn infer_tree(&mut self, tree: &FieldTree<'p>) -> Type {
        let fields = tree
            .iter()
            .map(|(name, node)| {
                let ty = self.infer_node(node);
                (name.clone(), Field::required(ty, Some(node.span())))
            })
            .collect();
        Type::record(RecordType {
            fields,
            open: false,
        })
    }

    pub(crate) fn infer_node(&mut self, node: &FieldNode<'p>) -> Type {
        match node {
            FieldNode::Value {
                annotation, value, ..
            } => self.infer_value(*annotation, value),
            FieldNode::Nested { children, .. } => self.infer_tree(children),
            FieldNode::Inherit { name, source: None } => self.lookup(name),
            FieldNode::Inherit {
                name,
                source: Some(source),
            } => {
                let record = self.infer(source);
                let key = Key {
                    name: name.name.clone(),
                    span: name.span,
                };
                self.select_path(record, std::slice::from_ref(&key), false)
                    .unwrap_or(Type::Any)
            }
        }
    }

    /// The type of a field's value: its annotation, which the value is checked against, or
    /// the value's own type.
    fn infer_value(&mut self, annotation: Option<&'p TypeExpr>, value: &'p Expr) -> Type {
        let Some(annotation) = annotation else {
            return self.infer(value);
        };
        let ty = self.type_of_annotation(annotation);
        let because = Because {
            span: annotation.span,
            message: "expected because of this annotation",
        };
        self.check(value, &ty, Some(because));
        ty
    }

    /// Checks a `{ ... }` literal against a record type, field by field.
    pub(crate) fn check_record_literal(
        &mut self,
        bindings: &'p [Binding],
        span: Span,
        expected: &RecordType,
    ) {
        let (tree, _) = field_tree(bindings);
        self.check_tree(&tree, span, expected);
    }

    fn check_tree(&mut self, tree: &FieldTree<'p>, span: Span, expected: &RecordType) {
        // Fields set, and fields suggested for misspelt ones: neither is suggested again.
        let mut given: Vec<&str> = tree.keys().map(|k| &**k).collect();
        let mut suggested: Vec<Rc<str>> = Vec::new();
        for (name, node) in tree {
            match expected.fields.get(name) {
                Some(field) => {
                    let because = field.span.map(|span| Because {
                        span,
                        message: "the field's type is declared here",
                    });
                    self.check_node(node, &field.ty, because);
                }
                None if expected.open => {
                    self.infer_node(node);
                }
                None => {
                    let (diagnostic, best) =
                        self.unknown_field(name, node.span(), expected, &given);
                    if let Some((declared, _)) =
                        best.and_then(|b| expected.fields.get_key_value(&b))
                    {
                        given.push(declared);
                        suggested.push(declared.clone());
                    }
                    self.report(diagnostic);
                    self.infer_node(node);
                }
            }
        }
        let missing: Vec<Rc<str>> = expected
            .fields
            .iter()
            .filter(|(name, field)| {
                !field.optional && !tree.contains_key(*name) && !suggested.contains(name)
            })
            .map(|(name, _)| name.clone())
            .collect();
        if !missing.is_empty() {
            let diagnostic = self.missing_fields(&missing, span, expected);
            self.report(diagnostic);
        }
    }

    fn check_node(&mut self, node: &FieldNode<'p>, expected: &Type, because: Option<Because<'_>>) {
        match node {
            FieldNode::Value {
                annotation: None,
                value,
                ..
            } => self.check(value, expected, because),
            FieldNode::Nested { key, children } => {
                let expected = self.vars.shallow(expected);
                match self.record_member(&expected) {
                    Some(record) => self.check_tree(children, key.span, &record),
                    None => {
                        let found = self.infer_tree(children);
                        self.subsume(&found, &expected, key.span, because);
                    }
                }
            }
            _ => {
                let found = self.infer_node(node);
                self.subsume(&found, expected, node.span(), because);
            }
        }
    }

    /// `target.a.b` and `target.a.b or default`.
    pub(crate) fn infer_select(
        &mut self,
        target: &'p Expr,
        path: &'p [Key],
        default: Option<&'p Expr>,
    ) -> Type {
        // `az.vnet` where `az` is a polymorphic record (an imported module): instantiate the
        // field used, not the whole module's type, which every use copied before.
        let field = match (&target.kind, path.split_first()) {
            (ExprKind::Var(name), Some((key, rest))) => self
                .lookup_field(name, &key.name)
                .map(|field| (field, rest)),
            _ => None,
        };
        let selected = match field {
            Some((field, rest)) => self.select_path(field, rest, default.is_some()),
            None => {
                let record = self.infer(target);
                self.select_path(record, path, default.is_some())
            }
        };
        let Some(default) = default else {
            return selected.unwrap_or(Type::Any);
        };
        let default_ty = self.infer(default);
        match selected {
            Some(ty) => join(&mut self.vars, &ty, &default_ty).unwrap_or(Type::Any),
            None => default_ty,
        }
    }

    /// The type at `path` inside `ty`. `None` when a field is certainly missing: reported
    /// unless `has_default`.
    pub(crate) fn select_path(
        &mut self,
        ty: Type,
        path: &[Key],
        has_default: bool,
    ) -> Option<Type> {
        let mut current = ty;
        for key in path {
            let target = match self.non_null(&current) {
                // A union of records and other things: select from the record member, the
                // evaluator reports the others.
                Type::Union(members) => members
                    .iter()
                    .find(|m| matches!(m, Type::Record(_)))
                    .cloned()
                    .unwrap_or(Type::Any),
                other => other,
            };
            current = match target {
                Type::Record(record) => match record.fields.get(&key.name) {
                    Some(field) => field.ty.clone(),
                    None if record.open => return Some(Type::Any),
                    None if has_default => return None,
                    None => {
                        self.report_no_such_field(key, &record);
                        return Some(Type::Any);
                    }
                },
                Type::Var(var) => {
                    self.vars.bind(var, &Type::open_record());
                    return Some(Type::Any);
                }
                Type::Any => return Some(Type::Any),
                _ if has_default => return None,
                other => {
                    let shown = self.show(&other);
                    self.report(Diagnostic::new(
                        Code::TypeMismatch,
                        format!(
                            "cannot select `{}` from {}",
                            field_name(&key.name),
                            other.kind_name()
                        ),
                        key.span,
                        format!("this is selected from a `{shown}`, not a record"),
                    ));
                    return Some(Type::Any);
                }
            };
        }
        Some(current)
    }

    fn report_no_such_field(&mut self, key: &Key, record: &RecordType) {
        let shown = self.show(&Type::Record(Rc::new(record.clone())));
        let mut d = Diagnostic::new(
            Code::SelectedFieldMissing,
            format!("the record has no field `{}`", field_name(&key.name)),
            key.span,
            "no such field",
        );
        match did_you_mean(&key.name, record.fields.keys().map(|k| &**k)) {
            Some(best) => {
                d = d.with_help(format!("did you mean `{}`?", field_name(best)));
                if let Some(decl) = record.fields.get(best).and_then(|f| f.span) {
                    d = d.with_label(decl, format!("`{}` is defined here", field_name(best)));
                }
            }
            None => {
                d = d.with_help("use `r.field or default` if the field may be absent");
            }
        }
        let note = super::report::shorten(format!("the record is `{shown}`"), 200);
        self.report(d.with_note(note));
    }
}
