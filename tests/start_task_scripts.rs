//! The generated start-task scripts, checked without a network: shellcheck on every bash
//! script, the tree-sitter PowerShell grammar on every PowerShell script, the parallel structure
//! of the two, and one snapshot of each.

mod support;

use std::path::Path;
use std::process::Command;

use sblc::emit::start_task::{
    bash_script, command_line, package_variable, powershell_script, Os, Package, StartTaskSpec,
};
use support::specs;

/// Runs the real shellcheck on `script`; panics with its report.
fn shellcheck(name: &str, script: &str) {
    let dir = support::temp_dir(&format!("shellcheck-{name}"));
    let path = dir.join("start-task.sh");
    std::fs::write(&path, script).expect("write script");
    let output = Command::new("shellcheck")
        .args(["--shell=bash", "--severity=style"])
        .arg(&path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run shellcheck ({e}): install it with `apt-get install shellcheck` (scripts/test.sh does)")
        });
    assert!(
        output.status.success() && output.stdout.is_empty(),
        "shellcheck reports on the script for {name}:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Parses `script` with tree-sitter-powershell; panics on any ERROR or MISSING node.
fn parse_powershell(name: &str, script: &str) {
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("load the PowerShell grammar");
    let tree = parser.parse(script, None).expect("parse");
    let mut problems = Vec::new();
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            let at = node.start_position();
            let line = script.lines().nth(at.row).unwrap_or("");
            problems.push(format!(
                "{}:{}: {} node: {}",
                at.row + 1,
                at.column + 1,
                if node.is_missing() {
                    "MISSING"
                } else {
                    "ERROR"
                },
                line.trim()
            ));
        }
        stack.extend(node.children(&mut cursor));
    }
    assert!(
        problems.is_empty(),
        "tree-sitter-powershell finds errors in the script for {name}:\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_bash_script_passes_shellcheck() {
    for (name, spec) in specs::all(Os::Linux) {
        shellcheck(name, &bash_script(&spec));
    }
}

#[test]
fn every_powershell_script_parses() {
    for (name, spec) in specs::all(Os::Windows) {
        parse_powershell(name, &powershell_script(&spec));
    }
}

