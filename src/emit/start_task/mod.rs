//! Start-task scripts: how a pool's nodes get its packages from firewalled storage.
//!
//! Azure Batch application packages need a storage account open to all networks. sblc instead
//! gives every pool that has packages a *start task* that downloads them itself, on the node,
//! through the pool's subnet (so the storage firewall's virtual-network rule or private endpoint
//! applies) and with the pool's user-assigned managed identity (so no key or SAS exists anywhere).
//!
//! # What is generated, per pool
//! - [`bash_script`] (Linux, `scripts/<pool>/start-task.sh`) or [`powershell_script`] (Windows,
//!   `scripts/<pool>/start-task.ps1`): the same steps in both languages. For each package: skip
//!   it if that version with that SHA-256 is installed (a marker file in the version folder);
//!   otherwise get a token for `https://storage.azure.com/` from IMDS, always naming the identity
//!   by its client id (RULES.md ID7: a pool with several identities gets HTTP 400 otherwise);
//!   download the blob with the Blob REST API (`Authorization: Bearer`, `x-ms-version`), retrying
//!   network errors, 408, 429 and 5xx with exponential backoff (bounded); check the SHA-256;
//!   unpack into a temporary sibling folder and rename it to
//!   `$AZ_BATCH_NODE_SHARED_DIR/<package>/<version>`. Finally write
//!   `$AZ_BATCH_NODE_SHARED_DIR/sblc-packages.env` with one `PKG_<NAME>_DIR='<folder>'` line per
//!   package. The token is never printed nor put on a command line.
//! - [`command_line`]: the start task's command line. It checks the script's SHA-256 before
//!   running it, so the script that runs is the one this build generated.
//! - [`start_task`]: the whole `startTask` object of the pool, for the stdlib to put in the
//!   pool's ARM properties; [`output_file`]: the script as a file of the build.
//!
//! # Calling it
//! For each pool with packages: [`validate`] (codes E0550-E0556; [`sha256_of_file`] and
//! [`unreadable_package`] for packages given as local zips), then [`output_file`] into the
//! build, and [`start_task`] with [`script_blob_url`] into the pool. The deploy step uploads the
//! script, byte for byte, to [`script_blob_url`] with the package zips.
//!
//! # How the script reaches the node: a resource file, pinned by hash
//! The script is a start-task *resource file* (`httpUrl` plus `identityReference`): the Batch
//! agent downloads it on the node with the named identity, exactly like the packages, so it works
//! with a firewalled storage account and with a pool that has several identities. The deploy step
//! uploads it (to [`script_blob_url`]) together with the package zips it already uploads. The
//! command line pins the script's SHA-256, so a changed script changes the pool definition and a
//! tampered blob fails the start task instead of running.
//!
//! Inlining the script in the command line was rejected: the Windows limit is 8,191 characters,
//! PowerShell's `-EncodedCommand` is UTF-16 base64 (2.7 bytes per script byte), compression is not
//! available to the bash side (bash, curl, unzip, sha256sum only), and every package adds a line,
//! so an inline script would put a small, arbitrary cap on the number of packages.
//!
//! The identity's client id is usually known only at deployment (an ARM expression), and the
//! script file cannot contain ARM expressions, so the start task passes it in the environment
//! setting `SBLC_CLIENT_ID`. A literal client id is also written into the script as its default.
//!
//! # Safety of the generated text
//! Every value is substituted into a fixed template (`start-task.sh.in`, `start-task.ps1.in`)
//! through [`bash::quote`] or [`powershell::quote`], so no value can end a string. [`validate`]
//! reports packages whose name, version, URL or hash the scripts could not use; the compiler calls
//! it before generating, and the generators still quote everything they are given.

mod attach;
pub mod bash;
pub mod powershell;

pub use attach::{attach, Attached};

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::diagnostic::{Code, Diagnostic};
use crate::output::OutputFile;
use crate::source::Span;

