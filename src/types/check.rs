//! The checker's state, the walk over the files of a program, and shared helpers.
//!
//! One [`Checker`] checks every file of a program, in dependency order, sharing one table of
//! type variables, so that the (generalised) type of a file can be instantiated wherever it is
//! imported. The expression walk itself lives in `infer.rs` and its siblings, which all add
//! methods to [`Checker`].

use std::collections::HashMap;
use std::rc::Rc;

use super::builtins::{builtins_record, signature, BUILTIN_NAMES};
use super::env::{Alias, NameMap, Scheme, Scoped};
use super::fits::{fits, Mismatch};
use super::ty::Type;
use super::vars::VarTable;
use super::TypeReport;
use crate::diagnostic::{did_you_mean, Code, Diagnostic};
use crate::load::Program;
use crate::source::{FileId, Span};
use crate::syntax::ast::{Ident, ImportTarget};

/// Deeper expressions than this are not checked (they get `Any`): the parser bounds bracket
/// nesting, but a long chain of operators is deep too, and the stack must not overflow.
const MAX_DEPTH: u32 = 10_000;

/// How many distinct unknown names get a "did you mean" (each compares with every name in
/// scope; a generated file with thousands of unknown names must still be reported quickly).
const MAX_SUGGESTED_NAMES: usize = 50;

/// A secondary label explaining where an expected type comes from.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Because<'a> {
    pub span: Span,
    pub message: &'a str,
}

pub(crate) struct Checker<'p> {
    pub program: &'p Program,
    pub vars: VarTable,
    /// The let-nesting level: fresh variables get it, generalisation is relative to it.
    pub level: u32,
    pub env: Scoped<Scheme>,
    pub aliases: Scoped<Alias<'p>>,
    pub diagnostics: Vec<Diagnostic>,
    /// The generalised type of each file checked so far.
    pub modules: HashMap<FileId, Scheme>,
    /// "did you mean" answers for unknown variables, by name.
    suggestions: NameMap<Rc<str>, Option<Rc<str>>>,
    depth: u32,
}

