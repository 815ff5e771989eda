//! Lowering: syntax tree to [`Ir`], once per program, before evaluation.
//!
//! The lowerer keeps a stack of scopes mirroring the frames the machine will create at run time
//! (one per `let`, `rec` record, function call, and a hidden one for the `inherit (source)`
//! sources of a plain record), so each variable becomes a fixed (depth, slot) pair. A name bound
//! nowhere is a builtin (or `builtins`) and becomes a constant.
//!
//! Binding groups are first collected into a tree of entries: `a.b = 1; a.c = 2;` become one
//! nested record `a`, and `inherit (source) x` shares one thunk of `source` among all its names.

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use foldhash::fast::FixedState;
use indexmap::IndexMap;

use super::builtins::{builtins_record, Builtin};
use super::contract::{Contract, ContractSite, FieldContract};
use super::ir::{
    FieldIr, FrameIr, Ir, IrKind, LambdaIr, ParamIr, PatternFieldIr, PatternIr, RecordIr, StrPartIr,
};
use super::paths;
use super::symbol::{NameBuildHasher, Sym};
use super::value::{Env, State, Thunk, Value};
use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Binding, BindingKind, Expr, ExprKind, Ident, ImportTarget, Key, Param, StrPart, TypeExpr,
    TypeKind, UnaryOp,
};

/// How deeply type aliases may refer to each other before the lowerer gives up (cyclic aliases
/// are the type checker's to report; here they just stop being checked).
const ALIAS_DEPTH_LIMIT: u32 = 64;

/// Lowers every module of `program`, returning the thunk of each file's value. A file's thunk
/// is shared by every `import` of it, so each file is evaluated at most once.
pub fn lower_program(program: &Program) -> HashMap<FileId, Thunk> {
    let builtins = Builtins::new();
    let entry_dir = program.base_dir(program.entry);
    let mut modules: HashMap<FileId, Thunk> = HashMap::new();
    let mut order = program.order.clone();
    if !order.contains(&program.entry) {
        order.push(program.entry);
    }
    for file in order {
        let Some(module) = program.modules.get(&file) else {
            continue;
        };
        let mut lowerer = Lowerer {
            program,
            base_dir: program.base_dir(file),
            entry_dir,
            modules: &modules,
            builtins: &builtins,
            scopes: Vec::new(),
            aliases: Vec::new(),
        };
        let code = Rc::new(lowerer.expr(&module.body));
        let thunk = Thunk::lazy(State::Code {
            code,
            env: Env::root(),
        });
        modules.insert(file, thunk);
    }
    modules
}

/// The builtins as values, made once per program.
struct Builtins {
    by_name: HashMap<&'static str, Value, FixedState>,
    record: Value,
}

impl Builtins {
    fn new() -> Builtins {
        let mut by_name: HashMap<&'static str, Value, FixedState> =
            Builtin::ALL.iter().map(|b| (b.name(), b.value())).collect();
        // Facts of the deployment's context: strings holding reference tokens.
        for (name, fact) in [
            ("tenantId", "tenantId"),
            ("subscriptionId", "subscriptionId"),
        ] {
            let token = crate::reference::Token::Context {
                name: fact.to_string(),
            };
            by_name.insert(name, Value::Str(token.encode().into()));
        }
        Builtins {
            by_name,
            record: builtins_record(),
        }
    }
}

/// The names of one run-time frame and their slots.
#[derive(Default)]
struct Scope {
    names: HashMap<Rc<str>, u32, NameBuildHasher>,
}

struct Lowerer<'a> {
    program: &'a Program,
    base_dir: Option<&'a Path>,
    entry_dir: Option<&'a Path>,
    modules: &'a HashMap<FileId, Thunk>,
    builtins: &'a Builtins,
    scopes: Vec<Scope>,
    aliases: Vec<Vec<(Rc<str>, &'a TypeExpr)>>,
}

/// One name of a binding group, before lowering.
enum Entry<'a> {
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

type Entries<'a> = IndexMap<Rc<str>, Entry<'a>, NameBuildHasher>;

/// A `let`'s or record's bindings, collected.
#[derive(Default)]
struct Group<'a> {
    entries: Entries<'a>,
    sources: Vec<&'a Expr>,
    aliases: Vec<(Rc<str>, &'a TypeExpr)>,
}

