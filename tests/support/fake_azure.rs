//! The fake Azure (`tests/fake_azure/server.py`: ARM deployments, what-if and Entra ID tokens
//! over HTTPS on loopback) as a child process: started on a free port, told what to do by a
//! scenario file, and stopped by its own process id when dropped. `tests/fake_azure/README.md`
//! describes the scenario fields and the endpoints.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::certs::Certificates;

/// The tenant, client and secret the fake accepts unless the scenario says otherwise.
pub const TENANT: &str = "00000000-0000-0000-0000-0000000000aa";
pub const CLIENT_ID: &str = "sblc-test-client";
pub const CLIENT_SECRET: &str = "sblc-test-secret";
/// The object id of that client's service principal (the token's `oid`).
pub const OBJECT_ID: &str = "00000000-0000-0000-0000-0000000000bb";
/// The value the managed-identity endpoint (`/msi/token`) expects in `X-IDENTITY-HEADER`.
pub const IDENTITY_HEADER: &str = "sblc-test-header";

pub struct FakeAzure {
    pub port: u16,
    scenario: PathBuf,
    log: PathBuf,
    stderr: PathBuf,
    generation: AtomicU64,
    child: Child,
    // Held open: the server exits when its standard input closes (`--exit-with-stdin`), so it
    // also goes away if the test process dies without dropping this.
    _stdin: ChildStdin,
}

impl FakeAzure {
    /// Starts the fake with `scenario`; its files (scenario.json, requests.jsonl,
    /// fake-azure.stderr) go in `dir`. Panics with the server's stderr if it does not start.
    pub fn start(dir: &Path, certs: &Certificates, scenario: &Value) -> FakeAzure {
        super::tools::require(
            "python3",
            &["--version"],
            "install Python 3.11 (`apt-get install python3`)",
        );
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fake_azure/server.py");
        let scenario_path = dir.join("scenario.json");
        let log = dir.join("requests.jsonl");
        let stderr = dir.join("fake-azure.stderr");
        write_atomically(&scenario_path, scenario, 0);
        std::fs::write(&log, "").expect("create requests.jsonl");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg("--cert")
            .arg(&certs.cert)
            .arg("--key")
            .arg(&certs.key)
            .arg("--scenario")
            .arg(&scenario_path)
            .arg("--log")
            .arg(&log)
            .args(["--port", "0", "--exit-with-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).expect("create fake-azure.stderr"))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start python3 ({e})"));
        let stdin = child.stdin.take().expect("the server's stdin");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("the server's stdout"))
            .read_line(&mut line)
            .expect("read the server's READY line");
        let port = match line.trim().strip_prefix("READY ").map(str::parse) {
            Some(Ok(port)) => port,
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "the fake Azure did not start (said {line:?}):\n{}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
        };
        FakeAzure {
            port,
            scenario: scenario_path,
            log,
            stderr,
            generation: AtomicU64::new(1),
            child,
            _stdin: stdin,
        }
    }

    /// `https://127.0.0.1:<port>`: the ARM endpoint and the Entra ID authority host alike.
    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// The client-credentials token endpoint for the default tenant.
    pub fn token_url(&self) -> String {
        format!("{}/{TENANT}/oauth2/v2.0/token", self.endpoint())
    }

    /// The App Service managed-identity endpoint, for `IDENTITY_ENDPOINT` (with
    /// `IDENTITY_HEADER` set to [`IDENTITY_HEADER`]).
    pub fn identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.endpoint())
    }

    /// Replaces the scenario; the server uses it from its next request on. The file is
    /// replaced by a rename (a new inode, so the server notices it even within one mtime tick),
    /// and never seen half-written.
    pub fn set_scenario(&self, scenario: &Value) {
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        write_atomically(&self.scenario, scenario, generation);
    }

    /// Every request so far, oldest first: `{"method","path","query","status","auth"}`. The
    /// server writes each line before it answers, so a request whose answer has arrived is
    /// already here.
    pub fn requests(&self) -> Vec<Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| serde_json::from_str(line).expect("a JSON line in requests.jsonl"))
            .collect()
    }

    /// How many requests had this method and a path containing `path_contains` (ASCII case
    /// ignored, as ARM ignores the case of paths): `count("PUT", "/deployments/")`.
    pub fn count(&self, method: &str, path_contains: &str) -> usize {
        let needle = path_contains.to_ascii_lowercase();
        self.requests()
            .iter()
            .filter(|r| r["method"].as_str() == Some(method))
            .filter(|r| {
                r["path"]
                    .as_str()
                    .is_some_and(|p| p.to_ascii_lowercase().contains(&needle))
            })
            .count()
    }

    /// The requests answered with `status`.
    pub fn with_status(&self, status: u16) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|r| r["status"].as_u64() == Some(u64::from(status)))
            .collect()
    }

    /// What the server wrote to stderr (scenario warnings, or a traceback if it failed).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for FakeAzure {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `scenario` (plus a `comment` with the generation, so that two equal scenarios still
/// differ on disk) to a temporary file and renames it over `path`.
fn write_atomically(path: &Path, scenario: &Value, generation: u64) {
    let mut value = scenario.clone();
    if let Value::Object(map) = &mut value {
        map.insert(
            "comment".to_string(),
            Value::String(format!("scenario generation {generation}")),
        );
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&value).expect("serialise")).expect("write");
    std::fs::rename(&tmp, path).expect("rename the scenario into place");
}
