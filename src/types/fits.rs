//! Compatibility of types: the subtyping check `fits` and the least upper bound `join`.
//!
//! `fits(found, expected)` asks whether a value of type `found` may be used where `expected` is
//! required. It *is* unification where type variables are involved (an unbound variable on
//! either side is bound to the other side), and subtyping where both sides are known:
//!
//! - `Any` fits everything and everything fits `Any` (a variable meeting `Any` becomes `Any`);
//! - a string literal type fits `String` and any union that contains it; `String` fits a union
//!   of literals too, because a computed string can only be checked against the allowed values
//!   at run time (the evaluator does that);
//! - a union fits `expected` when each of its members does; a non-union fits a union when it
//!   fits the member of the same kind (`Null` in `String | Null`);
//! - `List` is covariant, functions are contravariant in the parameter and covariant in the
//!   result;
//! - a record fits a record type when each field it has is allowed (declared, or the expected
//!   type is open) with a fitting type, and each required field of the expected type is present
//!   (or may be: a record whose own type is open is given the benefit of the doubt).
//!
//! `join(a, b)` is the type of a value that is either an `a` or a `b`: the branches of an `if`,
//! the elements of a list. Records join field by field (a field missing on one side becomes
//! optional), anything joins with `Null` into a `T | Null`, strings join into `String`.
//!
//! Failures are returned as a [`Mismatch`] (with the field path at which it occurred) for the
//! caller to turn into a diagnostic at the right span.

use std::rc::Rc;

use super::ty::{Field, Fields, RecordType, Type};
use super::vars::VarTable;
use crate::source::Span;

/// Why a type does not fit another, and where inside the types.
#[derive(Clone, Debug)]
pub struct Mismatch {
    /// Field names from the outermost record type to the place of the failure.
    pub path: Vec<Rc<str>>,
    /// Where the innermost field on `path` was written in the found value, if known.
    pub field_span: Option<Span>,
    pub kind: MismatchKind,
}

#[derive(Clone, Debug)]
pub enum MismatchKind {
    /// The two types are of different kinds, or incompatible.
    Types { expected: Type, found: Type },
    /// A record has a field that the closed record type it must fit does not declare.
    UnknownField {
        name: Rc<str>,
        /// Where the offending field was written, if known.
        found_span: Option<Span>,
        expected: Rc<RecordType>,
    },
    /// A record lacks required fields of the record type it must fit.
    MissingFields {
        names: Vec<Rc<str>>,
        expected: Rc<RecordType>,
    },
    /// Binding a variable would create an infinite type (`x: x x`).
    InfiniteType,
}

type FitResult = Result<(), Box<Mismatch>>;

fn fail(kind: MismatchKind) -> FitResult {
    Err(Box::new(Mismatch {
        path: Vec::new(),
        field_span: None,
        kind,
    }))
}

fn types(expected: &Type, found: &Type) -> FitResult {
    fail(MismatchKind::Types {
        expected: expected.clone(),
        found: found.clone(),
    })
}

fn inside(field: &Rc<str>, span: Option<Span>, result: FitResult) -> FitResult {
    result.map_err(|mut m| {
        m.path.insert(0, field.clone());
        m.field_span = m.field_span.or(span);
        m
    })
}

