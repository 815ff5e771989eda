//! Interned field and variable names.
//!
//! Field names are compared and hashed on every selection, merge and pattern match, so they are
//! interned once into a [`Sym`] (a `u32`): comparing two names is comparing two integers, and a
//! record's map hashes a `u32` instead of a string. Names written in the program are interned when
//! the program is lowered, so `a.b.c` costs no string work at run time; only names computed at run
//! time (`getAttr`, `listToAttrs`) are interned while evaluating.
//!
//! The interner is per thread: values hold `Rc`s and never leave the thread that evaluated them,
//! so neither do the symbols inside them.

use std::cell::RefCell;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use indexmap::IndexSet;

/// An interned name. Cheap to copy, compare and hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

/// Every name interned on this thread; a symbol is its name's position.
type Interner = IndexSet<Rc<str>, NameBuildHasher>;

thread_local! {
    static INTERNER: RefCell<Interner> = RefCell::new(Interner::default());
}

impl Sym {
    /// The symbol for `name`, creating it on first use.
    pub fn intern(name: &str) -> Sym {
        INTERNER.with(|cell| {
            let mut interner = cell.borrow_mut();
            let index = match interner.get_index_of(name) {
                Some(index) => index,
                None => interner.insert_full(Rc::from(name)).0,
            };
            Sym(index as u32)
        })
    }

    /// Like [`Sym::intern`], keeping `name` itself (not a copy) if it is new: hashes it once.
    pub fn intern_shared(name: &Rc<str>) -> Sym {
        INTERNER.with(|cell| Sym(cell.borrow_mut().insert_full(name.clone()).0 as u32))
    }

    /// Makes room for `additional` new names at once, instead of growing step by step.
    pub fn reserve(additional: usize) {
        INTERNER.with(|cell| cell.borrow_mut().reserve(additional));
    }

    /// The symbol for `name` if it was ever interned: a name never interned cannot be a field
    /// of any record, which lets lookups by string skip the interner's growth.
    pub fn existing(name: &str) -> Option<Sym> {
        INTERNER.with(|cell| cell.borrow().get_index_of(name).map(|i| Sym(i as u32)))
    }

    /// The name as text.
    pub fn name(self) -> Rc<str> {
        INTERNER.with(|cell| cell.borrow()[self.0 as usize].clone())
    }
}

impl std::fmt::Debug for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}`", self.name())
    }
}

impl std::fmt::Display for Sym {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

/// Hashes a [`Sym`] by multiplying its number by a large odd constant: symbols are dense small
/// integers, and the multiplication spreads them over the high bits the hash table looks at.
#[derive(Default)]
pub struct SymHasher(u64);

impl Hasher for SymHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only reached if something other than a `Sym` is hashed with this hasher.
        for byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub type SymBuildHasher = BuildHasherDefault<SymHasher>;

/// Hashes names (short strings) eight bytes at a time with a multiply and a rotate: much
/// cheaper than the default SipHash, and names come from the program being compiled, not from
/// an adversary over the network, so flooding resistance is not needed.
#[derive(Default)]
pub struct NameHasher(u64);

impl Hasher for NameHasher {
    fn finish(&self) -> u64 {
        // A final mix so that the high bits, which the hash tables look at, depend on every byte.
        (self.0 ^ (self.0 >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }
}

impl NameHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

pub type NameBuildHasher = BuildHasherDefault<NameHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn interning_is_stable_and_names_round_trip() {
        let a = Sym::intern("vmSize");
        assert_eq!(Sym::intern("vmSize"), a);
        assert_ne!(Sym::intern("vmsize"), a);
        assert_eq!(&*a.name(), "vmSize");
        assert_eq!(Sym::existing("vmSize"), Some(a));
        assert_eq!(Sym::existing("never-interned-anywhere"), None);
    }

    #[test]
    fn name_hashes_differ_for_similar_names() {
        let hasher = NameBuildHasher::default();
        let names = [
            "a",
            "b",
            "ab",
            "ba",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "x1",
            "x2",
        ];
        let hashes: std::collections::HashSet<u64> =
            names.iter().map(|n| hasher.hash_one(n)).collect();
        assert_eq!(hashes.len(), names.len());
    }
}
