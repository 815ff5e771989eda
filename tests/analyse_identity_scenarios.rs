//! The managed-identity document's scenarios (auto-storage in `BatchAccountManagedIdentity`
//! mode): four for pool application packages, four for task resource files. Each must give the
//! diagnostic that predicts what Azure does, or none for the one that works.
//!
//! | | node identity ref with permission | ref without permission | no ref |
//! |---|---|---|---|
//! | packages, MI in pool | works | node up without packages (ID5) | starting forever (ID2) |
//! | packages, MI not in pool | unusable (ID1) | unusable (ID1) | starting forever (ID2) |
//! | resource files, MI in pool | works | 403 (ID5) | access denied (ID2) |
//! | resource files, MI not in pool | 400 (ID1) | 400 (ID1) | access denied (ID2) |

mod analyse_support;

use analyse_support::*;
use sblc::diagnostic::{Code, Diagnostic};
use serde_json::json;

#[derive(Clone, Copy)]
enum Uses {
    Packages,
    ResourceFiles,
}

const IDENTITY_CODES: &[Code] = &[
    Code::IdentityNotOnPool,
    Code::MissingNodeIdentityReference,
    Code::AccountIdentityOnPool,
    Code::NodeIdentityWithoutStorageRole,
];

fn scenario(uses: Uses, node_reference: bool, permission: bool, in_pool: bool) -> Vec<Diagnostic> {
    let mut d = baseline();
    let pool = d.get("render");
    match uses {
        Uses::Packages => pool["properties"]["startTask"]["resourceFiles"] = json!([]),
        Uses::ResourceFiles => {
            pool["properties"]
                .as_object_mut()
                .map(|p| p.remove("applicationPackages"));
        }
    }
    if !node_reference {
        d.get("sblbatch")["properties"]["autoStorage"]
            .as_object_mut()
            .map(|a| a.remove("nodeIdentityReference"));
    }
    if !permission {
        d.disable("nodes-read-storage");
    }
    if !in_pool {
        let other = add_identity(&mut d, "other-id");
        set_pool_identities(&mut d, &[other]);
    }
    d.diagnostics()
        .into_iter()
        .filter(|d| IDENTITY_CODES.contains(&d.code))
        .collect()
}

fn assert_one(found: &[Diagnostic], code: Code, says: &str) {
    assert_eq!(
        found.iter().map(|d| d.code).collect::<Vec<_>>(),
        [code],
        "{found:#?}"
    );
    assert!(
        found[0].message.contains(says),
        "`{}` should say `{says}`",
        found[0].message
    );
}

#[test]
fn packages_1_reference_with_permission_in_pool_works() {
    assert!(scenario(Uses::Packages, true, true, true).is_empty());
}

#[test]
fn packages_2_reference_without_permission_leaves_nodes_without_packages() {
    assert_one(
        &scenario(Uses::Packages, true, false, true),
        Code::NodeIdentityWithoutStorageRole,
        "nodes start (idle) but application packages are not downloaded",
    );
}

#[test]
fn packages_3_no_reference_keeps_nodes_starting_forever() {
    for (permission, in_pool) in [(true, true), (false, true), (true, false), (false, false)] {
        let found = scenario(Uses::Packages, false, permission, in_pool);
        assert_one(
            &found,
            Code::MissingNodeIdentityReference,
            "stay in `starting` forever",
        );
    }
}

#[test]
fn packages_4_reference_not_in_pool_makes_nodes_unusable() {
    for permission in [true, false] {
        assert_one(
            &scenario(Uses::Packages, true, permission, false),
            Code::IdentityNotOnPool,
            "nodes become unusable with `ApplicationPackageError`",
        );
    }
}

#[test]
fn resource_files_1_reference_with_permission_in_pool_works() {
    assert!(scenario(Uses::ResourceFiles, true, true, true).is_empty());
}

#[test]
fn resource_files_2_reference_without_permission_fails_with_403() {
    assert_one(
        &scenario(Uses::ResourceFiles, true, false, true),
        Code::NodeIdentityWithoutStorageRole,
        "fail with 403 (`ResourceContainerAccessDenied`)",
    );
}

#[test]
fn resource_files_3_no_reference_is_denied() {
    for (permission, in_pool) in [(true, true), (false, true), (true, false), (false, false)] {
        assert_one(
            &scenario(Uses::ResourceFiles, false, permission, in_pool),
            Code::MissingNodeIdentityReference,
            "`ResourceContainerAccessDenied`",
        );
    }
}

#[test]
fn resource_files_4_reference_not_in_pool_fails_with_400() {
    for permission in [true, false] {
        assert_one(
            &scenario(Uses::ResourceFiles, true, permission, false),
            Code::IdentityNotOnPool,
            "`ResourceContainerListMiscError` (400",
        );
    }
}

#[test]
fn resource_files_by_url_use_their_own_identity_reference() {
    let mut d = baseline();
    let storage = d.index("sblstore");
    let other = add_identity(&mut d, "reader-id");
    let pool = d.get("render");
    pool["properties"]["startTask"]["resourceFiles"] = json!([{
        "storageContainerUrl": format!("{}inputs", prop(storage, "properties.primaryEndpoints.blob")),
        "identityReference": { "resourceId": id(other) }
    }]);
    let found: Vec<Diagnostic> = d
        .diagnostics()
        .into_iter()
        .filter(|d| IDENTITY_CODES.contains(&d.code))
        .collect();
    assert_one(
        &found,
        Code::IdentityNotOnPool,
        "`reader-id` is not one of the pool's identities",
    );
    let nodes = d.index("nodes-id");
    set_pool_identities(&mut d, &[nodes, other]);
    let found: Vec<Diagnostic> = d
        .diagnostics()
        .into_iter()
        .filter(|d| IDENTITY_CODES.contains(&d.code))
        .collect();
    assert_one(
        &found,
        Code::NodeIdentityWithoutStorageRole,
        "`reader-id` has no Storage Blob Data role",
    );
    add_role(
        &mut d,
        "reader-reads",
        prop(other, "properties.principalId"),
        BLOB_READER,
        storage,
    );
    assert!(d.codes().iter().all(|c| !IDENTITY_CODES.contains(c)));
}
