//! The graph indexed once, so that every rule runs in time linear in the graph: resources by
//! type and by parent, subnets (child resources and inline ones), peerings, private endpoints and
//! their DNS zones, role assignments by principal and by scope, firewalls by subnet.

use std::collections::{HashMap, HashSet};

use foldhash::fast::FixedState;

use super::read::{id_field, id_of, principal_of, texts, types};
use crate::graph::{Graph, Node, Part, Reference, Resource, ResourceIndex, Template};
use crate::source::Span;

/// Index of a subnet in [`Index::subnets`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SubnetId(pub usize);

/// A subnet, declared as a child resource or inline in its VNet's `properties.subnets`.
#[derive(Debug)]
pub struct Subnet<'g> {
    pub vnet: ResourceIndex,
    pub name: String,
    /// The child resource; `None` for inline subnets.
    pub resource: Option<ResourceIndex>,
    /// The subnet's `properties`.
    pub properties: Option<&'g Node>,
    /// Where the subnet was written: its resource, or its VNet for inline ones.
    pub origin: Span,
}

impl<'g> Subnet<'g> {
    pub fn field(&self, path: &[&str]) -> Option<&'g Node> {
        self.properties?.at(path)
    }

    /// The resource to attach findings to.
    pub fn owner(&self) -> ResourceIndex {
        self.resource.unwrap_or(self.vnet)
    }

    pub fn prefixes(&self) -> Vec<String> {
        let mut all = texts(self.field(&["addressPrefixes"]));
        all.extend(self.field(&["addressPrefix"]).and_then(Node::as_literal));
        all
    }
}

/// One direction of a VNet peering.
#[derive(Debug)]
pub struct Peering {
    pub local: ResourceIndex,
    /// The remote VNet, when it is part of this deployment.
    pub remote: Option<ResourceIndex>,
    pub allow_gateway_transit: bool,
    pub use_remote_gateways: bool,
    /// The peering resource, or the local VNet for inline peerings.
    pub owner: ResourceIndex,
}

/// A private endpoint and what it connects.
#[derive(Debug)]
pub struct PrivateEndpoint {
    pub index: ResourceIndex,
    pub target: Option<ResourceIndex>,
    /// The sub-resources (`blob`, `vault`, `batchAccount`, `nodeManagement`), lower-cased.
    pub groups: Vec<String>,
    pub subnet: Option<SubnetId>,
    /// DNS zone groups declared for it.
    pub zone_groups: Vec<ResourceIndex>,
    /// Zones of its zone groups; `None` for zones outside this deployment.
    pub zones: Vec<Option<ResourceIndex>>,
}

/// A role assignment, read once.
#[derive(Debug)]
pub struct RoleAssignment {
    pub index: ResourceIndex,
    /// The identity (or resource with a system identity) whose principal id it names.
    pub principal: Option<ResourceIndex>,
    /// The role definition GUID, lower-cased.
    pub role: Option<String>,
    pub scope: Option<ResourceIndex>,
}

/// The analyser's maps, keyed by small integers (resource and subnet indices) and short strings,
/// hashed with foldhash (fixed seed): resistance to crafted collisions, SipHash's reason to be
/// slow, does not matter for a compiler's own indices.
pub type FastMap<K, V> = HashMap<K, V, FixedState>;
pub type FastSet<K> = HashSet<K, FixedState>;

pub struct Index<'g> {
    pub graph: &'g Graph,
    by_type: FastMap<String, Vec<ResourceIndex>>,
    children: FastMap<ResourceIndex, Vec<ResourceIndex>>,
    by_name: FastMap<(String, String), ResourceIndex>,
    pub subnets: Vec<Subnet<'g>>,
    subnet_by_resource: FastMap<ResourceIndex, SubnetId>,
    subnet_by_name: FastMap<(ResourceIndex, String), SubnetId>,
    vnet_subnets: FastMap<ResourceIndex, Vec<SubnetId>>,
    pub peerings: Vec<Peering>,
    pub endpoints: Vec<PrivateEndpoint>,
    endpoints_by_target: FastMap<ResourceIndex, Vec<usize>>,
    endpoints_by_subnet: FastMap<SubnetId, Vec<usize>>,
    /// (zone, VNet) pairs linked by a `virtualNetworkLinks` child.
    zone_links: FastSet<(ResourceIndex, ResourceIndex)>,
    pub roles: Vec<RoleAssignment>,
    roles_by_principal: FastMap<ResourceIndex, Vec<usize>>,
}

