//! Graph values as Bicep expressions, for one file.
//!
//! A resource the file declares (or declares `existing`) is named by its symbol: `vnet.id`,
//! `vnet.name`, `identity.properties.principalId`. A child's full name is its parent's full name,
//! `/` and `child.name` (with `parent:`, Bicep's `child.name` is only the last segment). Anything
//! else comes from [`Outside`]: in a module a parameter the module receives, in `main.bicep` an
//! output of the module that deploys it. The writer records the symbols it used (Bicep infers
//! `dependsOn` from them), the parameters it read and the values it needed from outside.

use std::collections::BTreeSet;

use crate::graph::{
    key_template, ContextValue, Fields, Graph, Node, Part, Reference, ResourceIndex, Template,
};

/// How a file gets values of resources it does not declare.
pub trait Outside {
    /// The Bicep expression for `reference` (already normalised, see [`normalise`]); symbols it
    /// names go into `used_symbols`.
    fn value(&mut self, reference: &Reference, used_symbols: &mut BTreeSet<String>) -> String;

    /// The Bicep type the next values will be used as (`string` unless told otherwise): the
    /// type of a `main.bicep` output that is exactly one module value.
    fn expect_type(&mut self, _kind: &'static str) {}
}

/// Resource-group target: every resource is declared in `main.bicep`.
pub struct NothingOutside;

impl Outside for NothingOutside {
    fn value(&mut self, _: &Reference, _: &mut BTreeSet<String>) -> String {
        // Unreachable for a well-formed graph; an empty string keeps the output parseable.
        "''".to_string()
    }
}

/// `Property(r, ["id"])` is `Id(r)`, `Property(r, ["name"])` is `Name(r)`.
pub fn normalise(reference: &Reference) -> Reference {
    match reference {
        Reference::Property(r, path) if path.len() == 1 && path[0] == "id" => Reference::Id(*r),
        Reference::Property(r, path) if path.len() == 1 && path[0] == "name" => Reference::Name(*r),
        other => other.clone(),
    }
}

/// A piece of a Bicep string: literal text or interpolated code.
enum Piece {
    Text(String),
    Code(String),
}

pub struct BicepWriter<'g, 'o> {
    pub graph: &'g Graph,
    /// Resources the file declares, deployed or `existing`.
    pub available: BTreeSet<ResourceIndex>,
    pub outside: &'o mut dyn Outside,
    /// Symbols of resources (and modules, through `outside`) the written code names.
    pub used_symbols: BTreeSet<String>,
    pub used_parameters: BTreeSet<String>,
}

impl<'g, 'o> BicepWriter<'g, 'o> {
    pub fn new(
        graph: &'g Graph,
        available: BTreeSet<ResourceIndex>,
        outside: &'o mut dyn Outside,
    ) -> BicepWriter<'g, 'o> {
        BicepWriter {
            graph,
            available,
            outside,
            used_symbols: BTreeSet::new(),
            used_parameters: BTreeSet::new(),
        }
    }

    /// A value, indented by `indent` levels for its inner lines.
    pub fn node(&mut self, node: &Node, indent: usize) -> String {
        let pad = "  ".repeat(indent + 1);
        let close = "  ".repeat(indent);
        match node {
            Node::Null => "null".into(),
            Node::Bool(b) => b.to_string(),
            Node::Int(i) => i.to_string(),
            Node::Str(t) => self.template(t),
            Node::List(items) if items.is_empty() => "[]".into(),
            Node::List(items) => {
                let lines: Vec<String> = items
                    .iter()
                    .map(|item| format!("{pad}{}\n", self.node(item, indent + 1)))
                    .collect();
                format!("[\n{}{close}]", lines.concat())
            }
            Node::Object(map) if map.is_empty() => "{}".into(),
            Node::Object(map) => format!("{{\n{}{close}}}", self.fields(map, indent + 1)),
        }
    }

    /// `key: value` lines of an object body at `indent` levels.
    pub fn fields(&mut self, map: &Fields, indent: usize) -> String {
        let pad = "  ".repeat(indent);
        map.iter()
            .map(|(key, value)| {
                let key = self.key(key);
                format!("{pad}{key}: {}\n", self.node(value, indent))
            })
            .collect()
    }

    /// An object key: bare, quoted, or an interpolated string when it holds references.
    fn key(&mut self, key: &str) -> String {
        let template = key_template(key);
        match template.as_literal() {
            Some(text) => key_text(&text),
            None => {
                let expr = self.template(&template);
                if expr.starts_with('\'') {
                    expr
                } else {
                    format!("'${{{expr}}}'")
                }
            }
        }
    }

    /// A template as a Bicep expression: `'literal'`, `code`, or `'text${code}'`.
    pub fn template(&mut self, template: &Template) -> String {
        let mut pieces = Vec::new();
        self.pieces(template, &mut pieces, 0);
        match pieces.as_slice() {
            [] => "''".into(),
            [Piece::Code(code)] => code.clone(),
            _ => {
                let mut out = String::from("'");
                for piece in &pieces {
                    match piece {
                        Piece::Text(text) => out.push_str(&escape(text)),
                        Piece::Code(code) => out.push_str(&format!("${{{code}}}")),
                    }
                }
                out.push('\'');
                out
            }
        }
    }

