//! Run-time contracts for type annotations.
//!
//! `e :: T`, `port :: Int = 80;`, `x :: Int: body` and `{ name :: String }: body` check their
//! value against `T` when the value is forced, not before: a contract never makes evaluation
//! stricter than the program without it. Checking a value looks at its outermost constructor
//! only; the parts of a list or record are wrapped in checked thunks (see
//! [`super::value::Checked`]) that check themselves when, and if, they are forced. So
//! `xs :: List Int` costs nothing for items nobody reads, and an error names the exact place in
//! the value (`.nodes[2].size`) along with the annotation that required it.
//!
//! Function types are checked to be functions; arguments and results are not wrapped.

use std::fmt;
use std::rc::Rc;

use super::error::{fail, Fallible};
use super::symbol::Sym;
use super::value::{Checked, Record, State, Thunk, Value};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::Span;

/// A type, as a check on values.
pub enum Contract {
    Any,
    Int,
    Bool,
    String,
    Null,
    Path,
    Function,
    /// `"Standard"`: exactly this string.
    Literal(Rc<str>),
    List(Rc<Contract>),
    Record {
        fields: Vec<FieldContract>,
        open: bool,
    },
    Union(Vec<Rc<Contract>>),
}

pub struct FieldContract {
    pub name: Sym,
    pub optional: bool,
    pub contract: Rc<Contract>,
}

/// Where a contract applies: the value's expression and the annotation.
pub struct ContractSite {
    pub value: Span,
    pub annotation: Span,
}

/// Where inside the annotated value a part lives: `.nodes[2].size`. Built only as parts are
/// wrapped, rendered only on error.
pub enum ContractPath {
    Root,
    Field(Rc<ContractPath>, Sym),
    Item(Rc<ContractPath>, usize),
}

impl ContractPath {
    fn render(&self, out: &mut String) {
        match self {
            ContractPath::Root => {}
            ContractPath::Field(parent, name) => {
                parent.render(out);
                out.push('.');
                out.push_str(&name.name());
            }
            ContractPath::Item(parent, index) => {
                parent.render(out);
                out.push_str(&format!("[{index}]"));
            }
        }
    }
}

impl Contract {
    fn is_any(&self) -> bool {
        matches!(self, Contract::Any)
    }

    /// Whether the outermost constructor of `value` fits (parts are not looked at).
    fn admits_shallow(&self, value: &Value) -> bool {
        match (self, value) {
            (Contract::Any, _)
            | (Contract::Int, Value::Int(_))
            | (Contract::Bool, Value::Bool(_))
            | (Contract::String, Value::Str(_))
            | (Contract::Null, Value::Null)
            | (Contract::Path, Value::Path(_))
            | (Contract::Function, Value::Function(_))
            | (Contract::List(_), Value::List(_))
            | (Contract::Record { .. }, Value::Record(_)) => true,
            (Contract::Literal(expected), Value::Str(s)) => expected == s,
            (Contract::Union(alternatives), _) => {
                alternatives.iter().any(|alt| alt.admits_shallow(value))
            }
            _ => false,
        }
    }

    /// The string literals this type allows, if it is a union of literals (maybe with `Null`).
    fn literals(&self) -> Vec<&str> {
        match self {
            Contract::Literal(s) => vec![s],
            Contract::Union(alternatives) => {
                alternatives.iter().flat_map(|alt| alt.literals()).collect()
            }
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Contract {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Contract::Any => f.write_str("Any"),
            Contract::Int => f.write_str("Int"),
            Contract::Bool => f.write_str("Bool"),
            Contract::String => f.write_str("String"),
            Contract::Null => f.write_str("Null"),
            Contract::Path => f.write_str("Path"),
            Contract::Function => f.write_str("function"),
            Contract::Literal(s) => write!(f, "{s:?}"),
            Contract::List(item) => match &**item {
                Contract::Union(_) => write!(f, "List ({item})"),
                _ => write!(f, "List {item}"),
            },
            Contract::Record { fields, open } => {
                f.write_str("{ ")?;
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    let mark = if field.optional { "?" } else { "" };
                    write!(f, "{}{mark}: {}", field.name, field.contract)?;
                }
                if *open {
                    f.write_str(if fields.is_empty() { "..." } else { ", ..." })?;
                }
                f.write_str(" }")
            }
            Contract::Union(alternatives) => {
                for (i, alt) in alternatives.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{alt}")?;
                }
                Ok(())
            }
        }
    }
}

