//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;

use sblc::diagnostic::render::render_plain;
use sblc::diagnostic::Diagnostic;
use sblc::load::{load_text, Program};
use sblc::source::{FileId, Origin, SourceMap};
use sblc::syntax::ast::*;

/// Parses `text` as a file named `main.sbl`.
pub fn parse(text: &str) -> (Module, Vec<Diagnostic>, SourceMap) {
    let mut sources = SourceMap::new();
    let file = sources.add(Origin::Disk("main.sbl".into()), "main.sbl", text);
    let (module, diagnostics) = sblc::syntax::parse(file, text);
    (module, diagnostics, sources)
}

/// The source and its rendered diagnostics side by side, for snapshots.
pub fn report(text: &str, diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code.as_str()).collect();
    format!(
        "--- source\n{text}\n--- codes: {}\n{}",
        codes.join(" "),
        render_plain(diagnostics, sources)
    )
}

/// Loads a program from text, as if it were `main.sbl` in `dir`.
pub fn load(text: &str, dir: &Path) -> (Program, Vec<Diagnostic>) {
    load_text("main.sbl", text, dir)
}

/// Runs `f` on a thread with a large stack, as the driver does.
pub fn with_big_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(f)
        .expect("spawn test thread")
        .join()
        .expect("test thread panicked")
}

pub fn first_file() -> FileId {
    FileId(0)
}

/// A compact S-expression form of an expression, to assert the shape of parse trees.
pub fn sexpr(expr: &Expr) -> String {
    match &expr.kind {
        ExprKind::Int(n) => n.to_string(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Null => "null".into(),
        ExprKind::Str(parts) => {
            let inner: Vec<String> = parts
                .iter()
                .map(|p| match p {
                    StrPart::Literal(s) => format!("{s:?}"),
                    StrPart::Interpolation(e) => format!("${{{}}}", sexpr(e)),
                })
                .collect();
            format!("(str {})", inner.join(" "))
        }
        ExprKind::Path(p) => format!("(path {p})"),
        ExprKind::Var(v) => v.name.to_string(),
        ExprKind::List(items) => format!(
            "[{}]",
            items.iter().map(sexpr).collect::<Vec<_>>().join(" ")
        ),
        ExprKind::Record {
            recursive,
            bindings,
        } => format!(
            "({}{})",
            if *recursive { "rec-record" } else { "record" },
            bindings
                .iter()
                .map(|b| format!(" {}", binding(b)))
                .collect::<String>()
        ),
        ExprKind::Let { bindings, body } => format!(
            "(let{} in {})",
            bindings
                .iter()
                .map(|b| format!(" {}", binding(b)))
                .collect::<String>(),
            sexpr(body)
        ),
        ExprKind::Lambda { param, body } => format!("(fn {} {})", param_s(param), sexpr(body)),
        ExprKind::Apply { func, arg } => format!("(app {} {})", sexpr(func), sexpr(arg)),
        ExprKind::If {
            cond,
            then_branch,
            else_branch,
        } => {
            format!(
                "(if {} {} {})",
                sexpr(cond),
                sexpr(then_branch),
                sexpr(else_branch)
            )
        }
        ExprKind::Select {
            target,
            path,
            default,
        } => format!(
            "(. {} {}{})",
            sexpr(target),
            keys(path),
            default
                .as_ref()
                .map(|d| format!(" or {}", sexpr(d)))
                .unwrap_or_default()
        ),
        ExprKind::HasField { target, path } => format!("(? {} {})", sexpr(target), keys(path)),
        ExprKind::Binary { op, lhs, rhs, .. } => {
            format!("({} {} {})", op.as_str(), sexpr(lhs), sexpr(rhs))
        }
        ExprKind::Unary { op, operand } => {
            format!(
                "({} {})",
                if *op == UnaryOp::Neg { "neg" } else { "not" },
                sexpr(operand)
            )
        }
        ExprKind::Assert {
            cond,
            message,
            body,
        } => format!(
            "(assert {}{} {})",
            sexpr(cond),
            message
                .as_ref()
                .map(|m| format!(" {}", sexpr(m)))
                .unwrap_or_default(),
            sexpr(body)
        ),
        ExprKind::Import(ImportTarget::File { path, .. }) => format!("(import {path})"),
        ExprKind::Import(ImportTarget::Stdlib { name, .. }) => format!("(import <{name}>)"),
        ExprKind::Annotated { expr, ty } => format!("(:: {} {})", sexpr(expr), type_s(ty)),
        ExprKind::Error => "ERROR".into(),
    }
}

fn keys(path: &[Key]) -> String {
    path.iter().map(|k| &*k.name).collect::<Vec<_>>().join(".")
}

fn binding(b: &Binding) -> String {
    match &b.kind {
        BindingKind::Field { path, ty, value } => format!(
            "({}{} = {})",
            keys(path),
            ty.as_ref()
                .map(|t| format!(" :: {}", type_s(t)))
                .unwrap_or_default(),
            sexpr(value)
        ),
        BindingKind::Inherit { source, names } => format!(
            "(inherit{}{})",
            source
                .as_ref()
                .map(|s| format!(" ({})", sexpr(s)))
                .unwrap_or_default(),
            names
                .iter()
                .map(|n| format!(" {}", n.name))
                .collect::<String>()
        ),
        BindingKind::TypeAlias { name, ty } => format!("(type {} = {})", name.name, type_s(ty)),
    }
}

fn param_s(param: &Param) -> String {
    match param {
        Param::Name { name, ty } => match ty {
            Some(t) => format!("({} :: {})", name.name, type_s(t)),
            None => name.name.to_string(),
        },
        Param::Pattern {
            fields, open, bind, ..
        } => {
            let mut items: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}{}{}",
                        f.name.name,
                        f.ty.as_ref()
                            .map(|t| format!(" :: {}", type_s(t)))
                            .unwrap_or_default(),
                        f.default
                            .as_ref()
                            .map(|d| format!(" ? {}", sexpr(d)))
                            .unwrap_or_default()
                    )
                })
                .collect();
            if *open {
                items.push("...".into());
            }
            format!(
                "{{{}}}{}",
                items.join(", "),
                bind.as_ref()
                    .map(|b| format!("@{}", b.name))
                    .unwrap_or_default()
            )
        }
    }
}

pub fn type_s(ty: &TypeExpr) -> String {
    match &ty.kind {
        TypeKind::Named(n) => n.name.to_string(),
        TypeKind::List(t) => format!("(List {})", type_s(t)),
        TypeKind::Record { fields, open } => {
            let mut items: Vec<String> = fields
                .iter()
                .map(|f| {
                    format!(
                        "{}{}: {}",
                        f.key.name,
                        if f.optional { "?" } else { "" },
                        type_s(&f.ty)
                    )
                })
                .collect();
            if *open {
                items.push("...".into());
            }
            format!("{{{}}}", items.join(", "))
        }
        TypeKind::StrLiteral(s) => format!("{s:?}"),
        TypeKind::Union(members) => format!(
            "({})",
            members.iter().map(type_s).collect::<Vec<_>>().join(" | ")
        ),
        TypeKind::Function(a, b) => format!("({} -> {})", type_s(a), type_s(b)),
        TypeKind::Error => "ERROR".into(),
    }
}

/// The fenced code blocks of a Markdown text, as (language, body).
pub fn markdown_blocks(text: &str) -> Vec<(String, String)> {
    let mut blocks = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let body: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .collect();
            blocks.push((lang.trim().to_string(), body.join("\n")));
        }
    }
    blocks
}
