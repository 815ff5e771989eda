//! Phase 3: static types (the checker lands from its own branch; this is its interface).
use crate::diagnostic::Diagnostic;
use crate::load::Program;

pub struct TypeReport {
    pub diagnostics: Vec<Diagnostic>,
}

pub fn check(_program: &Program) -> TypeReport {
    TypeReport {
        diagnostics: Vec::new(),
    }
}