impl<'g> Index<'g> {
    pub fn new(graph: &'g Graph) -> Index<'g> {
        let mut index = Index {
            graph,
            by_type: FastMap::default(),
            children: FastMap::default(),
            by_name: FastMap::default(),
            subnets: Vec::new(),
            subnet_by_resource: FastMap::default(),
            subnet_by_name: FastMap::default(),
            vnet_subnets: FastMap::default(),
            peerings: Vec::new(),
            endpoints: Vec::new(),
            endpoints_by_target: FastMap::default(),
            endpoints_by_subnet: FastMap::default(),
            zone_links: FastSet::default(),
            roles: Vec::new(),
            roles_by_principal: FastMap::default(),
        };
        for (i, resource) in graph.resources.iter().enumerate() {
            let at = ResourceIndex(i);
            let kind = resource.resource_type.to_ascii_lowercase();
            // Literal names are looked up for storage accounts and vaults (URLs name them).
            let named = resource.resource_type.eq_ignore_ascii_case(types::STORAGE)
                || resource.resource_type.eq_ignore_ascii_case(types::VAULT);
            if let (true, Some(name)) = (named, resource.name.as_literal()) {
                index
                    .by_name
                    .insert((kind.clone(), name.to_ascii_lowercase()), at);
            }
            index.by_type.entry(kind).or_default().push(at);
            if let Some(parent) = resource.parent {
                index.children.entry(parent).or_default().push(at);
            }
        }
        index.index_subnets();
        index.index_peerings();
        index.index_endpoints();
        index.index_roles();
        index
    }

    pub fn resource(&self, at: ResourceIndex) -> &'g Resource {
        self.graph.resource(at)
    }

    pub fn of_type(&self, resource_type: &str) -> &[ResourceIndex] {
        self.by_type
            .get(&resource_type.to_ascii_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    pub fn children_of_type<'a>(
        &'a self,
        parent: ResourceIndex,
        resource_type: &'a str,
    ) -> impl Iterator<Item = ResourceIndex> + 'a {
        let graph = self.graph;
        self.children
            .get(&parent)
            .into_iter()
            .flatten()
            .copied()
            .filter(move |c| {
                graph
                    .resource(*c)
                    .resource_type
                    .eq_ignore_ascii_case(resource_type)
            })
    }

    /// A storage account or key vault of this deployment by its literal name.
    pub fn named(&self, resource_type: &str, name: &str) -> Option<ResourceIndex> {
        self.by_name
            .get(&(
                resource_type.to_ascii_lowercase(),
                name.to_ascii_lowercase(),
            ))
            .copied()
    }

    /// Whether `ancestor` is `at` or one of its parents.
    pub fn is_within(&self, at: ResourceIndex, ancestor: ResourceIndex) -> bool {
        let mut current = Some(at);
        while let Some(c) = current {
            if c == ancestor {
                return true;
            }
            current = self.graph.resource(c).parent;
        }
        false
    }

    /// The first resource a string mentions that is `resource_type` or lies within one.
    pub fn mentioned_of_type(
        &self,
        template: &Template,
        resource_type: &str,
    ) -> Option<ResourceIndex> {
        super::read::mentioned(template).find_map(|i| self.ancestor_of_type(i, resource_type))
    }

    /// `at` itself or its nearest parent of the given type.
    pub fn ancestor_of_type(
        &self,
        at: ResourceIndex,
        resource_type: &str,
    ) -> Option<ResourceIndex> {
        let mut current = Some(at);
        while let Some(c) = current {
            let resource = self.graph.resource(c);
            if resource.resource_type.eq_ignore_ascii_case(resource_type) {
                return Some(c);
            }
            current = resource.parent;
        }
        None
    }

    // --- subnets --------------------------------------------------------------------------------

    fn index_subnets(&mut self) {
        let graph = self.graph;
        for &vnet in self.of_type(types::VNET).to_vec().iter() {
            let resource = graph.resource(vnet);
            for item in resource
                .field(&["properties", "subnets"])
                .map_or(&[][..], Node::as_list)
            {
                let Some(name) = item.get("name").and_then(Node::as_literal) else {
                    continue;
                };
                self.add_subnet(Subnet {
                    vnet,
                    name,
                    resource: None,
                    properties: item.get("properties"),
                    origin: resource.origin,
                });
            }
        }
        for &at in self.of_type(types::SUBNET).to_vec().iter() {
            let resource = graph.resource(at);
            let (Some(vnet), Some(name)) = (resource.parent, resource.name.as_literal()) else {
                continue;
            };
            self.add_subnet(Subnet {
                vnet,
                name,
                resource: Some(at),
                properties: resource.body.get("properties"),
                origin: resource.origin,
            });
        }
    }

