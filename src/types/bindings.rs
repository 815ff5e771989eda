//! `let` and `rec { }`: recursive binding groups, with let-generalisation.
//!
//! The bindings of a `let` are mutually recursive (like Nix). To generalise as much as
//! possible, and still in linear time, the group is split into strongly connected components of
//! the "refers to" relation between its names (Tarjan's algorithm, iteratively, so that a chain
//! of ten thousand bindings cannot overflow the stack), and the components are checked
//! dependencies first, like Haskell's binding groups:
//!
//! 1. every name is bound first: to its annotation if it has one, to the outer binding for
//!    `inherit x;` (which refers to the enclosing scope), otherwise to a fresh variable one level
//!    deeper;
//! 2. each component is inferred one level deeper, its types fitted to those variables;
//! 3. the variables left unbound and still deeper than the `let` are generalised, so that a
//!    helper such as `optional = c: xs: if c then xs else [];` can be used at several types.
//!
//! Which names an expression refers to is over-approximated (shadowing is ignored): that can
//! only merge components, which generalises less but never wrongly.
//!
//! A `rec { }` record is a binding group whose names become the fields of a closed record.
//! Type aliases (`type X = ...;`) are visible in the whole `let`.

use std::rc::Rc;

use super::check::{Because, Checker};
use super::env::Scheme;
use super::records::{field_tree, FieldNode, FieldTree};
use super::ty::{Field, Fields, RecordType, Type};
use crate::syntax::ast::{Binding, BindingKind, Expr, ExprKind, Param, StrPart};

