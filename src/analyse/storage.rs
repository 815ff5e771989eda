//! Storage accounts, and storage reached from pools (RULES.md ST1-ST5; `sf`, `mi`, `bp`).
//!
//! A storage account should be closed to the internet (ST1), use no keys or SAS (ST4) and only
//! modern transport (ST5). Once closed, every pool that downloads from it (packages, resource
//! files, mounts) needs a way in: a service endpoint on its subnet allowed by the firewall, or a
//! private endpoint whose DNS zone its VNet resolves (ST2). Hand-kept Batch IP lists break
//! silently (ST3).

use indexmap::IndexMap;

use super::pools::{Pool, Via};
use super::read::{bool_field, text, text_is, types};
use super::{Context, Finding};
use crate::diagnostic::Code;
use crate::graph::{Node, Part, ResourceIndex, Template};

pub(super) fn check(cx: &Context, out: &mut Vec<Finding>) {
    for &at in cx.index.of_type(types::STORAGE) {
        open_to_internet(cx, at, out);
        shared_key(cx, at, out);
        transport(cx, at, out);
    }
    // The first pool reading each storage account, in a stable order.
    let mut used_by_pools: IndexMap<ResourceIndex, ResourceIndex> = IndexMap::new();
    for pool in &cx.pools {
        // What this pool reads from each storage account, by sub-resource (a few entries).
        let mut reads: Vec<(ResourceIndex, &'static str, Vec<Via>)> = Vec::new();
        for download in &pool.downloads {
            let Some(storage) = download.storage else {
                continue;
            };
            let group = download.via.sub_resource();
            match reads
                .iter_mut()
                .find(|(s, g, _)| *s == storage && *g == group)
            {
                Some((_, _, vias)) => vias.push(download.via),
                None => reads.push((storage, group, vec![download.via])),
            }
            used_by_pools.entry(storage).or_insert(pool.index);
        }
        for (storage, group, vias) in reads {
            reachable(cx, pool, &vias, group, storage, out);
        }
    }
    for (storage, pool) in used_by_pools {
        hand_kept_addresses(cx, storage, pool, out);
    }
    keys_in_configuration(cx, out);
}

/// Whether the firewall denies by default (or public access is off).
fn closed(cx: &Context, storage: ResourceIndex) -> bool {
    let resource = cx.index.resource(storage);
    text_is(resource, &["properties", "publicNetworkAccess"], "Disabled")
        || text_is(
            resource,
            &["properties", "networkAcls", "defaultAction"],
            "Deny",
        )
}

/// ST1.
fn open_to_internet(cx: &Context, at: ResourceIndex, out: &mut Vec<Finding>) {
    if closed(cx, at) {
        return;
    }
    let resource = cx.index.resource(at);
    let why = if text_is(
        resource,
        &["properties", "networkAcls", "defaultAction"],
        "Allow",
    ) {
        "`networkAcls.defaultAction` is Allow"
    } else {
        "no `networkAcls` with `defaultAction = \"Deny\"` (Azure's default is Allow)"
    };
    out.push(
        cx.finding(
            Code::StorageOpenToInternet,
            at,
            format!("storage account `{}` accepts requests from any network on the internet: {why}", cx.name(at)),
            "open to all networks",
        )
        .help("set `properties.publicNetworkAccess = \"Disabled\";` and reach it through a private endpoint, or `properties.networkAcls = { defaultAction = \"Deny\"; bypass = \"AzureServices\"; virtualNetworkRules = [ ... ]; };`; for application packages, download binaries in the start task with a node identity instead (`sblc explain S0611`)"),
    );
}

/// ST2: a closed storage account must still be reachable from the pools that read it.
fn reachable(
    cx: &Context,
    pool: &Pool,
    vias: &[Via],
    group: &str,
    storage: ResourceIndex,
    out: &mut Vec<Finding>,
) {
    if !closed(cx, storage) {
        return;
    }
    let resource = cx.index.resource(storage);
    let subnet = pool.subnet.map(|s| cx.index.subnet(s));
    let mut notes = Vec::new();
    if let (Some(id), Some(subnet)) = (pool.subnet, subnet) {
        let public = !text_is(resource, &["properties", "publicNetworkAccess"], "Disabled");
        let allowed = resource
            .field(&["properties", "networkAcls", "virtualNetworkRules"])
            .map_or(&[][..], Node::as_list)
            .iter()
            .filter_map(|rule| rule.get("id").and_then(Node::as_template))
            .any(|t| cx.index.subnet_of(t) == Some(id));
        let endpoint = subnet
            .field(&["serviceEndpoints"])
            .map_or(&[][..], Node::as_list)
            .iter()
            .filter_map(|e| e.get("service").and_then(Node::as_literal))
            .any(|s| s.to_ascii_lowercase().starts_with("microsoft.storage"));
        if public && allowed && endpoint {
            return;
        }
        if allowed && !endpoint {
            notes.push(format!("subnet `{}` is in the firewall's virtual-network rules but has no `Microsoft.Storage` service endpoint", subnet.name));
        }
        let mut endpoints = cx
            .index
            .endpoints_to(storage)
            .filter(|e| e.groups.iter().any(|g| g == group))
            .peekable();
        if endpoints.peek().is_none() {
            notes.push(format!(
                "no private endpoint for the `{group}` sub-resource"
            ));
        }
        for endpoint in endpoints {
            if cx.index.resolves_from(endpoint, subnet.vnet) {
                return;
            }
            notes.push(format!("private endpoint `{}` exists, but no private DNS zone of it is linked to the pool's VNet `{}`, so nodes resolve the public address", cx.name(endpoint.index), cx.name(subnet.vnet)));
        }
    } else {
        notes.push("the pool is in no subnet of this deployment".into());
    }
    let what = vias
        .iter()
        .map(|v| v.describe())
        .collect::<Vec<_>>()
        .join(" and ");
    let mut finding = cx
        .finding(
            Code::StorageUnreachableFromPool,
            pool.index,
            format!("nodes of pool `{}` cannot download {} from storage account `{}`: its firewall denies by default and the pool's subnet has no way in, so nodes start without their files", cx.name(pool.index), what, cx.name(storage)),
            format!("downloads {what}"),
        )
        .also(cx, storage, "firewall denies by default");
    if let Some(subnet) = subnet {
        finding = finding.also(cx, subnet.owner(), "the pool's subnet");
    }
    for note in notes {
        finding = finding.note(note);
    }
    out.push(finding.help(format!("either add a private endpoint for `{group}` in the pool's VNet with a zone group whose `privatelink.{group}.core.windows.net` zone is linked to that VNet, or add the subnet to `networkAcls.virtualNetworkRules` and `serviceEndpoints = [ {{ service = \"Microsoft.Storage\"; }} ]` to the subnet")));
}

/// ST3.
fn hand_kept_addresses(
    cx: &Context,
    storage: ResourceIndex,
    pool: ResourceIndex,
    out: &mut Vec<Finding>,
) {
    let resource = cx.index.resource(storage);
    let rules = resource
        .field(&["properties", "networkAcls", "ipRules"])
        .map_or(&[][..], Node::as_list);
    if rules.is_empty() {
        return;
    }
    out.push(
        cx.finding(
            Code::BatchAddressesInStorageFirewall,
            storage,
            format!("storage account `{}` allow-lists {} IP address rule(s) for the nodes that read it: BatchNodeManagement addresses change without notice and are not a service tag, so downloads break when they do", cx.name(storage), rules.len()),
            "`networkAcls.ipRules`",
        )
        .also(cx, pool, "a pool that reads it")
        .help("remove the IP rules; download in the start task with a node identity through a private endpoint or a service endpoint on the pool subnet"),
    );
}

/// ST4 on storage accounts.
fn shared_key(cx: &Context, at: ResourceIndex, out: &mut Vec<Finding>) {
    if bool_field(
        cx.index.resource(at),
        &["properties", "allowSharedKeyAccess"],
    ) == Some(false)
    {
        return;
    }
    out.push(
        cx.finding(
            Code::StorageKeysOrSas,
            at,
            format!("storage account `{}` accepts its account keys: anyone holding a key, or a SAS signed with one, reads and writes all of its data", cx.name(at)),
            "`allowSharedKeyAccess` is not false",
        )
        .help("set `properties.allowSharedKeyAccess = false;` and grant identities Storage Blob Data roles"),
    );
}

/// ST4 elsewhere: keys in Batch configuration, SAS tokens or account keys in any string.
fn keys_in_configuration(cx: &Context, out: &mut Vec<Finding>) {
    for &at in cx.index.of_type(types::BATCH_ACCOUNT) {
        let account = cx.index.resource(at);
        if account.field(&["properties", "autoStorage"]).is_some()
            && !text_is(
                account,
                &["properties", "autoStorage", "authenticationMode"],
                "BatchAccountManagedIdentity",
            )
        {
            out.push(
                cx.finding(
                    Code::StorageKeysOrSas,
                    at,
                    format!("Batch account `{}` reaches auto-storage with the storage account keys, which Batch keeps and hands out as SAS", cx.name(at)),
                    "`autoStorage.authenticationMode` is StorageKeys (the default)",
                )
                .help("set `autoStorage.authenticationMode = \"BatchAccountManagedIdentity\";` with `nodeIdentityReference`"),
            );
        }
    }
    for at in cx.index.graph.indices() {
        let resource = cx.index.resource(at);
        let found = resource.body.iter().find_map(|(key, node)| {
            let (path, kind) = credential_in(key, node)?;
            Some(match kind {
                Credential::KeyField => format!("`{}`", path.first().copied().unwrap_or(key)),
                Credential::InText => {
                    let outermost_first: Vec<&str> = path.iter().rev().copied().collect();
                    format!("a SAS token or key in `{}`", outermost_first.join("."))
                }
            })
        });
        if let Some(what) = found {
            out.push(
                cx.finding(
                    Code::StorageKeysOrSas,
                    at,
                    format!("{what} is written into the template of `{}`: the credential is stored at rest with the deployment and in its history", cx.name(at)),
                    "credential in the configuration",
                )
                .help("use a managed identity (`identityReference`), or fetch a SAS from Key Vault at deploy time"),
            );
        }
    }
}

/// ST5.
fn transport(cx: &Context, at: ResourceIndex, out: &mut Vec<Finding>) {
    let resource = cx.index.resource(at);
    let mut problems = Vec::new();
    match text(resource, &["properties", "minimumTlsVersion"]) {
        Some(v) if v.eq_ignore_ascii_case("TLS1_2") || v.eq_ignore_ascii_case("TLS1_3") => {}
        Some(v) => problems.push(format!("accepts {v}")),
        None => problems.push("sets no `minimumTlsVersion`".to_string()),
    }
    if bool_field(resource, &["properties", "supportsHttpsTrafficOnly"]) == Some(false) {
        problems.push("accepts plain HTTP".into());
    }
    if bool_field(resource, &["properties", "allowBlobPublicAccess"]) == Some(true) {
        problems.push("lets containers allow anonymous reads".into());
    }
    if problems.is_empty() {
        return;
    }
    out.push(
        cx.finding(
            Code::WeakStorageTransport,
            at,
            format!("storage account `{}` {}", cx.name(at), problems.join(", ")),
            "weak transport settings",
        )
        .help("set `minimumTlsVersion = \"TLS1_2\"; supportsHttpsTrafficOnly = true; allowBlobPublicAccess = false;` in `properties`"),
    );
}

enum Credential {
    /// An `accountKey` or `sasKey` field.
    KeyField,
    /// A SAS token or connection-string key inside a string.
    InText,
}

/// The first credential under `key`, with the path of keys to it (innermost first). One walk
/// over the value, allocating only for what it finds.
fn credential_in<'n>(key: &'n str, node: &'n Node) -> Option<(Vec<&'n str>, Credential)> {
    let found = match node {
        Node::Str(_) if key == "accountKey" || key == "sasKey" => {
            Some((Vec::new(), Credential::KeyField))
        }
        Node::Str(template) => holds_credential(template).then(|| (Vec::new(), Credential::InText)),
        Node::List(items) => items.iter().find_map(|item| {
            credential_in(key, item).map(|(mut path, kind)| {
                path.pop();
                (path, kind)
            })
        }),
        Node::Object(fields) => fields.iter().find_map(|(k, v)| credential_in(k, v)),
        Node::Null | Node::Bool(_) | Node::Int(_) => None,
    };
    found.map(|(mut path, kind)| {
        path.push(key);
        (path, kind)
    })
}

/// Whether a string's text holds a SAS token (`sig=` with `sv=` or `se=`) or a connection
/// string's `AccountKey=`. Every marker ends with `=`, which most strings do not hold: one byte
/// search per text part, looking back from each `=`, instead of a substring search per marker.
fn holds_credential(template: &Template) -> bool {
    let (mut sig, mut version_or_expiry, mut account_key) = (false, false, false);
    for part in &template.0 {
        let Part::Text(text) = part else { continue };
        for (at, _) in text.match_indices('=') {
            let before = &text[..at];
            sig |= before.ends_with("sig");
            version_or_expiry |= before.ends_with("sv") || before.ends_with("se");
            account_key |= before.ends_with("AccountKey");
        }
    }
    (sig && version_or_expiry) || account_key
}
