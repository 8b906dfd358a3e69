//! `ksec trace`: strace-compatible syscall count tables over ptrace.
//!
//! Collection (the ptrace tracer, [`tracer`], with its raw calls in [`crate::sys`]) is kept apart
//! from counting ([`stats`]) and rendering ([`summary`]), so another backend (eBPF) can feed the
//! same tables.
#![forbid(unsafe_code)]

pub mod arch;
pub mod filter;
pub mod stats;

use crate::cli::TraceArgs;
use crate::Exit;

/// Runs `ksec trace`.
///
/// # Errors
/// Invalid arguments, a command that cannot be started, a pid that cannot be attached.
pub fn run(_args: TraceArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("trace: not built yet")
}