/// Whether a value of type `found` can be used where `expected` is required; binds type
/// variables as needed.
pub fn fits(vars: &mut VarTable, found: &Type, expected: &Type) -> FitResult {
    let (found, expected) = (vars.resolve(found), vars.resolve(expected));
    let (found, expected) = (&*found, &*expected);
    match (found, expected) {
        (Type::Any, Type::Any) => Ok(()),
        (Type::Var(v), Type::Any) | (Type::Any, Type::Var(v)) => {
            vars.bind(*v, &Type::Any);
            Ok(())
        }
        (Type::Any, _) | (_, Type::Any) => Ok(()),
        (Type::Var(v), other) | (other, Type::Var(v)) => {
            if vars.bind(*v, other) {
                Ok(())
            } else {
                fail(MismatchKind::InfiniteType)
            }
        }
        (Type::Int, Type::Int)
        | (Type::Bool, Type::Bool)
        | (Type::Null, Type::Null)
        | (Type::Path, Type::Path) => Ok(()),
        (Type::Union(members), _) => {
            // `T | Null` fits where `T` does: without flow typing the program cannot show that
            // it checked for `null`; the evaluator reports a `null` where it is not allowed.
            let non_null = members.iter().filter(|m| !matches!(m, Type::Null));
            for member in non_null {
                fits(vars, member, expected).map_err(|_| {
                    Box::new(Mismatch {
                        path: Vec::new(),
                        field_span: None,
                        kind: MismatchKind::Types {
                            expected: expected.clone(),
                            found: found.clone(),
                        },
                    })
                })?;
            }
            Ok(())
        }
        // Several members of the found value's kind (`{ a: Int } | { b: Int }`): which one is
        // meant is decided at run time.
        (_, Type::Union(members))
            if !found.is_stringy()
                && members
                    .iter()
                    .filter(|m| m.kind_rank() == found.kind_rank())
                    .count()
                    > 1 =>
        {
            Ok(())
        }
        (_, Type::Union(members)) => match same_kind_member(found, members) {
            Some(member) => fits(vars, found, &member),
            // A computed `String` against literals is checked at run time.
            None if matches!(found, Type::String) && expected.is_stringy() => Ok(()),
            None => types(expected, found),
        },
        (Type::Literal(a), Type::Literal(b)) if a != b => types(expected, found),
        // A computed `String` against a literal type is checked at run time.
        (Type::String | Type::Literal(_), Type::String | Type::Literal(_)) => Ok(()),
        (Type::List(a), Type::List(b)) => fits(vars, a, b),
        (Type::Function(p1, r1), Type::Function(p2, r2)) => {
            fits(vars, p2, p1)?;
            fits(vars, r1, r2)
        }
        (Type::Record(a), Type::Record(b)) => record_fits(vars, a, b),
        _ => types(expected, found),
    }
}

/// The member of a union that a value of type `found` would be checked against.
fn same_kind_member(found: &Type, members: &[Type]) -> Option<Type> {
    if let Type::Literal(s) = found {
        if let Some(exact) = members
            .iter()
            .find(|m| matches!(m, Type::Literal(l) if l == s))
        {
            return Some(exact.clone());
        }
        return members.iter().find(|m| matches!(m, Type::String)).cloned();
    }
    if matches!(found, Type::String) {
        return members.iter().find(|m| matches!(m, Type::String)).cloned();
    }
    members
        .iter()
        .find(|m| m.kind_rank() == found.kind_rank())
        .cloned()
}

fn record_fits(vars: &mut VarTable, found: &RecordType, expected: &Rc<RecordType>) -> FitResult {
    for (name, field) in &found.fields {
        match expected.fields.get(name) {
            Some(wanted) => inside(name, field.span, fits(vars, &field.ty, &wanted.ty))?,
            None if expected.open => {}
            None => {
                return fail(MismatchKind::UnknownField {
                    name: name.clone(),
                    found_span: field.span,
                    expected: expected.clone(),
                })
            }
        }
    }
    if !found.open {
        let missing: Vec<Rc<str>> = expected
            .fields
            .iter()
            .filter(|(name, field)| !field.optional && !found.fields.contains_key(*name))
            .map(|(name, _)| name.clone())
            .collect();
        if !missing.is_empty() {
            return fail(MismatchKind::MissingFields {
                names: missing,
                expected: expected.clone(),
            });
        }
    }
    Ok(())
}

