//! A token endpoint on loopback that speaks the managed-identity protocol of the Azure Instance
//! Metadata Service, as far as the start task uses it:
//! `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...&client_id=...` with
//! the header `Metadata: true`, answered by a JSON body with `access_token`, `expires_in`, ...
//!
//! Like IMDS on a pool with several user-assigned identities, it answers 400 when the request
//! names no identity, or one it does not know. The token is a JWT that Azurite's `--oauth basic`
//! accepts: Azurite checks the claims `iss` (an `https://sts.windows.net/` prefix), `aud`
//! (`https://storage.azure.com` among others), `nbf`, `exp` and `iat`, and not the signature.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{SystemTime, UNIX_EPOCH};

/// One request the server received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub target: String,
    pub metadata_header: bool,
    pub client_id: Option<String>,
    pub status: u16,
}

pub struct TokenServer {
    pub port: u16,
    /// The token for the identities with a good token.
    pub token: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TokenServer {
    /// Serves tokens for the identities with these client ids; those in `wrong_audience` get a
    /// token for ARM instead of storage, which Azurite must refuse.
    pub fn start(client_ids: &[&str], wrong_audience: &[&str]) -> TokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the token endpoint");
        let port = listener.local_addr().expect("local address").port();
        let token = jwt("https://storage.azure.com/");
        let bad_token = jwt("https://management.azure.com/");
        let wrong_audience: Vec<String> = wrong_audience.iter().map(|s| s.to_string()).collect();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let known: Vec<String> = client_ids.iter().map(|s| s.to_string()).collect();
        let thread = {
            let (token, seen, stop) = (token.clone(), seen.clone(), stop.clone());
            let tokens = move |id: &str| {
                if wrong_audience.iter().any(|w| w == id) {
                    bad_token.clone()
                } else {
                    token.clone()
                }
            };
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    if let Ok(stream) = stream {
                        if let Some(request) = serve(stream, &known, &tokens) {
                            seen.lock().expect("lock").push(request);
                        }
                    }
                }
            })
        };
        TokenServer {
            port,
            token,
            seen,
            stop,
            thread: Some(thread),
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The requests so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for TokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, known: &[String], token: &dyn Fn(&str) -> String) -> Option<Seen> {
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut metadata_header = false;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.trim().eq_ignore_ascii_case("metadata") && value.trim() == "true" {
                metadata_header = true;
            }
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let parameter = |key: &str| {
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| percent_decode(v))
    };
    let client_id = parameter("client_id");
    let (status, body) = if method != "GET" || path != "/metadata/identity/oauth2/token" {
        (404, r#"{"error":"not_found"}"#.to_string())
    } else if !metadata_header {
        (
            400,
            r#"{"error":"invalid_request","error_description":"Required metadata header not specified"}"#.into(),
        )
    } else if parameter("api-version").as_deref() != Some("2018-02-01")
        || parameter("resource").as_deref() != Some("https://storage.azure.com/")
    {
        (
            400,
            r#"{"error":"invalid_request","error_description":"Invalid api-version or resource"}"#
                .into(),
        )
    } else {
        match &client_id {
            None => (
                400,
                r#"{"error":"invalid_request","error_description":"Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the token request"}"#.into(),
            ),
            Some(id) if !known.contains(id) => (
                400,
                r#"{"error":"invalid_request","error_description":"Identity not found"}"#.into(),
            ),
            Some(id) => {
                let now = now();
                let token = token(id);
                (
                    200,
                    format!(
                        r#"{{"access_token":"{token}","client_id":"{id}","expires_in":"86399","expires_on":"{}","ext_expires_in":"86399","not_before":"{now}","resource":"https://storage.azure.com/","token_type":"Bearer"}}"#,
                        now + 86399
                    ),
                )
            }
        }
    };
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    let mut stream = stream;
    let _ = write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
    Some(Seen {
        target,
        metadata_header,
        client_id,
        status,
    })
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A JWT with the claims Azurite checks, for `audience`; its signature is not a signature.
fn jwt(audience: &str) -> String {
    let now = now();
    let header = r#"{"alg":"RS256","typ":"JWT"}"#;
    let claims = format!(
        r#"{{"aud":"{audience}","iss":"https://sts.windows.net/72f988bf-0000-0000-0000-2d7cd011db47/","iat":{},"nbf":{},"exp":{},"oid":"sblc-test","sub":"sblc-test","tid":"72f988bf-0000-0000-0000-2d7cd011db47"}}"#,
        now - 60,
        now - 60,
        now + 3600
    );
    format!(
        "{}.{}.{}",
        base64url(header.as_bytes()),
        base64url(claims.as_bytes()),
        base64url(b"not-a-real-signature")
    )
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let digits = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(digits, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
