//! The evaluator proper: runs lowered code lazily.
//!
//! [`Machine::eval`] computes the outermost constructor of an expression in an environment;
//! everything below it (list items, fields, arguments) becomes a [`Thunk`] holding its code and
//! the environment, computed by [`Machine::force`] the first time it is needed and memoised.
//! A variable or a constant in argument or field position reuses its existing thunk instead of
//! allocating one.
//!
//! Recursion in the evaluated program is recursion of these Rust functions, so the machine counts
//! how deeply thunks and calls are nested and stops with a diagnostic at [`MAX_DEPTH`], long
//! before the 256 MiB stack of the evaluation thread ([`crate::driver::with_large_stack`]) runs
//! out; the functions on that path keep small frames (cases and errors live out of line). A
//! thunk met again while it is being computed is a black hole: the value depends on itself.
//!
//! Function calls are in [`super::calls`].

use std::rc::Rc;

use super::contract::{self, ContractPath, ContractSite};
use super::error::{
    a, black_hole, fail, internal, invalid, missing_field, not_a_record, too_deep, traced, Fallible,
};
use super::ir::{FieldIr, FrameIr, Ir, IrKind, RecordIr, StrPartIr};
use super::ops;
use super::symbol::Sym;
use super::value::{
    Application, Arg, Env, Function, Origins, Record, Slots, State, Step, Thunk, Value,
};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::BinOp;

/// How many thunk evaluations and function calls may be nested inside each other.
pub const MAX_DEPTH: u32 = 10_000;

/// How many bytes of stack one evaluation may use: a backstop behind [`MAX_DEPTH`] (one level
/// takes a few hundred bytes in release builds, up to ~10 KiB in debug builds), well inside the
/// evaluation thread's 256 MiB.
const STACK_BUDGET: usize = 200 << 20;

/// The state of one evaluation: the nesting depth and where the stack started. Values carry
/// everything else, so a later phase can force a value with a fresh machine.
pub struct Machine {
    depth: u32,
    /// The address of a local of [`Machine::new`]'s caller, roughly the top of the stack this
    /// evaluation uses.
    stack_top: usize,
    /// A buffer strings are built in before being copied once into their `Rc<str>`: building
    /// in a `String` of their own would allocate twice. Used as a stack: a builder appends after
    /// what is there, and truncates back to where it started when done (also on error), so a
    /// string built while another is being built (`"a${"b${c}"}"`) leaves the outer one intact.
    pub(crate) scratch: String,
    /// The call sites around the declaring builtin being called (see [`Machine::origin_trace`]).
    pub(crate) origins: Vec<Span>,
    /// The call-site lists made for the last calls, newest first, shared by calls that make the
    /// same list again (see [`Machine::call_origins`]).
    pub(crate) recent_origins: [Option<Rc<Origins>>; 2],
}

impl Default for Machine {
    fn default() -> Machine {
        Machine::new()
    }
}

impl Machine {
    pub fn new() -> Machine {
        let marker = 0u8;
        Machine {
            depth: 0,
            stack_top: std::ptr::addr_of!(marker) as usize,
            scratch: String::new(),
            origins: Vec::new(),
            recent_origins: [None, None],
        }
    }

    /// Bytes of stack between [`Machine::new`] and here (stacks grow down on every platform
    /// sblc supports; the absolute difference keeps this right either way).
    fn stack_used(&self) -> usize {
        let marker = 0u8;
        (std::ptr::addr_of!(marker) as usize).abs_diff(self.stack_top)
    }

    /// The value of `thunk`, computing it if this is the first time.
    pub fn force(&mut self, thunk: &Thunk) -> Fallible<Value> {
        match thunk.start() {
            Step::Value(value) => Ok(value),
            Step::Work(State::Forcing(span)) => Err(black_hole(span)),
            Step::Work(work) => {
                let result = self.descend(work.span(), |m| m.run(&work));
                match &result {
                    Ok(value) => thunk.finish(State::Done(value.clone())),
                    Err(_) => thunk.finish(work),
                }
                result
            }
        }
    }

