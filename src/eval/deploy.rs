//! What a program declares for deployment, collected while it evaluates.
//!
//! `resource` and `param` record each declaration here, with the `.sbl` places that led to it.
//! Evaluation is lazy, so a declaration is recorded when its value is first needed; once the
//! program's value is forced completely, the registry holds exactly the resources the program
//! deploys (and those they refer to), in a deterministic order. The registry is per thread
//! because values never leave the evaluation thread; [`evaluate_declared`] resets it.

use std::cell::RefCell;
use std::collections::HashSet;

use foldhash::fast::FixedState;

use super::error::Fallible;
use super::machine::Machine;
use super::value::Value;
use crate::declared::{Declared, DeclaredParameter, DeclaredResource};
use crate::diagnostic::Diagnostic;
use crate::load::Program;
use crate::source::Span;

#[derive(Default)]
struct Registry {
    resources: Vec<(Value, Vec<Span>)>,
    parameters: Vec<(Value, Vec<Span>)>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = RefCell::new(Registry::default());
}

/// Records a resource; returns its index, which reference tokens name.
pub(crate) fn register_resource(spec: Value, trace: Vec<Span>) -> usize {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        r.resources.push((spec, trace));
        r.resources.len() - 1
    })
}

pub(crate) fn register_parameter(spec: Value, trace: Vec<Span>) {
    REGISTRY.with(|r| r.borrow_mut().parameters.push((spec, trace)));
}

fn resource_count() -> usize {
    REGISTRY.with(|r| r.borrow().resources.len())
}

fn resource_spec(index: usize) -> Option<(Value, Vec<Span>)> {
    REGISTRY.with(|r| r.borrow().resources.get(index).cloned())
}

/// Evaluates the program and everything it declares: the value is forced completely (functions
/// inside it are left alone), then each declared resource's record is converted to JSON, which
/// may declare more, until nothing new appears.
pub fn evaluate_declared(program: &Program) -> Result<Declared, Vec<Diagnostic>> {
    REGISTRY.with(|r| *r.borrow_mut() = Registry::default());
    let value = super::evaluate(program)?;
    let span = super::entry_span(program);
    let mut machine = Machine::new();
    force_all(&mut machine, &value, &mut HashSet::default())
        .map_err(|e| vec![e.into_diagnostic()])?;
    let deployment = deployment_fields(&mut machine, &value, span)?;
    let mut resources = Vec::new();
    while resources.len() < resource_count() {
        let Some((spec, trace)) = resource_spec(resources.len()) else {
            break;
        };
        let at = trace.first().copied().unwrap_or(span);
        let serde_json::Value::Object(spec) = json(&mut machine, &spec, at)? else {
            break;
        };
        resources.push(DeclaredResource { spec, trace });
    }
    let parameters = REGISTRY.with(|r| r.borrow().parameters.clone());
    let mut declared_parameters = Vec::with_capacity(parameters.len());
    for (spec, trace) in parameters {
        let at = trace.first().copied().unwrap_or(span);
        if let serde_json::Value::Object(spec) = json(&mut machine, &spec, at)? {
            declared_parameters.push(DeclaredParameter { spec, trace });
        }
    }
    Ok(Declared {
        value: deployment,
        resources,
        parameters: declared_parameters,
    })
}

fn json(
    machine: &mut Machine,
    value: &Value,
    span: Span,
) -> Result<serde_json::Value, Vec<Diagnostic>> {
    super::json::to_json_value(machine, value, span).map_err(|e| vec![e.into_diagnostic()])
}

/// The deployment's fixed fields: `targetScope`, `outputs` and `deployment` (the target `plan`
/// and `apply` default to), when the value is a record.
fn deployment_fields(
    machine: &mut Machine,
    value: &Value,
    span: Span,
) -> Result<serde_json::Value, Vec<Diagnostic>> {
    let mut fields = serde_json::Map::new();
    if let Value::Record(record) = value {
        for name in ["targetScope", "outputs", "deployment"] {
            if let Some(thunk) = record.get(name) {
                let field = machine
                    .force(thunk)
                    .map_err(|e| vec![e.into_diagnostic()])?;
                fields.insert(name.to_string(), json(machine, &field, span)?);
            }
        }
    }
    Ok(serde_json::Value::Object(fields))
}

/// Forces every record field and list item reachable from `value`, in source order, once each
/// (shared records are walked once), without calling functions.
fn force_all(
    machine: &mut Machine,
    value: &Value,
    seen: &mut HashSet<usize, FixedState>,
) -> Fallible<()> {
    // Visited containers stay alive in `walked`, so that no address in `seen` is reused.
    let mut walked: Vec<Value> = Vec::new();
    let mut stack = vec![value.clone()];
    while let Some(value) = stack.pop() {
        let children: Vec<_> = match &value {
            Value::Record(record)
                if seen.insert(std::rc::Rc::as_ptr(record) as *const u8 as usize) =>
            {
                record.iter().map(|(_, thunk)| thunk.clone()).collect()
            }
            Value::List(items) if seen.insert(items.as_ptr() as *const u8 as usize) => {
                items.to_vec()
            }
            _ => continue,
        };
        let mut forced = Vec::with_capacity(children.len());
        for thunk in &children {
            forced.push(machine.force(thunk)?);
        }
        stack.extend(forced.into_iter().rev());
        walked.push(value);
    }
    Ok(())
}
