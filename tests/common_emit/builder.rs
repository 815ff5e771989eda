//! Builds resource graphs by hand, as the graph builder would from `.sbl`: every resource gets a
//! line of pseudo-source (so diagnostics have something to underline), and `depends_on` is
//! inferred from the references in its name and body, as the real builder does.

use serde_json::Value;

use sblc::graph::{
    Allow, Fields, Graph, Node, Output, Parameter, ParameterType, Part, Reference, Resource,
    ResourceIndex, TargetScope, Template,
};
use sblc::source::{FileId, Origin, SourceMap, Span};

pub struct GraphBuilder {
    pub graph: Graph,
    source: String,
}

/// A resource under construction.
pub struct Res {
    pub resource: Resource,
}

impl GraphBuilder {
    pub fn new(target: TargetScope) -> GraphBuilder {
        GraphBuilder {
            graph: Graph {
                target,
                parameters: Vec::new(),
                resources: Vec::new(),
                outputs: Vec::new(),
            },
            source: String::new(),
        }
    }

    fn line(&mut self, text: String) -> Span {
        let start = self.source.len();
        self.source.push_str(&text);
        let span = Span::new(FileId(0), start, self.source.len());
        self.source.push('\n');
        span
    }

    pub fn param(&mut self, name: &str, kind: ParameterType, default: Option<Node>) -> Reference {
        let origin = self.line(format!("{name} = param {{ type = \"{kind:?}\"; }};"));
        self.graph.parameters.push(Parameter {
            name: name.into(),
            kind,
            default,
            allowed: Vec::new(),
            description: Some(format!("The {name}.")),
            origin,
        });
        Reference::Parameter(name.into())
    }

    pub fn add(&mut self, res: Res) -> ResourceIndex {
        let mut resource = res.resource;
        resource.origin = self.line(format!(
            "{} = resource \"{}\" {{ ... }};",
            resource.symbol, resource.resource_type
        ));
        let mut deps = Vec::new();
        let mut templates = vec![&resource.name];
        collect_templates_in(&resource.body, &mut templates);
        let mut keys = Vec::new();
        collect_key_templates(&resource.body, &mut keys);
        for template in templates.into_iter().chain(&keys) {
            for reference in template.references() {
                referenced(reference, &mut deps);
            }
        }
        let index = ResourceIndex(self.graph.resources.len());
        for dep in deps {
            if dep != index
                && Some(dep) != resource.parent
                && Some(dep) != resource.scope
                && !resource.depends_on.contains(&dep)
            {
                resource.depends_on.push(dep);
            }
        }
        self.graph.resources.push(resource);
        index
    }

    pub fn output(&mut self, name: &str, kind: &'static str, value: Node) {
        let origin = self.line(format!("outputs.{name} = ...;"));
        self.graph.outputs.push(Output {
            name: name.into(),
            kind,
            value,
            origin,
        });
    }

    pub fn allow(&mut self, resource: ResourceIndex, rule: &str, reason: &str) -> (String, Allow) {
        let span = self.line(format!("allow {rule} \"{reason}\";"));
        let allow = Allow {
            rule: rule.into(),
            reason: reason.into(),
            span,
        };
        self.graph.resources[resource.0].allows.push(allow.clone());
        (self.graph.resources[resource.0].symbol.clone(), allow)
    }

    pub fn finish(self) -> (Graph, SourceMap) {
        let mut sources = SourceMap::new();
        let file = sources.add(Origin::Disk("main.sbl".into()), "main.sbl", self.source);
        assert_eq!(file, FileId(0));
        (self.graph, sources)
    }
}

fn referenced(reference: &Reference, out: &mut Vec<ResourceIndex>) {
    match reference {
        Reference::Id(r) | Reference::Name(r) | Reference::Property(r, _) => out.push(*r),
        Reference::Guid(args) => args
            .iter()
            .flat_map(|a| a.references())
            .for_each(|r| referenced(r, out)),
        Reference::Parameter(_) | Reference::Context(_) => {}
    }
}

