//! `sblc build` and `sblc build --watch`, driven as a user would: the real binary, real files.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::stderr_log::StderrLog;

const PROGRAM: &str = r#"let
  vnet = resource {
    type = "Microsoft.Network/virtualNetworks"; apiVersion = "2024-05-01"; name = "NAME";
    location = "westeurope";
    properties.addressSpace.addressPrefixes = [ "10.0.0.0/16" ];
  };
in { resources = [ vnet ]; }
"#;

fn workspace(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sblc-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn program(name: &str) -> String {
    PROGRAM.replace("NAME", name)
}

fn sblc() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sblc"));
    command.env("NO_COLOR", "1");
    command
}

fn snapshot_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_failed_build_leaves_the_previous_output_intact() {
    let dir = workspace("atomic");
    let main = dir.join("main.sbl");
    std::fs::write(&main, program("good-vnet")).expect("write");
    let status = sblc().arg("build").arg(&main).status().expect("run sblc");
    assert!(status.success());
    let before = snapshot_dir(&dir.join("out"));
    assert!(
        before.iter().any(|(p, _)| p.ends_with("main.json"))
            && before.iter().any(|(p, _)| p.ends_with("main.bicep"))
    );

    std::fs::write(
        &main,
        program("good-vnet").replace("in {", "in { broken = ;"),
    )
    .expect("write");
    let output = sblc().arg("build").arg(&main).output().expect("run sblc");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("E0108") && stderr.contains("left as it was"),
        "{stderr}"
    );
    assert_eq!(
        snapshot_dir(&dir.join("out")),
        before,
        "the failed build touched the output"
    );
}

#[test]
fn two_builds_write_the_same_bytes() {
    let dir = workspace("twice");
    let main = dir.join("main.sbl");
    std::fs::write(&main, program("same")).expect("write");
    let build = || {
        let built = sblc().arg("build").arg(&main).status().expect("run");
        assert!(built.success());
        snapshot_dir(&dir.join("out"))
    };
    let first = build();
    assert_eq!(build(), first);
}

#[test]
fn usage_and_missing_files_exit_with_2() {
    let output = sblc()
        .args(["build", "/nonexistent/main.sbl"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
    let output = sblc()
        .args(["build", "--format", "yaml"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2));
}

/// Waits until `check` holds, or fails after a generous bound.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(20) {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("timed out waiting for: {what}");
}

fn main_json(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("out/main.json")).unwrap_or_default()
}

#[test]
fn watch_rebuilds_on_save_survives_bad_edits_and_stops_on_ctrl_c() {
    let dir = workspace("watch");
    let main = dir.join("main.sbl");
    std::fs::write(&main, program("first")).expect("write");
    let mut child = sblc()
        .args(["build", "--watch"])
        .arg(&main)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start sblc build --watch");
    let stderr_path = dir.join("stderr.log");
    let log = StderrLog::follow(&mut child);

    eventually("the first build", || main_json(&dir).contains("\"first\""));
    eventually("the watcher to start", || log.contains("watching"));

    // A save rebuilds.
    std::fs::write(&main, program("second")).expect("write");
    eventually("the rebuild after a save", || {
        main_json(&dir).contains("\"second\"")
    });
    // A rebuild reads the program; reading is not a change, so nothing more happens.
    std::thread::sleep(Duration::from_millis(500));
    let builds = log.count("built ");
    assert_eq!(builds, 2, "one save, one rebuild");

    // A bad edit reports and keeps the last good output.
    std::fs::write(&main, program("third").replace("location", "location = ;")).expect("write");
    eventually("the diagnostic of the bad edit", || log.contains("E0108"));
    assert!(
        main_json(&dir).contains("\"second\""),
        "the last good output was replaced"
    );

    // Editors delete and recreate files: the watcher keeps up.
    std::fs::remove_file(&main).expect("delete");
    std::thread::sleep(Duration::from_millis(100));
    std::fs::write(&main, program("fourth")).expect("recreate");
    eventually("the rebuild after delete and recreate", || {
        main_json(&dir).contains("\"fourth\"")
    });

    // Ctrl-C stops it cleanly.
    let pid = child.id().to_string();
    let _ = Command::new("kill").args(["-INT", &pid]).status();
    let start = Instant::now();
    let status = loop {
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "sblc did not stop on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(25));
    };
    let text = log.finish();
    let _ = std::fs::write(stderr_path, &text);
    assert!(status.success(), "exit status {status:?}\n{text}");
    assert!(text.contains("stopped watching"), "{text}");
}