impl<'p> Checker<'p> {
    /// A `let`: binds the group, then infers the body or checks it against `expected`.
    pub(crate) fn check_let(
        &mut self,
        bindings: &'p [Binding],
        body: &'p Expr,
        expected: Option<(&Type, Option<Because<'_>>)>,
    ) -> Type {
        let (tree, aliases) = field_tree(bindings);
        self.aliases.enter();
        self.declare_aliases(&aliases);
        self.bind_group(&tree);
        let ty = match expected {
            Some((expected, because)) => {
                self.check(body, expected, because);
                expected.clone()
            }
            None => self.infer(body),
        };
        self.env.leave();
        self.aliases.leave();
        ty
    }

    /// `rec { ... }`: the fields see each other.
    pub(crate) fn infer_recursive_record(&mut self, bindings: &'p [Binding]) -> Type {
        let (tree, _) = field_tree(bindings);
        self.bind_group(&tree);
        let mut fields = Fields::default();
        for (name, node) in &tree {
            let scheme = self.env.get(name).cloned();
            let ty = match scheme {
                Some(scheme) if scheme.poly => self.vars.instantiate(&scheme.ty, self.level),
                Some(scheme) => scheme.ty,
                None => Type::Any,
            };
            fields.insert(name.clone(), Field::required(ty, Some(node.span())));
        }
        self.env.leave();
        Type::record(RecordType {
            fields,
            open: false,
        })
    }

    /// Enters a scope and binds every name of `tree` in it, generalised where possible. The
    /// caller leaves the scope.
    fn bind_group(&mut self, tree: &FieldTree<'p>) {
        let nodes: Vec<(&Rc<str>, &FieldNode<'p>)> = tree.iter().collect();
        // `inherit x;` refers to the enclosing scope: look it up before binding the group.
        let inherited: Vec<Option<Scheme>> = nodes
            .iter()
            .map(|(_, node)| match node {
                FieldNode::Inherit { name, source: None } => {
                    Some(match self.env.get(&name.name).cloned() {
                        Some(scheme) => scheme,
                        None => Scheme::mono(self.lookup(name), Some(name.span)),
                    })
                }
                _ => None,
            })
            .collect();

        self.env.enter();
        self.env.reserve(nodes.len());
        self.level += 1;
        let mut placeholders: Vec<Type> = Vec::with_capacity(nodes.len());
        for ((name, node), inherited) in nodes.iter().zip(&inherited) {
            let scheme = match (node, inherited) {
                (_, Some(scheme)) => scheme.clone(),
                (
                    FieldNode::Value {
                        annotation: Some(annotation),
                        ..
                    },
                    _,
                ) => Scheme::mono(self.type_of_annotation(annotation), Some(node.span())),
                _ => Scheme::mono(self.fresh(), Some(node.span())),
            };
            placeholders.push(scheme.ty.clone());
            self.env.bind((*name).clone(), scheme);
        }
        self.level -= 1;

        // The tree's own index numbers the members of the group.
        let mut deps = IndexLists::default();
        let (mut pending, mut referenced) = (Vec::new(), Vec::new());
        for (_, node) in &nodes {
            node_references(node, tree, &mut pending, &mut referenced);
            referenced.sort_unstable();
            referenced.dedup();
            deps.items.append(&mut referenced);
            deps.end_list();
        }

        let components = components(&deps);
        for component in components.iter() {
            self.level += 1;
            for &i in component {
                let (_, node) = nodes[i];
                if inherited[i].is_some() {
                    continue;
                }
                match node {
                    FieldNode::Value {
                        annotation: Some(annotation),
                        value,
                        ..
                    } => {
                        let because = Because {
                            span: annotation.span,
                            message: "expected because of this annotation",
                        };
                        self.check(value, &placeholders[i], Some(because));
                    }
                    _ => {
                        let found = self.infer_node(node);
                        self.subsume(&found, &placeholders[i], node.span(), None);
                    }
                }
            }
            self.level -= 1;
            for &i in component {
                if inherited[i].is_some() {
                    continue;
                }
                let poly = self.vars.generalise(&placeholders[i], self.level);
                if let Some(scheme) = self.env.get_mut(nodes[i].0) {
                    scheme.poly = poly;
                }
            }
        }
    }
}

/// Lists of group members (by index), all in one vector: a group of ten thousand bindings would
/// otherwise allocate ten thousand small ones for its dependencies, and as many components.
#[derive(Debug, Default)]
struct IndexLists {
    /// The lists, one after the other.
    items: Vec<usize>,
    /// Where each list ends in `items`.
    ends: Vec<usize>,
}

impl IndexLists {
    /// Ends the list being built: the items pushed since the previous list ended.
    fn end_list(&mut self) {
        self.ends.push(self.items.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, list: usize) -> &[usize] {
        let start = list
            .checked_sub(1)
            .map_or(0, |previous| self.ends[previous]);
        &self.items[start..self.ends[list]]
    }

    fn iter(&self) -> impl Iterator<Item = &[usize]> {
        (0..self.len()).map(|list| self.get(list))
    }
}

/// The strongly connected components of a dependency graph (the members each member refers
/// to), each sorted, dependencies first (Tarjan's algorithm with an explicit stack).
fn components(deps: &IndexLists) -> IndexLists {
    const UNVISITED: usize = usize::MAX;
    let n = deps.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut out = IndexLists::default();
    let mut next = 0;
    // (node, index of its next edge to follow): the call stack of the recursive algorithm.
    let mut calls: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        calls.push((root, 0));
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&(v, edge)) = calls.last() {
            if let Some(&w) = deps.get(v).get(edge) {
                if let Some(call) = calls.last_mut() {
                    call.1 += 1;
                }
                if index[w] == UNVISITED {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let start = out.items.len();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    out.items.push(w);
                    if w == v {
                        break;
                    }
                }
                out.items[start..].sort_unstable();
                out.end_list();
            }
        }
    }
    out
}

/// The group members (by index) that `node` refers to; `pending` is scratch space.
fn node_references<'e>(
    node: &FieldNode<'e>,
    group: &FieldTree<'_>,
    pending: &mut Vec<&'e Expr>,
    out: &mut Vec<usize>,
) {
    match node {
        FieldNode::Value { value, .. } => references(value, group, pending, out),
        FieldNode::Nested { children, .. } => {
            for child in children.values() {
                node_references(child, group, pending, out);
            }
        }
        FieldNode::Inherit {
            source: Some(source),
            ..
        } => references(source, group, pending, out),
        FieldNode::Inherit { source: None, .. } => {}
    }
}

