//! Lexer: text to tokens, with nom.
//!
//! The lexer is a loop over small nom recognisers, one per token class. Strings make it modal:
//! inside `"..."` or `''...''` it reads text until `${`, which pushes normal mode again until the
//! matching `}`; a stack of modes handles nesting (`"a ${ "b ${c}" }"`). Every error (an
//! unknown character, an unterminated string or comment, a bad escape) becomes a diagnostic and
//! lexing goes on, so the parser always gets a token stream ending in `Eof`.
//!
//! White space and identifiers, most of any file, are scanned byte by byte (both are ASCII
//! but for rare Unicode white space), and each distinct identifier is allocated once per file:
//! later phases share the one `Rc<str>`.

use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, satisfy};
use nom::combinator::recognize;
use nom::sequence::pair;
use nom::{IResult, Parser};

use super::token::{keyword, Token, TokenKind};
use crate::diagnostic::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// Lexes a whole file. The last token is always `Eof`.
pub fn lex(file: FileId, text: &str) -> (Vec<Token>, Vec<Diagnostic>) {
    let mut lexer = Lexer {
        file,
        text,
        pos: 0,
        // Tokens with the white space between them take a few bytes each: reserving for one per
        // four bytes saves most of the copies of a growing vector on big files.
        tokens: Vec::with_capacity(text.len() / 4 + 1),
        diagnostics: Vec::new(),
        modes: vec![Mode::Code { braces: 0 }],
        names: HashMap::default(),
    };
    lexer.run();
    let end = Span::new(file, text.len(), text.len());
    lexer.tokens.push(Token {
        kind: TokenKind::Eof,
        span: end,
    });
    (lexer.tokens, lexer.diagnostics)
}

#[derive(Clone, Copy, Debug)]
enum Mode {
    /// Ordinary code; `braces` counts `{` opened since the enclosing `${`, so that the matching `}`
    /// closes the interpolation.
    Code { braces: u32 },
    /// Inside `"..."`, opened at the given offset.
    Str { open: usize },
    /// Inside `''...''`, opened at the given offset.
    IndentedStr { open: usize },
}

struct Lexer<'a> {
    file: FileId,
    text: &'a str,
    pos: usize,
    tokens: Vec<Token>,
    diagnostics: Vec<Diagnostic>,
    modes: Vec<Mode>,
    /// Every identifier met so far, so that each name is allocated once.
    names: HashMap<&'a str, Rc<str>, FixedState>,
}

impl<'a> Lexer<'a> {
    fn run(&mut self) {
        while self.pos < self.text.len() {
            match *self.modes.last().unwrap_or(&Mode::Code { braces: 0 }) {
                Mode::Code { braces } => self.code_token(braces),
                Mode::Str { open } => self.string_part(open),
                Mode::IndentedStr { open } => self.indented_string_part(open),
            }
        }
        // Strings still open at the end of the file.
        while let Some(mode) = self.modes.pop() {
            match mode {
                Mode::Str { open } | Mode::IndentedStr { open } => {
                    let len = if matches!(mode, Mode::Str { .. }) {
                        1
                    } else {
                        2
                    };
                    self.error(
                        Code::UnterminatedString,
                        "unterminated string",
                        open,
                        open + len,
                        "this string is never closed",
                    );
                }
                Mode::Code { .. } => {}
            }
        }
    }

