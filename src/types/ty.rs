//! The representation of `.sbl` types, and how they print.
//!
//! A [`Type`] is an immutable tree with shared (`Rc`) children, so cloning one is cheap. During
//! inference a tree may contain [`Type::Var`] leaves: type variables that live in the checker's
//! union-find table (see `vars.rs`). The types handed out in a
//! [`TypeReport`](super::TypeReport) have every solved variable replaced by its solution; the
//! variables that remain are the generalised ones, printed `a`, `b`, `c`, ... in order of first
//! appearance.
//!
//! [`Display`](std::fmt::Display) prints `.sbl` type syntax, exactly as a user would write it in an
//! annotation: `{ name: String, sku?: "Standard" | "Premium", ... } -> List String`. Parentheses
//! are printed only where the precedence of the type syntax needs them (`List` binds tighter
//! than `|`, which binds tighter than the right-associative `->`).
//!
//! Record fields remember the span where they were declared (a pattern field, a type annotation,
//! a binding in a record literal), so a diagnostic about a field can point at its declaration,
//! even in another file.

use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;

use indexmap::IndexMap;

use super::env::BuildNameHasher;

use crate::source::Span;

/// A type variable: an index into the checker's union-find table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeVar(pub u32);

/// A static type of `.sbl`.
#[derive(Clone, Debug)]
pub enum Type {
    Int,
    Bool,
    String,
    Null,
    Path,
    /// The dynamic type: compatible with every type in both directions; the evaluator checks
    /// values of this type against annotations at run time.
    Any,
    /// A string-literal type such as `"Standard"`: the one string it names.
    Literal(Rc<str>),
    List(Rc<Type>),
    Record(Rc<RecordType>),
    /// `A | B | ...`: built only through [`Type::union`], which keeps it flat and free of
    /// duplicates, and never has fewer than two members.
    Union(Rc<[Type]>),
    Function(Rc<Type>, Rc<Type>),
    Var(TypeVar),
}

/// The fields of a record type, in declaration order.
pub type Fields = IndexMap<Rc<str>, Field, BuildNameHasher>;

/// A record type: its known fields in declaration order, and whether other fields are allowed.
#[derive(Clone, Debug, Default)]
pub struct RecordType {
    pub fields: Fields,
    /// `{ a: Int, ... }`: fields other than the listed ones may be present, with unknown types.
    pub open: bool,
}

/// One field of a record type.
#[derive(Clone, Debug)]
pub struct Field {
    pub ty: Type,
    /// `size?: Int`: the field may be absent.
    pub optional: bool,
    /// Where the field was declared, when it was declared in source text.
    pub span: Option<Span>,
}

