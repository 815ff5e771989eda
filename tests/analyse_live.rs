//! Rules that compare the deployment with the live state (CK5, BA4) run only when a recorded
//! state is given (`tests/data/live-state*.json`, format documented in `sblc::analyse::live`).

mod analyse_support;

use std::path::Path;

use analyse_support::*;
use sblc::analyse::{LiveState, Options};
use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::Code;
use serde_json::json;

fn state(file: &str) -> LiveState {
    LiveState::load(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(file),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The baseline in user-subscription mode, with the vault the Batch service needs.
fn user_subscription() -> Deployment {
    let mut d = baseline();
    let vault = d.index("sbl-kv");
    let account = d.get("sblbatch");
    account["properties"]["poolAllocationMode"] = json!("UserSubscription");
    account["properties"]["keyVaultReference"] =
        json!({ "id": id(vault), "url": prop(vault, "properties.vaultUri") });
    let batch_service = d.param("batchServiceObjectId", false);
    add_role(
        &mut d,
        "batch-service-secrets",
        batch_service,
        SECRETS_OFFICER,
        vault,
    );
    d
}

fn with_state(d: &Deployment, file: &str) -> (Vec<Code>, String) {
    let options = Options {
        live_state: Some(state(file)),
        ..Options::default()
    };
    let (analysis, sources) = d.run(&options);
    let live: Vec<_> = analysis
        .diagnostics
        .into_iter()
        .filter(|d| {
            matches!(
                d.code,
                Code::CmkOnExistingAccount | Code::UserSubscriptionRoles
            )
        })
        .collect();
    (
        live.iter().map(|d| d.code).collect(),
        render_plain(&live, &sources),
    )
}

#[test]
fn without_a_state_the_live_rules_do_not_run() {
    assert!(user_subscription().codes().is_empty());
}

#[test]
fn ck5_customer_managed_keys_on_an_existing_account() {
    let (codes, rendered) = with_state(&baseline(), "live-state.json");
    assert_eq!(codes, [Code::CmkOnExistingAccount]);
    snapshot("CK5", &rendered);
    // Close variant: the account exists with CMK already.
    let (codes, _) = with_state(&baseline(), "live-state-ready.json");
    assert!(codes.is_empty(), "{codes:?}");
    // Or it is new: no CMK finding for an account the state does not know.
    let mut d = baseline();
    d.get("sblbatch")["name"] = json!("newbatch");
    assert!(with_state(&d, "live-state.json").0.is_empty());
}

#[test]
fn ba4_user_subscription_roles() {
    let (codes, rendered) = with_state(&user_subscription(), "live-state.json");
    assert_eq!(
        codes,
        [Code::UserSubscriptionRoles, Code::CmkOnExistingAccount]
    );
    snapshot("BA4", &rendered);
    let (codes, _) = with_state(&user_subscription(), "live-state-ready.json");
    assert!(codes.is_empty(), "{codes:?}");
}

#[test]
fn a_malformed_state_is_reported() {
    let error = LiveState::from_json("{ \"resources\": 3 }").expect_err("malformed");
    assert!(error.starts_with("invalid live state"), "{error}");
    assert_eq!(LiveState::from_json("{}"), Ok(LiveState::default()));
}