    fn rest(&self) -> &'a str {
        &self.text[self.pos..]
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.tokens.push(Token {
            kind,
            span: self.span(start, end),
        });
        self.pos = end;
    }

    fn error(&mut self, code: Code, message: &str, start: usize, end: usize, label: &str) {
        self.diagnostics
            .push(Diagnostic::new(code, message, self.span(start, end), label));
    }

    fn code_token(&mut self, braces: u32) {
        if self.skip_trivia() {
            return;
        }
        let start = self.pos;
        let rest = self.rest();
        if rest.is_empty() {
            return;
        }
        // Dispatch on the first byte, so that each token runs one recogniser, not all of them.
        let first = rest.as_bytes()[0];
        if first.is_ascii_digit() {
            if let Ok((after, text)) = integer(rest) {
                let end = start + (rest.len() - after.len());
                match text.parse::<i64>() {
                    Ok(n) => self.push(TokenKind::Int(n), start, end),
                    Err(_) => {
                        self.error(
                            Code::IntegerLiteralTooLarge,
                            "integer literal too large",
                            start,
                            end,
                            "does not fit in 64 bits",
                        );
                        self.push(TokenKind::Int(0), start, end);
                    }
                }
                return;
            }
        }
        if first == b'.' {
            if let Ok((after, path)) = path_literal(rest) {
                let end = start + (rest.len() - after.len());
                self.push(TokenKind::Path(path.into()), start, end);
                return;
            }
        }
        if first == b'<' {
            if let Ok((after, name)) = stdlib_path(rest) {
                let end = start + (rest.len() - after.len());
                self.push(TokenKind::StdlibPath(name.into()), start, end);
                return;
            }
        }
        if first.is_ascii_alphabetic() || first == b'_' {
            let length = rest
                .bytes()
                .skip(1)
                .take_while(|b| is_ident_byte(*b))
                .count()
                + 1;
            let name = &rest[..length];
            let kind = keyword(name).unwrap_or_else(|| TokenKind::Ident(self.intern(name)));
            self.push(kind, start, start + length);
            return;
        }
        if rest.starts_with('"') {
            self.modes.push(Mode::Str { open: start });
            self.push(TokenKind::StrOpen, start, start + 1);
            return;
        }
        if rest.starts_with("''") {
            self.modes.push(Mode::IndentedStr { open: start });
            self.push(TokenKind::IndentedStrOpen, start, start + 2);
            return;
        }
        if let Ok((after, kind)) = punctuation(rest) {
            let end = start + (rest.len() - after.len());
            match kind {
                TokenKind::LBrace => self.set_braces(braces + 1),
                TokenKind::RBrace if braces == 0 && self.modes.len() > 1 => {
                    self.modes.pop();
                    self.push(TokenKind::InterpolationClose, start, end);
                    return;
                }
                TokenKind::RBrace => self.set_braces(braces.saturating_sub(1)),
                _ => {}
            }
            self.push(kind, start, end);
            return;
        }
        let ch = rest.chars().next().unwrap_or(' ');
        let end = start + ch.len_utf8();
        let message = format!("unexpected character `{}`", ch.escape_debug());
        self.error(
            Code::UnknownCharacter,
            &message,
            start,
            end,
            "not part of any token",
        );
        self.pos = end;
    }

    fn intern(&mut self, name: &'a str) -> Rc<str> {
        self.names
            .entry(name)
            .or_insert_with(|| name.into())
            .clone()
    }

    fn set_braces(&mut self, braces: u32) {
        if let Some(Mode::Code { braces: b }) = self.modes.last_mut() {
            *b = braces;
        }
    }

    /// Skips white space and comments; returns true if it stopped on an unterminated comment.
    fn skip_trivia(&mut self) -> bool {
        loop {
            let bytes = &self.text.as_bytes()[self.pos..];
            self.pos += bytes
                .iter()
                .take_while(|b| matches!(b, b' ' | b'\n' | b'\t' | b'\r' | 0x0b | 0x0c))
                .count();
            if self
                .text
                .as_bytes()
                .get(self.pos)
                .is_some_and(|b| !b.is_ascii())
            {
                // Unicode white space (a no-break space, a line separator): `char`'s own test.
                let rest = self.rest();
                self.pos += rest.len() - rest.trim_start().len();
            }
            let rest = self.rest();
            if rest.starts_with('#') {
                self.pos += rest.find('\n').unwrap_or(rest.len());
            } else if rest.starts_with("/*") {
                if !self.skip_block_comment() {
                    return true;
                }
            } else {
                return false;
            }
        }
    }

    /// Skips a (nesting) block comment; false if it never ends.
    fn skip_block_comment(&mut self) -> bool {
        let open = self.pos;
        let mut depth = 0usize;
        let bytes = self.text.as_bytes();
        let mut i = self.pos;
        while i + 1 < bytes.len() {
            match (bytes[i], bytes[i + 1]) {
                (b'/', b'*') => {
                    depth += 1;
                    i += 2;
                }
                (b'*', b'/') => {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        self.pos = i;
                        return true;
                    }
                }
                _ => i += 1,
            }
        }
        self.error(
            Code::UnterminatedComment,
            "unterminated block comment",
            open,
            open + 2,
            "this comment is never closed",
        );
        self.pos = self.text.len();
        false
    }

    /// Reads `"..."` content up to the closing quote or the next `${`.
    fn string_part(&mut self, _open: usize) {
        let start = self.pos;
        let mut text = String::new();
        let mut chars = self.rest().char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            let at = start + i;
            match c {
                '"' => {
                    self.flush_text(&mut text, start, at);
                    self.modes.pop();
                    self.push(TokenKind::StrClose, at, at + 1);
                    return;
                }
                '$' if matches!(chars.peek(), Some((_, '{'))) => {
                    self.flush_text(&mut text, start, at);
                    self.modes.push(Mode::Code { braces: 0 });
                    self.push(TokenKind::InterpolationOpen, at, at + 2);
                    return;
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => text.push('\n'),
                    Some((_, 't')) => text.push('\t'),
                    Some((_, 'r')) => text.push('\r'),
                    Some((_, e @ ('\\' | '"' | '$'))) => text.push(e),
                    Some((j, 'u')) => {
                        let (decoded, used) = unicode_escape(&self.rest()[j + 1..]);
                        for _ in 0..used {
                            chars.next();
                        }
                        match decoded {
                            Some(ch) => text.push(ch),
                            None => self.error(
                                Code::InvalidEscape,
                                "invalid unicode escape",
                                at,
                                start + j + 1 + used,
                                "expected `\\u{XXXX}` with a valid code point",
                            ),
                        }
                    }
                    Some((j, other)) => {
                        let end = start + j + other.len_utf8();
                        let message = format!("invalid escape `\\{}`", other.escape_debug());
                        self.error(Code::InvalidEscape, &message, at, end, "unknown escape");
                        text.push(other);
                    }
                    None => {}
                },
                c => text.push(c),
            }
        }
        // End of file inside the string: `run` reports it.
        self.flush_text(&mut text, start, self.text.len());
        self.pos = self.text.len();
    }

    fn flush_text(&mut self, text: &mut String, start: usize, end: usize) {
        if end > start {
            self.tokens.push(Token {
                kind: TokenKind::StrText(std::mem::take(text).into()),
                span: self.span(start, end),
            });
        }
    }

    /// Reads `''...''` content, raw, up to the closing `''` or the next `${`.
    fn indented_string_part(&mut self, _open: usize) {
        let start = self.pos;
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                // `'''`, `''$` and `''\x` are escapes; a lone `''` closes the string.
                match bytes.get(i + 2) {
                    Some(b'\'') | Some(b'$') => i += 3,
                    Some(b'\\') => {
                        i += 3 + rest[i + 3..].chars().next().map_or(0, |c| c.len_utf8() - 1)
                    }
                    _ => {
                        self.push_raw(start, start + i);
                        self.modes.pop();
                        self.push(TokenKind::StrClose, start + i, start + i + 2);
                        return;
                    }
                }
            } else if bytes[i] == b'$' && bytes.get(i + 1) == Some(&b'{') {
                self.push_raw(start, start + i);
                self.modes.push(Mode::Code { braces: 0 });
                self.push(TokenKind::InterpolationOpen, start + i, start + i + 2);
                return;
            } else {
                i += 1;
            }
        }
        self.push_raw(start, self.text.len());
        self.pos = self.text.len();
    }

    fn push_raw(&mut self, start: usize, end: usize) {
        if end > start {
            let raw: Rc<str> = self.text[start..end].into();
            self.push(TokenKind::IndentedText(raw), start, end);
        }
    }
}