    /// Goes one level deeper, failing at [`MAX_DEPTH`] (or when the stack budget is spent).
    /// Every `enter` that succeeds must be matched by a [`Machine::leave`]. Code outside the
    /// machine that recurses into values (deep equality, JSON, `toString`) uses this too: their
    /// parts may all be forced already and so never pass through [`Machine::force`]'s count.
    pub fn enter(&mut self, span: Span) -> Fallible<()> {
        if self.depth >= MAX_DEPTH || self.stack_used() > STACK_BUDGET {
            return Err(too_deep(span, self.depth));
        }
        self.depth += 1;
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Runs `f` one level deeper (see [`Machine::enter`]).
    pub fn descend<T>(
        &mut self,
        span: Span,
        f: impl FnOnce(&mut Machine) -> Fallible<T>,
    ) -> Fallible<T> {
        self.enter(span)?;
        let result = f(self);
        self.leave();
        result
    }

    #[inline(never)]
    fn run(&mut self, work: &State) -> Fallible<Value> {
        match work {
            State::Code { code, env } => self.eval(code, env),
            State::Apply(application) => {
                let Application {
                    func,
                    arg,
                    arg2,
                    span,
                } = &**application;
                let first = Arg {
                    thunk: arg.clone(),
                    span: *span,
                };
                let result = match arg2 {
                    Some(arg2) => {
                        let second = Arg {
                            thunk: arg2.clone(),
                            span: *span,
                        };
                        self.apply2(func, first, second, *span)
                    }
                    None => self.apply(func, first, *span),
                };
                result.map_err(traced(*span))
            }
            State::Checked(checked) => {
                let value = self.force(&checked.inner)?;
                contract::check(value, &checked.contract, &checked.site, &checked.path)
            }
            State::Forcing(_) | State::Done(_) => {
                fail(internal("a thunk was run twice", Span::default()))
            }
        }
    }

    /// A thunk for `code` in `env`: constants and variables need no new thunk.
    pub fn thunk(code: &Rc<Ir>, env: &Rc<Env>) -> Thunk {
        match &code.kind {
            IrKind::Const(value) => Thunk::ready(value.clone()),
            IrKind::Var { depth, slot } => match env.lookup(*depth, *slot) {
                Some(thunk) => thunk.clone(),
                None => Thunk::lazy(State::Code {
                    code: code.clone(),
                    env: env.clone(),
                }),
            },
            _ => Thunk::lazy(State::Code {
                code: code.clone(),
                env: env.clone(),
            }),
        }
    }

    pub(crate) fn frame(frame: &FrameIr, env: &Rc<Env>) -> Rc<Env> {
        if !frame.recursive {
            let slots = frame
                .slots
                .iter()
                .map(|code| Self::thunk(code, env))
                .collect();
            return Rc::new(Env {
                slots: Slots::Many(slots),
                parent: Some(env.clone()),
                origins: env.origins.clone(),
            });
        }
        // The slots' code runs in the frame being made: make the thunks, then the frame, then
        // point the thunks at the frame.
        let slots = frame
            .slots
            .iter()
            .map(|code| match &code.kind {
                IrKind::Const(value) => Thunk::ready(value.clone()),
                _ => Thunk::unfilled(),
            })
            .collect();
        let new = Rc::new(Env {
            slots: Slots::Many(slots),
            parent: Some(env.clone()),
            origins: env.origins.clone(),
        });
        for (code, thunk) in frame.slots.iter().zip(new.slots.iter()) {
            if !matches!(code.kind, IrKind::Const(_)) {
                thunk.fill(State::Code {
                    code: code.clone(),
                    env: new.clone(),
                });
            }
        }
        new
    }

    /// The outermost constructor of `ir`'s value in `env`.
    ///
    /// This is the one function every level of evaluation goes through, so it only dispatches:
    /// each case lives in its own function, keeping this stack frame small (the depth the
    /// machine can reach on a given stack depends on it, in debug builds especially).
    pub fn eval(&mut self, ir: &Ir, env: &Rc<Env>) -> Fallible<Value> {
        match &ir.kind {
            IrKind::Const(value) => Ok(value.clone()),
            IrKind::Var { depth, slot } => match env.lookup(*depth, *slot) {
                Some(thunk) => self.force(thunk),
                None => fail(internal("a variable has no slot", ir.span)),
            },
            IrKind::List(items) => Ok(Self::list(items, env)),
            IrKind::Record(record) => Ok(Self::record(record, env)),
            IrKind::Let { frame, body } => self.let_in(frame, body, env),
            IrKind::Lambda(lambda) => Ok(Value::Function(Rc::new(Function::Lambda {
                lambda: lambda.clone(),
                env: env.clone(),
            }))),
            IrKind::Call { func, args } => self.call(func, args, env),
            IrKind::If {
                cond,
                then_branch,
                else_branch,
            } => self.if_then_else(cond, then_branch, else_branch, env),
            IrKind::Select {
                target,
                path,
                default,
            } => self.select(target, path, default.as_deref(), env),
            IrKind::HasField { target, path } => self.has_field(target, path, env),
            IrKind::Binary {
                op,
                op_span,
                operands,
            } => {
                let [lhs, rhs] = &**operands;
                self.binary(*op, *op_span, lhs, rhs, env)
            }
            IrKind::Neg(operand) => self.negate(operand, ir.span, env),
            IrKind::Not(operand) => Ok(Value::Bool(!self.eval_bool(operand, env, "`!`")?)),
            IrKind::Assert {
                cond,
                message,
                body,
            } => self.assert(cond, message.as_deref(), body, env),
            IrKind::Import(module) => self.force(module),
            IrKind::Interpolate(parts) => self.interpolate(parts, env),
            IrKind::Annotated {
                expr,
                contract,
                site,
            } => self.annotated(expr, contract, site, env),
            IrKind::Invalid(why) => fail(invalid(why, ir.span)),
        }
    }

    #[inline(never)]
    fn let_in(&mut self, frame: &FrameIr, body: &Ir, env: &Rc<Env>) -> Fallible<Value> {
        let env = Self::frame(frame, env);
        self.eval(body, &env)
    }

    #[inline(never)]
    fn list(items: &[Rc<Ir>], env: &Rc<Env>) -> Value {
        Value::list(items.iter().map(|item| Self::thunk(item, env)).collect())
    }

    #[inline(never)]
    fn if_then_else(
        &mut self,
        cond: &Ir,
        then_branch: &Ir,
        else_branch: &Ir,
        env: &Rc<Env>,
    ) -> Fallible<Value> {
        if self.eval_bool(cond, env, "the condition of `if`")? {
            self.eval(then_branch, env)
        } else {
            self.eval(else_branch, env)
        }
    }

    #[inline(never)]
    fn has_field(&mut self, target: &Ir, path: &[Sym], env: &Rc<Env>) -> Fallible<Value> {
        let mut value = self.eval(target, env)?;
        for name in path {
            let next = match &value {
                Value::Record(record) => match record.get_sym(*name) {
                    Some(thunk) => thunk.clone(),
                    None => return Ok(Value::Bool(false)),
                },
                _ => return Ok(Value::Bool(false)),
            };
            value = self.force(&next)?;
        }
        Ok(Value::Bool(true))
    }

    #[inline(never)]
    fn negate(&mut self, operand: &Ir, span: Span, env: &Rc<Env>) -> Fallible<Value> {
        match self.eval(operand, env)? {
            Value::Int(n) => match n.checked_neg() {
                Some(negated) => Ok(Value::Int(negated)),
                None => fail(ops::overflow(span, format!("-({n})"))),
            },
            other => fail(ops::operand_error("-", &other, operand.span, "Int")),
        }
    }

    #[inline(never)]
    fn assert(
        &mut self,
        cond: &Ir,
        message: Option<&Ir>,
        body: &Ir,
        env: &Rc<Env>,
    ) -> Fallible<Value> {
        if self.eval_bool(cond, env, "an assertion")? {
            return self.eval(body, env);
        }
        let text = match message {
            Some(message) => match self.eval(message, env)? {
                Value::Str(s) => Some(s),
                other => {
                    return fail(ops::operand_error(
                        "the message of `assert`",
                        &other,
                        message.span,
                        "String",
                    ))
                }
            },
            None => None,
        };
        let mut d = Diagnostic::new(
            Code::AssertionFailed,
            match &text {
                Some(text) => format!("assertion failed: {text}"),
                None => "assertion failed".to_string(),
            },
            cond.span,
            "this is false",
        );
        if let Some(message) = message {
            d = d.with_label(message.span, "the assertion's message");
        }
        fail(d)
    }

    #[inline(never)]
    fn annotated(
        &mut self,
        expr: &Ir,
        contract: &Rc<contract::Contract>,
        site: &Rc<ContractSite>,
        env: &Rc<Env>,
    ) -> Fallible<Value> {
        let value = self.eval(expr, env)?;
        contract::check(value, contract, site, &Rc::new(ContractPath::Root))
    }

    fn eval_bool(&mut self, ir: &Ir, env: &Rc<Env>, role: &str) -> Fallible<bool> {
        match self.eval(ir, env)? {
            Value::Bool(b) => Ok(b),
            other => fail(ops::operand_error(role, &other, ir.span, "Bool")),
        }
    }

    #[inline(never)]
    fn record(record: &RecordIr, env: &Rc<Env>) -> Value {
        let own;
        let env = match &record.frame {
            Some(frame) => {
                own = Self::frame(frame, env);
                &own
            }
            None => env,
        };
        let mut fields = Record::with_capacity(record.fields.len());
        for (name, field) in &*record.fields {
            let thunk = match field {
                FieldIr::Slot(slot) => match env.slots.get(*slot as usize) {
                    Some(thunk) => thunk.clone(),
                    None => continue,
                },
                FieldIr::Code(code) => Self::thunk(code, env),
            };
            fields.fields.push_new(*name, thunk);
        }
        Value::Record(Rc::new(fields))
    }

    #[inline(never)]
    fn select(
        &mut self,
        target: &Ir,
        path: &[(Sym, Span)],
        default: Option<&Ir>,
        env: &Rc<Env>,
    ) -> Fallible<Value> {
        let mut value = self.eval(target, env)?;
        let mut so_far = target.span;
        for (name, span) in path {
            let next = match &value {
                Value::Record(record) => match record.get_sym(*name) {
                    Some(thunk) => thunk.clone(),
                    None => match default {
                        Some(default) => return self.eval(default, env),
                        None => return fail(missing_field(record, *name, *span, so_far)),
                    },
                },
                other => match default {
                    Some(default) => return self.eval(default, env),
                    None => return fail(not_a_record(other, *name, so_far, *span)),
                },
            };
            value = self.force(&next)?;
            so_far = so_far.to(*span);
        }
        Ok(value)
    }

    #[inline(never)]
    fn binary(
        &mut self,
        op: BinOp,
        op_span: Span,
        lhs: &Ir,
        rhs: &Ir,
        env: &Rc<Env>,
    ) -> Fallible<Value> {
        match op {
            BinOp::And => Ok(Value::Bool(
                self.eval_bool(lhs, env, "`&&`")? && self.eval_bool(rhs, env, "`&&`")?,
            )),
            BinOp::Or => Ok(Value::Bool(
                self.eval_bool(lhs, env, "`||`")? || self.eval_bool(rhs, env, "`||`")?,
            )),
            _ => {
                let left = self.eval(lhs, env)?;
                let right = self.eval(rhs, env)?;
                ops::binary(self, op, op_span, (&left, lhs.span), (&right, rhs.span))
            }
        }
    }

    #[inline(never)]
    fn interpolate(&mut self, parts: &[StrPartIr], env: &Rc<Env>) -> Fallible<Value> {
        let start = self.scratch.len();
        let result = self.interpolate_into_scratch(parts, env);
        let value = result.map(|()| Value::Str(Rc::from(&self.scratch[start..])));
        self.scratch.truncate(start);
        value
    }

    fn interpolate_into_scratch(&mut self, parts: &[StrPartIr], env: &Rc<Env>) -> Fallible<()> {
        for part in parts {
            match part {
                StrPartIr::Literal(s) => self.scratch.push_str(s),
                StrPartIr::Interpolation(code) => match self.eval(code, env)? {
                    Value::Str(s) => self.scratch.push_str(&s),
                    Value::Int(n) => {
                        use std::fmt::Write;
                        let _ = write!(self.scratch, "{n}");
                    }
                    Value::Path(p) => self.scratch.push_str(&p.display),
                    other => {
                        return fail(
                            Diagnostic::new(
                                Code::InterpolationOfWrongType,
                                format!(
                                    "cannot interpolate {} into a string",
                                    a(other.type_name())
                                ),
                                code.span,
                                format!("this is {}", a(other.type_name())),
                            )
                            .with_help(
                                "only a String, an Int or a Path can be interpolated; \
                                 use `toString` to convert other values",
                            ),
                        )
                    }
                },
            }
        }
        Ok(())
    }
}
