//! `sblc plan` and `sblc apply`: build, sign in, read the live state, ask ARM's what-if, and
//! (for apply) deploy in the order `sblc::deploy::apply` documents. `apply --watch` does it again
//! on every save whose templates changed.

mod target;
mod ui;

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use sblc::deploy::apply::{self, ApplyError, Target};
use sblc::deploy::arm::{Arm, CallError, Status};
use sblc::deploy::auth::{self, Method};
use sblc::deploy::cloud::Cloud;
use sblc::deploy::http::Http;
use sblc::deploy::origins::Origins;
use sblc::deploy::whatif::Plan;
use sblc::deploy::{live, template};
use sblc::diagnostic::{Code, Diagnostic};
use sblc::driver::{self, Built, Outcome};
use serde_json::Value;

use super::{Output, EXIT_INPUT_ERRORS, EXIT_USAGE};
use ui::Terminal;

/// Flags shared by `plan` and `apply`.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// The program's entry file.
    #[arg(default_value = "main.sbl")]
    file: PathBuf,
    /// The subscription to deploy to.
    #[arg(long, env = "AZURE_SUBSCRIPTION_ID")]
    subscription: Option<String>,
    /// The resource group, for programs that deploy into one.
    #[arg(long, env = "AZURE_RESOURCE_GROUP")]
    resource_group: Option<String>,
    /// Where a subscription deployment keeps its metadata (default: the first resource group's
    /// location).
    #[arg(long)]
    location: Option<String>,
    /// The deployment's name (default: `sblc-<folder of the entry file>`).
    #[arg(long)]
    name: Option<String>,
    /// A parameter value, NAME=VALUE (repeatable). Prefer `SBLC_PARAM_<NAME>` for secrets.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    param: Vec<String>,
    /// An ARM parameters file whose values override the build's main.parameters.json.
    #[arg(long)]
    parameters: Option<PathBuf>,
    /// Which credential to use; `auto` tries env, workload, managed, cli in that order.
    #[arg(long, value_enum, default_value_t = AuthChoice::Auto)]
    auth: AuthChoice,
    /// The Azure cloud.
    #[arg(long, value_enum, default_value_t = CloudChoice::Public, env = "SBLC_CLOUD")]
    cloud: CloudChoice,
    /// Resource Manager endpoint override (tests, private clouds).
    #[arg(long, env = "SBLC_ARM_ENDPOINT", value_name = "URL")]
    arm_endpoint: Option<String>,
    /// Entra ID authority override.
    #[arg(long, env = "AZURE_AUTHORITY_HOST", value_name = "URL")]
    authority_host: Option<String>,
    /// Blob endpoint override; `{account}` is the storage account's name
    /// (e.g. `https://127.0.0.1:10000/{account}` for Azurite).
    #[arg(long, env = "SBLC_BLOB_ENDPOINT", value_name = "URL")]
    blob_endpoint: Option<String>,
}

