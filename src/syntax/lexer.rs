//! Lexer: text to tokens, with nom.
//!
//! Each token is found by dispatching on its first byte to one small recogniser (nom's byte
//! scanners for names, numbers, white space and string text; nom combinators for paths). Strings
//! make the lexer modal: inside `"..."` or `''...''` it reads text until `${`, which pushes code
//! mode again until the matching `}`; a stack of modes handles nesting (`"a ${ "b ${c}" }"`).
//! Code mode, most of any file, runs as one loop that returns to the stack only when a string
//! opens or an interpolation closes. Every error (an unknown character, an unterminated string
//! or comment, a bad escape) becomes a diagnostic and lexing goes on, so the parser always gets
//! a token stream ending in `Eof`.
//!
//! White space and identifiers are scanned byte by byte (both are ASCII but for rare Unicode
//! white space); each distinct identifier is allocated once per file, and later phases share the
//! one `Rc<str>`; string text without escapes is copied once, straight from the source.

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
        // A token and the space after it take two bytes or more: reserving for one per two bytes
        // saves copying a growing vector on big files (pages never written are never touched).
        tokens: Vec::with_capacity(text.len() / 2 + 1),
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
                Mode::Code { braces } => self.code(braces),
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

    /// Lexes code until a string opens, an interpolation closes or the text ends. `braces` is the
    /// count of the code mode on top of the stack, kept in a local meanwhile.
    fn code(&mut self, mut braces: u32) {
        while !self.skip_trivia() {
            let start = self.pos;
            let bytes = &self.text.as_bytes()[start..];
            let Some(&first) = bytes.first() else {
                return;
            };
            // Dispatch on the first byte, so that each token runs one recogniser, not all of them.
            match first {
                b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                    let end = start + 1 + length_while(&bytes[1..], is_ident_byte);
                    let name = &self.text[start..end];
                    let kind = keyword(name).unwrap_or_else(|| TokenKind::Ident(self.intern(name)));
                    self.push(kind, start, end);
                }
                b'0'..=b'9' => self.integer(start),
                b'{' => {
                    braces += 1;
                    self.push(TokenKind::LBrace, start, start + 1);
                }
                b'}' if braces == 0 && self.modes.len() > 1 => {
                    self.modes.pop();
                    self.push(TokenKind::InterpolationClose, start, start + 1);
                    return;
                }
                b'}' => {
                    braces = braces.saturating_sub(1);
                    self.push(TokenKind::RBrace, start, start + 1);
                }
                b'"' => {
                    return self.open_string(braces, Mode::Str { open: start }, TokenKind::StrOpen)
                }
                b'\'' if bytes.get(1) == Some(&b'\'') => {
                    let mode = Mode::IndentedStr { open: start };
                    return self.open_string(braces, mode, TokenKind::IndentedStrOpen);
                }
                b'.' | b'<' => self.path_or_punctuation(start),
                _ => self.punctuation_token(start),
            }
        }
    }

    /// Leaves code mode for a string opening at the cursor; the code mode keeps its `braces`.
    fn open_string(&mut self, braces: u32, mode: Mode, kind: TokenKind) {
        if let Some(Mode::Code { braces: saved }) = self.modes.last_mut() {
            *saved = braces;
        }
        self.modes.push(mode);
        let end = self.pos + kind.text().len();
        self.push(kind, self.pos, end);
    }

    fn path_or_punctuation(&mut self, start: usize) {
        let rest = &self.text[start..];
        let path = if rest.starts_with('.') {
            path_literal(rest).map(|(after, path)| (after, TokenKind::Path(path.into())))
        } else {
            stdlib_path(rest).map(|(after, name)| (after, TokenKind::StdlibPath(name.into())))
        };
        match path {
            Ok((after, kind)) => self.push(kind, start, self.text.len() - after.len()),
            Err(_) => self.punctuation_token(start),
        }
    }

    fn punctuation_token(&mut self, start: usize) {
        match punctuation(&self.text.as_bytes()[start..]) {
            Some((kind, length)) => self.push(kind, start, start + length),
            None => self.unknown_character(start),
        }
    }

    fn integer(&mut self, start: usize) {
        let end = start + length_while(&self.text.as_bytes()[start..], |b| b.is_ascii_digit());
        match self.text[start..end].parse::<i64>() {
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
    }

    fn unknown_character(&mut self, start: usize) {
        let ch = self.rest().chars().next().unwrap_or(' ');
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
        if let Some(interned) = self.names.get(name) {
            return interned.clone();
        }
        let interned: Rc<str> = name.into();
        self.names.insert(name, interned.clone());
        interned
    }

    /// Skips white space and comments; returns true if it stopped on an unterminated comment.
    fn skip_trivia(&mut self) -> bool {
        loop {
            let bytes = &self.text.as_bytes()[self.pos..];
            let blank = length_while(bytes, |b| {
                matches!(b, b' ' | b'\n' | b'\t' | b'\r' | 0x0b | 0x0c)
            });
            self.pos += blank;
            match bytes[blank..] {
                [b'#', ..] => self.pos += length_while(&bytes[blank..], |b| b != b'\n'),
                [b'/', b'*', ..] => {
                    if !self.skip_block_comment() {
                        return true;
                    }
                }
                [first, ..] if !first.is_ascii() => {
                    // Unicode white space (a no-break space, a line separator): `char`'s own test.
                    let rest = self.rest();
                    let blank = rest.len() - rest.trim_start().len();
                    if blank == 0 {
                        return false;
                    }
                    self.pos += blank;
                }
                _ => return false,
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

    /// Reads `"..."` content up to the closing quote or the next `${`. Text without escapes, the
    /// usual case, is copied once, straight from the source.
    fn string_part(&mut self, _open: usize) {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        // Text with escapes is built up in `unescaped`; `copied` is where the source text not yet
        // copied into it starts.
        let mut unescaped = String::new();
        let mut copied = start;
        let mut at = start;
        loop {
            at += length_while(&bytes[at..], |b| !matches!(b, b'"' | b'$' | b'\\'));
            match bytes[at..] {
                [] => {
                    // End of file inside the string: `run` reports it.
                    self.push_text(unescaped, copied, start, at);
                    return;
                }
                [b'"', ..] => {
                    self.push_text(unescaped, copied, start, at);
                    self.modes.pop();
                    self.push(TokenKind::StrClose, at, at + 1);
                    return;
                }
                [b'$', b'{', ..] => {
                    self.push_text(unescaped, copied, start, at);
                    self.modes.push(Mode::Code { braces: 0 });
                    self.push(TokenKind::InterpolationOpen, at, at + 2);
                    return;
                }
                [b'$', ..] => at += 1,
                [_backslash, ..] => {
                    unescaped.push_str(&self.text[copied..at]);
                    at = self.escape(at, &mut unescaped);
                    copied = at;
                }
            }
        }
    }

    /// Decodes the escape at `at` (a backslash) into `out`; returns the offset after it.
    fn escape(&mut self, at: usize, out: &mut String) -> usize {
        let after = at + 1;
        let Some(c) = self.text[after..].chars().next() else {
            return after;
        };
        let end = after + c.len_utf8();
        match c {
            'n' => out.push('\n'),
            't' => out.push('\t'),
            'r' => out.push('\r'),
            '\\' | '"' | '$' => out.push(c),
            'u' => {
                let (decoded, used) = unicode_escape(&self.text[end..]);
                match decoded {
                    Some(ch) => out.push(ch),
                    None => self.error(
                        Code::InvalidEscape,
                        "invalid unicode escape",
                        at,
                        end + used,
                        "expected `\\u{XXXX}` with a valid code point",
                    ),
                }
                return end + used;
            }
            other => {
                let message = format!("invalid escape `\\{}`", other.escape_debug());
                self.error(Code::InvalidEscape, &message, at, end, "unknown escape");
                out.push(other);
            }
        }
        end
    }

    /// Pushes the text of a `"..."` string part ending at `end`, unless the part is empty.
    fn push_text(&mut self, mut unescaped: String, copied: usize, start: usize, end: usize) {
        if end > start {
            let text: Rc<str> = if unescaped.is_empty() {
                self.text[copied..end].into()
            } else {
                unescaped.push_str(&self.text[copied..end]);
                unescaped.into()
            };
            self.push(TokenKind::StrText(text), start, end);
        } else {
            self.pos = end;
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

/// How many bytes at the start of `input` pass `test`: nom's `take_while` over bytes, as every
/// token class but paths is ASCII.
fn length_while(input: &[u8], test: impl Fn(u8) -> bool) -> usize {
    let taken: IResult<&[u8], &[u8]> = take_while(test)(input);
    taken.map_or(0, |(_, taken)| taken.len())
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

/// Operators and brackets but braces (which the lexer counts), longest match first: the kind
/// and its length in bytes.
fn punctuation(bytes: &[u8]) -> Option<(TokenKind, usize)> {
    use TokenKind::*;
    let &first = bytes.first()?;
    let second = bytes.get(1).copied().unwrap_or(0);
    let two = match (first, second) {
        (b'.', b'.') if bytes.get(2) == Some(&b'.') => return Some((Ellipsis, 3)),
        (b':', b':') => Some(DoubleColon),
        (b'+', b'+') => Some(Concat),
        (b'/', b'/') => Some(Update),
        (b'=', b'=') => Some(Eq),
        (b'!', b'=') => Some(NotEq),
        (b'<', b'=') => Some(LessEq),
        (b'>', b'=') => Some(GreaterEq),
        (b'&', b'&') => Some(And),
        (b'|', b'|') => Some(OrOr),
        (b'-', b'>') => Some(Arrow),
        _ => None,
    };
    if let Some(kind) = two {
        return Some((kind, 2));
    }
    let one = match first {
        b'[' => LBracket,
        b']' => RBracket,
        b'(' => LParen,
        b')' => RParen,
        b';' => Semicolon,
        b':' => Colon,
        b',' => Comma,
        b'.' => Dot,
        b'@' => At,
        b'=' => Assign,
        b'?' => Question,
        b'+' => Plus,
        b'-' => Minus,
        b'*' => Star,
        b'/' => Slash,
        b'<' => Less,
        b'>' => Greater,
        b'!' => Not,
        b'|' => Pipe,
        _ => return None,
    };
    Some((one, 1))
}
