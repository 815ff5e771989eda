//! Parser: tokens to syntax tree, by recursive descent with Pratt-style operator precedence.
//!
//! Parsing cannot fail. Where the text does not fit the grammar, the parser reports a diagnostic,
//! puts an [`ExprKind::Error`] node in the tree, and resynchronises at the next point it
//! understands (the `;` that ends a binding, a closing bracket, `in`, `then`, `else`), so that every
//! independent syntax error in a file is reported in one run.
//!
//! Naming conventions in this module:
//! - `parse_x` parses an `x` starting at the current token and always returns a node;
//! - `at(kind)` tests the current token, `peek_kind(n)` looks `n` tokens ahead;
//! - `bump()` consumes the current token and returns its span (tokens are read in place, never
//!   cloned: their payloads are `Rc`s, and only the AST takes a share of one);
//! - `eat(kind)` consumes the token if it is `kind`, returning whether it did;
//! - `expect(kind, context)` consumes the token or reports "expected ..." without consuming;
//! - `skip_to_x` drops tokens until a synchronisation point, keeping brackets balanced.
//!
//! Nesting is bounded ([`MAX_DEPTH`]): deeper input is reported once and skipped iteratively, so
//! no input can overflow the stack here or in later phases.

mod bindings;
mod strings;
mod types;

use std::rc::Rc;

use super::ast::*;
use super::token::{Token, TokenKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// The deepest nesting of expressions accepted (brackets, operators, functions, `let`s).
pub const MAX_DEPTH: u32 = 512;

/// Parses a token stream that ends with `Eof`.
pub fn parse(file: FileId, text: &str, tokens: &[Token]) -> (Module, Vec<Diagnostic>) {
    let eof = Token {
        kind: TokenKind::Eof,
        span: Span::new(file, text.len(), text.len()),
    };
    let mut parser = Parser {
        tokens,
        eof,
        pos: 0,
        diagnostics: Vec::new(),
        depth: 0,
        reported_depth: false,
        last_error: None,
    };
    let body = parser.parse_expr();
    if !parser.at(&TokenKind::Eof) {
        let token = parser.current();
        let message = format!(
            "expected the end of the file, found {}",
            token.kind.describe()
        );
        parser.error(
            Code::UnexpectedToken,
            message,
            token.span,
            "a file holds one expression",
        );
    }
    (Module { body }, parser.diagnostics)
}

struct Parser<'t> {
    tokens: &'t [Token],
    eof: Token,
    pos: usize,
    diagnostics: Vec<Diagnostic>,
    depth: u32,
    reported_depth: bool,
    /// Start of the token the last error was reported at: one error per place.
    last_error: Option<u32>,
}

/// Binding powers of infix operators: `(left, right)`; higher binds tighter.
fn infix_power(kind: &TokenKind) -> Option<(u8, u8, BinOp)> {
    use TokenKind as T;
    // Levels from LANGUAGE-NOTES.md; left-assoc (2L, 2L+1), right-assoc (2L+1, 2L).
    Some(match kind {
        T::OrOr => (2, 3, BinOp::Or),
        T::And => (4, 5, BinOp::And),
        T::Eq => (6, 7, BinOp::Eq),
        T::NotEq => (6, 7, BinOp::NotEq),
        T::Less => (8, 9, BinOp::Less),
        T::LessEq => (8, 9, BinOp::LessEq),
        T::Greater => (8, 9, BinOp::Greater),
        T::GreaterEq => (8, 9, BinOp::GreaterEq),
        T::Update => (11, 10, BinOp::Update),
        T::Plus => (14, 15, BinOp::Add),
        T::Minus => (14, 15, BinOp::Sub),
        T::Star => (16, 17, BinOp::Mul),
        T::Slash => (16, 17, BinOp::Div),
        T::Concat => (19, 18, BinOp::Concat),
        _ => return None,
    })
}

/// Binding power of the operand of prefix `!` (binds looser than `+`, as in Nix).
const NOT_OPERAND_POWER: u8 = 12;
/// Binding power of `?` (tighter than `++`, looser than unary minus).
const HAS_FIELD_POWER: u8 = 20;
/// Operand of unary minus: an application or tighter.
const NEG_OPERAND_POWER: u8 = 22;

