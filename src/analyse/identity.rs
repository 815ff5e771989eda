//! Managed identities of Batch accounts and pools (RULES.md ID1-ID7; `mi`, `cmk` documents).
//!
//! The account's identity serves the account only (customer-managed keys, auto-storage uploads);
//! nodes use the pool's user-assigned identities. Every identity a node uses — auto-storage's
//! `nodeIdentityReference`, resource file, mount and registry `identityReference`s — must be one
//! of the pool's (ID1), must not be the account's own (ID4), must exist (ID2) and must hold a
//! Storage Blob Data role where it reads (ID5). The findings follow the managed-identity
//! document's scenario tables, so each predicts what Azure does: `sblc explain E0601`.

use super::index::FastMap;

use super::pools::{Access, Pool, Via};
use super::read::{
    has_system_identity, roles, text, text_is, types, user_assigned, visible_text, IdentityRef,
};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::{Node, ResourceIndex};

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for pool in &cx.pools {
        system_identity(cx, pool, out);
        node_identities(cx, pool, out);
        imds_identity(cx, pool, out);
    }
    upload_roles(cx, out);
}

/// ID3.
fn system_identity(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    if has_system_identity(cx.index.resource(pool.index)) {
        out.push(
            cx.finding(
                Code::SystemIdentityOnPool,
                pool.index,
                format!(
                    "Azure rejects pool `{}`: Batch pools accept user-assigned identities only",
                    cx.name(pool.index)
                ),
                "`identity.type` includes SystemAssigned",
            )
            .help("create a `Microsoft.ManagedIdentity/userAssignedIdentities` resource and give it to the pool: `identity = { type = \"UserAssigned\"; userAssignedIdentities = listToAttrs [ { name = uai.id; value = { }; } ]; };`"),
        );
    }
}

fn identity_name(cx: &Context, identity: &IdentityRef) -> String {
    match identity {
        IdentityRef::Resource(i) => format!("`{}`", cx.name(*i)),
        IdentityRef::Text(id) => format!("`{}`", id.rsplit('/').next().unwrap_or(id)),
        IdentityRef::Other(_) => "the identity named there".into(),
    }
}

fn is_account_identity(
    cx: &Context,
    account: Option<ResourceIndex>,
    identity: &IdentityRef,
) -> bool {
    let Some(account) = account else { return false };
    *identity == IdentityRef::Resource(account)
        || user_assigned(cx.index.resource(account)).contains(identity)
}

/// One node identity of a pool: what it is used for, and the storage accounts it reads.
type IdentityUse<'p> = (&'p IdentityRef, Vec<Via>, Vec<(ResourceIndex, Via)>);

