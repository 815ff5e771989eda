//! The plan: ARM's what-if changes, read into data and rendered per resource group with each
//! resource's `.sbl` origin (human text, coloured or not, and JSON).

use std::collections::BTreeMap;
use std::fmt::Write;

use owo_colors::Style;
use serde_json::{json, Value};

use super::origins::{parse_id, Origin, Origins};
use crate::source::{SourceMap, Span};

/// What ARM will do to one resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeType {
    Create,
    Modify,
    Delete,
    /// Deployed again; what-if cannot tell what changes (e.g. properties known only at run time).
    Deploy,
    NoChange,
    /// Outside the template (incremental mode leaves it alone).
    Ignore,
    /// What-if cannot tell (e.g. a nested template it cannot evaluate): deployed, to be safe.
    Unsupported,
}

impl ChangeType {
    fn parse(text: &str) -> ChangeType {
        match text {
            "Create" => ChangeType::Create,
            "Modify" => ChangeType::Modify,
            "Delete" => ChangeType::Delete,
            "Deploy" => ChangeType::Deploy,
            "NoChange" => ChangeType::NoChange,
            "Ignore" => ChangeType::Ignore,
            _ => ChangeType::Unsupported,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ChangeType::Create => "Create",
            ChangeType::Modify => "Modify",
            ChangeType::Delete => "Delete",
            ChangeType::Deploy => "Deploy",
            ChangeType::NoChange => "NoChange",
            ChangeType::Ignore => "Ignore",
            ChangeType::Unsupported => "Unsupported",
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            ChangeType::Create => "+",
            ChangeType::Modify => "~",
            ChangeType::Delete => "-",
            ChangeType::Deploy => "!",
            ChangeType::NoChange => "=",
            ChangeType::Ignore => "*",
            ChangeType::Unsupported => "?",
        }
    }

    fn style(self) -> Style {
        match self {
            ChangeType::Create => GREEN,
            ChangeType::Modify | ChangeType::Deploy | ChangeType::Unsupported => YELLOW,
            ChangeType::Delete => RED,
            ChangeType::NoChange | ChangeType::Ignore => DIM,
        }
    }

    /// Whether deploying would do something.
    pub fn is_change(self) -> bool {
        matches!(
            self,
            ChangeType::Create
                | ChangeType::Modify
                | ChangeType::Delete
                | ChangeType::Deploy
                | ChangeType::Unsupported
        )
    }
}

const GREEN: Style = Style::new().green();
const YELLOW: Style = Style::new().yellow();
const RED: Style = Style::new().red();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// One property's change, with its nested changes (objects and arrays).
#[derive(Clone, Debug, PartialEq)]
pub struct PropertyChange {
    pub path: String,
    /// ARM's `propertyChangeType`: `Create`, `Delete`, `Modify`, `Array`, `NoEffect`.
    pub kind: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub children: Vec<PropertyChange>,
}

impl PropertyChange {
    fn from_value(value: &Value) -> Option<PropertyChange> {
        Some(PropertyChange {
            path: value.get("path")?.as_str()?.to_string(),
            kind: value
                .get("propertyChangeType")
                .and_then(Value::as_str)
                .unwrap_or("Modify")
                .to_string(),
            before: value.get("before").filter(|v| !v.is_null()).cloned(),
            after: value.get("after").filter(|v| !v.is_null()).cloned(),
            children: value
                .get("children")
                .and_then(Value::as_array)
                .map(|c| c.iter().filter_map(PropertyChange::from_value).collect())
                .unwrap_or_default(),
        })
    }

    fn to_json(&self) -> Value {
        json!({
            "path": self.path,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "children": self.children.iter().map(PropertyChange::to_json).collect::<Vec<_>>(),
        })
    }
}

/// One resource in the plan.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub resource_id: String,
    pub change_type: ChangeType,
    pub delta: Vec<PropertyChange>,
    /// Where the `.sbl` program made the resource (none for resources it does not declare).
    pub origin: Option<Origin>,
}

/// The whole plan.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<Change>,
}

impl Plan {
    /// Reads what-if's `changes`, resolving each resource's origin.
    pub fn from_what_if(changes: &[Value], origins: &Origins) -> Plan {
        let mut changes: Vec<Change> = changes
            .iter()
            .filter_map(|change| {
                let resource_id = change.get("resourceId")?.as_str()?.to_string();
                Some(Change {
                    origin: origins.find(&resource_id).cloned(),
                    change_type: ChangeType::parse(
                        change
                            .get("changeType")
                            .and_then(Value::as_str)
                            .unwrap_or(""),
                    ),
                    delta: change
                        .get("delta")
                        .and_then(Value::as_array)
                        .map(|d| d.iter().filter_map(PropertyChange::from_value).collect())
                        .unwrap_or_default(),
                    resource_id,
                })
            })
            .collect();
        changes.sort_by(|a, b| {
            (group_of(&a.resource_id), &a.resource_id)
                .cmp(&(group_of(&b.resource_id), &b.resource_id))
        });
        Plan { changes }
    }