#[test]
fn the_powershell_script_uses_built_in_cmdlets_only() {
    const BUILT_IN: &[&str] = &[
        "ConvertFrom-Json",
        "Expand-Archive",
        "Get-ChildItem",
        "Get-Command",
        "Get-Content",
        "Get-FileHash",
        "Invoke-WebRequest",
        "Join-Path",
        "Move-Item",
        "New-Item",
        "Out-Null",
        "Remove-Item",
        "Set-Content",
        "Set-StrictMode",
        "Start-Sleep",
        "Test-Path",
        "Write-Host",
    ];
    let script = powershell_script(&specs::two_packages(Os::Windows));
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("load the PowerShell grammar");
    let tree = parser.parse(&script, None).expect("parse");
    let mut defined = Vec::new();
    let mut called = std::collections::BTreeSet::new();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        match node.kind() {
            "function_statement" => {
                if let Some(name) = (0..node.child_count())
                    .filter_map(|i| node.child(i as u32))
                    .find(|c| c.kind() == "function_name")
                {
                    defined.push(script[name.byte_range()].to_string());
                }
            }
            "command" => {
                if let Some(name) = node.child_by_field_name("command_name") {
                    called.insert(script[name.byte_range()].to_string());
                }
            }
            _ => {}
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    assert!(defined.len() >= 7, "functions found: {defined:?}");
    let foreign: Vec<&String> = called
        .iter()
        .filter(|c| !BUILT_IN.contains(&c.as_str()) && !defined.contains(c))
        .collect();
    assert!(foreign.is_empty(), "not built in: {foreign:?}");
    for needed in ["Invoke-WebRequest", "Get-FileHash", "Expand-Archive"] {
        assert!(called.contains(needed), "{needed} is not used");
    }
}

#[test]
fn the_windows_command_line_parses_as_powershell() {
    let spec = specs::two_packages(Os::Windows);
    let line = command_line(&spec);
    let inner = line
        .split_once("-Command \"")
        .and_then(|(_, rest)| rest.strip_suffix('"'))
        .expect("a -Command \"...\" command line");
    parse_powershell("command line", inner);
    assert!(line.len() <= 8191, "{} characters", line.len());
}

fn hostile_spec(os: Os) -> StartTaskSpec {
    // Values the compiler would reject (`validate`) must still not escape their quotes.
    StartTaskSpec {
        pool: "p'; touch /tmp/sblc-pwned; '".into(),
        os,
        client_id: "x' $(id) `id`".into(),
        packages: vec![Package {
            name: "a'b\u{2019}$(id)\"`".into(),
            version: "1\n2".into(),
            blob_url: "not a url '$(id)".into(),
            sha256: "'\"; id; #".into(),
        }],
    }
}

/// The six words the generators pass for the hostile package.
fn hostile_words(spec: &StartTaskSpec) -> Vec<String> {
    let p = &spec.packages[0];
    vec![
        p.name.clone(),
        p.version.clone(),
        p.blob_url.clone(),
        String::new(),
        p.sha256.clone(),
        package_variable(&p.name),
    ]
}

#[test]
fn hostile_values_stay_inside_bash_quotes() {
    let spec = hostile_spec(Os::Linux);
    let script = bash_script(&spec);
    // Run the generated lines that carry values, with a stub that prints its arguments.
    let start = script.find("readonly pool=").expect("pool line");
    let pool_line = script[start..].lines().next().unwrap_or_default();
    let start = script.find("install_package '").expect("package line");
    let end = script[start..]
        .find("\n\n")
        .map_or(script.len(), |e| start + e);
    let program = format!(
        "set -eu\ninstall_package() {{ printf '%s\\0' \"$@\"; }}\n{pool_line}\nprintf '%s\\0' \"$pool\"\n{}\n",
        &script[start..end]
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(&program)
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let words: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .split_terminator('\0')
        .map(str::to_string)
        .collect();
    let mut expected = vec![spec.pool.clone()];
    expected.extend(hostile_words(&spec));
    assert_eq!(words, expected);
    assert!(!Path::new("/tmp/sblc-pwned").exists());
    // And the whole script is still valid bash.
    let syntax = Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash -n");
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
}

#[test]
fn hostile_values_stay_inside_powershell_quotes() {
    let spec = hostile_spec(Os::Windows);
    let script = powershell_script(&spec);
    parse_powershell("hostile", &script);
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&tree_sitter_powershell::LANGUAGE.into())
        .expect("load the PowerShell grammar");
    let tree = parser.parse(&script, None).expect("parse");
    // Find the Install-Package command and decode its arguments.
    let mut stack = vec![tree.root_node()];
    let mut arguments = None;
    while let Some(node) = stack.pop() {
        if node.kind() == "command"
            && node
                .child_by_field_name("command_name")
                .is_some_and(|n| &script[n.byte_range()] == "Install-Package")
        {
            let mut strings = Vec::new();
            let mut inner = vec![node];
            while let Some(n) = inner.pop() {
                if n.kind() == "string_literal" {
                    strings.push((n.start_byte(), decode_verbatim(&script[n.byte_range()])));
                }
                let mut cursor = n.walk();
                inner.extend(n.children(&mut cursor));
            }
            strings.sort();
            arguments = Some(strings.into_iter().map(|(_, s)| s).collect::<Vec<_>>());
        }
        let mut cursor = node.walk();
        stack.extend(node.children(&mut cursor));
    }
    assert_eq!(
        arguments.expect("an Install-Package line"),
        hostile_words(&spec)
    );
}

/// The value of a PowerShell single-quoted string literal.
fn decode_verbatim(literal: &str) -> String {
    let is_quote = |c: char| matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}');
    let inner: Vec<char> = literal.chars().collect();
    assert!(
        inner.len() >= 2 && is_quote(inner[0]) && is_quote(inner[inner.len() - 1]),
        "{literal}"
    );
    let mut out = String::new();
    let mut i = 1;
    while i < inner.len() - 1 {
        out.push(inner[i]);
        i += if is_quote(inner[i]) { 2 } else { 1 };
    }
    out
}