/// `sblc apply`'s own flags.
#[derive(Args, Debug)]
pub struct ApplyArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Deploy without asking (a run without a terminal must say so).
    #[arg(long, short = 'y')]
    yes: bool,
    /// Deploy again on every save whose templates changed.
    #[arg(long)]
    watch: bool,
    /// On Ctrl-C during a deployment, cancel it in Azure without asking.
    #[arg(long)]
    cancel_on_interrupt: bool,
    /// Do not upload start-task files (they were uploaded from inside the network).
    #[arg(long)]
    skip_upload: bool,
    /// Stop following a deployment after this many minutes (it goes on in Azure).
    #[arg(long, value_name = "MINUTES", default_value_t = 180)]
    timeout: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum AuthChoice {
    Auto,
    Env,
    Workload,
    Managed,
    Cli,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CloudChoice {
    Public,
    UsGovernment,
    China,
}

/// `plan`'s exit codes, as `terraform plan -detailed-exitcode`.
const PLAN_NO_CHANGES: u8 = 0;
const PLAN_ERROR: u8 = 1;
const PLAN_CHANGES: u8 = 2;

/// A signed-in session: one runtime, one HTTP client, one credential for the whole run.
struct Session {
    runtime: tokio::runtime::Runtime,
    arm: Arm,
    interrupted: Arc<AtomicBool>,
}

impl Session {
    fn start(args: &TargetArgs) -> Result<Session, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        let mut endpoints = match args.cloud {
            CloudChoice::Public => Cloud::Public,
            CloudChoice::UsGovernment => Cloud::UsGovernment,
            CloudChoice::China => Cloud::China,
        }
        .endpoints();
        if let Some(arm) = &args.arm_endpoint {
            endpoints.arm = arm.trim_end_matches('/').to_string();
        }
        if let Some(authority) = &args.authority_host {
            endpoints.authority = authority.trim_end_matches('/').to_string();
        }
        endpoints.blob_endpoint = args.blob_endpoint.clone();
        let http = Http::new()?;
        let method = match args.auth {
            AuthChoice::Auto => Method::Auto,
            AuthChoice::Env => Method::Env,
            AuthChoice::Workload => Method::Workload,
            AuthChoice::Managed => Method::Managed,
            AuthChoice::Cli => Method::Cli,
        };
        let credential = runtime.block_on(auth::sign_in(
            method,
            &endpoints.authority,
            &http,
            &endpoints.arm_scope(),
        ))?;
        let interrupted = super::interrupt::flag()?;
        Ok(Session {
            runtime,
            arm: Arm::new(http, endpoints, credential),
            interrupted,
        })
    }
}

/// A build checked against the live state, with its plan.
struct Planned {
    outcome: Outcome<Built>,
    target: Target,
    template: Value,
    parameters: Value,
    origins: Origins,
    plan: Plan,
}

/// What planning found.
enum Planning {
    Planned(Box<Planned>),
    /// The templates and parameters equal `unless` (the last apply of `--watch`): nothing to
    /// ask Azure. The program's files, to watch.
    Unchanged(Vec<PathBuf>),
}

/// Why planning stopped: already reported, with the exit code class.
enum Stop {
    /// Diagnostics were printed.
    Input,
    /// A usage or environment problem, printed.
    Usage,
}

pub fn run_plan(args: &TargetArgs, output: &Output) -> ExitCode {
    let session = match Session::start(args) {
        Ok(session) => session,
        Err(error) => {
            output.say(format_args!("error: {error}"));
            return ExitCode::from(PLAN_ERROR);
        }
    };
    let planned = match plan(&session, args, output, None) {
        Ok(Planning::Planned(planned)) => planned,
        Ok(Planning::Unchanged(_)) | Err(_) => return ExitCode::from(PLAN_ERROR),
    };
    show_plan(&planned, output);
    ExitCode::from(if planned.plan.has_changes() {
        PLAN_CHANGES
    } else {
        PLAN_NO_CHANGES
    })
}

