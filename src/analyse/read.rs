//! Small readers over graph values shared by every rule: literal text, resource references,
//! identity references and ARM resource type names.

use crate::graph::{Node, Part, Reference, Resource, ResourceIndex, Template};

/// ARM resource types the rules look at (compared without regard to case).
pub mod types {
    pub const BATCH_ACCOUNT: &str = "Microsoft.Batch/batchAccounts";
    pub const POOL: &str = "Microsoft.Batch/batchAccounts/pools";
    pub const APPLICATION: &str = "Microsoft.Batch/batchAccounts/applications";
    pub const STORAGE: &str = "Microsoft.Storage/storageAccounts";
    pub const VAULT: &str = "Microsoft.KeyVault/vaults";
    pub const KEY: &str = "Microsoft.KeyVault/vaults/keys";
    pub const ACCESS_POLICIES: &str = "Microsoft.KeyVault/vaults/accessPolicies";
    pub const VNET: &str = "Microsoft.Network/virtualNetworks";
    pub const SUBNET: &str = "Microsoft.Network/virtualNetworks/subnets";
    pub const PEERING: &str = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings";
    pub const NSG: &str = "Microsoft.Network/networkSecurityGroups";
    pub const NSG_RULE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";
    pub const ROUTE_TABLE: &str = "Microsoft.Network/routeTables";
    pub const ROUTE: &str = "Microsoft.Network/routeTables/routes";
    pub const FIREWALL: &str = "Microsoft.Network/azureFirewalls";
    pub const RULE_COLLECTION_GROUP: &str =
        "Microsoft.Network/firewallPolicies/ruleCollectionGroups";
    pub const PRIVATE_ENDPOINT: &str = "Microsoft.Network/privateEndpoints";
    pub const ZONE_GROUP: &str = "Microsoft.Network/privateEndpoints/privateDnsZoneGroups";
    pub const DNS_ZONE: &str = "Microsoft.Network/privateDnsZones";
    pub const DNS_LINK: &str = "Microsoft.Network/privateDnsZones/virtualNetworkLinks";
    pub const ROLE_ASSIGNMENT: &str = "Microsoft.Authorization/roleAssignments";
}

pub fn is_type(resource: &Resource, resource_type: &str) -> bool {
    resource.resource_type.eq_ignore_ascii_case(resource_type)
}

/// The literal text of a body field, `None` when absent or deployment-time.
pub fn text(resource: &Resource, path: &[&str]) -> Option<String> {
    resource.field(path).and_then(Node::as_literal)
}

/// Whether a literal field equals `expected`, ignoring case.
pub fn text_is(resource: &Resource, path: &[&str], expected: &str) -> bool {
    resource
        .field(path)
        .and_then(literal_str)
        .is_some_and(|t| t.eq_ignore_ascii_case(expected))
}

/// The text of a string without references, borrowed (no allocation).
pub fn literal_str(node: &Node) -> Option<&str> {
    match node.as_template()?.0.as_slice() {
        [] => Some(""),
        [Part::Text(text)] => Some(text),
        _ => None,
    }
}

pub fn bool_field(resource: &Resource, path: &[&str]) -> Option<bool> {
    match resource.field(path)? {
        Node::Bool(b) => Some(*b),
        node => node
            .as_literal()
            .and_then(|t| t.to_ascii_lowercase().parse().ok()),
    }
}

pub fn int_field(node: Option<&Node>) -> Option<i64> {
    match node? {
        Node::Int(i) => Some(*i),
        node => node.as_literal().and_then(|t| t.parse().ok()),
    }
}

/// The literal strings of a list field (deployment-time items are skipped).
pub fn texts(node: Option<&Node>) -> Vec<String> {
    match node {
        Some(Node::List(items)) => items.iter().filter_map(Node::as_literal).collect(),
        Some(node) => node.as_literal().into_iter().collect(),
        None => Vec::new(),
    }
}

/// Whether a list of names holds `wanted` (or `all`/`*`), ignoring case.
pub fn has_name(names: &[String], wanted: &str) -> bool {
    names.iter().any(|n| {
        n.eq_ignore_ascii_case(wanted) || n.eq_ignore_ascii_case("all") || n.as_str() == "*"
    })
}

/// The resource whose id a string is, exactly: `"${vnet.id}"`.
pub fn id_of(template: &Template) -> Option<ResourceIndex> {
    match template.0.as_slice() {
        [Part::Ref(Reference::Id(index))] => Some(*index),
        _ => None,
    }
}

/// The resource an `{ id = ...; }` object field names.
pub fn id_field(node: Option<&Node>) -> Option<ResourceIndex> {
    node?.get("id")?.as_template().and_then(id_of)
}