impl<'p> Checker<'p> {
    pub fn new(program: &'p Program) -> Checker<'p> {
        let mut checker = Checker {
            program,
            vars: VarTable::default(),
            level: 0,
            env: Scoped::default(),
            aliases: Scoped::default(),
            diagnostics: Vec::new(),
            modules: HashMap::new(),
            suggestions: NameMap::default(),
            depth: 0,
        };
        for name in BUILTIN_NAMES {
            if let Some(ty) = signature(name, &mut checker.vars) {
                checker.bind_builtin(name, ty);
            }
        }
        let record = builtins_record(&mut checker.vars);
        checker.bind_builtin("builtins", record);
        checker
    }

    fn bind_builtin(&mut self, name: &str, ty: Type) {
        // Signatures are created generic: this only tells whether they have variables (those
        // without, such as `toString`, are used without instantiating them).
        let poly = self.vars.generalise(&ty, 0);
        let scheme = Scheme {
            ty,
            poly,
            span: None,
        };
        self.env.bind(name.into(), scheme);
    }

    /// Checks every file of the program, dependencies first.
    pub fn run(mut self) -> TypeReport {
        let program = self.program;
        for file in &program.order {
            let Some(module) = program.modules.get(file) else {
                continue;
            };
            let first_diagnostic = self.diagnostics.len();
            self.level = 1;
            let ty = self.infer(&module.body);
            self.level = 0;
            // Binding groups are checked dependencies first; report in source order.
            self.diagnostics[first_diagnostic..].sort_by_key(|d| {
                (
                    d.primary.span.file,
                    d.primary.span.start,
                    d.primary.span.end,
                )
            });
            let poly = self.vars.generalise(&ty, 0);
            self.modules.insert(
                *file,
                Scheme {
                    ty,
                    poly,
                    span: Some(module.body.span),
                },
            );
        }
        let mut module_types = HashMap::new();
        for (file, scheme) in &self.modules {
            module_types.insert(*file, self.vars.zonk(&scheme.ty));
        }
        TypeReport {
            diagnostics: self.diagnostics,
            module_types,
        }
    }

    /// Runs `f` one level deeper in the expression tree, or returns `Any` past [`MAX_DEPTH`].
    pub(crate) fn deeper(&mut self, f: impl FnOnce(&mut Self) -> Type) -> Type {
        if self.depth >= MAX_DEPTH {
            return Type::Any;
        }
        self.depth += 1;
        let ty = f(self);
        self.depth -= 1;
        ty
    }

    pub(crate) fn report(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(crate) fn fresh(&mut self) -> Type {
        self.vars.fresh(self.level)
    }

    /// `ty` printed in `.sbl` syntax for a message, with solved variables replaced by their
    /// solutions; very long types (big records) are cut short.
    pub(crate) fn show(&mut self, ty: &Type) -> String {
        super::report::shorten(self.vars.zonk(ty).to_string(), 120)
    }

    /// The type of a variable, instantiated; unknown names are reported.
    pub(crate) fn lookup(&mut self, name: &Ident) -> Type {
        match self.env.get(&name.name) {
            Some(scheme) if scheme.poly => {
                let ty = scheme.ty.clone();
                self.vars.instantiate(&ty, self.level)
            }
            Some(scheme) => scheme.ty.clone(),
            None => {
                self.report_unknown_variable(name);
                Type::Any
            }
        }
    }

    /// The type of field `key` of variable `name`, instantiated, when `name` is polymorphic and
    /// certainly a record with that field: the same type as [`lookup`](Self::lookup) and then
    /// selecting `key`, without copying the other fields.
    pub(crate) fn lookup_field(&mut self, name: &Ident, key: &str) -> Option<Type> {
        // Past the depth limit the variable itself is not looked up (see `deeper`).
        if self.depth >= MAX_DEPTH {
            return None;
        }
        let scheme = self.env.get(&name.name).filter(|s| s.poly)?;
        let ty = scheme.ty.clone();
        let Type::Record(record) = self.vars.shallow(&ty) else {
            return None;
        };
        let field = record.fields.get(key)?.ty.clone();
        Some(self.vars.instantiate(&field, self.level))
    }

    fn report_unknown_variable(&mut self, name: &Ident) {
        let mut diagnostic = Diagnostic::new(
            Code::UnknownVariable,
            format!("unknown variable `{}`", name.name),
            name.span,
            "not in scope",
        );
        // A generated file may misspell one name thousands of times: look each up once (the
        // suggestion is used again while it is in scope).
        let cached = self.suggestions.get(&name.name).cloned();
        let best = match cached {
            Some(Some(best)) if self.env.get(&best).is_some() => Some(best.to_string()),
            Some(None) => None,
            _ if self.suggestions.len() >= MAX_SUGGESTED_NAMES => None,
            _ => {
                // A cheap first cut (`did_you_mean`'s limit, plus one for a transposition, which plain
                // Levenshtein counts twice) before the costlier comparison of `did_you_mean`.
                let wanted = name.name.chars().count();
                let limit = (wanted / 3).max(1) + usize::from(wanted > 6) + 1;
                let near = self.env.names().filter(|n| {
                    n.chars().count().abs_diff(wanted) <= limit
                        && strsim::levenshtein(n, &name.name) <= limit
                });
                let best = did_you_mean(&name.name, near).map(str::to_string);
                self.suggestions
                    .insert(name.name.clone(), best.as_deref().map(Rc::from));
                best
            }
        };
        if let Some(best) = best {
            diagnostic = match self.env.get(&best).and_then(|s| s.span) {
                Some(span) => diagnostic
                    .with_label(span, format!("`{best}` is defined here"))
                    .with_help(format!("did you mean `{best}`?")),
                None => diagnostic.with_help(format!("did you mean `{best}`?")),
            };
        }
        self.report(diagnostic);
    }

    /// The type of an `import`: the generalised type of the imported file, instantiated.
    pub(crate) fn import_type(&mut self, target: &ImportTarget) -> Type {
        let span = match target {
            ImportTarget::File { span, .. } | ImportTarget::Stdlib { span, .. } => *span,
        };
        let scheme = self
            .program
            .imports
            .get(&span)
            .and_then(|file| self.modules.get(file))
            .cloned();
        match scheme {
            Some(scheme) if scheme.poly => self.vars.instantiate(&scheme.ty, self.level),
            Some(scheme) => scheme.ty,
            // The loader reported why the file is missing.
            None => Type::Any,
        }
    }

    /// Checks that `found` fits `expected`, reporting a mismatch at `span`. Returns whether it
    /// fits.
    pub(crate) fn subsume(
        &mut self,
        found: &Type,
        expected: &Type,
        span: Span,
        because: Option<Because<'_>>,
    ) -> bool {
        match fits(&mut self.vars, found, expected) {
            Ok(()) => true,
            Err(mismatch) => {
                self.report_mismatch(*mismatch, found, expected, span, because);
                false
            }
        }
    }

    pub(crate) fn fits_quietly(&mut self, found: &Type, expected: &Type) -> Result<(), Mismatch> {
        fits(&mut self.vars, found, expected).map_err(|m| *m)
    }
}
