//! Run-time values, thunks and environments.
//!
//! Evaluation is lazy: a record field, a list item, a `let` binding or a function argument is a
//! [`Thunk`], a value not computed until something needs it, then computed once and remembered.
//! A thunk is either [`Thunk::ready`] (a value known up front: literals, and values passed along)
//! or a shared cell that moves through the states *pending* (code plus the environment to run it
//! in), *forcing* (being computed: meeting it again means the value depends on itself), and
//! *done*. Reading a done thunk is a borrow and a clone of the value: no allocation.
//!
//! An [`Env`] is one frame of variables: a `let`, a `rec` record, a function call. Variables were
//! resolved to (frame depth, slot) when the program was lowered, so a lookup walks `depth` parent
//! links and indexes a slice; names are never hashed at run time.
//!
//! Every compound value is behind an `Rc`, so cloning a [`Value`] is cheap and never deep: `//`
//! copies only the top-level map of field thunks, `++` only the item pointers. A recursive frame
//! (a `let` whose bindings see each other) and its thunks refer to each other; the cycle breaks
//! as the thunks are forced (a done thunk drops its code and environment). A frame whose thunks
//! are never all forced, or that a closure keeps, stays allocated until the compiler exits: the
//! price of reference counting without a cycle collector, the same trade Nix makes by rarely
//! running its garbage collector during an evaluation.
//!
//! The enum [`Value`] is meant to grow: the resource graph adds its own variants.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::builtins::Builtin;
use super::contract::{Contract, ContractPath, ContractSite};
use super::ir::{Ir, LambdaIr};
use super::sym_map::SymMap;
use super::symbol::Sym;
use crate::source::Span;

/// A value, forced to its outermost constructor (its parts may still be lazy).
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Str(Rc<str>),
    Path(Rc<PathValue>),
    List(Rc<[Thunk]>),
    Record(Rc<Record>),
    Function(Rc<Function>),
}

impl Value {
    /// The name of the value's type as users see it in messages (`Int`, `String`, ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "Null",
            Value::Bool(_) => "Bool",
            Value::Int(_) => "Int",
            Value::Str(_) => "String",
            Value::Path(_) => "Path",
            Value::List(_) => "List",
            Value::Record(_) => "Record",
            Value::Function(_) => "Function",
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_path(&self) -> Option<&PathValue> {
        match self {
            Value::Path(p) => Some(p),
            _ => None,
        }
    }

    /// The items of a list, each still lazy.
    pub fn as_list(&self) -> Option<&[Thunk]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_record(&self) -> Option<&Record> {
        match self {
            Value::Record(r) => Some(r),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::Function(_))
    }

    /// Whether both are the very same string, list, record or function in memory (not just
    /// equal): a value computed once and shared.
    pub fn is_same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b),
            (Value::Path(a), Value::Path(b)) => Rc::ptr_eq(a, b),
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b),
            (Value::Record(a), Value::Record(b)) => Rc::ptr_eq(a, b),
            (Value::Function(a), Value::Function(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }

    pub(crate) fn string(text: impl Into<Rc<str>>) -> Value {
        Value::Str(text.into())
    }

    pub(crate) fn list(items: Vec<Thunk>) -> Value {
        Value::List(Rc::from(items))
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(n) => write!(f, "{n}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Path(p) => f.write_str(&p.display),
            Value::List(items) => write!(f, "[ <{} items> ]", items.len()),
            Value::Record(r) => {
                let names: Vec<String> = r.names().map(|n| n.to_string()).collect();
                write!(f, "{{ {} }}", names.join(" "))
            }
            Value::Function(_) => f.write_str("<function>"),
        }
    }
}

/// A path literal resolved against the folder of the file that wrote it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathValue {
    /// Where the path points on this machine (lexically normalised, not required to exist).
    pub absolute: PathBuf,
    /// The path relative to the entry file's folder (`./dist/app.zip`, `../shared/x.json`):
    /// what JSON output, interpolation and `toString` show, so output is machine-independent.
    pub display: Rc<str>,
}

impl PathValue {
    pub fn absolute(&self) -> &Path {
        &self.absolute
    }
}

/// A record: fields in definition order, each lazy.
#[derive(Clone, Default)]
pub struct Record {
    pub(crate) fields: SymMap<Thunk>,
}

impl Record {
    pub(crate) fn with_capacity(n: usize) -> Record {
        Record {
            fields: SymMap::with_capacity(n),
        }
    }

    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The field called `name`, still lazy.
    pub fn get(&self, name: &str) -> Option<&Thunk> {
        self.fields.get(&Sym::existing(name)?)
    }

    pub(crate) fn get_sym(&self, name: Sym) -> Option<&Thunk> {
        self.fields.get(&name)
    }

