//! `--watch`: rebuild whenever a file of the program changes, until Ctrl-C.
//!
//! The watcher follows the folders that hold the program's files, not the files: editors often
//! save by deleting or renaming over a file, which a watch on the file itself would lose. Events
//! are debounced (a save is often several events) and filtered to the program's files; after
//! each rebuild the set of files is replaced by the one the build reports, so that new imports
//! are watched and dropped ones forgotten. A failed build never stops the loop.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use notify_debouncer_full::{new_debouncer, DebounceEventResult, DebouncedEvent};

/// Long enough to merge the events of one save, short enough to feel instant.
const DEBOUNCE: Duration = Duration::from_millis(15);
/// How often the loop looks at the Ctrl-C flag while no event comes.
const POLL: Duration = Duration::from_millis(100);

/// Runs `rebuild` now and after every change; `rebuild` returns the files to watch next.
pub fn run(mut rebuild: impl FnMut() -> Vec<PathBuf>) -> ExitCode {
    let interrupted = match super::interrupt::flag() {
        Ok(flag) => flag,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    super::interrupt::catch();
    let (events, received) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = match new_debouncer(DEBOUNCE, None, events) {
        Ok(d) => d,
        Err(error) => {
            eprintln!("error: cannot watch files: {error}");
            return ExitCode::from(super::EXIT_USAGE);
        }
    };
    let mut files: BTreeSet<PathBuf> = BTreeSet::new();
    let mut folders: BTreeSet<PathBuf> = BTreeSet::new();
    let mut update = |new_files: Vec<PathBuf>, files: &mut BTreeSet<PathBuf>| {
        *files = new_files.iter().map(|f| absolute(f)).collect();
        let wanted: BTreeSet<PathBuf> = files
            .iter()
            .filter_map(|f| f.parent().map(Path::to_path_buf))
            .collect();
        for gone in folders.difference(&wanted) {
            let _ = debouncer.unwatch(gone);
        }
        for added in wanted.difference(&folders) {
            if let Err(error) = debouncer.watch(added, RecursiveMode::NonRecursive) {
                eprintln!("warning: cannot watch {}: {error}", added.display());
            }
        }
        folders = wanted;
    };
    update(rebuild(), &mut files);
    eprintln!("watching {} file(s); press Ctrl-C to stop", files.len());
    while !interrupted.load(Ordering::SeqCst) {
        match received.recv_timeout(POLL) {
            Ok(Ok(batch)) => {
                let mut touched = touches(&batch, &files);
                // Saves made while the last rebuild ran (a deployment can take minutes) are
                // waiting in the channel: one rebuild covers them all.
                while let Ok(queued) = received.try_recv() {
                    touched |= queued.is_ok_and(|batch| touches(&batch, &files));
                }
                if touched {
                    update(rebuild(), &mut files);
                }
            }
            Ok(Err(errors)) => {
                for error in errors {
                    eprintln!("warning: file watching: {error}");
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    eprintln!("stopped watching");
    ExitCode::SUCCESS
}

/// Whether events change one of the program's files. Reads are not changes: the rebuild itself
/// opens every file, and counting that would rebuild forever.
fn touches(batch: &[DebouncedEvent], files: &BTreeSet<PathBuf>) -> bool {
    batch.iter().any(|event| {
        !matches!(event.kind, EventKind::Access(_))
            && event
                .paths
                .iter()
                .any(|path| files.contains(&absolute(path)))
    })
}

/// A comparable absolute path, also for files that do not exist (any more).
fn absolute(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let joined = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    match (
        joined.parent().and_then(|p| std::fs::canonicalize(p).ok()),
        joined.file_name(),
    ) {
        (Some(parent), Some(name)) => parent.join(name),
        _ => joined,
    }
}
