//! Phase 2: the whole program.
//!
//! Starting from the entry file, parse every file it imports, transitively: `import ./x.sbl`
//! resolves against the importing file's folder, `import <batch>` against the stdlib embedded in
//! the binary. Imports are static (the target is a literal), so the set of files is known before
//! type checking and evaluation, and `build --watch` knows exactly which files to watch. A cycle
//! of imports is reported with the chain that closes it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::source::{FileId, Origin, SourceMap, Span};
use crate::syntax::ast::{
    Binding, BindingKind, Expr, ExprKind, ImportTarget, Module, Param, StrPart,
};
use crate::syntax::parse;

/// The stdlib modules shipped in the binary: `import <name>`. `<azure>` holds the building
/// blocks the others share.
pub const STDLIB: &[(&str, &str)] = &[
    ("azure", include_str!("../stdlib/azure.sbl")),
    ("batch", include_str!("../stdlib/batch.sbl")),
    ("hub", include_str!("../stdlib/hub.sbl")),
    (
        "secure-storage",
        include_str!("../stdlib/secure-storage.sbl"),
    ),
    ("spoke", include_str!("../stdlib/spoke.sbl")),
];

/// Every file of a program, parsed, with its imports resolved.
#[derive(Debug, Default)]
pub struct Program {
    pub sources: SourceMap,
    pub modules: HashMap<FileId, Module>,
    pub entry: FileId,
    /// The file each `import` resolves to, keyed by the span of its target.
    pub imports: HashMap<Span, FileId>,
    /// Files in dependency order: every file comes after the files it imports.
    pub order: Vec<FileId>,
}

impl Program {
    pub fn module(&self, file: FileId) -> &Module {
        &self.modules[&file]
    }

    /// The folder that relative paths in `file` are resolved against (none for stdlib files).
    pub fn base_dir(&self, file: FileId) -> Option<&Path> {
        match &self.sources.get(file).origin {
            Origin::Disk(path) => path.parent(),
            Origin::Stdlib(_) => None,
        }
    }

    /// Paths on disk of every file in the program (for watching).
    pub fn disk_files(&self) -> Vec<PathBuf> {
        self.sources
            .files()
            .filter_map(|(_, f)| match &f.origin {
                Origin::Disk(p) => Some(p.clone()),
                Origin::Stdlib(_) => None,
            })
            .collect()
    }
}

/// Loads the program whose entry is the file at `path`.
pub fn load_file(path: &Path) -> Result<(Program, Vec<Diagnostic>), std::io::Error> {
    let text = std::fs::read_to_string(path)?;
    let canonical = std::fs::canonicalize(path)?;
    Ok(load_with_entry(
        Origin::Disk(canonical),
        path.display().to_string(),
        text,
    ))
}

/// Loads a stdlib module as the entry of a program (for its reference documentation).
pub fn load_stdlib(name: &str) -> Option<(Program, Vec<Diagnostic>)> {
    let (_, text) = STDLIB.iter().find(|(n, _)| *n == name)?;
    Some(load_with_entry(
        Origin::Stdlib(name.to_string()),
        format!("<{name}>"),
        text.to_string(),
    ))
}

/// Loads a program whose entry text is given directly; relative imports resolve against `dir`.
pub fn load_text(name: &str, text: &str, dir: &Path) -> (Program, Vec<Diagnostic>) {
    load_with_entry(
        Origin::Disk(dir.join(name)),
        name.to_string(),
        text.to_string(),
    )
}

fn load_with_entry(origin: Origin, name: String, text: String) -> (Program, Vec<Diagnostic>) {
    let mut loader = Loader::default();
    let entry = loader.program.sources.add(origin, name, text);
    loader.program.entry = entry;
    loader.visit(entry);
    (loader.program, loader.diagnostics)
}

#[derive(Default)]
struct Loader {
    program: Program,
    diagnostics: Vec<Diagnostic>,
    /// Files being loaded, with the import that led to the next one: the current chain.
    stack: Vec<(FileId, Option<Span>)>,
}

impl Loader {
    fn visit(&mut self, file: FileId) {
        let text = self.program.sources.get(file).text.clone();
        let (module, diagnostics) = parse(file, &text);
        self.diagnostics.extend(diagnostics);
        let mut targets = Vec::new();
        collect_imports(&module.body, &mut targets);
        self.program.modules.insert(file, module);
        self.stack.push((file, None));
        for target in targets {
            self.stack
                .last_mut()
                .expect("current file is on the stack")
                .1 = Some(target_span(&target));
            if let Some(imported) = self.resolve(file, &target) {
                self.program.imports.insert(target_span(&target), imported);
            }
        }
        self.stack.pop();
        self.program.order.push(file);
    }

