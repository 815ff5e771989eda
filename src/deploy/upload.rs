//! Putting start-task scripts and package zips in their storage containers (Blob REST with a
//! bearer token), skipping blobs that already hold the same bytes.
//!
//! A blob sblc uploads carries its SHA-256 in the metadata `sha256`; a blob whose metadata matches
//! is left alone, so a second apply uploads nothing. Files larger than [`BLOCK_SIZE`] go up in
//! blocks (Put Block, then Put Block List), read from disk one block at a time: a package of
//! hundreds of megabytes needs neither its size in memory nor one request that outlasts the
//! request timeout on a slow VPN, and a failed block is retried on its own. The blocks are hashed
//! as they are read, and committed only when the whole file has the hash the build pinned, so
//! a file changed since the build never replaces the blob. The storage accounts accept no public
//! traffic, so the data plane is reachable only from inside the network: when it is not,
//! [`UploadError::Unreachable`] says so and what to do. sblc never opens a storage firewall.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use base64::Engine;
use reqwest::Method;
use sha2::{Digest, Sha256};

use super::auth::Credential;
use super::cloud::{Endpoints, STORAGE_SCOPE};
use super::http::{origin_of, Failure, Http, Request, Response};
use crate::emit::start_task::{Upload, UploadSource};

/// The Blob service version sblc speaks.
const BLOB_API: &str = "2023-11-03";
/// The metadata key holding a blob's SHA-256.
const HASH_METADATA: &str = "x-ms-meta-sha256";
/// Files up to this size go up in one request, larger ones in blocks of this size (Azure allows
/// 50,000 blocks: 195 GiB).
pub const BLOCK_SIZE: u64 = 4 * 1024 * 1024;

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
    /// Uploads with `arm`'s client, endpoints and sign-in.
    pub fn of(arm: &super::arm::Arm) -> Uploader<'_> {
        Uploader {
            http: arm.http(),
            endpoints: arm.endpoints(),
            credential: arm.credential(),
        }
    }

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
        let url = self.url(upload)?;
        match &upload.source {
            UploadSource::Script(_, text) => {
                self.put_blob(&url, upload, text.clone().into_bytes())
                    .await?
            }
            UploadSource::File(path) => {
                let file = File::open(path).map_err(|e| unreadable(path, e))?;
                let size = file.metadata().map_err(|e| unreadable(path, e))?.len();
                if size <= BLOCK_SIZE {
                    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
                    (&file)
                        .read_to_end(&mut bytes)
                        .map_err(|e| unreadable(path, e))?;
                    self.put_blob(&url, upload, bytes).await?
                } else {
                    self.put_blocks(&url, upload, path, file).await?
                }
            }
            UploadSource::Elsewhere => {
                return Err(UploadError::Local(format!(
                    "{} is not in storage (or has another SHA-256) and the program gives no local file to upload; upload it, with metadata sha256={}",
                    upload.blob_url, upload.sha256
                )))
            }
        }
        Ok(Outcome::Uploaded)
    }

    /// The whole blob in one request.
    async fn put_blob(
        &self,
        url: &str,
        upload: &Upload,
        bytes: Vec<u8>,
    ) -> Result<(), UploadError> {
        pinned_hash(upload, &Sha256::digest(&bytes))?;
        let request = Request::new(Method::PUT, url.to_string())
            .header("x-ms-blob-type", "BlockBlob")
            .header("content-type", content_type(url))
            .header(HASH_METADATA, upload.sha256.clone())
            .bytes(bytes);
        self.expect_created(url, request).await
    }

    /// The blob in blocks, committed only if the file still has the pinned hash.
    async fn put_blocks(
        &self,
        url: &str,
        upload: &Upload,
        path: &Path,
        mut file: File,
    ) -> Result<(), UploadError> {
        let mut hasher = Sha256::new();
        let mut ids = Vec::new();
        loop {
            let mut block = Vec::new();
            (&mut file)
                .take(BLOCK_SIZE)
                .read_to_end(&mut block)
                .map_err(|e| unreadable(path, e))?;
            if block.is_empty() {
                break;
            }
            hasher.update(&block);
            let id = block_id(ids.len());
            let request = Request::new(
                Method::PUT,
                format!("{url}?comp=block&blockid={}", query_escaped(&id)),
            )
            .bytes(block);
            self.expect_created(url, request).await?;
            ids.push(id);
        }
        // Uncommitted blocks change nothing; storage discards them after a week.
        pinned_hash(upload, &hasher.finalize())?;
        let list: String = ids
            .iter()
            .map(|id| format!("<Latest>{id}</Latest>"))
            .collect();
        let body =
            format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><BlockList>{list}</BlockList>");
        let request = Request::new(Method::PUT, format!("{url}?comp=blocklist"))
            .header("content-type", "application/xml")
            .header("x-ms-blob-content-type", content_type(url))
            .header(HASH_METADATA, upload.sha256.clone())
            .bytes(body.into_bytes());
        self.expect_created(url, request).await
    }

    async fn expect_created(&self, url: &str, request: Request) -> Result<(), UploadError> {
        let response = self.send(request).await?;
        if response.status == 201 {
            Ok(())
        } else {
            Err(refused(url, &response))
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

fn unreadable(path: &Path, error: std::io::Error) -> UploadError {
    UploadError::Local(format!("cannot read {}: {error}", path.display()))
}

/// Checks that the bytes about to be committed are the ones the build pinned.
fn pinned_hash(upload: &Upload, digest: &[u8]) -> Result<(), UploadError> {
    let hash = crate::emit::start_task::hex(digest);
    if hash == upload.sha256 {
        return Ok(());
    }
    Err(UploadError::Local(format!(
        "{} changed since the build (SHA-256 {hash}, the build pinned {}); build again",
        source_name(upload),
        upload.sha256
    )))
}

fn content_type(url: &str) -> &'static str {
    if url.ends_with(".zip") {
        "application/zip"
    } else {
        "text/plain; charset=utf-8"
    }
}

/// Block ids are Base64 of equally long texts (storage requires one length per blob).
fn block_id(index: usize) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("block-{index:06}"))
}

/// Base64's `+`, `/` and `=` escaped for a URL's query.
fn query_escaped(id: &str) -> String {
    id.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
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