/// A zip the pool's nodes install, from a blob of a storage account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    /// Folder name under `$AZ_BATCH_NODE_SHARED_DIR`; letters, digits, `.`, `_`, `-`.
    pub name: String,
    /// Folder name under the package's folder; letters, digits, `.`, `_`, `-`, `+`.
    pub version: String,
    /// `https://<account>.blob.core.windows.net/<container>/<blob>` (no query: no SAS).
    pub blob_url: String,
    /// SHA-256 of the zip, 64 lowercase hex digits.
    pub sha256: String,
}

/// A blob the deploy step puts in storage before the pools need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    /// `https://<account>.blob.core.windows.net/<container>/<blob>`.
    pub blob_url: String,
    /// SHA-256 of the contents, 64 lowercase hex digits: an upload with the same hash is skipped.
    pub sha256: String,
    pub source: UploadSource,
    /// The pool that needs it.
    pub origin: Span,
}

/// Where an upload's bytes come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UploadSource {
    /// A start-task script this build generated: its path in the build's output, and its text.
    Script(PathBuf, String),
    /// A local package zip.
    File(PathBuf),
    /// A package given by URL and hash only: someone else uploads it; the deploy step checks it.
    Elsewhere,
}

/// The operating system of a pool's image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Os {
    Linux,
    Windows,
}

/// Everything the start task of one pool needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StartTaskSpec {
    /// The pool's name; names the script's folder `scripts/<pool>/`.
    pub pool: String,
    pub os: Os,
    /// Client id of the pool's user-assigned identity that reads the packages: a GUID, or an ARM
    /// expression placeholder resolved at deployment (then passed in `SBLC_CLIENT_ID` only).
    pub client_id: String,
    pub packages: Vec<Package>,
}

/// The environment variable that carries the identity's client id to the script.
pub const CLIENT_ID_VARIABLE: &str = "SBLC_CLIENT_ID";

/// The file tasks read to find the packages, in `$AZ_BATCH_NODE_SHARED_DIR`.
pub const ENV_FILE: &str = "sblc-packages.env";

/// The Linux script, `scripts/<pool>/start-task.sh`.
pub fn bash_script(spec: &StartTaskSpec) -> String {
    bash::script(spec)
}

/// The Windows script, `scripts/<pool>/start-task.ps1`.
pub fn powershell_script(spec: &StartTaskSpec) -> String {
    powershell::script(spec)
}

/// The script of the pool's OS.
pub fn script(spec: &StartTaskSpec) -> String {
    match spec.os {
        Os::Linux => bash_script(spec),
        Os::Windows => powershell_script(spec),
    }
}

/// The script's file name on the node (the resource file's `filePath`).
pub fn script_file_name(os: Os) -> &'static str {
    match os {
        Os::Linux => "start-task.sh",
        Os::Windows => "start-task.ps1",
    }
}

/// Where `sblc build` writes the script, relative to the output folder.
pub fn script_output_path(spec: &StartTaskSpec) -> PathBuf {
    Path::new("scripts")
        .join(&spec.pool)
        .join(script_file_name(spec.os))
}

/// The file `sblc build` writes for the pool: [`script`] at [`script_output_path`].
pub fn output_file(spec: &StartTaskSpec) -> OutputFile {
    OutputFile {
        path: script_output_path(spec),
        contents: script(spec),
    }
}

/// Where the deploy step uploads the script: beside the first package, in its container, as
/// `sblc-start-task/<pool>/<file>`. `None` for a pool without packages (it needs no start task)
/// or whose first package URL is malformed (reported by [`validate`]).
pub fn script_blob_url(spec: &StartTaskSpec) -> Option<String> {
    let first = spec.packages.first()?;
    let parts = parse_blob_url(&first.blob_url).ok()?;
    Some(format!(
        "{}/{}/sblc-start-task/{}/{}",
        parts.endpoint,
        parts.container,
        spec.pool,
        script_file_name(spec.os)
    ))
}

