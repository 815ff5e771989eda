//! The Windows start task: `start-task.ps1.in` filled with the pool's values.
//!
//! The same steps, messages and settings as the Linux script (see `start-task.sh.in`), with
//! built-in cmdlets only (`Invoke-WebRequest`, `Get-FileHash`, `Expand-Archive`). Values are
//! single-quoted by [`quote`]: PowerShell single-quoted strings expand nothing and end only at a
//! single quote, which PowerShell also recognises in its typographic forms (U+2018 to U+201B);
//! each of those is doubled.

use super::{default_client_id, package_lines, render, StartTaskSpec};

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
    let client_id = default_client_id(spec);
    let packages = package_lines(
        spec,
        "  Install-Package",
        quote,
        "  # this pool has no packages\n",
    );
    render(
        TEMPLATE,
        &[
            ("POOL", &quote(&spec.pool)),
            ("CLIENT_ID", &quote(client_id)),
            ("COUNT", &spec.packages.len().to_string()),
            ("PACKAGES", &packages),
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
