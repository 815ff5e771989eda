//! Who sblc deploys as: credentials from `azure_identity`, tried in a documented order.
//!
//! `--auth auto` (the default) tries, in this order, every source whose settings are present,
//! and uses the first that returns a token:
//!
//! 1. `env`: a service principal with a secret, from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and
//!    `AZURE_CLIENT_SECRET` (what CI pipelines set);
//! 2. `workload`: workload identity federation, from `AZURE_TENANT_ID`, `AZURE_CLIENT_ID` and
//!    `AZURE_FEDERATED_TOKEN_FILE` (Kubernetes, GitHub Actions via azure/login);
//! 3. `managed`: the managed identity of the machine (App Service / Functions style
//!    `IDENTITY_ENDPOINT`, or the VM's IMDS: the hub's jumpbox); `AZURE_CLIENT_ID` picks a
//!    user-assigned identity;
//! 4. `cli`: the Azure CLI's login (`az login`), for people at a terminal.
//!
//! When none works, the error lists each source with why it was skipped or failed. A token is
//! never printed; only its principal's object id (the `oid` claim) is read, for the live-state
//! checks.

use std::sync::Arc;
use std::time::Duration;

use azure_core::cloud::{CloudConfiguration, CustomConfiguration};
use azure_core::credentials::{Secret, TokenCredential};
use azure_core::http::{ClientOptions, Transport};
use azure_identity::{
    AzureCliCredential, ClientSecretCredential, ClientSecretCredentialOptions,
    ManagedIdentityCredential, ManagedIdentityCredentialOptions, UserAssignedId,
    WorkloadIdentityCredential, WorkloadIdentityCredentialOptions,
};
use base64::Engine;

use super::http::{error_chain, Http};

/// Which credential to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Auto,
    Env,
    Workload,
    Managed,
    Cli,
}

impl Method {
    const ORDER: [Method; 4] = [Method::Env, Method::Workload, Method::Managed, Method::Cli];

    pub fn name(self) -> &'static str {
        match self {
            Method::Auto => "auto",
            Method::Env => "env (service principal from AZURE_* variables)",
            Method::Workload => "workload (workload identity federation)",
            Method::Managed => "managed (managed identity)",
            Method::Cli => "cli (Azure CLI login)",
        }
    }
}

/// How long `auto` waits for a managed-identity endpoint that may not exist (IMDS off Azure).
const MANAGED_PROBE: Duration = Duration::from_secs(3);
/// How long any credential may take to return a token.
const TOKEN_TIMEOUT: Duration = Duration::from_secs(60);

