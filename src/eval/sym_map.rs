//! An insertion-ordered map from interned names, cheap for the small maps programs are made of:
//! a record's fields at run time, and while lowering, the names of a scope or a binding group.
//!
//! Most records and scopes have a handful of names, so entries live in one vector searched
//! linearly (comparing `u32` symbols): one allocation per map, and no hashing. Past
//! [`INDEX_THRESHOLD`] entries a hash index from symbol to position is added, so big maps
//! (a `let` of thousands of bindings, a generated table) keep constant-time lookups.

use std::collections::HashMap;

use super::symbol::{Sym, SymBuildHasher};

/// How many entries a map has before it gets a hash index.
const INDEX_THRESHOLD: usize = 12;

#[derive(Clone)]
pub struct SymMap<V> {
    entries: Vec<(Sym, V)>,
    index: Option<HashMap<Sym, u32, SymBuildHasher>>,
}

impl<V> Default for SymMap<V> {
    fn default() -> SymMap<V> {
        SymMap {
            entries: Vec::new(),
            index: None,
        }
    }
}

impl<V> SymMap<V> {
    pub fn with_capacity(n: usize) -> SymMap<V> {
        SymMap {
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

    /// Where `name` is in insertion order.
    pub fn position(&self, name: Sym) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&name).map(|i| *i as usize),
            None => self.entries.iter().position(|(s, _)| *s == name),
        }
    }

    pub fn get(&self, name: &Sym) -> Option<&V> {
        self.position(*name).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, name: &Sym) -> Option<&mut V> {
        self.position(*name).map(|i| &mut self.entries[i].1)
    }

    /// Sets `name` to `value`: in place if present (keeping its position), else at the end.
    pub fn insert(&mut self, name: Sym, value: V) {
        match self.position(name) {
            Some(i) => self.entries[i].1 = value,
            None => self.push(name, value),
        }
    }

    /// Adds `name` at the end unless it is already present (then nothing changes).
    pub fn insert_if_absent(&mut self, name: Sym, value: impl FnOnce() -> V) {
        if self.position(name).is_none() {
            self.push(name, value());
        }
    }

    /// The value of `name`, added at the end by `value` if it is absent.
    pub fn get_or_insert_with(&mut self, name: Sym, value: impl FnOnce() -> V) -> &mut V {
        let i = match self.position(name) {
            Some(i) => i,
            None => {
                self.push(name, value());
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }

    /// Adds `name`, known to be absent, at the end (saving the search for it).
    pub fn push_new(&mut self, name: Sym, value: V) {
        debug_assert!(self.position(name).is_none());
        self.push(name, value);
    }

    /// The names, each with its position, and the values in order, apart.
    pub fn into_positions(self) -> (SymMap<u32>, Vec<V>) {
        let (entries, values) = (self.entries.into_iter().enumerate())
            .map(|(i, (name, value))| ((name, i as u32), value))
            .unzip();
        let names = SymMap {
            entries,
            index: self.index,
        };
        (names, values)
    }

    fn push(&mut self, name: Sym, value: V) {
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

    /// Indexes the entries, with room for as many as the vector has room for (a map made with
    /// a known size is indexed once, not rehashed as it grows).
    fn rebuild_index(&mut self) {
        self.index = (self.entries.len() > INDEX_THRESHOLD).then(|| {
            let mut index = HashMap::with_capacity_and_hasher(
                self.entries.capacity(),
                SymBuildHasher::default(),
            );
            index.extend(
                self.entries
                    .iter()
                    .enumerate()
                    .map(|(i, (s, _))| (*s, i as u32)),
            );
            index
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

    pub fn values(&self) -> impl Iterator<Item = &V> + '_ {
        self.entries.iter().map(|(_, t)| t)
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> + '_ {
        self.entries.iter_mut().map(|(_, t)| t)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&Sym, &V)> + '_ {
        self.entries.iter().map(|(s, t)| (s, t))
    }
}

/// Later entries of a name replace earlier ones in place (as [`SymMap::insert`] does).
impl<V> FromIterator<(Sym, V)> for SymMap<V> {
    fn from_iter<I: IntoIterator<Item = (Sym, V)>>(iter: I) -> SymMap<V> {
        let iter = iter.into_iter();
        let mut map = SymMap::with_capacity(iter.size_hint().0);
        for (name, value) in iter {
            map.insert(name, value);
        }
        map
    }
}

impl<'a, V> IntoIterator for &'a SymMap<V> {
    type Item = (&'a Sym, &'a V);
    type IntoIter =
        std::iter::Map<std::slice::Iter<'a, (Sym, V)>, fn(&'a (Sym, V)) -> (&'a Sym, &'a V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(s, t)| (s, t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::value::{Thunk, Value};

    fn int(n: i64) -> Thunk {
        Thunk::ready(Value::Int(n))
    }

    fn get(map: &SymMap<Thunk>, name: &str) -> Option<i64> {
        map.get(&Sym::intern(name))
            .and_then(|t| t.value_if_forced())
            .and_then(|v| v.as_int())
    }

    #[test]
    fn keeps_insertion_order_and_overwrites_in_place() {
        let mut map = SymMap::default();
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
        let mut map = SymMap::default();
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
