//! End to end: the generated bash start task against Azurite (HTTPS, `--oauth basic`) and a
//! loopback token endpoint that speaks the IMDS protocol, with a flaky HTTPS proxy in between.
//!
//! One test, so that one Azurite serves every case; each case says what it checks. Needs bash,
//! curl, unzip, sha256sum, openssl, Node.js and Azurite (`scripts/test.sh` installs them); a
//! missing tool fails the test with its install step.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use sblc::emit::start_task::{
    bash_script, command_line, sha256_of_file, Os, Package, StartTaskSpec,
};
use support::azurite::{Azurite, FlakyProxy};
use support::imds::TokenServer;
use support::specs::CLIENT_ID;

/// A second identity of the pool: the token endpoint knows both, as IMDS on a pool with two
/// user-assigned identities does, and so needs to be told which one.
const OTHER_CLIENT_ID: &str = "0b7e4f6a-2c11-4d8e-8a55-9c3b2d1e0f99";

/// An identity whose token is for ARM, not storage: Azurite refuses it.
const WRONG_AUDIENCE_CLIENT_ID: &str = "5d2c9e1b-7a3f-4b6c-8e0d-1a2b3c4d5e6f";

struct World {
    dir: PathBuf,
    certs: support::certs::Certificates,
    imds: TokenServer,
    proxy: FlakyProxy,
    // Dropped last: the proxy forwards to it.
    azurite: Azurite,
}

impl World {
    /// Runs `script` as the start task would, with `AZ_BATCH_NODE_SHARED_DIR=shared` and the
    /// endpoints pointed at the loopback servers; `extra` adds or overrides variables.
    fn run(&self, script: &str, shared: &Path, extra: &[(&str, &str)]) -> Run {
        let wd = self.dir.join("wd");
        std::fs::create_dir_all(&wd).expect("create the task folder");
        std::fs::write(wd.join("start-task.sh"), script).expect("write the script");
        let mut command = Command::new("/bin/bash");
        command.arg("start-task.sh");
        self.environment(&mut command, &wd, shared, extra);
        Run::of(&mut command)
    }

