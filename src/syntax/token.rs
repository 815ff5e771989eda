//! Tokens produced by the lexer.

use std::rc::Rc;

use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokenKind {
    Int(i64),
    Ident(Rc<str>),
    /// `./a/b.sbl` or `../x` (relative paths only).
    Path(Rc<str>),
    /// `<batch>`.
    StdlibPath(Rc<str>),
    // Keywords.
    Let,
    In,
    If,
    Then,
    Else,
    Assert,
    Import,
    Inherit,
    Rec,
    Or,
    True,
    False,
    Null,
    // Strings: `"` or `''` opens, then text and `${ ... }` parts, then the closing quote.
    StrOpen,
    IndentedStrOpen,
    /// Literal text of a `"..."` string, escapes already processed.
    StrText(Rc<str>),
    /// Literal text of an `''...''` string exactly as written: the parser strips the indentation
    /// (which needs the whole string) and then processes the escapes.
    IndentedText(Rc<str>),
    InterpolationOpen,
    InterpolationClose,
    StrClose,
    // Punctuation and operators.
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Semicolon,
    Colon,
    DoubleColon,
    Comma,
    Dot,
    Ellipsis,
    At,
    Assign,
    Question,
    Plus,
    Minus,
    Star,
    Slash,
    Concat,
    Update,
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    And,
    OrOr,
    Not,
    Pipe,
    Arrow,
    Eof,
}

impl TokenKind {
    /// How the token is named in "expected ..., found ..." messages.
    pub fn describe(&self) -> String {
        match self {
            TokenKind::Int(n) => format!("integer `{n}`"),
            TokenKind::Ident(name) => format!("name `{name}`"),
            TokenKind::Path(p) => format!("path `{p}`"),
            TokenKind::StdlibPath(p) => format!("module `<{p}>`"),
            TokenKind::StrOpen | TokenKind::IndentedStrOpen => "a string".into(),
            TokenKind::StrText(_) | TokenKind::IndentedText(_) => "string text".into(),
            TokenKind::InterpolationOpen => "`${`".into(),
            TokenKind::InterpolationClose => "`}`".into(),
            TokenKind::StrClose => "the end of the string".into(),
            TokenKind::Eof => "the end of the file".into(),
            other => format!("`{}`", other.text()),
        }
    }

    /// The fixed text of keywords and punctuation.
    pub fn text(&self) -> &'static str {
        match self {
            TokenKind::Let => "let",
            TokenKind::In => "in",
            TokenKind::If => "if",
            TokenKind::Then => "then",
            TokenKind::Else => "else",
            TokenKind::Assert => "assert",
            TokenKind::Import => "import",
            TokenKind::Inherit => "inherit",
            TokenKind::Rec => "rec",
            TokenKind::Or => "or",
            TokenKind::True => "true",
            TokenKind::False => "false",
            TokenKind::Null => "null",
            TokenKind::LBrace => "{",
            TokenKind::RBrace => "}",
            TokenKind::LBracket => "[",
            TokenKind::RBracket => "]",
            TokenKind::LParen => "(",
            TokenKind::RParen => ")",
            TokenKind::Semicolon => ";",
            TokenKind::Colon => ":",
            TokenKind::DoubleColon => "::",
            TokenKind::Comma => ",",
            TokenKind::Dot => ".",
            TokenKind::Ellipsis => "...",
            TokenKind::At => "@",
            TokenKind::Assign => "=",
            TokenKind::Question => "?",
            TokenKind::Plus => "+",
            TokenKind::Minus => "-",
            TokenKind::Star => "*",
            TokenKind::Slash => "/",
            TokenKind::Concat => "++",
            TokenKind::Update => "//",
            TokenKind::Eq => "==",
            TokenKind::NotEq => "!=",
            TokenKind::Less => "<",
            TokenKind::LessEq => "<=",
            TokenKind::Greater => ">",
            TokenKind::GreaterEq => ">=",
            TokenKind::And => "&&",
            TokenKind::OrOr => "||",
            TokenKind::Not => "!",
            TokenKind::Pipe => "|",
            TokenKind::Arrow => "->",
            TokenKind::StrOpen => "\"",
            TokenKind::IndentedStrOpen => "''",
            TokenKind::InterpolationOpen => "${",
            TokenKind::InterpolationClose => "}",
            TokenKind::StrClose => "\"",
            TokenKind::Int(_)
            | TokenKind::Ident(_)
            | TokenKind::Path(_)
            | TokenKind::StdlibPath(_)
            | TokenKind::StrText(_)
            | TokenKind::IndentedText(_)
            | TokenKind::Eof => "",
        }
    }
}

/// Keywords by their text.
pub fn keyword(text: &str) -> Option<TokenKind> {
    Some(match text {
        "let" => TokenKind::Let,
        "in" => TokenKind::In,
        "if" => TokenKind::If,
        "then" => TokenKind::Then,
        "else" => TokenKind::Else,
        "assert" => TokenKind::Assert,
        "import" => TokenKind::Import,
        "inherit" => TokenKind::Inherit,
        "rec" => TokenKind::Rec,
        "or" => TokenKind::Or,
        "true" => TokenKind::True,
        "false" => TokenKind::False,
        "null" => TokenKind::Null,
        _ => return None,
    })
}
