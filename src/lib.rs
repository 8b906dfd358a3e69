//! ksec: runtime-security inspection for a Linux (Kubernetes) node.
//!
//! - [`trace`]: strace-compatible syscall count tables over ptrace (`ksec trace`).
//! - [`proc`]: /proc inspection (`ksec fds`, `environ`, `root`, `ps`) with container discovery.
//! - [`secret`]: secret search in what processes hold open (`ksec grep-secret`).
//!
//! The binary in `src/bin/ksec.rs` only parses arguments and calls [`run`]; every subcommand turns
//! its raw arguments into a validated configuration, collects data, then renders it.
//! All `unsafe` code lives in [`sys`]: unsafe code is denied everywhere else, and every unsafe
//! block must say why it is sound (`// SAFETY:`).
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod cli;
pub mod cmd;
pub mod exit;
pub mod output;
pub mod proc;
pub mod secret;
#[allow(unsafe_code)]
pub mod sys;
pub mod trace;
