//! Customer-managed keys of Batch accounts (RULES.md CK1-CK4, CK6; `cmk`). CK5 compares with the
//! live state, in [`super::live`].
//!
//! With `encryption.keySource = "Microsoft.KeyVault"` the account reads its key through its own
//! managed identity (CK1), from a vault that must keep deleted keys recoverable (CK2); the key
//! must be RSA 2048/3072/4096 (CK3) and the identity needs get, wrapKey and unwrapKey (CK4).
//! A key identifier with a version is never rotated automatically (CK6).

use super::read::{
    bool_field, has_name, has_system_identity, int_field, principal_of, roles, text, text_is,
    texts, types, user_assigned, IdentityRef,
};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::{Node, Part, Reference, ResourceIndex, Template};

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    super::live::cmk_on_existing(cx, out);
    for &at in cx.index.of_type(types::BATCH_ACCOUNT) {
        let account = cx.index.resource(at);
        if !uses_cmk(account) {
            continue;
        }
        let principals = account_principals(cx, at);
        if principals.is_empty()
            && !has_system_identity(account)
            && user_assigned(account).is_empty()
        {
            out.push(
                cx.finding(
                    Code::CmkWithoutIdentity,
                    at,
                    format!("Azure rejects Batch account `{}`: customer-managed keys are read with the account's managed identity, and it has none", cx.name(at)),
                    "`encryption.keySource = \"Microsoft.KeyVault\"`",
                )
                .help("give the account `identity = { type = \"SystemAssigned\"; };` (or a user-assigned identity) and grant it access to the key"),
            );
        }
        let key = key_of(cx, at);
        if let Some(vault) = key.vault {
            recoverable(cx, at, vault, out);
            if !principals.is_empty() && !can_wrap(cx, vault, key.key, &principals) {
                out.push(
                    cx.finding(
                        Code::CmkKeyAccessMissing,
                        at,
                        format!("Batch account `{}` cannot use its key: its identity lacks get, wrapKey and unwrapKey in Key Vault `{}`, so Azure rejects the encryption setting (and revoking access later makes the account unavailable)", cx.name(at), cx.name(vault)),
                        "encrypts with a key it cannot unwrap",
                    )
                    .also(cx, vault, "no access policy or role for the account's identity")
                    .help(format!("add an access policy `{{ objectId = ref account \"identity.principalId\"; tenantId = ...; permissions.keys = [ \"get\" \"wrapKey\" \"unwrapKey\" ]; }}`, or with RBAC assign Key Vault Crypto Service Encryption User (`{}`) on the key or vault", roles::KV_CRYPTO_SERVICE_ENCRYPTION_USER)),
                );
            }
        }
        if let Some(k) = key.key {
            key_type(cx, at, k, out);
        }
        if key.versioned {
            out.push(
                cx.finding(
                    Code::CmkVersionedKey,
                    at,
                    format!("Batch account `{}` is pinned to one version of its key: Azure does not rotate customer-managed keys, so new key versions are not used until the identifier is updated", cx.name(at)),
                    "versioned `keyIdentifier`",
                )
                .help("use the versionless key URI (`ref key \"properties.keyUri\"`) and say in an allow's reason or a comment how rotation happens"),
            );
        }
    }
}

pub(super) fn uses_cmk(account: &crate::graph::Resource) -> bool {
    text_is(
        account,
        &["properties", "encryption", "keySource"],
        "Microsoft.KeyVault",
    )
}

/// The resources whose principal ids are the account's identities.
fn account_principals(cx: &Context, at: ResourceIndex) -> Vec<ResourceIndex> {
    let account = cx.index.resource(at);
    let mut principals: Vec<ResourceIndex> = user_assigned(account)
        .iter()
        .filter_map(IdentityRef::resource)
        .collect();
    if has_system_identity(account) {
        principals.push(at);
    }
    principals
}

struct KeyRef {
    vault: Option<ResourceIndex>,
    key: Option<ResourceIndex>,
    versioned: bool,
}

/// Reads `encryption.keyVaultProperties.keyIdentifier`.
fn key_of(cx: &Context, account: ResourceIndex) -> KeyRef {
    let none = KeyRef {
        vault: None,
        key: None,
        versioned: false,
    };
    let Some(template) = cx
        .index
        .resource(account)
        .field(&[
            "properties",
            "encryption",
            "keyVaultProperties",
            "keyIdentifier",
        ])
        .and_then(Node::as_template)
    else {
        return none;
    };
    // `ref key "properties.keyUri"` / `"properties.keyUriWithVersion"`.
    for reference in template.references() {
        if let Reference::Property(i, path) = reference {
            if let Some(key) = cx.index.ancestor_of_type(*i, types::KEY) {
                return KeyRef {
                    vault: cx.index.resource(key).parent,
                    key: Some(key),
                    versioned: path.last().is_some_and(|p| p == "keyUriWithVersion")
                        || trailing_version(template),
                };
            }
        }
    }
    // `${ref vault "properties.vaultUri"}keys/name[/version]` or a literal URL.
    let vault = cx.index.mentioned_of_type(template, types::VAULT);
    let text = super::read::visible_text(template);
    let after = text
        .split("/keys/")
        .nth(1)
        .or_else(|| text.strip_prefix("keys/"));
    let (key_name, version) = match after {
        Some(rest) => {
            let mut parts = rest.split('/');
            (
                parts.next().map(str::to_string),
                parts.next().filter(|v| !v.is_empty()).is_some(),
            )
        }
        None => (None, false),
    };
    let vault = vault.or_else(|| {
        let literal = template.as_literal()?;
        let host = literal.split("://").nth(1)?.split('.').next()?.to_string();
        cx.index.named(types::VAULT, &host)
    });
    let key = vault.zip(key_name).and_then(|(v, name)| {
        cx.index.children_of_type(v, types::KEY).find(|k| {
            cx.index
                .resource(*k)
                .name
                .as_literal()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        })
    });
    KeyRef {
        vault,
        key,
        versioned: version,
    }
}

