//! Symbolic names for resources: readable, unique, valid in ARM and Bicep.
//!
//! A symbol comes from the resource's name (`hub-vnet` becomes `hubVnet`); names with references
//! or clashes fall back to the type's last segment and a number. The same program always gets
//! the same symbols, because resources are numbered in declaration order.

use std::collections::{HashMap, HashSet};

use foldhash::fast::FixedState;

/// Bicep keywords and names a symbol must not take.
const RESERVED: &[&str] = &[
    "resource",
    "module",
    "param",
    "var",
    "output",
    "existing",
    "targetScope",
    "if",
    "for",
    "in",
    "true",
    "false",
    "null",
    "import",
    "type",
    "func",
    "metadata",
    "extension",
    "using",
    "az",
    "sys",
];

/// Assigns symbols in order; each call returns a fresh one.
#[derive(Default)]
pub struct Symbols {
    taken: HashSet<String, FixedState>,
    /// For each stem that needed a number, the number to try next: every smaller one is taken
    /// (symbols are never given back), so counting again from 2 would only find taken ones, and
    /// a thousand pools all named `pool` would take quadratic time.
    next_number: HashMap<String, usize, FixedState>,
}

impl Symbols {
    pub fn assign(&mut self, name: Option<&str>, resource_type: &str) -> String {
        let type_stem = camel(resource_type.rsplit('/').next().unwrap_or("resource"));
        let stem = name
            .map(camel)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| type_stem.clone());
        let stem = if RESERVED.contains(&stem.as_str())
            || stem.starts_with(|c: char| c.is_ascii_digit())
        {
            format!("{}{}", type_stem, capitalise(&stem))
        } else {
            stem
        };
        let mut candidate = stem.clone();
        if self.taken.contains(&candidate) {
            candidate = format!("{stem}{}", capitalise(&type_stem));
        }
        if self.taken.contains(&candidate) {
            let next = self.next_number.entry(stem.clone()).or_insert(2);
            loop {
                candidate = format!("{stem}{next}");
                *next += 1;
                if !self.taken.contains(&candidate) {
                    break;
                }
            }
        }
        self.taken.insert(candidate.clone());
        candidate
    }
}

/// `hub-vnet.primary` -> `hubVnetPrimary`; keeps ASCII letters and digits only.
fn camel(text: &str) -> String {
    let mut out = String::new();
    let mut upper_next = false;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if out.is_empty() {
                out.push(c.to_ascii_lowercase());
            } else if upper_next {
                out.push(c.to_ascii_uppercase());
            } else {
                out.push(c);
            }
            upper_next = false;
        } else {
            upper_next = true;
        }
    }
    out
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_are_readable_and_unique() {
        let mut symbols = Symbols::default();
        assert_eq!(
            symbols.assign(Some("hub-vnet"), "Microsoft.Network/virtualNetworks"),
            "hubVnet"
        );
        assert_eq!(
            symbols.assign(Some("hub-vnet"), "Microsoft.Network/networkSecurityGroups"),
            "hubVnetNetworkSecurityGroups"
        );
        assert_eq!(
            symbols.assign(Some("hub-vnet"), "Microsoft.Network/virtualNetworks"),
            "hubVnetVirtualNetworks"
        );
        assert_eq!(
            symbols.assign(Some("hub-vnet"), "Microsoft.Network/virtualNetworks"),
            "hubVnet2"
        );
        assert_eq!(
            symbols.assign(None, "Microsoft.Authorization/roleAssignments"),
            "roleAssignments"
        );
        assert_eq!(
            symbols.assign(
                Some("default"),
                "Microsoft.Storage/storageAccounts/blobServices"
            ),
            "default"
        );
        assert_eq!(
            symbols.assign(Some("resource"), "Microsoft.Storage/storageAccounts"),
            "storageAccountsResource"
        );
        assert_eq!(
            symbols.assign(Some("1st"), "Microsoft.Network/virtualNetworks/subnets"),
            "subnets1st"
        );
    }
}
