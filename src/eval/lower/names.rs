//! Names while lowering: the symbols of the names the program writes, and the builtins.

use std::collections::HashMap;
use std::rc::Rc;

use foldhash::fast::FixedState;

use crate::eval::builtins::{builtins_record, Builtin};
use crate::eval::symbol::{Sym, SymBuildHasher};
use crate::eval::value::Value;

/// The symbols of the names of one syntax tree, found by the address of their text.
///
/// The lexer shares one `Rc<str>` among all occurrences of a name in a file, so a name met
/// again is recognised by its address (hashing a pointer) instead of by its text (hashing and
/// comparing the string, as [`Sym::intern`] must). The borrow for `'a` keeps every address
/// in the table the address of that same text; texts that are equal but not shared get one
/// entry each, with the same symbol.
#[derive(Default)]
pub(super) struct SymCache<'a> {
    by_address: HashMap<*const u8, Sym, FixedState>,
    _texts: std::marker::PhantomData<&'a str>,
}

impl<'a> SymCache<'a> {
    /// Makes room for `additional` names, likely new: a binding group's, which are about to be
    /// met (a `let` of thousands of bindings then fills the tables without rehashing them).
    pub(super) fn reserve(&mut self, additional: usize) {
        self.by_address.reserve(additional);
        Sym::reserve(additional);
    }

    pub(super) fn sym(&mut self, name: &'a Rc<str>) -> Sym {
        *self
            .by_address
            .entry(name.as_ptr())
            .or_insert_with(|| Sym::intern_shared(name))
    }
}

/// The builtins as values, made once per program, by name: each builtin function, the context
/// facts, and `builtins`, the record of them all.
pub(super) struct Builtins {
    by_name: HashMap<Sym, Value, SymBuildHasher>,
}

impl Builtins {
    pub(super) fn new() -> Builtins {
        let mut by_name: HashMap<Sym, Value, SymBuildHasher> = Builtin::ALL
            .iter()
            .map(|b| (Sym::intern(b.name()), b.value()))
            .collect();
        // Facts of the deployment's context: strings holding reference tokens.
        for (name, fact) in [
            ("tenantId", "tenantId"),
            ("subscriptionId", "subscriptionId"),
        ] {
            let token = crate::reference::Token::Context {
                name: fact.to_string(),
            };
            by_name.insert(Sym::intern(name), Value::Str(token.encode().into()));
        }
        by_name
            .entry(Sym::intern("builtins"))
            .or_insert_with(builtins_record);
        Builtins { by_name }
    }

    pub(super) fn get(&self, name: Sym) -> Option<&Value> {
        self.by_name.get(&name)
    }
}
