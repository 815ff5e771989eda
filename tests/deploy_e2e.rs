//! `sblc plan` and `sblc apply` end to end, against the local stand-in for Azure
//! (`tests/fake_azure/server.py`: Entra ID token endpoint and Resource Manager over HTTPS) and
//! Azurite for the package uploads. Each test copies an example into its own folder and runs the
//! real binary with the credentials of a service principal the stand-in knows.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::certs::{self, Certificates};
use support::fake_azure::FakeAzure;
use support::stderr_log::StderrLog;

const SUBSCRIPTION: &str = "00000000-0000-0000-0000-00000000a11e";
const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";
/// The resource group of the resource-group-scoped examples.
const GROUP: &str = "sblc-rg";

/// One test's world: a folder with a program, certificates, and the stand-in for Azure.
struct World {
    dir: PathBuf,
    certs: Certificates,
    azure: FakeAzure,
}

impl World {
    fn new(name: &str, example: &str, scenario: Value) -> World {
        let scenario = with_group(scenario);
        let dir = support::temp_dir(&format!("deploy-{name}"));
        let source = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(example);
        copy_dir(&source, &dir.join("program"));
        let certs = certs::make(&dir);
        let azure = FakeAzure::start(&dir, &certs, &scenario);
        World { dir, certs, azure }
    }

    fn program(&self) -> PathBuf {
        self.dir.join("program/main.sbl")
    }

    /// `sblc <args> <program>` signed in as the stand-in's service principal.
    fn sblc(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sblc"));
        command
            .args(args)
            .arg(self.program())
            .env("SSL_CERT_FILE", &self.certs.ca)
            .env("AZURE_TENANT_ID", TENANT)
            .env("AZURE_CLIENT_ID", "sblc-test-client")
            .env("AZURE_CLIENT_SECRET", "sblc-test-secret")
            .env("AZURE_AUTHORITY_HOST", self.azure.endpoint())
            .env("SBLC_ARM_ENDPOINT", self.azure.endpoint())
            .env("AZURE_SUBSCRIPTION_ID", SUBSCRIPTION)
            .env("NO_COLOR", "1")
            .env_remove("AZURE_FEDERATED_TOKEN_FILE")
            .env_remove("IDENTITY_ENDPOINT")
            .env_remove("AZURE_RESOURCE_GROUP")
            .stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Run {
        Run::of(self.sblc(args).output().expect("run sblc"))
    }

    /// Requests the stand-in saw, as `METHOD path`.
    fn requests(&self, method: &str, path_contains: &str) -> Vec<Value> {
        self.azure
            .requests()
            .into_iter()
            .filter(|r| {
                r["method"] == method
                    && r["path"].as_str().is_some_and(|p| {
                        p.to_ascii_lowercase()
                            .contains(&path_contains.to_ascii_lowercase())
                    })
            })
            .collect()
    }

    /// Deployment PUTs that were accepted.
    fn deployments_created(&self) -> usize {
        self.requests("PUT", "/providers/Microsoft.Resources/deployments/")
            .iter()
            .filter(|r| r["status"] == 201 || r["status"] == 200)
            .count()
    }

    /// The line (1-based) of the program's first line containing `needle`.
    fn line_of(&self, needle: &str) -> usize {
        let text = std::fs::read_to_string(self.program()).expect("read the program");
        text.lines()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("`{needle}` is not in the program"))
            + 1
    }
}

/// A rendered report as one line: miette wraps long messages to the terminal's width.
fn flat(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ")
}

