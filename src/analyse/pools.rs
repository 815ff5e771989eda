//! What each Batch pool needs, read once for the identity, storage and egress rules: its
//! account, subnet, identities, and every download its nodes make (application packages, start
//! task resource files, mounts, container registries) with the credential they use.

use super::index::{Index, SubnetId};
use super::read::{text_is, types, IdentityRef};
use crate::graph::{Node, ResourceIndex, Template};

/// Where nodes fetch something from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    /// Pool application packages, from the account's auto-storage.
    Packages,
    /// Start task resource files from an auto-storage container.
    AutoStorageFiles,
    /// Start task resource files from a container or HTTP URL.
    ResourceFiles,
    /// A blobfuse mount.
    BlobMount,
    /// An Azure Files mount.
    FileMount,
    /// A container registry login.
    Registry,
}

impl Via {
    pub fn describe(self) -> &'static str {
        match self {
            Via::Packages => "application packages",
            Via::AutoStorageFiles => "start task resource files (auto-storage container)",
            Via::ResourceFiles => "start task resource files",
            Via::BlobMount => "a blob container mount",
            Via::FileMount => "a file share mount",
            Via::Registry => "a container registry login",
        }
    }

    /// The storage sub-resource (private endpoint group) the download uses.
    pub fn sub_resource(self) -> &'static str {
        match self {
            Via::FileMount => "file",
            _ => "blob",
        }
    }
}

/// The credential a download uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// A node identity (a user-assigned identity that must be one of the pool's).
    Identity(IdentityRef),
    /// Auto-storage in `BatchAccountManagedIdentity` mode with no node identity reference.
    MissingIdentity,
    /// Account keys or SAS (auto-storage in `StorageKeys` mode, keys in a mount).
    Keys,
    /// A URL with no identity: a SAS in the URL, or public access.
    Url,
}

#[derive(Clone, Debug)]
pub struct Download {
    pub via: Via,
    pub access: Access,
    /// The storage account read, when it is part of this deployment.
    pub storage: Option<ResourceIndex>,
}

#[derive(Debug)]
pub struct Pool<'g> {
    pub index: ResourceIndex,
    pub account: Option<ResourceIndex>,
    pub identities: Vec<IdentityRef>,
    pub subnet: Option<SubnetId>,
    /// The pool's `properties`.
    pub properties: Option<&'g Node>,
    /// `deploymentConfiguration.virtualMachineConfiguration`.
    pub vm: Option<&'g Node>,
    pub downloads: Vec<Download>,
}

impl Pool<'_> {
    pub fn has_identity(&self, identity: &IdentityRef) -> bool {
        self.identities.contains(identity)
    }
}

pub fn read_pools<'g>(index: &Index<'g>) -> Vec<Pool<'g>> {
    index
        .of_type(types::POOL)
        .iter()
        .map(|&at| read_pool(index, at))
        .collect()
}

fn read_pool<'g>(index: &Index<'g>, at: ResourceIndex) -> Pool<'g> {
    let pool = index.resource(at);
    let account = pool.parent;
    let properties = pool.body.get("properties");
    let field = |path: &[&str]| properties.and_then(|p| p.at(path));
    let vm = field(&["deploymentConfiguration", "virtualMachineConfiguration"]);
    let subnet = field(&["networkConfiguration", "subnetId"])
        .and_then(Node::as_template)
        .and_then(|t| index.subnet_of(t));

    let (auto_storage, auto_access) = match account.map(|a| index.resource(a)) {
        Some(account) => {
            let storage = account
                .field(&["properties", "autoStorage", "storageAccountId"])
                .and_then(Node::as_template)
                .and_then(super::read::id_of);
            let access = if text_is(
                account,
                &["properties", "autoStorage", "authenticationMode"],
                "BatchAccountManagedIdentity",
            ) {
                IdentityRef::from_reference(account.field(&[
                    "properties",
                    "autoStorage",
                    "nodeIdentityReference",
                ]))
                .map_or(Access::MissingIdentity, Access::Identity)
            } else {
                Access::Keys
            };
            (storage, access)
        }
        None => (None, Access::Keys),
    };

    let mut downloads = Vec::new();
    if !field(&["applicationPackages"])
        .map_or(&[][..], Node::as_list)
        .is_empty()
    {
        downloads.push(Download {
            via: Via::Packages,
            access: auto_access.clone(),
            storage: auto_storage,
        });
    }
    for file in field(&["startTask", "resourceFiles"]).map_or(&[][..], Node::as_list) {
        if file.get("autoStorageContainerName").is_some() {
            downloads.push(Download {
                via: Via::AutoStorageFiles,
                access: auto_access.clone(),
                storage: auto_storage,
            });
            continue;
        }
        let url = file
            .get("storageContainerUrl")
            .or_else(|| file.get("httpUrl"))
            .and_then(Node::as_template);
        downloads.push(Download {
            via: Via::ResourceFiles,
            access: IdentityRef::from_reference(file.get("identityReference"))
                .map_or(Access::Url, Access::Identity),
            storage: url.and_then(|u| storage_in_url(index, u)),
        });
    }
    for mount in field(&["mountConfiguration"]).map_or(&[][..], Node::as_list) {
        if let Some(blob) = mount.get("azureBlobFileSystemConfiguration") {
            downloads.push(Download {
                via: Via::BlobMount,
                access: IdentityRef::from_reference(blob.get("identityReference"))
                    .map_or(Access::Keys, Access::Identity),
                storage: storage_named(index, blob.get("accountName")),
            });
        }
        if let Some(share) = mount.get("azureFileShareConfiguration") {
            downloads.push(Download {
                via: Via::FileMount,
                access: Access::Keys,
                storage: storage_named(index, share.get("accountName")),
            });
        }
    }
    let registries = vm
        .and_then(|v| v.at(&["containerConfiguration", "containerRegistries"]))
        .map_or(&[][..], Node::as_list)
        .iter()
        .chain(field(&["startTask", "containerSettings", "registry"]));
    for registry in registries {
        if let Some(identity) = IdentityRef::from_reference(registry.get("identityReference")) {
            downloads.push(Download {
                via: Via::Registry,
                access: Access::Identity(identity),
                storage: None,
            });
        }
    }

    Pool {
        index: at,
        account,
        identities: super::read::user_assigned(pool),
        subnet,
        properties,
        vm,
        downloads,
    }
}

/// The storage account of a URL: one it mentions (`${ref st "properties.primaryEndpoints.blob"}`),
/// or a literal `https://NAME.blob.core.windows.net/...` naming one of this deployment.
fn storage_in_url(index: &Index, url: &Template) -> Option<ResourceIndex> {
    if let Some(storage) = index.mentioned_of_type(url, types::STORAGE) {
        return Some(storage);
    }
    let text = url.as_literal()?;
    let host = text.split("://").nth(1)?.split('/').next()?;
    let (name, rest) = host.split_once('.')?;
    rest.contains(".core.")
        .then(|| index.named(types::STORAGE, name))
        .flatten()
}

/// The storage account an `accountName` field names.
fn storage_named(index: &Index, node: Option<&Node>) -> Option<ResourceIndex> {
    let template = node?.as_template()?;
    index
        .mentioned_of_type(template, types::STORAGE)
        .or_else(|| index.named(types::STORAGE, &template.as_literal()?))
}
