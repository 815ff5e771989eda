//! The live state: what already exists in Azure, recorded as JSON, for the rules that compare a
//! deployment with it (RULES.md CK5, BA4). `plan` and `apply` record it; tests use files under
//! `tests/data/`. The rules run only when a state is given.
//!
//! Format (every field optional; unknown fields are ignored):
//!
//! ```json
//! {
//!   "subscriptionId": "00000000-0000-0000-0000-000000000000",
//!   "resources": [
//!     { "type": "Microsoft.Batch/batchAccounts", "name": "prodbatch", "resourceGroup": "rg",
//!       "properties": { "encryption": { "keySource": "Microsoft.Batch" } } }
//!   ],
//!   "principals": {
//!     "deployer":     { "objectId": "...", "roleAssignments": [ { "role": "Owner", "scope": "/subscriptions/0000..." } ] },
//!     "batchService": { "objectId": "...", "roleAssignments": [ { "role": "Contributor", "scope": "/subscriptions/0000..." } ] }
//!   }
//! }
//! ```
//!
//! Roles are given by name. A role counts at subscription level when its scope is the
//! subscription, a management group, `/`, or absent.

use serde::Deserialize;
use serde_json::Value;

use super::cmk::uses_cmk;
use super::read::{text_is, types};
use super::{Context, Finding};
use crate::diagnostic::Code;

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LiveState {
    #[serde(default)]
    pub subscription_id: Option<String>,
    #[serde(default)]
    pub resources: Vec<LiveResource>,
    #[serde(default)]
    pub principals: Principals,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LiveResource {
    #[serde(rename = "type")]
    pub resource_type: String,
    pub name: String,
    #[serde(default)]
    pub resource_group: Option<String>,
    #[serde(default)]
    pub properties: Value,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Principals {
    /// Whoever runs the deployment.
    #[serde(default)]
    pub deployer: Option<Principal>,
    /// The Batch service's service principal (`Microsoft Azure Batch`).
    #[serde(default)]
    pub batch_service: Option<Principal>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Principal {
    #[serde(default)]
    pub object_id: Option<String>,
    #[serde(default)]
    pub role_assignments: Vec<LiveRoleAssignment>,
}

#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LiveRoleAssignment {
    /// The role's name, e.g. `Owner`.
    pub role: String,
    #[serde(default)]
    pub scope: Option<String>,
}

impl LiveState {
    pub fn from_json(text: &str) -> Result<LiveState, String> {
        serde_json::from_str(text).map_err(|e| format!("invalid live state: {e}"))
    }

    pub fn load(path: &std::path::Path) -> Result<LiveState, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read live state {}: {e}", path.display()))?;
        LiveState::from_json(&text)
    }

    /// An existing resource by type and name.
    pub fn find(&self, resource_type: &str, name: &str) -> Option<&LiveResource> {
        self.resources.iter().find(|r| {
            r.resource_type.eq_ignore_ascii_case(resource_type) && r.name.eq_ignore_ascii_case(name)
        })
    }

    fn at_subscription(&self, assignment: &LiveRoleAssignment) -> bool {
        let Some(scope) = assignment.scope.as_deref() else {
            return true;
        };
        let scope = scope.trim_end_matches('/').to_ascii_lowercase();
        let subscription = self
            .subscription_id
            .as_deref()
            .map(|s| format!("/subscriptions/{}", s.to_ascii_lowercase()));
        scope.is_empty()
            || scope.contains("/managementgroups/")
            || Some(&scope) == subscription.as_ref()
            || (subscription.is_none()
                && scope.starts_with("/subscriptions/")
                && scope.matches('/').count() == 2)
    }

    fn holds(&self, principal: Option<&Principal>, roles: &[&str]) -> bool {
        principal.is_some_and(|p| {
            p.role_assignments.iter().any(|a| {
                roles.iter().any(|r| a.role.eq_ignore_ascii_case(r)) && self.at_subscription(a)
            })
        })
    }
}

/// BA4: user-subscription allocation needs the Batch service on the subscription, and a deployer
/// who can create role assignments.
pub(super) fn user_subscription_roles(cx: &Context, out: &mut Vec<Finding>) {
    let Some(live) = cx.live else { return };
    for &at in cx.index.of_type(types::BATCH_ACCOUNT) {
        if !text_is(
            cx.index.resource(at),
            &["properties", "poolAllocationMode"],
            "UserSubscription",
        ) {
            continue;
        }
        let mut missing = Vec::new();
        if !live.holds(
            live.principals.batch_service.as_ref(),
            &[
                "Contributor",
                "Owner",
                "Azure Batch Service Orchestration Role",
            ],
        ) {
            missing.push("the Batch service principal has no Contributor (or Azure Batch Service Orchestration) role on the subscription, so pool allocation fails");
        }
        if !live.holds(
            live.principals.deployer.as_ref(),
            &[
                "Owner",
                "User Access Administrator",
                "Role Based Access Control Administrator",
            ],
        ) {
            missing.push("the deployer is not Owner of the subscription, so creating the deployment's role assignments fails with AuthorizationFailed");
        }
        if missing.is_empty() {
            continue;
        }
        out.push(
            cx.finding(
                Code::UserSubscriptionRoles,
                at,
                format!("Batch account `{}` uses user-subscription pool allocation, and the live state shows that {}", cx.name(at), missing.join("; ")),
                "`poolAllocationMode = \"UserSubscription\"`",
            )
            .help("assign the Batch service principal (Microsoft Azure Batch) Contributor on the subscription, and deploy as a subscription Owner"),
        );
    }
}

/// CK5: customer-managed keys only on new accounts.
pub(super) fn cmk_on_existing(cx: &Context, out: &mut Vec<Finding>) {
    let Some(live) = cx.live else { return };
    for &at in cx.index.of_type(types::BATCH_ACCOUNT) {
        let account = cx.index.resource(at);
        let Some(name) = account.name.as_literal() else {
            continue;
        };
        if !uses_cmk(account) {
            continue;
        }
        let Some(existing) = live.find(types::BATCH_ACCOUNT, &name) else {
            continue;
        };
        let existing_cmk = existing
            .properties
            .pointer("/encryption/keySource")
            .and_then(Value::as_str)
            .is_some_and(|k| k.eq_ignore_ascii_case("Microsoft.KeyVault"));
        if existing_cmk {
            continue;
        }
        out.push(
            cx.finding(
                Code::CmkOnExistingAccount,
                at,
                format!("Azure rejects the update of Batch account `{name}`: it already exists without customer-managed keys, and they can be set only when an account is created"),
                "adds `encryption.keySource = \"Microsoft.KeyVault\"`",
            )
            .help("create a new Batch account with the key and move pools and jobs to it, or keep Microsoft-managed keys on this one"),
        );
    }
}