fn is_non_associative(op: BinOp) -> bool {
    matches!(
        op,
        BinOp::Eq | BinOp::NotEq | BinOp::Less | BinOp::LessEq | BinOp::Greater | BinOp::GreaterEq
    )
}

impl<'t> Parser<'t> {
    // --- token cursor ------------------------------------------------------------------------

    fn current(&self) -> &Token {
        self.tokens.get(self.pos).unwrap_or(&self.eof)
    }

    fn peek_kind(&self, n: usize) -> &TokenKind {
        &self.tokens.get(self.pos + n).unwrap_or(&self.eof).kind
    }

    /// Whether the current token is of the same kind as `kind`. Payloads are not compared: the
    /// parser only asks for tokens without one.
    fn at(&self, kind: &TokenKind) -> bool {
        std::mem::discriminant(&self.current().kind) == std::mem::discriminant(kind)
    }

    /// Consumes the current token, unless it is the final `Eof`; returns its span.
    fn bump(&mut self) -> Span {
        let token = self.current();
        let span = token.span;
        if self.pos < self.tokens.len() && !matches!(token.kind, TokenKind::Eof) {
            self.pos += 1;
        }
        span
    }

    /// Consumes the current token, a name, as an [`Ident`].
    fn bump_ident(&mut self) -> Ident {
        let ident = ident_of(self.current());
        self.bump();
        ident
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        if self.at(kind) {
            self.bump();
            true
        } else {
            false
        }
    }

    /// End of the last consumed token (for spans).
    fn prev_end(&self) -> Span {
        match self.pos.checked_sub(1).and_then(|i| self.tokens.get(i)) {
            Some(t) => t.span,
            None => Span::new(self.eof.span.file, 0, 0),
        }
    }

    fn span_from(&self, start: Span) -> Span {
        let end = self.prev_end();
        if end.end < start.start {
            start
        } else {
            start.to(end)
        }
    }