impl<'a> Group<'a> {
    fn collect(bindings: &'a [Binding]) -> Group<'a> {
        let mut group = Group::default();
        for binding in bindings {
            match &binding.kind {
                BindingKind::TypeAlias { name, ty } => group.aliases.push((name.name.clone(), ty)),
                _ => add_binding(&mut group.entries, &mut group.sources, binding),
            }
        }
        group
    }
}

fn add_binding<'a>(entries: &mut Entries<'a>, sources: &mut Vec<&'a Expr>, binding: &'a Binding) {
    match &binding.kind {
        BindingKind::Field { path, ty, value } => insert_path(
            entries,
            path,
            Entry::Value {
                value,
                ty: ty.as_deref(),
            },
        ),
        BindingKind::Inherit {
            source: None,
            names,
        } => {
            for name in names {
                entries
                    .entry(name.name.clone())
                    .or_insert(Entry::Inherit { name });
            }
        }
        BindingKind::Inherit {
            source: Some(source),
            names,
        } => {
            sources.push(source);
            let source = sources.len() - 1;
            for name in names {
                entries
                    .entry(name.name.clone())
                    .or_insert(Entry::InheritFrom { source, name });
            }
        }
        BindingKind::TypeAlias { .. } => {}
    }
}

/// Binds `path` to `leaf`, creating and merging nested records. A second binding of the same
/// name (or a key path into a name bound to a value) is the parser's error to report (E0110);
/// here the first binding stays.
fn insert_path<'a>(entries: &mut Entries<'a>, path: &'a [Key], leaf: Entry<'a>) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        entries.entry(first.name.clone()).or_insert(leaf);
        return;
    }
    let entry = entries
        .entry(first.name.clone())
        .or_insert_with(|| Entry::Nested {
            entries: Entries::default(),
            span: first.span,
        });
    if let Entry::Nested { entries: inner, .. } = entry {
        insert_path(inner, rest, leaf);
    }
}

fn node(span: Span, kind: IrKind) -> Ir {
    Ir { span, kind }
}

impl<'a> Lowerer<'a> {
    fn expr(&mut self, expr: &'a Expr) -> Ir {
        let span = expr.span;
        let kind = match &expr.kind {
            ExprKind::Int(n) => IrKind::Const(Value::Int(*n)),
            ExprKind::Bool(b) => IrKind::Const(Value::Bool(*b)),
            ExprKind::Null => IrKind::Const(Value::Null),
            ExprKind::Str(parts) => self.string(parts),
            ExprKind::Path(written) => IrKind::Const(Value::Path(Rc::new(paths::resolve(
                written,
                self.base_dir,
                self.entry_dir,
            )))),
            ExprKind::Var(ident) => self.var(ident, 0),
            ExprKind::List(items) => {
                IrKind::List(items.iter().map(|item| Rc::new(self.expr(item))).collect())
            }
            ExprKind::Record {
                recursive,
                bindings,
            } => self.record(*recursive, bindings),
            ExprKind::Let { bindings, body } => self.let_in(bindings, body),
            ExprKind::Lambda { param, body } => self.lambda(param, body, span),
            ExprKind::Apply { .. } => self.call(expr),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => IrKind::If {
                cond: Box::new(self.expr(cond)),
                then_branch: Box::new(self.expr(then_branch)),
                else_branch: Box::new(self.expr(else_branch)),
            },
            ExprKind::Select {
                target,
                path,
                default,
            } => IrKind::Select {
                target: Box::new(self.expr(target)),
                path: path
                    .iter()
                    .map(|k| (Sym::intern(&k.name), k.span))
                    .collect(),
                default: default.as_ref().map(|d| Box::new(self.expr(d))),
            },
            ExprKind::HasField { target, path } => IrKind::HasField {
                target: Box::new(self.expr(target)),
                path: path.iter().map(|k| Sym::intern(&k.name)).collect(),
            },
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => IrKind::Binary {
                op: *op,
                op_span: *op_span,
                lhs: Box::new(self.expr(lhs)),
                rhs: Box::new(self.expr(rhs)),
            },
            ExprKind::Unary { op, operand } => {
                let operand = Box::new(self.expr(operand));
                match op {
                    UnaryOp::Neg => IrKind::Neg(operand),
                    UnaryOp::Not => IrKind::Not(operand),
                }
            }
            ExprKind::Assert {
                cond,
                message,
                body,
            } => IrKind::Assert {
                cond: Box::new(self.expr(cond)),
                message: message.as_ref().map(|m| Box::new(self.expr(m))),
                body: Box::new(self.expr(body)),
            },
            ExprKind::Import(target) => self.import(target),
            ExprKind::Annotated { expr: inner, ty } => IrKind::Annotated {
                expr: Box::new(self.expr(inner)),
                contract: self.contract(ty),
                site: Rc::new(ContractSite {
                    value: inner.span,
                    annotation: ty.span,
                }),
            },
            ExprKind::Error => IrKind::Invalid("this code did not parse"),
        };
        node(span, kind)
    }

