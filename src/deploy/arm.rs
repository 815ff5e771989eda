//! The Resource Manager REST calls sblc makes, and ARM's error bodies as data.
//!
//! Every call carries a bearer token and an `api-version`; long-running operations are followed
//! as ARM documents them: a deployment PUT answers with `Azure-AsyncOperation` (poll it until
//! `Succeeded`, `Failed` or `Canceled`), a what-if POST with `Location` (poll it until it stops
//! answering 202). `Retry-After` sets the wait between polls.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;

use super::auth::Credential;
use super::cloud::Endpoints;
use super::http::{Failure, Http, Request, Response};

/// `Microsoft.Resources/deployments` (create, what-if, operations, cancel).
pub const DEPLOYMENTS_API: &str = "2024-03-01";
/// `Microsoft.Authorization/roleAssignments` and `roleDefinitions`.
pub const AUTHORIZATION_API: &str = "2022-04-01";
/// Between polls when ARM names no wait.
const DEFAULT_POLL: Duration = Duration::from_secs(5);
/// What-if usually takes seconds; past this, something is wrong on Azure's side.
const WHAT_IF_LIMIT: Duration = Duration::from_secs(15 * 60);
/// Never poll faster than this, even when ARM says `Retry-After: 0`.
const MIN_POLL: Duration = Duration::from_millis(25);

/// Where a deployment goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    Subscription(String),
    ResourceGroup { subscription: String, group: String },
}

impl Scope {
    pub fn subscription(&self) -> &str {
        match self {
            Scope::Subscription(s)
            | Scope::ResourceGroup {
                subscription: s, ..
            } => s,
        }
    }

    /// The ARM path of the scope itself.
    pub fn path(&self) -> String {
        match self {
            Scope::Subscription(s) => format!("/subscriptions/{s}"),
            Scope::ResourceGroup {
                subscription,
                group,
            } => format!("/subscriptions/{subscription}/resourcegroups/{group}"),
        }
    }

    pub fn deployment_path(&self, name: &str) -> String {
        format!(
            "{}/providers/Microsoft.Resources/deployments/{name}",
            self.path()
        )
    }
}

/// An ARM error: `{"error": {"code", "message", "details": [...]}}`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArmError {
    /// The HTTP status, when the error came as a response (0 inside an operation).
    pub status: u16,
    pub code: String,
    pub message: String,
    pub details: Vec<ArmError>,
}

impl ArmError {
    /// Reads `{"error": {...}}`, `{"code", "message"}`, or an operation's `statusMessage`.
    pub fn from_value(value: &Value) -> Option<ArmError> {
        let inner = value
            .get("error")
            .or_else(|| value.pointer("/statusMessage/error"))
            .unwrap_or(value);
        let code = inner.get("code")?.as_str()?.to_string();
        let message = inner
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let details = inner
            .get("details")
            .and_then(Value::as_array)
            .map(|d| d.iter().filter_map(ArmError::from_value).collect())
            .unwrap_or_default();
        Some(ArmError {
            status: 0,
            code,
            message,
            details,
        })
    }

    fn from_response(response: &Response) -> ArmError {
        let mut error = ArmError::from_value(&response.json()).unwrap_or_else(|| ArmError {
            code: format!("HTTP{}", response.status),
            message: String::from_utf8_lossy(&response.body)
                .chars()
                .take(300)
                .collect(),
            ..ArmError::default()
        });
        error.status = response.status;
        error
    }

    /// The innermost errors: where ARM says what really went wrong.
    pub fn root_causes(&self) -> Vec<&ArmError> {
        if self.details.is_empty() {
            return vec![self];
        }
        self.details
            .iter()
            .flat_map(ArmError::root_causes)
            .collect()
    }
}

