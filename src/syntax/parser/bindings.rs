//! Records, `let` bindings and function parameters.
//!
//! Both records and `let` hold a list of bindings ending in `;`. A broken binding is reported and
//! skipped up to its `;`, and a missing `;` is reported where it is missing when the next binding
//! visibly starts, so one mistake costs one diagnostic and the other bindings still parse.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;

use super::Parser;
use crate::diagnostic::{Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::*;
use crate::syntax::token::TokenKind;

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    Record,
    Let,
}

impl Parser<'_> {
    pub(super) fn parse_record(&mut self, recursive: bool) -> Expr {
        let open = self.bump();
        let bindings = self.parse_bindings(Context::Record);
        self.close(TokenKind::RBrace, open, "record");
        Expr {
            kind: ExprKind::Record {
                recursive,
                bindings,
            },
            span: self.span_from(open),
        }
    }

    /// Bindings up to `}` (records) or `in` (let).
    pub(super) fn parse_bindings(&mut self, context: Context) -> Vec<Binding> {
        let mut bindings = Vec::new();
        let mut seen = BoundNames::default();
        loop {
            match self.current().kind {
                TokenKind::Eof => break,
                TokenKind::RBrace if context == Context::Record => break,
                TokenKind::In if context == Context::Let => break,
                TokenKind::RBrace | TokenKind::RBracket | TokenKind::RParen => {
                    self.unmatched_closer();
                    self.eat(&TokenKind::Semicolon);
                    continue;
                }
                _ => {}
            }
            let before = self.pos;
            if let Some(binding) = self.parse_binding(context) {
                seen.check(&binding, self);
                bindings.push(binding);
            }
            if self.pos == before {
                // Nothing could be consumed: drop one token so that the loop always advances.
                self.bump();
            }
        }
        bindings
    }

    /// Whether the current token starts a binding: `name =`, `name.path =`, `name ::`,
    /// `"key" =`, `inherit`.
    pub(super) fn starts_binding(&self) -> bool {
        match self.current().kind {
            TokenKind::Inherit => true,
            TokenKind::Ident(_) => {
                let mut n = 1;
                loop {
                    match self.peek_kind(n) {
                        TokenKind::Assign | TokenKind::DoubleColon => return true,
                        TokenKind::Dot if matches!(self.peek_kind(n + 1), TokenKind::Ident(_)) => {
                            n += 2
                        }
                        _ => return false,
                    }
                }
            }
            _ => false,
        }
    }

    fn parse_binding(&mut self, context: Context) -> Option<Binding> {
        let start = self.current().span;
        let kind = match &self.current().kind {
            TokenKind::Inherit => self.parse_inherit(),
            TokenKind::Ident(name)
                if &**name == "type" && matches!(self.peek_kind(1), TokenKind::Ident(_)) =>
            {
                self.parse_type_alias(context)
            }
            TokenKind::Ident(_) | TokenKind::StrOpen => self.parse_field_binding()?,
            kind => {
                let message = format!(
                    "expected a binding (`name = value;`), found {}",
                    kind.describe()
                );
                self.push_diagnostic(Diagnostic::new(
                    Code::UnexpectedToken,
                    message,
                    start,
                    "expected a binding",
                ));
                self.skip_binding();
                return None;
            }
        };
        self.end_binding(context);
        Some(Binding {
            kind,
            span: self.span_from(start),
        })
    }

    fn parse_field_binding(&mut self) -> Option<BindingKind> {
        let path = self.parse_key_path();
        if path.is_empty() {
            self.skip_binding();
            return None;
        }
        let ty = self
            .eat(&TokenKind::DoubleColon)
            .then(|| Box::new(self.parse_type()));
        if !self.expect(TokenKind::Assign, "after the field name") {
            self.skip_binding();
            return None;
        }
        let value = self.parse_expr();
        Some(BindingKind::Field { path, ty, value })
    }

    fn parse_inherit(&mut self) -> BindingKind {
        self.bump();
        let source = if self.at(&TokenKind::LParen) {
            Some(self.nested(|p| p.parse_parenthesised()))
        } else {
            None
        };
        let mut names = Vec::new();
        while let TokenKind::Ident(_) = self.current().kind {
            names.push(self.bump_ident());
        }
        BindingKind::Inherit { source, names }
    }

    fn parse_type_alias(&mut self, context: Context) -> BindingKind {
        let keyword = self.bump();
        let name = self.bump_ident();
        if context == Context::Record {
            self.push_diagnostic(
                Diagnostic::new(
                    Code::TypeAliasOutsideLet,
                    format!("type alias `{}` declared in a record", name.name),
                    keyword.to(name.span),
                    "records hold values, not types",
                )
                .with_help("declare the alias in a `let` around the record"),
            );
        }
        self.expect(TokenKind::Assign, "after the name of the type alias");
        let ty = self.parse_type();
        BindingKind::TypeAlias { name, ty }
    }

    /// After a binding: `;`, or a diagnostic and resynchronisation.
    fn end_binding(&mut self, context: Context) {
        if self.eat(&TokenKind::Semicolon) {
            return;
        }
        let after_value = self.prev_end();
        let missing_at = Span::new(
            after_value.file,
            after_value.end as usize,
            after_value.end as usize,
        );
        let found = self.current();
        let closes = match found.kind {
            TokenKind::Eof => true,
            TokenKind::RBrace => context == Context::Record,
            TokenKind::In => context == Context::Let,
            _ => false,
        };
        if !closes
            && matches!(
                found.kind,
                TokenKind::RBrace | TokenKind::RBracket | TokenKind::RParen
            )
        {
            self.unmatched_closer();
            if !self.eat(&TokenKind::Semicolon) {
                self.skip_binding();
            }
            return;
        }
        if closes || self.starts_binding() {
            self.push_diagnostic(
                Diagnostic::new(
                    Code::MissingSemicolon,
                    "missing `;` after a binding",
                    missing_at,
                    "add `;` here",
                )
                .with_help("every binding in a record or `let` ends with `;`"),
            );
            return;
        }
        let message = format!(
            "expected `;` after the binding, found {}",
            found.kind.describe()
        );
        self.push_diagnostic(Diagnostic::new(
            Code::UnexpectedToken,
            message,
            found.span,
            "expected `;`",
        ));
        self.skip_binding();
    }

    /// Reports and drops a closing bracket that closes nothing here.
    fn unmatched_closer(&mut self) {
        let message = format!("unmatched {}", self.current().kind.describe());
        let span = self.bump();
        self.push_diagnostic(Diagnostic::new(
            Code::UnexpectedToken,
            message,
            span,
            "closes nothing here",
        ));
    }

    /// Skips to the end of the current binding (its `;`, consumed) or the end of the list.
    fn skip_binding(&mut self) {
        self.skip_until(|k| matches!(k, TokenKind::Semicolon | TokenKind::In));
        self.eat(&TokenKind::Semicolon);
    }

    // --- functions ---------------------------------------------------------------------------

    /// Whether the `{` at the cursor opens a record pattern (`{ a, b ? 1, ... }:`) rather than a
    /// record. Decided from the first tokens; only `{ name :: ...` needs a scan to the `}`.
    pub(super) fn brace_starts_pattern(&self) -> bool {
        match (self.peek_kind(1), self.peek_kind(2)) {
            (TokenKind::RBrace, after) => matches!(after, TokenKind::Colon | TokenKind::At),
            (TokenKind::Ellipsis, _) => true,
            (TokenKind::Ident(_), TokenKind::Comma | TokenKind::Question) => true,
            (TokenKind::Ident(_), TokenKind::RBrace) => {
                matches!(self.peek_kind(3), TokenKind::Colon | TokenKind::At)
            }
            (TokenKind::Ident(_), TokenKind::DoubleColon) => {
                self.token_after_matching_brace_is_colon()
            }
            _ => false,
        }
    }

    fn token_after_matching_brace_is_colon(&self) -> bool {
        let mut depth = 0usize;
        let mut n = 0;
        loop {
            match self.peek_kind(n) {
                TokenKind::LBrace => depth += 1,
                TokenKind::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        return matches!(self.peek_kind(n + 1), TokenKind::Colon | TokenKind::At);
                    }
                }
                TokenKind::Eof => return false,
                _ => {}
            }
            n += 1;
        }
    }

    /// lambda := name `:` expr | pattern [`@` name] `:` expr | name `@` pattern `:` expr
    pub(super) fn parse_lambda(&mut self) -> Expr {
        let start = self.current().span;
        let param = match self.current().kind {
            TokenKind::Ident(_) if matches!(self.peek_kind(1), TokenKind::At) => {
                let bind = self.bump_ident();
                self.bump(); // `@`
                if self.at(&TokenKind::LBrace) {
                    self.parse_pattern(Some(bind))
                } else {
                    self.expect(TokenKind::LBrace, "after `@` (a record pattern)");
                    Param::Name {
                        name: bind,
                        ty: None,
                    }
                }
            }
            TokenKind::Ident(_) => Param::Name {
                name: self.bump_ident(),
                ty: None,
            },
            _ => {
                let pattern = self.parse_pattern(None);
                if self.eat(&TokenKind::At) {
                    match (pattern, &self.current().kind) {
                        (
                            Param::Pattern {
                                fields, open, span, ..
                            },
                            TokenKind::Ident(_),
                        ) => Param::Pattern {
                            fields,
                            open,
                            bind: Some(self.bump_ident()),
                            span,
                        },
                        (pattern, _) => {
                            self.expect(TokenKind::Ident("name".into()), "after `@`");
                            pattern
                        }
                    }
                } else {
                    pattern
                }
            }
        };
        self.expect(TokenKind::Colon, "after the function's parameter");
        let body = self.parse_expr();
        Expr {
            kind: ExprKind::Lambda {
                param: Box::new(param),
                body: Box::new(body),
            },
            span: self.span_from(start),
        }
    }

    /// pattern := `{` [field (`,` field)*] [`,` `...`] `}`, field := name [`::` type] [`?` expr]
    fn parse_pattern(&mut self, bind: Option<Ident>) -> Param {
        let open_span = self.bump();
        let mut fields: Vec<PatternField> = Vec::new();
        let mut open = false;
        let mut seen: HashMap<Rc<str>, Span, FixedState> = HashMap::default();
        loop {
            match &self.current().kind {
                TokenKind::RBrace | TokenKind::Eof => break,
                TokenKind::Ellipsis => {
                    self.bump();
                    open = true;
                }
                TokenKind::Ident(_) => {
                    let name = self.bump_ident();
                    let ty = self.eat(&TokenKind::DoubleColon).then(|| self.parse_type());
                    let default = self.eat(&TokenKind::Question).then(|| self.parse_expr());
                    if let Some(first) = seen.insert(name.name.clone(), name.span) {
                        self.push_diagnostic(
                            Diagnostic::new(
                                Code::DuplicateParameter,
                                format!("field `{}` appears twice in the pattern", name.name),
                                name.span,
                                "named again here",
                            )
                            .with_label(first, "first named here"),
                        );
                    } else {
                        fields.push(PatternField { name, ty, default });
                    }
                }
                kind => {
                    let message = format!(
                        "expected a field name in the pattern, found {}",
                        kind.describe()
                    );
                    self.push_diagnostic(Diagnostic::new(
                        Code::UnexpectedToken,
                        message,
                        self.current().span,
                        "expected a field name",
                    ));
                    self.skip_until(|k| matches!(k, TokenKind::Comma | TokenKind::RBrace));
                }
            }
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.close(TokenKind::RBrace, open_span, "pattern");
        Param::Pattern {
            fields,
            open,
            bind,
            span: self.span_from(open_span),
        }
    }
}

