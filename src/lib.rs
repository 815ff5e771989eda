//! sblc: the compiler for `.sbl`, a typed, Nix-like language for secure Azure Batch landing zones.
//!
//! The pipeline, one module per phase, data flowing one way:
//!
//! 1. [`syntax`]: lexer and parser; never fails, reports every syntax error;
//! 2. [`load`]: reads the entry file and everything it imports (files and stdlib modules);
//! 3. [`types`]: static type checking with inference;
//! 4. [`eval`]: lazy evaluation to a value;
//! 5. [`graph`]: the resource graph, with each resource's `.sbl` origin;
//! 6. [`analyse`]: security and consistency rules across resources;
//! 7. [`emit`]: ARM JSON, Bicep, parameter files, start-task scripts;
//! 8. [`deploy`] (optional): plan and apply through the Resource Manager REST API;
//!
//! [`diagnostic`] holds the one catalogue of codes and renders every diagnostic; [`driver`] runs
//! the phases in order for the command line.

pub mod analyse;
pub mod declared;
pub mod deploy;
pub mod diagnostic;
pub mod doc;
pub mod driver;
pub mod emit;
pub mod eval;
pub mod graph;
pub mod load;
pub mod output;
pub mod reference;
pub mod source;
pub mod syntax;
pub mod types;
