//! Allows: findings the user accepted on a resource, each with a written reason.
//!
//! An allow names a code (`S0611`) or a RULES.md id (`ST1`) and suppresses that rule's findings
//! involving its resource. It must give a reason (E0691: a blank one suppresses nothing) and must
//! suppress something (W0692), so that stale allows do not hide future findings.

use super::index::FastSet;

use super::{Analysis, Finding};
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::graph::{Graph, ResourceIndex};

pub(super) fn apply(graph: &Graph, findings: Vec<Finding>) -> Analysis {
    let mut used: FastSet<(ResourceIndex, usize)> = FastSet::default();
    let mut diagnostics = Vec::new();
    for finding in findings {
        let code = finding.diagnostic.code;
        // Every matching allow on every involved resource counts as used.
        let mut allowed = false;
        for &at in &finding.resources {
            for (i, allow) in graph.resource(at).allows.iter().enumerate() {
                if !allow.reason.trim().is_empty() && Code::lookup(&allow.rule) == Some(code) {
                    used.insert((at, i));
                    allowed = true;
                }
            }
        }
        if !allowed {
            diagnostics.push(finding.diagnostic);
        }
    }
    let mut allowed = Vec::new();
    for at in graph.indices() {
        let resource = graph.resource(at);
        for (i, allow) in resource.allows.iter().enumerate() {
            let code = Code::lookup(&allow.rule).filter(|c| c.info().rule.is_some());
            if allow.reason.trim().is_empty() {
                diagnostics.push(
                    Diagnostic::new(
                        Code::AllowWithoutReason,
                        format!("the allow for `{}` gives no reason", allow.rule),
                        allow.span,
                        "allowed here",
                    )
                    .with_help(format!(
                        "say why the finding is acceptable: `{{ rule = \"{}\"; reason = \"...\"; }}`; the reason is kept in the template's metadata",
                        allow.rule
                    )),
                );
            } else if used.contains(&(at, i)) {
                allowed.push((at, allow.clone()));
            } else if code.is_none() {
                let names = Code::ALL.iter().filter_map(|c| c.info().rule).chain(
                    Code::ALL
                        .iter()
                        .filter(|c| c.info().rule.is_some())
                        .map(|c| c.as_str()),
                );
                let mut d = Diagnostic::new(
                    Code::UnusedAllow,
                    format!(
                        "`{}` names no analyser rule, so this allow suppresses nothing",
                        allow.rule
                    ),
                    allow.span,
                    "allowed here",
                );
                d = match did_you_mean(&allow.rule, names) {
                    Some(name) => d.with_help(format!("did you mean `{name}`?")),
                    None => d.with_help(
                        "name a RULES.md id (`ST1`) or a code (`S0611`); `sblc explain` lists them",
                    ),
                };
                diagnostics.push(d);
            } else {
                diagnostics.push(
                    Diagnostic::new(
                        Code::UnusedAllow,
                        format!(
                            "the allow for `{}` suppresses nothing: the rule finds nothing on this resource",
                            allow.rule
                        ),
                        allow.span,
                        "allowed here",
                    )
                    .with_help("remove the allow, so that it cannot hide a future finding"),
                );
            }
        }
    }
    Analysis {
        diagnostics,
        allowed,
    }
}
