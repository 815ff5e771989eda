//! `apply`: deploying a build, in the order that makes a first apply on an empty subscription
//! work end to end.
//!
//! 1. **Plan**: what-if on the whole template (done by the caller).
//! 2. **Check the uploads** ([`check_uploads`]): which start-task scripts and package zips are
//!    not in storage yet (a blob whose `sha256` metadata matches is current). When the plan
//!    creates the storage account, nothing can be checked yet: every upload is pending. The
//!    caller shows the plan with the pending files and asks; [`apply`] does the rest.
//! 3. **Foundation**: when uploads are pending, the plan creates their storage (an account or a
//!    container) and the template has pools, deploy the template without its pools first
//!    (deployment `<name>-foundation`): resource groups, network, storage account and
//!    containers, identities, role assignments, Batch account. When the storage exists, the
//!    files go straight there.
//! 4. **Upload** what is pending, into the containers the foundation created. When storage is
//!    unreachable from here (it has no public endpoint), stop before any pool exists.
//! 5. **Deploy** the whole template (deployment `<name>`): the pools are created last, and their
//!    start tasks find their packages.
//!
//! Nothing is deployed when the plan has no change and no upload is pending. Every deployment
//! is followed to its end, with per-resource progress; Ctrl-C asks the [`Ui`] whether to cancel
//! the deployment in Azure.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::arm::{Arm, ArmError, CallError, Operation, Scope, Status};
use super::template;
use super::upload::{self, UploadError, Uploader};
use super::whatif::Plan;
use crate::emit::start_task::Upload;

/// Where and under which name a deployment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub scope: Scope,
    /// The deployment's location (subscription deployments keep their metadata there).
    pub location: String,
    pub name: String,
}

/// What `apply` deploys.
pub struct Deployment<'a> {
    pub target: &'a Target,
    pub template: &'a Value,
    /// `{name: {value}}`, secure values included: never printed.
    pub parameters: &'a Value,
    pub uploads: &'a [Upload],
    pub skip_upload: bool,
    /// How long to follow one deployment; after that it is left running in Azure.
    pub timeout: Duration,
}

/// What the person (or the pipeline) running apply sees and decides.
pub trait Ui {
    /// A step starts, e.g. "deploying sblc-main".
    fn step(&mut self, text: &str);
    /// An operation of a deployment reached a new state.
    fn operation(&mut self, operation: &Operation);
    fn uploaded(&mut self, upload: &Upload, outcome: upload::Outcome);
    /// Ctrl-C was pressed while a deployment runs: cancel it in Azure (`true`) or leave it
    /// running and stop following it (`false`).
    fn cancel_on_interrupt(&mut self) -> bool;
}

/// How an apply ended, when nothing went wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The deployments made, in order (none when nothing changed).
    pub deployments: Vec<String>,
    pub uploaded: usize,
    pub already_current: usize,
}

/// How an apply ended, when something did.
#[derive(Debug)]
pub enum ApplyError {
    Call(CallError),
    /// The deployment failed: its error and the failed operations (nested ones included).
    Failed {
        deployment: String,
        error: Option<ArmError>,
        operations: Vec<Operation>,
    },
    /// Cancelled on request; the final state is `Canceled` (or what ARM ended with).
    Canceled {
        deployment: String,
        status: Status,
    },
    /// Left running in Azure after Ctrl-C.
    Detached {
        deployment: String,
    },
    /// Still running in Azure after the timeout; left running.
    TimedOut {
        deployment: String,
    },
    /// Ctrl-C between two steps: the steps before it are done, nothing after it started.
    Interrupted,
    Upload {
        upload: Upload,
        error: UploadError,
    },
}

impl From<CallError> for ApplyError {
    fn from(error: CallError) -> ApplyError {
        ApplyError::Call(error)
    }
}

