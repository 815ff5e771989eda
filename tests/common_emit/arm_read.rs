//! Reads an ARM template (as sblc writes them) into the canonical [`Model`]: a small parser for
//! template expressions and an evaluator for the functions sblc uses.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::equivalence::*;

#[derive(Clone, Debug)]
enum Expr {
    Str(String),
    Int(i64),
    Call(String, Vec<Expr>),
    Member(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
}

fn parse_expression(text: &str) -> Expr {
    let chars: Vec<char> = text.chars().collect();
    let mut pos = 0;
    let expr = parse_at(&chars, &mut pos);
    assert_eq!(pos, chars.len(), "arm: trailing text in {text}");
    expr
}

fn skip_spaces(chars: &[char], pos: &mut usize) {
    while *pos < chars.len() && chars[*pos] == ' ' {
        *pos += 1;
    }
}

fn parse_at(chars: &[char], pos: &mut usize) -> Expr {
    skip_spaces(chars, pos);
    let mut expr = match chars[*pos] {
        '\'' => {
            *pos += 1;
            let mut text = String::new();
            loop {
                if chars[*pos] == '\'' {
                    if chars.get(*pos + 1) == Some(&'\'') {
                        text.push('\'');
                        *pos += 2;
                        continue;
                    }
                    *pos += 1;
                    break;
                }
                text.push(chars[*pos]);
                *pos += 1;
            }
            Expr::Str(text)
        }
        c if c.is_ascii_digit() => {
            let start = *pos;
            while chars[*pos].is_ascii_digit() {
                *pos += 1;
            }
            Expr::Int(
                chars[start..*pos]
                    .iter()
                    .collect::<String>()
                    .parse()
                    .expect("int"),
            )
        }
        _ => {
            let start = *pos;
            while *pos < chars.len() && (chars[*pos].is_ascii_alphanumeric() || chars[*pos] == '_')
            {
                *pos += 1;
            }
            let name: String = chars[start..*pos].iter().collect();
            assert_eq!(chars[*pos], '(', "arm: expected a call after {name}");
            *pos += 1;
            let mut args = Vec::new();
            loop {
                skip_spaces(chars, pos);
                if chars[*pos] == ')' {
                    *pos += 1;
                    break;
                }
                args.push(parse_at(chars, pos));
                skip_spaces(chars, pos);
                if chars[*pos] == ',' {
                    *pos += 1;
                }
            }
            Expr::Call(name, args)
        }
    };
    loop {
        match chars.get(*pos) {
            Some('.') => {
                *pos += 1;
                let start = *pos;
                while *pos < chars.len()
                    && (chars[*pos].is_ascii_alphanumeric() || chars[*pos] == '_')
                {
                    *pos += 1;
                }
                expr = Expr::Member(Box::new(expr), chars[start..*pos].iter().collect());
            }
            Some('[') => {
                *pos += 1;
                let index = parse_at(chars, pos);
                assert_eq!(chars[*pos], ']');
                *pos += 1;
                expr = Expr::Index(Box::new(expr), Box::new(index));
            }
            _ => return expr,
        }
    }
}

/// A value during evaluation: text, or a runtime property being navigated.
#[derive(Clone, Debug)]
enum Val {
    Text(String),
    Property(String, Vec<String>),
    Subscription,
}

impl Val {
    fn text(self) -> String {
        match self {
            Val::Text(t) => t,
            Val::Property(key, path) => prop_marker(&key, &path),
            Val::Subscription => panic!("arm: subscription() as a value"),
        }
    }
}

struct Ctx<'a> {
    parameters: &'a BTreeMap<String, Value>,
    group: String,
}