/// Resource-group deployments need their group to exist, as in Azure.
fn with_group(mut scenario: Value) -> Value {
    let group = json!({ "id": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"), "location": "westeurope" });
    match scenario.get_mut("existing").and_then(Value::as_array_mut) {
        Some(existing) => existing.push(group),
        None => scenario["existing"] = json!([group]),
    }
    scenario
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the program folder");
    for entry in std::fs::read_dir(from).expect("read the example").flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "out" {
                copy_dir(&path, &to.join(name));
            }
        } else {
            std::fs::copy(&path, to.join(name)).expect("copy a file");
        }
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn of(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn exited(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "unexpected exit code:\n{self:?}");
        self
    }
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

#[test]
fn plan_shows_every_change_with_its_origin_and_exits_2() {
    let world = World::new("plan", "raw-subscription", json!({}));
    let run = world.run(&["plan"]);
    run.exited(2);
    // Both VNets are made by the helper `network`: the plan names the helper's line and the
    // call that tells them apart.
    let vnet_line = format!(
        "main.sbl:{}:45 via ",
        world.line_of("network = { name, space, resourceGroup }: resource {")
    );
    let hub_call = format!("main.sbl:{}:", world.line_of("hub = network"));
    assert!(run.stdout.contains("resource group raw-hub-rg"), "{run:?}");
    assert!(
        run.stdout.lines().any(
            |l| l.contains("+ Microsoft.Network/virtualNetworks raw-hub-vnet")
                && l.contains(&vnet_line)
                && l.contains(&hub_call)
        ),
        "the hub VNet is created, at {vnet_line}{hub_call}:\n{run:?}"
    );
    assert!(
        run.stdout
            .contains("Plan: 8 to create, 0 to modify, 0 to delete."),
        "{run:?}"
    );
    // What-if only: nothing was deployed.
    assert_eq!(world.deployments_created(), 0);

    let json_run = world.run(&["plan", "--message-format", "json"]);
    json_run.exited(2);
    let plan: Value = serde_json::from_str(json_run.stdout.trim()).expect("one JSON document");
    assert_eq!(plan["summary"]["create"], 8, "{json_run:?}");
    let spoke = plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .find(|c| {
            c["resourceId"]
                .as_str()
                .is_some_and(|id| id.ends_with("/virtualNetworks/raw-spoke-vnet"))
        })
        .expect("the spoke VNet is in the plan");
    assert_eq!(spoke["changeType"], "Create");
    assert_eq!(
        spoke["origin"]["line"],
        world.line_of("network = { name, space, resourceGroup }: resource {")
    );
    assert_eq!(
        spoke["origin"]["calls"][0]["line"],
        world.line_of("spoke = network")
    );
}

#[test]
fn apply_deploys_once_and_a_second_apply_deploys_nothing() {
    let world = World::new("apply", "raw-subscription", json!({}));
    let first = world.run(&["apply", "--yes"]);
    first.exited(0);
    assert!(first.stderr.contains("applied in"), "{first:?}");
    assert!(
        first
            .stderr
            .contains("Succeeded Microsoft.Network/virtualNetworks raw-hub-vnet")
            || first
                .stderr
                .lines()
                .any(|l| l.contains("Succeeded") && l.contains("raw-hub-vnet")),
        "per-resource progress:\n{first:?}"
    );
    assert_eq!(
        world.deployments_created(),
        1,
        "one deployment: no uploads in this program"
    );

    let second = world.run(&["apply", "--yes"]);
    second.exited(0);
    assert!(
        second.stderr.contains("no changes: nothing deployed"),
        "{second:?}"
    );
    assert!(
        second
            .stdout
            .contains("Plan: 0 to create, 0 to modify, 0 to delete"),
        "{second:?}"
    );
    assert_eq!(
        world.deployments_created(),
        1,
        "the second apply deploys nothing"
    );
    world.run(&["plan"]).exited(0);
}

#[test]
fn a_failed_resource_lands_on_the_line_that_made_it() {
    let world = World::new(
        "failure",
        "raw-subscription",
        json!({ "failures": [{
            "resourceName": "raw-spoke-vnet",
            "code": "InUseSubnetCannotBeDeleted",
            "message": "Subnet default is in use by /subscriptions/x/nic and cannot be deleted.",
            "statusCode": "BadRequest"
        }]}),
    );
    let run = world.run(&["apply", "--yes"]);
    run.exited(1);
    let line = format!(
        "main.sbl:{}",
        world.line_of("network = { name, space, resourceGroup }: resource {")
    );
    assert!(run.stderr.contains("E0701"), "{run:?}");
    assert!(
        run.stderr.contains("Azure rejected Microsoft.Network/virtualNetworks `raw-spoke-vnet`: InUseSubnetCannotBeDeleted"),
        "{run:?}"
    );
    assert!(
        run.stderr.contains(&line),
        "the diagnostic points at {line}:\n{run:?}"
    );
    assert!(
        run.stderr.contains("Subnet default is in use"),
        "Azure's message:\n{run:?}"
    );

    // As data: the primary label on the helper's `resource`, a second label on the call.
    let json_run = world.run(&["apply", "--yes", "--message-format", "json"]);
    json_run.exited(1);
    let diagnostic: Value = json_run
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|d| d["code"] == "E0701")
        .expect("an E0701 diagnostic as JSON");
    let labels: Vec<(u64, &str)> = diagnostic["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| {
            (
                l["span"]["start"]["line"].as_u64().unwrap_or(0),
                l["message"].as_str().unwrap_or(""),
            )
        })
        .collect();
    let helper = world.line_of("network = { name, space, resourceGroup }: resource {") as u64;
    let call = world.line_of("spoke = network") as u64;
    assert_eq!(
        labels,
        [(helper, "this made the resource"), (call, "called here")],
        "{json_run:?}"
    );
}