fn trailing_version(template: &Template) -> bool {
    matches!(template.0.last(), Some(Part::Text(t)) if t.trim_start_matches('/').len() >= 32)
}

/// CK2 (the vault of a customer-managed key).
fn recoverable(cx: &Context, account: ResourceIndex, vault: ResourceIndex, out: &mut Vec<Finding>) {
    let missing = unrecoverable(cx, vault);
    if missing.is_empty() {
        return;
    }
    out.push(
        cx.finding(
            Code::CmkVaultNotRecoverable,
            account,
            format!("Azure rejects customer-managed keys for Batch account `{}`: Key Vault `{}` has {} off, and a deleted key would make the account unusable for good", cx.name(account), cx.name(vault), missing.join(" and ")),
            "encrypts with a key from that vault",
        )
        .also(cx, vault, "the key vault")
        .help("set `properties.enableSoftDelete = true; properties.enablePurgeProtection = true;` on the vault"),
    );
}

/// What of soft delete and purge protection a vault lacks (Azure's defaults: soft delete on,
/// purge protection off).
pub(super) fn unrecoverable(cx: &Context, vault: ResourceIndex) -> Vec<&'static str> {
    let resource = cx.index.resource(vault);
    let mut missing = Vec::new();
    if bool_field(resource, &["properties", "enableSoftDelete"]) == Some(false) {
        missing.push("soft delete");
    }
    if bool_field(resource, &["properties", "enablePurgeProtection"]) != Some(true) {
        missing.push("purge protection");
    }
    missing
}

/// CK3.
fn key_type(cx: &Context, account: ResourceIndex, key: ResourceIndex, out: &mut Vec<Finding>) {
    let resource = cx.index.resource(key);
    let kty = text(resource, &["properties", "kty"]).unwrap_or_else(|| "RSA".into());
    let size = int_field(resource.field(&["properties", "keySize"]));
    let problem = if !kty.eq_ignore_ascii_case("RSA") && !kty.eq_ignore_ascii_case("RSA-HSM") {
        format!("it is an {kty} key, and Batch supports RSA keys only")
    } else {
        match size {
            Some(2048 | 3072 | 4096) | None => return,
            Some(bits) => format!("it is RSA {bits}, and Batch takes RSA 2048, 3072 or 4096"),
        }
    };
    out.push(
        cx.finding(
            Code::CmkUnsupportedKey,
            account,
            format!("Azure rejects the customer-managed key of Batch account `{}`: {problem}", cx.name(account)),
            "encrypts with this key",
        )
        .also(cx, key, "the key")
        .help("create the key with `properties = { kty = \"RSA\"; keySize = 2048; keyOps = [ \"wrapKey\" \"unwrapKey\" ]; };`"),
    );
}

/// The access policies of a vault: inline and from `vaults/accessPolicies` children.
pub(super) fn access_policies<'c>(
    cx: &'c Context,
    vault: ResourceIndex,
) -> impl Iterator<Item = &'c Node> + 'c {
    let inline = cx
        .index
        .resource(vault)
        .field(&["properties", "accessPolicies"])
        .map_or(&[][..], Node::as_list)
        .iter();
    let children = cx
        .index
        .children_of_type(vault, types::ACCESS_POLICIES)
        .flat_map(|c| {
            cx.index
                .resource(c)
                .field(&["properties", "accessPolicies"])
                .map_or(&[][..], Node::as_list)
                .iter()
        });
    inline.chain(children)
}

/// CK4: get, wrapKey and unwrapKey for one of the principals.
fn can_wrap(
    cx: &Context,
    vault: ResourceIndex,
    key: Option<ResourceIndex>,
    principals: &[ResourceIndex],
) -> bool {
    let target = key.unwrap_or(vault);
    let by_role = principals
        .iter()
        .any(|p| cx.index.has_role(*p, roles::KEY_WRAP, target));
    let by_policy = access_policies(cx, vault).any(|policy| {
        let ours = policy
            .get("objectId")
            .and_then(Node::as_template)
            .and_then(principal_of)
            .is_some_and(|p| principals.contains(&p));
        let keys = texts(policy.at(&["permissions", "keys"]));
        ours && ["get", "wrapKey", "unwrapKey"]
            .iter()
            .all(|p| has_name(&keys, p))
    });
    by_role || by_policy
}

/// The vaults holding a customer-managed key of some account (CK2 reports on them, not KV2).
pub(super) fn cmk_vaults(cx: &Context) -> Vec<ResourceIndex> {
    cx.index
        .of_type(types::BATCH_ACCOUNT)
        .iter()
        .filter(|a| uses_cmk(cx.index.resource(**a)))
        .filter_map(|a| key_of(cx, *a).vault)
        .collect()
}
