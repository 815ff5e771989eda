//! A parser for the Bicep subset sblc writes (declarations, decorators, objects and arrays one
//! entry per line, strings with interpolation, member access, calls), for the equivalence test.
//! It fails loudly on anything else, which is a test failure worth seeing.

#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// A string: literal text and interpolated expressions.
    Str(Vec<StrPart>),
    Int(i64),
    Bool(bool),
    Null,
    Ident(String),
    Call(String, Vec<Expr>),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// Keys are literal text or, when they hold references, an interpolated string.
    Object(Vec<(Expr, Expr)>),
    Array(Vec<Expr>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum StrPart {
    Text(String),
    Code(Expr),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    pub name: String,
    pub args: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Statement {
    TargetScope(String),
    Metadata(String, Expr),
    Param {
        decorators: Vec<Decorator>,
        name: String,
        kind: String,
        default: Option<Expr>,
    },
    Resource {
        symbol: String,
        type_and_api: String,
        existing: bool,
        body: Expr,
    },
    Module {
        symbol: String,
        path: String,
        body: Expr,
    },
    Output {
        name: String,
        kind: String,
        value: Expr,
    },
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(Vec<StrPart>),
    Int(i64),
    Punct(char),
    Newline,
}

fn lex(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => {
                toks.push(Tok::Newline);
                i += 1;
            }
            ' ' | '\t' | '\r' => i += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '\'' => {
                let (parts, next) = lex_string(&chars, i + 1);
                toks.push(Tok::Str(parts));
                i = next;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && chars[i].is_ascii_digit() {
                    i += 1;
                }
                let digits: String = chars[start..i].iter().collect();
                toks.push(Tok::Int(digits.parse().expect("integer")));
            }
            c if c.is_ascii_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                toks.push(Tok::Ident(chars[start..i].iter().collect()));
            }
            '{' | '}' | '[' | ']' | '(' | ')' | ':' | ',' | '.' | '=' | '@' | '-' => {
                toks.push(Tok::Punct(c));
                i += 1;
            }
            other => panic!("bicep: unexpected character {other:?}"),
        }
    }
    toks
}