    /// Field names in definition order.
    pub fn names(&self) -> impl Iterator<Item = Rc<str>> + '_ {
        self.fields.keys().map(|s| s.name())
    }

    /// Fields in definition order, values still lazy.
    pub fn iter(&self) -> impl Iterator<Item = (Rc<str>, &Thunk)> + '_ {
        self.fields.iter().map(|(s, t)| (s.name(), t))
    }

    pub(crate) fn syms(&self) -> impl Iterator<Item = Sym> + '_ {
        self.fields.keys().copied()
    }
}

/// Something that can be applied to an argument.
pub enum Function {
    /// A user function and the environment it closes over.
    Lambda { lambda: Rc<LambdaIr>, env: Rc<Env> },
    /// A builtin, with the arguments it has been given so far (fewer than its arity).
    Builtin { op: Builtin, args: Vec<Arg> },
}

/// An argument on its way into a function, with the expression it came from (for errors).
#[derive(Clone)]
pub struct Arg {
    pub thunk: Thunk,
    pub span: Span,
}

/// One frame of variables. Slots are filled when the frame is made; recursive frames make their
/// thunks first, then point them at the frame (see [`Thunk::fill`]).
pub struct Env {
    pub(crate) slots: Slots,
    pub(crate) parent: Option<Rc<Env>>,
    /// The call sites that led to this frame, innermost first: a function call's frame adds the
    /// span of its argument to its caller's list; other frames share their parent's. Declarations
    /// read it to find the user's line that led to them, also through stdlib functions. Only
    /// spans are kept, so frames never keep each other alive.
    pub(crate) origins: Option<Rc<Origins>>,
}

/// The thunks of a frame. A function of one parameter makes a frame of one slot on every call:
/// that slot is kept inline, saving an allocation per call.
pub(crate) enum Slots {
    One(Thunk),
    Many(Box<[Thunk]>),
}

impl std::ops::Deref for Slots {
    type Target = [Thunk];

    fn deref(&self) -> &[Thunk] {
        match self {
            Slots::One(thunk) => std::slice::from_ref(thunk),
            Slots::Many(thunks) => thunks,
        }
    }
}

impl std::ops::DerefMut for Slots {
    fn deref_mut(&mut self) -> &mut [Thunk] {
        match self {
            Slots::One(thunk) => std::slice::from_mut(thunk),
            Slots::Many(thunks) => thunks,
        }
    }
}

impl From<Vec<Thunk>> for Slots {
    fn from(thunks: Vec<Thunk>) -> Slots {
        Slots::Many(thunks.into_boxed_slice())
    }
}

/// One call site in a frame's list of [`Env::origins`].
pub(crate) struct Origins {
    pub(crate) span: Span,
    pub(crate) outer: Option<Rc<Origins>>,
}

impl Env {
    pub(crate) fn root() -> Rc<Env> {
        Rc::new(Env {
            slots: Slots::Many(Box::new([])),
            parent: None,
            origins: None,
        })
    }

    /// The thunk bound at `slot` in the frame `depth` levels up. Lowering guarantees it exists.
    #[inline]
    pub(crate) fn lookup(self: &Rc<Env>, depth: u32, slot: u32) -> Option<&Thunk> {
        let mut env = self;
        for _ in 0..depth {
            env = env.parent.as_ref()?;
        }
        env.slots.get(slot as usize)
    }
}

/// A lazily computed value, computed at most once.
#[derive(Clone)]
pub struct Thunk(Repr);

#[derive(Clone)]
enum Repr {
    Ready(Value),
    Lazy(Rc<RefCell<State>>),
}

/// The life of a lazy thunk. Kept to two words plus a tag: every field and item of every
/// record and list has one, so rare, bigger states are boxed.
pub(crate) enum State {
    /// Run `code` in `env`.
    Code {
        code: Rc<Ir>,
        env: Rc<Env>,
    },
    /// Apply a function: the lazy items of `map`, `genList`, `mapAttrs`.
    Apply(Box<Application>),
    /// Force a thunk, then check it against a type annotation.
    Checked(Box<Checked>),
    /// Being computed right now (or a recursive frame not yet filled): a black hole. The span
    /// is the code being computed, for the error if it is needed again meanwhile.
    Forcing(Span),
    Done(Value),
}

/// `func arg` (or `func arg arg2`), to be computed lazily.
pub(crate) struct Application {
    pub func: Value,
    pub arg: Thunk,
    pub arg2: Option<Thunk>,
    /// The call that created it (`map f xs`), for errors.
    pub span: Span,
}

/// A part of an annotated value, checked when forced.
pub(crate) struct Checked {
    pub inner: Thunk,
    pub contract: Rc<Contract>,
    pub site: Rc<ContractSite>,
    pub path: Rc<ContractPath>,
}