/// Every resource a string mentions (ids, names, runtime properties), in order.
pub fn mentioned(template: &Template) -> impl Iterator<Item = ResourceIndex> + '_ {
    template.references().filter_map(|r| match r {
        Reference::Id(i) | Reference::Name(i) | Reference::Property(i, _) => Some(*i),
        _ => None,
    })
}

/// The literal text parts of a string, joined (references dropped): for scanning scripts.
pub fn visible_text(template: &Template) -> String {
    template
        .0
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(t.as_str()),
            Part::Ref(_) => None,
        })
        .collect()
}

/// The resource whose principal id a string is: `${ref uai "properties.principalId"}` for a
/// user-assigned identity, `${ref account "identity.principalId"}` for a system-assigned one.
pub fn principal_of(template: &Template) -> Option<ResourceIndex> {
    template.references().find_map(|r| match r {
        Reference::Property(i, path) if path.last().is_some_and(|p| p == "principalId") => Some(*i),
        _ => None,
    })
}

/// How a pool or an account names a managed identity.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum IdentityRef {
    /// A resource of this deployment, by its id.
    Resource(ResourceIndex),
    /// A literal ARM id (lower-cased), for identities outside the deployment.
    Text(String),
    /// Anything else (parameters, computed ids): compared as written.
    Other(Template),
}

impl IdentityRef {
    pub fn from_template(template: &Template) -> IdentityRef {
        if let Some(index) = id_of(template) {
            return IdentityRef::Resource(index);
        }
        match template.as_literal() {
            Some(text) => IdentityRef::Text(text.to_ascii_lowercase()),
            None => IdentityRef::Other(template.clone()),
        }
    }

    /// From an `identityReference`-like object: `{ resourceId = uai.id; }`.
    pub fn from_reference(node: Option<&Node>) -> Option<IdentityRef> {
        node?
            .get("resourceId")?
            .as_template()
            .map(IdentityRef::from_template)
    }

    pub fn resource(&self) -> Option<ResourceIndex> {
        match self {
            IdentityRef::Resource(i) => Some(*i),
            _ => None,
        }
    }
}

/// The user-assigned identities of a pool or account (`identity.userAssignedIdentities` keys).
pub fn user_assigned(resource: &Resource) -> Vec<IdentityRef> {
    match resource.field(&["identity", "userAssignedIdentities"]) {
        Some(Node::Object(fields)) => fields
            .keys()
            .map(|k| IdentityRef::from_template(&crate::graph::key_template(k)))
            .collect(),
        _ => Vec::new(),
    }
}

/// The identity `type` includes `SystemAssigned`.
pub fn has_system_identity(resource: &Resource) -> bool {
    // Asked for every pool and account: the common one-part text is read in place.
    let says_so = |t: &str| {
        t.as_bytes()
            .windows(b"systemassigned".len())
            .any(|w| w.eq_ignore_ascii_case(b"systemassigned"))
    };
    let node = resource.field(&["identity", "type"]);
    match node.and_then(literal_str) {
        Some(text) => says_so(text),
        None => node.and_then(Node::as_literal).is_some_and(|t| says_so(&t)),
    }
}

/// How a resource is named in messages: its literal name, else its symbol.
pub fn display(resource: &Resource) -> String {
    resource
        .name
        .as_literal()
        .unwrap_or_else(|| resource.symbol.clone())
}

/// Built-in role definition GUIDs the rules look for.
pub mod roles {
    pub const BLOB_READER: &str = "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1";
    pub const BLOB_CONTRIBUTOR: &str = "ba92f5b4-2d11-453d-a403-e96b0029c9fe";
    pub const BLOB_OWNER: &str = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    pub const KV_CRYPTO_SERVICE_ENCRYPTION_USER: &str = "e147488a-f6f5-4113-8e2d-b22465e65bf6";
    pub const KV_CRYPTO_OFFICER: &str = "14b46e9e-c2b7-41b4-b0b6-6d5fd1dbf3f0";
    pub const KV_ADMINISTRATOR: &str = "00482a5a-887f-4fb3-b363-3b7fe8e74483";
    pub const KV_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";

    /// Reading blobs (packages, resource files, blob mounts): any Storage Blob Data role.
    pub const BLOB_READ: &[&str] = &[BLOB_READER, BLOB_CONTRIBUTOR, BLOB_OWNER];
    /// Uploading application packages.
    pub const BLOB_WRITE: &[&str] = &[BLOB_CONTRIBUTOR, BLOB_OWNER];
    /// get, wrapKey and unwrapKey on a key.
    pub const KEY_WRAP: &[&str] = &[
        KV_CRYPTO_SERVICE_ENCRYPTION_USER,
        KV_CRYPTO_OFFICER,
        KV_ADMINISTRATOR,
    ];
    /// Secrets get/set/list/delete/recover (user-subscription pool allocation).
    pub const SECRETS_MANAGE: &[&str] = &[KV_SECRETS_OFFICER, KV_ADMINISTRATOR];
}