/// A string from after its opening quote; returns the parts and the index after the closing quote.
fn lex_string(chars: &[char], mut i: usize) -> (Vec<StrPart>, usize) {
    let mut parts = Vec::new();
    let mut text = String::new();
    loop {
        let c = *chars.get(i).expect("bicep: unterminated string");
        match c {
            '\'' => break,
            '\\' => {
                let e = chars[i + 1];
                i += 2;
                match e {
                    'n' => text.push('\n'),
                    'r' => text.push('\r'),
                    't' => text.push('\t'),
                    '\\' | '\'' | '$' => text.push(e),
                    'u' => {
                        let close = (i..).find(|&k| chars[k] == '}').expect("\\u{..}");
                        let hex: String = chars[i + 1..close].iter().collect();
                        text.push(
                            char::from_u32(u32::from_str_radix(&hex, 16).expect("hex"))
                                .expect("char"),
                        );
                        i = close + 1;
                    }
                    other => panic!("bicep: unknown escape \\{other}"),
                }
            }
            '$' if chars.get(i + 1) == Some(&'{') => {
                if !text.is_empty() {
                    parts.push(StrPart::Text(std::mem::take(&mut text)));
                }
                // Find the matching brace, skipping nested strings and braces.
                let mut depth = 0;
                let mut k = i + 2;
                let mut in_string = false;
                loop {
                    let ch = chars[k];
                    if in_string {
                        if ch == '\\' {
                            k += 1;
                        } else if ch == '\'' {
                            in_string = false;
                        }
                    } else if ch == '\'' {
                        in_string = true;
                    } else if ch == '{' {
                        depth += 1;
                    } else if ch == '}' {
                        if depth == 0 {
                            break;
                        }
                        depth -= 1;
                    }
                    k += 1;
                }
                let code: String = chars[i + 2..k].iter().collect();
                let mut parser = Parser {
                    toks: lex(&code),
                    pos: 0,
                };
                parts.push(StrPart::Code(parser.expr()));
                i = k + 1;
            }
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() || parts.is_empty() {
        parts.push(StrPart::Text(text));
    }
    (parts, i + 1)
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Tok {
        let tok = self
            .toks
            .get(self.pos)
            .cloned()
            .expect("bicep: unexpected end");
        self.pos += 1;
        tok
    }

    fn punct(&mut self, c: char) {
        let tok = self.next();
        assert_eq!(
            tok,
            Tok::Punct(c),
            "bicep: expected {c:?} at token {}",
            self.pos
        );
    }

    fn ident(&mut self) -> String {
        match self.next() {
            Tok::Ident(name) => name,
            other => panic!("bicep: expected an identifier, got {other:?}"),
        }
    }

    fn literal_string(&mut self) -> String {
        match self.next() {
            Tok::Str(parts) => match parts.as_slice() {
                [StrPart::Text(t)] => t.clone(),
                other => panic!("bicep: expected a literal string, got {other:?}"),
            },
            other => panic!("bicep: expected a string, got {other:?}"),
        }
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Tok::Newline) {
            self.pos += 1;
        }
    }

    fn file(&mut self) -> Vec<Statement> {
        let mut statements = Vec::new();
        let mut decorators = Vec::new();
        loop {
            self.skip_newlines();
            let Some(tok) = self.peek().cloned() else {
                break;
            };
            if tok == Tok::Punct('@') {
                self.pos += 1;
                let name = self.ident();
                self.punct('(');
                let args = self.args(')');
                decorators.push(Decorator { name, args });
                continue;
            }
            let keyword = self.ident();
            let statement = match keyword.as_str() {
                "targetScope" => {
                    self.punct('=');
                    Statement::TargetScope(self.literal_string())
                }
                "metadata" => {
                    let name = self.ident();
                    self.punct('=');
                    Statement::Metadata(name, self.expr())
                }
                "param" => {
                    let name = self.ident();
                    let kind = self.ident();
                    let default = if self.peek() == Some(&Tok::Punct('=')) {
                        self.pos += 1;
                        Some(self.expr())
                    } else {
                        None
                    };
                    Statement::Param {
                        decorators: std::mem::take(&mut decorators),
                        name,
                        kind,
                        default,
                    }
                }
                "resource" => {
                    let symbol = self.ident();
                    let type_and_api = self.literal_string();
                    let existing = self.peek() == Some(&Tok::Ident("existing".into()));
                    if existing {
                        self.pos += 1;
                    }
                    self.punct('=');
                    Statement::Resource {
                        symbol,
                        type_and_api,
                        existing,
                        body: self.expr(),
                    }
                }
                "module" => {
                    let symbol = self.ident();
                    let path = self.literal_string();
                    self.punct('=');
                    Statement::Module {
                        symbol,
                        path,
                        body: self.expr(),
                    }
                }
                "output" => {
                    let name = self.ident();
                    let kind = self.ident();
                    self.punct('=');
                    Statement::Output {
                        name,
                        kind,
                        value: self.expr(),
                    }
                }
                other => panic!("bicep: unexpected statement {other}"),
            };
            assert!(
                decorators.is_empty() || matches!(statement, Statement::Param { .. }),
                "decorators only on params"
            );
            statements.push(statement);
        }
        statements
    }

    fn args(&mut self, close: char) -> Vec<Expr> {
        let mut args = Vec::new();
        loop {
            self.skip_newlines();
            if self.peek() == Some(&Tok::Punct(close)) {
                self.pos += 1;
                return args;
            }
            args.push(self.expr());
            self.skip_newlines();
            if self.peek() == Some(&Tok::Punct(',')) {
                self.pos += 1;
            }
        }
    }

    fn expr(&mut self) -> Expr {
        let mut expr = match self.next() {
            Tok::Str(parts) => Expr::Str(parts),
            Tok::Int(i) => Expr::Int(i),
            Tok::Punct('-') => match self.next() {
                Tok::Int(i) => Expr::Int(-i),
                other => panic!("bicep: expected an integer after '-', got {other:?}"),
            },
            Tok::Ident(name) => match name.as_str() {
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                "null" => Expr::Null,
                _ if self.peek() == Some(&Tok::Punct('(')) => {
                    self.pos += 1;
                    Expr::Call(name, self.args(')'))
                }
                _ => Expr::Ident(name),
            },
            Tok::Punct('{') => {
                let mut fields = Vec::new();
                loop {
                    self.skip_newlines();
                    if self.peek() == Some(&Tok::Punct('}')) {
                        self.pos += 1;
                        break;
                    }
                    let key = match self.next() {
                        Tok::Ident(k) => Expr::Str(vec![StrPart::Text(k)]),
                        Tok::Str(parts) => Expr::Str(parts),
                        other => panic!("bicep: expected a key, got {other:?}"),
                    };
                    self.punct(':');
                    fields.push((key, self.expr()));
                }
                Expr::Object(fields)
            }
            Tok::Punct('[') => Expr::Array(self.args(']')),
            other => panic!("bicep: unexpected token {other:?}"),
        };
        loop {
            match self.peek() {
                Some(Tok::Punct('.')) => {
                    self.pos += 1;
                    let field = self.ident();
                    expr = Expr::Member(Box::new(expr), field);
                }
                Some(Tok::Punct('[')) => {
                    self.pos += 1;
                    let index = self.expr();
                    self.punct(']');
                    expr = Expr::Index(Box::new(expr), Box::new(index));
                }
                _ => return expr,
            }
        }
    }
}

pub fn parse_file(text: &str) -> Vec<Statement> {
    let mut parser = Parser {
        toks: lex(text),
        pos: 0,
    };
    parser.file()
}

/// An object's field, if present.
pub fn field<'a>(object: &'a Expr, key: &str) -> Option<&'a Expr> {
    match object {
        Expr::Object(fields) => fields
            .iter()
            .find(|(k, _)| matches!(k, Expr::Str(parts) if parts.as_slice() == [StrPart::Text(key.to_string())]))
            .map(|(_, v)| v),
        _ => None,
    }
}
