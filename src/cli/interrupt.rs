//! Ctrl-C, once for the whole process: the handler only raises a flag. `watch` reads it to stop;
//! a running deployment reads it (and lowers it) to ask whether to cancel in Azure, so the same
//! key press never does both.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

static FLAG: OnceLock<Result<Arc<AtomicBool>, String>> = OnceLock::new();

/// The process's Ctrl-C flag, installing the handler on first use.
pub fn flag() -> Result<Arc<AtomicBool>, String> {
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let raised = flag.clone();
        ctrlc::set_handler(move || raised.store(true, std::sync::atomic::Ordering::SeqCst))
            .map_err(|e| format!("cannot handle Ctrl-C: {e}"))?;
        Ok(flag)
    })
    .clone()
}
