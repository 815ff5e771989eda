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
//! before the 256 MiB stack of the evaluation thread ([`crate::driver::with_large_stack`]) runs out. A thunk met
//! again while it is being computed is a black hole: the value depends on itself.

use std::rc::Rc;

use super::builtins::Builtin;
use super::contract::{self, ContractPath, ContractSite};
use super::error::{a, fail, EvalError, Fallible};
use super::ir::{FieldIr, FrameIr, Ir, IrKind, LambdaIr, ParamIr, PatternIr, RecordIr, StrPartIr};
use super::ops;
use super::symbol::Sym;
use super::value::{Application, Arg, Env, Function, Record, State, Step, Thunk, Value};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
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
    origins: Vec<Span>,
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
                let result = self.nested(work.span(), |m| m.run(&work));
                match &result {
                    Ok(value) => thunk.finish(State::Done(value.clone())),
                    Err(_) => thunk.finish(work),
                }
                result
            }
        }
    }

    /// Runs `f` one level deeper, failing at [`MAX_DEPTH`].
    fn nested<T>(
        &mut self,
        span: Span,
        f: impl FnOnce(&mut Machine) -> Fallible<T>,
    ) -> Fallible<T> {
        if self.depth >= MAX_DEPTH || self.stack_used() > STACK_BUDGET {
            return Err(too_deep(span, self.depth));
        }
        self.depth += 1;
        let result = f(self);
        self.depth -= 1;
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

    fn frame(frame: &FrameIr, env: &Rc<Env>) -> Rc<Env> {
        if !frame.recursive {
            let slots = frame
                .slots
                .iter()
                .map(|code| Self::thunk(code, env))
                .collect();
            return Rc::new(Env {
                slots,
                parent: Some(env.clone()),
                origin: Span::default(),
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
            slots,
            parent: Some(env.clone()),
            origin: Span::default(),
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
                lhs,
                rhs,
            } => self.binary(*op, *op_span, lhs, rhs, env),
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
        for (name, field) in &record.fields {
            let thunk = match field {
                FieldIr::Slot(slot) => match env.slots.get(*slot as usize) {
                    Some(thunk) => thunk.clone(),
                    None => continue,
                },
                FieldIr::Code(code) => Self::thunk(code, env),
            };
            fields.fields.insert(*name, thunk);
        }
        Value::Record(Rc::new(fields))
    }

    #[inline(never)]
    fn call(&mut self, func: &Ir, args: &[Rc<Ir>], env: &Rc<Env>) -> Fallible<Value> {
        let mut callee = self.eval(func, env)?;
        let mut next = 0;
        while next < args.len() {
            let call_span = func.span.to(args[next].span);
            let function = match &callee {
                Value::Function(function) => function.clone(),
                other => {
                    let callee_span = match next {
                        0 => func.span,
                        _ => func.span.to(args[next - 1].span),
                    };
                    return fail(not_a_function(other, callee_span, args[next].span));
                }
            };
            match &*function {
                Function::Builtin { op, args: given } => {
                    let (result, used) = self.call_builtin(*op, given, func, &args[next..], env)?;
                    callee = result;
                    next += used;
                }
                Function::Lambda {
                    lambda,
                    env: closure,
                } => {
                    let arg = Arg {
                        thunk: Self::thunk(&args[next], env),
                        span: args[next].span,
                    };
                    next += 1;
                    callee = self
                        .call_lambda(lambda, closure, arg, call_span)
                        .map_err(traced(call_span))?;
                }
            }
        }
        Ok(callee)
    }

    /// Calls the builtin `op` (already given `given`) with as many of `args` as it still needs,
    /// all at once; or, if fewer are there, makes the partial application. Returns the result
    /// and how many of `args` were used.
    #[inline(never)]
    fn call_builtin(
        &mut self,
        op: Builtin,
        given: &[Arg],
        func: &Ir,
        args: &[Rc<Ir>],
        env: &Rc<Env>,
    ) -> Fallible<(Value, usize)> {
        let wanted = op.arity() - given.len();
        let available = args.len().min(wanted);
        let mut all = Vec::with_capacity(given.len() + available);
        all.extend(given.iter().cloned());
        for arg in &args[..available] {
            all.push(Arg {
                thunk: Self::thunk(arg, env),
                span: arg.span,
            });
        }
        let result = if available == wanted {
            let call_span = func.span.to(args[available - 1].span);
            if op.declares() {
                self.origins = origin_chain(env);
            }
            op.call(self, &all, call_span).map_err(traced(call_span))?
        } else {
            Value::Function(Rc::new(Function::Builtin { op, args: all }))
        };
        Ok((result, available))
    }

    /// Applies `func` to one argument (used by builtins such as `map`).
    pub fn apply(&mut self, func: &Value, arg: Arg, call_span: Span) -> Fallible<Value> {
        let Value::Function(function) = func else {
            return fail(not_a_function(func, call_span, arg.span));
        };
        match &**function {
            Function::Builtin { op, args } => {
                let mut all = Vec::with_capacity(args.len() + 1);
                all.extend(args.iter().cloned());
                all.push(arg);
                if all.len() == op.arity() {
                    op.call(self, &all, call_span)
                } else {
                    Ok(Value::Function(Rc::new(Function::Builtin {
                        op: *op,
                        args: all,
                    })))
                }
            }
            Function::Lambda { lambda, env } => self.call_lambda(lambda, env, arg, call_span),
        }
    }

    /// Applies `func` to two arguments in turn.
    pub fn apply2(&mut self, func: &Value, first: Arg, second: Arg, span: Span) -> Fallible<Value> {
        let partial = self.apply(func, first, span)?;
        self.apply(&partial, second, span)
    }

    #[inline(never)]
    fn call_lambda(
        &mut self,
        lambda: &LambdaIr,
        closure: &Rc<Env>,
        arg: Arg,
        call_span: Span,
    ) -> Fallible<Value> {
        self.nested(call_span, |m| {
            let env = match &lambda.param {
                ParamIr::Name { annotation } => {
                    let thunk = match annotation {
                        Some((contract, annotation)) => contract::wrap(
                            arg.thunk,
                            contract,
                            &Rc::new(ContractSite {
                                value: arg.span,
                                annotation: *annotation,
                            }),
                            Rc::new(ContractPath::Root),
                        ),
                        None => arg.thunk,
                    };
                    Rc::new(Env {
                        slots: Box::new([thunk]),
                        parent: Some(closure.clone()),
                        origin: arg.span,
                    })
                }
                ParamIr::Pattern(pattern) => m.bind_pattern(pattern, arg, closure)?,
            };
            m.eval(&lambda.body, &env)
        })
    }

    /// The frame of a call to a function with a record pattern: the argument's fields, the
    /// defaults of fields it lacks (run in the frame itself), and the `@` name.
    #[inline(never)]
    fn bind_pattern(
        &mut self,
        pattern: &PatternIr,
        arg: Arg,
        closure: &Rc<Env>,
    ) -> Fallible<Rc<Env>> {
        let arg_span = arg.span;
        let value = self.force(&arg.thunk)?;
        let Value::Record(record) = &value else {
            return fail(
                Diagnostic::new(
                    Code::RuntimeTypeError,
                    format!(
                        "this function takes a record, but was given {}",
                        a(value.type_name())
                    ),
                    arg.span,
                    format!("this is {}", a(value.type_name())),
                )
                .with_label(pattern.span, "the function's record pattern"),
            );
        };
        if !pattern.open {
            if let Some(extra) = record
                .syms()
                .find(|name| !pattern.fields.iter().any(|f| f.name == *name))
            {
                return fail(unexpected_field(pattern, extra, arg.span));
            }
        }
        let mut slots = Vec::with_capacity(pattern.fields.len() + usize::from(pattern.bind));
        let mut defaults = Vec::new();
        for field in &pattern.fields {
            let thunk = match (record.get_sym(field.name), &field.default) {
                (Some(given), _) => given.clone(),
                (None, Some(default)) => {
                    let thunk = Thunk::unfilled();
                    defaults.push((thunk.clone(), default.clone()));
                    thunk
                }
                (None, None) => {
                    return fail(
                        Diagnostic::new(
                            Code::MissingArgumentField,
                            format!("the argument has no field `{}`", field.name),
                            arg.span,
                            format!("this record lacks `{}`", field.name),
                        )
                        .with_label(field.span, "required by this parameter")
                        .with_help(format!(
                            "pass `{} = ...;`, or give the parameter a default (`{} ? ...`)",
                            field.name, field.name
                        )),
                    )
                }
            };
            slots.push(match &field.annotation {
                Some((contract, annotation)) => contract::wrap(
                    thunk,
                    contract,
                    &Rc::new(ContractSite {
                        value: arg.span,
                        annotation: *annotation,
                    }),
                    Rc::new(ContractPath::Field(Rc::new(ContractPath::Root), field.name)),
                ),
                None => thunk,
            });
        }
        if pattern.bind {
            slots.push(Thunk::ready(value.clone()));
        }
        let env = Rc::new(Env {
            slots: slots.into_boxed_slice(),
            parent: Some(closure.clone()),
            origin: arg_span,
        });
        for (thunk, code) in defaults {
            thunk.fill(State::Code {
                code,
                env: env.clone(),
            });
        }
        Ok(env)
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

// Errors are built out of line (`#[cold]`, never inlined) so that the functions every level of
// evaluation goes through keep small stack frames.

#[cold]
#[inline(never)]
fn black_hole(span: Span) -> Box<EvalError> {
    EvalError::new(
        Diagnostic::new(
            Code::InfiniteRecursion,
            "infinite recursion: this value depends on itself",
            span,
            "computing this needs its own value",
        )
        .with_help("break the cycle: a binding cannot be defined in terms of itself"),
    )
}

#[cold]
#[inline(never)]
fn too_deep(span: Span, depth: u32) -> Box<EvalError> {
    let message = if depth >= MAX_DEPTH {
        format!("evaluation nested more than {MAX_DEPTH} levels deep")
    } else {
        "evaluation nested too deeply for the stack".to_string()
    };
    EvalError::new(
        Diagnostic::new(
            Code::RecursionTooDeep,
            message,
            span,
            "the limit was reached here",
        )
        .with_help("a recursive function probably never reaches its base case"),
    )
}

#[cold]
#[inline(never)]
fn invalid(why: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnevaluableCode,
        format!("cannot evaluate this: {why}"),
        span,
        "reported earlier",
    )
}

/// A bug in the compiler, reported instead of panicking.
#[cold]
#[inline(never)]
pub fn internal(what: &str, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::UnevaluableCode,
        format!("internal evaluator error: {what}"),
        span,
        "while evaluating this",
    )
    .with_note("this is a bug in sblc; please report it")
}

#[cold]
#[inline(never)]
fn not_a_record(value: &Value, name: Sym, target: Span, field: Span) -> Diagnostic {
    Diagnostic::new(
        Code::RuntimeTypeError,
        format!("cannot select field `{name}` from {}", a(value.type_name())),
        target,
        format!("this is {}, not a record", a(value.type_name())),
    )
    .with_label(field, "field selected here")
}

#[cold]
#[inline(never)]
fn not_a_function(value: &Value, callee: Span, arg: Span) -> Diagnostic {
    Diagnostic::new(
        Code::CalledNonFunction,
        format!("{} is not a function", a(value.type_name())),
        callee,
        format!("this is {}, not a function", a(value.type_name())),
    )
    .with_label(arg, "but it is given this argument")
}

#[cold]
#[inline(never)]
fn unexpected_field(pattern: &PatternIr, extra: Sym, arg: Span) -> Diagnostic {
    let extra = extra.name();
    let names: Vec<std::rc::Rc<str>> = pattern.fields.iter().map(|f| f.name.name()).collect();
    let d = Diagnostic::new(
        Code::UnexpectedArgumentField,
        format!("the function does not take a field `{extra}`"),
        arg,
        format!("this record has a field `{extra}`"),
    )
    .with_label(
        pattern.span,
        format!("this pattern has no `{extra}` and no `...`"),
    );
    match did_you_mean(&extra, names.iter().map(|s| &**s)) {
        Some(best) => d.with_help(format!("did you mean `{best}`?")),
        None => d.with_help("remove the field, or add `...` to the pattern to accept other fields"),
    }
}

#[cold]
#[inline(never)]
pub fn missing_field(record: &Record, name: Sym, span: Span, target: Span) -> Diagnostic {
    let name = name.name();
    let names: Vec<std::rc::Rc<str>> = record.names().collect();
    let mut d = Diagnostic::new(
        Code::NoSuchField,
        format!("the record has no field `{name}`"),
        span,
        "no such field",
    )
    .with_label(target, "this record");
    if let Some(best) = did_you_mean(&name, names.iter().map(|s| &**s)) {
        d = d.with_help(format!("did you mean `{best}`?"));
    } else if names.is_empty() {
        d = d.with_note("the record is empty");
    } else {
        let shown: Vec<String> = names.iter().take(12).map(|n| format!("`{n}`")).collect();
        let more = if names.len() > 12 { ", ..." } else { "" };
        d = d.with_note(format!("its fields are: {}{more}", shown.join(", ")));
    }
    d.with_help_if_none(format!(
        "use `r.{name} or default` if the field is optional"
    ))
}

trait HelpIfNone {
    fn with_help_if_none(self, help: String) -> Self;
}

impl HelpIfNone for Diagnostic {
    fn with_help_if_none(self, help: String) -> Diagnostic {
        if self.help.is_some() {
            self
        } else {
            self.with_help(help)
        }
    }
}

/// The call sites of the function frames around `env`, innermost first.
fn origin_chain(env: &Rc<Env>) -> Vec<Span> {
    let mut chain = Vec::new();
    let mut frame = Some(env);
    while let Some(env) = frame {
        if env.origin != Span::default() {
            chain.push(env.origin);
        }
        frame = env.parent.as_ref();
    }
    chain
}

impl Machine {
    /// Where a declaration happened: the declaring call itself, then the call sites of the
    /// functions it is lexically inside, innermost first. When a stdlib function declares a
    /// resource, the user's call of that function is in this list.
    pub(crate) fn origin_trace(&mut self, call: Span) -> Vec<Span> {
        let mut trace = vec![call];
        trace.append(&mut self.origins);
        trace
    }
}

/// Adds the call at `span` to an error's trace.
pub fn traced(span: Span) -> impl FnOnce(Box<EvalError>) -> Box<EvalError> {
    move |mut e| {
        e.add_call(span);
        e
    }
}
