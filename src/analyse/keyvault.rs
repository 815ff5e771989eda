//! Key vaults (RULES.md KV1, KV2; `cmk`, `bp`).
//!
//! A vault should be reached through a `vault` private endpoint with public access off (KV1),
//! and keep deleted secrets and keys recoverable: soft delete and purge protection (KV2). Vaults
//! holding a Batch customer-managed key get CK2 (an error) instead of KV2.

use super::read::{text_is, types};
use super::{cmk, Context, Finding};
use crate::diagnostic::Code;

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let cmk_vaults = cmk::cmk_vaults(cx);
    for &at in cx.index.of_type(types::VAULT) {
        let vault = cx.index.resource(at);
        let mut problems = Vec::new();
        if !text_is(vault, &["properties", "publicNetworkAccess"], "Disabled") {
            problems.push("`publicNetworkAccess` is not Disabled (Azure's default is Enabled)");
        }
        let private = cx
            .index
            .endpoints_to(at)
            .any(|e| e.groups.iter().any(|g| g == "vault"));
        if !private {
            problems.push("no private endpoint for `vault`");
        }
        if !problems.is_empty() {
            out.push(
                cx.finding(
                    Code::VaultPublicAccess,
                    at,
                    format!("Key Vault `{}` answers from the internet: {}", cx.name(at), problems.join("; ")),
                    "public key vault",
                )
                .help("set `properties.publicNetworkAccess = \"Disabled\";` and add a private endpoint with `groupIds = [ \"vault\" ]` and a `privatelink.vaultcore.azure.net` zone group"),
            );
        }
        if cmk_vaults.contains(&at) {
            continue;
        }
        let missing = cmk::unrecoverable(cx, at);
        if !missing.is_empty() {
            out.push(
                cx.finding(
                    Code::VaultNotRecoverable,
                    at,
                    format!("secrets and keys deleted from Key Vault `{}` can be lost for good (or purged by anyone with delete rights): {} off", cx.name(at), missing.join(" and ")),
                    "not recoverable",
                )
                .help("set `properties.enableSoftDelete = true; properties.enablePurgeProtection = true;`"),
            );
        }
    }
}
