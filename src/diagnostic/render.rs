//! Renders diagnostics: the only place that formats them for people or tools.
//!
//! - [`render_human`]: miette's graphical report, labels under the source, help and notes below;
//!   labels in another file than the primary one become related reports for that file.
//! - [`render_json`]: one JSON object per diagnostic, one per line. The schema is stable and
//!   documented in the README ("Diagnostics as JSON"); fields are only ever added.
//!
//! Line and column numbers are one-based; columns count characters, offsets count bytes.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};
use serde_json::{json, Value};

use super::{Diagnostic, Label, Severity};
use crate::source::{SourceMap, Span};

/// Human-readable rendering; `color` selects the coloured theme.
pub fn render_human(diagnostics: &[Diagnostic], sources: &SourceMap, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut out = String::new();
    for diagnostic in diagnostics {
        let mut handler = GraphicalReportHandler::new_themed(theme.clone())
            .with_width(100)
            .with_links(false);
        // Notes go under the report, each on its own line.
        if !diagnostic.notes.is_empty() {
            let notes: Vec<String> = diagnostic
                .notes
                .iter()
                .map(|n| format!("note: {n}"))
                .collect();
            handler = handler.with_footer(notes.join("\n"));
        }
        let report = Report::new(diagnostic, sources);
        // Writing into a String cannot fail.
        let _ = handler.render_report(&mut out, &report);
    }
    out
}

/// Plain rendering for snapshots and logs: no colour, fixed width.
pub fn render_plain(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    render_human(diagnostics, sources, false)
}

/// One JSON object per line.
pub fn render_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> String {
    let mut out = String::new();
    for diagnostic in diagnostics {
        out.push_str(&to_json(diagnostic, sources).to_string());
        out.push('\n');
    }
    out
}

/// The JSON form of one diagnostic.
pub fn to_json(diagnostic: &Diagnostic, sources: &SourceMap) -> Value {
    let info = diagnostic.code.info();
    let labels: Vec<Value> = std::iter::once((&diagnostic.primary, true))
        .chain(diagnostic.secondary.iter().map(|l| (l, false)))
        .map(|(label, primary)| {
            json!({
                "file": sources.get(label.span.file).name,
                "span": span_json(label.span, sources),
                "message": label.message,
                "primary": primary,
            })
        })
        .collect();
    json!({
        "code": info.code,
        "severity": diagnostic.severity.as_str(),
        "level": info.level.as_str(),
        "rule": info.rule,
        "message": diagnostic.message,
        "file": sources.get(diagnostic.primary.span.file).name,
        "span": span_json(diagnostic.primary.span, sources),
        "labels": labels,
        "help": diagnostic.help,
        "notes": diagnostic.notes,
    })
}

fn span_json(span: Span, sources: &SourceMap) -> Value {
    let file = sources.get(span.file);
    let (start_line, start_column) = file.line_col(span.start as usize);
    let (end_line, end_column) = file.line_col(span.end as usize);
    json!({
        "start": { "line": start_line, "column": start_column, "offset": span.start },
        "end": { "line": end_line, "column": end_column, "offset": span.end },
    })
}

/// A diagnostic seen through miette's trait, for one file.
struct Report {
    code: Option<&'static str>,
    message: String,
    severity: miette::Severity,
    source: Option<NamedSource<String>>,
    labels: Vec<LabeledSpan>,
    help: Option<String>,
    related: Vec<Report>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, sources: &SourceMap) -> Report {
        let file = diagnostic.primary.span.file;
        let (here, elsewhere): (Vec<&Label>, Vec<&Label>) = diagnostic
            .secondary
            .iter()
            .partition(|l| l.span.file == file);
        let mut labels = vec![labeled(&diagnostic.primary, true)];
        labels.extend(here.into_iter().map(|l| labeled(l, false)));
        // Labels in other files are shown with their own file, as advice.
        let related = elsewhere
            .into_iter()
            .map(|label| Report {
                code: Some(diagnostic.code.as_str()),
                message: label.message.clone(),
                severity: miette::Severity::Advice,
                source: Some(named_source(label.span, sources)),
                labels: vec![labeled(label, true)],
                help: None,
                related: Vec::new(),
            })
            .collect();
        Report {
            code: Some(diagnostic.code.as_str()),
            message: diagnostic.message.clone(),
            severity: match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            source: Some(named_source(diagnostic.primary.span, sources)),
            labels,
            help: diagnostic.help.clone(),
            related,
        }
    }
}

fn named_source(span: Span, sources: &SourceMap) -> NamedSource<String> {
    let file = sources.get(span.file);
    NamedSource::new(file.name.clone(), file.text.to_string()).with_language("sbl")
}

fn labeled(label: &Label, primary: bool) -> LabeledSpan {
    let text = (!label.message.is_empty()).then(|| label.message.clone());
    if primary {
        LabeledSpan::new_primary_with_span(text, label.span.range())
    } else {
        LabeledSpan::new_with_span(text, label.span.range())
    }
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code.map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn miette::Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(
            self.related.iter().map(|r| r as &dyn miette::Diagnostic),
        ))
    }
}