    fn string(&mut self, parts: &'a [StrPart]) -> IrKind {
        let all_literal = parts.iter().all(|p| matches!(p, StrPart::Literal(_)));
        if all_literal {
            let mut text = String::new();
            for part in parts {
                if let StrPart::Literal(s) = part {
                    text.push_str(s);
                }
            }
            return IrKind::Const(Value::string(text));
        }
        IrKind::Interpolate(
            parts
                .iter()
                .map(|part| match part {
                    StrPart::Literal(s) => StrPartIr::Literal(s.clone()),
                    StrPart::Interpolation(e) => StrPartIr::Interpolation(self.expr(e)),
                })
                .collect(),
        )
    }

    /// The variable `name`, looked up from the scope `skip` frames out.
    fn var(&self, ident: &Ident, skip: usize) -> IrKind {
        let name = &ident.name;
        for (depth, scope) in self.scopes.iter().rev().enumerate().skip(skip) {
            if let Some(slot) = scope.names.get(name) {
                return IrKind::Var {
                    depth: depth as u32,
                    slot: *slot,
                };
            }
        }
        if let Some(value) = self.builtins.by_name.get(&**name) {
            return IrKind::Const(value.clone());
        }
        if &**name == "builtins" {
            return IrKind::Const(self.builtins.record.clone());
        }
        IrKind::Invalid("this variable is not defined")
    }

    fn import(&self, target: &ImportTarget) -> IrKind {
        let span = match target {
            ImportTarget::File { span, .. } | ImportTarget::Stdlib { span, .. } => span,
        };
        match self
            .program
            .imports
            .get(span)
            .and_then(|file| self.modules.get(file))
        {
            Some(module) => IrKind::Import(module.clone()),
            None => IrKind::Invalid("this import could not be loaded"),
        }
    }

    /// `f a b c` as one call.
    fn call(&mut self, expr: &'a Expr) -> IrKind {
        let mut args = Vec::new();
        let mut head = expr;
        while let ExprKind::Apply { func, arg } = &head.kind {
            args.push(arg);
            head = func;
        }
        let func = Box::new(self.expr(head));
        let args = args
            .iter()
            .rev()
            .map(|arg| Rc::new(self.expr(arg)))
            .collect();
        IrKind::Call { func, args }
    }

    fn let_in(&mut self, bindings: &'a [Binding], body: &'a Expr) -> IrKind {
        let group = Group::collect(bindings);
        self.aliases.push(group.aliases.clone());
        let frame = self.recursive_frame(&group);
        let body = Box::new(self.expr(body));
        self.scopes.pop();
        self.aliases.pop();
        IrKind::Let { frame, body }
    }

    /// The frame of a `let` or `rec` group: one slot per name, then one per `inherit` source,
    /// all lowered inside the frame. Leaves the frame's scope pushed.
    fn recursive_frame(&mut self, group: &Group<'a>) -> FrameIr {
        let mut scope = Scope::default();
        for (slot, name) in group.entries.keys().enumerate() {
            scope.names.insert(name.clone(), slot as u32);
        }
        self.scopes.push(scope);
        let first_source = group.entries.len();
        let mut slots: Vec<Rc<Ir>> = group
            .entries
            .values()
            .map(|entry| Rc::new(self.entry(entry, first_source, true)))
            .collect();
        for source in &group.sources {
            slots.push(Rc::new(self.expr(source)));
        }
        FrameIr {
            slots,
            recursive: true,
        }
    }