pub fn run_apply(args: &ApplyArgs, output: &Output) -> ExitCode {
    if !args.yes && !std::io::stdin().is_terminal() {
        output
            .say("error: apply asks before deploying, and there is no terminal to ask: pass --yes");
        return ExitCode::from(EXIT_USAGE);
    }
    let session = match Session::start(&args.target) {
        Ok(session) => session,
        Err(error) => {
            output.say(format_args!("error: {error}"));
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if args.watch {
        let mut last_applied: Option<(Value, Value)> = None;
        return super::watch::run(|| {
            let (_, files) = apply_once(&session, args, output, &mut last_applied);
            files
        });
    }
    apply_once(&session, args, output, &mut None).0
}

/// One apply; returns the exit code and the program's files (for `--watch`). `last_applied`
/// holds the template and parameters of the last successful apply, to skip unchanged builds.
fn apply_once(
    session: &Session,
    args: &ApplyArgs,
    output: &Output,
    last_applied: &mut Option<(Value, Value)>,
) -> (ExitCode, Vec<PathBuf>) {
    let started = std::time::Instant::now();
    let planned = match plan(session, &args.target, output, last_applied.as_ref()) {
        Ok(Planning::Planned(planned)) => planned,
        Ok(Planning::Unchanged(files)) => {
            output.say("templates unchanged since the last apply; nothing to do");
            return (ExitCode::SUCCESS, files);
        }
        Err((stop, files)) => {
            let code = match stop {
                Stop::Input => EXIT_INPUT_ERRORS,
                Stop::Usage => EXIT_USAGE,
            };
            return (ExitCode::from(code), files);
        }
    };
    let files = program_files(&args.target.file, Some(&planned.outcome));
    show_plan(&planned, output);
    let Some(built) = &planned.outcome.value else {
        return (ExitCode::from(EXIT_INPUT_ERRORS), files);
    };
    let deployment = apply::Deployment {
        target: &planned.target,
        template: &planned.template,
        parameters: &planned.parameters,
        uploads: &built.uploads,
        skip_upload: args.skip_upload,
        timeout: std::time::Duration::from_secs(args.timeout.saturating_mul(60)),
    };
    let uploads = session.runtime.block_on(apply::check_uploads(
        &session.arm,
        &deployment,
        &planned.plan,
    ));
    let uploads = match uploads {
        Ok(uploads) => uploads,
        Err(error) => {
            report_failure(&error, &planned, output);
            return (ExitCode::from(exit_code(&error)), files);
        }
    };
    show_uploads(&uploads, output);
    let changes = planned.plan.has_changes() || !uploads.pending.is_empty();
    if changes && !args.yes && !ui::ask("Deploy these changes? [y/N] ") {
        output.say("nothing deployed");
        return (ExitCode::SUCCESS, files);
    }
    let mut terminal = Terminal::new(
        output,
        &planned.outcome.program.sources,
        &planned.origins,
        args.cancel_on_interrupt,
    );
    // From here on, Ctrl-C is a question for a running deployment, not the end of sblc.
    super::interrupt::catch();
    let result = session.runtime.block_on(apply::apply(
        &session.arm,
        &deployment,
        &planned.plan,
        &uploads,
        &session.interrupted,
        &mut terminal,
    ));
    terminal.finish();
    let seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(applied) if applied.deployments.is_empty() && applied.uploaded == 0 => {
            output.say(format_args!(
                "no changes: nothing deployed ({seconds:.1} s)"
            ));
        }
        Ok(applied) => {
            output.say(format_args!(
                "applied in {seconds:.1} s: {} deployment(s) ({}), {} file(s) uploaded, {} already in storage",
                applied.deployments.len(),
                applied.deployments.join(", "),
                applied.uploaded,
                applied.already_current
            ));
        }
        Err(error) => {
            report_failure(&error, &planned, output);
            return (ExitCode::from(exit_code(&error)), files);
        }
    }
    *last_applied = Some((
        without_metadata(&planned.template),
        planned.parameters.clone(),
    ));
    (ExitCode::SUCCESS, files)
}

/// Azure refused the program (or storage a file): the input's fault, 1. Nothing reached, or
/// the run stopped: 2, as for I/O errors.
fn exit_code(error: &ApplyError) -> u8 {
    match error {
        ApplyError::Failed { .. } | ApplyError::Upload { .. } => EXIT_INPUT_ERRORS,
        _ => EXIT_USAGE,
    }
}

/// The start-task files after the plan: which go up, which storage already has.
fn show_uploads(uploads: &apply::Uploads, output: &Output) {
    let total = uploads.pending.len() + uploads.current.len();
    if total == 0 {
        return;
    }
    let when = if uploads.storage_is_new {
        " (their storage is new: all go up once it exists)"
    } else {
        ""
    };
    output.say(format_args!(
        "Start-task files: {} to upload, {} unchanged{when}",
        uploads.pending.len(),
        uploads.current.len()
    ));
    let lines = (uploads.pending.iter().map(|u| ("upload", u)))
        .chain(uploads.current.iter().map(|u| ("unchanged", u)));
    for (word, upload) in lines {
        output.say(format_args!(
            "  {word:<9} {} -> {}",
            sblc::deploy::upload::source_name(upload),
            upload.blob_url
        ));
    }
}

/// The template without its `metadata` (generator and inputs hash): a comment-only edit changes
/// the inputs hash and nothing that deploys.
fn without_metadata(template: &Value) -> Value {
    let mut template = template.clone();
    if let Some(object) = template.as_object_mut() {
        object.remove("metadata");
    }
    template
}

fn program_files(entry: &Path, outcome: Option<&Outcome<Built>>) -> Vec<PathBuf> {
    let files = outcome.map(|o| o.program.disk_files()).unwrap_or_default();
    if files.is_empty() {
        vec![entry.to_path_buf()]
    } else {
        files
    }
}

/// Builds, resolves target and parameters, stops there if they equal `unless`, else reads the
/// live state, re-checks with it and runs what-if.
fn plan(
    session: &Session,
    args: &TargetArgs,
    output: &Output,
    unless: Option<&(Value, Value)>,
) -> Result<Planning, (Stop, Vec<PathBuf>)> {
    let entry = &args.file;
    let fail = |stop, outcome: Option<&Outcome<Built>>| (stop, program_files(entry, outcome));
    let outcome = match driver::build_for_deployment(entry, &output.analysis) {
        Ok(outcome) => outcome,
        Err(error) => {
            super::io_error(entry, &error);
            return Err(fail(Stop::Usage, None));
        }
    };
    let Some(built) = outcome
        .value
        .as_ref()
        .filter(|_| !output.fails(&outcome.diagnostics))
    else {
        output.diagnostics(&outcome.diagnostics, &outcome.program.sources);
        output.say("build failed; nothing planned");
        return Err(fail(Stop::Input, Some(&outcome)));
    };
    let usage = |error: String, outcome: &Outcome<Built>| {
        output.say(format_args!("error: {error}"));
        fail(Stop::Usage, Some(outcome))
    };
    let target = match target::resolve(args, &built.graph, &built.settings, entry) {
        Ok(target) => target,
        Err(error) => return Err(usage(error, &outcome)),
    };
    let (template, parameters) = match target::parameters(args, &built.files) {
        Ok(values) => values,
        Err(error) => return Err(usage(error, &outcome)),
    };
    if unless.is_some_and(|(t, p)| *t == without_metadata(&template) && *p == parameters) {
        return Ok(Planning::Unchanged(program_files(entry, Some(&outcome))));
    }
    output
        .secrets
        .add(target::secure_values(&template, &parameters));
    let live = session.runtime.block_on(live::gather(
        &session.arm,
        &built.graph,
        &target.scope,
        &parameters,
    ));
    let live = match live {
        Ok(live) => live,
        Err(error) => {
            report_call_error(&error, "reading the live state", output);
            return Err(fail(Stop::Usage, Some(&outcome)));
        }
    };
    // The live-state rules (CK5, BA4) run on a second analysis of the same build.
    let mut analysis = output.analysis.clone();
    analysis.live_state = Some(live);
    let diagnostics = driver::reanalyse(built, &outcome.diagnostics, &analysis);
    output.diagnostics(&diagnostics, &outcome.program.sources);
    if output.fails(&diagnostics) {
        output.say("the live state makes this deployment fail; nothing planned");
        return Err(fail(Stop::Input, Some(&outcome)));
    }
    let origins = Origins::new(&built.graph);
    let body = template::body(&target.scope, &target.location, &template, &parameters);
    let changes = session
        .runtime
        .block_on(session.arm.what_if(&target.scope, &target.name, &body));
    let mut changes = match changes {
        Ok(changes) => changes,
        Err(error) => {
            report_call_error(&error, "what-if", output);
            return Err(fail(Stop::Usage, Some(&outcome)));
        }
    };
    // Masked before the plan shortens long values, which would cut a secret beyond recognition.
    changes
        .iter_mut()
        .for_each(|change| output.secrets.redact_value(change));
    let plan = Plan::from_what_if(&changes, &origins);
    Ok(Planning::Planned(Box::new(Planned {
        outcome,
        target,
        template,
        parameters,
        origins,
        plan,
    })))
}

fn show_plan(planned: &Planned, output: &Output) {
    let sources = &planned.outcome.program.sources;
    let text = if output.format == super::MessageFormat::Json {
        let mut json = planned.plan.to_json(sources);
        json["deployment"] = Value::String(planned.target.name.clone());
        format!("{json}\n")
    } else {
        format!(
            "Plan for deployment {} ({})\n\n{}",
            planned.target.name,
            planned.target.scope.path(),
            planned.plan.render(sources, output.color)
        )
    };
    output.print(&text);
}

fn report_call_error(error: &CallError, during: &str, output: &Output) {
    output.say(format_args!("error: {during} failed: {error}"));
    if let CallError::Arm(arm_error) = error {
        if let Some(help) = ui::access_help(arm_error) {
            output.say(format_args!("  help: {help}"));
        }
    }
}

fn report_failure(error: &ApplyError, planned: &Planned, output: &Output) {
    let sources = &planned.outcome.program.sources;
    match error {
        ApplyError::Call(error) => report_call_error(error, "the deployment", output),
        ApplyError::Failed {
            deployment,
            error,
            operations,
        } => {
            let mut diagnostics = Vec::new();
            for operation in operations {
                let Some(arm_error) = &operation.error else {
                    continue;
                };
                match ui::failure_diagnostic(operation, arm_error, &planned.origins, deployment) {
                    Some(diagnostic) => diagnostics.push(diagnostic),
                    None => {
                        output.say(format_args!(
                            "error: Azure rejected {} `{}`: {arm_error}",
                            operation.resource_type, operation.resource_name
                        ));
                        if let Some(help) = ui::access_help(arm_error) {
                            output.say(format_args!("  help: {help}"));
                        }
                    }
                }
            }
            output.diagnostics(&diagnostics, sources);
            if operations.is_empty() {
                if let Some(error) = error {
                    for cause in error.root_causes() {
                        output.say(format_args!("error: {cause}"));
                        if let Some(help) = ui::access_help(cause) {
                            output.say(format_args!("  help: {help}"));
                        }
                    }
                }
            }
            output.say(format_args!("deployment {deployment} failed"));
        }
        ApplyError::Canceled { deployment, status } => match status {
            Status::Canceled => output.say(format_args!(
                "deployment {deployment} was cancelled; resources it finished stay"
            )),
            Status::Failed(error) => {
                output.say(format_args!(
                    "cancelling {deployment} came too late: it failed"
                ));
                let causes = error.iter().flat_map(|cause| cause.root_causes());
                causes.for_each(|root| output.say(format_args!("error: {root}")));
            }
            Status::Succeeded | Status::Running => output.say(format_args!(
                "cancelling {deployment} came too late: it succeeded"
            )),
        },
        ApplyError::Interrupted => {
            output.say("interrupted: the steps above are done, nothing after them was started")
        }
        ApplyError::Detached { deployment } | ApplyError::TimedOut { deployment } => {
            let why = if matches!(error, ApplyError::TimedOut { .. }) {
                "it is still running after --timeout; "
            } else {
                ""
            };
            output.say(format_args!(
                "stopped following {deployment}: {why}it goes on in Azure (`az deployment {} show --name {deployment}`)",
                match planned.target.scope {
                    sblc::deploy::arm::Scope::Subscription(_) => "sub",
                    sblc::deploy::arm::Scope::ResourceGroup { .. } => "group",
                }
            ))
        }
        ApplyError::Upload { upload, error } => {
            let diagnostic = Diagnostic::new(
                Code::PackageUploadFailed,
                format!(
                    "cannot upload {} to {}",
                    sblc::deploy::upload::source_name(upload),
                    upload.blob_url
                ),
                upload.origin,
                "this pool's start task needs it",
            )
            .with_note(error.to_string());
            output.diagnostics(&[diagnostic], sources);
            output.say("no pool was deployed: their start tasks would not find their packages");
        }
    }
}
