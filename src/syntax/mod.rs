//! Phase 1: text to syntax tree.
//!
//! [`lexer`] turns text into tokens (nom); [`parser`] turns tokens into an [`ast::Module`] by
//! recursive descent with Pratt-style operator precedence. Neither fails: errors become
//! diagnostics and error nodes, and parsing goes on.

pub mod ast;
pub mod lexer;
pub mod parser;
pub mod token;

use crate::diagnostic::{Code, Diagnostic};
use crate::source::FileId;

/// Parses one file. Always returns a tree; `diagnostics` lists every syntax error found.
pub fn parse(file: FileId, text: &str) -> (ast::Module, Vec<Diagnostic>) {
    let (tokens, mut diagnostics) = lexer::lex(file, text);
    let (module, parse_diagnostics) = parser::parse(file, text, &tokens);
    // A string or comment that runs to the end of the file swallows the rest of the text; what
    // the parser then misses at the end of the file follows from it and is not reported again.
    let truncated = diagnostics
        .iter()
        .any(|d| matches!(d.code, Code::UnterminatedString | Code::UnterminatedComment));
    let at_end = |d: &Diagnostic| {
        std::iter::once(&d.primary)
            .chain(&d.secondary)
            .any(|l| l.span.end as usize >= text.len())
    };
    diagnostics.extend(
        parse_diagnostics
            .into_iter()
            .filter(|d| !(truncated && at_end(d))),
    );
    diagnostics.sort_by_key(|d| (d.primary.span.start, d.primary.span.end));
    (module, diagnostics)
}
