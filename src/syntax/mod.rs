//! Phase 1: text to syntax tree.
//!
//! [`lexer`] turns text into tokens (nom); [`parser`] turns tokens into an [`ast::Module`] by
//! recursive descent with Pratt-style operator precedence. Neither fails: errors become
//! diagnostics and error nodes, and parsing goes on.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod token;

use crate::diagnostic::Diagnostic;
use crate::source::FileId;

/// Parses one file. Always returns a tree; `diagnostics` lists every syntax error found.
pub fn parse(file: FileId, text: &str) -> (ast::Module, Vec<Diagnostic>) {
    let (tokens, mut diagnostics) = lexer::lex(file, text);
    let (module, parse_diagnostics) = parser::parse(file, text, &tokens);
    diagnostics.extend(parse_diagnostics);
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    (module, diagnostics)
}
