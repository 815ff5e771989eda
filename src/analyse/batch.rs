//! Batch accounts (RULES.md BA1-BA4; `bp`, `hs`).
//!
//! Accounts should take Entra ID tokens only (BA1) and be reached privately: public access off,
//! private endpoints for both `batchAccount` and `nodeManagement`, and their
//! `privatelink.batch.azure.com` zone linked where clients and nodes resolve it (BA2).
//! User-subscription allocation needs a Key Vault the Batch service can manage secrets in (BA3)
//! and roles that only the live state shows (BA4, in [`super::live`]).

use super::index::FastMap;

use super::read::{has_name, id_field, roles, text, text_is, texts, types};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::{Node, ResourceIndex};

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    let mut pool_vnets: FastMap<ResourceIndex, Vec<ResourceIndex>> = FastMap::default();
    for pool in &cx.pools {
        if let (Some(account), Some(subnet)) = (pool.account, pool.subnet) {
            let vnets = pool_vnets.entry(account).or_default();
            let vnet = cx.index.subnet(subnet).vnet;
            if !vnets.contains(&vnet) {
                vnets.push(vnet);
            }
        }
    }
    for &at in cx.index.of_type(types::BATCH_ACCOUNT) {
        shared_key(cx, at, out);
        private_access(cx, at, pool_vnets.get(&at).map_or(&[], Vec::as_slice), out);
        user_subscription_vault(cx, at, out);
    }
    super::live::user_subscription_roles(cx, out);
}

/// BA1.
fn shared_key(cx: &Context, at: ResourceIndex, out: &mut Vec<Finding>) {
    let account = cx.index.resource(at);
    let modes = account.field(&["properties", "allowedAuthenticationModes"]);
    let why = match modes {
        None => "sets no `allowedAuthenticationModes` (Azure then accepts SharedKey)",
        Some(_)
            if texts(modes)
                .iter()
                .any(|m| m.eq_ignore_ascii_case("SharedKey")) =>
        {
            "lists SharedKey in `allowedAuthenticationModes`"
        }
        Some(_) => return,
    };
    out.push(
        cx.finding(
            Code::BatchSharedKeyAuth,
            at,
            format!("Batch account `{}` accepts requests signed with its account keys: it {why}", cx.name(at)),
            "shared-key authentication allowed",
        )
        .help("set `properties.allowedAuthenticationModes = [ \"AAD\" ];` (add \"TaskAuthenticationToken\" if tasks call Batch)"),
    );
}

/// BA2.
fn private_access(
    cx: &Context,
    at: ResourceIndex,
    pool_vnets: &[ResourceIndex],
    out: &mut Vec<Finding>,
) {
    let account = cx.index.resource(at);
    let mut problems = Vec::new();
    let mut involved = Vec::new();
    if !text_is(account, &["properties", "publicNetworkAccess"], "Disabled") {
        problems.push("`publicNetworkAccess` is not Disabled (Azure's default is Enabled), so the account and node-management endpoints answer from the internet".to_string());
    }
    for group in ["batchAccount", "nodeManagement"] {
        let endpoints: Vec<_> = cx
            .index
            .endpoints_to(at)
            .filter(|e| e.groups.iter().any(|g| g.eq_ignore_ascii_case(group)))
            .collect();
        if endpoints.is_empty() {
            problems.push(format!(
                "no private endpoint for the `{group}` sub-resource"
            ));
        }
        for endpoint in endpoints {
            let own = endpoint.subnet.map(|s| cx.index.subnet(s).vnet);
            let clients = own.iter().chain(if group == "nodeManagement" {
                pool_vnets
            } else {
                &[]
            });
            for &vnet in clients {
                if !cx.index.resolves_from(endpoint, vnet) {
                    problems.push(format!("the `privatelink.batch.azure.com` zone of private endpoint `{}` is not linked to VNet `{}`", cx.name(endpoint.index), cx.name(vnet)));
                    involved.push(endpoint.index);
                }
            }
        }
    }
    if problems.is_empty() {
        return;
    }
    let mut finding = cx.finding(
        Code::BatchPublicEndpoint,
        at,
        format!(
            "Batch account `{}` is not private: {}",
            cx.name(at),
            problems.join("; ")
        ),
        "the Batch account",
    );
    for endpoint in involved {
        finding = finding.also(cx, endpoint, "private endpoint");
    }
    out.push(finding.help("set `properties.publicNetworkAccess = \"Disabled\";`, add private endpoints for `batchAccount` and `nodeManagement` with zone groups on `privatelink.batch.azure.com`, and link that zone to every VNet whose clients or pools use them"));
}

/// BA3.
fn user_subscription_vault(cx: &Context, at: ResourceIndex, out: &mut Vec<Finding>) {
    let account = cx.index.resource(at);
    if !text_is(
        account,
        &["properties", "poolAllocationMode"],
        "UserSubscription",
    ) {
        return;
    }
    let reference = account.field(&["properties", "keyVaultReference"]);
    if reference.is_none() {
        out.push(
            cx.finding(
                Code::UserSubscriptionVault,
                at,
                format!("Azure rejects Batch account `{}`: user-subscription pool allocation needs a Key Vault reference", cx.name(at)),
                "`poolAllocationMode = \"UserSubscription\"` without `keyVaultReference`",
            )
            .help("set `properties.keyVaultReference = { id = vault.id; url = ref vault \"properties.vaultUri\"; };`"),
        );
        return;
    }
    let Some(vault) = id_field(reference) else {
        return;
    };
    if batch_service_can_manage_secrets(cx, vault) {
        return;
    }
    out.push(
        cx.finding(
            Code::UserSubscriptionVault,
            at,
            format!("pools of Batch account `{}` fail to allocate: the Batch service cannot manage secrets in Key Vault `{}` (it needs get, set, list, delete and recover)", cx.name(at), cx.name(vault)),
            "user-subscription allocation",
        )
        .also(cx, vault, "no access for the Batch service")
        .help(format!("add an access policy for the Batch service principal (`objectId` from a parameter) with `permissions.secrets = [ \"get\" \"set\" \"list\" \"delete\" \"recover\" ];`, or with RBAC assign Key Vault Secrets Officer (`{}`) on the vault", roles::KV_SECRETS_OFFICER)),
    );
}

fn batch_service_can_manage_secrets(cx: &Context, vault: ResourceIndex) -> bool {
    let resource = cx.index.resource(vault);
    if text(resource, &["properties", "enableRbacAuthorization"])
        .is_some_and(|t| t.eq_ignore_ascii_case("true"))
        || matches!(
            resource.field(&["properties", "enableRbacAuthorization"]),
            Some(Node::Bool(true))
        )
    {
        return cx.index.anyone_has_role(roles::SECRETS_MANAGE, vault);
    }
    super::cmk::access_policies(cx, vault).any(|policy| {
        let secrets = texts(policy.at(&["permissions", "secrets"]));
        ["get", "set", "list", "delete", "recover"]
            .iter()
            .all(|p| has_name(&secrets, p))
    })
}
