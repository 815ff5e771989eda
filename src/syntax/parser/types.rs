//! Type expressions: `Int`, `List T`, `{ a: T, b?: T, ... }`, `"A" | "B"`, `A -> B`.

use super::Parser;
use crate::diagnostic::{Code, Diagnostic};
use crate::syntax::ast::*;
use crate::syntax::token::TokenKind;

impl Parser<'_> {
    /// type := union [`->` type]
    pub(super) fn parse_type(&mut self) -> TypeExpr {
        if self.depth >= super::MAX_DEPTH {
            let expr = self.too_deep();
            return TypeExpr {
                kind: TypeKind::Error,
                span: expr.span,
            };
        }
        self.depth += 1;
        let start = self.current().span;
        let lhs = self.parse_type_union();
        let ty = if self.eat(&TokenKind::Arrow) {
            let rhs = self.parse_type();
            TypeExpr {
                kind: TypeKind::Function(Box::new(lhs), Box::new(rhs)),
                span: self.span_from(start),
            }
        } else {
            lhs
        };
        self.depth -= 1;
        ty
    }

    /// union := application (`|` application)*
    fn parse_type_union(&mut self) -> TypeExpr {
        let start = self.current().span;
        let first = self.parse_type_application();
        if !self.at(&TokenKind::Pipe) {
            return first;
        }
        let mut members = vec![first];
        while self.eat(&TokenKind::Pipe) {
            members.push(self.parse_type_application());
        }
        TypeExpr {
            kind: TypeKind::Union(members),
            span: self.span_from(start),
        }
    }

    /// application := `List` atom | atom
    fn parse_type_application(&mut self) -> TypeExpr {
        let start = self.current().span;
        if matches!(&self.current().kind, TokenKind::Ident(name) if &**name == "List") {
            self.bump();
            let item = self.parse_type_atom();
            return TypeExpr {
                kind: TypeKind::List(Box::new(item)),
                span: self.span_from(start),
            };
        }
        self.parse_type_atom()
    }

    fn parse_type_atom(&mut self) -> TypeExpr {
        let token = self.current();
        let span = token.span;
        match &token.kind {
            TokenKind::Ident(_) => TypeExpr {
                kind: TypeKind::Named(self.bump_ident()),
                span,
            },
            TokenKind::Null => {
                self.bump();
                TypeExpr {
                    kind: TypeKind::Named(Ident {
                        name: "Null".into(),
                        span,
                    }),
                    span,
                }
            }
            TokenKind::StrOpen => match self.parse_quoted_key() {
                Some(key) => TypeExpr {
                    kind: TypeKind::StrLiteral(key.name),
                    span: key.span,
                },
                None => TypeExpr {
                    kind: TypeKind::Error,
                    span,
                },
            },
            TokenKind::LParen => {
                self.bump();
                let mut inner = self.parse_type();
                self.close(TokenKind::RParen, span, "parenthesis");
                inner.span = self.span_from(span);
                inner
            }
            TokenKind::LBrace => self.parse_record_type(),
            kind => {
                let message = format!("expected a type, found {}", kind.describe());
                self.push_diagnostic(
                    Diagnostic::new(
                        Code::UnexpectedToken,
                        message,
                        span,
                        "expected a type",
                    )
                    .with_help("types are `Int`, `Bool`, `String`, `Null`, `Path`, `Any`, `List T`, `{ field: T }`, `\"literal\"`, `A | B`, `A -> B`"),
                );
                TypeExpr {
                    kind: TypeKind::Error,
                    span,
                }
            }
        }
    }

    /// record-type := `{` [field (`,` field)*] [`,` `...`] `}`, field := key [`?`] `:` type
    fn parse_record_type(&mut self) -> TypeExpr {
        let open_span = self.bump();
        let mut fields = Vec::new();
        let mut open = false;
        loop {
            match self.current().kind {
                TokenKind::RBrace | TokenKind::Eof => break,
                TokenKind::Ellipsis => {
                    self.bump();
                    open = true;
                }
                _ => {
                    let Some(key) = self.parse_key() else {
                        self.skip_until(|k| matches!(k, TokenKind::Comma | TokenKind::RBrace));
                        if !self.eat(&TokenKind::Comma) {
                            break;
                        }
                        continue;
                    };
                    let optional = self.eat(&TokenKind::Question);
                    self.expect(TokenKind::Colon, "after the field name in a record type");
                    let ty = self.parse_type();
                    fields.push(TypeField { key, optional, ty });
                }
            }
            if !self.eat(&TokenKind::Comma) {
                break;
            }
        }
        self.close(TokenKind::RBrace, open_span, "record type");
        TypeExpr {
            kind: TypeKind::Record { fields, open },
            span: self.span_from(open_span),
        }
    }
}