/// The start-task files of a deployment, sorted by whether storage already has them.
#[derive(Debug, Default)]
pub struct Uploads<'a> {
    /// To upload (all of them when the plan creates the storage account).
    pub pending: Vec<&'a Upload>,
    /// Already in storage with the same SHA-256.
    pub current: Vec<&'a Upload>,
    /// Whether the plan creates a storage account: then nothing could be checked.
    pub storage_is_new: bool,
}

/// Step 2 of the module documentation: which files storage lacks (none with `skip_upload`).
pub async fn check_uploads<'a>(
    arm: &Arm,
    deployment: &Deployment<'a>,
    plan: &Plan,
) -> Result<Uploads<'a>, ApplyError> {
    let storage_is_new = plan.changes.iter().any(|c| {
        c.change_type == super::whatif::ChangeType::Create
            && c.resource_id
                .to_ascii_lowercase()
                .contains("/providers/microsoft.storage/storageaccounts/")
    });
    let mut uploads = Uploads {
        storage_is_new,
        ..Uploads::default()
    };
    if deployment.skip_upload {
        return Ok(uploads);
    }
    if storage_is_new {
        uploads.pending = deployment.uploads.iter().collect();
        return Ok(uploads);
    }
    let uploader = Uploader::of(arm);
    for upload in deployment.uploads {
        match uploader.is_current(upload).await {
            Ok(true) => uploads.current.push(upload),
            Ok(false) => uploads.pending.push(upload),
            Err(error) => return Err(upload_error(upload, error)),
        }
    }
    Ok(uploads)
}

/// Runs steps 3 to 5 of the module documentation for a deployment whose plan and uploads the
/// caller has shown (and had confirmed).
pub async fn apply(
    arm: &Arm,
    deployment: &Deployment<'_>,
    plan: &Plan,
    uploads: &Uploads<'_>,
    interrupted: &Arc<AtomicBool>,
    ui: &mut dyn Ui,
) -> Result<Applied, ApplyError> {
    let mut applied = Applied {
        deployments: Vec::new(),
        uploaded: 0,
        already_current: uploads.current.len(),
    };
    let pending = &uploads.pending;
    if !plan.has_changes() && pending.is_empty() {
        return Ok(applied);
    }
    let target = deployment.target;
    // The foundation is needed only when the files have nowhere to go yet.
    if !pending.is_empty() && uploads.storage_is_new && template::has_pools(deployment.template) {
        if was_interrupted(interrupted) {
            return Err(ApplyError::Interrupted);
        }
        let name = format!("{}-foundation", target.name);
        ui.step(&format!(
            "deploying {name}: everything but the pools, so that their packages can be uploaded first"
        ));
        let foundation = template::without_pools(deployment.template);
        let body = template::body(
            &target.scope,
            &target.location,
            &foundation,
            deployment.parameters,
        );
        follow(arm, deployment, &name, &body, interrupted, ui).await?;
        applied.deployments.push(name);
    }
    if !pending.is_empty() {
        ui.step(&format!("uploading {} start-task file(s)", pending.len()));
    }
    let uploader = Uploader::of(arm);
    for upload in pending.iter().copied() {
        if was_interrupted(interrupted) {
            return Err(ApplyError::Interrupted);
        }
        match uploader.upload(upload).await {
            Ok(outcome) => {
                match outcome {
                    upload::Outcome::Current => applied.already_current += 1,
                    upload::Outcome::Uploaded => applied.uploaded += 1,
                }
                ui.uploaded(upload, outcome);
            }
            Err(error) => return Err(upload_error(upload, error)),
        }
    }
    if plan.has_changes() {
        if was_interrupted(interrupted) {
            return Err(ApplyError::Interrupted);
        }
        ui.step(&format!("deploying {}", target.name));
        let body = template::body(
            &target.scope,
            &target.location,
            deployment.template,
            deployment.parameters,
        );
        follow(arm, deployment, &target.name, &body, interrupted, ui).await?;
        applied.deployments.push(target.name.clone());
    }
    Ok(applied)
}

/// Whether Ctrl-C was pressed (checked between steps; a running deployment asks instead).
fn was_interrupted(interrupted: &AtomicBool) -> bool {
    interrupted.load(Ordering::SeqCst)
}