    fn pieces(&mut self, template: &Template, out: &mut Vec<Piece>, depth: usize) {
        for part in &template.0 {
            match part {
                Part::Text(text) => push_text(out, text),
                Part::Ref(reference) => {
                    let reference = normalise(reference);
                    match reference {
                        // The bound only guards against a malformed graph naming itself.
                        Reference::Name(r) => {
                            if depth <= self.graph.resources.len() {
                                self.name_pieces(r, out, depth + 1)
                            }
                        }
                        other => out.push(Piece::Code(self.reference(&other))),
                    }
                }
            }
        }
    }

    /// A full name: the parent's full name, `/`, then `child.name` when the file declares the
    /// resource, or else its name written out (names hold no runtime values, so a module can
    /// compute another unit's names from its parameters; the unit order is kept by `dependsOn`).
    fn name_pieces(&mut self, index: ResourceIndex, out: &mut Vec<Piece>, depth: usize) {
        let resource = self.graph.resource(index);
        if let Some(parent) = resource.parent {
            let parent_name = Template(vec![Part::Ref(Reference::Name(parent))]);
            self.pieces(&parent_name, out, depth + 1);
            push_text(out, "/");
        }
        if self.available.contains(&index) {
            self.used_symbols.insert(resource.symbol.clone());
            out.push(Piece::Code(format!("{}.name", resource.symbol)));
        } else {
            self.pieces(&resource.name, out, depth + 1);
        }
    }

    /// One reference as code.
    pub fn reference(&mut self, reference: &Reference) -> String {
        let reference = normalise(reference);
        match &reference {
            Reference::Parameter(name) => {
                self.used_parameters.insert(name.clone());
                name.clone()
            }
            Reference::Guid(args) => {
                let args: Vec<String> = args.iter().map(|a| self.template(a)).collect();
                format!("guid({})", args.join(", "))
            }
            Reference::Context(ContextValue::TenantId) => "subscription().tenantId".to_string(),
            Reference::Context(ContextValue::SubscriptionId) => {
                "subscription().subscriptionId".to_string()
            }
            Reference::Name(_) => {
                let name = Template(vec![Part::Ref(reference.clone())]);
                self.template(&name)
            }
            Reference::Id(r) | Reference::Property(r, _) if self.available.contains(r) => {
                let symbol = self.graph.resource(*r).symbol.clone();
                self.used_symbols.insert(symbol.clone());
                match &reference {
                    Reference::Property(_, path) => format!("{symbol}{}", access_path(path)),
                    _ => format!("{symbol}.id"),
                }
            }
            _ => self.outside.value(&reference, &mut self.used_symbols),
        }
    }
}

/// `.field`, `[0]`, `['odd-field']` for each segment.
pub fn access_path(path: &[String]) -> String {
    path.iter()
        .map(|segment| {
            if !segment.is_empty() && segment.chars().all(|c| c.is_ascii_digit()) {
                format!("[{segment}]")
            } else if is_identifier(segment) {
                format!(".{segment}")
            } else {
                format!("[{}]", quote(segment))
            }
        })
        .collect()
}

fn push_text(out: &mut Vec<Piece>, text: &str) {
    match out.last_mut() {
        Some(Piece::Text(last)) => last.push_str(text),
        _ => out.push(Piece::Text(text.to_string())),
    }
}

pub fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// An object key: bare when it is an identifier, quoted otherwise.
pub fn key_text(key: &str) -> String {
    if is_identifier(key) {
        key.to_string()
    } else {
        quote(key)
    }
}

/// A Bicep string literal.
pub fn quote(text: &str) -> String {
    format!("'{}'", escape(text))
}

/// Escapes text for the inside of a Bicep string: `\\`, `\'`, `\n`, `\r`, `\t`, `\${` and other
/// control characters as `\u{..}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_escape_quotes_backslashes_and_interpolation() {
        assert_eq!(quote("it's"), "'it\\'s'");
        assert_eq!(quote("a\\b"), "'a\\\\b'");
        assert_eq!(quote("${x} $y"), "'\\${x} $y'");
        assert_eq!(quote("line\nnext\u{1}"), "'line\\nnext\\u{1}'");
    }

    #[test]
    fn keys_are_bare_only_when_identifiers() {
        assert_eq!(key_text("addressPrefix"), "addressPrefix");
        assert_eq!(key_text("odd-key"), "'odd-key'");
        assert_eq!(key_text("$schema"), "'$schema'");
    }

    #[test]
    fn access_paths() {
        let path = ["properties".to_string(), "0".into(), "x-y".into()];
        assert_eq!(access_path(&path), ".properties[0]['x-y']");
    }
}
