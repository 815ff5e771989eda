//! Source files and spans.
//!
//! Every file the compiler reads (the entry file, its imports, the embedded stdlib modules) is
//! registered once in a [`SourceMap`] and named by a small [`FileId`]. A [`Span`] is a byte range in
//! one file; every AST node, type, value origin and diagnostic label carries one, so that any phase
//! can point back at the `.sbl` text that caused something.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Index of a file in the [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A byte range `start..end` in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both `self` and `other` (same file assumed).
    pub fn to(self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.end == self.start
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Where a file came from: the user's disk, or the stdlib embedded in the binary.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Origin {
    Disk(PathBuf),
    Stdlib(String),
}

/// One registered file.
#[derive(Debug)]
pub struct SourceFile {
    pub origin: Origin,
    /// The name shown in diagnostics: the path as given, or `<batch>` for stdlib modules.
    pub name: String,
    pub text: Arc<str>,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// One-based line and one-based column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.line_starts[line];
        let col = self.text[start..offset].chars().count();
        (line + 1, col + 1)
    }

    pub fn is_stdlib(&self) -> bool {
        matches!(self.origin, Origin::Stdlib(_))
    }
}

/// All files of one compilation.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn new() -> SourceMap {
        SourceMap::default()
    }

    pub fn add(
        &mut self,
        origin: Origin,
        name: impl Into<String>,
        text: impl Into<Arc<str>>,
    ) -> FileId {
        let text: Arc<str> = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile {
            origin,
            name: name.into(),
            text,
            line_starts,
        });
        id
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The file registered for a path on disk, if any.
    pub fn find_disk(&self, path: &Path) -> Option<FileId> {
        self.files
            .iter()
            .position(|f| matches!(&f.origin, Origin::Disk(p) if p == path))
            .map(|i| FileId(i as u32))
    }

    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// The text a span covers.
    pub fn snippet(&self, span: Span) -> &str {
        let text = &self.get(span.file).text;
        text.get(span.range()).unwrap_or("")
    }
}
