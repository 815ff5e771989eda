//! Function calls: applying lambdas and builtins to arguments.
//!
//! `f a b c` arrives as one call with three argument expressions. Each argument becomes a thunk
//! (a variable or constant reuses its existing one); a lambda takes one argument at a time, in a
//! new frame holding its parameter (or its record pattern's fields, with defaults computed in
//! that same frame, so they can see each other); a builtin takes all the arguments it needs at
//! once, or becomes a partial application holding the ones given so far.

use std::rc::Rc;

use super::builtins::Builtin;
use super::contract::{self, ContractPath, ContractSite};
use super::error::{a, fail, traced, Fallible};
use super::ir::{Ir, LambdaIr, ParamIr, PatternIr};
use super::machine::Machine;
use super::symbol::Sym;
use super::value::{Arg, Env, Function, Origins, Slots, State, Thunk, Value};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;

impl Machine {
    #[inline(never)]
    pub(crate) fn call(&mut self, func: &Ir, args: &[Rc<Ir>], env: &Rc<Env>) -> Fallible<Value> {
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
                        .call_lambda(lambda, closure, Some(env), arg, call_span)
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
            Function::Lambda { lambda, env } => self.call_lambda(lambda, env, None, arg, call_span),
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
        caller: Option<&Rc<Env>>,
        arg: Arg,
        call_span: Span,
    ) -> Fallible<Value> {
        // The caller's call sites when the call is in the program; a builtin's (`map f xs`)
        // are those around the function's definition.
        let origins = Some(self.call_origins(arg.span, &caller.unwrap_or(closure).origins));
        self.descend(call_span, |m| {
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
                        slots: Slots::One(thunk),
                        parent: Some(closure.clone()),
                        origins,
                    })
                }
                ParamIr::Pattern(pattern) => m.bind_pattern(pattern, arg, closure, origins)?,
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
        origins: Option<Rc<Origins>>,
    ) -> Fallible<Rc<Env>> {
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
            slots: slots.into(),
            parent: Some(closure.clone()),
            origins,
        });
        for (thunk, code) in defaults {
            thunk.fill(State::Code {
                code,
                env: env.clone(),
            });
        }
        Ok(env)
    }
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

impl Machine {
    /// The call-site list of a call at `span` from a frame whose list is `outer`. Lists never
    /// change once made, so one equal to a recent call's is shared instead of allocated again:
    /// a builtin applying a function to every item of a list (`map`, `foldl`) makes the same
    /// lists, alternating between a curried function's two frames, for every item.
    fn call_origins(&mut self, span: Span, outer: &Option<Rc<Origins>>) -> Rc<Origins> {
        let same_outer = |origins: &Origins| match (&origins.outer, outer) {
            (Some(a), Some(b)) => Rc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        };
        let mut recent = self.recent_origins.iter().flatten();
        if let Some(origins) = recent.find(|origins| origins.span == span && same_outer(origins)) {
            return origins.clone();
        }
        let origins = Rc::new(Origins {
            span,
            outer: outer.clone(),
        });
        self.recent_origins[1] = self.recent_origins[0].replace(origins.clone());
        origins
    }
}

/// The call sites that led to `env`, innermost first.
fn origin_chain(env: &Rc<Env>) -> Vec<Span> {
    let mut chain = Vec::new();
    let mut next = env.origins.as_ref();
    while let Some(origin) = next {
        chain.push(origin.span);
        next = origin.outer.as_ref();
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
