//! Phase 7, optional: deploying a build to Azure through the Resource Manager REST API.

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