/// A credential that returned a token, and what it is.
#[derive(Clone)]
pub struct Credential {
    inner: Arc<dyn TokenCredential>,
    pub method: Method,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

impl Credential {
    /// A bearer token for `scope`; the credential caches it until it nearly expires.
    pub async fn token(&self, scope: &str) -> Result<String, String> {
        let scopes = [scope];
        match tokio::time::timeout(TOKEN_TIMEOUT, self.inner.get_token(&scopes, None)).await {
            Ok(Ok(token)) => Ok(token.token.secret().to_string()),
            Ok(Err(error)) => Err(first_line(&error_chain(&error))),
            Err(_) => Err(format!("no token within {} s", TOKEN_TIMEOUT.as_secs())),
        }
    }
}

/// The object id (`oid` claim) of the principal a token was issued to, if the token says.
pub fn object_id(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("oid")?.as_str().map(str::to_string)
}

/// Finds a credential that works for `scope`, trying the sources `method` allows.
pub async fn sign_in(
    method: Method,
    authority: &str,
    http: &Http,
    scope: &str,
) -> Result<Credential, String> {
    let candidates: Vec<Method> = match method {
        Method::Auto => Method::ORDER.to_vec(),
        one => vec![one],
    };
    let mut tried = Vec::new();
    for candidate in candidates {
        let credential = match make(candidate, authority, http, method == Method::Auto) {
            Ok(credential) => credential,
            Err(why) => {
                tried.push(format!("  - {}: {why}", candidate.name()));
                continue;
            }
        };
        let probe = if candidate == Method::Managed && method == Method::Auto {
            MANAGED_PROBE
        } else {
            TOKEN_TIMEOUT
        };
        match tokio::time::timeout(probe, credential.inner.get_token(&[scope], None)).await {
            Ok(Ok(_)) => return Ok(credential),
            Ok(Err(error)) => tried.push(format!(
                "  - {}: {}",
                candidate.name(),
                first_line(&error_chain(&error))
            )),
            Err(_) => tried.push(format!(
                "  - {}: no answer within {} s",
                candidate.name(),
                probe.as_secs()
            )),
        }
    }
    Err(format!(
        "cannot sign in to Azure; tried:\n{}\n  (choose one with --auth; see `sblc apply --help`)",
        tried.join("\n")
    ))
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Makes one credential, or says why its settings are missing.
fn make(method: Method, authority: &str, http: &Http, auto: bool) -> Result<Credential, String> {
    let options = || {
        let mut cloud = CustomConfiguration::default();
        cloud.authority_host = authority.to_string();
        ClientOptions {
            transport: Some(Transport::new(Arc::new(http.client().clone()))),
            cloud: Some(Arc::new(CloudConfiguration::Custom(cloud))),
            ..ClientOptions::default()
        }
    };
    let inner: Arc<dyn TokenCredential> = match method {
        Method::Auto => return Err("not a credential".into()),
        Method::Env => {
            let (Some(tenant), Some(client), Some(secret)) = (
                var("AZURE_TENANT_ID"),
                var("AZURE_CLIENT_ID"),
                var("AZURE_CLIENT_SECRET"),
            ) else {
                return Err(
                    "AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET are not all set"
                        .into(),
                );
            };
            ClientSecretCredential::new(
                &tenant,
                client,
                Secret::new(secret),
                Some(ClientSecretCredentialOptions {
                    client_options: options(),
                }),
            )
            .map_err(|e| first_line(&error_chain(&e)))?
        }
        Method::Workload => {
            if var("AZURE_FEDERATED_TOKEN_FILE").is_none() {
                return Err("AZURE_FEDERATED_TOKEN_FILE is not set".into());
            }
            let mut workload = WorkloadIdentityCredentialOptions::default();
            workload.credential_options.client_options = options();
            WorkloadIdentityCredential::new(Some(workload))
                .map_err(|e| first_line(&error_chain(&e)))?
        }
        Method::Managed => {
            let on_azure_host = var("IDENTITY_ENDPOINT").is_some() || var("MSI_ENDPOINT").is_some();
            if auto && !on_azure_host && !imds_nearby() {
                return Err("no managed identity endpoint (IDENTITY_ENDPOINT unset, IMDS at 169.254.169.254 not reachable)".into());
            }
            ManagedIdentityCredential::new(Some(ManagedIdentityCredentialOptions {
                user_assigned_id: var("AZURE_CLIENT_ID").map(UserAssignedId::ClientId),
                client_options: options(),
            }))
            .map_err(|e| first_line(&error_chain(&e)))?
        }
        Method::Cli => AzureCliCredential::new(None).map_err(|e| first_line(&error_chain(&e)))?,
    };
    Ok(Credential { inner, method })
}

/// Whether the VM metadata service answers a TCP connection at once: off Azure it does not,
/// and a token request to it would hang until its timeout.
fn imds_nearby() -> bool {
    let address = std::net::SocketAddr::from(([169, 254, 169, 254], 80));
    std::net::TcpStream::connect_timeout(&address, Duration::from_millis(300)).is_ok()
}

/// Error texts of the SDK end with a troubleshooting paragraph; the first line says what failed.
fn first_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("unknown error")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_object_id_comes_from_the_token_claims() {
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(br#"{"oid":"11111111-2222-3333-4444-555555555555","aud":"x"}"#);
        let token = format!("e30.{claims}.sig");
        assert_eq!(
            object_id(&token).as_deref(),
            Some("11111111-2222-3333-4444-555555555555")
        );
        assert_eq!(object_id("opaque-token"), None);
    }
}
