//! Typed module interfaces: the type of `import ./x.sbl` is the checked, generalised type of
//! that file, so mistakes in calls across files are reported at the caller with labels in the
//! imported file.

mod types_support;

use std::fs;
use std::path::PathBuf;

use sblc::diagnostic::Code;
use types_support::{check_in, rendered};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("sblc-types-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }

    fn write(&self, name: &str, text: &str) {
        fs::write(self.0.join(name), text).expect("write module");
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const BATCH: &str = r#"# A Batch pool module.
{ vmSize :: String
, sku :: "Standard" | "Premium" ? "Standard"
, nodes ? 1
}: {
  inherit vmSize sku nodes;
  dedicated = nodes > 0;
}
"#;

#[test]
fn misspelt_field_and_wrong_enum_value_across_an_import() {
    let dir = TempDir::new("interface");
    dir.write("batch.sbl", BATCH);
    let main = "let\n  batch = import ./batch.sbl;\nin batch {\n  vmSzie = \"Standard_D2s_v3\";\n  sku = \"Premum\";\n}\n";
    let (program, report) = check_in(main, &dir.0);
    let shown = rendered(&program, &report.diagnostics);
    let codes: Vec<Code> = report.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::UnknownField, Code::ValueNotAllowed],
        "{shown}"
    );

    let field = &report.diagnostics[0];
    assert_eq!(
        field.primary.span.file, program.entry,
        "reported at the call site"
    );
    assert_eq!(field.help.as_deref(), Some("did you mean `vmSize`?"));
    let declaration = &field.secondary[0];
    assert_ne!(
        declaration.span.file, program.entry,
        "labelled in the module"
    );
    let module_text = &program.sources.get(declaration.span.file).text;
    assert_eq!(&module_text[declaration.span.range()], "vmSize");

    let value = &report.diagnostics[1];
    assert_eq!(value.help.as_deref(), Some("did you mean \"Premium\"?"));
    assert!(shown.contains("batch.sbl"), "{shown}");
    insta::with_settings!({ snapshot_path => "../snapshots/types", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("module_interface", format!("--- batch.sbl\n{BATCH}--- main.sbl\n{main}--- report\n{shown}"));
    });
}

#[test]
fn module_types_are_the_interfaces_of_files() {
    let dir = TempDir::new("types");
    dir.write("batch.sbl", BATCH);
    dir.write("lib.sbl", "{ id = x: x; twice = f: x: f (f x); }\n");
    let main = "let\n  lib = import ./lib.sbl;\n  pool = (import ./batch.sbl) { vmSize = \"D2\"; };\nin { a = lib.id 1; b = lib.id \"s\"; n = pool.nodes; t = lib.twice (x: x + 1) 0; }\n";
    let (program, report) = check_in(main, &dir.0);
    assert!(
        report.diagnostics.is_empty(),
        "{}",
        rendered(&program, &report.diagnostics)
    );
    let by_name = |name: &str| {
        let (id, _) = program
            .sources
            .files()
            .find(|(_, f)| f.name.ends_with(name))
            .expect("file loaded");
        report.module_types[&id].to_string()
    };
    assert_eq!(
        by_name("batch.sbl"),
        "{ vmSize: String, sku?: \"Standard\" | \"Premium\", nodes?: Int } -> { vmSize: String, sku: \"Standard\" | \"Premium\", nodes: Int, dedicated: Bool }"
    );
    assert_eq!(
        by_name("lib.sbl"),
        "{ id: a -> a, twice: (b -> b) -> b -> b }"
    );
    assert_eq!(
        report.module_types[&program.entry].to_string(),
        "{ a: Int, b: String, n: Int, t: Int }"
    );
}

#[test]
fn errors_inside_an_imported_file_are_reported_there_once() {
    let dir = TempDir::new("inner");
    dir.write("bad.sbl", "{ value = 1 + \"x\"; }\n");
    let main = "let bad = import ./bad.sbl; in [ bad.value bad.value ]";
    let (program, report) = check_in(main, &dir.0);
    assert_eq!(
        report.diagnostics.len(),
        1,
        "{}",
        rendered(&program, &report.diagnostics)
    );
    assert_ne!(report.diagnostics[0].primary.span.file, program.entry);
}

#[test]
fn unresolved_imports_are_any() {
    let dir = TempDir::new("missing");
    let (program, load_diagnostics) =
        sblc::load::load_text("main.sbl", "(import ./nope.sbl).anything + 1", &dir.0);
    assert_eq!(load_diagnostics.len(), 1);
    let report = sblc::types::check(&program);
    assert!(report.diagnostics.is_empty());
}
