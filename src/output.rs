//! Writes a build's files to the output folder, all or nothing.
//!
//! The files go to a fresh sibling folder first (`<out>.sblc-tmp`); only when every file is
//! written does that folder replace the output folder, by two renames. A build that fails, or is
//! interrupted while writing, leaves the previous output exactly as it was, and a successful
//! build leaves no stale file from an earlier one.
//!
//! The files are not flushed to the disk (no `fsync`), as cargo, rustc and the Bicep CLI do not
//! flush theirs: the output is derived, byte for byte, from the sources, and rebuilding restores
//! it. A flush only guards against a power cut in the seconds after a build, and it made every
//! build wait for the disk: 3 to 4 ms of a 12 ms build on a quiet disk, up to 80 ms while other
//! processes wrote.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// One file of a build, by path relative to the output folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputFile {
    pub path: PathBuf,
    pub contents: String,
}

/// Replaces the contents of `out` with `files`.
pub fn write_all(out: &Path, files: &[OutputFile]) -> io::Result<()> {
    let staging = sibling(out, "sblc-tmp");
    let previous = sibling(out, "sblc-old");
    remove_if_present(&staging)?;
    remove_if_present(&previous)?;
    if let Err(error) = write_tree(&staging, files) {
        let _ = fs::remove_dir_all(&staging);
        return Err(error);
    }
    if out.exists() {
        fs::rename(out, &previous)?;
    }
    if let Err(error) = fs::rename(&staging, out) {
        // Put the previous output back before reporting.
        let _ = fs::rename(&previous, out);
        return Err(error);
    }
    remove_if_present(&previous)
}

fn write_tree(root: &Path, files: &[OutputFile]) -> io::Result<()> {
    fs::create_dir_all(root)?;
    for file in files {
        if file.path.is_absolute()
            || file
                .path
                .components()
                .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "output path `{}` leaves the output folder",
                    file.path.display()
                ),
            ));
        }
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.contents)?;
    }
    Ok(())
}

fn sibling(out: &Path, suffix: &str) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    out.with_file_name(format!(".{name}.{suffix}"))
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_dir_all(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> OutputFile {
        OutputFile {
            path: path.into(),
            contents: contents.into(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sblc-output-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn replaces_the_whole_folder_and_drops_stale_files() {
        let out = temp_dir("replace").join("out");
        write_all(
            &out,
            &[file("main.json", "1"), file("modules/hub.bicep", "a")],
        )
        .unwrap();
        write_all(&out, &[file("main.json", "2")]).unwrap();
        assert_eq!(fs::read_to_string(out.join("main.json")).unwrap(), "2");
        assert!(!out.join("modules").exists());
        assert!(!sibling(&out, "sblc-tmp").exists());
        assert!(!sibling(&out, "sblc-old").exists());
    }

    #[test]
    fn a_failed_write_leaves_the_previous_output() {
        let out = temp_dir("fail").join("out");
        write_all(&out, &[file("main.json", "good")]).unwrap();
        let escaping = write_all(&out, &[file("main.json", "bad"), file("../evil", "x")]);
        assert!(escaping.is_err());
        assert_eq!(fs::read_to_string(out.join("main.json")).unwrap(), "good");
        assert!(!sibling(&out, "sblc-tmp").exists());
    }
}