/// The start task's command line: checks the script's SHA-256, then runs it.
///
/// Batch runs the command line without a shell, in the start task's working directory, where
/// the resource file puts the script.
pub fn command_line(spec: &StartTaskSpec) -> String {
    let file = script_file_name(spec.os);
    let hash = sha256_hex(script(spec).as_bytes());
    let mismatch = format!("sblc: {file} is missing or is not the script of this pool definition");
    match spec.os {
        Os::Linux => format!(
            "/bin/bash -c \"if echo '{hash}  {file}' | sha256sum --check --status; \
             then exec /bin/bash {file}; fi; echo '{mismatch}' >&2; exit 1\""
        ),
        Os::Windows => format!(
            "powershell.exe -NoLogo -NoProfile -NonInteractive -ExecutionPolicy Bypass -Command \
             \"if ((Get-FileHash -Algorithm SHA256 -LiteralPath {file}).Hash -eq '{hash}') \
             {{ & .\\{file}; exit $LASTEXITCODE }}; [Console]::Error.WriteLine('{mismatch}'); exit 1\"",
            hash = hash.to_ascii_uppercase()
        ),
    }
}

/// The start task's environment settings, as `(name, value)`: the identity's client id.
pub fn environment_settings(spec: &StartTaskSpec) -> Vec<(String, String)> {
    vec![(CLIENT_ID_VARIABLE.to_string(), spec.client_id.clone())]
}

/// The pool's whole `startTask` object (ARM `Microsoft.Batch/batchAccounts/pools`, API
/// 2024-07-01 and later).
///
/// `script_url` is where the deploy step uploads the script (see [`script_blob_url`]);
/// `identity_resource_id` is the ARM id (or an expression for it) of the same user-assigned
/// identity whose client id is in the spec; the pool must list it among its identities.
///
/// The settings: elevated (`Admin`) auto-user at `Pool` scope, since the script writes to the
/// shared folder for every task; `waitForSuccess` so no task runs on a node without its
/// packages; three retries, which the script's idempotence makes cheap.
pub fn start_task(
    spec: &StartTaskSpec,
    script_url: &str,
    identity_resource_id: &str,
) -> serde_json::Value {
    let environment: Vec<serde_json::Value> = environment_settings(spec)
        .into_iter()
        .map(|(name, value)| serde_json::json!({ "name": name, "value": value }))
        .collect();
    serde_json::json!({
        "commandLine": command_line(spec),
        "resourceFiles": [{
            "httpUrl": script_url,
            "filePath": script_file_name(spec.os),
            "identityReference": { "resourceId": identity_resource_id }
        }],
        "environmentSettings": environment,
        "userIdentity": { "autoUser": { "scope": "Pool", "elevationLevel": "Admin" } },
        "maxTaskRetryCount": 3,
        "waitForSuccess": true
    })
}

/// The SHA-256 of a file, as 64 lowercase hex digits (for packages given as local zips).
///
/// Errors are the file's I/O errors; [`unreadable_package`] turns one into a diagnostic.
pub fn sha256_of_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&buffer[..read]);
    }
    Ok(hex(&hasher.finalize()))
}

/// E0550: a package given as a local file could not be read.
pub fn unreadable_package(path: &Path, error: &io::Error, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::PackageFileUnreadable,
        format!("package file `{}` cannot be read: {error}", path.display()),
        span,
        "this package's zip",
    )
    .with_help("the path is relative to the .sbl file that names it; build the zip first")
}

/// The client id a script carries as its default: a literal one, or none when it is known only
/// at deployment (then `SBLC_CLIENT_ID` brings it).
pub(crate) fn default_client_id(spec: &StartTaskSpec) -> &str {
    if is_literal_client_id(&spec.client_id) {
        &spec.client_id
    } else {
        ""
    }
}

/// One line per package, `<command> 'name' 'version' 'endpoint' 'path' 'sha256' 'VARIABLE'`,
/// each word quoted by the script language's `quote`; `empty` stands alone for a pool without
/// packages. Both scripts list their packages this way, so they stay parallel.
pub(crate) fn package_lines(
    spec: &StartTaskSpec,
    command: &str,
    quote: fn(&str) -> String,
    empty: &str,
) -> String {
    let mut lines = String::new();
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
        lines.push_str(command);
        for word in words {
            lines.push(' ');
            lines.push_str(&quote(word));
        }
        lines.push('\n');
    }
    if spec.packages.is_empty() {
        lines.push_str(empty);
    }
    // The template's placeholder sits on its own line; drop the newline the list ends with.
    lines.trim_end_matches('\n').to_string()
}

