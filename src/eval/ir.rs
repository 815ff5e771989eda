//! The lowered program the machine runs.
//!
//! Lowering ([`super::lower`]) turns the syntax tree into this smaller tree once, before
//! evaluation, doing every piece of work that does not depend on run-time values:
//!
//! - variables become [`IrKind::Var`] `(depth, slot)` pairs; builtins become constants;
//! - field names become interned [`Sym`]s;
//! - binding groups (`let`, `rec`, nested key paths, `inherit`) become [`FrameIr`]s and
//!   [`RecordIr`]s with their merging already done;
//! - type annotations become [`Contract`]s;
//! - `f a b c` becomes one [`IrKind::Call`] so builtins receive all their arguments at once;
//! - path literals are resolved against their file's folder; each `import` points at the shared
//!   thunk of the imported file, so every file is evaluated at most once.
//!
//! Sub-expressions that become thunks (list items, arguments, field values) are `Rc<Ir>`, so a
//! thunk holds its code by a pointer copy.

use std::rc::Rc;

use super::contract::{Contract, ContractSite};
use super::symbol::Sym;
use super::value::{Thunk, Value};
use crate::source::Span;
use crate::syntax::ast::BinOp;

pub struct Ir {
    pub span: Span,
    pub kind: IrKind,
}

pub enum IrKind {
    /// A literal, a resolved path, a builtin.
    Const(Value),
    /// The variable in slot `slot` of the frame `depth` levels up.
    Var {
        depth: u32,
        slot: u32,
    },
    List(Vec<Rc<Ir>>),
    Record(RecordIr),
    Let {
        frame: FrameIr,
        body: Box<Ir>,
    },
    Lambda(Rc<LambdaIr>),
    /// `func a b c`: the function applied to each argument in turn.
    Call {
        func: Box<Ir>,
        args: Vec<Rc<Ir>>,
    },
    If {
        cond: Box<Ir>,
        then_branch: Box<Ir>,
        else_branch: Box<Ir>,
    },
    Select {
        target: Box<Ir>,
        path: Vec<(Sym, Span)>,
        default: Option<Box<Ir>>,
    },
    HasField {
        target: Box<Ir>,
        path: Vec<Sym>,
    },
    /// `lhs op rhs`, both operands in one allocation.
    Binary {
        op: BinOp,
        op_span: Span,
        operands: Box<[Ir; 2]>,
    },
    Neg(Box<Ir>),
    Not(Box<Ir>),
    Assert {
        cond: Box<Ir>,
        message: Option<Box<Ir>>,
        body: Box<Ir>,
    },
    /// The value of an imported file: its shared, memoised thunk.
    Import(Thunk),
    Interpolate(Vec<StrPartIr>),
    Annotated {
        expr: Box<Ir>,
        contract: Rc<Contract>,
        site: Rc<ContractSite>,
    },
    /// Code that cannot run: it did not parse, or its import failed. Earlier phases reported
    /// why; evaluating it reports that evaluation cannot go on.
    Invalid(&'static str),
}

pub enum StrPartIr {
    Literal(Rc<str>),
    Interpolation(Ir),
}

/// A new frame of variables.
pub struct FrameIr {
    /// The code of each slot, run lazily.
    pub slots: Vec<Rc<Ir>>,
    /// Whether the slots' code runs in the new frame (`let`, `rec`: bindings see each other) or
    /// in the enclosing one (the hidden frame holding `inherit (source)` sources of a plain
    /// record).
    pub recursive: bool,
}

/// A record under construction: an optional frame, then fields in definition order (their
/// names distinct).
pub struct RecordIr {
    pub frame: Option<Box<FrameIr>>,
    pub fields: Box<[(Sym, FieldIr)]>,
}

pub enum FieldIr {
    /// The thunk in this slot of the record's own frame (`rec` records).
    Slot(u32),
    /// Code run lazily in the record's environment.
    Code(Rc<Ir>),
}

pub struct LambdaIr {
    pub param: ParamIr,
    pub body: Ir,
    /// The whole `param: body` expression, to point at the function in errors.
    pub span: Span,
}

pub enum ParamIr {
    /// `x: body` or `x :: T: body`: one slot.
    Name {
        annotation: Option<(Rc<Contract>, Span)>,
    },
    /// `{ a, b ? 1, ... } @ args`: one slot per field, then one for the `@` name.
    Pattern(PatternIr),
}

pub struct PatternIr {
    pub fields: Vec<PatternFieldIr>,
    pub open: bool,
    pub bind: bool,
    pub span: Span,
}

pub struct PatternFieldIr {
    pub name: Sym,
    pub span: Span,
    /// Runs in the call's frame, so it may use the other fields.
    pub default: Option<Rc<Ir>>,
    pub annotation: Option<(Rc<Contract>, Span)>,
}
