//! The fake Azure through its test-support module: it starts, hands out a token, answers ARM
//! with and without one, changes behaviour when the scenario changes, and logs each request.
//! (The server's own behaviour is tested by `python3 tests/fake_azure/test_server.py`.) Needs
//! python3, openssl and curl.

mod support;

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use support::fake_azure::{FakeAzure, CLIENT_ID, CLIENT_SECRET, TENANT};

const SUB: &str = "11111111-1111-1111-1111-111111111111";

/// `curl` against the fake, trusting the test CA: (HTTP status, parsed body).
fn curl(ca: &Path, args: &[&str]) -> (u16, Value) {
    support::tools::require("curl", &["--version"], "apt-get install curl");
    let output = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(ca)
        .args(["-w", "\n%{http_code}"])
        .args(args)
        .output()
        .expect("run curl");
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let (body, status) = text.rsplit_once('\n').expect("the status line");
    let body = if body.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(body).unwrap_or_else(|e| panic!("JSON body ({e}): {body}"))
    };
    (status.trim().parse().expect("a status code"), body)
}

#[test]
fn the_fake_azure_serves_tokens_and_arm_and_logs_each_request() {
    let dir = support::temp_dir("fake-azure-server");
    let certs = support::certs::make(&dir);
    let fake = FakeAzure::start(&dir, &certs, &json!({ "retryAfter": 0 }));
    assert!(fake.endpoint().starts_with("https://127.0.0.1:"));

    let form = format!(
        "grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}\
         &scope=https://management.azure.com/.default"
    );
    let (status, token) = curl(&certs.ca, &["-d", &form, &fake.token_url()]);
    assert_eq!(status, 200, "{token}");
    let token = token["access_token"].as_str().expect("an access token");

    let deployment = format!(
        "{}/subscriptions/{SUB}/providers/Microsoft.Resources/deployments/main?api-version=2024-03-01",
        fake.endpoint()
    );
    let (status, body) = curl(&certs.ca, &[&deployment]);
    assert_eq!(status, 401);
    assert_eq!(body["error"]["code"], "AuthenticationFailed");
    let bearer = format!("Authorization: Bearer {token}");
    let (status, body) = curl(&certs.ca, &["-H", &bearer, &deployment]);
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "DeploymentNotFound");

    // a new scenario applies from the next request on
    fake.set_scenario(&json!({
        "throttle": [{ "method": "GET", "pathContains": "/deployments/", "times": 1, "status": 429 }]
    }));
    let (status, body) = curl(&certs.ca, &["-H", &bearer, &deployment]);
    assert_eq!(status, 429);
    assert_eq!(body["error"]["code"], "TooManyRequests");
    let (status, _) = curl(&certs.ca, &["-H", &bearer, &deployment]);
    assert_eq!(status, 404);

    let requests = fake.requests();
    assert_eq!(requests.len(), 5, "{requests:?}");
    assert_eq!(
        requests[0],
        json!({ "method": "POST", "path": format!("/{TENANT}/oauth2/v2.0/token"),
                "query": "", "status": 200, "auth": "none" })
    );
    assert_eq!(requests[1]["auth"], "none");
    assert_eq!(requests[2]["auth"], "bearer");
    assert_eq!(
        fake.count("GET", "/providers/microsoft.resources/deployments/"),
        4
    );
    assert_eq!(fake.count("PUT", "/deployments/"), 0);
    assert_eq!(fake.with_status(429).len(), 1);
    assert!(fake.stderr().is_empty(), "{}", fake.stderr());
}