/// The type of a value that is either an `a` or a `b`, or `None` when they have nothing in
/// common.
pub fn join(vars: &mut VarTable, a: &Type, b: &Type) -> Option<Type> {
    let (a, b) = (vars.resolve(a), vars.resolve(b));
    let (a, b) = (&*a, &*b);
    match (a, b) {
        // The fields of records of one shape: a leaf type joined with itself is itself.
        _ if !a.may_contain_vars() && a.is_identical(b) => Some(a.clone()),
        (Type::Any, _) | (_, Type::Any) => Some(Type::Any),
        (Type::Var(_), other) | (other, Type::Var(_)) => {
            fits(vars, a, b).ok()?;
            Some(other.clone())
        }
        (Type::Int, Type::Int)
        | (Type::Bool, Type::Bool)
        | (Type::Null, Type::Null)
        | (Type::Path, Type::Path) => Some(a.clone()),
        (Type::Literal(x), Type::Literal(y)) if x == y => Some(a.clone()),
        _ if a.is_stringy() && b.is_stringy() => {
            let any_string = matches!(a, Type::String) || matches!(b, Type::String);
            Some(if any_string {
                Type::String
            } else {
                Type::union([a.clone(), b.clone()])
            })
        }
        (Type::Null, _) | (_, Type::Null) | (Type::Union(_), _) | (_, Type::Union(_)) => {
            join_union(vars, a, b)
        }
        (Type::List(x), Type::List(y)) => {
            let element = join(vars, x, y)?;
            Some(if element.is_identical(x) {
                a.clone()
            } else {
                Type::list(element)
            })
        }
        (Type::Record(x), Type::Record(y)) => Some(join_records(vars, x, y)),
        (Type::Function(..), Type::Function(..)) => {
            fits(vars, b, a).ok()?;
            Some(a.clone())
        }
        _ => None,
    }
}

/// Joins where a union or `Null` is involved: each member of `b` is merged into the member of
/// `a` of the same kind, or added to the union when it is `Null` or `a` already is a union.
fn join_union(vars: &mut VarTable, a: &Type, b: &Type) -> Option<Type> {
    let members_of = |t: &Type| match t {
        Type::Union(ms) => ms.to_vec(),
        other => vec![other.clone()],
    };
    let mut result = members_of(a);
    let a_is_union = matches!(a, Type::Union(_));
    for member in members_of(b) {
        let same = result
            .iter()
            .position(|r| r.kind_rank() == member.kind_rank());
        match same {
            Some(i) => result[i] = join(vars, &result[i], &member)?,
            None if matches!(member, Type::Null) || a_is_union || matches!(a, Type::Null) => {
                result.push(member)
            }
            None => return None,
        }
    }
    // `T | Null` reads better than `Null | T`.
    result.sort_by_key(|m| matches!(m, Type::Null));
    let joined = Type::union(result);
    // `Int | String` is not a type users write: only unions with `Null` or of strings.
    match &joined {
        Type::Union(ms) => {
            let non_null = ms.iter().filter(|m| !matches!(m, Type::Null)).count();
            (non_null <= 1 || joined.is_stringy()).then_some(joined)
        }
        _ => Some(joined),
    }
}

/// Joined records with more fields than this become `{ ... }`: a list of thousands of records
/// with different field names would otherwise take quadratic time.
const MAX_JOINED_FIELDS: usize = 256;

