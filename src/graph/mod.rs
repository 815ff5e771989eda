//! Phase 5: the resource graph of the deployment.
//!
//! [`build`] turns what evaluation declared ([`crate::declared::Declared`]) into a [`Graph`]:
//! resources with symbolic references between them, inferred dependencies, parameters and
//! outputs. The analyser and the emitters read only the graph.

mod build;
pub mod model;
mod nodes;
mod symbols;

pub use build::{build, deployment_settings};
pub use model::*;
pub use nodes::key_template;
