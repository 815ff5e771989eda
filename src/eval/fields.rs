//! The field map of a record: insertion-ordered, cheap for the small records configurations are
//! made of.
//!
//! Most records have a handful of fields, so fields live in one vector searched linearly
//! (comparing `u32` symbols): one allocation per record, and no hashing. Past
//! [`INDEX_THRESHOLD`] fields a hash index from symbol to position is added, so big records
//! (a `let` turned `rec`, a generated table) keep constant-time lookups.

use std::collections::HashMap;

use super::symbol::{Sym, SymBuildHasher};
use super::value::Thunk;

/// How many fields a record has before it gets a hash index.
const INDEX_THRESHOLD: usize = 12;

#[derive(Clone, Default)]
pub struct FieldMap {
    entries: Vec<(Sym, Thunk)>,
    index: Option<HashMap<Sym, u32, SymBuildHasher>>,
}

impl FieldMap {
    pub fn with_capacity(n: usize) -> FieldMap {
        FieldMap {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn position(&self, name: Sym) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&name).map(|i| *i as usize),
            None => self.entries.iter().position(|(s, _)| *s == name),
        }
    }

    pub fn get(&self, name: &Sym) -> Option<&Thunk> {
        self.position(*name).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, name: &Sym) -> Option<&mut Thunk> {
        self.position(*name).map(|i| &mut self.entries[i].1)
    }

    /// Sets `name` to `value`: in place if present (keeping its position), else at the end.
    pub fn insert(&mut self, name: Sym, value: Thunk) {
        match self.position(name) {
            Some(i) => self.entries[i].1 = value,
            None => self.push(name, value),
        }
    }

    /// Adds `name` at the end unless it is already present (then nothing changes).
    pub fn insert_if_absent(&mut self, name: Sym, value: impl FnOnce() -> Thunk) {
        if self.position(name).is_none() {
            self.push(name, value());
        }
    }

    fn push(&mut self, name: Sym, value: Thunk) {
        self.entries.push((name, value));
        let position = self.entries.len() - 1;
        match &mut self.index {
            Some(index) => {
                index.insert(name, position as u32);
            }
            None if self.entries.len() > INDEX_THRESHOLD => self.rebuild_index(),
            None => {}
        }
    }

    fn rebuild_index(&mut self) {
        self.index = (self.entries.len() > INDEX_THRESHOLD).then(|| {
            self.entries
                .iter()
                .enumerate()
                .map(|(i, (s, _))| (*s, i as u32))
                .collect()
        });
    }

    /// Removes `name`, keeping the order of the others.
    pub fn shift_remove(&mut self, name: &Sym) {
        if let Some(i) = self.position(*name) {
            self.entries.remove(i);
            self.rebuild_index();
        }
    }

    pub fn reserve(&mut self, additional: usize) {
        self.entries.reserve(additional);
    }

    pub fn keys(&self) -> impl Iterator<Item = &Sym> + '_ {
        self.entries.iter().map(|(s, _)| s)
    }

    pub fn values(&self) -> impl Iterator<Item = &Thunk> + '_ {
        self.entries.iter().map(|(_, t)| t)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Thunk> + '_ {
        self.entries.iter_mut().map(|(_, t)| t)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Sym, &Thunk)> + '_ {
        self.entries.iter().map(|(s, t)| (s, t))
    }
}

impl<'a> IntoIterator for &'a FieldMap {
    type Item = (&'a Sym, &'a Thunk);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Sym, Thunk)>,
        fn(&'a (Sym, Thunk)) -> (&'a Sym, &'a Thunk),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(s, t)| (s, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::value::Value;

    fn int(n: i64) -> Thunk {
        Thunk::ready(Value::Int(n))
    }

    fn get(map: &FieldMap, name: &str) -> Option<i64> {
        map.get(&Sym::intern(name))
            .and_then(|t| t.value_if_forced())
            .and_then(|v| v.as_int())
    }

    #[test]
    fn keeps_insertion_order_and_overwrites_in_place() {
        let mut map = FieldMap::default();
        for (i, name) in ["b", "a", "c"].iter().enumerate() {
            map.insert(Sym::intern(name), int(i as i64));
        }
        map.insert(Sym::intern("a"), int(9));
        let names: Vec<String> = map.keys().map(|s| s.name().to_string()).collect();
        assert_eq!(names, ["b", "a", "c"]);
        assert_eq!(get(&map, "a"), Some(9));
        map.shift_remove(&Sym::intern("b"));
        assert_eq!(map.len(), 2);
        assert_eq!(get(&map, "b"), None);
        assert_eq!(get(&map, "c"), Some(2));
    }

    #[test]
    fn large_maps_use_the_index_consistently() {
        let mut map = FieldMap::default();
        for i in 0..40 {
            map.insert(Sym::intern(&format!("f{i}")), int(i));
        }
        assert!(map.index.is_some());
        assert_eq!(get(&map, "f33"), Some(33));
        map.shift_remove(&Sym::intern("f0"));
        assert_eq!(get(&map, "f33"), Some(33));
        map.insert_if_absent(Sym::intern("f33"), || int(-1));
        map.insert_if_absent(Sym::intern("new"), || int(-1));
        assert_eq!(get(&map, "f33"), Some(33));
        assert_eq!(get(&map, "new"), Some(-1));
        assert_eq!(
            map.keys().last().map(|s| s.name().to_string()).as_deref(),
            Some("new")
        );
    }
}