impl Ctx<'_> {
    fn eval(&self, expr: &Expr) -> Val {
        match expr {
            Expr::Str(s) => Val::Text(s.clone()),
            Expr::Int(i) => Val::Text(i.to_string()),
            Expr::Member(base, field) => match self.eval(base) {
                Val::Property(key, mut path) => {
                    path.push(field.clone());
                    Val::Property(key, path)
                }
                Val::Subscription => Val::Text(context_marker(field)),
                other => panic!("arm: member of {other:?}"),
            },
            Expr::Index(base, index) => match (self.eval(base), self.eval(index)) {
                (Val::Property(key, mut path), Val::Text(i)) => {
                    path.push(i);
                    Val::Property(key, path)
                }
                other => panic!("arm: index of {other:?}"),
            },
            Expr::Call(name, args) => self.call(name, args),
        }
    }

    fn texts(&self, args: &[Expr]) -> Vec<String> {
        args.iter().map(|a| self.eval(a).text()).collect()
    }

    fn call(&self, name: &str, args: &[Expr]) -> Val {
        if name == "subscription" {
            return Val::Subscription;
        }
        let values = self.texts(args);
        Val::Text(match name {
            "parameters" => match &self.parameters[&values[0]] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            },
            "format" => format_text(&values[0], &values[1..]),
            "guid" => guid_marker(&values),
            "resourceId" => {
                let type_at = values
                    .iter()
                    .take(3)
                    .position(|v| v.contains('/') && !v.starts_with('⟪'))
                    .expect("resourceId type");
                let group = if type_at >= 1 {
                    values[type_at - 1].clone()
                } else {
                    self.group.clone()
                };
                id_marker(&key(
                    &values[type_at],
                    &values[type_at + 1..].join("/"),
                    &group,
                ))
            }
            "subscriptionResourceId" => id_marker(&key(&values[0], &values[1..].join("/"), "")),
            "extensionResourceId" => {
                let scope = key_of_id(&values[0]).expect("scope id");
                let name = values[2..].join("/");
                if scope.starts_with("microsoft.resources/resourcegroups|") {
                    let group = scope.split('|').nth(1).expect("group name");
                    id_marker(&key(&values[1], &name, group))
                } else {
                    id_marker(&extension_key(&values[1], &name, scope))
                }
            }
            "reference" => {
                let key = key_of_id(&values[0])
                    .expect("reference of an id")
                    .to_string();
                let path = if values.get(2).is_some_and(|v| v == "Full") {
                    Vec::new()
                } else {
                    vec!["properties".to_string()]
                };
                return Val::Property(key, path);
            }
            other => panic!("arm: unexpected function {other}"),
        })
    }

    /// A JSON value with expressions evaluated.
    fn value(&self, value: &Value) -> Value {
        match value {
            Value::String(s) if s.starts_with("[[") && s.ends_with(']') => {
                Value::String(s[1..].to_string())
            }
            Value::String(s) if s.starts_with('[') && s.ends_with(']') => {
                match self.eval(&parse_expression(&s[1..s.len() - 1])) {
                    Val::Text(t) => Value::String(t),
                    property => Value::String(property.text()),
                }
            }
            Value::Array(items) => Value::Array(items.iter().map(|v| self.value(v)).collect()),
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (self.string(&Value::String(k.clone())), self.value(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn string(&self, value: &Value) -> String {
        match self.value(value) {
            Value::String(s) => s,
            other => panic!("arm: expected a string, got {other}"),
        }
    }
}

fn format_text(pattern: &str, args: &[String]) -> String {
    let mut out = String::new();
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let digits: String = chars.by_ref().take_while(|c| *c != '}').collect();
                out.push_str(&args[digits.parse::<usize>().expect("placeholder")]);
            }
            c => out.push(c),
        }
    }
    out
}

/// `Microsoft.Storage/storageAccounts/name` (children interleaved) as a key in `group`.
fn relative_id_key(relative: &str, group: &str) -> String {
    let segments: Vec<&str> = relative.split('/').collect();
    let mut types = vec![segments[0]];
    let mut names = Vec::new();
    for pair in segments[1..].chunks(2) {
        types.push(pair[0]);
        names.push(pair[1]);
    }
    key(&types.join("/"), &names.join("/"), group)
}

fn dependency(ctx: &Ctx, entry: &Value) -> String {
    let id = ctx.string(entry);
    let key = key_of_id(&id).expect("dependsOn holds ids");
    match key.strip_prefix("microsoft.resources/deployments|") {
        Some(rest) => format!("unit:{}", rest.split('|').next().expect("name")),
        None => format!("res:{key}"),
    }
}

const RESERVED: [&str; 5] = ["type", "apiVersion", "name", "scope", "dependsOn"];