impl Field {
    pub fn required(ty: Type, span: Option<Span>) -> Field {
        Field {
            ty,
            optional: false,
            span,
        }
    }
}

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Rc::new(element))
    }

    pub fn function(param: Type, result: Type) -> Type {
        Type::Function(Rc::new(param), Rc::new(result))
    }

    /// `a -> b -> ... -> result`, for builtin signatures.
    pub fn curried(params: impl IntoIterator<Item = Type>, result: Type) -> Type {
        let params: Vec<Type> = params.into_iter().collect();
        params
            .into_iter()
            .rev()
            .fold(result, |acc, p| Type::function(p, acc))
    }

    pub fn record(record: RecordType) -> Type {
        Type::Record(Rc::new(record))
    }

    /// `{ ... }`: a record with no known fields and any others allowed.
    pub fn open_record() -> Type {
        Type::record(RecordType {
            fields: Fields::default(),
            open: true,
        })
    }

    /// The union of `members`, normalised: nested unions are flattened, duplicates dropped, string
    /// literals absorbed by `String`, and the whole union is `Any` if a member is. A single member
    /// is returned as itself.
    pub fn union(members: impl IntoIterator<Item = Type>) -> Type {
        let mut flat: Vec<Type> = Vec::new();
        let mut pending: Vec<Type> = members.into_iter().collect();
        pending.reverse();
        while let Some(member) = pending.pop() {
            match member {
                Type::Union(inner) => pending.extend(inner.iter().rev().cloned()),
                Type::Any => return Type::Any,
                other => {
                    if !flat.iter().any(|seen| seen.same_simple(&other)) {
                        flat.push(other);
                    }
                }
            }
        }
        if flat.iter().any(|m| matches!(m, Type::String)) {
            flat.retain(|m| !matches!(m, Type::Literal(_)));
        }
        match flat.len() {
            0 => Type::Any,
            1 => flat.pop().unwrap_or(Type::Any),
            _ => Type::Union(flat.into()),
        }
    }

    /// Structural identity of the leaf types that may appear in unions (used to drop duplicate
    /// members); compound types are never considered the same here.
    fn same_simple(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Literal(a), Type::Literal(b)) => a == b,
            (Type::Var(a), Type::Var(b)) => a == b,
            _ => {
                std::mem::discriminant(self) == std::mem::discriminant(other)
                    && matches!(
                        self,
                        Type::Int | Type::Bool | Type::String | Type::Null | Type::Path
                    )
            }
        }
    }

    /// Whether `self` and `other` are certainly the same type: equal leaves, the same variable,
    /// or one shared node. A cheap test that never looks inside compound types: joins use it to
    /// give a type back unchanged (and shared) instead of building a copy of it.
    pub(crate) fn is_identical(&self, other: &Type) -> bool {
        match (self, other) {
            (Type::Any, Type::Any) => true,
            (Type::List(a), Type::List(b)) => Rc::ptr_eq(a, b),
            (Type::Record(a), Type::Record(b)) => Rc::ptr_eq(a, b),
            (Type::Union(a), Type::Union(b)) => Rc::ptr_eq(a, b),
            (Type::Function(p1, r1), Type::Function(p2, r2)) => {
                Rc::ptr_eq(p1, p2) && Rc::ptr_eq(r1, r2)
            }
            _ => self.same_simple(other),
        }
    }

    /// Whether type variables may occur in `self`: false for the leaf types, which walks over
    /// a type skip.
    pub(crate) fn may_contain_vars(&self) -> bool {
        matches!(
            self,
            Type::Var(_) | Type::List(_) | Type::Record(_) | Type::Union(_) | Type::Function(..)
        )
    }

    /// A number per kind of type, the same for `String` and literals: a union has at most one
    /// member of each kind, except for literals.
    pub(crate) fn kind_rank(&self) -> u8 {
        match self {
            Type::Int => 0,
            Type::Bool => 1,
            Type::String | Type::Literal(_) => 2,
            Type::Null => 3,
            Type::Path => 4,
            Type::Any => 5,
            Type::List(_) => 6,
            Type::Record(_) => 7,
            Type::Union(_) => 8,
            Type::Function(..) => 9,
            Type::Var(_) => 10,
        }
    }

    /// True for types whose values are strings: `String`, a literal, or a union of literals.
    pub fn is_stringy(&self) -> bool {
        match self {
            Type::String | Type::Literal(_) => true,
            Type::Union(members) => members.iter().all(Type::is_stringy),
            _ => false,
        }
    }

    /// The literal strings of a literal type or a union containing literals.
    pub fn literals(&self) -> Vec<&str> {
        match self {
            Type::Literal(s) => vec![&**s],
            Type::Union(members) => members
                .iter()
                .filter_map(|m| match m {
                    Type::Literal(s) => Some(&**s),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// A short description of what kind of type this is, for messages ("a record", "a list").
    pub fn kind_name(&self) -> &'static str {
        match self {
            Type::Int => "an integer",
            Type::Bool => "a boolean",
            Type::String | Type::Literal(_) => "a string",
            Type::Null => "null",
            Type::Path => "a path",
            Type::Any => "a value of any type",
            Type::List(_) => "a list",
            Type::Record(_) => "a record",
            Type::Union(_) => "a union",
            Type::Function(..) => "a function",
            Type::Var(_) => "a value of unknown type",
        }
    }
}

/// Whether `name` can be written as a bare field name, or needs quotes.
pub fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '\'' | '-'))
}

/// `"text"` with the escapes of `.sbl` string syntax.
pub fn quote_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Prints a field name as it would be written in a record type.
pub fn field_name(name: &str) -> String {
    if is_plain_identifier(name) {
        name.to_string()
    } else {
        quote_string(name)
    }
}

/// How tightly the surrounding syntax binds, to decide on parentheses.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Context {
    /// Anywhere a whole type may appear.
    Top,
    /// The left side of `->`.
    FunctionParam,
    /// A member of `|`.
    UnionMember,
    /// The argument of `List`.
    ListArgument,
}