    fn environment(&self, command: &mut Command, wd: &Path, shared: &Path, extra: &[(&str, &str)]) {
        command
            .current_dir(wd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AZ_BATCH_NODE_SHARED_DIR", shared)
            .env("SBLC_CLIENT_ID", CLIENT_ID)
            .env("SBLC_IMDS_ENDPOINT", self.imds.endpoint())
            .env("SBLC_STORAGE_ENDPOINT", self.proxy.endpoint())
            .env("SBLC_CA_BUNDLE", &self.certs.ca)
            .env("SBLC_RETRY_DELAY", "0");
        for (name, value) in extra {
            command.env(name, value);
        }
    }

    /// Creates the container and uploads `data` as a block blob, with a bearer token.
    fn upload(&self, blob: &str, data: &[u8]) {
        let header = self.dir.join("upload-authorization");
        std::fs::write(
            &header,
            format!("Authorization: Bearer {}\n", self.imds.token),
        )
        .expect("write the header file");
        let file = self.dir.join("upload.bin");
        std::fs::write(&file, data).expect("write the blob");
        let base = self.azurite.endpoint();
        for (url, extra) in [
            (format!("{base}/packages?restype=container"), vec![]),
            (
                format!("{base}/packages/{blob}"),
                vec![
                    "--header".to_string(),
                    "x-ms-blob-type: BlockBlob".into(),
                    "--data-binary".into(),
                    format!("@{}", file.display()),
                ],
            ),
        ] {
            let output = Command::new("curl")
                .args(["--silent", "--show-error", "--cacert"])
                .arg(&self.certs.ca)
                .args(["--request", "PUT", "--header", "x-ms-version: 2023-11-03"])
                .arg("--header")
                .arg(format!("@{}", header.display()))
                .args(["--write-out", "%{http_code}", "--output", "/dev/null"])
                .args(&extra)
                .arg(&url)
                .output()
                .expect("run curl");
            let status = String::from_utf8_lossy(&output.stdout).to_string();
            // 409: the container exists already.
            assert!(
                status == "201" || (status == "409" && url.ends_with("restype=container")),
                "PUT {url} answered {status}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    /// A package of blob `packages/<blob>` holding `files`.
    fn package(&self, name: &str, version: &str, blob: &str, zip: &[u8]) -> Package {
        let path = self.dir.join(format!("{name}-{version}.zip"));
        std::fs::write(&path, zip).expect("write the zip");
        Package {
            name: name.into(),
            version: version.into(),
            blob_url: format!("https://sbpricingpkgs.blob.core.windows.net/packages/{blob}"),
            sha256: sha256_of_file(&path).expect("hash the zip"),
        }
    }

    fn token_requests(&self) -> usize {
        self.imds.seen().len()
    }

    /// Proxy log lines for paths containing `needle`.
    fn blob_requests(&self, needle: &str) -> Vec<String> {
        self.proxy
            .requests()
            .into_iter()
            .filter(|l| l.contains(needle))
            .collect()
    }
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn of(command: &mut Command) -> Run {
        let start = Instant::now();
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().expect("run bash");
        let run = Run {
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            elapsed: start.elapsed(),
        };
        // `SBLC_E2E_VERBOSE=1 cargo test --test start_task_e2e -- --nocapture` shows every run.
        if std::env::var_os("SBLC_E2E_VERBOSE").is_some() {
            eprintln!("=== {command:?}\n{run}");
        }
        run
    }

    fn succeeded(&self, what: &str) -> &Run {
        assert_eq!(self.code, Some(0), "{what}: the script failed\n{self}");
        self
    }

    fn failed_with(&self, what: &str, message: &str) -> &Run {
        assert_eq!(self.code, Some(1), "{what}: expected exit code 1\n{self}");
        assert!(
            self.stderr.contains(message),
            "{what}: stderr lacks {message:?}\n{self}"
        );
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} after {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

fn spec(packages: Vec<Package>) -> StartTaskSpec {
    StartTaskSpec {
        pool: "pricing".into(),
        os: Os::Linux,
        client_id: CLIENT_ID.into(),
        packages,
    }
}

/// The full path of a program on PATH.
fn which(program: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

/// Names of the entries of `dir`, sorted, hidden ones included.
fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_bash_start_task_installs_packages_from_azurite() {
    let azurite_bin = support::tools::require_all();
    let dir = support::temp_dir("start-task-e2e");
    let certs = support::certs::make(&dir);
    let azurite = Azurite::start(&azurite_bin, &dir, &certs);
    let proxy = FlakyProxy::start(&azurite, &dir, &certs);
    let imds = TokenServer::start(
        &[CLIENT_ID, OTHER_CLIENT_ID, WRONG_AUDIENCE_CLIENT_ID],
        &[WRONG_AUDIENCE_CLIENT_ID],
    );
    let world = World {
        dir: dir.clone(),
        certs,
        imds,
        proxy,
        azurite,
    };

    // Two real zips in the emulator.
    let pricer_zip = support::zip::zip(&[
        ("bin/", 0o755, b""),
        ("bin/pricer", 0o755, b"#!/bin/sh\necho pricing\n"),
        ("README.txt", 0o644, b"pricer 2.4.1\n"),
    ]);
    let data_zip = support::zip::zip(&[("curves/eur.csv", 0o644, b"tenor,rate\n1y,0.021\n")]);
    world.upload("pricer/pricer-2.4.1.zip", &pricer_zip);
    world.upload("market-data/md-2026.11.zip", &data_zip);
    let pricer = world.package("pricer", "2.4.1", "pricer/pricer-2.4.1.zip", &pricer_zip);
    let data = world.package(
        "market-data",
        "2026.11.0",
        "market-data/md-2026.11.zip",
        &data_zip,
    );
    let happy = spec(vec![pricer.clone(), data.clone()]);
    let script = bash_script(&happy);
    let shared = dir.join("shared");

    // 1. Happy path, through the pool's real command line (which checks the script's hash).
    let wd = dir.join("wd");
    std::fs::create_dir_all(&wd).expect("create the task folder");
    std::fs::write(wd.join("start-task.sh"), &script).expect("write the script");
    let line = command_line(&happy);
    let inner = line
        .strip_prefix("/bin/bash -c \"")
        .and_then(|l| l.strip_suffix('"'))
        .expect("a /bin/bash -c \"...\" command line");
    let mut command = Command::new("/bin/bash");
    command.args(["-c", inner]);
    world.environment(&mut command, &wd, &shared, &[]);
    let first = Run::of(&mut command);
    first.succeeded("first run");
    let pricer_dir = shared.join("pricer/2.4.1");
    assert_eq!(
        std::fs::read_to_string(pricer_dir.join("bin/pricer")).expect("bin/pricer unpacked"),
        "#!/bin/sh\necho pricing\n"
    );
    assert_eq!(
        std::fs::read_to_string(pricer_dir.join("README.txt")).expect("README.txt unpacked"),
        "pricer 2.4.1\n"
    );
    assert_eq!(
        std::fs::read_to_string(shared.join("market-data/2026.11.0/curves/eur.csv"))
            .expect("curves/eur.csv unpacked"),
        "tenor,rate\n1y,0.021\n"
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(pricer_dir.join("bin/pricer"))
            .expect("stat bin/pricer")
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o111,
            0o111,
            "bin/pricer lost its execute bits: {mode:o}"
        );
    }
    assert_eq!(
        std::fs::read_to_string(shared.join("sblc-packages.env")).expect("the env file"),
        format!(
            "PKG_PRICER_DIR='{}'\nPKG_MARKET_DATA_DIR='{}'\n",
            pricer_dir.display(),
            shared.join("market-data/2026.11.0").display()
        )
    );
    assert_eq!(
        entries(&shared),
        ["market-data", "pricer", "sblc-packages.env"],
        "no work folder is left behind"
    );
    assert_eq!(entries(&shared.join("pricer")), ["2.4.1"]);
    // One token for both packages; it named the identity and sent `Metadata: true`.
    let seen = world.imds.seen();
    assert_eq!(seen.len(), 1, "{seen:#?}");
    assert_eq!(seen[0].client_id.as_deref(), Some(CLIENT_ID));
    assert!(seen[0].metadata_header);
    assert_eq!(seen[0].status, 200);
    assert!(!first.stdout.contains(&world.imds.token) && !first.stderr.contains(&world.imds.token));
    assert_eq!(
        world.blob_requests("GET ").len(),
        2,
        "{:#?}",
        world.proxy.requests()
    );

    // 2. A second run downloads nothing and asks for no token.
    let second = world.run(&script, &shared, &[]);
    second.succeeded("second run");
    assert!(
        second.stdout.contains("pricer 2.4.1: already installed"),
        "{second}"
    );
    assert_eq!(
        world.token_requests(),
        1,
        "the second run asked for a token"
    );
    assert_eq!(
        world.blob_requests("GET ").len(),
        2,
        "the second run downloaded"
    );

    // 2b. The token is on no command line: a `curl` first on PATH records its arguments, then
    //     runs the real one.
    let spy = dir.join("spy");
    std::fs::create_dir_all(&spy).expect("create the spy folder");
    let real_curl = which("curl");
    std::fs::write(
        spy.join("curl"),
        format!(
            "#!/bin/bash\nprintf '%s\\n' \"$*\" >>'{}'\nexec '{}' \"$@\"\n",
            spy.join("argv.log").display(),
            real_curl.display()
        ),
    )
    .expect("write the spy");
    make_executable(&spy.join("curl"));
    let path = format!(
        "{}:{}",
        spy.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = world.run(&script, &dir.join("shared-spied"), &[("PATH", &path)]);
    run.succeeded("spied run");
    let argv = std::fs::read_to_string(spy.join("argv.log")).expect("the spy's log");
    assert_eq!(
        argv.lines().count(),
        3,
        "one token request and two downloads:\n{argv}"
    );
    assert!(
        !argv.contains(&world.imds.token),
        "the token is on a command line:\n{argv}"
    );
    assert!(!argv.contains("Bearer"), "{argv}");
    assert_eq!(argv.matches("--header @").count(), 2, "{argv}");

    // 3. A blob whose SHA-256 is not the one in the source: a clear error, nothing installed.
    let mut tampered = world.package("tampered", "1.0.0", "pricer/pricer-2.4.1.zip", &pricer_zip);
    tampered.sha256 = "0".repeat(64);
    let run = world.run(&bash_script(&spec(vec![tampered])), &shared, &[]);
    run.failed_with(
        "hash mismatch",
        "tampered 1.0.0: SHA-256 mismatch: expected 0000",
    );
    assert!(run.stderr.contains("nothing was installed"), "{run}");
    assert_eq!(
        entries(&shared.join("tampered")),
        Vec::<String>::new(),
        "a partial folder is left"
    );
    assert!(!entries(&shared).iter().any(|e| e.starts_with(".sblc-work")));

    // 4. 503 twice, then the blob: retried with exponential backoff (1 s, then 2 s).
    world.upload("pricer/flaky-pricer-2.5.0.zip", &pricer_zip);
    let flaky = world.package(
        "flaky",
        "2.5.0",
        "pricer/flaky-pricer-2.5.0.zip",
        &pricer_zip,
    );
    let run = world.run(
        &bash_script(&spec(vec![flaky])),
        &shared,
        &[("SBLC_RETRY_DELAY", "1")],
    );
    run.succeeded("503 twice");
    let tries = world.blob_requests("flaky-pricer");
    assert_eq!(tries.len(), 3, "{tries:#?}");
    assert!(tries[0].ends_with(" 503") && tries[1].ends_with(" 503"));
    assert!(tries[2].ends_with(" forwarded"));
    assert!(
        run.stdout
            .contains("HTTP 503; retrying in 1s (attempt 2 of 5)"),
        "{run}"
    );
    assert!(
        run.stdout
            .contains("HTTP 503; retrying in 2s (attempt 3 of 5)"),
        "{run}"
    );
    assert!(run.elapsed >= Duration::from_secs(3), "no backoff: {run}");
    assert!(shared.join("flaky/2.5.0/bin/pricer").is_file());

    // 5. A storage endpoint that keeps answering 503: bounded, then a clear error.
    let down = world.package("down", "1.0.0", "pricer/down-pricer.zip", &pricer_zip);
    let run = world.run(
        &bash_script(&spec(vec![down])),
        &shared,
        &[("SBLC_MAX_ATTEMPTS", "3")],
    );
    run.failed_with(
        "503 always",
        "download of down 1.0.0 failed after 3 attempt(s): HTTP 503",
    );
    assert_eq!(world.blob_requests("down-pricer").len(), 3);
    assert!(!shared.join("down").join("1.0.0").exists());

    // 6. Network errors are retried too (nothing listens on the token endpoint here).
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let fresh = dir.join("shared-fresh");
    let run = world.run(
        &script,
        &fresh,
        &[
            ("SBLC_IMDS_ENDPOINT", &format!("http://127.0.0.1:{closed}")),
            ("SBLC_MAX_ATTEMPTS", "2"),
        ],
    );
    run.failed_with(
        "network error",
        "token request to IMDS failed after 2 attempt(s): network error",
    );
    assert!(
        run.stdout
            .contains("network error (curl exit code 7); retrying"),
        "{run}"
    );

    // 7. The identity must be named. The token endpoint (like IMDS on a pool with two
    //    identities) rejects a request without client_id; the script never sends one.
    let before = world.token_requests();
    let placeholder = StartTaskSpec {
        client_id: "[reference(parameters('identity'), '2023-01-31').clientId]".into(),
        ..happy.clone()
    };
    let run = world.run(
        &bash_script(&placeholder),
        &fresh,
        &[("SBLC_CLIENT_ID", "")],
    );
    run.failed_with("no client id", "no identity client id: set SBLC_CLIENT_ID");
    assert_eq!(
        world.token_requests(),
        before,
        "asked IMDS without a client id"
    );
    // A variant of the script with the client id cut out of the request gets the 400.
    let without_client_id = script.replace("&client_id=$client_id", "");
    assert_ne!(without_client_id, script);
    let run = world.run(&without_client_id, &fresh, &[]);
    run.failed_with(
        "client id cut out",
        "token request to IMDS failed: HTTP 400",
    );
    assert!(
        run.stderr
            .contains("Multiple user assigned identities exist"),
        "{run}"
    );
    assert_eq!(
        world.imds.seen().last().and_then(|s| s.client_id.clone()),
        None
    );
    // A client id the pool does not have: 400, not retried.
    let run = world.run(
        &script,
        &fresh,
        &[("SBLC_CLIENT_ID", "11111111-2222-3333-4444-555555555555")],
    );
    run.failed_with("unknown client id", "Identity not found");
    assert!(!run.stdout.contains("retrying"), "{run}");
    // The literal client id baked into the script is used when the variable is not set.
    let run = world.run(&script, &fresh, &[("SBLC_CLIENT_ID", "")]);
    run.succeeded("client id from the script");
    assert_eq!(
        world
            .imds
            .seen()
            .last()
            .and_then(|s| s.client_id.clone())
            .as_deref(),
        Some(CLIENT_ID)
    );

    // 8. Azurite checks the token: one for the wrong audience is refused (403 AuthenticationFailed, not retried).
    let run = world.run(
        &script,
        &fresh.join("wrong-audience"),
        &[("SBLC_CLIENT_ID", WRONG_AUDIENCE_CLIENT_ID)],
    );
    run.failed_with(
        "wrong audience",
        "download of pricer 2.4.1 failed: HTTP 403",
    );
    assert!(run.stderr.contains("Invalid token audience"), "{run}");
    assert!(!run.stdout.contains("retrying"), "{run}");

    // 9. The command line refuses a script that is not the one generated for the pool.
    std::fs::write(wd.join("start-task.sh"), format!("{script}\necho extra\n")).expect("write");
    let mut command = Command::new("/bin/bash");
    command.args(["-c", inner]);
    world.environment(&mut command, &wd, &dir.join("shared-tampered"), &[]);
    let run = Run::of(&mut command);
    run.failed_with(
        "tampered script",
        "start-task.sh is missing or is not the script of this pool definition",
    );
    assert!(!dir.join("shared-tampered").exists());

    drop(world);
    let _ = std::fs::remove_dir_all(&dir);
}
