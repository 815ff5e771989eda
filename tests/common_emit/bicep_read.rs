//! Reads `main.bicep` and its modules into the canonical [`Model`], following Bicep's meaning:
//! symbols, `parent:` (a child's `name` is its last segment), `scope:`, module parameters and
//! outputs, and the dependencies Bicep infers from the symbols a declaration names.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

use serde_json::{Map, Value};

use super::bicep_parse::{field, parse_file, Expr, Statement, StrPart};
use super::equivalence::*;

#[derive(Clone, Debug)]
enum Val {
    Text(String),
    Json(Value),
    Resource(String),
    Module(String),
    ModuleOutputs(String),
    Property(String, Vec<String>),
    Subscription,
}

#[derive(Clone, Debug)]
struct ResourceInfo {
    key: String,
    own_name: String,
    full_name: String,
    existing: bool,
}

struct Instance {
    statements: Vec<Statement>,
    parameters: BTreeMap<String, Value>,
    group: String,
    sources: Rc<BTreeMap<String, String>>,
    resolved: RefCell<BTreeMap<String, ResourceInfo>>,
    used: RefCell<BTreeSet<String>>,
    modules: RefCell<BTreeMap<String, Rc<Instance>>>,
}

fn text_of(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

impl Val {
    fn text(self) -> String {
        match self {
            Val::Text(t) => t,
            Val::Json(v) => text_of(&v),
            Val::Property(key, path) => prop_marker(&key, &path),
            other => panic!("bicep: {other:?} is not a value"),
        }
    }

    fn json(self) -> Value {
        match self {
            Val::Json(v) => v,
            other => Value::String(other.text()),
        }
    }
}

impl Instance {
    fn new(
        statements: Vec<Statement>,
        parameters: BTreeMap<String, Value>,
        group: String,
        sources: Rc<BTreeMap<String, String>>,
    ) -> Instance {
        Instance {
            statements,
            parameters,
            group,
            sources,
            resolved: RefCell::new(BTreeMap::new()),
            used: RefCell::new(BTreeSet::new()),
            modules: RefCell::new(BTreeMap::new()),
        }
    }

    fn resource_statement(&self, symbol: &str) -> Option<(&str, bool, &Expr)> {
        self.statements.iter().find_map(|s| match s {
            Statement::Resource {
                symbol: sym,
                type_and_api,
                existing,
                body,
            } if sym == symbol => Some((type_and_api.as_str(), *existing, body)),
            _ => None,
        })
    }

    fn module_statement(&self, symbol: &str) -> Option<(&str, &Expr)> {
        self.statements.iter().find_map(|s| match s {
            Statement::Module {
                symbol: sym,
                path,
                body,
            } if sym == symbol => Some((path.as_str(), body)),
            _ => None,
        })
    }

    /// Evaluates without recording the symbols named (for names of other declarations).
    fn quietly<T>(&self, f: impl FnOnce() -> T) -> T {
        let saved = self.used.take();
        let out = f();
        self.used.replace(saved);
        out
    }

    fn info(&self, symbol: &str) -> ResourceInfo {
        if let Some(info) = self.resolved.borrow().get(symbol) {
            return info.clone();
        }
        let (type_and_api, existing, body) = self.resource_statement(symbol).expect("resource");
        let resource_type = type_and_api.split('@').next().expect("type");
        let info = self.quietly(|| {
            let own_name = self.eval(field(body, "name").expect("name")).text();
            let full_name = match field(body, "parent") {
                Some(Expr::Ident(parent)) => format!("{}/{own_name}", self.info(parent).full_name),
                _ => own_name.clone(),
            };
            let key = match field(body, "scope") {
                Some(Expr::Ident(scope)) => {
                    extension_key(resource_type, &own_name, &self.info(scope).key)
                }
                _ => key(resource_type, &full_name, &self.group),
            };
            ResourceInfo {
                key,
                own_name,
                full_name,
                existing,
            }
        });
        self.resolved
            .borrow_mut()
            .insert(symbol.to_string(), info.clone());
        info
    }

    fn module(&self, symbol: &str) -> Rc<Instance> {
        if let Some(module) = self.modules.borrow().get(symbol) {
            return module.clone();
        }
        let (path, body) = self.module_statement(symbol).expect("module");
        // What this module's parameters name belongs to this module, not to whatever
        // declaration first needed one of its outputs.
        let parameters: BTreeMap<String, Value> = self.quietly(|| match field(body, "params") {
            Some(Expr::Object(fields)) => fields
                .iter()
                .map(|(k, v)| (self.eval(k).text(), self.eval(v).json()))
                .collect(),
            _ => BTreeMap::new(),
        });
        let group = match field(body, "scope") {
            Some(Expr::Ident(rg)) => self.quietly(|| self.info(rg).full_name),
            other => panic!("bicep: module scope {other:?}"),
        };
        let source = self
            .sources
            .get(path)
            .unwrap_or_else(|| panic!("no module file {path}"));
        let instance = Rc::new(Instance::new(
            parse_file(source),
            parameters,
            group,
            self.sources.clone(),
        ));
        self.modules
            .borrow_mut()
            .insert(symbol.to_string(), instance.clone());
        instance
    }

    fn output(&self, name: &str) -> Val {
        self.statements
            .iter()
            .find_map(|s| match s {
                Statement::Output { name: n, value, .. } if n == name => Some(self.eval(value)),
                _ => None,
            })
            .unwrap_or_else(|| panic!("bicep: no output {name}"))
    }

    fn eval(&self, expr: &Expr) -> Val {
        match expr {
            Expr::Str(parts) => Val::Text(
                parts
                    .iter()
                    .map(|p| match p {
                        StrPart::Text(t) => t.clone(),
                        StrPart::Code(code) => self.eval(code).text(),
                    })
                    .collect(),
            ),
            Expr::Int(i) => Val::Json(Value::from(*i)),
            Expr::Bool(b) => Val::Json(Value::Bool(*b)),
            Expr::Null => Val::Json(Value::Null),
            Expr::Ident(name) => {
                if let Some(value) = self.parameters.get(name) {
                    Val::Json(value.clone())
                } else if self.resource_statement(name).is_some() {
                    Val::Resource(name.clone())
                } else if self.module_statement(name).is_some() {
                    Val::Module(name.clone())
                } else {
                    panic!("bicep: unknown name {name}")
                }
            }
            Expr::Member(base, member) => match self.eval(base) {
                Val::Resource(symbol) => {
                    self.used.borrow_mut().insert(symbol.clone());
                    let info = self.info(&symbol);
                    match member.as_str() {
                        "id" => Val::Text(id_marker(&info.key)),
                        "name" => Val::Text(info.own_name),
                        _ => Val::Property(info.key, vec![member.clone()]),
                    }
                }
                Val::Property(key, mut path) => {
                    path.push(member.clone());
                    Val::Property(key, path)
                }
                Val::Module(symbol) if member == "outputs" => Val::ModuleOutputs(symbol),
                Val::Subscription => Val::Text(context_marker(member)),
                Val::ModuleOutputs(symbol) => {
                    self.used.borrow_mut().insert(symbol.clone());
                    let module = self.module(&symbol);
                    module.output(member)
                }
                other => panic!("bicep: .{member} of {other:?}"),
            },
            Expr::Index(base, index) => match (self.eval(base), self.eval(index)) {
                (Val::Property(key, mut path), index) => {
                    path.push(index.text());
                    Val::Property(key, path)
                }
                other => panic!("bicep: index {other:?}"),
            },
            Expr::Call(name, args) if name == "guid" => {
                let args: Vec<String> = args.iter().map(|a| self.eval(a).text()).collect();
                Val::Text(guid_marker(&args))
            }
            Expr::Call(name, args) if name == "subscription" && args.is_empty() => {
                Val::Subscription
            }
            Expr::Call(name, _) => panic!("bicep: unexpected function {name}"),
            Expr::Object(fields) => Val::Json(Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (self.eval(k).text(), self.eval(v).json()))
                    .collect(),
            )),
            Expr::Array(items) => Val::Json(Value::Array(
                items.iter().map(|i| self.eval(i).json()).collect(),
            )),
        }
    }

    /// The deployed resources of this file, and the modules its top-level resources wait for.
    fn resources(&self, unit: &mut UnitView) {
        for statement in &self.statements {
            let Statement::Resource {
                symbol,
                type_and_api,
                existing: false,
                body,
            } = statement
            else {
                continue;
            };
            let info = self.info(symbol);
            self.used.replace(BTreeSet::new());
            let Expr::Object(fields) = body else {
                panic!("resource body")
            };
            let mut out = Map::new();
            let mut explicit = Vec::new();
            for (key, value) in fields {
                let key = self.eval(key).text();
                match key.as_str() {
                    "name" => {
                        self.eval(value);
                    }
                    "parent" | "scope" => {
                        if let Expr::Ident(s) = value {
                            self.used.borrow_mut().insert(s.clone());
                        }
                    }
                    "dependsOn" => match value {
                        Expr::Array(items) => explicit.extend(items.iter().map(|i| match i {
                            Expr::Ident(s) => s.clone(),
                            other => panic!("dependsOn {other:?}"),
                        })),
                        other => panic!("dependsOn {other:?}"),
                    },
                    _ => {
                        out.insert(key, self.eval(value).json());
                    }
                }
            }
            let mut named: BTreeSet<String> = self.used.take();
            named.extend(explicit);
            named.remove(symbol);
            let mut depends_on = BTreeSet::new();
            for dep in named {
                if self.resource_statement(&dep).is_some() {
                    let dep_info = self.info(&dep);
                    if !dep_info.existing {
                        depends_on.insert(dep_info.key);
                    }
                } else if self.module_statement(&dep).is_some() {
                    unit.depends_on
                        .insert(format!("unit:{}", self.module_name(&dep)));
                }
            }
            unit.resources.insert(
                info.key,
                ResourceView {
                    api_version: type_and_api.split('@').nth(1).expect("api").to_string(),
                    body: Value::Object(out),
                    depends_on,
                },
            );
        }
    }

    fn module_name(&self, symbol: &str) -> String {
        let (_, body) = self.module_statement(symbol).expect("module");
        self.quietly(|| self.eval(field(body, "name").expect("module name")).text())
    }

    /// One module as a unit.
    fn unit(&self, symbol: &str) -> (String, UnitView) {
        let (_, body) = self.module_statement(symbol).expect("module");
        self.used.replace(BTreeSet::new());
        if let Some(Expr::Object(params)) = field(body, "params") {
            for (_, value) in params {
                self.eval(value);
            }
        }
        let mut named = self.used.take();
        let module = self.module(symbol);
        if let Some(Expr::Ident(rg)) = field(body, "scope") {
            named.insert(rg.clone());
        }
        if let Some(Expr::Array(items)) = field(body, "dependsOn") {
            for item in items {
                if let Expr::Ident(s) = item {
                    named.insert(s.clone());
                }
            }
        }
        let mut unit = UnitView {
            group: module.group.clone(),
            ..UnitView::default()
        };
        for dep in named {
            if self.module_statement(&dep).is_some() {
                unit.depends_on
                    .insert(format!("unit:{}", self.module_name(&dep)));
            } else {
                unit.depends_on
                    .insert(format!("res:{}", self.info(&dep).key));
            }
        }
        module.resources(&mut unit);
        (self.module_name(symbol), unit)
    }
}