impl std::fmt::Display for ArmError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Why a call failed.
#[derive(Debug)]
pub enum CallError {
    /// ARM answered with an error.
    Arm(ArmError),
    /// ARM could not be reached, or kept throttling.
    Network(String),
    /// No token.
    Auth(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Arm(error) => write!(f, "{error}"),
            CallError::Network(why) | CallError::Auth(why) => write!(f, "{why}"),
        }
    }
}

/// A deployment's state, as its status URL reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    Running,
    Succeeded,
    Failed(Option<ArmError>),
    Canceled,
}

impl Status {
    pub fn is_terminal(&self) -> bool {
        !matches!(self, Status::Running)
    }
}

/// One deployment operation: what ARM did to one resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    pub operation_id: String,
    /// `Running`, `Succeeded`, `Failed`...
    pub state: String,
    pub resource_id: String,
    pub resource_type: String,
    pub resource_name: String,
    pub error: Option<ArmError>,
}

impl Operation {
    fn from_value(value: &Value) -> Option<Operation> {
        let properties = value.get("properties")?;
        let text = |pointer: &str| {
            properties
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let state = text("/provisioningState");
        let error = if state.eq_ignore_ascii_case("Failed") {
            properties
                .get("statusMessage")
                .and_then(ArmError::from_value)
                .map(|mut e| {
                    e.status = status_code_number(&text("/statusCode"));
                    e
                })
        } else {
            None
        };
        Some(Operation {
            operation_id: value
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
            state,
            resource_id: text("/targetResource/id"),
            resource_type: text("/targetResource/resourceType"),
            resource_name: text("/targetResource/resourceName"),
            error,
        })
    }

    pub fn is_nested_deployment(&self) -> bool {
        self.resource_type
            .eq_ignore_ascii_case("Microsoft.Resources/deployments")
    }
}

/// ARM puts HTTP status names in `statusCode` (`Forbidden`); some services put numbers.
fn status_code_number(text: &str) -> u16 {
    text.parse().unwrap_or(match text {
        "BadRequest" => 400,
        "Unauthorized" => 401,
        "Forbidden" => 403,
        "NotFound" => 404,
        "Conflict" => 409,
        "TooManyRequests" => 429,
        "InternalServerError" => 500,
        _ => 0,
    })
}

/// A Resource Manager client for one signed-in principal.
pub struct Arm {
    http: Http,
    endpoints: Endpoints,
    credential: Credential,
}

impl Arm {
    pub fn new(http: Http, endpoints: Endpoints, credential: Credential) -> Arm {
        Arm {
            http,
            endpoints,
            credential,
        }
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.endpoints
    }

    pub fn credential(&self) -> &Credential {
        &self.credential
    }

    pub fn http(&self) -> &Http {
        &self.http
    }

    /// Sends a request to an ARM path (or a full URL ARM gave us), with token and api-version.
    async fn send(&self, request: Request) -> Result<Response, CallError> {
        let token = self
            .credential
            .token(&self.endpoints.arm_scope())
            .await
            .map_err(CallError::Auth)?;
        let request = request.bearer(&token);
        match self.http.send(&request).await {
            Ok(response) if response.is_success() => Ok(response),
            Ok(response) => Err(CallError::Arm(ArmError::from_response(&response))),
            Err(Failure::Exhausted(response)) => {
                Err(CallError::Arm(ArmError::from_response(&response)))
            }
            Err(Failure::Unreachable(why)) => Err(CallError::Network(why)),
        }
    }

    fn url(&self, path: &str, api: &str) -> String {
        let separator = if path.contains('?') { '&' } else { '?' };
        format!(
            "{}{separator}api-version={api}",
            self.endpoints.arm_url(path)
        )
    }