/// ID1, ID2, ID4, ID5: every identity a node uses, by the scenario it falls in.
fn node_identities(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    // Names are written only into findings, which most pools have none of.
    let pool_name = || cx.name(pool.index);
    if let Some(account) = pool.account {
        if pool.has_identity(&IdentityRef::Resource(account)) {
            out.push(
                cx.finding(
                    Code::AccountIdentityOnPool,
                    pool.index,
                    format!("Azure rejects pool `{}`: it lists the Batch account itself as an identity, and the account's identity is not available on nodes", pool_name()),
                    "the account among the pool's identities",
                )
                .also(cx, account, "the Batch account")
                .help("give the pool a user-assigned identity of its own"),
            );
        }
    }
    let mut missing_reference: Vec<Via> = Vec::new();
    // Per identity: what it is used for, and the storage accounts it reads with those uses.
    let mut uses: Vec<IdentityUse> = Vec::new();
    for download in &pool.downloads {
        let identity = match &download.access {
            Access::MissingIdentity => {
                if !missing_reference.contains(&download.via) {
                    missing_reference.push(download.via);
                }
                continue;
            }
            Access::Identity(identity) => identity,
            Access::Keys | Access::Url => continue,
        };
        let position = match uses.iter().position(|(i, _, _)| *i == identity) {
            Some(p) => p,
            None => {
                uses.push((identity, Vec::new(), Vec::new()));
                uses.len() - 1
            }
        };
        let (_, vias, reads) = &mut uses[position];
        if !vias.contains(&download.via) {
            vias.push(download.via);
        }
        if let (Some(storage), false) = (download.storage, download.via == Via::Registry) {
            if !reads.contains(&(storage, download.via)) {
                reads.push((storage, download.via));
            }
        }
    }
    for (identity, vias, reads) in uses {
        if !pool.has_identity(identity) {
            not_on_pool(cx, pool, identity, &identity_name(cx, identity), &vias, out);
            continue;
        }
        // ID5: the identity is on the pool; can it read where it reads?
        let Some(uai) = identity.resource() else {
            continue;
        };
        let mut storages: Vec<ResourceIndex> = reads.iter().map(|(s, _)| *s).collect();
        storages.dedup();
        for storage in storages {
            if cx.index.has_role(uai, roles::BLOB_READ, storage) {
                continue;
            }
            let vias: Vec<Via> = reads
                .iter()
                .filter(|(s, _)| *s == storage)
                .map(|(_, v)| *v)
                .collect();
            let who = identity_name(cx, identity);
            let effects = join(vias.iter().map(|via| match via {
                Via::Packages => "nodes start (idle) but application packages are not downloaded",
                Via::BlobMount | Via::FileMount => "the mount fails with 403",
                _ => "the start task's resource files fail with 403 (`ResourceContainerAccessDenied`)",
            }));
            out.push(
                cx.finding(
                    Code::NodeIdentityWithoutStorageRole,
                    pool.index,
                    format!("in pool `{}`, {effects}: {who} has no Storage Blob Data role on storage account `{}`", pool_name(), cx.name(storage)),
                    format!("reads {} as {who}", join(vias.iter().map(|v| v.describe()))),
                )
                .also(cx, storage, "the storage account")
                .also(cx, uai, "the identity")
                .help(format!("assign Storage Blob Data Reader to the identity on the storage account: a `Microsoft.Authorization/roleAssignments` with `scope = storage;` and `properties = {{ roleDefinitionId = \"/subscriptions/${{subscriptionId}}/providers/Microsoft.Authorization/roleDefinitions/{}\"; principalId = ref uai \"properties.principalId\"; principalType = \"ServicePrincipal\"; }};`", roles::BLOB_READER))
                .note("sblc explain E0601 has the managed-identity scenario tables"),
            );
        }
    }
    if !missing_reference.is_empty() {
        let Some(account) = pool.account else { return };
        let effect = if missing_reference.contains(&Via::Packages) {
            "nodes stay in `starting` forever (they cannot join the pool)"
        } else {
            "the start task's auto-storage resource files fail with `ResourceContainerAccessDenied`"
        };
        out.push(
            cx.finding(
                Code::MissingNodeIdentityReference,
                pool.index,
                format!("in pool `{}`, {effect}: auto-storage authenticates with the account's managed identity, but the account names no node identity (`autoStorage.nodeIdentityReference`) for nodes to reach it", pool_name()),
                format!("uses {}", missing_reference.iter().map(|v| v.describe()).collect::<Vec<_>>().join(" and ")),
            )
            .also(cx, account, "`autoStorage.authenticationMode = \"BatchAccountManagedIdentity\"` without `nodeIdentityReference`")
            .help("set `properties.autoStorage.nodeIdentityReference.resourceId = uai.id;` on the account and add the same identity to the pool's `identity.userAssignedIdentities`")
            .note("sblc explain E0601 has the managed-identity scenario tables"),
        );
    }
}

/// ID1 / ID4: a node identity that is not one of the pool's.
fn not_on_pool(
    cx: &Context,
    pool: &Pool,
    identity: &IdentityRef,
    who: &str,
    vias: &[Via],
    out: &mut Vec<Finding>,
) {
    let account_own = is_account_identity(cx, pool.account, identity);
    let (code, cause) = if account_own {
        (Code::AccountIdentityOnPool, format!("{who} is the Batch account's identity, which serves the account only and is not on nodes"))
    } else {
        (
            Code::IdentityNotOnPool,
            format!("{who} is not one of the pool's identities"),
        )
    };
    let effects = join(vias.iter().map(|via| match via {
        Via::Packages => "nodes become unusable with `ApplicationPackageError`",
        Via::AutoStorageFiles | Via::ResourceFiles => "the start task's resource files fail with `ResourceContainerListMiscError` (400 from the identity endpoint)",
        Via::BlobMount => "the blob mount fails and nodes become unusable",
        Via::FileMount => "the mount fails",
        Via::Registry => "the registry login fails and nodes cannot pull their container images",
    }));
    let mut finding = cx
        .finding(
            code,
            pool.index,
            format!("in pool `{}`, {effects}: {cause}, so Batch finds no matching identity on the node", cx.name(pool.index)),
            format!("uses it for {}, but the pool's `identity.userAssignedIdentities` lacks it", join(vias.iter().map(|v| v.describe()))),
        )
        .help(format!("add the identity to the pool: `userAssignedIdentities = listToAttrs [ {{ name = uai.id; value = {{ }}; }} ];` in the pool's `identity`{}", if account_own { " (an identity the account also has is fine: it is then on the nodes), or name a node identity of its own" } else { "" }));
    let from_auto_storage = vias
        .iter()
        .any(|v| matches!(v, Via::Packages | Via::AutoStorageFiles));
    if let (true, Some(account)) = (from_auto_storage, pool.account) {
        finding = finding.also(
            cx,
            account,
            "auto-storage's `nodeIdentityReference` names it",
        );
    }
    if let Some(i) = identity.resource() {
        finding = finding.also(cx, i, "the identity");
    }
    out.push(finding.note("sblc explain E0601 has the managed-identity scenario tables"));
}

