//! Putting start-task scripts and package zips in their storage containers (Blob REST with a
//! bearer token), skipping blobs that already hold the same bytes.
//!
//! A blob sblc uploads carries its SHA-256 in the metadata `sha256`; a blob whose metadata matches
//! is left alone, so a second apply uploads nothing. The storage accounts accept no public
//! traffic, so the data plane is reachable only from inside the network: when it is not,
//! [`UploadError::Unreachable`] says so and what to do. sblc never opens a storage firewall.

use reqwest::Method;

use super::auth::Credential;
use super::cloud::{Endpoints, STORAGE_SCOPE};
use super::http::{origin_of, Failure, Http, Request, Response};
use crate::emit::start_task::{Upload, UploadSource};

/// The Blob service version sblc speaks.
const BLOB_API: &str = "2023-11-03";
/// The metadata key holding a blob's SHA-256.
const HASH_METADATA: &str = "x-ms-meta-sha256";

/// Why an upload could not be done.
#[derive(Debug, PartialEq, Eq)]
pub enum UploadError {
    /// The blob endpoint does not answer from here (private endpoint, firewall, DNS).
    Unreachable { endpoint: String, why: String },
    /// Storage answered with an error.
    Refused {
        url: String,
        status: u16,
        code: String,
        advice: &'static str,
    },
    /// The local file is missing or changed since the build.
    Local(String),
    /// No storage token.
    Auth(String),
}

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            UploadError::Unreachable { endpoint, why } => write!(
                f,
                "cannot reach the blob endpoint {endpoint} ({why}).\n\
                 The storage account accepts no public network traffic, so packages can be uploaded only \
                 from inside the landing zone's network: run `sblc apply` from the hub's jumpbox (through \
                 Bastion), over a VPN, or on a build agent in a peered VNet; or upload the files there and \
                 run `sblc apply --skip-upload`. sblc does not open the storage firewall."
            ),
            UploadError::Refused {
                url,
                status,
                code,
                advice,
            } => write!(f, "storage refused {url}: HTTP {status} {code}. {advice}"),
            UploadError::Local(why) | UploadError::Auth(why) => write!(f, "{why}"),
        }
    }
}

/// What an upload found and did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The blob already held these bytes.
    Current,
    Uploaded,
}

/// Uploads for one signed-in principal.
pub struct Uploader<'a> {
    pub http: &'a Http,
    pub endpoints: &'a Endpoints,
    pub credential: &'a Credential,
}

impl Uploader<'_> {
    /// Whether the blob already holds content with this upload's hash.
    pub async fn is_current(&self, upload: &Upload) -> Result<bool, UploadError> {
        let url = self.url(upload)?;
        let response = self.send(Request::new(Method::HEAD, url.clone())).await?;
        match response.status {
            200 => Ok(response
                .header(HASH_METADATA)
                .is_some_and(|h| h.eq_ignore_ascii_case(&upload.sha256))),
            404 => Ok(false),
            _ => Err(refused(&url, &response)),
        }
    }

    /// Uploads unless the blob is current.
    pub async fn upload(&self, upload: &Upload) -> Result<Outcome, UploadError> {
        if self.is_current(upload).await? {
            return Ok(Outcome::Current);
        }
        let bytes = match &upload.source {
            UploadSource::Script(_, text) => text.clone().into_bytes(),
            UploadSource::File(path) => std::fs::read(path)
                .map_err(|e| UploadError::Local(format!("cannot read {}: {e}", path.display())))?,
            UploadSource::Elsewhere => {
                return Err(UploadError::Local(format!(
                    "{} is not in storage (or has another SHA-256) and the program gives no local file to upload; upload it, with metadata sha256={}",
                    upload.blob_url, upload.sha256
                )))
            }
        };
        let hash = crate::emit::start_task::sha256_hex(&bytes);
        if hash != upload.sha256 {
            return Err(UploadError::Local(format!(
                "{} changed since the build (SHA-256 {hash}, the build pinned {}); build again",
                source_name(upload),
                upload.sha256
            )));
        }
        let url = self.url(upload)?;
        let content_type = if url.ends_with(".zip") {
            "application/zip"
        } else {
            "text/plain; charset=utf-8"
        };
        let request = Request::new(Method::PUT, url.clone())
            .header("x-ms-blob-type", "BlockBlob")
            .header("content-type", content_type)
            .header(HASH_METADATA, upload.sha256.clone())
            .bytes(bytes);
        let response = self.send(request).await?;
        if response.status == 201 {
            Ok(Outcome::Uploaded)
        } else {
            Err(refused(&url, &response))
        }
    }

    fn url(&self, upload: &Upload) -> Result<String, UploadError> {
        self.endpoints
            .blob_url(&upload.blob_url)
            .ok_or_else(|| UploadError::Local(format!("{} is not a blob URL", upload.blob_url)))
    }

    async fn send(&self, request: Request) -> Result<Response, UploadError> {
        let token = self
            .credential
            .token(STORAGE_SCOPE)
            .await
            .map_err(UploadError::Auth)?;
        let endpoint = reqwest::Url::parse(&request.url)
            .map(|url| origin_of(&url))
            .unwrap_or_else(|_| request.url.clone());
        let request = request.bearer(&token).header("x-ms-version", BLOB_API);
        match self.http.send(&request).await {
            Ok(response) => Ok(response),
            Err(Failure::Exhausted(response)) => Err(refused(&request.url, &response)),
            Err(Failure::Unreachable(why)) => Err(UploadError::Unreachable { endpoint, why }),
        }
    }
}

/// Where an upload's bytes come from, in words.
pub fn source_name(upload: &Upload) -> String {
    match &upload.source {
        UploadSource::Script(path, _) => path.display().to_string(),
        UploadSource::File(path) => path.display().to_string(),
        UploadSource::Elsewhere => upload.blob_url.clone(),
    }
}

fn refused(url: &str, response: &Response) -> UploadError {
    let code = response
        .header("x-ms-error-code")
        .unwrap_or_default()
        .to_string();
    let advice = match (response.status, code.as_str()) {
        (403, "AuthorizationPermissionMismatch") => {
            "The signed-in principal needs the role Storage Blob Data Contributor on the storage account (or its container)."
        }
        (403, "AuthorizationFailure") => {
            "The storage firewall refused this network: upload from inside the landing zone's network (jumpbox, VPN, peered build agent)."
        }
        (404, "ContainerNotFound") => {
            "The container does not exist yet: it is created by the deployment; apply creates it before uploading."
        }
        (401, _) => "The storage token was rejected: check the tenant you signed in to.",
        _ => "",
    };
    UploadError::Refused {
        url: url.to_string(),
        status: response.status,
        code,
        advice,
    }
}
