//! Phase 7, optional: deploying a build to Azure through the Resource Manager REST API.
//!
//! Reads the build (the ARM template, the resource graph for each resource's `.sbl` origin, the
//! start-task files to upload) and talks to Azure; nothing here changes a build.
//!
//! - [`cloud`]: endpoints of the public, US Government and China clouds, and overrides;
//! - [`auth`]: credentials (service principal, workload identity, managed identity, Azure CLI),
//!   tried in a documented order;
//! - [`http`]: the HTTPS client, timeouts and bounded retries honouring `Retry-After`;
//! - [`arm`]: the Resource Manager calls (what-if, deployments and their operations, cancel,
//!   resources, role assignments) and ARM's errors as data;
//! - [`whatif`]: the plan, rendered per resource group with origins; [`origins`] maps resource
//!   ids back to the program;
//! - [`live`]: the live state for the analyser's deployment rules (RULES.md CK5, BA4);
//! - [`template`]: deployment bodies, and the foundation template without pools;
//! - [`upload`]: start-task scripts and packages into Blob storage, skipped when current;
//! - [`apply`]: the order of a whole apply.

pub mod apply;
pub mod arm;
pub mod auth;
pub mod cloud;
pub mod http;
pub mod live;
pub mod origins;
pub mod template;
pub mod upload;
pub mod whatif;
