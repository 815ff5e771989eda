//! What evaluation hands to the resource-graph phase: the program's value and every resource and
//! parameter it declared, in the order they were declared (forced).
//!
//! This sits between the two phases so that neither imports the other. Values are deeply forced
//! JSON whose strings may hold [`crate::reference`] tokens.

use serde_json::{Map, Value};

use crate::source::Span;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Declared {
    /// The value of the entry file, deeply forced.
    pub value: Value,
    /// Every `resource { ... }` evaluated; the position is the index that tokens name.
    pub resources: Vec<DeclaredResource>,
    /// Every `param { ... }` evaluated.
    pub parameters: Vec<DeclaredParameter>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredResource {
    /// The record given to `resource`, deeply forced.
    pub spec: Map<String, Value>,
    /// Where `resource` was applied, then the call sites that led there, innermost first.
    pub trace: Vec<Span>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DeclaredParameter {
    /// The record given to `param`, deeply forced.
    pub spec: Map<String, Value>,
    pub trace: Vec<Span>,
}
