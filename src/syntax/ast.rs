//! The abstract syntax tree.
//!
//! The parser never fails, so the tree may contain [`ExprKind::Error`] and [`TypeKind::Error`]
//! nodes where the text could not be understood; later phases treat them as "anything" and report
//! nothing more about them. Every node carries the [`Span`] of the text it came from.

use std::rc::Rc;

use crate::source::Span;

/// A name as written, with its place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ident {
    pub name: Rc<str>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Bool(bool),
    Null,
    /// A string, normal (`"..."`) or indented (`''...''`); indentation is already stripped.
    Str(Vec<StrPart>),
    /// A path literal such as `./dist/pricer.zip`, as written (resolved against the file's folder
    /// by later phases).
    Path(Rc<str>),
    Var(Ident),
    List(Vec<Expr>),
    /// `{ ... }` or `rec { ... }`.
    Record {
        recursive: bool,
        bindings: Vec<Binding>,
    },
    Let {
        bindings: Vec<Binding>,
        body: Box<Expr>,
    },
    /// The parameter is boxed, as the rarer big parts of other nodes: every node is as large as
    /// the largest kind, and files hold many small nodes.
    Lambda {
        param: Box<Param>,
        body: Box<Expr>,
    },
    Apply {
        func: Box<Expr>,
        arg: Box<Expr>,
    },
    If {
        cond: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    /// `target.a.b` or `target.a.b or default`.
    Select {
        target: Box<Expr>,
        path: Vec<Key>,
        default: Option<Box<Expr>>,
    },
    /// `target ? a.b`.
    HasField {
        target: Box<Expr>,
        path: Vec<Key>,
    },
    Binary {
        op: BinOp,
        op_span: Span,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    /// `assert cond, "message"; body` (the message is optional).
    Assert {
        cond: Box<Expr>,
        message: Option<Box<Expr>>,
        body: Box<Expr>,
    },
    Import(ImportTarget),
    /// `expr :: Type`.
    Annotated {
        expr: Box<Expr>,
        ty: Box<TypeExpr>,
    },
    /// Text the parser could not understand; a diagnostic has been reported for it.
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Literal(Rc<str>),
    Interpolation(Expr),
}

/// A field name in a binding path, a selection or a record type: an identifier or a quoted
/// string without interpolation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    pub name: Rc<str>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub kind: BindingKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BindingKind {
    /// `a.b.c :: Type = value;` (the annotation is optional).
    Field {
        path: Vec<Key>,
        ty: Option<Box<TypeExpr>>,
        value: Expr,
    },
    /// `inherit a b;` or `inherit (source) a b;`.
    Inherit {
        source: Option<Expr>,
        names: Vec<Ident>,
    },
    /// `type Name = Type;` (in `let` only).
    TypeAlias { name: Ident, ty: TypeExpr },
}

/// The parameter of a function.
#[derive(Clone, Debug, PartialEq)]
pub enum Param {
    /// `x: body` or `x :: Type: body`.
    Name { name: Ident, ty: Option<TypeExpr> },
    /// `{ a, b :: Int ? 2, ... } @ args: body`.
    Pattern {
        fields: Vec<PatternField>,
        /// `...`: fields other than those named are accepted.
        open: bool,
        /// The name after `@`, bound to the whole argument.
        bind: Option<Ident>,
        span: Span,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct PatternField {
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ImportTarget {
    /// `import ./file.sbl`, the path as written.
    File { path: Rc<str>, span: Span },
    /// `import <batch>`.
    Stdlib { name: Rc<str>, span: Span },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    /// `//`, the right-biased record merge.
    Update,
    Add,
    Sub,
    Mul,
    Div,
    /// `++`, list concatenation.
    Concat,
}

impl BinOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Or => "||",
            BinOp::And => "&&",
            BinOp::Eq => "==",
            BinOp::NotEq => "!=",
            BinOp::Less => "<",
            BinOp::LessEq => "<=",
            BinOp::Greater => ">",
            BinOp::GreaterEq => ">=",
            BinOp::Update => "//",
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Concat => "++",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeKind {
    /// `Int`, `Bool`, `String`, `Null`, `Path`, `Any`, or an alias.
    Named(Ident),
    /// `List T`.
    List(Box<TypeExpr>),
    /// `{ name: String, size?: Int, ... }`.
    Record {
        fields: Vec<TypeField>,
        open: bool,
    },
    /// `"Standard"`: a string literal type, usually inside a union.
    StrLiteral(Rc<str>),
    /// `A | B | C`.
    Union(Vec<TypeExpr>),
    /// `A -> B`.
    Function(Box<TypeExpr>, Box<TypeExpr>),
    Error,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TypeField {
    pub key: Key,
    /// `size?: Int`: the field may be left out.
    pub optional: bool,
    pub ty: TypeExpr,
}

/// A parsed file: one expression.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub body: Expr,
}
