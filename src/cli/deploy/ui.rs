//! What `plan` and `apply` show while they work: per-resource progress (an indicatif spinner on
//! a terminal, plain lines otherwise), questions, and Azure's errors as diagnostics on the
//! `.sbl` lines that made the resources.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sblc::deploy::apply::Ui;
use sblc::deploy::arm::{ArmError, Operation};
use sblc::deploy::origins::Origins;
use sblc::deploy::upload;
use sblc::diagnostic::{Code, Diagnostic};
use sblc::emit::start_task::Upload;
use sblc::source::SourceMap;

use crate::cli::Output;

/// Progress and questions on stderr.
pub struct Terminal<'a> {
    output: &'a Output,
    pub sources: &'a SourceMap,
    pub origins: &'a Origins,
    pub cancel_on_interrupt: bool,
    bar: Option<ProgressBar>,
    done: usize,
}

impl<'a> Terminal<'a> {
    pub fn new(
        output: &'a Output,
        sources: &'a SourceMap,
        origins: &'a Origins,
        cancel_on_interrupt: bool,
    ) -> Self {
        Terminal {
            output,
            sources,
            origins,
            cancel_on_interrupt,
            bar: None,
            done: 0,
        }
    }

    fn line(&self, text: &str) {
        match &self.bar {
            Some(bar) => bar.println(self.output.secrets.redact(text)),
            None => self.output.say(text),
        }
    }

    /// Stops the spinner (before a question, or at the end).
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

impl Ui for Terminal<'_> {
    fn step(&mut self, text: &str) {
        self.finish();
        self.output.say(text);
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template("  {spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(120));
            self.bar = Some(bar);
        }
        self.done = 0;
    }

    fn operation(&mut self, operation: &Operation) {
        // ARM's own steps (evaluating outputs) have no target resource.
        if operation.resource_type.is_empty() {
            return;
        }
        let origin = self
            .origins
            .find(&operation.resource_id)
            .map(|origin| format!("  ({})", origin.describe(self.sources)))
            .unwrap_or_default();
        let what = format!("{} {}", operation.resource_type, operation.resource_name);
        match operation.state.as_str() {
            "Succeeded" | "Failed" | "Canceled" => {
                self.done += 1;
                self.line(&format!("  {:<9} {what}{origin}", operation.state));
            }
            state => {
                if let Some(bar) = &self.bar {
                    bar.set_message(format!("{state}: {what} ({} done)", self.done));
                }
            }
        }
    }

    fn uploaded(&mut self, upload: &Upload, outcome: upload::Outcome) {
        let word = match outcome {
            upload::Outcome::Uploaded => "uploaded",
            upload::Outcome::Current => "unchanged",
        };
        self.line(&format!(
            "  {word:<9} {} -> {}",
            upload::source_name(upload),
            upload.blob_url
        ));
    }

    fn cancel_on_interrupt(&mut self) -> bool {
        self.finish();
        if self.cancel_on_interrupt {
            return true;
        }
        if !std::io::stdin().is_terminal() {
            self.output.say("interrupted: the deployment goes on in Azure (pass --cancel-on-interrupt to cancel it instead)");
            return false;
        }
        ask("Cancel the deployment in Azure? [y/N] ")
    }
}

/// Asks a yes/no question on the terminal; anything but `y`/`yes` is no.
pub fn ask(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// A failed operation as a diagnostic at the resource's origin; `None` when the program did not
/// make the resource (then the caller prints it as text).
pub fn failure_diagnostic(
    operation: &Operation,
    error: &ArmError,
    origins: &Origins,
    deployment: &str,
) -> Option<Diagnostic> {
    let origin = origins.find(&operation.resource_id)?;
    let cause = error.root_causes().into_iter().next().unwrap_or(error);
    let mut diagnostic = Diagnostic::new(
        Code::ResourceDeploymentFailed,
        format!(
            "Azure rejected {} `{}`: {}",
            operation.resource_type, operation.resource_name, cause.code
        ),
        origin.span,
        "this made the resource",
    )
    .with_note(format!("Azure says: {}", cause.message))
    .with_note(format!(
        "deployment `{deployment}`, operation {}",
        operation.operation_id
    ));
    for call in &origin.calls {
        diagnostic = diagnostic.with_label(*call, "called here");
    }
    if let Some(help) = access_help(cause) {
        diagnostic = diagnostic.with_help(help);
    }
    Some(diagnostic)
}

/// For 401 and 403 errors: which role on which scope is missing, read from ARM's message
/// ("... does not have authorization to perform action 'A' over scope 'S' ...").
pub fn access_help(error: &ArmError) -> Option<String> {
    if error.status == 401
        || error.code == "InvalidAuthenticationToken"
        || error.code == "AuthenticationFailed"
    {
        return Some(
            "the token was refused: sign in again (`az login`, or check AZURE_TENANT_ID) for the tenant of the subscription".into(),
        );
    }
    if error.status != 403 && error.code != "AuthorizationFailed" {
        return None;
    }
    let quoted = |after: &str| {
        let start = error.message.find(after)? + after.len();
        let rest = &error.message[start..];
        let rest = rest.strip_prefix('\'')?;
        Some(rest[..rest.find('\'')?].to_string())
    };
    let action = quoted("perform action ")?;
    let scope = quoted("over scope ").unwrap_or_else(|| "the deployment's scope".into());
    let role = if action.starts_with("Microsoft.Authorization/roleAssignments/") {
        "Owner, User Access Administrator or Role Based Access Control Administrator"
    } else if action.ends_with("/read") {
        "Reader (or any role that includes it)"
    } else {
        "Contributor (or Owner)"
    };
    Some(format!(
        "the signed-in principal may not `{action}`: it needs {role} on `{scope}`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_action_names_the_role_and_the_scope() {
        let error = ArmError {
            status: 403,
            code: "AuthorizationFailed".into(),
            message: "The client 'x' with object id 'y' does not have authorization to perform action 'Microsoft.Authorization/roleAssignments/write' over scope '/subscriptions/s/resourceGroups/rg' or the scope is invalid.".into(),
            details: Vec::new(),
        };
        let help = access_help(&error).expect("help");
        assert!(help.contains("Owner, User Access Administrator"), "{help}");
        assert!(
            help.contains("`/subscriptions/s/resourceGroups/rg`"),
            "{help}"
        );
    }
}