/// The lines of a script that print something: `log`/`fail` in bash, `Write-Log`/`Fail` in
/// PowerShell, with variable syntax and naming style normalised away.
fn messages(script: &str, log: &str, fail: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in script.lines() {
        for (call, kind) in [(log, "log"), (fail, "fail")] {
            let mut rest = line;
            while let Some(at) = rest.find(&format!("{call} \"")) {
                let before = rest[..at].chars().last();
                let text = &rest[at + call.len() + 2..];
                rest = text;
                if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
                    continue;
                }
                let Some(end) = text.find('"') else { continue };
                out.push(format!("{kind}: {}", normalise(&text[..end])));
            }
        }
    }
    out
}

fn normalise(message: &str) -> String {
    message
        .replace("script:", "")
        .chars()
        .filter(|c| !matches!(c, '$' | '{' | '}' | '(' | ')' | '_' | ' '))
        .collect::<String>()
        .to_lowercase()
}

#[test]
fn the_two_scripts_take_the_same_steps_with_the_same_messages() {
    let spec = specs::two_packages(Os::Linux);
    let bash = bash_script(&spec);
    let powershell = powershell_script(&StartTaskSpec {
        os: Os::Windows,
        ..spec
    });
    let mut from_bash = messages(&bash, "log", "fail");
    let mut from_powershell = messages(&powershell, "Write-Log", "Fail");
    // The one difference: Windows has no curl to give a CA bundle to.
    from_bash.retain(|m| !m.contains("sblccabundle"));
    from_powershell.retain(|m| !m.contains("sblccabundle"));
    from_bash.sort();
    from_powershell.sort();
    assert_eq!(from_bash, from_powershell);
    assert!(from_bash.len() >= 15, "{from_bash:#?}");

    for step in [
        "Step 0",
        "Step 1",
        "Step 2",
        "Steps 2 and 3",
        "Step 4",
        "Step 5",
        "Step 6",
    ] {
        assert!(bash.contains(step), "bash lacks {step}");
        assert!(powershell.contains(step), "PowerShell lacks {step}");
    }
    for setting in [
        "SBLC_CLIENT_ID",
        "SBLC_IMDS_ENDPOINT",
        "SBLC_STORAGE_ENDPOINT",
        "SBLC_CA_BUNDLE",
        "SBLC_MAX_ATTEMPTS",
        "SBLC_RETRY_DELAY",
        "client_id=",
        "Metadata",
        "x-ms-version",
        "sblc-packages.env",
        ".sblc-installed",
        "'^(404|410|429|5[0-9][0-9])$'",
        "'^(408|429|5[0-9][0-9])$'",
    ] {
        assert!(bash.contains(setting), "bash lacks {setting}");
        assert!(powershell.contains(setting), "PowerShell lacks {setting}");
    }
}

#[test]
fn the_token_never_reaches_a_log_or_a_command_line() {
    let bash = bash_script(&specs::two_packages(Os::Linux));
    assert!(!bash.contains("set -x"));
    // The only line that handles the token writes it to the private header file with printf
    // (a builtin, so it is in no process's argv); curl reads the header from that file.
    let token_lines: Vec<&str> = bash
        .lines()
        .filter(|l| l.contains("BASH_REMATCH") || l.contains("Bearer"))
        .collect();
    assert_eq!(token_lines.len(), 1, "{token_lines:#?}");
    assert!(token_lines[0].contains(">\"$token_header\""));
    assert!(bash.contains("--header \"@$token_header\""));
}

#[test]
fn snapshots() {
    let linux = specs::two_packages(Os::Linux);
    let windows = specs::two_packages(Os::Windows);
    let settings = || {
        let mut settings = insta::Settings::clone_current();
        settings
            .set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots/start_task"));
        settings.set_prepend_module_to_snapshot(false);
        settings
    };
    settings().bind(|| {
        insta::assert_snapshot!("linux_start_task_sh", bash_script(&linux));
        insta::assert_snapshot!("windows_start_task_ps1", powershell_script(&windows));
        insta::assert_snapshot!(
            "command_lines",
            format!("{}\n{}\n", command_line(&linux), command_line(&windows))
        );
    });
}