    /// Whether applying would change anything.
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.change_type.is_change())
    }

    pub fn count(&self, kind: ChangeType) -> usize {
        self.changes
            .iter()
            .filter(|c| c.change_type == kind)
            .count()
    }

    /// `3 to create, 1 to modify, 0 to delete, 12 unchanged`.
    pub fn summary(&self) -> String {
        let mut text = format!(
            "{} to create, {} to modify, {} to delete",
            self.count(ChangeType::Create),
            self.count(ChangeType::Modify),
            self.count(ChangeType::Delete)
        );
        for (kind, word) in [
            (ChangeType::Deploy, "to redeploy"),
            (ChangeType::Unsupported, "that what-if cannot tell"),
            (ChangeType::NoChange, "unchanged"),
            (ChangeType::Ignore, "ignored"),
        ] {
            let n = self.count(kind);
            if n > 0 {
                let _ = write!(text, ", {n} {word}");
            }
        }
        text
    }

    /// The plan as text: per resource group, each changed resource with its origin and its
    /// property changes; unchanged and ignored resources as counts.
    pub fn render(&self, sources: &SourceMap, color: bool) -> String {
        let paint = |style: Style, text: &str| {
            if color {
                style.style(text).to_string()
            } else {
                text.to_string()
            }
        };
        let mut groups: BTreeMap<String, Vec<&Change>> = BTreeMap::new();
        for change in &self.changes {
            groups
                .entry(group_of(&change.resource_id))
                .or_default()
                .push(change);
        }
        let mut out = String::new();
        for (n, (group, changes)) in groups.into_iter().enumerate() {
            if n > 0 {
                out.push('\n');
            }
            let title = if group.is_empty() {
                "subscription".to_string()
            } else {
                format!("resource group {group}")
            };
            let _ = writeln!(out, "{}", paint(BOLD, &title));
            let mut quiet = BTreeMap::new();
            for change in changes {
                if !change.change_type.is_change() {
                    *quiet.entry(change.change_type).or_insert(0usize) += 1;
                    continue;
                }
                let (kind, name) = type_and_name(&change.resource_id);
                let origin = change
                    .origin
                    .as_ref()
                    .map(|origin| format!("  {}", origin.describe(sources)))
                    .unwrap_or_default();
                let line = format!("  {} {kind} {name}", change.change_type.symbol());
                let _ = writeln!(
                    out,
                    "{}{}",
                    paint(change.change_type.style(), &line),
                    paint(DIM, &origin)
                );
                for delta in &change.delta {
                    render_delta(&mut out, delta, "", 6, &paint);
                }
            }
            for (kind, n) in quiet {
                let word = if kind == ChangeType::NoChange {
                    "unchanged"
                } else {
                    "ignored"
                };
                let _ = writeln!(
                    out,
                    "{}",
                    paint(DIM, &format!("  {} {n} {word}", kind.symbol()))
                );
            }
        }
        let _ = writeln!(out, "\nPlan: {}.", self.summary());
        out
    }

    /// The plan as one JSON document (`--message-format json`).
    pub fn to_json(&self, sources: &SourceMap) -> Value {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|change| {
                let origin = change.origin.as_ref().map(|origin| {
                    let at = |span: Span| {
                        let file = sources.get(span.file);
                        let (line, column) = file.line_col(span.start as usize);
                        json!({ "file": file.name, "line": line, "column": column })
                    };
                    let mut place = at(origin.span);
                    place["calls"] = origin.calls.iter().map(|s| at(*s)).collect();
                    place
                });
                json!({
                    "resourceId": change.resource_id,
                    "changeType": change.change_type.as_str(),
                    "origin": origin,
                    "delta": change.delta.iter().map(PropertyChange::to_json).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "changes": changes,
            "summary": {
                "create": self.count(ChangeType::Create),
                "modify": self.count(ChangeType::Modify),
                "delete": self.count(ChangeType::Delete),
                "deploy": self.count(ChangeType::Deploy),
                "noChange": self.count(ChangeType::NoChange),
                "ignore": self.count(ChangeType::Ignore),
                "unsupported": self.count(ChangeType::Unsupported),
            },
        })
    }
}

