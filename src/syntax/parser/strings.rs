//! Strings: `"..."` with escapes, `''...''` with Nix's indentation stripping, and quoted keys.

use std::rc::Rc;

use super::Parser;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::*;
use crate::syntax::token::TokenKind;

/// A piece of an indented string before indentation is stripped.
enum RawPart {
    Text(String),
    Interpolation(Expr),
}

impl Parser<'_> {
    pub(super) fn parse_string(&mut self) -> Expr {
        let open = self.bump();
        // Most strings are one literal, or a literal and an interpolation.
        let mut parts = Vec::with_capacity(2);
        loop {
            match &self.current().kind {
                TokenKind::StrText(text) => {
                    let text = text.clone();
                    self.bump();
                    push_part(&mut parts, StrPart::Literal(text));
                }
                TokenKind::InterpolationOpen => {
                    let expr = self.parse_interpolation();
                    push_part(&mut parts, StrPart::Interpolation(expr));
                }
                TokenKind::StrClose => {
                    self.bump();
                    break;
                }
                // Unterminated: the lexer has reported it.
                _ => break,
            }
        }
        Expr {
            kind: ExprKind::Str(parts),
            span: self.span_from(open),
        }
    }

    fn parse_interpolation(&mut self) -> Expr {
        let open = self.bump();
        let expr = self.parse_expr();
        if !self.eat(&TokenKind::InterpolationClose) {
            let found = self.current();
            let message = format!(
                "expected `}}` to close the interpolation, found {}",
                found.kind.describe()
            );
            self.push_diagnostic(
                Diagnostic::new(Code::UnclosedDelimiter, message, found.span, "expected `}`")
                    .with_label(open, "interpolation opened here"),
            );
            self.skip_until(|k| matches!(k, TokenKind::InterpolationClose | TokenKind::StrClose));
            self.eat(&TokenKind::InterpolationClose);
        }
        expr
    }

    pub(super) fn parse_indented_string(&mut self) -> Expr {
        let open = self.bump();
        let mut raw = Vec::new();
        loop {
            match &self.current().kind {
                TokenKind::IndentedText(text) => {
                    raw.push(RawPart::Text(text.to_string()));
                    self.bump();
                }
                TokenKind::InterpolationOpen => {
                    raw.push(RawPart::Interpolation(self.parse_interpolation()))
                }
                TokenKind::StrClose => {
                    self.bump();
                    break;
                }
                _ => break,
            }
        }
        let mut parts = Vec::with_capacity(raw.len());
        for part in strip_indentation(raw) {
            let part = match part {
                RawPart::Text(text) => StrPart::Literal(unescape_indented(&text).into()),
                RawPart::Interpolation(expr) => StrPart::Interpolation(expr),
            };
            push_part(&mut parts, part);
        }
        Expr {
            kind: ExprKind::Str(parts),
            span: self.span_from(open),
        }
    }

    /// A `"quoted"` field name: no interpolation allowed.
    pub(super) fn parse_quoted_key(&mut self) -> Option<Key> {
        let start = self.current().span;
        let string = self.parse_string();
        match string.kind {
            ExprKind::Str(parts) if parts.iter().all(|p| matches!(p, StrPart::Literal(_))) => {
                let name: String = parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Literal(s) => &**s,
                        StrPart::Interpolation(_) => "",
                    })
                    .collect();
                Some(Key {
                    name: name.into(),
                    span: start.to(string.span),
                })
            }
            _ => {
                self.push_diagnostic(
                    Diagnostic::new(
                        Code::UnexpectedToken,
                        "field names cannot contain interpolation",
                        string.span,
                        "computed field name",
                    )
                    .with_help("field names are fixed so that they can be checked; build computed keys with `listToAttrs`"),
                );
                None
            }
        }
    }
}

/// Appends a part to a string's, joining adjacent literals and dropping empty ones.
fn push_part(parts: &mut Vec<StrPart>, part: StrPart) {
    match (parts.last_mut(), part) {
        (_, StrPart::Literal(s)) if s.is_empty() => {}
        (Some(StrPart::Literal(prev)), StrPart::Literal(s)) => {
            *prev = Rc::from(format!("{prev}{s}"));
        }
        (_, part) => parts.push(part),
    }
}

/// Nix's rule: remove the smallest indentation of the non-blank lines from every line, drop the
/// first line if it is blank, and drop the spaces of a blank last line. An interpolation counts as
/// content of its line; escapes (`''$`, `'''`, `''\n`) count as content too, which is why this
/// runs on the raw text.
fn strip_indentation(parts: Vec<RawPart>) -> Vec<RawPart> {
    let mut min_indent = usize::MAX;
    let mut at_line_start = true;
    let mut indent = 0;
    for part in &parts {
        match part {
            RawPart::Text(text) => {
                for c in text.chars() {
                    if at_line_start && c == ' ' {
                        indent += 1;
                    } else if c == '\n' {
                        at_line_start = true;
                        indent = 0;
                    } else if at_line_start {
                        min_indent = min_indent.min(indent);
                        at_line_start = false;
                    }
                }
            }
            RawPart::Interpolation(_) => {
                if at_line_start {
                    min_indent = min_indent.min(indent);
                    at_line_start = false;
                }
            }
        }
    }
    if min_indent == usize::MAX {
        min_indent = 0;
    }
    let count = parts.len();
    let mut at_line_start = true;
    let mut out = Vec::with_capacity(count);
    for (index, part) in parts.into_iter().enumerate() {
        let RawPart::Text(text) = part else {
            at_line_start = false;
            out.push(part);
            continue;
        };
        let mut stripped = String::with_capacity(text.len());
        let mut removed = 0;
        for c in text.chars() {
            if at_line_start && c == ' ' && removed < min_indent {
                removed += 1;
                continue;
            }
            if c == '\n' {
                at_line_start = true;
                removed = 0;
            } else {
                at_line_start = false;
            }
            stripped.push(c);
        }
        if index == 0 {
            if let Some(newline) = stripped.find('\n') {
                if stripped[..newline].chars().all(|c| c == ' ' || c == '\t') {
                    stripped.drain(..=newline);
                }
            }
        }
        if index + 1 == count {
            if let Some(newline) = stripped.rfind('\n') {
                if stripped[newline + 1..]
                    .chars()
                    .all(|c| c == ' ' || c == '\t')
                {
                    stripped.truncate(newline + 1);
                }
            } else if stripped.chars().all(|c| c == ' ' || c == '\t') && count > 1 {
                stripped.clear();
            }
        }
        out.push(RawPart::Text(stripped));
    }
    out
}

/// Escapes of indented strings: `'''` is `''`, `''$` is `$`, `''\n` `''\r` `''\t` are control
/// characters and `''\x` is `x`.
fn unescape_indented(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("''") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let mut chars = after.chars();
        match chars.next() {
            Some('\'') => {
                out.push_str("''");
                rest = &after[1..];
            }
            Some('$') => {
                out.push('$');
                rest = &after[1..];
            }
            Some('\\') => {
                match chars.next() {
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some(c) => out.push(c),
                    None => {}
                }
                rest = chars.as_str();
            }
            _ => {
                out.push_str("''");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}