/// Fills a script template: every `@@KEY@@` is replaced by the value given for `KEY`, in one
/// pass (a value is never scanned again). The templates are ours: a key without a value is a bug.
pub(crate) fn render(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("@@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("@@") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let key = &after[..end];
        match values.iter().find(|(k, _)| *k == key) {
            Some((_, value)) => out.push_str(value),
            None => panic!("start-task template has no value for @@{key}@@"),
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// SHA-256 of bytes, lowercase hex.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hexadecimal, as `sha256sum` prints digests.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(DIGITS[usize::from(byte >> 4)] as char);
        out.push(DIGITS[usize::from(byte & 0x0f)] as char);
    }
    out
}

/// The environment variable that names a package's folder: `PKG_<NAME>_DIR`, the name in upper
/// case with every character other than a letter or digit turned into `_`.
pub fn package_variable(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("PKG_{upper}_DIR")
}

/// A blob URL cut into the parts the scripts use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlobUrl<'a> {
    /// `https://<account>.blob.<suffix>`, replaced by `SBLC_STORAGE_ENDPOINT` when set.
    pub endpoint: &'a str,
    pub container: &'a str,
    /// `<container>/<blob>`, as in the URL (already percent-encoded where needed).
    pub path: &'a str,
}

/// Parses `https://<account>.blob.<suffix>/<container>/<blob>`; the error says what is wrong.
pub(crate) fn parse_blob_url(url: &str) -> Result<BlobUrl<'_>, String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| "the URL must start with `https://`".to_string())?;
    if url.contains(['?', '#']) {
        return Err(
            "the URL has a query or fragment; a SAS token is not needed (and not allowed): \
             the pool's identity reads the blob"
                .into(),
        );
    }
    let (host, path) = rest
        .split_once('/')
        .ok_or_else(|| "the URL has no container and blob".to_string())?;
    let (account, suffix) = host
        .split_once(".blob.")
        .ok_or_else(|| "the host must be `<account>.blob.core.windows.net`".to_string())?;
    let account_ok = (3..=24).contains(&account.len())
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    if !account_ok {
        return Err(format!(
            "`{account}` is not a storage account name (3-24 lowercase letters and digits)"
        ));
    }
    let suffix_ok = !suffix.is_empty()
        && suffix
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !suffix_ok {
        return Err(format!("`{host}` is not a blob endpoint host"));
    }
    let (container, blob) = path
        .split_once('/')
        .ok_or_else(|| "the URL has a container but no blob".to_string())?;
    let container_ok = (3..=63).contains(&container.len())
        && container
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !container.starts_with('-')
        && !container.ends_with('-')
        && !container.contains("--");
    if !container_ok {
        return Err(format!("`{container}` is not a blob container name"));
    }
    let blob_ok = !blob.is_empty()
        && blob.len() <= 1024
        && blob
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/%".contains(&b))
        && blob.split('/').all(|s| s != "." && s != "..");
    if !blob_ok {
        return Err(format!(
            "`{blob}` is not a blob name as it appears in a URL (percent-encode other characters)"
        ));
    }
    Ok(BlobUrl {
        endpoint: &url[..("https://".len() + host.len())],
        container,
        path,
    })
}

fn is_segment(text: &str, extra: &[u8]) -> bool {
    (1..=64).contains(&text.len())
        && text.as_bytes()[0].is_ascii_alphanumeric()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b) || extra.contains(&b))
}