/// Names bound so far in one record or `let`, to report duplicates. A path binding `a.b = ..`
/// may share its prefix `a` with other path bindings, but nothing may bind a full path twice or
/// a prefix of a path that is bound as a whole.
///
/// For each bound path: where, and whether it is bound as a whole. Single names, nearly every
/// binding, have their own map so that checking them allocates nothing. Hashed with foldhash: a
/// generated file binds thousands of names, and SipHash was a tenth of parsing it.
#[derive(Default)]
struct BoundNames {
    names: HashMap<Rc<str>, (Span, bool), FixedState>,
    paths: HashMap<Vec<Rc<str>>, (Span, bool), FixedState>,
}

impl BoundNames {
    fn check(&mut self, binding: &Binding, parser: &mut Parser<'_>) {
        match &binding.kind {
            BindingKind::Field { path, .. } => {
                if let [key] = path.as_slice() {
                    return self.bind_name(key.name.clone(), key.span, parser);
                }
                let names = path.iter().map(|k| k.name.clone()).collect();
                let span = path
                    .first()
                    .map_or(binding.span, |k| k.span.to(path[path.len() - 1].span));
                self.bind_path(names, span, parser);
            }
            BindingKind::Inherit { names, .. } => {
                for name in names {
                    self.bind_name(name.name.clone(), name.span, parser);
                }
            }
            BindingKind::TypeAlias { name, .. } => {
                let key = Rc::from(format!("type {}", name.name));
                self.bind_name(key, name.span, parser);
            }
        }
    }

