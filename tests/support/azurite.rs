//! Azurite (the Azure Storage emulator) and the flaky HTTPS proxy in front of it, each a child
//! process on loopback, stopped by its process id when dropped.

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::certs::Certificates;

/// A child process killed (by its own pid) and reaped on drop.
pub struct Process {
    pub name: &'static str,
    child: Child,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free loopback port")
}

/// Azurite's blob service over HTTPS with `--oauth basic`, data in `dir`.
pub struct Azurite {
    pub port: u16,
    _process: Process,
}

impl Azurite {
    /// Starts Azurite on a free port; tries again on another port if it loses the port to
    /// another process between the probe and its own bind.
    pub fn start(bin: &Path, dir: &Path, certs: &Certificates) -> Azurite {
        let mut last = String::new();
        for _ in 0..3 {
            match Azurite::try_start(bin, dir, certs) {
                Ok(azurite) => return azurite,
                Err(why) => last = why,
            }
        }
        panic!("Azurite did not start:\n{last}");
    }

    fn try_start(bin: &Path, dir: &Path, certs: &Certificates) -> Result<Azurite, String> {
        let port = free_port();
        let location = dir.join("azurite-data");
        std::fs::create_dir_all(&location).expect("create the Azurite folder");
        let log_path = dir.join("azurite.log");
        let log = std::fs::File::create(&log_path).expect("create azurite.log");
        let child = Command::new(bin)
            .args([
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                &port.to_string(),
                "--location",
            ])
            .arg(&location)
            .args([
                "--disableTelemetry",
                "--skipApiVersionCheck",
                "--oauth",
                "basic",
                "--cert",
            ])
            .arg(&certs.cert)
            .arg("--key")
            .arg(&certs.key)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {} ({e})", bin.display()));
        let mut process = Process {
            name: "azurite",
            child,
        };
        wait_for_port(&mut process, port, &log_path)?;
        Ok(Azurite {
            port,
            _process: process,
        })
    }

    /// The blob endpoint the script uses in place of `https://<account>.blob.core.windows.net`.
    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/devstoreaccount1", self.port)
    }
}

fn wait_for_port(process: &mut Process, port: u16, log: &Path) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = process.child.try_wait() {
            return Err(format!(
                "{} exited ({status}) before listening:\n{}",
                process.name,
                std::fs::read_to_string(log).unwrap_or_default()
            ));
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "{} did not listen on port {port} within 30 s",
        process.name
    ))
}

/// `flaky-proxy.js` in front of Azurite: see that file for its rules.
pub struct FlakyProxy {
    pub port: u16,
    pub log: PathBuf,
    _process: Process,
}

impl FlakyProxy {
    pub fn start(azurite: &Azurite, dir: &Path, certs: &Certificates) -> FlakyProxy {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/flaky-proxy.js");
        let log = dir.join("proxy.log");
        std::fs::write(&log, "").expect("create proxy.log");
        let mut child = Command::new("node")
            .arg(&script)
            .args([&certs.cert, &certs.key, &certs.ca])
            .arg(azurite.port.to_string())
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start node ({e}): install Node.js 20"));
        let stdout = child.stdout.take().expect("proxy stdout");
        let process = Process {
            name: "flaky proxy",
            child,
        };
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the proxy's port");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the proxy did not start: {line:?}"));
        FlakyProxy {
            port,
            log,
            _process: process,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("https://127.0.0.1:{}/devstoreaccount1", self.port)
    }

    /// The requests the proxy has seen: "METHOD PATH OUTCOME" lines.
    pub fn requests(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }
}
