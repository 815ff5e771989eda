//! Path values: resolving path literals and showing them machine-independently.
//!
//! `./dist/app.zip` in `net/hub.sbl` means `<folder of hub.sbl>/dist/app.zip`. The value keeps
//! that absolute path (later phases read the file), and a display form relative to the entry
//! file's folder (`./net/dist/app.zip`), which is what output shows: the same program gives the
//! same JSON on every machine. Both are normalised lexically (`.` and `..` folded), since the
//! file need not exist.

use std::path::{Component, Path, PathBuf};

use super::value::PathValue;

/// The value of the path literal `written`, in a file whose folder is `base`, in a program whose
/// entry file's folder is `entry`.
pub fn resolve(written: &str, base: Option<&Path>, entry: Option<&Path>) -> PathValue {
    let absolute = match base {
        Some(base) => normalise(&base.join(written)),
        None => normalise(Path::new(written)),
    };
    let display = match entry {
        Some(entry) => relative(&absolute, &normalise(entry)),
        None => absolute.to_string_lossy().into_owned(),
    };
    PathValue {
        absolute,
        display: display.into(),
    }
}

/// Folds `.` and `..` without touching the file system.
pub fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// A relative display path (`./a/../b` -> `./b`, `./a/../../c` -> `../c`).
pub fn normalise_display(path: &str) -> String {
    if path.starts_with('/') {
        return normalise(Path::new(path)).to_string_lossy().into_owned();
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ => parts.push(".."),
            },
            other => parts.push(other),
        }
    }
    match parts.first() {
        None => ".".to_string(),
        Some(&"..") => parts.join("/"),
        Some(_) => format!("./{}", parts.join("/")),
    }
}

/// `path` relative to the folder `from`, both absolute and normalised.
fn relative(path: &Path, from: &Path) -> String {
    let path_parts: Vec<Component> = path.components().collect();
    let from_parts: Vec<Component> = from.components().collect();
    let common = path_parts
        .iter()
        .zip(&from_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return path.to_string_lossy().into_owned();
    }
    let mut parts: Vec<String> = Vec::new();
    for _ in common..from_parts.len() {
        parts.push("..".to_string());
    }
    for part in &path_parts[common..] {
        parts.push(part.as_os_str().to_string_lossy().into_owned());
    }
    normalise_display(&parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_relative_to_the_entry_folder() {
        let entry = Path::new("/work/proj");
        let p = resolve(
            "./dist/app.zip",
            Some(Path::new("/work/proj/net")),
            Some(entry),
        );
        assert_eq!(&*p.display, "./net/dist/app.zip");
        assert_eq!(p.absolute, Path::new("/work/proj/net/dist/app.zip"));
        let up = resolve(
            "../../shared/x.json",
            Some(Path::new("/work/proj/net")),
            Some(entry),
        );
        assert_eq!(&*up.display, "../shared/x.json");
        let same = resolve("./.", Some(entry), Some(entry));
        assert_eq!(&*same.display, ".");
    }

    #[test]
    fn display_paths_fold_dots() {
        assert_eq!(normalise_display("./a/../b"), "./b");
        assert_eq!(normalise_display("./a/../../c"), "../c");
        assert_eq!(normalise_display("./dist/./x"), "./dist/x");
    }
}