    /// Runs what-if for a deployment body and returns ARM's `changes`.
    pub async fn what_if(
        &self,
        scope: &Scope,
        name: &str,
        body: &Value,
    ) -> Result<Vec<Value>, CallError> {
        let mut body = body.clone();
        if let Some(properties) = body.get_mut("properties").and_then(Value::as_object_mut) {
            properties.insert(
                "whatIfSettings".into(),
                serde_json::json!({ "resultFormat": "FullResourcePayloads" }),
            );
        }
        let url = self.url(
            &format!("{}/whatIf", scope.deployment_path(name)),
            DEPLOYMENTS_API,
        );
        let mut response = self
            .send(Request::new(Method::POST, url).json(&body))
            .await?;
        let started = std::time::Instant::now();
        while response.status == 202 {
            if started.elapsed() > WHAT_IF_LIMIT {
                return Err(CallError::Network(format!(
                    "what-if did not finish within {} minutes",
                    WHAT_IF_LIMIT.as_secs() / 60
                )));
            }
            let Some(location) = response.header("location").map(str::to_string) else {
                return Err(CallError::Network(
                    "what-if answered 202 without a Location to poll".into(),
                ));
            };
            tokio::time::sleep(poll_wait(&response)).await;
            response = self.send(Request::new(Method::GET, location)).await?;
        }
        let result = response.json();
        if let Some(error) = result.get("error").and_then(ArmError::from_value) {
            return Err(CallError::Arm(error));
        }
        Ok(result
            .pointer("/properties/changes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default())
    }

    /// Starts a deployment; returns the URL to poll and how long to wait first.
    pub async fn start_deployment(
        &self,
        scope: &Scope,
        name: &str,
        body: &Value,
    ) -> Result<(String, Duration), CallError> {
        let path = scope.deployment_path(name);
        let response = self
            .send(Request::new(Method::PUT, self.url(&path, DEPLOYMENTS_API)).json(body))
            .await?;
        let status_url = response
            .header("azure-asyncoperation")
            .or_else(|| response.header("location"))
            .map(str::to_string)
            .unwrap_or_else(|| self.url(&path, DEPLOYMENTS_API));
        Ok((status_url, poll_wait(&response)))
    }

    /// Reads a deployment's status URL; returns the status and when to ask again.
    pub async fn status(&self, status_url: &str) -> Result<(Status, Duration), CallError> {
        let response = self
            .send(Request::new(Method::GET, status_url.to_string()))
            .await?;
        let value = response.json();
        // An operation status says `status`; a `Location` poll answers 202 while running and
        // another 2xx, often with an empty body, when done.
        let stated = value
            .get("status")
            .or_else(|| value.pointer("/properties/provisioningState"))
            .and_then(Value::as_str);
        let status = match (stated, response.status) {
            (Some(stated), _) => stated,
            (None, 202) => "Running",
            (None, _) => "Succeeded",
        };
        let status = match status.to_ascii_lowercase().as_str() {
            "succeeded" => Status::Succeeded,
            "failed" => Status::Failed(
                value
                    .get("error")
                    .or_else(|| value.pointer("/properties/error"))
                    .and_then(ArmError::from_value),
            ),
            "canceled" | "cancelled" => Status::Canceled,
            _ => Status::Running,
        };
        Ok((status, poll_wait(&response)))
    }

    /// The operations of a deployment, by its ARM id or path.
    pub async fn operations(&self, deployment_path: &str) -> Result<Vec<Operation>, CallError> {
        let mut url = self.url(&format!("{deployment_path}/operations"), DEPLOYMENTS_API);
        let mut operations = Vec::new();
        loop {
            let page = self
                .send(Request::new(Method::GET, url.clone()))
                .await?
                .json();
            operations.extend(
                page.get("value")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Operation::from_value),
            );
            match page.get("nextLink").and_then(Value::as_str) {
                // A link to the page just read would loop forever.
                Some(next) if next != url => url = next.to_string(),
                _ => return Ok(operations),
            }
        }
    }

    /// Asks ARM to cancel a running deployment.
    pub async fn cancel(&self, scope: &Scope, name: &str) -> Result<(), CallError> {
        let path = format!("{}/cancel", scope.deployment_path(name));
        self.send(Request::new(Method::POST, self.url(&path, DEPLOYMENTS_API)))
            .await
            .map(|_| ())
    }

    /// A resource by id, or `None` if ARM says it does not exist.
    pub async fn resource(&self, id: &str, api_version: &str) -> Result<Option<Value>, CallError> {
        match self
            .send(Request::new(Method::GET, self.url(id, api_version)))
            .await
        {
            Ok(response) => Ok(Some(response.json())),
            Err(CallError::Arm(error)) if error.status == 404 => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// The role names a principal holds, with their scopes, as seen from a subscription.
    pub async fn roles_of(
        &self,
        subscription: &str,
        principal: &str,
    ) -> Result<Vec<(String, String)>, CallError> {
        let path = format!(
            "/subscriptions/{subscription}/providers/Microsoft.Authorization/roleAssignments?$filter=assignedTo('{principal}')"
        );
        let list = self
            .send(Request::new(
                Method::GET,
                self.url(&path, AUTHORIZATION_API),
            ))
            .await?
            .json();
        let mut roles = Vec::new();
        // One principal often holds the same role at several scopes: read each definition once.
        let mut names: std::collections::HashMap<String, Option<String>> =
            std::collections::HashMap::new();
        for assignment in list
            .get("value")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let text = |p: &str| {
                assignment
                    .pointer(p)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
            };
            let definition = text("/properties/roleDefinitionId");
            let scope = text("/properties/scope").to_string();
            if definition.is_empty() {
                continue;
            }
            let key = definition.to_ascii_lowercase();
            if !names.contains_key(&key) {
                let role = self
                    .send(Request::new(
                        Method::GET,
                        self.url(definition, AUTHORIZATION_API),
                    ))
                    .await?
                    .json();
                let name = role.pointer("/properties/roleName").and_then(Value::as_str);
                names.insert(key.clone(), name.map(str::to_string));
            }
            if let Some(Some(name)) = names.get(&key) {
                roles.push((name.clone(), scope));
            }
        }
        Ok(roles)
    }
}

/// How long to wait before the next poll.
fn poll_wait(response: &Response) -> Duration {
    response.retry_after().unwrap_or(DEFAULT_POLL).max(MIN_POLL)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_arm_errors_yield_their_root_causes() {
        let body = json!({"error": {"code": "DeploymentFailed", "message": "At least one resource deployment operation failed.",
            "details": [{"code": "Conflict", "message": "x", "details": [{"code": "SubnetInUse", "message": "Subnet pool is in use"}]},
                        {"code": "BadRequest", "message": "bad"}]}});
        let error = ArmError::from_value(&body).expect("an error");
        let roots: Vec<String> = error.root_causes().iter().map(|e| e.code.clone()).collect();
        assert_eq!(roots, ["SubnetInUse", "BadRequest"]);
    }

    #[test]
    fn a_failed_operation_carries_its_status_and_error() {
        let operation = Operation::from_value(&json!({
            "operationId": "ABC",
            "properties": {
                "provisioningState": "Failed",
                "statusCode": "Forbidden",
                "statusMessage": {"status": "Failed", "error": {"code": "AuthorizationFailed", "message": "no"}},
                "targetResource": {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a",
                                   "resourceType": "Microsoft.Storage/storageAccounts", "resourceName": "a"}
            }
        }))
        .expect("an operation");
        let error = operation.error.expect("an error");
        assert_eq!(
            (error.status, error.code.as_str()),
            (403, "AuthorizationFailed")
        );
        assert_eq!(operation.resource_name, "a");
    }

    #[test]
    fn deployment_paths_follow_the_scope() {
        let group = Scope::ResourceGroup {
            subscription: "s".into(),
            group: "rg".into(),
        };
        assert_eq!(
            group.deployment_path("d"),
            "/subscriptions/s/resourcegroups/rg/providers/Microsoft.Resources/deployments/d"
        );
        assert_eq!(
            Scope::Subscription("s".into()).deployment_path("d"),
            "/subscriptions/s/providers/Microsoft.Resources/deployments/d"
        );
    }
}
