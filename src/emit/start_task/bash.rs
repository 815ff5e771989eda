//! The Linux start task: `start-task.sh.in` filled with the pool's values.
//!
//! The template holds all the logic; the generator only substitutes single-quoted values (the
//! pool name, the default client id, the package count) and writes one `install_package` line
//! per package. Single quotes end only at a `'`, which [`quote`] writes as `'\''`.

use super::{default_client_id, package_lines, render, StartTaskSpec};

const TEMPLATE: &str = include_str!("start-task.sh.in");

/// `value` as one bash word: single-quoted, with each `'` written as `'\''`.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// The whole script for `spec`.
pub fn script(spec: &StartTaskSpec) -> String {
    let client_id = default_client_id(spec);
    let packages = package_lines(
        spec,
        "install_package",
        quote,
        ": # this pool has no packages\n",
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
    fn quotes_every_character() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(rm -rf /)`x`\n"), "'$(rm -rf /)`x`\n'");
    }
}
