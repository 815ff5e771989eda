//! Ctrl-C, once for the whole process. While nothing has asked to catch it, Ctrl-C ends sblc at
//! once (exit 130), as in any command: a plan, a build, a question. `watch` and a running apply
//! [`catch`] it instead: the handler only raises a flag, which `watch` reads to stop, and which a
//! deployment reads (and lowers) to ask whether to cancel in Azure, so that one key press never
//! does both.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Result<Arc<AtomicBool>, String>> = OnceLock::new();
static CATCHING: AtomicBool = AtomicBool::new(false);

/// The exit code of a process ended by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED: i32 = 130;

/// The process's Ctrl-C flag, installing the handler on first use.
pub fn flag() -> Result<Arc<AtomicBool>, String> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let raised = flag.clone();
        ctrlc::set_handler(move || {
            if CATCHING.load(Ordering::SeqCst) {
                raised.store(true, Ordering::SeqCst);
            } else {
                std::process::exit(INTERRUPTED);
            }
        })
        .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
        Ok(flag)
    })
    .clone()
}

/// From now on, Ctrl-C raises the flag instead of ending the process.
pub fn catch() {
    CATCHING.store(true, Ordering::SeqCst);
}