/// "a, b and c".
fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        Some((last, _)) => (*last).to_string(),
        None => String::new(),
    }
}

/// ID7: an IMDS token request that names no identity, on a pool with several.
fn imds_identity(cx: &Context, pool: &Pool, out: &mut Vec<Finding>) {
    if pool.identities.len() < 2 {
        return;
    }
    let resource = cx.index.resource(pool.index);
    let Some(command) = resource
        .field(&["properties", "startTask", "commandLine"])
        .and_then(Node::as_template)
        .map(visible_text)
    else {
        return;
    };
    let lower = command.to_ascii_lowercase();
    let imds =
        lower.contains("169.254.169.254") || lower.contains("/metadata/identity/oauth2/token");
    let names_one = [
        "client_id=",
        "object_id=",
        "msi_res_id=",
        "mi_res_id=",
        "principal_id=",
    ]
    .iter()
    .any(|p| lower.contains(p));
    let az_login = lower.contains("az login") && lower.contains("--identity");
    let az_names_one = [
        "--username",
        "--client-id",
        "--object-id",
        "--resource-id",
        " -u ",
    ]
    .iter()
    .any(|p| lower.contains(p));
    if (imds && !names_one) || (az_login && !az_names_one) {
        out.push(
            cx.finding(
                Code::AmbiguousImdsIdentity,
                pool.index,
                format!("the start task of pool `{}` gets no token: the pool has {} user-assigned identities and the request names none, so IMDS answers 400", cx.name(pool.index), pool.identities.len()),
                "asks IMDS for a token without `client_id`, `object_id` or `msi_res_id`",
            )
            .help("name the identity in the request: `&client_id=${ref uai \"properties.clientId\"}` (or `az login --identity --client-id ...`)"),
        );
    }
}

/// ID6: the account identity uploads application packages to auto-storage.
fn upload_roles(cx: &Context, out: &mut Vec<Finding>) {
    let mut pools_with_packages: FastMap<ResourceIndex, ResourceIndex> = FastMap::default();
    for pool in &cx.pools {
        if let (Some(account), true) = (
            pool.account,
            pool.downloads.iter().any(|d| d.via == Via::Packages),
        ) {
            pools_with_packages.entry(account).or_insert(pool.index);
        }
    }
    for &at in cx.index.of_type(types::BATCH_ACCOUNT) {
        let account = cx.index.resource(at);
        if !text_is(
            account,
            &["properties", "autoStorage", "authenticationMode"],
            "BatchAccountManagedIdentity",
        ) {
            continue;
        }
        let Some(storage) = account
            .field(&["properties", "autoStorage", "storageAccountId"])
            .and_then(Node::as_template)
            .and_then(super::read::id_of)
        else {
            continue;
        };
        let application = cx.index.children_of_type(at, types::APPLICATION).next();
        let user = pools_with_packages.get(&at).copied().or(application);
        let Some(user) = user else { continue };
        let mut principals: Vec<ResourceIndex> = user_assigned(account)
            .iter()
            .filter_map(IdentityRef::resource)
            .collect();
        if has_system_identity(account) {
            principals.push(at);
        }
        if principals
            .iter()
            .any(|p| cx.index.has_role(*p, roles::BLOB_WRITE, storage))
        {
            continue;
        }
        let cause = if principals.is_empty() && text(account, &["identity", "type"]).is_none() {
            "the account has no managed identity".to_string()
        } else {
            format!(
                "the account's identity has no Storage Blob Data Contributor role on `{}`",
                cx.name(storage)
            )
        };
        out.push(
            cx.finding(
                Code::AccountIdentityWithoutStorageRole,
                at,
                format!("uploading application packages to Batch account `{}` is rejected with 409 (\"the managed identity does not have permission to access auto storage\"): {cause}", cx.name(at)),
                "auto-storage authenticates with the account's identity",
            )
            .also(cx, storage, "the auto-storage account")
            .also(cx, user, "uses application packages")
            .help(format!("assign Storage Blob Data Contributor (`{}`) on the storage account to the account's identity (`ref account \"identity.principalId\"` for a system-assigned one)", roles::BLOB_CONTRIBUTOR)),
        );
    }
}