    fn expect(&mut self, kind: TokenKind, context: &str) -> bool {
        if self.eat(&kind) {
            return true;
        }
        let found = self.current();
        let message = format!(
            "expected `{}` {context}, found {}",
            kind.text(),
            found.kind.describe()
        );
        self.error(
            Code::UnexpectedToken,
            message,
            found.span,
            format!("expected `{}`", kind.text()),
        );
        false
    }

    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) {
        self.push_diagnostic(Diagnostic::new(code, message, span, label));
    }

    fn push_diagnostic(&mut self, diagnostic: Diagnostic) {
        if self.last_error == Some(diagnostic.primary.span.start) {
            return;
        }
        self.last_error = Some(diagnostic.primary.span.start);
        self.diagnostics.push(diagnostic);
    }

    fn error_node(&self, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Error,
            span,
        }
    }

    /// Drops tokens until `stop` holds for a token outside any bracket opened while skipping,
    /// or a closing bracket of an enclosing construct. Returns the span skipped.
    fn skip_until(&mut self, stop: impl Fn(&TokenKind) -> bool) -> Span {
        let start = self.current().span;
        let mut nesting = 0usize;
        loop {
            let kind = &self.current().kind;
            if *kind == TokenKind::Eof {
                break;
            }
            if nesting == 0 && stop(kind) {
                break;
            }
            match kind {
                TokenKind::LBrace
                | TokenKind::LBracket
                | TokenKind::LParen
                | TokenKind::InterpolationOpen
                | TokenKind::StrOpen
                | TokenKind::IndentedStrOpen => nesting += 1,
                TokenKind::RBrace
                | TokenKind::RBracket
                | TokenKind::RParen
                | TokenKind::InterpolationClose
                | TokenKind::StrClose => {
                    if nesting == 0 {
                        break;
                    }
                    nesting -= 1;
                }
                _ => {}
            }
            self.bump();
        }
        self.span_from(start)
    }

    // --- nesting guard -----------------------------------------------------------------------

    /// Runs `f` one level deeper, or reports and skips when the input nests too deeply.
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> Expr) -> Expr {
        if self.depth >= MAX_DEPTH {
            return self.too_deep();
        }
        self.depth += 1;
        let expr = f(self);
        self.depth -= 1;
        expr
    }

    fn too_deep(&mut self) -> Expr {
        let start = self.current().span;
        let skipped = self.skip_until(|k| {
            matches!(
                k,
                TokenKind::Semicolon
                    | TokenKind::In
                    | TokenKind::Then
                    | TokenKind::Else
                    | TokenKind::Comma
            )
        });
        if !self.reported_depth {
            self.reported_depth = true;
            self.push_diagnostic(
                Diagnostic::new(
                    Code::NestingTooDeep,
                    format!("expression nested more than {MAX_DEPTH} levels deep"),
                    start,
                    "nesting goes past the limit here",
                )
                .with_help("flatten the expression, or build it with `let` bindings"),
            );
        }
        self.error_node(start.to(skipped))
    }

    // --- expressions -------------------------------------------------------------------------

    /// expr := let | if | assert | lambda | operators [`::` type]
    fn parse_expr(&mut self) -> Expr {
        self.nested(|p| {
            let start = p.current().span;
            let expr = match p.current().kind {
                TokenKind::Let => p.parse_let(),
                TokenKind::If => p.parse_if(),
                TokenKind::Assert => p.parse_assert(),
                TokenKind::Ident(_)
                    if matches!(p.peek_kind(1), TokenKind::Colon | TokenKind::At) =>
                {
                    p.parse_lambda()
                }
                TokenKind::Ident(_) if matches!(p.peek_kind(1), TokenKind::DoubleColon) => {
                    p.parse_annotated_name_or_lambda()
                }
                TokenKind::LBrace if p.brace_starts_pattern() => p.parse_lambda(),
                _ => p.parse_operators(0),
            };
            if p.at(&TokenKind::DoubleColon) {
                p.bump();
                let ty = p.parse_type();
                let span = p.span_from(start);
                return Expr {
                    kind: ExprKind::Annotated {
                        expr: Box::new(expr),
                        ty: Box::new(ty),
                    },
                    span,
                };
            }
            expr
        })
    }

    fn parse_let(&mut self) -> Expr {
        let start = self.bump();
        let bindings = self.parse_bindings(bindings::Context::Let);
        self.expect(TokenKind::In, "after the bindings of `let`");
        let body = self.parse_expr();
        Expr {
            kind: ExprKind::Let {
                bindings,
                body: Box::new(body),
            },
            span: self.span_from(start),
        }
    }

    fn parse_if(&mut self) -> Expr {
        let start = self.bump();
        let cond = self.parse_expr();
        self.expect(TokenKind::Then, "after the condition of `if`");
        let then_branch = self.parse_expr();
        self.expect(
            TokenKind::Else,
            "after the `then` branch (every `if` has an `else`)",
        );
        let else_branch = self.parse_expr();
        Expr {
            kind: ExprKind::If {
                cond: Box::new(cond),
                then_branch: Box::new(then_branch),
                else_branch: Box::new(else_branch),
            },
            span: self.span_from(start),
        }
    }

    fn parse_assert(&mut self) -> Expr {
        let start = self.bump();
        let cond = self.parse_expr();
        let message = self
            .eat(&TokenKind::Comma)
            .then(|| Box::new(self.parse_expr()));
        if !self.expect(TokenKind::Semicolon, "after the condition of `assert`") {
            self.skip_until(|k| matches!(k, TokenKind::Semicolon));
            self.eat(&TokenKind::Semicolon);
        }
        let body = self.parse_expr();
        Expr {
            kind: ExprKind::Assert {
                cond: Box::new(cond),
                message,
                body: Box::new(body),
            },
            span: self.span_from(start),
        }
    }

    /// `x :: T: body` is a function; `x :: T` alone is an annotated variable.
    fn parse_annotated_name_or_lambda(&mut self) -> Expr {
        let name = self.bump_ident();
        let start = name.span;
        self.bump(); // `::`
        let ty = self.parse_type();
        let var = Expr {
            kind: ExprKind::Var(name.clone()),
            span: start,
        };
        if self.eat(&TokenKind::Colon) {
            let body = self.parse_expr();
            return Expr {
                kind: ExprKind::Lambda {
                    param: Box::new(Param::Name { name, ty: Some(ty) }),
                    body: Box::new(body),
                },
                span: self.span_from(start),
            };
        }
        Expr {
            kind: ExprKind::Annotated {
                expr: Box::new(var),
                ty: Box::new(ty),
            },
            span: self.span_from(start),
        }
    }

    /// Pratt loop over infix operators whose left binding power is at least `min_power`.
    fn parse_operators(&mut self, min_power: u8) -> Expr {
        let start = self.current().span;
        let mut lhs = match self.current().kind {
            TokenKind::Not => {
                self.bump();
                let operand = self.nested(|p| p.parse_operators(NOT_OPERAND_POWER));
                self.unary(UnaryOp::Not, operand, start)
            }
            TokenKind::Minus => {
                self.bump();
                let operand = self.nested(|p| p.parse_operators(NEG_OPERAND_POWER));
                self.unary(UnaryOp::Neg, operand, start)
            }
            _ => self.parse_application(),
        };
        let depth_before = self.depth;
        let mut last_non_assoc: Option<(u8, BinOp)> = None;
        loop {
            if self.at(&TokenKind::Question) && HAS_FIELD_POWER >= min_power {
                self.bump();
                let path = self.parse_key_path();
                lhs = Expr {
                    span: self.span_from(start),
                    kind: ExprKind::HasField {
                        target: Box::new(lhs),
                        path,
                    },
                };
                continue;
            }
            let Some((left, right, op)) = infix_power(&self.current().kind) else {
                break;
            };
            if left < min_power {
                break;
            }
            let op_span = self.bump();
            if is_non_associative(op) {
                if let Some((_, previous)) = last_non_assoc.filter(|(power, _)| *power == left) {
                    self.push_diagnostic(
                        Diagnostic::new(
                            Code::ChainedComparison,
                            format!(
                                "`{}` cannot follow `{}` without parentheses",
                                op.as_str(),
                                previous.as_str()
                            ),
                            op_span,
                            "second comparison",
                        )
                        .with_help("combine the comparisons with `&&`, e.g. `a < b && b < c`"),
                    );
                }
                last_non_assoc = Some((left, op));
            }
            if self.depth >= MAX_DEPTH {
                self.depth = depth_before;
                let rest = self.too_deep();
                return self.error_node(start.to(rest.span));
            }
            self.depth += 1;
            let rhs = self.parse_operators(right);
            lhs = Expr {
                span: self.span_from(start),
                kind: ExprKind::Binary {
                    op,
                    op_span,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            };
        }
        self.depth = depth_before;
        lhs
    }

    fn unary(&mut self, op: UnaryOp, operand: Expr, start: Span) -> Expr {
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
        }
    }

    /// application := select select*
    fn parse_application(&mut self) -> Expr {
        let start = self.current().span;
        let mut func = self.parse_select();
        let depth_before = self.depth;
        while self.starts_argument() {
            if self.depth >= MAX_DEPTH {
                self.depth = depth_before;
                let rest = self.too_deep();
                return self.error_node(start.to(rest.span));
            }
            self.depth += 1;
            let arg = self.parse_select();
            func = Expr {
                span: self.span_from(start),
                kind: ExprKind::Apply {
                    func: Box::new(func),
                    arg: Box::new(arg),
                },
            };
        }
        self.depth = depth_before;
        func
    }

    /// Whether the current token can start an argument of an application. A name followed by `=`
    /// (or by a key path and `=`) starts the next binding after a missing `;`, not an argument.
    fn starts_argument(&self) -> bool {
        match self.current().kind {
            TokenKind::Ident(_) => {
                !self.starts_binding()
                    && !matches!(self.peek_kind(1), TokenKind::Colon | TokenKind::At)
            }
            TokenKind::Int(_)
            | TokenKind::Path(_)
            | TokenKind::StrOpen
            | TokenKind::IndentedStrOpen
            | TokenKind::LBracket
            | TokenKind::LParen
            | TokenKind::True
            | TokenKind::False
            | TokenKind::Null
            | TokenKind::Rec
            | TokenKind::Import => true,
            TokenKind::LBrace => !self.brace_starts_pattern(),
            _ => false,
        }
    }

    /// select := atom (`.` key)* [`or` select]
    fn parse_select(&mut self) -> Expr {
        let start = self.current().span;
        let target = self.parse_atom();
        if !self.at(&TokenKind::Dot) {
            return target;
        }
        // Most selections are a single field.
        let mut path = Vec::with_capacity(1);
        while self.eat(&TokenKind::Dot) {
            match self.parse_key() {
                Some(key) => path.push(key),
                None => break,
            }
        }
        let default = self
            .eat(&TokenKind::Or)
            .then(|| Box::new(self.nested(|p| p.parse_select())));
        Expr {
            span: self.span_from(start),
            kind: ExprKind::Select {
                target: Box::new(target),
                path,
                default,
            },
        }
    }

    fn parse_atom(&mut self) -> Expr {
        let token = self.current();
        let span = token.span;
        let simple = |kind| Expr { kind, span };
        match &token.kind {
            TokenKind::Int(n) => {
                let n = *n;
                self.bump();
                simple(ExprKind::Int(n))
            }
            TokenKind::True | TokenKind::False => {
                let value = token.kind == TokenKind::True;
                self.bump();
                simple(ExprKind::Bool(value))
            }
            TokenKind::Null => {
                self.bump();
                simple(ExprKind::Null)
            }
            TokenKind::Path(p) => {
                let path = p.clone();
                self.bump();
                simple(ExprKind::Path(path))
            }
            TokenKind::Ident(_) => simple(ExprKind::Var(self.bump_ident())),
            TokenKind::StrOpen => self.parse_string(),
            TokenKind::IndentedStrOpen => self.parse_indented_string(),
            TokenKind::LBracket => self.nested(|p| p.parse_list()),
            TokenKind::LBrace => self.nested(|p| p.parse_record(false)),
            TokenKind::Rec => {
                self.bump();
                if self.at(&TokenKind::LBrace) {
                    let mut record = self.nested(|p| p.parse_record(true));
                    record.span = span.to(record.span);
                    record
                } else {
                    self.expect(TokenKind::LBrace, "after `rec`");
                    self.error_node(span)
                }
            }
            TokenKind::LParen => self.nested(|p| p.parse_parenthesised()),
            TokenKind::Import => self.parse_import(),
            TokenKind::Let | TokenKind::If | TokenKind::Assert => {
                let message = format!(
                    "`{}` cannot appear here without parentheses",
                    token.kind.text()
                );
                self.push_diagnostic(
                    Diagnostic::new(Code::ExpectedExpression, message, span, "needs parentheses")
                        .with_help("wrap it in parentheses: `( ... )`"),
                );
                self.nested(|p| p.parse_expr())
            }
            kind => {
                let message = format!("expected an expression, found {}", kind.describe());
                let skip = !is_closing_or_separator(kind);
                self.push_diagnostic(Diagnostic::new(
                    Code::ExpectedExpression,
                    message,
                    span,
                    "expected an expression here",
                ));
                if skip {
                    self.bump();
                }
                self.error_node(span)
            }
        }
    }

    fn parse_parenthesised(&mut self) -> Expr {
        let open = self.bump();
        let mut inner = self.parse_expr();
        self.close(TokenKind::RParen, open, "parenthesis");
        inner.span = self.span_from(open);
        inner
    }

    /// Consumes the closing delimiter of something opened at `open`, or reports it missing.
    fn close(&mut self, closer: TokenKind, open: Span, what: &str) {
        if self.eat(&closer) {
            return;
        }
        let found = self.current();
        let diagnostic = if found.kind == TokenKind::Eof {
            Diagnostic::new(
                Code::UnclosedDelimiter,
                format!("unclosed {what}"),
                open,
                format!("this {what} is never closed"),
            )
            .with_label(
                found.span,
                format!("expected `{}` before the end of the file", closer.text()),
            )
        } else {
            Diagnostic::new(
                Code::UnexpectedToken,
                format!(
                    "expected `{}`, found {}",
                    closer.text(),
                    found.kind.describe()
                ),
                found.span,
                format!("expected `{}`", closer.text()),
            )
            .with_label(open, format!("to close this {what}"))
        };
        self.push_diagnostic(diagnostic);
        self.skip_until(|k| *k == closer);
        self.eat(&closer);
    }

    fn parse_list(&mut self) -> Expr {
        let open = self.bump();
        let mut items = Vec::new();
        loop {
            match self.current().kind {
                TokenKind::RBracket | TokenKind::Eof => break,
                TokenKind::RBrace | TokenKind::RParen | TokenKind::In | TokenKind::Semicolon
                    if !self.starts_argument() =>
                {
                    break
                }
                _ if self.starts_argument() => items.push(self.parse_select()),
                ref kind => {
                    let message = format!("{} cannot be a list element", kind.describe());
                    let span = self.bump();
                    self.push_diagnostic(
                        Diagnostic::new(
                            Code::UnexpectedToken,
                            message,
                            span,
                            "not a list element",
                        )
                        .with_help("list elements are separated by spaces; wrap operators and function calls in parentheses: `[ (f x) (a + b) ]`"),
                    );
                }
            }
        }
        self.close(TokenKind::RBracket, open, "list");
        Expr {
            kind: ExprKind::List(items),
            span: self.span_from(open),
        }
    }

    fn parse_import(&mut self) -> Expr {
        let start = self.bump();
        let token = self.current();
        let target = match &token.kind {
            TokenKind::Path(path) => Some(ImportTarget::File {
                path: path.clone(),
                span: token.span,
            }),
            TokenKind::StdlibPath(name) => Some(ImportTarget::Stdlib {
                name: name.clone(),
                span: token.span,
            }),
            _ => None,
        };
        match target {
            Some(target) => {
                self.bump();
                Expr {
                    kind: ExprKind::Import(target),
                    span: self.span_from(start),
                }
            }
            None => {
                let message = format!(
                    "`import` needs a path or a stdlib module, found {}",
                    token.kind.describe()
                );
                self.push_diagnostic(
                    Diagnostic::new(
                        Code::InvalidImportTarget,
                        message,
                        token.span,
                        "not a literal path",
                    )
                    .with_help("write the path literally (`import ./network.sbl`) or name a stdlib module (`import <batch>`)"),
                );
                if self.starts_argument() {
                    self.parse_select();
                }
                self.error_node(self.span_from(start))
            }
        }
    }

    /// key := name | "string"
    fn parse_key(&mut self) -> Option<Key> {
        let token = self.current();
        match &token.kind {
            TokenKind::Ident(_) => {
                let Ident { name, span } = self.bump_ident();
                Some(Key { name, span })
            }
            TokenKind::StrOpen => self.parse_quoted_key(),
            kind => {
                let message = format!("expected a field name, found {}", kind.describe());
                self.push_diagnostic(Diagnostic::new(
                    Code::UnexpectedToken,
                    message,
                    token.span,
                    "expected a field name",
                ));
                None
            }
        }
    }

    fn parse_key_path(&mut self) -> Vec<Key> {
        // Most paths are a single name.
        let mut path = Vec::with_capacity(1);
        if let Some(key) = self.parse_key() {
            path.push(key);
            while self.eat(&TokenKind::Dot) {
                match self.parse_key() {
                    Some(key) => path.push(key),
                    None => break,
                }
            }
        }
        path
    }
}

fn ident_of(token: &Token) -> Ident {
    let name: Rc<str> = match &token.kind {
        TokenKind::Ident(name) => name.clone(),
        other => other.text().into(),
    };
    Ident {
        name,
        span: token.span,
    }
}

fn is_closing_or_separator(kind: &TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::RBrace
            | TokenKind::RBracket
            | TokenKind::RParen
            | TokenKind::Semicolon
            | TokenKind::Comma
            | TokenKind::In
            | TokenKind::Then
            | TokenKind::Else
            | TokenKind::InterpolationClose
            | TokenKind::StrClose
            | TokenKind::Eof
    )
}
