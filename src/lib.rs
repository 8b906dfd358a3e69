//! ksec: runtime-security inspection for a Linux (Kubernetes) node.
//!
//! - [`trace`]: strace-compatible syscall count tables over ptrace (`ksec trace`).
//! - [`proc`]: /proc inspection (`ksec fds`, `environ`, `root`, `ps`) with container discovery.
//! - [`secret`]: secret search in what processes hold open (`ksec grep-secret`).
//!
//! The binary in `src/bin/ksec.rs` only parses arguments and calls [`run`]; every subcommand turns
//! its raw arguments into a validated configuration, collects data, then renders it.
//! All `unsafe` code lives in [`sys`].

pub mod cli;
pub mod output;
pub mod proc;
pub mod secret;
pub mod sys;
pub mod trace;

use cli::{Cli, Command};

/// How the ksec process should end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exit with this status.
    Code(i32),
    /// Die of this signal (as the traced command did, or as strace re-raises on SIGINT).
    Signal(nix::sys::signal::Signal),
}

/// Runs one parsed command line.
///
/// # Errors
/// Any failure that stops the whole command; per-item problems are reported and skipped by the
/// subcommands themselves and show in the exit code.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Trace(args) => trace::run(args),
        Command::Fds(args) => proc::fds::run(args),
        Command::Environ(args) => proc::environ::run(args),
        Command::Root(args) => proc::rootfs::run(args),
        Command::Ps(args) => proc::ps::run(args),
        Command::GrepSecret(args) => secret::run(args),
    }
}

/// An error that ends ksec with a specific exit status (e.g. 1 for strace-style usage errors).
#[derive(Debug, thiserror::Error)]
#[error("{msg}")]
pub struct ExitError {
    pub code: i32,
    pub msg: String,
}

impl ExitError {
    /// An error with exit status `code`.
    pub fn new(code: i32, msg: impl Into<String>) -> Self {
        Self {
            code,
            msg: msg.into(),
        }
    }
}