fn upload_error(upload: &Upload, error: UploadError) -> ApplyError {
    ApplyError::Upload {
        upload: upload.clone(),
        error,
    }
}

/// How often a waiting poll loop looks at the Ctrl-C flag.
const INTERRUPT_CHECK: Duration = Duration::from_millis(50);

/// Starts the deployment `name` (one of `deployment`'s steps) and follows it to its end (or
/// until Ctrl-C or the deployment's timeout), reporting operations as they change.
async fn follow(
    arm: &Arm,
    deployment: &Deployment<'_>,
    name: &str,
    body: &Value,
    interrupted: &AtomicBool,
    ui: &mut dyn Ui,
) -> Result<(), ApplyError> {
    let (scope, timeout) = (&deployment.target.scope, deployment.timeout);
    let started = std::time::Instant::now();
    let (status_url, mut wait) = arm.start_deployment(scope, name, body).await?;
    let path = scope.deployment_path(name);
    let mut seen: HashMap<String, String> = HashMap::new();
    let mut cancel_requested = false;
    loop {
        let mut waited = Duration::ZERO;
        while waited < wait {
            if interrupted.load(Ordering::SeqCst) && !cancel_requested {
                break;
            }
            tokio::time::sleep(INTERRUPT_CHECK).await;
            waited += INTERRUPT_CHECK;
        }
        if interrupted.swap(false, Ordering::SeqCst) && !cancel_requested {
            if !ui.cancel_on_interrupt() {
                return Err(ApplyError::Detached {
                    deployment: name.to_string(),
                });
            }
            ui.step(&format!("cancelling {name}"));
            match arm.cancel(scope, name).await {
                // 409: it ended meanwhile; the next poll tells how.
                Ok(()) | Err(CallError::Arm(ArmError { status: 409, .. })) => {}
                Err(other) => return Err(other.into()),
            }
            cancel_requested = true;
        }
        if started.elapsed() > timeout && !cancel_requested {
            return Err(ApplyError::TimedOut {
                deployment: name.to_string(),
            });
        }
        let (status, next) = arm.status(&status_url).await?;
        wait = next;
        let operations = all_operations(arm, &path).await?;
        for operation in &operations {
            let key = format!("{}|{}", operation.resource_id, operation.operation_id);
            if seen.get(&key) != Some(&operation.state) {
                seen.insert(key, operation.state.clone());
                ui.operation(operation);
            }
        }
        match status {
            Status::Running => continue,
            Status::Succeeded if !cancel_requested => return Ok(()),
            Status::Failed(error) if !cancel_requested => {
                return Err(ApplyError::Failed {
                    deployment: name.to_string(),
                    error,
                    operations: operations
                        .into_iter()
                        .filter(|o| o.error.is_some() && !o.is_nested_deployment())
                        .collect(),
                })
            }
            status => {
                return Err(ApplyError::Canceled {
                    deployment: name.to_string(),
                    status,
                })
            }
        }
    }
}

/// A deployment's operations and, for each nested deployment, its own (depth first).
async fn all_operations(arm: &Arm, deployment_path: &str) -> Result<Vec<Operation>, CallError> {
    let mut operations = Vec::new();
    let mut pending = vec![deployment_path.to_string()];
    let mut listed = std::collections::HashSet::new();
    while let Some(path) = pending.pop() {
        if !listed.insert(path.to_ascii_lowercase()) {
            continue;
        }
        match arm.operations(&path).await {
            Ok(found) => {
                for operation in found {
                    if operation.is_nested_deployment() && !operation.resource_id.is_empty() {
                        pending.push(operation.resource_id.clone());
                    }
                    operations.push(operation);
                }
            }
            // A nested deployment that has not started yet has no operations to list.
            Err(CallError::Arm(error)) if error.status == 404 && path != deployment_path => {}
            Err(other) => return Err(other),
        }
    }
    Ok(operations)
}
