//! The Windows start task: `start-task.ps1.in` filled with the pool's values.
//!
//! The same steps, messages and settings as the Linux script (see `start-task.sh.in`), with
//! built-in cmdlets only (`Invoke-WebRequest`, `Get-FileHash`, `Expand-Archive`). Values are
//! single-quoted by [`quote`]: PowerShell single-quoted strings expand nothing and end only at a
//! single quote, which PowerShell also recognises in its typographic forms (U+2018 to U+201B);
//! each of those is doubled.

use super::{is_literal_client_id, package_variable, parse_blob_url, render, StartTaskSpec};

const TEMPLATE: &str = include_str!("start-task.ps1.in");

/// `value` as a PowerShell single-quoted string.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// The whole script for `spec`.
pub fn script(spec: &StartTaskSpec) -> String {
    let client_id = if is_literal_client_id(&spec.client_id) {
        spec.client_id.as_str()
    } else {
        ""
    };
    let mut packages = String::new();
    for package in &spec.packages {
        // A malformed URL (reported by `validate`) still produces a quoted, harmless line.
        let (endpoint, path) = match parse_blob_url(&package.blob_url) {
            Ok(parts) => (parts.endpoint.to_string(), parts.path.to_string()),
            Err(_) => (package.blob_url.clone(), String::new()),
        };
        let words = [
            package.name.as_str(),
            package.version.as_str(),
            endpoint.as_str(),
            path.as_str(),
            package.sha256.as_str(),
            &package_variable(&package.name),
        ];
        packages.push_str("  Install-Package");
        for word in words {
            packages.push(' ');
            packages.push_str(&quote(word));
        }
        packages.push('\n');
    }
    if spec.packages.is_empty() {
        packages.push_str("  # this pool has no packages\n");
    }
    let packages = packages.trim_end_matches('\n');
    render(
        TEMPLATE,
        &[
            ("POOL", &quote(&spec.pool)),
            ("CLIENT_ID", &quote(client_id)),
            ("COUNT", &spec.packages.len().to_string()),
            ("PACKAGES", packages),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_every_kind_of_single_quote() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(quote("$(x) `y` \"z\""), "'$(x) `y` \"z\"'");
    }
}
