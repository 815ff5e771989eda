//! The outside tools the end-to-end test needs, and how to install each one. A missing tool
//! fails the test with the install step; nothing is skipped.

use std::path::PathBuf;
use std::process::Command;

/// The pinned Azurite version (Node 20 runs Azurite 3.35 but not 3.36 and later).
pub const AZURITE_VERSION: &str = "3.35.0";

/// Panics with `install` unless `tool --version`-like `probe` runs.
pub fn require(tool: &str, probe: &[&str], install: &str) {
    let ok = Command::new(tool)
        .args(probe)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{tool}` is needed by this test and is not installed: {install}"
    );
}

/// The folder Azurite is installed in: `$SBLC_AZURITE_DIR`, else `~/.cache/sblc-test/azurite`
/// (where `scripts/test.sh` installs it).
pub fn azurite_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("SBLC_AZURITE_DIR") {
        return PathBuf::from(dir);
    }
    let home = std::env::var_os("HOME").map_or_else(std::env::temp_dir, PathBuf::from);
    home.join(".cache/sblc-test/azurite")
}

/// The `azurite-blob` entry point; panics with the install step when it is missing.
pub fn azurite_blob() -> PathBuf {
    require(
        "node",
        &["--version"],
        "install Node.js 20 (`apt-get install nodejs npm`)",
    );
    let dir = azurite_dir();
    let bin = dir.join("node_modules/.bin/azurite-blob");
    assert!(
        bin.exists(),
        "Azurite is needed by this test and is not installed in {}: run \
         `npm install --prefix {} azurite@{AZURITE_VERSION}` (scripts/test.sh does)",
        dir.display(),
        dir.display()
    );
    bin
}

/// Everything the end-to-end test runs.
pub fn require_all() -> PathBuf {
    for (tool, probe, package) in [
        ("bash", &["--version"][..], "bash"),
        ("curl", &["--version"][..], "curl"),
        ("unzip", &["-v"][..], "unzip"),
        ("sha256sum", &["--version"][..], "coreutils"),
        ("openssl", &["version"][..], "openssl"),
    ] {
        require(
            tool,
            probe,
            &format!("run `apt-get install {package}` (scripts/test.sh does)"),
        );
    }
    azurite_blob()
}
