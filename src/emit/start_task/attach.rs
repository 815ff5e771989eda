//! Wires start tasks into the graph's pools, before the templates are written.
//!
//! The `<batch>` stdlib module (or a hand-written pool) puts the packages a pool needs in the
//! compiler-only field `sblcStartTask` of the pool: `{ os, clientId, packages }`. For each such
//! pool this step removes the field (Azure would reject it), generates the pool's script as a file
//! of the build, and puts the real `startTask` into the pool's properties, with the identity's
//! client id and resource id as deployment-time references.

use std::path::{Path, PathBuf};

use super::{
    output_file, script_blob_url, sha256_hex, sha256_of_file, start_task, unreadable_package,
    validate, Upload, UploadSource,
};
use super::{Os, Package, StartTaskSpec};
use crate::diagnostic::{Code, Diagnostic};
use crate::graph::{Fields, Graph, Node, Part, Reference, Template};
use crate::output::OutputFile;
use crate::source::Span;

const POOL_TYPE: &str = "Microsoft.Batch/batchAccounts/pools";
const FIELD: &str = "sblcStartTask";

/// What attaching the start tasks adds to a build.
#[derive(Debug, Default)]
pub struct Attached {
    /// The scripts, as files of the build.
    pub files: Vec<OutputFile>,
    /// What the deploy step puts in storage: each script and each local package zip.
    pub uploads: Vec<Upload>,
}

/// Attaches every pool's start task; returns the scripts to write and the blobs to upload. Local
/// package files are read relative to `base_dir` (the entry file's folder) to compute their
/// SHA-256.
pub fn attach(graph: &mut Graph, base_dir: &Path) -> Result<Attached, Vec<Diagnostic>> {
    let mut attached = Attached::default();
    let mut diagnostics = Vec::new();
    for resource in &mut graph.resources {
        let Some(request) = resource.body.shift_remove(FIELD) else {
            continue;
        };
        if matches!(request, Node::Null) {
            continue;
        }
        if !resource.resource_type.eq_ignore_ascii_case(POOL_TYPE) {
            diagnostics.push(malformed(
                resource.origin,
                "only Batch pools have start tasks",
            ));
            continue;
        }
        let pool = resource
            .name
            .as_literal()
            .unwrap_or_else(|| resource.symbol.clone());
        let Some((spec, client_id, sources)) =
            read_request(&request, pool, base_dir, resource.origin, &mut diagnostics)
        else {
            continue;
        };
        let problems = validate(
            &spec,
            resource.origin,
            &vec![resource.origin; spec.packages.len()],
        );
        if !problems.is_empty() {
            diagnostics.extend(problems);
            continue;
        }
        let Some(identity) = client_id.references().find_map(|r| match r {
            Reference::Property(index, _) => Some(*index),
            _ => None,
        }) else {
            diagnostics.push(malformed(
                resource.origin,
                "`clientId` must be `ref identity \"properties.clientId\"`",
            ));
            continue;
        };
        let Some(url) = script_blob_url(&spec) else {
            continue;
        };
        let mut task = json_node(&start_task(&spec, &url, ""));
        set(&mut task, &["environmentSettings"], |settings| {
            if let Node::List(items) = settings {
                if let Some(Node::Object(first)) = items.first_mut() {
                    first.insert("value".into(), Node::Str(client_id.clone()));
                }
            }
        });
        set(&mut task, &["resourceFiles"], |files| {
            if let Node::List(items) = files {
                if let Some(Node::Object(first)) = items.first_mut() {
                    let id = Node::Str(Template(vec![Part::Ref(Reference::Id(identity))]));
                    first.insert(
                        "identityReference".into(),
                        Node::Object(Fields::from_iter([("resourceId".into(), id)])),
                    );
                }
            }
        });
        match resource.body.get_mut("properties") {
            Some(Node::Object(properties)) => {
                properties.insert("startTask".into(), task);
            }
            _ => {
                diagnostics.push(malformed(
                    resource.origin,
                    "the pool has no `properties` record",
                ));
                continue;
            }
        }
        let script = output_file(&spec);
        attached.uploads.push(Upload {
            blob_url: url,
            sha256: sha256_hex(script.contents.as_bytes()),
            source: UploadSource::Script(script.path.clone(), script.contents.clone()),
            origin: resource.origin,
        });
        for (package, source) in spec.packages.iter().zip(sources) {
            attached.uploads.push(Upload {
                blob_url: package.blob_url.clone(),
                sha256: package.sha256.clone(),
                source: source.map_or(UploadSource::Elsewhere, UploadSource::File),
                origin: resource.origin,
            });
        }
        attached.files.push(script);
    }
    if diagnostics.is_empty() {
        Ok(attached)
    } else {
        Err(diagnostics)
    }
}

