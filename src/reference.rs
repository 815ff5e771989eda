//! Deployment-time references as tokens inside strings.
//!
//! Some values exist only when Azure deploys the template: a resource's id, an identity's
//! principal id, a secure parameter. The evaluator represents each as a short token embedded in
//! an ordinary string (the idea AWS CDK uses), so that interpolation, `//`, lists and every
//! builtin carry references along unchanged. The resource-graph phase finds the tokens again,
//! turns them into ARM expressions and infers `dependsOn` from them.
//!
//! A token is `START kind ':' body END`, with two private-use characters as delimiters, which no
//! `.sbl` source can contain by accident (the lexer rejects neither, but they have no meaning).

/// Opens a token.
pub const START: char = '\u{E000}';
/// Closes a token.
pub const END: char = '\u{E001}';

/// What a token stands for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Token {
    /// A property of the resource registered `index`-th during evaluation, by path from the
    /// resource's top level: `["id"]`, `["properties", "vaultUri"]`, `["identity", "principalId"]`.
    Resource { index: usize, path: Vec<String> },
    /// A deployment parameter, by name.
    Parameter { name: String },
    /// ARM `guid(...)` of the arguments, which may hold tokens themselves.
    Guid { args: Vec<String> },
    /// A fact of the deployment's context: `tenantId` or `subscriptionId`.
    Context { name: String },
}

impl Token {
    /// The token's text, to embed in a string.
    pub fn encode(&self) -> String {
        match self {
            Token::Resource { index, path } => format!("{START}r:{index}:{}{END}", path.join(".")),
            Token::Parameter { name } => format!("{START}p:{name}{END}"),
            Token::Context { name } => format!("{START}c:{name}{END}"),
            // Arguments are hex-encoded so that the tokens they hold do not nest delimiters.
            Token::Guid { args } => {
                let hex: Vec<String> = args.iter().map(|a| to_hex(a)).collect();
                format!("{START}g:{}{END}", hex.join(","))
            }
        }
    }
}

/// A piece of a string: literal text, or a token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    Token(Token),
}

/// Splits a string into text and tokens. Malformed tokens stay text.
pub fn split(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(START) {
        let after = &rest[start + START.len_utf8()..];
        let Some(end) = after.find(END) else { break };
        match decode(&after[..end]) {
            Some(token) => {
                if start > 0 {
                    pieces.push(Piece::Text(&rest[..start]));
                }
                pieces.push(Piece::Token(token));
            }
            None => pieces.push(Piece::Text(
                &rest[..start + START.len_utf8() + end + END.len_utf8()],
            )),
        }
        rest = &after[end + END.len_utf8()..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// The text with every token written readably, for people (`sblc eval`): `${resource 3 .id}`,
/// `${param adminPassword}`, `${tenantId}`, `${guid(...)}`.
pub fn readable(text: &str) -> String {
    if !has_token(text) {
        return text.to_string();
    }
    split(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(t) => t.to_string(),
            Piece::Token(Token::Resource { index, path }) => {
                format!("${{resource {index} .{}}}", path.join("."))
            }
            Piece::Token(Token::Parameter { name }) => format!("${{param {name}}}"),
            Piece::Token(Token::Context { name }) => format!("${{{name}}}"),
            Piece::Token(Token::Guid { args }) => {
                let args: Vec<String> = args.iter().map(|a| readable(a)).collect();
                format!("${{guid({})}}", args.join(", "))
            }
        })
        .collect()
}

/// Whether a string holds any token.
pub fn has_token(text: &str) -> bool {
    text.contains(START)
}

fn decode(body: &str) -> Option<Token> {
    if let Some(rest) = body.strip_prefix("r:") {
        let (index, path) = rest.split_once(':')?;
        let path = if path.is_empty() {
            Vec::new()
        } else {
            path.split('.').map(str::to_string).collect()
        };
        return Some(Token::Resource {
            index: index.parse().ok()?,
            path,
        });
    }
    if let Some(rest) = body.strip_prefix("g:") {
        let args = rest
            .split(',')
            .map(from_hex)
            .collect::<Option<Vec<String>>>()?;
        return Some(Token::Guid { args });
    }
    if let Some(name) = body.strip_prefix("c:") {
        return Some(Token::Context {
            name: name.to_string(),
        });
    }
    body.strip_prefix("p:").map(|name| Token::Parameter {
        name: name.to_string(),
    })
}

fn to_hex(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> Option<String> {
    if hex.len() % 2 != 0 {
        return None;
    }
    let bytes = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
        .collect::<Option<Vec<u8>>>()?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_inside_text() {
        let id = Token::Resource {
            index: 3,
            path: vec!["properties".into(), "vaultUri".into()],
        };
        let param = Token::Parameter {
            name: "adminPassword".into(),
        };
        let text = format!("{}/subnets/{}x", id.encode(), param.encode());
        assert_eq!(
            split(&text),
            [
                Piece::Token(id),
                Piece::Text("/subnets/"),
                Piece::Token(param),
                Piece::Text("x")
            ]
        );
        assert_eq!(split("plain"), [Piece::Text("plain")]);
        let guid = Token::Guid {
            args: vec![text.clone(), "role".into()],
        };
        assert_eq!(split(&guid.encode()), [Piece::Token(guid)]);
        assert!(!has_token("plain"));
    }

    #[test]
    fn every_kind_of_token_round_trips() {
        let tokens = [
            Token::Resource {
                index: 0,
                path: vec!["id".into()],
            },
            Token::Resource {
                index: 7,
                path: vec!["properties".into(), "clientId".into()],
            },
            Token::Parameter {
                name: "size".into(),
            },
            Token::Context {
                name: "tenantId".into(),
            },
            Token::Guid {
                args: vec!["a".into(), Token::Parameter { name: "p".into() }.encode()],
            },
        ];
        for token in tokens {
            assert_eq!(
                split(&token.encode()),
                [Piece::Token(token.clone())],
                "{token:?}"
            );
        }
    }

    #[test]
    fn tokens_read_well() {
        let id = Token::Resource {
            index: 2,
            path: vec!["id".into()],
        }
        .encode();
        let guid = Token::Guid {
            args: vec![id.clone(), "r".into()],
        }
        .encode();
        assert_eq!(
            readable(&format!("{id}/subnets/pool")),
            "${resource 2 .id}/subnets/pool"
        );
        assert_eq!(readable(&guid), "${guid(${resource 2 .id}, r)}");
        assert_eq!(readable("plain"), "plain");
    }

    #[test]
    fn malformed_tokens_stay_text() {
        let text = format!("a{START}zz{END}b{START}r:x:y{END}");
        let joined: String = split(&text)
            .iter()
            .map(|p| match p {
                Piece::Text(t) => *t,
                Piece::Token(_) => panic!("no valid token here"),
            })
            .collect();
        assert_eq!(joined, text);
    }
}