/// Prints types, naming free type variables `a`, `b`, ... in order of first appearance.
struct Printer {
    names: HashMap<TypeVar, String>,
}

impl Printer {
    fn var_name(&mut self, var: TypeVar) -> String {
        let next = self.names.len();
        self.names
            .entry(var)
            .or_insert_with(|| {
                let letter = char::from(b'a' + (next % 26) as u8);
                if next < 26 {
                    letter.to_string()
                } else {
                    format!("{letter}{}", next / 26)
                }
            })
            .clone()
    }

    fn print(&mut self, ty: &Type, context: Context, out: &mut String) {
        match ty {
            Type::Int => out.push_str("Int"),
            Type::Bool => out.push_str("Bool"),
            Type::String => out.push_str("String"),
            Type::Null => out.push_str("Null"),
            Type::Path => out.push_str("Path"),
            Type::Any => out.push_str("Any"),
            Type::Literal(s) => out.push_str(&quote_string(s)),
            Type::Var(v) => {
                let name = self.var_name(*v);
                out.push_str(&name);
            }
            Type::List(element) => {
                let parens = context == Context::ListArgument;
                if parens {
                    out.push('(');
                }
                out.push_str("List ");
                self.print(element, Context::ListArgument, out);
                if parens {
                    out.push(')');
                }
            }
            Type::Union(members) => {
                let parens = context >= Context::UnionMember;
                if parens {
                    out.push('(');
                }
                for (i, member) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" | ");
                    }
                    self.print(member, Context::UnionMember, out);
                }
                if parens {
                    out.push(')');
                }
            }
            Type::Function(param, result) => {
                let parens = context != Context::Top;
                if parens {
                    out.push('(');
                }
                self.print(param, Context::FunctionParam, out);
                out.push_str(" -> ");
                self.print(result, Context::Top, out);
                if parens {
                    out.push(')');
                }
            }
            Type::Record(record) => self.print_record(record, out),
        }
    }

    fn print_record(&mut self, record: &RecordType, out: &mut String) {
        if record.fields.is_empty() {
            out.push_str(if record.open { "{ ... }" } else { "{ }" });
            return;
        }
        out.push_str("{ ");
        for (i, (name, field)) in record.fields.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&field_name(name));
            out.push_str(if field.optional { "?: " } else { ": " });
            self.print(&field.ty, Context::Top, out);
        }
        if record.open {
            out.push_str(", ...");
        }
        out.push_str(" }");
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut printer = Printer {
            names: HashMap::new(),
        };
        let mut out = String::new();
        printer.print(self, Context::Top, &mut out);
        f.write_str(&out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(s: &str) -> Type {
        Type::Literal(s.into())
    }

    #[test]
    fn prints_in_sbl_syntax_with_minimal_parentheses() {
        let sku = Type::union([lit("Standard"), lit("Premium")]);
        let mut fields = Fields::default();
        fields.insert("name".into(), Field::required(Type::String, None));
        fields.insert(
            "sku".into(),
            Field {
                ty: sku,
                optional: true,
                span: None,
            },
        );
        let record = Type::record(RecordType { fields, open: true });
        let f = Type::function(record, Type::list(Type::list(Type::Int)));
        assert_eq!(
            f.to_string(),
            r#"{ name: String, sku?: "Standard" | "Premium", ... } -> List (List Int)"#
        );
        let higher = Type::curried(
            [Type::function(Type::Var(TypeVar(7)), Type::Var(TypeVar(3)))],
            Type::list(Type::union([Type::String, Type::Null])),
        );
        assert_eq!(higher.to_string(), "(a -> b) -> List (String | Null)");
    }

    #[test]
    fn unions_are_flat_and_absorb_literals_into_string() {
        let u = Type::union([lit("a"), Type::union([lit("b"), lit("a")])]);
        assert_eq!(u.to_string(), r#""a" | "b""#);
        assert_eq!(Type::union([lit("a"), Type::String]).to_string(), "String");
        assert_eq!(Type::union([Type::Int, Type::Any]).to_string(), "Any");
    }

    #[test]
    fn quotes_field_names_that_are_not_identifiers() {
        assert_eq!(field_name("secure-storage"), "secure-storage");
        assert_eq!(field_name("a b"), "\"a b\"");
        assert_eq!(quote_string("x${y}"), "\"x\\${y}\"");
    }
}