    fn record(&mut self, recursive: bool, bindings: &'a [Binding]) -> IrKind {
        let group = Group::collect(bindings);
        if recursive {
            let frame = self.recursive_frame(&group);
            self.scopes.pop();
            let fields = group
                .entries
                .keys()
                .enumerate()
                .map(|(slot, name)| (Sym::intern(name), FieldIr::Slot(slot as u32)))
                .collect();
            return IrKind::Record(Box::new(RecordIr {
                frame: Some(frame),
                fields,
            }));
        }
        // A plain record: fields run in the enclosing scope, behind a hidden frame holding the
        // `inherit (source)` sources if there are any.
        let frame = if group.sources.is_empty() {
            None
        } else {
            let slots = group
                .sources
                .iter()
                .map(|source| Rc::new(self.expr(source)))
                .collect();
            self.scopes.push(Scope::default());
            Some(FrameIr {
                slots,
                recursive: false,
            })
        };
        let fields = group
            .entries
            .iter()
            .map(|(name, entry)| {
                (
                    Sym::intern(name),
                    FieldIr::Code(Rc::new(self.entry(entry, 0, false))),
                )
            })
            .collect();
        if frame.is_some() {
            self.scopes.pop();
        }
        IrKind::Record(Box::new(RecordIr { frame, fields }))
    }

    /// The code of one entry of a group. `first_source` is the slot of the group's first
    /// `inherit` source in the innermost frame; `in_frame` says whether the group has a frame of
    /// its own that `inherit name;` must look past.
    fn entry(&mut self, entry: &Entry<'a>, first_source: usize, in_frame: bool) -> Ir {
        match entry {
            Entry::Value { value, ty } => {
                let code = self.expr(value);
                match ty {
                    Some(ty) => node(
                        value.span,
                        IrKind::Annotated {
                            expr: Box::new(code),
                            contract: self.contract(ty),
                            site: Rc::new(ContractSite {
                                value: value.span,
                                annotation: ty.span,
                            }),
                        },
                    ),
                    None => code,
                }
            }
            Entry::Nested { entries, span } => {
                let fields = entries
                    .iter()
                    .map(|(name, entry)| {
                        (
                            Sym::intern(name),
                            FieldIr::Code(Rc::new(self.entry(entry, first_source, in_frame))),
                        )
                    })
                    .collect();
                node(
                    *span,
                    IrKind::Record(Box::new(RecordIr {
                        frame: None,
                        fields,
                    })),
                )
            }
            Entry::Inherit { name } => {
                let skip = usize::from(in_frame);
                node(name.span, self.var(name, skip))
            }
            Entry::InheritFrom { source, name } => node(
                name.span,
                IrKind::Select {
                    target: Box::new(node(
                        name.span,
                        IrKind::Var {
                            depth: 0,
                            slot: (first_source + source) as u32,
                        },
                    )),
                    path: vec![(Sym::intern(&name.name), name.span)],
                    default: None,
                },
            ),
        }
    }

    fn lambda(&mut self, param: &'a Param, body: &'a Expr, span: Span) -> IrKind {
        let param = match param {
            Param::Name { name, ty } => {
                let mut scope = Scope::default();
                scope.names.insert(name.name.clone(), 0);
                self.scopes.push(scope);
                ParamIr::Name {
                    annotation: ty.as_ref().map(|ty| (self.contract(ty), ty.span)),
                }
            }
            Param::Pattern {
                fields,
                open,
                bind,
                span,
            } => {
                let mut scope = Scope::default();
                for (slot, field) in fields.iter().enumerate() {
                    scope.names.insert(field.name.name.clone(), slot as u32);
                }
                if let Some(bind) = bind {
                    scope.names.insert(bind.name.clone(), fields.len() as u32);
                }
                self.scopes.push(scope);
                let fields = fields
                    .iter()
                    .map(|field| PatternFieldIr {
                        name: Sym::intern(&field.name.name),
                        span: field.name.span,
                        default: field.default.as_ref().map(|d| Rc::new(self.expr(d))),
                        annotation: field.ty.as_ref().map(|ty| (self.contract(ty), ty.span)),
                    })
                    .collect();
                ParamIr::Pattern(PatternIr {
                    fields,
                    open: *open,
                    bind: bind.is_some(),
                    span: *span,
                })
            }
        };
        let body = self.expr(body);
        self.scopes.pop();
        IrKind::Lambda(Rc::new(LambdaIr { param, body, span }))
    }

    fn contract(&self, ty: &TypeExpr) -> Rc<Contract> {
        Rc::new(self.contract_at(ty, 0))
    }

    fn contract_at(&self, ty: &TypeExpr, depth: u32) -> Contract {
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
                        name: Sym::intern(&f.key.name),
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
