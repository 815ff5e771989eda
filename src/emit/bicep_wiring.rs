//! How values cross Bicep module boundaries: the names they travel under, and where each file
//! gets a value of a resource it does not declare.
//!
//! A module receives such a value as a parameter ([`ModuleParameters`]); `main.bicep` reads it
//! from the output of the module that deploys the resource ([`ModuleOutputs`]), which is also how
//! Bicep learns that one module waits for another. Each value has one name everywhere (module
//! parameter, `main.bicep` argument, module output): `<symbol>Id`, `<symbol>PrincipalId`, ...,
//! unique among all symbols and parameters.

use std::collections::BTreeSet;

use indexmap::IndexMap;

use crate::graph::{Graph, Reference, ResourceIndex};

use super::bicep_expr::Outside;
use super::units::Units;

/// Names of the values that cross module boundaries, unique among every symbol and parameter.
pub struct ValueNames {
    taken: BTreeSet<String>,
    names: IndexMap<Reference, String>,
}

impl ValueNames {
    pub fn new(graph: &Graph, module_symbols: &[String]) -> ValueNames {
        let taken = graph
            .resources
            .iter()
            .map(|r| r.symbol.clone())
            .chain(graph.parameters.iter().map(|p| p.name.clone()))
            .chain(module_symbols.iter().cloned())
            .collect();
        ValueNames {
            taken,
            names: IndexMap::new(),
        }
    }

    pub fn name(&mut self, graph: &Graph, reference: &Reference) -> String {
        if let Some(name) = self.names.get(reference) {
            return name.clone();
        }
        let base = match reference {
            Reference::Id(r) => format!("{}Id", graph.resource(*r).symbol),
            Reference::Name(r) => format!("{}Name", graph.resource(*r).symbol),
            Reference::Property(r, path) => {
                let mut base = graph.resource(*r).symbol.clone();
                let skip = usize::from(path.first().is_some_and(|p| p == "properties"));
                for segment in &path[skip..] {
                    let clean: String = segment
                        .chars()
                        .filter(char::is_ascii_alphanumeric)
                        .collect();
                    let mut chars = clean.chars();
                    if let Some(first) = chars.next() {
                        base.push(first.to_ascii_uppercase());
                        base.push_str(chars.as_str());
                    }
                }
                base
            }
            Reference::Parameter(name) => name.clone(),
            Reference::Guid(_) | Reference::Context(_) => "value".to_string(),
        };
        let mut name = base.clone();
        let mut counter = 2;
        while self.taken.contains(&name) {
            name = format!("{base}{counter}");
            counter += 1;
        }
        self.taken.insert(name.clone());
        self.names.insert(reference.clone(), name.clone());
        name
    }
}

/// Inside a module: values from elsewhere are parameters of the module.
pub struct ModuleParameters<'a> {
    pub graph: &'a Graph,
    pub names: &'a mut ValueNames,
    /// What the module receives, in the order first needed.
    pub imports: IndexMap<Reference, String>,
}

impl Outside for ModuleParameters<'_> {
    fn value(&mut self, reference: &Reference, _: &mut BTreeSet<String>) -> String {
        let name = self.names.name(self.graph, reference);
        self.imports.insert(reference.clone(), name.clone());
        name
    }
}

/// In `main.bicep`: values of resources in modules are module outputs.
pub struct ModuleOutputs<'a> {
    pub graph: &'a Graph,
    pub units: &'a Units,
    pub module_symbols: &'a [String],
    pub names: &'a mut ValueNames,
    /// Per unit: what it must output, under which name and Bicep type.
    pub exports: Vec<IndexMap<Reference, (String, &'static str)>>,
    /// The type the values being written are used as.
    pub expected_type: &'static str,
}

fn owner(reference: &Reference) -> Option<ResourceIndex> {
    match reference {
        Reference::Id(r) | Reference::Name(r) | Reference::Property(r, _) => Some(*r),
        _ => None,
    }
}

impl Outside for ModuleOutputs<'_> {
    fn value(&mut self, reference: &Reference, used_symbols: &mut BTreeSet<String>) -> String {
        let Some(unit) = owner(reference).and_then(|r| self.units.unit_of[r.0]) else {
            return "''".to_string();
        };
        let name = self.names.name(self.graph, reference);
        let kind = self.expected_type;
        self.exports[unit]
            .entry(reference.clone())
            .and_modify(|export| {
                if export.1 == "string" {
                    export.1 = kind;
                }
            })
            .or_insert((name.clone(), kind));
        let module = &self.module_symbols[unit];
        used_symbols.insert(module.clone());
        format!("{module}.outputs.{name}")
    }

    fn expect_type(&mut self, kind: &'static str) {
        self.expected_type = kind;
    }
}

/// The symbol of each unit's `module` in main.bicep: `<group>Deployment`, `<group>Deployment2`.
pub fn module_symbols(graph: &Graph, units: &Units) -> Vec<String> {
    let mut taken: BTreeSet<String> = graph
        .resources
        .iter()
        .map(|r| r.symbol.clone())
        .chain(graph.parameters.iter().map(|p| p.name.clone()))
        .collect();
    units
        .list
        .iter()
        .map(|unit| {
            let group = &graph.resource(unit.group).symbol;
            let base = if unit.stage == 0 {
                format!("{group}Deployment")
            } else {
                format!("{group}Deployment{}", unit.stage + 1)
            };
            let mut symbol = base.clone();
            while taken.contains(&symbol) {
                symbol.push('_');
            }
            taken.insert(symbol.clone());
            symbol
        })
        .collect()
}