    fn resolve(&mut self, from: FileId, target: &ImportTarget) -> Option<FileId> {
        let (origin, name, span) = match target {
            ImportTarget::Stdlib { name, span } => {
                let Some((_, _)) = STDLIB.iter().find(|(n, _)| *n == &**name) else {
                    let mut d = Diagnostic::new(
                        Code::UnknownStdlibModule,
                        format!("there is no stdlib module `<{name}>`"),
                        *span,
                        "unknown module",
                    );
                    let names = STDLIB.iter().map(|(n, _)| *n);
                    d = match did_you_mean(name, names) {
                        Some(best) => d.with_help(format!("did you mean `<{best}>`?")),
                        None => d.with_help(format!(
                            "the stdlib modules are: {}",
                            STDLIB
                                .iter()
                                .map(|(n, _)| format!("<{n}>"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    };
                    self.diagnostics.push(d);
                    return None;
                };
                (Origin::Stdlib(name.to_string()), format!("<{name}>"), *span)
            }
            ImportTarget::File { path, span } => {
                let Some(base) = self.program.base_dir(from) else {
                    self.diagnostics.push(Diagnostic::new(
                        Code::ImportNotFound,
                        format!("stdlib modules cannot import files (`{path}`)"),
                        *span,
                        "not a stdlib module",
                    ));
                    return None;
                };
                // `./a/../b` stays as written on disk; only the leading `./` is dropped.
                let joined = base.join(path.trim_start_matches("./"));
                let canonical = match std::fs::canonicalize(&joined) {
                    Ok(p) => p,
                    Err(_) => {
                        self.diagnostics.push(
                            Diagnostic::new(
                                Code::ImportNotFound,
                                format!("cannot find `{path}`"),
                                *span,
                                "no such file",
                            )
                            .with_note(format!("looked for {}", joined.display())),
                        );
                        return None;
                    }
                };
                (Origin::Disk(canonical), path.to_string(), *span)
            }
        };
        if let Some(existing) = self.existing(&origin) {
            if let Some(pos) = self.stack.iter().position(|(f, _)| *f == existing) {
                self.report_cycle(pos, span);
                return None;
            }
            return Some(existing);
        }
        let text = match &origin {
            Origin::Stdlib(n) => STDLIB
                .iter()
                .find(|(m, _)| m == n)
                .map(|(_, t)| t.to_string()),
            Origin::Disk(p) => match std::fs::read_to_string(p) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.diagnostics.push(Diagnostic::new(
                        Code::ImportUnreadable,
                        format!("cannot read `{name}`: {e}"),
                        span,
                        "imported here",
                    ));
                    return None;
                }
            },
        }?;
        let display = match &origin {
            Origin::Disk(p) => relative_display(p, self.program.base_dir(self.program.entry)),
            Origin::Stdlib(_) => name,
        };
        let id = self.program.sources.add(origin, display, text);
        self.visit(id);
        Some(id)
    }

    fn existing(&self, origin: &Origin) -> Option<FileId> {
        self.program
            .sources
            .files()
            .find(|(_, f)| &f.origin == origin)
            .map(|(id, _)| id)
    }

    fn report_cycle(&mut self, from: usize, closing: Span) {
        let chain: Vec<String> = self.stack[from..]
            .iter()
            .map(|(f, _)| self.program.sources.get(*f).name.clone())
            .chain(std::iter::once(
                self.program.sources.get(self.stack[from].0).name.clone(),
            ))
            .collect();
        let mut d = Diagnostic::new(
            Code::ImportCycle,
            format!("import cycle: {}", chain.join(" → ")),
            closing,
            "this import closes the cycle",
        );
        for (_, span) in &self.stack[from..self.stack.len() - 1] {
            if let Some(span) = span {
                d = d.with_label(*span, "imported here");
            }
        }
        self.diagnostics
            .push(d.with_help("move what both files need into a third file that imports neither"));
    }
}

fn relative_display(path: &Path, base: Option<&Path>) -> String {
    base.and_then(|b| path.strip_prefix(b).ok())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn target_span(target: &ImportTarget) -> Span {
    match target {
        ImportTarget::File { span, .. } | ImportTarget::Stdlib { span, .. } => *span,
    }
}

/// Every `import` in an expression, in source order.
fn collect_imports(expr: &Expr, out: &mut Vec<ImportTarget>) {
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match &expr.kind {
            ExprKind::Import(target) => out.push(target.clone()),
            ExprKind::Str(parts) => stack.extend(parts.iter().filter_map(|p| match p {
                StrPart::Interpolation(e) => Some(e),
                StrPart::Literal(_) => None,
            })),
            ExprKind::List(items) => stack.extend(items),
            ExprKind::Record { bindings, .. } => push_bindings(bindings, &mut stack),
            ExprKind::Let { bindings, body } => {
                push_bindings(bindings, &mut stack);
                stack.push(body);
            }
            ExprKind::Lambda { param, body } => {
                if let Param::Pattern { fields, .. } = &**param {
                    stack.extend(fields.iter().filter_map(|f| f.default.as_ref()));
                }
                stack.push(body);
            }
            ExprKind::Apply { func, arg } => stack.extend([&**func, &**arg]),
            ExprKind::If {
                cond,
                then_branch,
                else_branch,
            } => stack.extend([&**cond, &**then_branch, &**else_branch]),
            ExprKind::Select {
                target, default, ..
            } => {
                stack.push(target);
                stack.extend(default.as_deref());
            }
            ExprKind::HasField { target, .. } => stack.push(target),
            ExprKind::Binary { lhs, rhs, .. } => stack.extend([&**lhs, &**rhs]),
            ExprKind::Unary { operand, .. } => stack.push(operand),
            ExprKind::Assert {
                cond,
                message,
                body,
            } => {
                stack.extend([&**cond, &**body]);
                stack.extend(message.as_deref());
            }
            ExprKind::Annotated { expr, .. } => stack.push(expr),
            ExprKind::Int(_)
            | ExprKind::Bool(_)
            | ExprKind::Null
            | ExprKind::Path(_)
            | ExprKind::Var(_)
            | ExprKind::Error => {}
        }
    }
    out.sort_by_key(|t| target_span(t).start);
}

fn push_bindings<'a>(bindings: &'a [Binding], stack: &mut Vec<&'a Expr>) {
    for b in bindings {
        match &b.kind {
            BindingKind::Field { value, .. } => stack.push(value),
            BindingKind::Inherit {
                source: Some(source),
                ..
            } => stack.push(source),
            BindingKind::Inherit { source: None, .. } | BindingKind::TypeAlias { .. } => {}
        }
    }
}