/// Object keys may hold references too (identities keyed by id).
fn collect_key_templates(body: &Fields, out: &mut Vec<Template>) {
    fn walk(node: &Node, out: &mut Vec<Template>) {
        match node {
            Node::List(items) => items.iter().for_each(|n| walk(n, out)),
            Node::Object(map) => {
                for (key, value) in map {
                    out.push(sblc::graph::key_template(key));
                    walk(value, out);
                }
            }
            _ => {}
        }
    }
    body.values().for_each(|n| walk(n, out));
}

fn collect_templates_in<'a>(body: &'a Fields, out: &mut Vec<&'a Template>) {
    fn walk<'a>(node: &'a Node, out: &mut Vec<&'a Template>) {
        match node {
            Node::Str(t) => out.push(t),
            Node::List(items) => items.iter().for_each(|n| walk(n, out)),
            Node::Object(map) => map.values().for_each(|n| walk(n, out)),
            _ => {}
        }
    }
    body.values().for_each(|n| walk(n, out));
}

impl Res {
    pub fn new(symbol: &str, resource_type: &str, api_version: &str, name: Template) -> Res {
        Res {
            resource: Resource {
                symbol: symbol.into(),
                resource_type: resource_type.into(),
                api_version: api_version.into(),
                name,
                parent: None,
                scope: None,
                group: None,
                body: Fields::default(),
                depends_on: Vec::new(),
                origin: Span::default(),
                calls: Vec::new(),
                allows: Vec::new(),
            },
        }
    }

    pub fn set(mut self, key: &str, value: Node) -> Res {
        self.resource.body.insert(key.into(), value);
        self
    }

    pub fn parent(mut self, parent: ResourceIndex) -> Res {
        self.resource.parent = Some(parent);
        self
    }

    pub fn scope(mut self, scope: ResourceIndex) -> Res {
        self.resource.scope = Some(scope);
        self
    }

    pub fn group(mut self, group: ResourceIndex) -> Res {
        self.resource.group = Some(group);
        self
    }
}

// ---- values ------------------------------------------------------------------------------------

/// A literal template.
pub fn lit(text: &str) -> Template {
    Template::literal(text)
}

/// A template of parts: `tpl([text("rg-"), param("name")])`.
pub fn tpl(parts: impl IntoIterator<Item = Part>) -> Template {
    Template(parts.into_iter().collect())
}

pub fn text(t: &str) -> Part {
    Part::Text(t.into())
}

pub fn part(reference: Reference) -> Part {
    Part::Ref(reference)
}

/// A string node holding one reference.
pub fn refn(reference: Reference) -> Node {
    Node::Str(Template(vec![Part::Ref(reference)]))
}

pub fn id(r: ResourceIndex) -> Reference {
    Reference::Id(r)
}

pub fn prop(r: ResourceIndex, path: &str) -> Reference {
    Reference::Property(r, path.split('.').map(str::to_string).collect())
}

pub fn guid(args: impl IntoIterator<Item = Template>) -> Reference {
    Reference::Guid(args.into_iter().collect())
}

/// An object key holding a resource's id, encoded as the evaluator does.
pub fn id_key(r: ResourceIndex) -> String {
    sblc::reference::Token::Resource {
        index: r.0,
        path: vec!["id".into()],
    }
    .encode()
}

/// `{ "id": <reference> }`
pub fn id_object(reference: Reference) -> Node {
    obj([("id", refn(reference))])
}

pub fn obj<const N: usize>(fields: [(&str, Node); N]) -> Node {
    Node::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// A literal value from JSON (strings stay literal, numbers must be integers).
pub fn json(value: Value) -> Node {
    match value {
        Value::Null => Node::Null,
        Value::Bool(b) => Node::Bool(b),
        Value::Number(n) => Node::Int(n.as_i64().expect("integer")),
        Value::String(s) => Node::Str(Template::literal(s)),
        Value::Array(items) => Node::List(items.into_iter().map(json).collect()),
        Value::Object(map) => Node::Object(map.into_iter().map(|(k, v)| (k, json(v))).collect()),
    }
}

/// Merges `extra` fields into an object node (for mixing literal JSON with references).
pub fn with(node: Node, extra: impl IntoIterator<Item = (&'static str, Node)>) -> Node {
    let Node::Object(mut map) = node else {
        panic!("with() needs an object")
    };
    for (k, v) in extra {
        map.insert(k.to_string(), v);
    }
    Node::Object(map)
}