fn read_resources(
    ctx: &Ctx,
    resources: &[Value],
    unit: &mut UnitView,
    model: &mut Model,
    top: bool,
) {
    for resource in resources {
        let rtype = resource["type"].as_str().expect("type");
        if top && rtype == "Microsoft.Resources/deployments" {
            read_deployment(ctx, resource, model);
            continue;
        }
        let name = ctx.string(&resource["name"]);
        let resource_key = match resource.get("scope") {
            Some(scope) => extension_key(
                rtype,
                &name,
                &relative_id_key(&ctx.string(scope), &ctx.group),
            ),
            None => key(rtype, &name, &ctx.group),
        };
        let body: Map<String, Value> = resource
            .as_object()
            .expect("object")
            .iter()
            .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), ctx.value(v)))
            .collect();
        let mut depends_on = BTreeSet::new();
        for entry in resource["dependsOn"].as_array().into_iter().flatten() {
            let dep = dependency(ctx, entry);
            if dep.starts_with("unit:") {
                unit.depends_on.insert(dep);
            } else {
                depends_on.insert(dep.trim_start_matches("res:").to_string());
            }
        }
        unit.resources.insert(
            resource_key,
            ResourceView {
                api_version: resource["apiVersion"].as_str().expect("api").to_string(),
                body: Value::Object(body),
                depends_on,
            },
        );
    }
}

fn read_deployment(outer: &Ctx, deployment: &Value, model: &mut Model) {
    let properties = &deployment["properties"];
    assert_eq!(properties["expressionEvaluationOptions"]["scope"], "inner");
    let parameters: BTreeMap<String, Value> = properties["parameters"]
        .as_object()
        .expect("parameters")
        .iter()
        .map(|(k, v)| (k.clone(), outer.value(&v["value"])))
        .collect();
    let ctx = Ctx {
        parameters: &parameters,
        group: outer.string(&deployment["resourceGroup"]),
    };
    let mut unit = UnitView {
        group: ctx.group.clone(),
        ..UnitView::default()
    };
    for entry in deployment["dependsOn"].as_array().into_iter().flatten() {
        unit.depends_on.insert(dependency(outer, entry));
    }
    let resources = properties["template"]["resources"]
        .as_array()
        .expect("resources");
    read_resources(&ctx, resources, &mut unit, model, false);
    let name = deployment["name"].as_str().expect("name").to_string();
    model.units.insert(name, unit);
}

pub fn read(template: &Value) -> Model {
    let mut model = Model::default();
    let mut markers = BTreeMap::new();
    for (name, declaration) in template["parameters"].as_object().expect("parameters") {
        markers.insert(name.clone(), Value::String(param_marker(name)));
        let kind = declaration["type"]
            .as_str()
            .expect("type")
            .to_ascii_lowercase();
        let no_markers = BTreeMap::new();
        let plain = Ctx {
            parameters: &no_markers,
            group: String::new(),
        };
        model.parameters.insert(
            name.clone(),
            ParameterView {
                kind: if kind == "securestring" {
                    "string".into()
                } else {
                    kind.clone()
                },
                secure: kind == "securestring",
                default: declaration.get("defaultValue").map(|v| plain.value(v)),
                allowed: declaration["allowedValues"]
                    .as_array()
                    .map(|a| a.iter().map(|v| plain.value(v)).collect())
                    .unwrap_or_default(),
                description: declaration["metadata"]["description"]
                    .as_str()
                    .map(str::to_string),
            },
        );
    }
    let ctx = Ctx {
        parameters: &markers,
        group: String::new(),
    };
    let mut top = UnitView::default();
    let resources = template["resources"].as_array().expect("resources");
    read_resources(&ctx, resources, &mut top, &mut model, true);
    model.units.insert(String::new(), top);
    for (name, output) in template["outputs"].as_object().into_iter().flatten() {
        model.outputs.insert(
            name.clone(),
            (
                output["type"].as_str().expect("type").to_string(),
                ctx.value(&output["value"]),
            ),
        );
    }
    let meta = &template["metadata"];
    model.metadata = serde_json::json!({
        "generator": format!("{} {}", meta["_generator"]["name"].as_str().expect("name"), meta["_generator"]["version"].as_str().expect("version")),
        "inputsHash": meta["inputsHash"],
        "allowedFindings": meta["allowedFindings"],
    });
    model
}
