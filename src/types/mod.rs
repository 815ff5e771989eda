//! Phase 3: static types.
//!
//! [`check`] type-checks every file of a loaded [`Program`], reports what is wrong as
//! diagnostics (`E03xx`), and gives the *interface* of each file: the type of its expression,
//! which is what `import` of that file has. Type checking never stops the pipeline by itself:
//! the driver decides what to do with errors.
//!
//! # The types
//!
//! ```text
//! T ::= Int | Bool | String | Null | Path | Any
//!     | List T
//!     | { name: T, opt?: T }          closed record: exactly these fields
//!     | { name: T, ... }              open record: other fields allowed
//!     | "Standard"                    string-literal type
//!     | T | T                         union (of literals, or with Null)
//!     | T -> T
//!     | a, b, ...                     type variables (in inferred types only)
//! ```
//!
//! `type X = T;` in a `let` declares an alias, visible in the whole `let`.
//!
//! # A gradual type system
//!
//! `Any` is the dynamic type: a value of type `Any` is accepted everywhere and everything is
//! accepted where `Any` is expected. Where the checker cannot decide, it accepts, and the
//! evaluator checks the annotation at run time as a contract. So the checker reports only what
//! is certainly wrong, and a program without annotations is still checked as far as inference
//! can see (wrong operand types, unknown variables, misspelt fields of records whose shape is
//! known, calls of non-functions).
//!
//! # Inference
//!
//! Types are inferred Hindley-Milner style: every unknown type is a type variable in a
//! union-find table (`vars.rs`); using a value at a type binds its variable. `let` bindings are
//! generalised (`bindings.rs`): the helper `id = x: x;` has type `a -> a` and each use of `id`
//! gets fresh variables. Builtins are polymorphic the same way (`builtins.rs`):
//! `map : (a -> b) -> List a -> List b`. The type of a file is generalised too, so a library
//! file's functions are polymorphic for every importer.
//!
//! Inference is *bidirectional* (`infer.rs`): where the expected type of an expression is known
//! (the parameter type of the function it is passed to, an annotation, a field of an expected
//! record), the expression is *checked* against it instead of inferred and compared. Checking
//! is what gives precise errors and a little subtyping:
//!
//! - a string literal checks against a union of literals by membership (`sku = "Premum"` is
//!   reported with the allowed values and "did you mean `"Premium"`"), and against `String`;
//! - a record literal checks field by field against a record type: a field the closed type
//!   does not declare is an error naming that field with "did you mean", a required field left
//!   out is an error, optional fields may be left out, each value is checked against the
//!   field's type where it is written (`records.rs`);
//! - a lambda checked against a function type takes its parameter type from it.
//!
//! Where no expected type is known, string literals infer as `String` (not as their literal
//! type), record literals as their exact closed record type, and `fits` (`fits.rs`) compares
//! the inferred type with whatever it must fit later: literals fit their unions and `String`,
//! `String` fits a literal union (checked at run time), records fit record types with the same
//! field rules as above, `List` is covariant, functions contravariant in the parameter.
//! The branches of an `if` and the elements of a list are *joined*: records with different
//! fields join into one record type whose fields missing on one side are optional, and any
//! type joins with `Null` into `T | Null`. Branches that do not join are an error; list
//! elements that do not join make a `List Any` (lists are heterogeneous, as in Nix: the
//! resource list of a deployment mixes resources and lists of resources).
//!
//! Records: `a.b` on a known closed record without `b` is an error with "did you mean";
//! `a.b or d` never reports the missing field; on an open record, `Any` or an unknown type,
//! selection gives `Any` (there is no row polymorphism; a variable selected from becomes an
//! open record `{ ... }`). A record pattern `{ a, b ? 1 }` gives a closed parameter type
//! `{ a: t, b?: Int }`, with `...` an open one. `//` of two known records is the right-biased
//! merge of their fields. `resource { ... }` has the type of the record given plus
//! `id: String`, so that the fields of a declared resource stay typed.
//!
//! `null`: there is no flow typing (`if x != null then ... x ...` does not narrow `x`), so a
//! `T | Null` is accepted wherever a `T` is, and the evaluator reports a `null` where it is not
//! allowed. A pattern field's default is an example, not a limit: `{ tags ? { } }` accepts
//! records with any fields and `{ x ? null }` anything, unless the field is annotated.
//!
//! # Errors and recovery
//!
//! An expression in error gets type `Any`, which fits everything, so one mistake is reported
//! once and not again wherever its value flows; independent mistakes (in different bindings,
//! fields, arguments) are all reported in one run. [`ExprKind::Error`] nodes (syntax errors,
//! already reported by the parser) are `Any` silently, and so are imports the loader could not
//! resolve.
//!
//! [`ExprKind::Error`]: crate::syntax::ast::ExprKind::Error
//!
//! # Performance
//!
//! Every step is near linear in the size of the program: scoped environments with O(1)
//! lookup (`env.rs`), a path-compressed union-find, level-based generalisation that never scans
//! the environment, binding groups split by an iterative Tarjan. Types are immutable trees
//! with shared children: a join that adds nothing gives back the type it started from, and the
//! walks over types skip the leaves, so that the ten thousand records of a generated file are
//! not copied again and again.
//!
//! # Modules
//!
//! - `ty.rs`: [`Type`] and its printing in `.sbl` syntax;
//! - `vars.rs`: type variables, generalisation, instantiation;
//! - `fits.rs`: the compatibility relation and joins;
//! - `env.rs`: scoped environments;
//! - `check.rs`: the checker's state and the walk over the files;
//! - `infer.rs`: expressions (infer and check);
//! - `records.rs`, `bindings.rs`, `lambda.rs`, `apply.rs`, `ops.rs`: the larger forms;
//! - `annot.rs`: type expressions and aliases;
//! - `builtins.rs`: builtin signatures;
//! - `report.rs`: wording of the diagnostics shared by several forms.

mod annot;
mod apply;
mod bindings;
mod builtins;
mod check;
mod env;
mod fits;
mod infer;
mod lambda;
mod ops;
mod records;
mod report;
mod ty;
mod vars;

use std::collections::HashMap;

pub use builtins::BUILTIN_NAMES;
pub use ty::{Field, RecordType, Type, TypeVar};

use crate::diagnostic::Diagnostic;
use crate::load::Program;
use crate::source::FileId;

/// What type checking found.
#[derive(Debug, Default)]
pub struct TypeReport {
    /// Every type error, in the order found (files in dependency order).
    pub diagnostics: Vec<Diagnostic>,
    /// The interface of each file: the generalised type of its expression.
    pub module_types: HashMap<FileId, Type>,
}

/// Type-checks every file of `program`.
pub fn check(program: &Program) -> TypeReport {
    check::Checker::new(program).run()
}

/// The type signature of a builtin, as documented (for `sblc` reference docs).
pub fn builtin_signature(name: &str) -> Option<Type> {
    builtins::signature(name, &mut vars::VarTable::default())
}