#[test]
fn throttling_is_survived_with_retry_after() {
    let world = World::new(
        "throttle",
        "raw-network",
        json!({ "throttle": [{ "method": "PUT", "pathContains": "/deployments/", "times": 2, "status": 429 }] }),
    );
    let started = Instant::now();
    let run = world.run(&["apply", "--yes", "--resource-group", GROUP]);
    run.exited(0);
    let puts = world.requests("PUT", "/deployments/");
    let statuses: Vec<&Value> = puts.iter().map(|r| &r["status"]).collect();
    assert_eq!(statuses, [&json!(429), &json!(429), &json!(201)], "{run:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two waits of Retry-After: 1 s"
    );
}

#[test]
fn a_refused_role_assignment_names_the_missing_role_and_scope() {
    let world = World::new(
        "forbidden",
        "minimal",
        json!({ "forbid": ["Microsoft.Authorization/roleAssignments/write"] }),
    );
    let run = world.run(&["apply", "--yes", "--skip-upload", "--resource-group", GROUP]);
    run.exited(1);
    let text = flat(&run.stderr);
    assert!(text.contains("E0701"), "{run:?}");
    assert!(
        text.contains("Azure rejected Microsoft.Authorization/roleAssignments"),
        "{run:?}"
    );
    assert!(
        text.contains("it needs Owner, User Access Administrator or Role Based Access Control Administrator on `/"),
        "{run:?}"
    );
}

#[test]
fn a_wrong_secret_says_which_credentials_were_tried() {
    let world = World::new("auth", "raw-network", json!({}));
    let run = Run::of(
        world
            .sblc(&["plan", "--resource-group", GROUP])
            .env("AZURE_CLIENT_SECRET", "not-the-secret")
            .env("PATH", "/nonexistent")
            .output()
            .expect("run sblc"),
    );
    run.exited(1);
    assert!(
        run.stderr.contains("cannot sign in to Azure; tried:"),
        "{run:?}"
    );
    assert!(run.stderr.contains("env (service principal"), "{run:?}");
    assert!(
        run.stderr.contains("AADSTS7000215"),
        "Entra's reason:\n{run:?}"
    );
    assert!(run.stderr.contains("cli (Azure CLI login)"), "{run:?}");
    assert!(
        !run.stderr.contains("not-the-secret"),
        "the secret is never printed"
    );
}

#[test]
fn apply_without_a_terminal_needs_yes() {
    let world = World::new("confirm", "raw-network", json!({}));
    let run = world.run(&["apply", "--resource-group", GROUP]);
    run.exited(2);
    assert!(run.stderr.contains("pass --yes"), "{run:?}");
    assert!(
        world.azure.requests().is_empty(),
        "nothing was asked of Azure"
    );
}