/// `\u{...}` after the `u`: the character and how many bytes the braces used.
fn unicode_escape(rest: &str) -> (Option<char>, usize) {
    let Some(body) = rest.strip_prefix('{') else {
        return (None, 0);
    };
    let Some(close) = body.find('}') else {
        return (None, 0);
    };
    let hex = &body[..close];
    let ch = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
    (ch.filter(|_| !hex.is_empty() && hex.len() <= 6), close + 2)
}

fn integer(input: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_digit()).parse(input)
}

/// A byte of an identifier after its first (a letter or `_`): identifiers are ASCII.
fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'\'' | b'-')
}

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+' | '/')
}

/// `./x` or `../x`. Only relative paths exist: an absolute path would make the output depend on
/// the machine, and `x/2` stays a division.
fn path_literal(input: &str) -> IResult<&str, &str> {
    let segment = pair(
        char('/'),
        take_while1(|c: char| is_path_char(c) && c != '/'),
    );
    recognize(pair(
        alt((tag(".."), tag("."))),
        pair(segment, take_while(is_path_char)),
    ))
    .parse(input)
}

/// `<name>` with no spaces, as in Nix.
fn stdlib_path(input: &str) -> IResult<&str, &str> {
    let (rest, _) = char('<').parse(input)?;
    let (rest, name) = recognize(pair(
        satisfy(|c: char| c.is_ascii_lowercase()),
        take_while(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
    ))
    .parse(rest)?;
    let (rest, _) = char('>').parse(rest)?;
    Ok((rest, name))
}

fn punctuation(input: &str) -> IResult<&str, TokenKind> {
    use TokenKind::*;
    let bytes = input.as_bytes();
    let two = |kind| Ok((&input[2..], kind));
    let one = |kind| Ok((&input[1..], kind));
    match (bytes.first(), bytes.get(1), bytes.get(2)) {
        (Some(b'.'), Some(b'.'), Some(b'.')) => Ok((&input[3..], Ellipsis)),
        (Some(b':'), Some(b':'), _) => two(DoubleColon),
        (Some(b'+'), Some(b'+'), _) => two(Concat),
        (Some(b'/'), Some(b'/'), _) => two(Update),
        (Some(b'='), Some(b'='), _) => two(Eq),
        (Some(b'!'), Some(b'='), _) => two(NotEq),
        (Some(b'<'), Some(b'='), _) => two(LessEq),
        (Some(b'>'), Some(b'='), _) => two(GreaterEq),
        (Some(b'&'), Some(b'&'), _) => two(And),
        (Some(b'|'), Some(b'|'), _) => two(OrOr),
        (Some(b'-'), Some(b'>'), _) => two(Arrow),
        (Some(b'{'), _, _) => one(LBrace),
        (Some(b'}'), _, _) => one(RBrace),
        (Some(b'['), _, _) => one(LBracket),
        (Some(b']'), _, _) => one(RBracket),
        (Some(b'('), _, _) => one(LParen),
        (Some(b')'), _, _) => one(RParen),
        (Some(b';'), _, _) => one(Semicolon),
        (Some(b':'), _, _) => one(Colon),
        (Some(b','), _, _) => one(Comma),
        (Some(b'.'), _, _) => one(Dot),
        (Some(b'@'), _, _) => one(At),
        (Some(b'='), _, _) => one(Assign),
        (Some(b'?'), _, _) => one(Question),
        (Some(b'+'), _, _) => one(Plus),
        (Some(b'-'), _, _) => one(Minus),
        (Some(b'*'), _, _) => one(Star),
        (Some(b'/'), _, _) => one(Slash),
        (Some(b'<'), _, _) => one(Less),
        (Some(b'>'), _, _) => one(Greater),
        (Some(b'!'), _, _) => one(Not),
        (Some(b'|'), _, _) => one(Pipe),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Tag,
        ))),
    }
}