fn render_delta(
    out: &mut String,
    delta: &PropertyChange,
    prefix: &str,
    indent: usize,
    paint: &dyn Fn(Style, &str) -> String,
) {
    let path = if prefix.is_empty() {
        delta.path.clone()
    } else if delta.path.chars().all(|c| c.is_ascii_digit()) {
        format!("{prefix}[{}]", delta.path)
    } else {
        format!("{prefix}.{}", delta.path)
    };
    let show = |v: &Option<Value>| v.as_ref().map_or("null".to_string(), compact);
    let (symbol, style, text) = match delta.kind.as_str() {
        "Create" => ("+", GREEN, format!("{path}: {}", show(&delta.after))),
        "Delete" => ("-", RED, format!("{path}: {}", show(&delta.before))),
        "NoEffect" => (
            "x",
            DIM,
            format!("{path}: {} (no effect)", show(&delta.after)),
        ),
        "Array" if !delta.children.is_empty() => ("~", YELLOW, format!("{path}:")),
        _ if !delta.children.is_empty() => {
            for child in &delta.children {
                render_delta(out, child, &path, indent, paint);
            }
            return;
        }
        _ => (
            "~",
            YELLOW,
            format!("{path}: {} => {}", show(&delta.before), show(&delta.after)),
        ),
    };
    let _ = writeln!(
        out,
        "{:indent$}{}",
        "",
        paint(style, &format!("{symbol} {text}"))
    );
    if delta.kind == "Array" {
        for child in &delta.children {
            render_delta(out, child, &path, indent + 2, paint);
        }
    }
}

/// A value on one line, shortened: plans show what changed, not whole documents.
fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}...", text.chars().take(77).collect::<String>())
    } else {
        text
    }
}

/// The resource group in an id, lower-cased for grouping; empty at subscription level.
fn group_of(id: &str) -> String {
    match parse_id(id) {
        Some(parsed) if parsed.resource_type != "Microsoft.Resources/resourceGroups" => {
            parsed.group.unwrap_or_default().to_ascii_lowercase()
        }
        _ => String::new(),
    }
}

fn type_and_name(id: &str) -> (String, String) {
    match parse_id(id) {
        Some(parsed) => (parsed.resource_type, parsed.name),
        None => (String::new(), id.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(changes: Value) -> Plan {
        Plan::from_what_if(changes.as_array().expect("a list"), &Origins::default())
    }

    #[test]
    fn a_plan_groups_changes_and_counts_the_quiet_ones() {
        let plan = plan(json!([
            {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/a", "changeType": "Modify",
             "delta": [{"path": "properties", "propertyChangeType": "Modify", "children": [
                 {"path": "allowSharedKeyAccess", "propertyChangeType": "Modify", "before": true, "after": false}]}]},
            {"resourceId": "/subscriptions/s/resourceGroups/rg", "changeType": "Create"},
            {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "changeType": "NoChange"},
        ]));
        assert!(plan.has_changes());
        let text = plan.render(&SourceMap::new(), false);
        assert_eq!(
            text,
            "subscription\n  + Microsoft.Resources/resourceGroups rg\n\n\
             resource group rg\n  ~ Microsoft.Storage/storageAccounts a\n      ~ properties.allowSharedKeyAccess: true => false\n  = 1 unchanged\n\
             \nPlan: 1 to create, 1 to modify, 0 to delete, 1 unchanged.\n"
        );
    }

    #[test]
    fn no_change_and_ignore_are_not_changes() {
        let plan = plan(json!([
            {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "changeType": "NoChange"},
            {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/w", "changeType": "Ignore"},
        ]));
        assert!(!plan.has_changes());
        assert_eq!(plan.to_json(&SourceMap::new())["summary"]["ignore"], 1);
    }

    #[test]
    fn colour_marks_each_change_by_its_kind_and_is_all_it_adds() {
        let plan = plan(json!([
            {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v", "changeType": "Create"},
            {"resourceId": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/w", "changeType": "Delete"},
        ]));
        let coloured = plan.render(&SourceMap::new(), true);
        let green = format!("{}", GREEN.style("  + Microsoft.Network/virtualNetworks v"));
        let red = format!("{}", RED.style("  - Microsoft.Network/virtualNetworks w"));
        assert!(coloured.contains(&green), "{coloured:?}");
        assert!(coloured.contains(&red), "{coloured:?}");
        assert!(green.starts_with("\x1b[32m"), "{green:?}");
        let mut plain = String::new();
        let mut rest = coloured.as_str();
        while let Some(start) = rest.find('\x1b') {
            plain.push_str(&rest[..start]);
            rest = &rest[start..];
            rest = &rest[rest.find('m').map_or(rest.len(), |end| end + 1)..];
        }
        plain.push_str(rest);
        assert_eq!(plain, plan.render(&SourceMap::new(), false));
    }
}
