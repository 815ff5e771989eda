//! The Linux start task: `start-task.sh.in` filled with the pool's values.
//!
//! The template holds all the logic; the generator only substitutes single-quoted values (the
//! pool name, the default client id, the package count) and writes one `install_package` line
//! per package. Single quotes end only at a `'`, which [`quote`] writes as `'\''`.

use super::{is_literal_client_id, package_variable, parse_blob_url, render, StartTaskSpec};

const TEMPLATE: &str = include_str!("start-task.sh.in");

/// `value` as one bash word: single-quoted, with each `'` written as `'\''`.
pub fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
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
        packages.push_str("install_package");
        for word in words {
            packages.push(' ');
            packages.push_str(&quote(word));
        }
        packages.push('\n');
    }
    if spec.packages.is_empty() {
        packages.push_str(": # this pool has no packages\n");
    }
    // The template's placeholder sits on its own line; drop the newline the list ends with.
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
    fn quotes_every_character() {
        assert_eq!(quote("plain"), "'plain'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$(rm -rf /)`x`\n"), "'$(rm -rf /)`x`\n'");
    }
}
