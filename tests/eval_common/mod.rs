//! Helpers for the evaluator's integration tests: load a program from text, evaluate it on a
//! large stack (as the driver does), and return JSON or the diagnostics.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::{Code, Diagnostic};
use sblc::load::load_text;

/// A fresh empty folder for a test's files.
pub fn temp_dir() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "sblc-eval-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    // Imports are canonicalised by the loader; the entry folder must be too, or paths would
    // not be displayed relative to it where the temp folder is behind a symlink.
    dir.canonicalize().expect("canonical temp dir")
}

/// Runs `f` on a thread with the driver's large stack.
pub fn on_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    sblc::driver::with_large_stack(f)
}

/// The outcome of evaluating `text` as `main.sbl` in `dir`: JSON, or the rendered diagnostics
/// with their codes. Loading must succeed without diagnostics.
pub fn run_in(
    text: &str,
    dir: &Path,
) -> Result<serde_json::Value, (Vec<Code>, Vec<Diagnostic>, String)> {
    let (text, dir) = (text.to_string(), dir.to_path_buf());
    on_big_stack(move || {
        let (program, diagnostics) = load_text("main.sbl", &text, &dir);
        assert!(
            diagnostics.is_empty(),
            "loading {text:?} reported:\n{}",
            render_plain(&diagnostics, &program.sources)
        );
        sblc::eval::evaluate_to_json(&program).map_err(|errors| {
            let codes = errors.iter().map(|d| d.code).collect();
            let rendered = render_plain(&errors, &program.sources);
            (codes, errors, rendered)
        })
    })
}

pub fn run(text: &str) -> Result<serde_json::Value, (Vec<Code>, Vec<Diagnostic>, String)> {
    run_in(text, Path::new("/virtual/project"))
}

/// The JSON value of `text`; fails the test with the rendered errors if evaluation fails.
pub fn eval_json(text: &str) -> serde_json::Value {
    match run(text) {
        Ok(json) => json,
        Err((_, _, rendered)) => panic!("evaluating {text:?} failed:\n{rendered}"),
    }
}

/// The one diagnostic evaluating `text` reports; fails the test if it succeeds.
pub fn eval_error(text: &str) -> Diagnostic {
    match run(text) {
        Ok(json) => panic!("evaluating {text:?} succeeded with {json}"),
        Err((_, mut errors, _)) => {
            assert_eq!(errors.len(), 1, "one error expected");
            errors.remove(0)
        }
    }
}

/// The source and its rendered diagnostic, for snapshots.
pub fn error_report(text: &str) -> (Code, String) {
    match run(text) {
        Ok(json) => panic!("evaluating {text:?} succeeded with {json}"),
        Err((codes, _, rendered)) => (
            codes[0],
            format!("--- source\n{text}\n--- report\n{rendered}"),
        ),
    }
}

/// The JSON text `evaluate_to_json_text` writes for `text`, compact or pretty.
pub fn eval_json_text(text: &str, pretty: bool) -> String {
    let text = text.to_string();
    on_big_stack(move || {
        let (program, diagnostics) = load_text("main.sbl", &text, Path::new("/virtual/project"));
        assert!(diagnostics.is_empty());
        match sblc::eval::evaluate_to_json_text(&program, pretty) {
            Ok(json) => json,
            Err(errors) => panic!("{}", render_plain(&errors, &program.sources)),
        }
    })
}