/// The group members (by index) that the variables of `expr` may refer to; `pending` is
/// scratch space (empty between calls), kept to save an allocation per binding.
fn references<'e>(
    expr: &'e Expr,
    group: &FieldTree<'_>,
    pending: &mut Vec<&'e Expr>,
    out: &mut Vec<usize>,
) {
    pending.push(expr);
    let name = |n: &str, out: &mut Vec<usize>| {
        if let Some(i) = group.get_index_of(n) {
            out.push(i);
        }
    };
    while let Some(expr) = pending.pop() {
        match &expr.kind {
            ExprKind::Var(ident) => name(&ident.name, out),
            ExprKind::Str(parts) => pending.extend(parts.iter().filter_map(|p| match p {
                StrPart::Interpolation(e) => Some(e),
                StrPart::Literal(_) => None,
            })),
            ExprKind::List(items) => pending.extend(items),
            ExprKind::Record { bindings, .. } => {
                binding_references(bindings, pending, &mut |n| name(n, out))
            }
            ExprKind::Let { bindings, body } => {
                binding_references(bindings, pending, &mut |n| name(n, out));
                pending.push(body);
            }
            ExprKind::Lambda { param, body } => {
                if let Param::Pattern { fields, .. } = &**param {
                    pending.extend(fields.iter().filter_map(|f| f.default.as_ref()));
                }
                pending.push(body);
            }
            ExprKind::Apply { func, arg } => pending.extend([&**func, &**arg]),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => pending.extend([&**cond, &**then_branch, &**else_branch]),
            ExprKind::Select {
                target, default, ..
            } => {
                pending.push(target);
                pending.extend(default.as_deref());
            }
            ExprKind::HasField { target, .. } => pending.push(target),
            ExprKind::Binary { lhs, rhs, .. } => pending.extend([&**lhs, &**rhs]),
            ExprKind::Unary { operand, .. } => pending.push(operand),
            ExprKind::Assert {
                cond,
                message,
                body,
            } => {
                pending.extend([&**cond, &**body]);
                pending.extend(message.as_deref());
            }
            ExprKind::Annotated { expr, .. } => pending.push(expr),
            ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Path(_)
            | ExprKind::Import(_)
            | ExprKind::Error => {}
        }
    }
}

fn binding_references<'e>(
    bindings: &'e [Binding],
    pending: &mut Vec<&'e Expr>,
    name: &mut dyn FnMut(&str),
) {
    for binding in bindings {
        match &binding.kind {
            BindingKind::Field { value, .. } => pending.push(value),
            BindingKind::Inherit {
                source: Some(source),
                ..
            } => pending.push(source),
            BindingKind::Inherit {
                source: None,
                names,
            } => names.iter().for_each(|n| name(&n.name)),
            BindingKind::TypeAlias { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{components, IndexLists};

    fn graph(deps: impl IntoIterator<Item = Vec<usize>>) -> IndexLists {
        let mut graph = IndexLists::default();
        for mut targets in deps {
            graph.items.append(&mut targets);
            graph.end_list();
        }
        graph
    }

    fn lists(lists: &IndexLists) -> Vec<Vec<usize>> {
        lists.iter().map(<[usize]>::to_vec).collect()
    }

    #[test]
    fn components_come_dependencies_first() {
        // 0 -> 1 -> 2 -> 1, 3 alone.
        let deps = graph([vec![1], vec![2], vec![1], vec![]]);
        assert_eq!(
            lists(&components(&deps)),
            vec![vec![1, 2], vec![0], vec![3]]
        );
    }

    #[test]
    fn long_chains_do_not_recurse() {
        let deps = graph((0..100_000).map(|i| if i == 0 { vec![] } else { vec![i - 1] }));
        let out = components(&deps);
        assert_eq!(out.len(), 100_000);
        assert_eq!(out.get(0), [0]);
    }
}
