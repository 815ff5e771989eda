//! Lowering: syntax tree to [`Ir`], once per program, before evaluation.
//!
//! The lowerer keeps a stack of scopes mirroring the frames the machine will create at run time
//! (one per `let`, `rec` record, function call, and a hidden one for the `inherit (source)`
//! sources of a plain record), so each variable becomes a fixed (depth, slot) pair. A name bound
//! nowhere is a builtin (or `builtins`) and becomes a constant.
//!
//! Names are interned to [`Sym`]s as they are met ([`names`]), so scopes and binding groups
//! ([`groups`]) are small maps of `u32`s. Type annotations become contracts ([`contracts`]).

mod contracts;
mod groups;
mod names;

use std::collections::HashMap;
use std::path::Path;
use std::rc::Rc;

use super::contract::ContractSite;
use super::ir::{
    FieldIr, FrameIr, Ir, IrKind, LambdaIr, ParamIr, PatternFieldIr, PatternIr, RecordIr, StrPartIr,
};
use super::paths;
use super::sym_map::SymMap;
use super::value::{Env, State, Thunk, Value};
use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::{
    Binding, Expr, ExprKind, Ident, ImportTarget, Param, StrPart, TypeExpr, UnaryOp,
};
use groups::{Entries, Entry, Group};
use names::{Builtins, SymCache};

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
            syms: SymCache::default(),
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

/// The names of one run-time frame and their slots.
type Scope = SymMap<u32>;

struct Lowerer<'a> {
    program: &'a Program,
    base_dir: Option<&'a Path>,
    entry_dir: Option<&'a Path>,
    modules: &'a HashMap<FileId, Thunk>,
    builtins: &'a Builtins,
    syms: SymCache<'a>,
    /// The frames around the code being lowered, innermost last.
    scopes: Vec<Scope>,
    aliases: Vec<Vec<(Rc<str>, &'a TypeExpr)>>,
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
                    .map(|k| (self.syms.sym(&k.name), k.span))
                    .collect(),
                default: default.as_ref().map(|d| Box::new(self.expr(d))),
            },
            ExprKind::HasField { target, path } => IrKind::HasField {
                target: Box::new(self.expr(target)),
                path: path.iter().map(|k| self.syms.sym(&k.name)).collect(),
            },
            ExprKind::Binary {
                op,
                op_span,
                lhs,
                rhs,
            } => IrKind::Binary {
                op: *op,
                op_span: *op_span,
                operands: Box::new([self.expr(lhs), self.expr(rhs)]),
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
        // The usual literal shares the parser's text.
        if let [StrPart::Literal(text)] = parts {
            return IrKind::Const(Value::Str(text.clone()));
        }
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
    fn var(&mut self, ident: &'a Ident, skip: usize) -> IrKind {
        let name = self.syms.sym(&ident.name);
        for (depth, scope) in self.scopes.iter().rev().enumerate().skip(skip) {
            if let Some(slot) = scope.get(&name) {
                return IrKind::Var {
                    depth: depth as u32,
                    slot: *slot,
                };
            }
        }
        match self.builtins.get(name) {
            Some(value) => IrKind::Const(value.clone()),
            None => IrKind::Invalid("this variable is not defined"),
        }
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

    /// `f a b c` as one call. The arguments are lowered from the last one (the outermost
    /// application) in, then put in order: lowering has no effects whose order could show.
    fn call(&mut self, expr: &'a Expr) -> IrKind {
        let mut count = 0;
        let mut head = expr;
        while let ExprKind::Apply { func, .. } = &head.kind {
            count += 1;
            head = func;
        }
        let mut args = Vec::with_capacity(count);
        let mut head = expr;
        while let ExprKind::Apply { func, arg } = &head.kind {
            args.push(Rc::new(self.expr(arg)));
            head = func;
        }
        args.reverse();
        let func = Box::new(self.expr(head));
        IrKind::Call { func, args }
    }

    fn let_in(&mut self, bindings: &'a [Binding], body: &'a Expr) -> IrKind {
        let group = Group::collect(bindings, &mut self.syms);
        self.aliases.push(group.aliases);
        let frame = self.recursive_frame(group.entries, &group.sources);
        let body = Box::new(self.expr(body));
        self.scopes.pop();
        self.aliases.pop();
        IrKind::Let { frame, body }
    }

    /// The frame of a `let` or `rec` group: one slot per name (the group's names become the
    /// frame's scope), then one per `inherit` source, all lowered inside the frame. Leaves the
    /// frame's scope pushed.
    fn recursive_frame(&mut self, entries: Entries<'a>, sources: &[&'a Expr]) -> FrameIr {
        let (scope, entries) = entries.into_positions();
        self.scopes.push(scope);
        let first_source = entries.len();
        let mut slots = Vec::with_capacity(first_source + sources.len());
        for entry in &entries {
            slots.push(Rc::new(self.entry(entry, first_source, true)));
        }
        for source in sources {
            slots.push(Rc::new(self.expr(source)));
        }
        FrameIr {
            slots,
            recursive: true,
        }
    }

    fn record(&mut self, recursive: bool, bindings: &'a [Binding]) -> IrKind {
        let group = Group::collect(bindings, &mut self.syms);
        if recursive {
            let fields = (group.entries.keys().enumerate())
                .map(|(slot, name)| (*name, FieldIr::Slot(slot as u32)))
                .collect();
            let frame = self.recursive_frame(group.entries, &group.sources);
            self.scopes.pop();
            return IrKind::Record(RecordIr {
                frame: Some(Box::new(frame)),
                fields,
            });
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
            Some(Box::new(FrameIr {
                slots,
                recursive: false,
            }))
        };
        let fields = group
            .entries
            .iter()
            .map(|(name, entry)| (*name, FieldIr::Code(Rc::new(self.entry(entry, 0, false)))))
            .collect();
        if frame.is_some() {
            self.scopes.pop();
        }
        IrKind::Record(RecordIr { frame, fields })
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
                        let code = self.entry(entry, first_source, in_frame);
                        (*name, FieldIr::Code(Rc::new(code)))
                    })
                    .collect();
                node(
                    *span,
                    IrKind::Record(RecordIr {
                        frame: None,
                        fields,
                    }),
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
                    path: vec![(self.syms.sym(&name.name), name.span)],
                    default: None,
                },
            ),
        }
    }

    fn lambda(&mut self, param: &'a Param, body: &'a Expr, span: Span) -> IrKind {
        let param = match param {
            Param::Name { name, ty } => {
                let name = self.syms.sym(&name.name);
                self.scopes.push(Scope::from_iter([(name, 0)]));
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
                let mut scope = Scope::with_capacity(fields.len() + 1);
                for (slot, field) in fields.iter().enumerate() {
                    scope.insert(self.syms.sym(&field.name.name), slot as u32);
                }
                if let Some(bind) = bind {
                    scope.insert(self.syms.sym(&bind.name), fields.len() as u32);
                }
                self.scopes.push(scope);
                let fields = fields
                    .iter()
                    .map(|field| PatternFieldIr {
                        name: self.syms.sym(&field.name.name),
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
}