fn join_records(vars: &mut VarTable, a: &Rc<RecordType>, b: &RecordType) -> Type {
    if a.fields.len() + b.fields.len() > MAX_JOINED_FIELDS
        && b.fields.keys().any(|k| !a.fields.contains_key(k))
    {
        return Type::open_record();
    }
    // Records built alike (the elements of a list) have the same fields in the same order:
    // their fields are then paired by position, without hashing names.
    let same_names = a.fields.len() == b.fields.len()
        && a.fields
            .keys()
            .zip(b.fields.keys())
            .all(|(x, y)| Rc::ptr_eq(x, y) || x == y);
    // `a`'s fields are copied only once a field changes: joining the elements of a list of
    // thousands of records of one shape then builds no record at all.
    let mut changed: Option<Fields> = None;
    for (i, (name, field)) in a.fields.iter().enumerate() {
        let other = if same_names {
            b.fields.get_index(i).map(|(_, other)| other)
        } else {
            b.fields.get(name)
        };
        let joined = match other {
            // Missing on one side: the field is optional, with its type.
            None if field.optional => continue,
            None => Field {
                optional: true,
                ..field.clone()
            },
            Some(other) => {
                let ty = join(vars, &field.ty, &other.ty).unwrap_or(Type::Any);
                let optional = field.optional || other.optional;
                if optional == field.optional && ty.is_identical(&field.ty) {
                    continue;
                }
                Field {
                    ty,
                    optional,
                    span: field.span,
                }
            }
        };
        changed.get_or_insert_with(|| a.fields.clone())[i] = joined;
    }
    for (name, field) in b.fields.iter().filter(|_| !same_names) {
        if !a.fields.contains_key(name) {
            changed.get_or_insert_with(|| a.fields.clone()).insert(
                name.clone(),
                Field {
                    optional: true,
                    ..field.clone()
                },
            );
        }
    }
    let open = a.open || b.open;
    match changed {
        None if open == a.open => Type::Record(a.clone()),
        changed => Type::record(RecordType {
            fields: changed.unwrap_or_else(|| a.fields.clone()),
            open,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(fields: &[(&str, Type, bool)], open: bool) -> Type {
        let fields: Fields = fields
            .iter()
            .map(|(n, t, optional)| {
                (
                    Rc::from(*n),
                    Field {
                        ty: t.clone(),
                        optional: *optional,
                        span: None,
                    },
                )
            })
            .collect();
        Type::record(RecordType { fields, open })
    }

    #[test]
    fn literals_fit_their_unions_and_string() {
        let mut vars = VarTable::default();
        let sku = Type::union([Type::Literal("A".into()), Type::Literal("B".into())]);
        assert!(fits(&mut vars, &Type::Literal("A".into()), &sku).is_ok());
        assert!(fits(&mut vars, &Type::Literal("C".into()), &sku).is_err());
        assert!(fits(&mut vars, &sku, &Type::String).is_ok());
        assert!(fits(&mut vars, &Type::String, &sku).is_ok());
        assert!(fits(&mut vars, &Type::Int, &sku).is_err());
        let nullable = Type::union([Type::String, Type::Null]);
        assert!(fits(&mut vars, &Type::Null, &nullable).is_ok());
        // Nullable values are accepted where the non-null type is (checked at run time).
        assert!(fits(&mut vars, &nullable, &Type::String).is_ok());
        assert!(fits(&mut vars, &nullable, &Type::Int).is_err());
        let two_records = Type::union([
            record(&[("a", Type::Int, false)], false),
            record(&[("b", Type::Int, false)], false),
        ]);
        let b_only = record(&[("b", Type::Int, false)], false);
        assert!(fits(&mut vars, &b_only, &two_records).is_ok());
    }

    #[test]
    fn records_check_unknown_and_missing_fields() {
        let mut vars = VarTable::default();
        let expected = record(&[("a", Type::Int, false), ("b", Type::Int, true)], false);
        let ok = record(&[("a", Type::Int, false)], false);
        assert!(fits(&mut vars, &ok, &expected).is_ok());
        let extra = record(&[("a", Type::Int, false), ("c", Type::Int, false)], false);
        let err = fits(&mut vars, &extra, &expected).unwrap_err();
        assert!(matches!(err.kind, MismatchKind::UnknownField { ref name, .. } if &**name == "c"));
        let missing = record(&[("b", Type::Int, false)], false);
        let err = fits(&mut vars, &missing, &expected).unwrap_err();
        assert!(matches!(err.kind, MismatchKind::MissingFields { .. }));
        let wrong = record(&[("a", Type::String, false)], false);
        let err = fits(&mut vars, &wrong, &expected).unwrap_err();
        assert_eq!(err.path.len(), 1);
    }

    #[test]
    fn joins_records_with_optional_fields_and_null() {
        let mut vars = VarTable::default();
        let a = record(&[("a", Type::Int, false)], false);
        let b = record(
            &[("a", Type::Int, false), ("b", Type::String, false)],
            false,
        );
        let joined = join(&mut vars, &a, &b).unwrap();
        assert_eq!(joined.to_string(), "{ a: Int, b?: String }");
        let nullable = join(&mut vars, &Type::Null, &Type::String).unwrap();
        assert_eq!(nullable.to_string(), "String | Null");
        assert!(join(&mut vars, &Type::Int, &Type::String).is_none());
        assert!(join(&mut vars, &Type::Int, &nullable).is_none());
    }
}
