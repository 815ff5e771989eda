//! Allows and profiles: an allow with a reason suppresses its rule's findings on its resource and
//! is returned for the template metadata; a blank reason is an error; an allow that suppresses
//! nothing warns. Security findings are errors under `strict` and warnings under `relaxed`.

mod analyse_support;

use analyse_support::*;
use sblc::analyse::{Options, Profile};
use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::{Code, Severity};
use serde_json::json;

fn open_storage(allow: serde_json::Value) -> Deployment {
    let mut d = baseline();
    let storage = d.get("sblstore");
    storage["properties"]["networkAcls"]["defaultAction"] = json!("Allow");
    storage["properties"]["publicNetworkAccess"] = json!("Enabled");
    storage["allow"] = allow;
    d
}

#[test]
fn an_allow_with_a_reason_suppresses_and_is_kept() {
    for rule in ["ST1", "S0611", "st1"] {
        let d =
            open_storage(json!([{ "rule": rule, "reason": "public download mirror, no secrets" }]));
        let (analysis, sources) = d.run(&Options::default());
        assert!(
            analysis.diagnostics.is_empty(),
            "{}",
            render_plain(&analysis.diagnostics, &sources)
        );
        assert_eq!(analysis.allowed.len(), 1);
        let (at, allow) = &analysis.allowed[0];
        assert_eq!(at.0, d.index("sblstore"));
        assert_eq!(allow.reason, "public download mirror, no secrets");
        assert_eq!(allow.rule, rule);
    }
}

#[test]
fn an_allow_on_another_involved_resource_also_suppresses() {
    let mut d = baseline();
    d.disable("privatelink.blob.core.windows.net-spoke");
    d.get("render")["allow"] =
        json!([{ "rule": "ST2", "reason": "nodes resolve through the hub's DNS forwarder" }]);
    let codes = d.codes();
    assert!(
        !codes.contains(&Code::StorageUnreachableFromPool),
        "{codes:?}"
    );
    assert!(
        codes.contains(&Code::PrivateEndpointDns),
        "other rules still report"
    );
}

#[test]
fn a_blank_reason_is_an_error_and_suppresses_nothing() {
    let d = open_storage(json!([{ "rule": "ST1", "reason": "  " }]));
    let (analysis, sources) = d.run(&Options::default());
    let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(
        codes,
        [Code::StorageOpenToInternet, Code::AllowWithoutReason]
    );
    assert!(analysis.allowed.is_empty());
    let blank: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::AllowWithoutReason)
        .cloned()
        .collect();
    assert!(blank[0].is_error());
    snapshot("allow-blank-reason", &render_plain(&blank, &sources));
}

#[test]
fn an_allow_that_suppresses_nothing_warns() {
    let mut d = baseline();
    d.get("sblstore")["allow"] = json!([
        { "rule": "ST5", "reason": "legacy clients" },
        { "rule": "ST9", "reason": "typo" }
    ]);
    let (analysis, sources) = d.run(&Options::default());
    assert_eq!(
        analysis
            .diagnostics
            .iter()
            .map(|d| (d.code, d.severity))
            .collect::<Vec<_>>(),
        [
            (Code::UnusedAllow, Severity::Warning),
            (Code::UnusedAllow, Severity::Warning)
        ]
    );
    assert!(
        analysis.diagnostics[1]
            .help
            .as_deref()
            .unwrap_or("")
            .contains("ST1"),
        "did you mean"
    );
    snapshot(
        "allow-unused",
        &render_plain(&analysis.diagnostics, &sources),
    );
}

#[test]
fn profiles_set_the_severity_of_security_findings_only() {
    let mut d = open_storage(json!([]));
    d.get("render")["properties"]["targetNodeCommunicationMode"] = json!("Classic");
    let key = d.index("batch-cmk");
    d.get("sblbatch")["properties"]["encryption"]["keyVaultProperties"]["keyIdentifier"] =
        json!(prop(key, "properties.keyUriWithVersion"));
    let severity = |profile: Profile| {
        let (analysis, _) = d.run(&Options {
            profile,
            live_state: None,
        });
        let find = |code: Code| {
            analysis
                .diagnostics
                .iter()
                .find(|d| d.code == code)
                .map(|d| d.severity)
        };
        (
            find(Code::StorageOpenToInternet),
            find(Code::ClassicNodeCommunication),
            find(Code::CmkVersionedKey),
        )
    };
    assert_eq!(
        severity(Profile::Strict),
        (
            Some(Severity::Error),
            Some(Severity::Error),
            Some(Severity::Warning)
        )
    );
    assert_eq!(
        severity(Profile::Relaxed),
        (
            Some(Severity::Warning),
            Some(Severity::Error),
            Some(Severity::Warning)
        )
    );
    assert_eq!(Options::default().profile, Profile::Strict);
}

#[test]
fn allows_on_several_involved_resources_are_all_used() {
    let mut d = baseline();
    d.disable("privatelink.blob.core.windows.net-spoke");
    d.get("render")["allow"] = json!([{ "rule": "ST2", "reason": "hub DNS forwarder" }]);
    d.get("sblstore")["allow"] = json!([{ "rule": "E0612", "reason": "hub DNS forwarder" }]);
    let (analysis, _) = d.run(&Options::default());
    let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert!(
        !codes.contains(&Code::StorageUnreachableFromPool),
        "{codes:?}"
    );
    assert!(!codes.contains(&Code::UnusedAllow), "{codes:?}");
    assert_eq!(analysis.allowed.len(), 2);
}
