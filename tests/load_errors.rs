//! Import diagnostics: a snapshot per code, with the source and the rendered report.

mod common;

use std::path::PathBuf;

use sblc::diagnostic::Code;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sblc-load-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Loads `main.sbl` (with `files` beside it) and snapshots its diagnostics.
fn snapshot(name: &str, main: &str, files: &[(&str, &[u8])], expected: &[Code]) {
    let dir = temp_dir(name);
    for (file, contents) in files {
        std::fs::write(dir.join(file), contents).expect("write");
    }
    std::fs::write(dir.join("main.sbl"), main).expect("write");
    let (codes, rendered) = common::with_big_stack(move || {
        let (program, diagnostics) =
            sblc::load::load_file(&dir.join("main.sbl")).expect("readable");
        let codes: Vec<Code> = diagnostics.iter().map(|d| d.code).collect();
        let rendered = sblc::diagnostic::render::render_plain(&diagnostics, &program.sources)
            .replace(&dir.display().to_string(), "<dir>");
        (codes, rendered)
    });
    assert_eq!(codes, expected, "{rendered}");
    insta::with_settings!({ snapshot_path => "../snapshots/load", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, format!("--- main.sbl\n{main}\n---\n{rendered}"));
    });
}

#[test]
fn e0201_import_not_found() {
    snapshot(
        "E0201",
        "import ./networks/hub.sbl",
        &[],
        &[Code::ImportNotFound],
    );
}

#[test]
fn e0202_unknown_stdlib_module_suggests_the_closest() {
    snapshot("E0202", "import <bacth>", &[], &[Code::UnknownStdlibModule]);
}

#[test]
fn e0203_import_cycle_shows_the_chain() {
    snapshot(
        "E0203",
        "import ./a.sbl",
        &[
            ("a.sbl", b"import ./b.sbl"),
            ("b.sbl", b"{ back = import ./a.sbl; }"),
        ],
        &[Code::ImportCycle],
    );
}

#[test]
fn e0204_import_unreadable() {
    snapshot(
        "E0204",
        "import ./package.zip",
        &[("package.zip", &[0x50, 0x4b, 0xff, 0xfe, 0x00])],
        &[Code::ImportUnreadable],
    );
}

#[test]
fn shared_imports_load_once_and_in_dependency_order() {
    let dir = temp_dir("diamond");
    std::fs::write(dir.join("a.sbl"), "import ./c.sbl").expect("write");
    std::fs::write(dir.join("b.sbl"), "import ./c.sbl").expect("write");
    std::fs::write(dir.join("c.sbl"), "1").expect("write");
    let (program, diagnostics) =
        sblc::load::load_text("main.sbl", "[ (import ./a.sbl) (import ./b.sbl) ]", &dir);
    assert!(diagnostics.is_empty());
    let names: Vec<String> = program
        .order
        .iter()
        .map(|f| program.sources.get(*f).name.clone())
        .collect();
    assert_eq!(names, ["c.sbl", "a.sbl", "b.sbl", "main.sbl"]);
}