/// Is a client id usable as is (a GUID or the like), rather than a deployment-time placeholder?
pub(crate) fn is_literal_client_id(client_id: &str) -> bool {
    !client_id.is_empty()
        && client_id.len() <= 64
        && client_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Reports what would make the start task unusable: E0551 (hash), E0552 (name or version), E0553
/// (URL), E0554 (two packages with one folder or variable), E0555 (no client id), E0556 (pool
/// name). `package_spans[i]` labels package `i` (the pool's span when missing).
pub fn validate(spec: &StartTaskSpec, pool_span: Span, package_spans: &[Span]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let pool_ok = (1..=64).contains(&spec.pool.len())
        && spec
            .pool
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !pool_ok {
        out.push(
            Diagnostic::new(
                Code::InvalidStartTaskPool,
                format!(
                    "pool name `{}` cannot name the folder of its start-task script",
                    spec.pool
                ),
                pool_span,
                "this pool",
            )
            .with_help("Batch pool names have 1-64 letters, digits, `-` and `_`"),
        );
    }
    if !spec.packages.is_empty() && spec.client_id.trim().is_empty() {
        out.push(
            Diagnostic::new(
                Code::StartTaskWithoutIdentity,
                format!(
                    "pool `{}` has packages but no identity to download them with",
                    spec.pool
                ),
                pool_span,
                "this pool's start task",
            )
            .with_help(
                "give the pool a user-assigned identity with a Storage Blob Data Reader role on \
                 the packages' storage account",
            ),
        );
    }
    let mut seen: Vec<(String, String, usize)> = Vec::new();
    for (i, package) in spec.packages.iter().enumerate() {
        let span = package_spans.get(i).copied().unwrap_or(pool_span);
        if !is_segment(&package.name, b"") {
            out.push(
                Diagnostic::new(
                    Code::InvalidPackageName,
                    format!("package name `{}` cannot name a folder", package.name),
                    span,
                    "this package",
                )
                .with_help(
                    "use 1-64 letters, digits, `.`, `_` and `-`, starting with a letter or digit",
                ),
            );
        }
        if !is_segment(&package.version, b"+") {
            out.push(
                Diagnostic::new(
                    Code::InvalidPackageName,
                    format!(
                        "version `{}` of package `{}` cannot name a folder",
                        package.version, package.name
                    ),
                    span,
                    "this package",
                )
                .with_help(
                    "use 1-64 letters, digits, `.`, `_`, `-` and `+`, starting with a letter or digit",
                ),
            );
        }
        let hash_ok = package.sha256.len() == 64
            && package
                .sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hash_ok {
            out.push(
                Diagnostic::new(
                    Code::InvalidPackageSha256,
                    format!(
                        "the SHA-256 of package `{}` is not 64 lowercase hex digits: `{}`",
                        package.name, package.sha256
                    ),
                    span,
                    "this package",
                )
                .with_help("compute it with `sha256sum FILE`, or give the zip as a local file"),
            );
        }
        if let Err(why) = parse_blob_url(&package.blob_url) {
            out.push(
                Diagnostic::new(
                    Code::InvalidPackageUrl,
                    format!(
                        "package `{}` has an unusable blob URL `{}`",
                        package.name, package.blob_url
                    ),
                    span,
                    "this package",
                )
                .with_note(why),
            );
        }
        let variable = package_variable(&package.name);
        let folder = package.name.to_ascii_lowercase();
        if let Some((_, _, first)) = seen.iter().find(|(v, f, _)| *v == variable || *f == folder) {
            let first_span = package_spans.get(*first).copied().unwrap_or(pool_span);
            out.push(
                Diagnostic::new(
                    Code::DuplicatePackage,
                    format!(
                        "packages `{}` and `{}` of pool `{}` would share a folder or `{variable}`",
                        spec.packages[*first].name, package.name, spec.pool
                    ),
                    span,
                    "this package",
                )
                .with_label(first_span, "clashes with this one")
                .with_help("a pool installs one version of each package; rename one of them"),
            );
        } else {
            seen.push((variable, folder, i));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(packages: Vec<Package>) -> StartTaskSpec {
        StartTaskSpec {
            pool: "linux".into(),
            os: Os::Linux,
            client_id: "00000000-0000-0000-0000-000000000001".into(),
            packages,
        }
    }

    fn package(name: &str, url: &str, sha: &str) -> Package {
        Package {
            name: name.into(),
            version: "1.0.0".into(),
            blob_url: url.into(),
            sha256: sha.into(),
        }
    }

    const URL: &str = "https://pkgs1.blob.core.windows.net/packages/tool/tool-1.0.0.zip";
    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn render_fills_each_placeholder_once() {
        let text = render("a=@@A@@ b=@@B@@ @@", &[("A", "@@B@@"), ("B", "2")]);
        assert_eq!(text, "a=@@B@@ b=2 @@");
    }

    #[test]
    #[should_panic(expected = "no value for @@C@@")]
    fn render_refuses_an_unknown_placeholder() {
        render("@@C@@", &[]);
    }

    #[test]
    fn parses_blob_urls() {
        let parts = parse_blob_url(URL).unwrap();
        assert_eq!(parts.endpoint, "https://pkgs1.blob.core.windows.net");
        assert_eq!(parts.container, "packages");
        assert_eq!(parts.path, "packages/tool/tool-1.0.0.zip");
        for bad in [
            "http://pkgs1.blob.core.windows.net/packages/a.zip",
            "https://pkgs1.blob.core.windows.net/packages/a.zip?sv=2024&sig=x",
            "https://pkgs1.blob.core.windows.net/packages",
            "https://PKGS.blob.core.windows.net/packages/a.zip",
            "https://pkgs1.file.core.windows.net/packages/a.zip",
            "https://pkgs1.blob.core.windows.net/Packages/a.zip",
            "https://pkgs1.blob.core.windows.net/packages/a b.zip",
            "https://pkgs1.blob.core.windows.net/packages/../x.zip",
        ] {
            assert!(parse_blob_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn validation_reports_each_problem_once() {
        let good = spec(vec![package("tool", URL, SHA)]);
        assert!(validate(&good, Span::default(), &[]).is_empty());

        let bad = StartTaskSpec {
            pool: "a/b".into(),
            client_id: " ".into(),
            ..spec(vec![
                package("../x", URL, SHA),
                package("tool", "https://x/y", "ABC"),
                package("Tool", URL, SHA),
            ])
        };
        let codes: Vec<&str> = validate(&bad, Span::default(), &[])
            .iter()
            .map(|d| d.code.as_str())
            .collect();
        assert_eq!(
            codes,
            ["E0556", "E0555", "E0552", "E0551", "E0553", "E0554"]
        );
    }

    #[test]
    fn variables_and_paths() {
        assert_eq!(package_variable("my-tool.v2"), "PKG_MY_TOOL_V2_DIR");
        let s = spec(vec![package("tool", URL, SHA)]);
        assert_eq!(
            script_output_path(&s),
            Path::new("scripts/linux/start-task.sh")
        );
        assert_eq!(output_file(&s).contents, bash_script(&s));
        assert_eq!(
            script_blob_url(&s).as_deref(),
            Some(
                "https://pkgs1.blob.core.windows.net/packages/sblc-start-task/linux/start-task.sh"
            )
        );
        assert_eq!(script_blob_url(&spec(vec![])), None);
    }

    #[test]
    fn hashes_files_and_bytes() {
        assert_eq!(sha256_hex(b"test"), SHA);
        let dir = std::env::temp_dir().join(format!("sblc-sha-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("x.zip");
        std::fs::write(&file, b"test").unwrap();
        assert_eq!(sha256_of_file(&file).unwrap(), SHA);
        let missing = sha256_of_file(&dir.join("missing.zip")).unwrap_err();
        let diagnostic = unreadable_package(&dir.join("missing.zip"), &missing, Span::default());
        assert_eq!(diagnostic.code.as_str(), "E0550");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_command_line_pins_the_script() {
        let linux = spec(vec![package("tool", URL, SHA)]);
        let hash = sha256_hex(bash_script(&linux).as_bytes());
        assert!(command_line(&linux).contains(&hash));
        let windows = StartTaskSpec {
            os: Os::Windows,
            ..linux
        };
        let hash = sha256_hex(powershell_script(&windows).as_bytes()).to_ascii_uppercase();
        let line = command_line(&windows);
        assert!(line.contains(&hash));
        assert!(line.len() < 8191);
        let task = start_task(&windows, "https://x", "[id]");
        assert_eq!(task["waitForSuccess"], true);
        assert_eq!(task["resourceFiles"][0]["filePath"], "start-task.ps1");
        assert_eq!(task["environmentSettings"][0]["name"], CLIENT_ID_VARIABLE);
    }
}