fn decorator_arg<'a>(
    decorators: &'a [super::bicep_parse::Decorator],
    name: &str,
) -> Option<&'a Expr> {
    decorators
        .iter()
        .find(|d| d.name == name)
        .and_then(|d| d.args.first())
}

/// `main` is main.bicep; `modules` maps `modules/x.bicep` to its text.
pub fn read(main: &str, modules: BTreeMap<String, String>) -> Model {
    let statements = parse_file(main);
    let mut model = Model::default();
    let mut markers = BTreeMap::new();
    let plain = Instance::new(
        Vec::new(),
        BTreeMap::new(),
        String::new(),
        Rc::new(BTreeMap::new()),
    );
    let mut metadata = Map::new();
    for statement in &statements {
        match statement {
            Statement::Param {
                decorators,
                name,
                kind,
                default,
            } => {
                markers.insert(name.clone(), Value::String(param_marker(name)));
                model.parameters.insert(
                    name.clone(),
                    ParameterView {
                        kind: kind.clone(),
                        secure: decorators.iter().any(|d| d.name == "secure"),
                        default: default.as_ref().map(|d| plain.eval(d).json()),
                        allowed: match decorator_arg(decorators, "allowed") {
                            Some(Expr::Array(items)) => {
                                items.iter().map(|i| plain.eval(i).json()).collect()
                            }
                            _ => Vec::new(),
                        },
                        description: decorator_arg(decorators, "description")
                            .map(|d| plain.eval(d).text()),
                    },
                );
            }
            Statement::Metadata(name, value) => {
                let text = plain.eval(value).text();
                let value = if name == "allowedFindings" {
                    serde_json::from_str(&text).expect("findings are JSON")
                } else {
                    Value::String(text)
                };
                metadata.insert(name.clone(), value);
            }
            _ => {}
        }
    }
    model.metadata = Value::Object(metadata);
    let main = Instance::new(statements, markers, String::new(), Rc::new(modules));
    let mut top = UnitView::default();
    main.resources(&mut top);
    model.units.insert(String::new(), top);
    let module_symbols: Vec<String> = main
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Module { symbol, .. } => Some(symbol.clone()),
            _ => None,
        })
        .collect();
    for symbol in module_symbols {
        let (name, unit) = main.unit(&symbol);
        model.units.insert(name, unit);
    }
    let outputs: Vec<(String, String, Expr)> = main
        .statements
        .iter()
        .filter_map(|s| match s {
            Statement::Output { name, kind, value } => {
                Some((name.clone(), kind.clone(), value.clone()))
            }
            _ => None,
        })
        .collect();
    for (name, kind, value) in outputs {
        model.outputs.insert(name, (kind, main.eval(&value).json()));
    }
    model
}
