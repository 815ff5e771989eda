//! Phase 6: the analyser. Security and consistency rules across the resources of one deployment
//! (`shared/reference/RULES.md`), run on the resource graph before anything is emitted.
//!
//! Each rule family has its own module; every finding is a [`Diagnostic`] with a stable code
//! (one per RULES.md id), a message that says what Azure does if the template is deployed as is,
//! a label at every resource involved (their `.sbl` call sites) and the fix in `help`.
//!
//! - Profiles: codes of [`Level::Security`] are errors under [`Profile::Strict`] (the default)
//!   and warnings under [`Profile::Relaxed`].
//! - Allows: a resource's `allow = [ { rule = "ST1"; reason = "..."; } ]` suppresses that rule's
//!   findings that involve the resource; the allows used are returned with their reasons (the
//!   emitters write them into template metadata). A blank reason is an error (E0691); an allow
//!   that suppresses nothing is a warning (W0692).
//! - Live state ([`LiveState`]): the rules that compare with what already exists in Azure (CK5,
//!   BA4) run only when a recorded state is given.
//!
//! The graph is indexed once ([`index`]); every rule is linear in the size of the graph.

mod allows;
mod batch;
mod cmk;
mod egress;
mod hub;
mod identity;
pub mod index;
mod keyvault;
pub mod live;
mod network;
mod nsg;
mod pool;
pub mod pools;
mod private_link;
pub mod read;
mod routing;
mod storage;

pub use live::LiveState;

use crate::diagnostic::{Code, Diagnostic, Level, Severity};
use crate::graph::{Allow, Graph, ResourceIndex};
use index::{FastMap, Index};
use pools::Pool;

/// How security findings count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    /// Security findings are errors.
    #[default]
    Strict,
    /// Security findings are warnings.
    Relaxed,
}

#[derive(Clone, Debug, Default)]
pub struct Options {
    pub profile: Profile,
    /// What exists in Azure already (plan/apply): enables CK5 and BA4.
    pub live_state: Option<LiveState>,
}

/// The analyser's result.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Findings not allowed, plus problems with the allows themselves, in a stable order.
    pub diagnostics: Vec<Diagnostic>,
    /// The allows that suppressed at least one finding, with their resources.
    pub allowed: Vec<(ResourceIndex, Allow)>,
}

/// Runs every rule; the diagnostics only.
pub fn analyse(graph: &Graph, options: &Options) -> Vec<Diagnostic> {
    run(graph, options).diagnostics
}

/// Runs every rule, applies allows and the profile.
pub fn run(graph: &Graph, options: &Options) -> Analysis {
    let index = Index::new(graph);
    let pools = pools::read_pools(&index);
    let nsg_rules = index
        .of_type(read::types::NSG)
        .iter()
        .map(|&n| (n, nsg::rules_of(&index, n)))
        .collect();
    let routes = index
        .of_type(read::types::ROUTE_TABLE)
        .iter()
        .map(|&t| (t, routing::routes_of(&index, t)))
        .collect();
    let cx = Context {
        index,
        pools,
        nsg_rules,
        routes,
        live: options.live_state.as_ref(),
    };
    let mut findings = Vec::new();
    identity::check(&cx, &mut findings);
    storage::check(&cx, &mut findings);
    batch::check(&cx, &mut findings);
    pool::check(&cx, &mut findings);
    egress::check(&cx, &mut findings);
    cmk::check(&cx, &mut findings);
    network::check(&cx, &mut findings);
    hub::check(&cx, &mut findings);
    private_link::check(&cx, &mut findings);
    keyvault::check(&cx, &mut findings);
    let mut analysis = allows::apply(graph, findings);
    for diagnostic in &mut analysis.diagnostics {
        if diagnostic.code.info().level == Level::Security {
            diagnostic.severity = match options.profile {
                Profile::Strict => Severity::Error,
                Profile::Relaxed => Severity::Warning,
            };
        }
    }
    analysis
}

/// What every rule reads.
pub(crate) struct Context<'g> {
    pub index: Index<'g>,
    pub pools: Vec<Pool<'g>>,
    /// The rules of each NSG, by priority, read once.
    nsg_rules: FastMap<ResourceIndex, Vec<nsg::SecurityRule>>,
    /// The routes of each route table, read once.
    routes: FastMap<ResourceIndex, Vec<routing::Route<'g>>>,
    pub live: Option<&'g LiveState>,
}

impl<'g> Context<'g> {
    /// A finding about `at`, labelled at its call site.
    pub fn finding(
        &self,
        code: Code,
        at: ResourceIndex,
        message: impl Into<String>,
        label: impl Into<String>,
    ) -> Finding {
        let origin = self.index.resource(at).origin;
        Finding {
            diagnostic: Diagnostic::new(code, message, origin, label),
            resources: vec![at],
        }
    }

    pub fn nsg_rules(&self, nsg: ResourceIndex) -> &[nsg::SecurityRule] {
        self.nsg_rules.get(&nsg).map_or(&[], Vec::as_slice)
    }

    pub fn routes(&self, table: ResourceIndex) -> &[routing::Route<'g>] {
        self.routes.get(&table).map_or(&[], Vec::as_slice)
    }

    pub fn name(&self, at: ResourceIndex) -> String {
        read::display(self.index.resource(at))
    }
}

/// A diagnostic and the resources it involves (an allow on any of them suppresses it).
#[derive(Debug)]
pub(crate) struct Finding {
    pub diagnostic: Diagnostic,
    pub resources: Vec<ResourceIndex>,
}

impl Finding {
    /// Another resource involved, labelled at its call site (once per place in the source).
    pub fn also(mut self, cx: &Context, at: ResourceIndex, label: impl Into<String>) -> Finding {
        if self.resources.contains(&at) {
            return self;
        }
        self.resources.push(at);
        let origin = cx.index.resource(at).origin;
        let d = &self.diagnostic;
        if d.primary.span != origin && d.secondary.iter().all(|l| l.span != origin) {
            self.diagnostic = self.diagnostic.with_label(origin, label);
        }
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.diagnostic = self.diagnostic.with_help(help);
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.diagnostic = self.diagnostic.with_note(note);
        self
    }
}
