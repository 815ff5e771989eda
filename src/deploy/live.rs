//! Reads the live state the analyser's plan/apply rules need (RULES.md CK5, BA4) from Azure:
//! the Batch accounts the program declares that already exist, and the roles of the deployer and
//! of the Batch service principal on the subscription.

use serde_json::Value;

use super::arm::{Arm, CallError, Scope};
use super::auth::object_id;
use crate::analyse::live::{LiveResource, LiveRoleAssignment, LiveState, Principal, Principals};
use crate::graph::{Graph, TargetScope};

const BATCH_ACCOUNT: &str = "Microsoft.Batch/batchAccounts";
/// The template parameter that names the Batch service principal's object id (stdlib `<batch>`).
pub const BATCH_PRINCIPAL_PARAMETER: &str = "batchServiceObjectId";

/// Collects the live state for the program's Batch accounts; `parameters` are the deployment's
/// parameter values (`{name: {value}}`).
pub async fn gather(
    arm: &Arm,
    graph: &Graph,
    scope: &Scope,
    parameters: &Value,
) -> Result<LiveState, CallError> {
    let mut state = LiveState {
        subscription_id: Some(scope.subscription().to_string()),
        ..LiveState::default()
    };
    let accounts: Vec<_> = graph
        .resources
        .iter()
        .filter(|r| r.resource_type.eq_ignore_ascii_case(BATCH_ACCOUNT))
        .collect();
    if accounts.is_empty() {
        return Ok(state);
    }
    for account in &accounts {
        let Some(name) = account.name.as_literal() else {
            continue;
        };
        let group = match (graph.target, scope) {
            (TargetScope::Subscription, _) => account
                .group
                .and_then(|g| graph.resource(g).name.as_literal()),
            (TargetScope::ResourceGroup, Scope::ResourceGroup { group, .. }) => Some(group.clone()),
            _ => None,
        };
        let Some(group) = group else { continue };
        let id = format!(
            "/subscriptions/{}/resourceGroups/{group}/providers/{BATCH_ACCOUNT}/{name}",
            scope.subscription()
        );
        if let Some(found) = arm.resource(&id, &account.api_version).await? {
            state.resources.push(LiveResource {
                resource_type: BATCH_ACCOUNT.into(),
                name,
                resource_group: Some(group),
                properties: found.get("properties").cloned().unwrap_or(Value::Null),
            });
        }
    }
    let token = arm
        .credential()
        .token(&arm.endpoints().arm_scope())
        .await
        .map_err(CallError::Auth)?;
    let deployer = object_id(&token);
    let batch_service = parameters
        .pointer(&format!("/{BATCH_PRINCIPAL_PARAMETER}/value"))
        .and_then(Value::as_str)
        .map(str::to_string);
    state.principals = Principals {
        deployer: principal(arm, scope, deployer).await?,
        batch_service: principal(arm, scope, batch_service).await?,
    };
    Ok(state)
}

async fn principal(
    arm: &Arm,
    scope: &Scope,
    object_id: Option<String>,
) -> Result<Option<Principal>, CallError> {
    let Some(object_id) = object_id else {
        return Ok(None);
    };
    let roles = arm.roles_of(scope.subscription(), &object_id).await?;
    Ok(Some(Principal {
        object_id: Some(object_id),
        role_assignments: roles
            .into_iter()
            .map(|(role, scope)| LiveRoleAssignment {
                role,
                scope: Some(scope),
            })
            .collect(),
    }))
}
