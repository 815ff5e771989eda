//! The resource graph: what one deployment creates, with every value that is known only at
//! deployment time kept symbolic.
//!
//! Emitters (ARM JSON, Bicep) and the analyser read this model and nothing else. It is built by
//! [`super::build`] from the evaluated program. Invariants the builder guarantees, so that readers
//! need not check them:
//! - every [`ResourceIndex`] names a resource of the same graph;
//! - `depends_on` holds no duplicates, never the resource itself, never its parent (a parent is
//!   an implicit dependency), and is acyclic together with parents;
//! - a resource's `group` is `Some` exactly when the target scope is the subscription and the
//!   resource is not itself a resource group (then it is the resource group it is deployed into);
//! - symbols are unique, valid identifiers in both ARM and Bicep.

use foldhash::fast::FixedState;
use indexmap::IndexMap;

use crate::source::Span;

/// Where the deployment is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetScope {
    /// `az deployment group create`: every resource goes into one resource group.
    ResourceGroup,
    /// `az deployment sub create`: resource groups are resources of the deployment, and the
    /// other resources go into them through nested deployments.
    Subscription,
}

/// Where `sblc plan` and `sblc apply` deploy when no flag or environment variable says: the
/// program's top-level `deployment` record, every field optional.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeploymentSettings {
    pub subscription: Option<String>,
    pub resource_group: Option<String>,
    pub location: Option<String>,
    pub name: Option<String>,
}

/// Index of a resource in [`Graph::resources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceIndex(pub usize);

#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    pub target: TargetScope,
    pub parameters: Vec<Parameter>,
    /// In a deterministic order: the order the program created them in.
    pub resources: Vec<Resource>,
    pub outputs: Vec<Output>,
}

impl Graph {
    pub fn resource(&self, index: ResourceIndex) -> &Resource {
        &self.resources[index.0]
    }

    pub fn indices(&self) -> impl Iterator<Item = ResourceIndex> {
        (0..self.resources.len()).map(ResourceIndex)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    /// Unique symbolic name, e.g. `hubVnet`: the Bicep symbol and the stem of nested
    /// deployment and output names.
    pub symbol: String,
    /// Full type, e.g. `Microsoft.Network/virtualNetworks/subnets`.
    pub resource_type: String,
    pub api_version: String,
    /// The resource's own name: for a child resource, only its last segment (`default`), the
    /// emitters prefix the parent's name where ARM wants the full name.
    pub name: Template,
    /// The parent, for child resources (`Microsoft.Network/virtualNetworks/subnets` under its
    /// virtual network). Its type is a prefix of this resource's type.
    pub parent: Option<ResourceIndex>,
    /// An extension resource's scope (role assignments, diagnostic settings, locks): the
    /// resource it applies to. `None` for ordinary resources.
    pub scope: Option<ResourceIndex>,
    /// The resource group this resource is deployed into, at subscription scope (see the model's
    /// invariants).
    pub group: Option<ResourceIndex>,
    /// Every other top-level field of the ARM resource, in source order: `location`, `tags`,
    /// `sku`, `kind`, `identity`, `zones`, `properties`, ...
    pub body: Fields,
    /// Resources this one must wait for, inferred from references (never written by users).
    pub depends_on: Vec<ResourceIndex>,
    /// The `.sbl` span that created the resource: the user's call site, also when a stdlib
    /// module made it.
    pub origin: Span,
    /// Where the user's code called the functions that led to `origin`, innermost first (a
    /// helper function that makes VNets has one origin; these tell its calls apart). Stdlib
    /// frames are left out.
    pub calls: Vec<Span>,
    /// Analyser findings allowed for this resource, with the user's reasons.
    pub allows: Vec<Allow>,
}

/// A finding the user allowed on a resource, with a written reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allow {
    /// The diagnostic code or RULES.md id, as written.
    pub rule: String,
    pub reason: String,
    pub span: Span,
}

/// A JSON-like value whose strings may hold deployment-time references.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Str(Template),
    List(Vec<Node>),
    /// Keys are text, but may hold reference tokens (e.g. `userAssignedIdentities` is keyed by
    /// identity ids): read them with [`super::key_template`], never as plain text.
    Object(Fields),
}