impl Thunk {
    pub(crate) fn ready(value: Value) -> Thunk {
        Thunk(Repr::Ready(value))
    }

    pub(crate) fn lazy(state: State) -> Thunk {
        Thunk(Repr::Lazy(Rc::new(RefCell::new(state))))
    }

    /// A thunk to be filled by [`Thunk::fill`] once its recursive frame exists.
    pub(crate) fn unfilled() -> Thunk {
        Thunk::lazy(State::Forcing(Span::default()))
    }

    pub(crate) fn fill(&self, state: State) {
        if let Repr::Lazy(cell) = &self.0 {
            *cell.borrow_mut() = state;
        }
    }

    /// The value if it has already been computed.
    pub fn value_if_forced(&self) -> Option<Value> {
        match &self.0 {
            Repr::Ready(v) => Some(v.clone()),
            Repr::Lazy(cell) => match &*cell.borrow() {
                State::Done(v) => Some(v.clone()),
                _ => None,
            },
        }
    }

    /// Either the computed value, or the pending work, taken out and replaced by a black hole
    /// (taking a black hole returns [`State::Forcing`]: the value depends on itself).
    pub(crate) fn start(&self) -> Step {
        match &self.0 {
            Repr::Ready(v) => Step::Value(v.clone()),
            Repr::Lazy(cell) => {
                let mut state = cell.borrow_mut();
                match &*state {
                    State::Done(v) => Step::Value(v.clone()),
                    _ => {
                        let span = state.span();
                        Step::Work(std::mem::replace(&mut *state, State::Forcing(span)))
                    }
                }
            }
        }
    }

    /// Stores the outcome of the work taken by [`Thunk::start`]: the value, or the work itself
    /// again after an error (so forcing again reports the same error, not a black hole).
    pub(crate) fn finish(&self, state: State) {
        self.fill(state);
    }
}

impl State {
    /// The code this state stands for, to point at in errors.
    pub(crate) fn span(&self) -> Span {
        match self {
            State::Code { code, .. } => code.span,
            State::Apply(application) => application.span,
            State::Forcing(span) => *span,
            State::Checked(checked) => checked.site.value,
            State::Done(_) => Span::default(),
        }
    }
}

/// Dropping a value nested a million levels deep (a list built by folding, a chain of closures)
/// must not overflow the stack by dropping recursively. Values nest only through thunks (items,
/// fields, captured variables, given arguments), so a thunk that is the last owner of a list,
/// record or function takes it out and drops the nested ones one by one from a worklist; each is
/// emptied of its own nested parts before it is dropped, so no drop recurses more than a level.
impl Drop for Thunk {
    fn drop(&mut self) {
        let Some(mut current) = self.take_nested() else {
            return;
        };
        let mut pending: Vec<Value> = Vec::new();
        loop {
            match &mut current {
                Value::List(items) => {
                    if let Some(items) = Rc::get_mut(items) {
                        pending.extend(items.iter_mut().filter_map(Thunk::take_nested));
                    }
                }
                Value::Record(record) => {
                    if let Some(record) = Rc::get_mut(record) {
                        pending.extend(record.fields.values_mut().filter_map(Thunk::take_nested));
                    }
                }
                Value::Function(function) => match Rc::get_mut(function) {
                    Some(Function::Lambda { env, .. }) => {
                        if let Some(env) = Rc::get_mut(env) {
                            pending.extend(env.slots.iter_mut().filter_map(Thunk::take_nested));
                        }
                    }
                    Some(Function::Builtin { args, .. }) => pending.extend(
                        args.iter_mut()
                            .filter_map(|arg| Thunk::take_nested(&mut arg.thunk)),
                    ),
                    None => {}
                },
                _ => {}
            }
            drop(current);
            match pending.pop() {
                Some(next) => current = next,
                None => break,
            }
        }
    }
}

impl Thunk {
    /// The list, record or function this thunk alone owns, taken out (`null` is left behind).
    fn take_nested(&mut self) -> Option<Value> {
        let slot = match &mut self.0 {
            Repr::Ready(value) => value,
            Repr::Lazy(cell) => match Rc::get_mut(cell)?.get_mut() {
                State::Done(value) => value,
                _ => return None,
            },
        };
        let alone = match slot {
            Value::List(items) => Rc::strong_count(items) == 1,
            Value::Record(record) => Rc::strong_count(record) == 1,
            Value::Function(function) => Rc::strong_count(function) == 1,
            _ => false,
        };
        alone.then(|| std::mem::replace(slot, Value::Null))
    }
}

/// What [`Thunk::start`] found.
pub(crate) enum Step {
    Value(Value),
    Work(State),
}
