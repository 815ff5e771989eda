//! Phase 5: the resource graph of the deployment (model only so far; the builder from evaluated
//! values follows).

pub mod model;

pub use model::*;