    fn bind_name(&mut self, name: Rc<str>, span: Span, parser: &mut Parser<'_>) {
        match self.names.entry(name) {
            Entry::Occupied(bound) => report_duplicate(
                std::slice::from_ref(bound.key()),
                span,
                bound.get().0,
                parser,
            ),
            Entry::Vacant(free) => {
                free.insert((span, true));
            }
        }
    }

    fn bind_path(&mut self, path: Vec<Rc<str>>, span: Span, parser: &mut Parser<'_>) {
        for len in 1..path.len() {
            let prefix = &path[..len];
            match self.get(prefix) {
                Some((first, true)) => return report_duplicate(prefix, span, first, parser),
                Some((_, false)) => {}
                None if len == 1 => {
                    self.names.insert(prefix[0].clone(), (span, false));
                }
                None => {
                    self.paths.insert(prefix.to_vec(), (span, false));
                }
            }
        }
        if let Some((first, _)) = self.get(&path) {
            return report_duplicate(&path, span, first, parser);
        }
        self.paths.insert(path, (span, true));
    }

    fn get(&self, path: &[Rc<str>]) -> Option<(Span, bool)> {
        match path {
            [name] => self.names.get(name),
            _ => self.paths.get(path),
        }
        .copied()
    }
}

fn report_duplicate(path: &[Rc<str>], span: Span, first: Span, parser: &mut Parser<'_>) {
    let name = path.iter().map(|s| &**s).collect::<Vec<_>>().join(".");
    parser.push_diagnostic(
        Diagnostic::new(
            Code::DuplicateBinding,
            format!("`{name}` is bound twice"),
            span,
            "bound again here",
        )
        .with_label(first, "first bound here")
        .with_help("remove one binding; to override fields of a record, merge with `//`"),
    );
}
