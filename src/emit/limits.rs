//! ARM's template limits, checked before anything is written, so that a build fails with a
//! diagnostic instead of a deployment failing with `InvalidTemplate`.
//!
//! Limits (ARM documentation, "template limits"): 4 MB of template, 800 resources, 256 parameters,
//! 64 outputs. The size is measured on the compact JSON (what ARM measures, after whitespace is
//! dropped); resources are counted over the whole file, nested deployments and the resources in
//! them included, which is the stricter reading. Bicep modules compile to nested templates of
//! their own, so their parameters and outputs are checked against the same limits.

use serde_json::Value;

use crate::diagnostic::{Code, Diagnostic};
use crate::graph::Graph;
use crate::source::Span;

use super::bicep_modules::BicepFile;

pub const MAX_TEMPLATE_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_RESOURCES: usize = 800;
pub const MAX_PARAMETERS: usize = 256;
pub const MAX_OUTPUTS: usize = 64;

pub fn check_arm(graph: &Graph, template: &Value) -> Result<(), Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let anchor = anchor(graph);
    let size = serde_json::to_string(template).map_or(0, |s| s.len());
    if size > MAX_TEMPLATE_BYTES {
        let largest = graph
            .resources
            .iter()
            .max_by_key(|r| format!("{:?}", r.body).len());
        let mut diagnostic = Diagnostic::new(
            Code::TemplateTooLarge,
            format!(
                "main.json would be {size} bytes ({:.1} MB); ARM accepts at most 4 MB ({MAX_TEMPLATE_BYTES} bytes)",
                size as f64 / (1024.0 * 1024.0)
            ),
            largest.map_or(anchor, |r| r.origin),
            "the largest resource",
        )
        .with_help("move large content (scripts, certificates, JSON documents) to storage and reference it by URL, or split the deployment");
        if let Some(resource) = largest {
            diagnostic =
                diagnostic.with_note(format!("the largest resource is `{}`", resource.symbol));
        }
        problems.push(diagnostic);
    }
    let resources = count_resources(template);
    if resources > MAX_RESOURCES {
        problems.push(
            Diagnostic::new(
                Code::TooManyResources,
                format!("main.json would declare {resources} resources; ARM accepts at most {MAX_RESOURCES} per template"),
                graph.resources.get(MAX_RESOURCES).map_or(anchor, |r| r.origin),
                match graph.resources.get(MAX_RESOURCES) {
                    Some(_) => format!("resource number {} is created here", MAX_RESOURCES + 1),
                    None => "the first resource".to_string(),
                },
            )
            .with_help("split the landing zone into several deployments (for example one per spoke)")
            .with_note("nested deployments and the resources inside them count too"),
        );
    }
    problems.extend(
        count_check(
            graph.parameters.len(),
            graph.parameters.get(MAX_PARAMETERS).map(|p| p.origin),
            anchor,
            "main.json",
        )
        .parameters(),
    );
    problems.extend(
        count_check(
            graph.outputs.len(),
            graph.outputs.get(MAX_OUTPUTS).map(|o| o.origin),
            anchor,
            "main.json",
        )
        .outputs(),
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Parameter and output counts of the Bicep modules (main's are the graph's, checked for ARM).
pub fn check_bicep_modules(graph: &Graph, files: &[BicepFile]) -> Result<(), Vec<Diagnostic>> {
    let anchor = anchor(graph);
    let mut problems = Vec::new();
    // main.bicep declares the graph's parameters and outputs: checked below, pointing at them.
    for file in files.iter().filter(|f| f.path.starts_with("modules")) {
        let name = file.path.display().to_string();
        let check = count_check(file.parameter_count, None, anchor, &name);
        problems.extend(check.parameters());
        let check = count_check(file.output_count, None, anchor, &name);
        problems.extend(check.outputs());
    }
    problems.extend(check_arm_counts_only(graph));
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

fn check_arm_counts_only(graph: &Graph) -> Vec<Diagnostic> {
    let anchor = anchor(graph);
    let mut out = count_check(
        graph.parameters.len(),
        graph.parameters.get(MAX_PARAMETERS).map(|p| p.origin),
        anchor,
        "main.bicep",
    )
    .parameters()
    .into_iter()
    .collect::<Vec<_>>();
    out.extend(
        count_check(
            graph.outputs.len(),
            graph.outputs.get(MAX_OUTPUTS).map(|o| o.origin),
            anchor,
            "main.bicep",
        )
        .outputs(),
    );
    out
}

struct CountCheck<'a> {
    count: usize,
    first_over: Option<Span>,
    anchor: Span,
    file: &'a str,
}

fn count_check(count: usize, first_over: Option<Span>, anchor: Span, file: &str) -> CountCheck<'_> {
    CountCheck {
        count,
        first_over,
        anchor,
        file,
    }
}

impl CountCheck<'_> {
    fn parameters(&self) -> Option<Diagnostic> {
        (self.count > MAX_PARAMETERS).then(|| {
            Diagnostic::new(
                Code::TooManyParameters,
                format!(
                    "{} would declare {} parameters; ARM accepts at most {MAX_PARAMETERS}",
                    self.file, self.count
                ),
                self.first_over.unwrap_or(self.anchor),
                format!("parameter number {} is declared here", MAX_PARAMETERS + 1),
            )
            .with_help("group related settings into one object parameter, or give them fixed values in the .sbl file")
        })
    }

    fn outputs(&self) -> Option<Diagnostic> {
        (self.count > MAX_OUTPUTS).then(|| {
            Diagnostic::new(
                Code::TooManyOutputs,
                format!(
                    "{} would declare {} outputs; ARM accepts at most {MAX_OUTPUTS}",
                    self.file, self.count
                ),
                self.first_over.unwrap_or(self.anchor),
                format!("output number {} is declared here", MAX_OUTPUTS + 1),
            )
            .with_help("return one object output that holds the values instead of many outputs")
        })
    }
}

/// Where a diagnostic about the whole template points: the first resource, parameter or output.
fn anchor(graph: &Graph) -> Span {
    graph
        .resources
        .first()
        .map(|r| r.origin)
        .or_else(|| graph.parameters.first().map(|p| p.origin))
        .or_else(|| graph.outputs.first().map(|o| o.origin))
        .unwrap_or_default()
}

/// Resources in a template, nested deployments' inner templates included.
fn count_resources(template: &Value) -> usize {
    let Some(resources) = template.get("resources").and_then(Value::as_array) else {
        return 0;
    };
    resources
        .iter()
        .map(|r| 1 + r.pointer("/properties/template").map_or(0, count_resources))
        .sum()
}