/// The fields of a [`Node::Object`] or of a resource body, in source order. Hashed with foldhash
/// (fixed seed): the analyser and the emitters look fields up by name all the time, and SipHash,
/// which guards against keys crafted to collide, made a fifth of the analysis.
pub type Fields = IndexMap<String, Node, FixedState>;

impl Node {
    /// The field `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self {
            Node::Object(fields) => field(fields, key),
            _ => None,
        }
    }

    /// Follows a path of object fields.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn as_template(&self) -> Option<&Template> {
        match self {
            Node::Str(t) => Some(t),
            _ => None,
        }
    }

    /// The text of a string without references.
    pub fn as_literal(&self) -> Option<String> {
        self.as_template().and_then(Template::as_literal)
    }

    pub fn as_list(&self) -> &[Node] {
        match self {
            Node::List(items) => items,
            _ => &[],
        }
    }
}

impl Resource {
    /// A body field by path from the top level, e.g. `["properties", "publicNetworkAccess"]`.
    pub fn field(&self, path: &[&str]) -> Option<&Node> {
        let (first, rest) = path.split_first()?;
        field(&self.body, first)?.at(rest)
    }
}

/// The field `key` of `fields`. Most objects have a handful of fields, which a scan compares
/// faster than hashing the key; the analyser reads fields by path all the time.
fn field<'f>(fields: &'f Fields, key: &str) -> Option<&'f Node> {
    const SCANNED: usize = 8;
    if fields.len() <= SCANNED {
        fields.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    } else {
        fields.get(key)
    }
}

/// A string made of literal text and references, e.g. `"${vnet.id}/subnets/pool"`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Template(pub Vec<Part>);

impl Template {
    pub fn literal(text: impl Into<String>) -> Template {
        Template(vec![Part::Text(text.into())])
    }

    /// The text, when the template holds no reference.
    pub fn as_literal(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Ref(_) => return None,
            }
        }
        Some(out)
    }

    pub fn references(&self) -> impl Iterator<Item = &Reference> {
        self.0.iter().filter_map(|p| match p {
            Part::Ref(r) => Some(r),
            Part::Text(_) => None,
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Text(String),
    Ref(Reference),
}

/// A value known only at deployment time.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reference {
    /// The resource's id: ARM `resourceId(...)`, Bicep `symbol.id`.
    Id(ResourceIndex),
    /// The resource's name (full name for child resources): ARM literal or expression, Bicep
    /// `symbol.name`. Using it still makes a dependency.
    Name(ResourceIndex),
    /// A runtime property by path from the resource's top level, e.g. `["properties",
    /// "principalId"]` or `["identity", "principalId"]`: ARM `reference(id, apiVersion,
    /// 'Full').identity.principalId`, Bicep `symbol.identity.principalId`. Numeric segments index
    /// arrays.
    Property(ResourceIndex, Vec<String>),
    /// A deployment parameter.
    Parameter(String),
    /// ARM's `guid(...)` of the arguments, computed at deployment: deterministic names for role
    /// assignments that stay unique across subscriptions.
    Guid(Vec<Template>),
    /// A fact of the deployment's context.
    Context(ContextValue),
}

/// Facts of the deployment's context, known when it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextValue {
    /// ARM `subscription().tenantId`.
    TenantId,
    /// ARM `subscription().subscriptionId`.
    SubscriptionId,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParameterType {
    String,
    /// A secret: emitted as `securestring` / `@secure()`, never given a value in any output file.
    SecureString,
    Int,
    Bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Parameter {
    pub name: String,
    pub kind: ParameterType,
    /// Never set for secure parameters.
    pub default: Option<Node>,
    pub allowed: Vec<Node>,
    pub description: Option<String>,
    pub origin: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub name: String,
    /// `string`, `int`, `bool`, `object` or `array`, as ARM spells them.
    pub kind: &'static str,
    pub value: Node,
    pub origin: Span,
}
