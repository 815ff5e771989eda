//! Bicep files (stub).
use std::path::PathBuf;

use crate::graph::Graph;

use super::Metadata;

pub struct BicepFile {
    pub path: PathBuf,
    pub contents: String,
    pub parameter_count: usize,
    pub output_count: usize,
}

pub fn bicep_files(_graph: &Graph, _meta: &Metadata) -> Vec<BicepFile> {
    Vec::new()
}
