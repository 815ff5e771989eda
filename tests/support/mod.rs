//! Test support for the end-to-end tests: sample specs, temporary folders, the stderr of a
//! running sblc, and (in the submodules) the servers and tools the tests run against.
#![allow(dead_code)]

pub mod azurite;
pub mod certs;
pub mod fake_azure;
pub mod imds;
pub mod specs;
pub mod stderr_log;
pub mod tools;
pub mod zip;

use std::path::PathBuf;

/// A fresh, empty folder for one test, under the system's temporary folder.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sblc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}
