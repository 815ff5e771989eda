//! HTTP for the deploy step: one client (rustls, the system's and `SSL_CERT_FILE`'s roots),
//! timeouts, and bounded retries with backoff and jitter.
//!
//! Retried: connection errors, timeouts, 408, 429 and 5xx, at most [`MAX_RETRIES`] times. A
//! `Retry-After` header (seconds, as ARM and Storage send it) sets the wait, capped at
//! [`MAX_RETRY_AFTER`]; otherwise the wait grows exponentially from one second (or
//! `SBLC_RETRY_DELAY_MS`), with jitter so that many clients throttled together do not come back
//! together. Nothing here logs a request:
//! headers carry bearer tokens and bodies carry secure parameters.

use std::sync::Once;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;

pub const MAX_RETRIES: usize = 4;
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(100);

/// A request that can be sent again: retries rebuild it.
#[derive(Clone)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

/// Shows method and URL only: headers hold bearer tokens, bodies secure parameters.
impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.url)
    }
}

impl Request {
    pub fn new(method: Method, url: impl Into<String>) -> Request {
        Request {
            method,
            url: url.into(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Request {
        self.headers.push((name, value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Request {
        self.header("authorization", format!("Bearer {token}"))
    }

    pub fn json(self, body: &serde_json::Value) -> Request {
        let mut request = self.header("content-type", "application/json");
        request.body = Some(body.to_string().into_bytes());
        request
    }

    pub fn bytes(mut self, body: Vec<u8>) -> Request {
        self.body = Some(body);
        self
    }
}

/// A response, read whole.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// `Retry-After` in seconds (ARM and Storage never send the date form), capped.
    pub fn retry_after(&self) -> Option<Duration> {
        let seconds: u64 = self.header("retry-after")?.trim().parse().ok()?;
        Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
    }
}

/// Why a request got no response.
#[derive(Debug)]
pub enum Failure {
    /// No connection, TLS failure, timeout: the text says which.
    Unreachable(String),
    /// Still throttled or failing after every retry: the last response.
    Exhausted(Response),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Unreachable(why) => write!(f, "{why}"),
            Failure::Exhausted(response) => {
                write!(f, "HTTP {} after {MAX_RETRIES} retries", response.status)
            }
        }
    }
}

/// One attempt's outcome, for the retry loop.
enum Attempt {
    Transient(Response),
    Network(String),
    /// A request that cannot be sent as it is: retrying would not help.
    Malformed(String),
}

/// The HTTP client of a deploy session.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    /// The first retry's wait when the server names none.
    base_delay: Duration,
}

impl Http {
    pub fn new() -> Result<Http, String> {
        install_crypto_provider();
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("sblc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot set up HTTPS: {}", error_chain(&e)))?;
        let base_delay = std::env::var("SBLC_RETRY_DELAY_MS")
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        Ok(Http { client, base_delay })
    }

    /// The underlying client, for `azure_identity`'s pipeline.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Sends with retries; `Ok` for any final status that is not transient.
    pub async fn send(&self, request: &Request) -> Result<Response, Failure> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.base_delay)
            .with_max_delay(Duration::from_secs(30))
            .with_max_times(MAX_RETRIES)
            .with_jitter();
        let result = (|| self.attempt(request))
            .retry(backoff)
            .when(|attempt| !matches!(attempt, Attempt::Malformed(_)))
            // `planned` is `None` when no retry is left: a `Retry-After` never adds one.
            .adjust(|attempt, planned| match attempt {
                Attempt::Transient(response) => {
                    planned.map(|p| response.retry_after().unwrap_or(p))
                }
                _ => planned,
            })
            .await;
        match result {
            Ok(response) => Ok(response),
            Err(Attempt::Transient(response)) => Err(Failure::Exhausted(response)),
            Err(Attempt::Network(why) | Attempt::Malformed(why)) => Err(Failure::Unreachable(why)),
        }
    }

    async fn attempt(&self, request: &Request) -> Result<Response, Attempt> {
        let mut headers = HeaderMap::new();
        for (name, value) in &request.headers {
            let value = HeaderValue::from_str(value)
                .map_err(|_| Attempt::Malformed(format!("invalid value for header {name}")))?;
            headers.insert(HeaderName::from_static(name), value);
        }
        let mut builder = self
            .client
            .request(request.method.clone(), &request.url)
            .headers(headers);
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        } else if matches!(request.method, Method::POST | Method::PUT) {
            builder = builder.header("content-length", "0");
        }
        let response = builder
            .send()
            .await
            .map_err(|e| Attempt::Network(describe(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|e| Attempt::Network(describe(&e)))?
            .to_vec();
        let response = Response {
            status,
            headers,
            body,
        };
        if matches!(status, 408 | 429) || status >= 500 {
            return Err(Attempt::Transient(response));
        }
        Ok(response)
    }
}

/// rustls needs one process-wide crypto provider; `ring` is the light one.
fn install_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A network error in words, without the URL's query (no secrets are in URLs, but SAS-style
/// queries would be if someone pasted one).
fn describe(error: &reqwest::Error) -> String {
    let what = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let host = error.url().map(origin_of).unwrap_or_default();
    format!("{what} ({host}): {}", error_chain(error))
}

/// `scheme://host[:port]` of a URL: where a request went, without path or query.
pub fn origin_of(url: &reqwest::Url) -> String {
    format!("{}://{}", url.scheme(), url.authority())
}

/// The error and its sources, joined, so that "error sending request" comes with its reason
/// (certificate unknown, connection refused...).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