fn read_request(
    request: &Node,
    pool: String,
    base_dir: &Path,
    origin: Span,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(StartTaskSpec, Template, Vec<Option<PathBuf>>)> {
    let os = match request.get("os").and_then(Node::as_literal).as_deref() {
        Some("linux") => Os::Linux,
        Some("windows") => Os::Windows,
        _ => {
            diagnostics.push(malformed(origin, "`os` must be \"linux\" or \"windows\""));
            return None;
        }
    };
    let Some(client_id) = request.get("clientId").and_then(Node::as_template).cloned() else {
        diagnostics.push(malformed(origin, "`clientId` is missing"));
        return None;
    };
    let mut packages = Vec::new();
    let mut sources = Vec::new();
    for package in request
        .get("packages")
        .map(Node::as_list)
        .unwrap_or_default()
    {
        let text = |key: &str| {
            package
                .get(key)
                .and_then(Node::as_literal)
                .unwrap_or_default()
        };
        let local = package.get("file").and_then(Node::as_literal).map(|file| {
            let relative: PathBuf = Path::new(&file)
                .components()
                .filter(|c| *c != std::path::Component::CurDir)
                .collect();
            base_dir.join(relative)
        });
        let sha256 = match (package.get("sha256").and_then(Node::as_literal), &local) {
            (Some(hash), _) => hash,
            (None, Some(path)) => match sha256_of_file(path) {
                Ok(hash) => hash,
                Err(error) => {
                    diagnostics.push(unreadable_package(path, &error, origin));
                    continue;
                }
            },
            (None, None) => {
                diagnostics.push(malformed(
                    origin,
                    "a package needs `sha256` or a local `file`",
                ));
                continue;
            }
        };
        sources.push(local);
        packages.push(Package {
            name: text("name"),
            version: text("version"),
            blob_url: text("url"),
            sha256,
        });
    }
    // The client id is known at deployment only: the script receives it in its environment.
    let spec = StartTaskSpec {
        pool,
        os,
        client_id: "[deployment]".into(),
        packages,
    };
    Some((spec, client_id, sources))
}

fn malformed(span: Span, detail: &str) -> Diagnostic {
    Diagnostic::new(
        Code::InvalidStartTaskPool,
        format!("this pool's start task cannot be generated: {detail}"),
        span,
        "pool declared here",
    )
}

fn json_node(value: &serde_json::Value) -> Node {
    match value {
        serde_json::Value::Null => Node::Null,
        serde_json::Value::Bool(b) => Node::Bool(*b),
        serde_json::Value::Number(n) => Node::Int(n.as_i64().unwrap_or_default()),
        serde_json::Value::String(s) => Node::Str(Template::literal(s.clone())),
        serde_json::Value::Array(items) => Node::List(items.iter().map(json_node).collect()),
        serde_json::Value::Object(fields) => Node::Object(
            fields
                .iter()
                .map(|(k, v)| (k.clone(), json_node(v)))
                .collect(),
        ),
    }
}

fn set(node: &mut Node, path: &[&str], change: impl FnOnce(&mut Node)) {
    let mut current = node;
    for key in path {
        match current {
            Node::Object(fields) => match fields.get_mut(*key) {
                Some(next) => current = next,
                None => return,
            },
            _ => return,
        }
    }
    change(current);
}