/// Checks the outermost constructor of `value` against `contract` and wraps its parts so they
/// check themselves when forced. Returns the value to use in place of `value`.
pub fn check(
    value: Value,
    contract: &Rc<Contract>,
    site: &Rc<ContractSite>,
    path: &Rc<ContractPath>,
) -> Fallible<Value> {
    match &**contract {
        Contract::Any => Ok(value),
        Contract::Union(alternatives) => {
            match alternatives.iter().find(|alt| alt.admits_shallow(&value)) {
                Some(alt) => check(value, alt, site, path),
                None => violation(&value, contract, site, path),
            }
        }
        Contract::List(item) => match &value {
            Value::List(items) if !item.is_any() => {
                let wrapped = items
                    .iter()
                    .enumerate()
                    .map(|(i, t)| {
                        wrap(
                            t.clone(),
                            item,
                            site,
                            Rc::new(ContractPath::Item(path.clone(), i)),
                        )
                    })
                    .collect();
                Ok(Value::list(wrapped))
            }
            Value::List(_) => Ok(value),
            _ => violation(&value, contract, site, path),
        },
        Contract::Record { fields, open } => match &value {
            Value::Record(record) => check_record(record, fields, *open, contract, site, path),
            _ => violation(&value, contract, site, path),
        },
        _ if contract.admits_shallow(&value) => Ok(value),
        _ => violation(&value, contract, site, path),
    }
}

/// A thunk that checks `inner` against `contract` when forced.
pub fn wrap(
    inner: Thunk,
    contract: &Rc<Contract>,
    site: &Rc<ContractSite>,
    path: Rc<ContractPath>,
) -> Thunk {
    if contract.is_any() {
        return inner;
    }
    Thunk::lazy(State::Checked(Box::new(Checked {
        inner,
        contract: contract.clone(),
        site: site.clone(),
        path,
    })))
}

fn check_record(
    record: &Rc<Record>,
    fields: &[FieldContract],
    open: bool,
    contract: &Rc<Contract>,
    site: &Rc<ContractSite>,
    path: &Rc<ContractPath>,
) -> Fallible<Value> {
    if !open {
        if let Some(unknown) = record
            .syms()
            .find(|name| !fields.iter().any(|f| f.name == *name))
        {
            let unknown = unknown.name();
            let allowed: Vec<Rc<str>> = fields.iter().map(|f| f.name.name()).collect();
            let mut d = diagnostic(
                format!("unknown field `{unknown}`{}", at(path)),
                contract,
                site,
            );
            d = match did_you_mean(&unknown, allowed.iter().map(|s| &**s)) {
                Some(best) => d.with_help(format!("did you mean `{best}`?")),
                None => d.with_help(format!(
                    "the fields allowed are: {}",
                    allowed
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            return fail(d);
        }
    }
    if let Some(missing) = fields
        .iter()
        .find(|f| !f.optional && record.get_sym(f.name).is_none())
    {
        let d = diagnostic(
            format!("missing field `{}`{}", missing.name, at(path)),
            contract,
            site,
        )
        .with_help(format!(
            "add `{} = ...;`, or mark it optional in the type (`{}?: ...`)",
            missing.name, missing.name
        ));
        return fail(d);
    }
    if fields.iter().all(|f| f.contract.is_any()) {
        return Ok(Value::Record(record.clone()));
    }
    let mut checked = (**record).clone();
    for field in fields {
        if let Some(thunk) = checked.fields.get_mut(&field.name) {
            let inner = thunk.clone();
            *thunk = wrap(
                inner,
                &field.contract,
                site,
                Rc::new(ContractPath::Field(path.clone(), field.name)),
            );
        }
    }
    Ok(Value::Record(Rc::new(checked)))
}

fn at(path: &ContractPath) -> String {
    let mut rendered = String::new();
    path.render(&mut rendered);
    if rendered.is_empty() {
        rendered
    } else {
        format!(" at `{rendered}`")
    }
}

fn diagnostic(message: String, contract: &Contract, site: &ContractSite) -> Diagnostic {
    Diagnostic::new(
        Code::ContractViolated,
        message,
        site.value,
        "this value does not match its type",
    )
    .with_label(
        site.annotation,
        format!("expected `{contract}` because of this annotation"),
    )
}

fn violation<T>(
    value: &Value,
    contract: &Contract,
    site: &ContractSite,
    path: &ContractPath,
) -> Fallible<T> {
    let literals = contract.literals();
    if let (Value::Str(s), false) = (value, literals.is_empty()) {
        let mut d = diagnostic(
            format!(
                "\"{s}\" is not one of {}{}",
                literals
                    .iter()
                    .map(|l| format!("\"{l}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                at(path)
            ),
            contract,
            site,
        );
        if let Some(best) = did_you_mean(s, literals.iter().copied()) {
            d = d.with_help(format!("did you mean \"{best}\"?"));
        }
        return fail(d);
    }
    let found = match value {
        Value::Str(s) => format!("the String \"{s}\""),
        Value::Int(n) => format!("the Int {n}"),
        Value::Bool(b) => format!("the Bool {b}"),
        other => super::error::a(other.type_name()),
    };
    fail(diagnostic(
        format!("expected `{contract}`{}, found {found}", at(path)),
        contract,
        site,
    ))
}