/// Waits until `condition` holds, or fails after `limit`.
fn wait_for(limit: Duration, what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn interrupt(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
}

fn finish(mut child: Child) -> Run {
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    let status = child.wait().expect("wait for sblc");
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

#[test]
fn ctrl_c_cancels_the_deployment_and_reports_its_final_state() {
    let world = World::new("cancel", "raw-network", json!({ "slowDeployment": true }));
    let child = world
        .sblc(&[
            "apply",
            "--yes",
            "--cancel-on-interrupt",
            "--resource-group",
            GROUP,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sblc");
    wait_for(Duration::from_secs(30), "the deployment to start", || {
        world.deployments_created() == 1
    });
    interrupt(&child);
    let run = finish(child);
    run.exited(2);
    assert!(run.stderr.contains("was cancelled"), "{run:?}");
    assert_eq!(world.requests("POST", "/cancel").len(), 1, "{run:?}");
}

/// `sblc apply --watch --yes`, once its first apply is done and its watcher is listening.
fn start_watch(world: &World) -> (Child, StderrLog) {
    let mut child = world
        .sblc(&["apply", "--watch", "--yes", "--resource-group", GROUP])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sblc apply --watch");
    let lines = StderrLog::follow(&mut child);
    let limit = Duration::from_secs(60);
    wait_for(limit, "the first apply", || lines.count("applied in") == 1);
    wait_for(limit, "the watcher", || lines.count("watching ") == 1);
    (child, lines)
}

#[test]
fn apply_watch_deploys_each_change_and_skips_broken_edits() {
    let world = World::new("watch", "raw-network", json!({}));
    let (mut child, lines) = start_watch(&world);
    let limit = Duration::from_secs(60);
    assert_eq!(world.deployments_created(), 1);

    let program = world.program();
    let original = std::fs::read_to_string(&program).expect("read the program");
    let space = r#"[ "10.40.0.0/16" ]"#;
    assert!(original.contains(space));
    let with =
        |extra: &str| original.replacen(space, &format!(r#"[ "10.40.0.0/16" "{extra}" ]"#), 1);
    // Editors replace the file: write a sibling and rename it over.
    let save = |text: &str| {
        let temporary = program.with_extension("sbl.tmp");
        std::fs::write(&temporary, text).expect("write");
        std::fs::rename(&temporary, &program).expect("rename");
    };
    save(&with("10.41.0.0/16"));
    wait_for(limit, "the second apply", || lines.count("applied in") >= 2);
    assert_eq!(world.deployments_created(), 2, "{}", lines.text());

    let unchanged = "templates unchanged since the last apply";
    let before = lines.count(unchanged);
    let what_ifs = world.requests("POST", "/whatIf").len();
    save(&format!(
        "{}\n# only a comment changes\n",
        with("10.41.0.0/16")
    ));
    wait_for(limit, "the comment-only save", || {
        lines.count(unchanged) > before
    });
    assert_eq!(
        world.deployments_created(),
        2,
        "same templates, no deployment"
    );
    assert_eq!(
        world.requests("POST", "/whatIf").len(),
        what_ifs,
        "same templates: Azure is not even asked"
    );

    save("let broken = ; in");
    wait_for(limit, "the diagnostic", || {
        lines.count("build failed; nothing planned") >= 1
    });
    assert!(
        lines.text().contains("E01"),
        "a syntax diagnostic:\n{}",
        lines.text()
    );
    assert_eq!(
        world.deployments_created(),
        2,
        "a broken edit deploys nothing"
    );

    save(&with("10.42.0.0/16"));
    wait_for(limit, "recovery", || lines.count("applied in") >= 3);
    assert_eq!(world.deployments_created(), 3);

    interrupt(&child);
    let status = child.wait().expect("wait for sblc");
    assert_eq!(status.code(), Some(0), "{}", lines.text());
    assert!(lines.text().contains("stopped watching"));
}

/// Azurite standing in for the storage account's blob endpoint, with the `packages` container
/// made as the foundation deployment would make it.
fn storage(world: &World) -> support::azurite::Azurite {
    let azurite =
        support::azurite::Azurite::start(&support::tools::azurite_blob(), &world.dir, &world.certs);
    let created = blob_request(
        world,
        &[
            "--request",
            "PUT",
            "--write-out",
            "%{http_code}",
            "--output",
            "/dev/null",
        ],
        &format!("{}/packages?restype=container", azurite.endpoint()),
    );
    assert_eq!(String::from_utf8_lossy(&created), "201");
    azurite
}

/// `curl` against the blob endpoint with a storage token from the stand-in; the response body.
fn blob_request(world: &World, args: &[&str], url: &str) -> Vec<u8> {
    let token = Command::new("curl")
        .args(["--silent", "--show-error", "--cacert"])
        .arg(&world.certs.ca)
        .args([
            "--data",
            "grant_type=client_credentials&client_id=sblc-test-client&client_secret=sblc-test-secret&scope=https://storage.azure.com/.default",
        ])
        .arg(format!("{}/{TENANT}/oauth2/v2.0/token", world.azure.endpoint()))
        .output()
        .expect("run curl");
    let token: Value = serde_json::from_slice(&token.stdout).expect("a token response");
    let token = token["access_token"].as_str().expect("an access token");
    let response = Command::new("curl")
        .args(["--silent", "--show-error", "--cacert"])
        .arg(&world.certs.ca)
        .args(["--header", "x-ms-version: 2023-11-03", "--header"])
        .arg(format!("Authorization: Bearer {token}"))
        .args(args)
        .arg(url)
        .output()
        .expect("run curl");
    response.stdout
}

/// The object id the secured-batch example's `batchServiceObjectId` parameter gets.
const BATCH_SERVICE: &str = "11111111-0000-0000-0000-000000000bbb";

/// `sblc <args>` for the secured-batch example, with its parameter's value.
fn sblc_secured_batch(world: &World, args: &[&str]) -> Command {
    let mut command = world.sblc(args);
    command.env("SBLC_PARAM_batchServiceObjectId", BATCH_SERVICE);
    command
}

fn secured_batch(world: &World, blob_endpoint: &str, args: &[&str]) -> Run {
    let mut all = vec!["apply", "--yes"];
    all.extend_from_slice(args);
    Run::of(
        sblc_secured_batch(world, &all)
            .env("SBLC_BLOB_ENDPOINT", blob_endpoint)
            .output()
            .expect("run sblc"),
    )
}

#[test]
fn a_first_apply_deploys_the_foundation_uploads_then_deploys_the_pools() {
    let world = World::new("upload", "secured-batch", json!({}));
    let azurite = storage(&world);
    let first = secured_batch(&world, &azurite.endpoint(), &[]);
    first.exited(0);
    let foundation = first
        .stderr
        .find("deploying sblc-program-foundation")
        .expect("a foundation step");
    let upload = first.stderr.find("\n  uploaded ").expect("an upload");
    let pools = first
        .stderr
        .find("deploying sblc-program\n")
        .expect("the full deployment");
    assert!(
        foundation < upload && upload < pools,
        "foundation, upload, pools:\n{first:?}"
    );
    assert!(
        first.stderr.contains("4 file(s) uploaded"),
        "two scripts, two zips:\n{first:?}"
    );
    let listed = first
        .stderr
        .find("Start-task files: 4 to upload, 0 unchanged (their storage is new")
        .expect("the files listed with the plan");
    assert!(
        listed < foundation,
        "listed before anything is deployed:\n{first:?}"
    );
    let puts: Vec<String> = world
        .requests("PUT", "/deployments/")
        .iter()
        .filter_map(|r| {
            r["path"]
                .as_str()
                .map(|p| p.rsplit('/').next().unwrap_or("").to_string())
        })
        .collect();
    assert_eq!(
        puts,
        ["sblc-program-foundation", "sblc-program"],
        "{first:?}"
    );

    // Same program, same bytes in storage: nothing to deploy, nothing to upload.
    let second = secured_batch(&world, &azurite.endpoint(), &[]);
    second.exited(0);
    assert!(
        second.stderr.contains("no changes: nothing deployed"),
        "{second:?}"
    );
    assert_eq!(second.stderr.matches("unchanged ").count(), 4, "{second:?}");
    assert_eq!(world.deployments_created(), 2);

    // A new build of one package: storage exists, so no foundation; the zip and the script
    // that pins its hash go straight to storage, then the pools are updated.
    let zip = world.dir.join("program/dist/pricer-2.4.1.zip");
    let mut bytes = std::fs::read(&zip).expect("read the zip");
    bytes.extend_from_slice(b"rebuilt");
    std::fs::write(&zip, bytes).expect("write the zip");
    let third = secured_batch(&world, &azurite.endpoint(), &[]);
    third.exited(0);
    assert!(!third.stderr.contains("-foundation"), "{third:?}");
    let listed = third
        .stderr
        .find("Start-task files: 2 to upload, 2 unchanged\n  upload    ")
        .expect("the changed files listed before the question");
    let uploading = third.stderr.find("uploading 2 start-task file(s)");
    assert!(uploading.is_some_and(|at| listed < at), "{third:?}");
    assert!(third.stderr.contains("2 file(s) uploaded"), "{third:?}");
    assert_eq!(world.deployments_created(), 3);
}

#[test]
fn a_large_package_goes_up_in_blocks_and_arrives_whole() {
    let world = World::new("blocks", "secured-batch", json!({}));
    let azurite = storage(&world);
    // Two full blocks of 4 MiB and a short last one; bytes that differ from block to block.
    let size = 2 * 4 * 1024 * 1024 + 12_345;
    let package: Vec<u8> = (0..size).map(|i: usize| (i * 7 + i / 4096) as u8).collect();
    std::fs::write(world.dir.join("program/dist/pricer-2.4.1.zip"), &package).expect("write");
    let first = secured_batch(&world, &azurite.endpoint(), &[]);
    first.exited(0);
    assert!(first.stderr.contains("4 file(s) uploaded"), "{first:?}");

    let blob = format!(
        "{}/packages/pricer/2.4.1/pricer-2.4.1.zip",
        azurite.endpoint()
    );
    let stored = blob_request(&world, &[], &blob);
    assert!(
        stored == package,
        "the blob holds other bytes ({} of {size}): {}\n{first:?}",
        stored.len(),
        String::from_utf8_lossy(&stored[..stored.len().min(300)])
    );
    let blocks = blob_request(
        &world,
        &[],
        &format!("{blob}?comp=blocklist&blocklisttype=all"),
    );
    let blocks = String::from_utf8_lossy(&blocks);
    assert_eq!(blocks.matches("<Block>").count(), 3, "{blocks}");
    assert!(!blocks.contains("<UncommittedBlocks><Block>"), "{blocks}");

    // The hash metadata came with the block list: the next apply finds the blob current.
    let second = secured_batch(&world, &azurite.endpoint(), &[]);
    second.exited(0);
    assert_eq!(second.stderr.matches("unchanged ").count(), 4, "{second:?}");
}

#[test]
fn unreachable_storage_stops_before_any_pool_with_the_way_out() {
    let world = World::new("private-storage", "secured-batch", json!({}));
    // Nothing listens on port 9 of loopback: the private endpoint is not reachable from here.
    let run = Run::of(
        sblc_secured_batch(&world, &["apply", "--yes"])
            .env("SBLC_BLOB_ENDPOINT", "https://127.0.0.1:9/{account}")
            .env("SBLC_RETRY_DELAY_MS", "20")
            .output()
            .expect("run sblc"),
    );
    run.exited(1);
    let text = flat(&run.stderr);
    assert!(text.contains("E0702"), "{run:?}");
    assert!(
        text.contains("from inside the landing zone's network"),
        "{run:?}"
    );
    assert!(text.contains("run `sblc apply --skip-upload`"), "{run:?}");
    assert!(text.contains("no pool was deployed"), "{run:?}");
    let puts = world.requests("PUT", "/deployments/");
    assert_eq!(puts.len(), 1, "only the foundation was deployed:\n{run:?}");
}

#[test]
fn a_managed_identity_signs_in_through_its_endpoint() {
    let world = World::new(
        "managed",
        "raw-network",
        json!({ "managedIdentityClientId": "sblc-test-client" }),
    );
    let run = Run::of(
        world
            .sblc(&["plan", "--auth", "managed", "--resource-group", GROUP])
            .env("IDENTITY_ENDPOINT", world.azure.identity_endpoint())
            .env("IDENTITY_HEADER", support::fake_azure::IDENTITY_HEADER)
            .env_remove("AZURE_CLIENT_SECRET")
            .output()
            .expect("run sblc"),
    );
    run.exited(2);
    assert_eq!(world.requests("GET", "/msi/token").len(), 1, "{run:?}");
    assert!(world.requests("POST", "/oauth2/v2.0/token").is_empty());
}

#[test]
fn the_azure_cli_login_is_used_when_nothing_else_is_set() {
    let world = World::new("cli", "raw-network", json!({}));
    // A stand-in `az` that asks the stand-in Entra ID, as the real one asks its own cache.
    let bin = world.dir.join("bin");
    std::fs::create_dir_all(&bin).expect("create bin");
    let az = bin.join("az");
    std::fs::write(
        &az,
        format!(
            "#!/bin/sh\n# az account get-access-token -o json --scope SCOPE: the scope is last\n\
             for scope; do :; done\n\
             curl --silent --cacert '{ca}' --data \"grant_type=client_credentials&client_id=sblc-test-client&client_secret=sblc-test-secret&scope=$scope\" '{url}' \\\n\
             | python3 -c 'import json,sys,time; t=json.load(sys.stdin); print(json.dumps({{\"accessToken\": t[\"access_token\"], \"expires_on\": int(time.time()) + 3000, \"tokenType\": \"Bearer\"}}))'\n",
            ca = world.certs.ca.display(),
            url = world.azure.token_url(),
        ),
    )
    .expect("write az");
    let status = Command::new("chmod")
        .arg("+x")
        .arg(&az)
        .status()
        .expect("chmod");
    assert!(status.success());
    let path = format!("{}:/usr/bin:/bin", bin.display());
    let run = Run::of(
        world
            .sblc(&["plan", "--resource-group", GROUP])
            .env_remove("AZURE_CLIENT_SECRET")
            .env("PATH", path)
            .output()
            .expect("run sblc"),
    );
    run.exited(2);
    assert!(run.stdout.contains("Plan: "), "{run:?}");
}

/// A Batch account `sbpricing` that exists without a customer-managed key, and the roles the
/// secured-batch example needs.
fn live_scenario(existing_account: bool) -> Value {
    let account = json!({
        "id": format!("/subscriptions/{SUBSCRIPTION}/resourceGroups/sb-pricing-rg/providers/Microsoft.Batch/batchAccounts/sbpricing"),
        "location": "westeurope",
        "properties": { "poolAllocationMode": "UserSubscription", "encryption": { "keySource": "Microsoft.Batch" } }
    });
    json!({
        "existing": if existing_account { vec![account] } else { vec![] },
        "roleAssignments": [
            { "roleName": "Owner" },
            { "principalId": BATCH_SERVICE, "roleName": "Contributor" }
        ]
    })
}

fn plan_secured_batch(world: &World) -> Run {
    Run::of(
        sblc_secured_batch(world, &["plan"])
            .output()
            .expect("run sblc"),
    )
}

#[test]
fn plan_refuses_a_customer_managed_key_on_an_existing_account() {
    let world = World::new("live-cmk", "secured-batch", live_scenario(true));
    let run = plan_secured_batch(&world);
    run.exited(1);
    let text = flat(&run.stderr);
    assert!(text.contains("E0645"), "CK5 from the live state:\n{run:?}");
    assert!(
        text.contains("the live state makes this deployment fail"),
        "{run:?}"
    );
    assert!(
        world.requests("POST", "/whatIf").is_empty(),
        "no plan is made"
    );
    assert_eq!(
        world.requests("GET", "/batchAccounts/sbpricing").len(),
        1,
        "the account was read once"
    );
}

#[test]
fn plan_is_clean_when_the_live_state_allows_the_deployment() {
    let world = World::new("live-ok", "secured-batch", live_scenario(false));
    let run = plan_secured_batch(&world);
    run.exited(2);
    assert!(!run.stderr.contains("E0645"), "{run:?}");
    assert!(
        !run.stderr.contains("W0624"),
        "roles are in place (BA4):\n{run:?}"
    );
    assert!(
        !run.stderr.contains("eyJ") && !run.stdout.contains("eyJ"),
        "no token is ever printed"
    );
}

#[test]
fn saves_during_a_deployment_are_coalesced_into_one_more() {
    let world = World::new("coalesce", "raw-network", json!({}));
    let (mut child, lines) = start_watch(&world);
    let limit = Duration::from_secs(60);

    // Deployments (and what-ifs) now take about two seconds.
    world
        .azure
        .set_scenario(&with_group(json!({ "pollsUntilDone": 2, "retryAfter": 1 })));
    let program = world.program();
    let original = std::fs::read_to_string(&program).expect("read the program");
    let space = r#"[ "10.40.0.0/16" ]"#;
    let save = |extra: &str| {
        let text = original.replacen(space, &format!(r#"[ "10.40.0.0/16" "{extra}" ]"#), 1);
        let temporary = program.with_extension("sbl.tmp");
        std::fs::write(&temporary, text).expect("write");
        std::fs::rename(&temporary, &program).expect("rename");
    };
    save("10.41.0.0/16");
    wait_for(limit, "the second deployment to start", || {
        world.deployments_created() == 2
    });
    save("10.42.0.0/16");
    std::thread::sleep(Duration::from_millis(200));
    save("10.43.0.0/16");
    wait_for(limit, "the coalesced apply", || {
        lines.count("applied in") >= 3
    });
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        world.deployments_created(),
        3,
        "two saves during a deployment make one more deployment:\n{}",
        lines.text()
    );
    assert!(
        world
            .requests("PUT", "/deployments/")
            .iter()
            .all(|r| r["status"] != 409),
        "never two deployments at once"
    );
    interrupt(&child);
    let status = child.wait().expect("wait for sblc");
    assert_eq!(status.code(), Some(0), "{}", lines.text());
}

#[test]
fn the_program_can_name_its_own_target() {
    let world = World::new("own-target", "raw-network", json!({}));
    let program = world.program();
    let text = std::fs::read_to_string(&program).expect("read the program");
    let end = text
        .rfind('}')
        .expect("the program's value ends with a record");
    let own = format!(
        "  deployment = {{ subscription = \"{SUBSCRIPTION}\"; resourceGroup = \"{GROUP}\"; name = \"from-the-program\"; }};\n"
    );
    std::fs::write(&program, format!("{}{own}{}", &text[..end], &text[end..])).expect("write");
    let run = Run::of(
        world
            .sblc(&["plan"])
            .env_remove("AZURE_SUBSCRIPTION_ID")
            .output()
            .expect("run sblc"),
    );
    run.exited(2);
    assert!(
        run.stdout.contains(&format!(
            "Plan for deployment from-the-program (/subscriptions/{SUBSCRIPTION}/resourcegroups/{GROUP})"
        )),
        "{run:?}"
    );
    // A flag wins over the program.
    let named = world.run(&["plan", "--name", "from-the-flag"]);
    named.exited(2);
    assert!(
        named.stdout.contains("Plan for deployment from-the-flag"),
        "{named:?}"
    );
}

#[test]
fn a_secure_parameter_never_reaches_the_terminal() {
    const SECRET: &str = "Jumpb0x-Passw0rd-Never-Printed";
    let world = World::new(
        "secret",
        "raw-network",
        json!({ "failures": [{
            "resourceName": "raw-vnet",
            "code": "InvalidParameter",
            "message": format!("The value '{SECRET}' of tag 'owner' is not valid."),
            "statusCode": "BadRequest"
        }]}),
    );
    // The VNet gets a tag from a secure parameter: what-if and Azure's error both echo it.
    let program = world.program();
    let text = std::fs::read_to_string(&program).expect("read the program");
    let tagged = text.replacen(
        "    inherit location;\n",
        "    inherit location;\n    tags.owner = param { name = \"owner\"; type = \"securestring\"; };\n",
        1,
    );
    assert_ne!(tagged, text);
    std::fs::write(&program, tagged).expect("write");
    for format in ["human", "json"] {
        let run = Run::of(
            world
                .sblc(&[
                    "apply",
                    "--yes",
                    "--resource-group",
                    GROUP,
                    "--message-format",
                    format,
                ])
                .env("SBLC_PARAM_owner", SECRET)
                .output()
                .expect("run sblc"),
        );
        run.exited(1);
        assert!(
            run.stdout.contains("(secure value)") || run.stderr.contains("(secure value)"),
            "the echoed value is masked:\n{run:?}"
        );
        assert!(
            !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
            "{format}: the secret was printed:\n{run:?}"
        );
    }
}

#[test]
fn a_deployment_past_the_timeout_is_left_running_and_said_so() {
    let world = World::new("timeout", "raw-network", json!({ "slowDeployment": true }));
    let run = world.run(&[
        "apply",
        "--yes",
        "--timeout",
        "0",
        "--resource-group",
        GROUP,
    ]);
    run.exited(2);
    assert!(
        run.stderr
            .contains("stopped following sblc-program: it is still running after --timeout"),
        "{run:?}"
    );
    assert!(
        world.requests("POST", "/cancel").is_empty(),
        "not cancelled"
    );
}

#[test]
fn throttling_that_never_ends_gives_up_after_four_retries() {
    let world = World::new(
        "throttle-forever",
        "raw-network",
        json!({ "throttle": [{ "method": "PUT", "pathContains": "/deployments/", "times": 99, "status": 429 }] }),
    );
    let run = world.run(&["apply", "--yes", "--resource-group", GROUP]);
    run.exited(2);
    assert!(run.stderr.contains("TooManyRequests"), "{run:?}");
    assert_eq!(
        world.requests("PUT", "/deployments/").len(),
        5,
        "one try and four retries, although every answer names a Retry-After"
    );
}

#[test]
fn ctrl_c_outside_a_deployment_ends_sblc_at_once() {
    // What-if takes a while: two polls a second apart.
    let world = World::new(
        "interrupt-plan",
        "raw-network",
        json!({ "pollsUntilDone": 3, "retryAfter": 1 }),
    );
    let child = world
        .sblc(&["plan", "--resource-group", GROUP])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sblc plan");
    wait_for(Duration::from_secs(30), "the what-if to start", || {
        !world.requests("POST", "/whatIf").is_empty()
    });
    let started = Instant::now();
    interrupt(&child);
    let run = finish(child);
    assert_eq!(run.code, Some(130), "{run:?}");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it did not wait for what-if"
    );
}

#[test]
fn a_usage_error_of_plan_is_not_mistaken_for_changes() {
    let plan = Command::new(env!("CARGO_BIN_EXE_sblc"))
        .args(["plan", "--no-such-flag"])
        .output()
        .expect("run sblc");
    assert_eq!(plan.status.code(), Some(1), "2 means changes for plan");
    let build = Command::new(env!("CARGO_BIN_EXE_sblc"))
        .args(["build", "--no-such-flag"])
        .output()
        .expect("run sblc");
    assert_eq!(
        build.status.code(),
        Some(2),
        "other commands keep 2 for usage errors"
    );
}