    fn add_subnet(&mut self, subnet: Subnet<'g>) {
        let id = SubnetId(self.subnets.len());
        if let Some(resource) = subnet.resource {
            self.subnet_by_resource.insert(resource, id);
        }
        self.subnet_by_name
            .insert((subnet.vnet, subnet.name.to_ascii_lowercase()), id);
        self.vnet_subnets.entry(subnet.vnet).or_default().push(id);
        self.subnets.push(subnet);
    }

    pub fn subnet(&self, id: SubnetId) -> &Subnet<'g> {
        &self.subnets[id.0]
    }

    pub fn subnets_of(&self, vnet: ResourceIndex) -> &[SubnetId] {
        self.vnet_subnets.get(&vnet).map_or(&[], Vec::as_slice)
    }

    /// The subnet a string names: `"${subnet.id}"` or `"${vnet.id}/subnets/pool"`.
    pub fn subnet_of(&self, template: &Template) -> Option<SubnetId> {
        if let Some(at) = id_of(template) {
            return self.subnet_by_resource.get(&at).copied();
        }
        match template.0.as_slice() {
            [Part::Ref(Reference::Id(vnet)), Part::Text(rest)] => {
                let name = rest.strip_prefix("/subnets/")?;
                self.subnet_by_name
                    .get(&(*vnet, name.to_ascii_lowercase()))
                    .copied()
            }
            _ => None,
        }
    }

    /// The subnet an `{ id = ...; }` field names.
    pub fn subnet_field(&self, node: Option<&Node>) -> Option<SubnetId> {
        node?
            .get("id")?
            .as_template()
            .and_then(|t| self.subnet_of(t))
    }

    // --- peerings -------------------------------------------------------------------------------

    fn index_peerings(&mut self) {
        let graph = self.graph;
        let read = |local, owner, properties: Option<&Node>| Peering {
            local,
            remote: id_field(properties.and_then(|p| p.get("remoteVirtualNetwork"))),
            allow_gateway_transit: matches!(
                properties.and_then(|p| p.get("allowGatewayTransit")),
                Some(Node::Bool(true))
            ),
            use_remote_gateways: matches!(
                properties.and_then(|p| p.get("useRemoteGateways")),
                Some(Node::Bool(true))
            ),
            owner,
        };
        for &vnet in self.of_type(types::VNET).to_vec().iter() {
            let items = graph
                .resource(vnet)
                .field(&["properties", "virtualNetworkPeerings"]);
            for item in items.map_or(&[][..], Node::as_list) {
                self.peerings.push(read(vnet, vnet, item.get("properties")));
            }
        }
        for &at in self.of_type(types::PEERING).to_vec().iter() {
            let resource = graph.resource(at);
            if let Some(local) = resource.parent {
                self.peerings
                    .push(read(local, at, resource.body.get("properties")));
            }
        }
    }

    // --- private endpoints and DNS ----------------------------------------------------------------

    fn index_endpoints(&mut self) {
        let graph = self.graph;
        for &zone in self.of_type(types::DNS_ZONE).to_vec().iter() {
            let links: Vec<ResourceIndex> = self
                .children_of_type(zone, types::DNS_LINK)
                .filter_map(|l| {
                    id_field(graph.resource(l).field(&["properties", "virtualNetwork"]))
                })
                .collect();
            self.zone_links
                .extend(links.into_iter().map(|vnet| (zone, vnet)));
        }
        for &at in self.of_type(types::PRIVATE_ENDPOINT).to_vec().iter() {
            let resource = graph.resource(at);
            let mut target = None;
            let mut groups = Vec::new();
            for field in [
                "privateLinkServiceConnections",
                "manualPrivateLinkServiceConnections",
            ] {
                for connection in resource
                    .field(&["properties", field])
                    .map_or(&[][..], Node::as_list)
                {
                    let properties = connection.get("properties");
                    target = target.or_else(|| {
                        properties
                            .and_then(|p| p.get("privateLinkServiceId"))
                            .and_then(Node::as_template)
                            .and_then(id_of)
                    });
                    groups.extend(
                        texts(properties.and_then(|p| p.get("groupIds")))
                            .into_iter()
                            .map(|g| g.to_ascii_lowercase()),
                    );
                }
            }
            let zone_groups: Vec<ResourceIndex> =
                self.children_of_type(at, types::ZONE_GROUP).collect();
            let zones = zone_groups
                .iter()
                .flat_map(|g| {
                    graph
                        .resource(*g)
                        .field(&["properties", "privateDnsZoneConfigs"])
                        .map_or(&[][..], Node::as_list)
                })
                .map(|config| {
                    config
                        .at(&["properties", "privateDnsZoneId"])
                        .and_then(Node::as_template)
                        .and_then(id_of)
                })
                .collect();
            let subnet = self.subnet_field(resource.field(&["properties", "subnet"]));
            let position = self.endpoints.len();
            if let Some(target) = target {
                self.endpoints_by_target
                    .entry(target)
                    .or_default()
                    .push(position);
            }
            if let Some(subnet) = subnet {
                self.endpoints_by_subnet
                    .entry(subnet)
                    .or_default()
                    .push(position);
            }
            self.endpoints.push(PrivateEndpoint {
                index: at,
                target,
                groups,
                subnet,
                zone_groups,
                zones,
            });
        }
    }

    pub fn endpoints_to(&self, target: ResourceIndex) -> impl Iterator<Item = &PrivateEndpoint> {
        self.endpoints_by_target
            .get(&target)
            .into_iter()
            .flatten()
            .map(|i| &self.endpoints[*i])
    }

    pub fn endpoints_in(&self, subnet: SubnetId) -> impl Iterator<Item = &PrivateEndpoint> {
        self.endpoints_by_subnet
            .get(&subnet)
            .into_iter()
            .flatten()
            .map(|i| &self.endpoints[*i])
    }

    /// Whether a private DNS zone of this deployment is linked to a VNet.
    pub fn zone_linked(&self, zone: ResourceIndex, vnet: ResourceIndex) -> bool {
        self.zone_links.contains(&(zone, vnet))
    }

    /// Whether a private endpoint's name resolves privately from `vnet`: a zone group whose zone
    /// is linked to it (zones outside the deployment are trusted to be).
    pub fn resolves_from(&self, endpoint: &PrivateEndpoint, vnet: ResourceIndex) -> bool {
        endpoint.zones.iter().any(|zone| match zone {
            Some(zone) => self.zone_linked(*zone, vnet),
            None => true,
        }) || self.has_custom_dns(vnet)
    }

    /// A VNet with its own DNS servers forwards names elsewhere: zone links are not ours to see.
    pub fn has_custom_dns(&self, vnet: ResourceIndex) -> bool {
        !texts(
            self.graph
                .resource(vnet)
                .field(&["properties", "dhcpOptions", "dnsServers"]),
        )
        .is_empty()
    }

    // --- role assignments -----------------------------------------------------------------------

    fn index_roles(&mut self) {
        let graph = self.graph;
        for &at in self.of_type(types::ROLE_ASSIGNMENT).to_vec().iter() {
            let resource = graph.resource(at);
            let principal = resource
                .field(&["properties", "principalId"])
                .and_then(Node::as_template)
                .and_then(principal_of);
            let role = resource
                .field(&["properties", "roleDefinitionId"])
                .and_then(Node::as_template)
                .and_then(role_guid);
            let position = self.roles.len();
            if let Some(principal) = principal {
                self.roles_by_principal
                    .entry(principal)
                    .or_default()
                    .push(position);
            }
            self.roles.push(RoleAssignment {
                index: at,
                principal,
                role,
                scope: resource.scope,
            });
        }
    }

    /// Whether an assignment at `scope` applies to `target`: the target itself, one of its
    /// parents or its resource group, a child of it (a container of a storage account), or the
    /// whole deployment scope when no scope is given.
    pub fn scope_covers(&self, scope: Option<ResourceIndex>, target: ResourceIndex) -> bool {
        let Some(scope) = scope else { return true };
        self.is_within(target, scope)
            || self.is_within(scope, target)
            || self.graph.resource(target).group == Some(scope)
    }

    /// Whether `principal` holds one of `roles` (GUIDs) on `target`.
    pub fn has_role(
        &self,
        principal: ResourceIndex,
        roles: &[&str],
        target: ResourceIndex,
    ) -> bool {
        self.roles_by_principal
            .get(&principal)
            .into_iter()
            .flatten()
            .map(|i| &self.roles[*i])
            .any(|r| self.grants(r, roles, target))
    }

    /// Whether any principal (including ones outside the deployment) holds one of `roles` on
    /// `target`.
    pub fn anyone_has_role(&self, roles: &[&str], target: ResourceIndex) -> bool {
        self.roles.iter().any(|r| self.grants(r, roles, target))
    }

    fn grants(&self, assignment: &RoleAssignment, roles: &[&str], target: ResourceIndex) -> bool {
        assignment
            .role
            .as_deref()
            .is_some_and(|g| roles.contains(&g))
            && self.scope_covers(assignment.scope, target)
    }
}

/// The role definition GUID at the end of a role definition id.
fn role_guid(template: &Template) -> Option<String> {
    let Some(Part::Text(last)) = template.0.last() else {
        return None;
    };
    let guid = last.rsplit('/').next()?.trim().to_ascii_lowercase();
    (guid.len() == 36).then_some(guid)
}
