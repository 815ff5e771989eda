//! The `sblc` command.
//!
//! Exit codes: 0 success, 1 errors in the input (diagnostics were printed), 2 usage or I/O
//! errors (a missing file, an unknown code for `explain`, a bad flag).

mod cli;

use std::process::ExitCode;

/// The compiler allocates many small, short-lived nodes (tokens, syntax, types, values):
/// mimalloc serves them about twice as fast as the system allocator (see README, Dependencies).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::parse_args();
    sblc::driver::with_large_stack(move || cli::run(args))
}
