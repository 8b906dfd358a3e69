//! `ksec trace`'s engine: strace-compatible syscall count tables.
//!
//! Collection (the ptrace tracer, [`ptrace`], with its raw calls in [`crate::sys`]) is kept apart
//! from counting ([`counter`], [`stats`]) and rendering ([`summary`]): a backend hands typed
//! [`event::Event`]s to a [`event::Sink`], so another backend (eBPF) can feed the same tables.
//! The command line and the run itself are in [`crate::cmd::trace`].
#![forbid(unsafe_code)]

pub mod arch;
pub mod backend;
pub mod counter;
pub mod decode;
pub mod ebpf;
pub mod event;
pub mod filter;
pub mod hist;
pub mod lines;
pub mod placement;
pub mod ptrace;
pub mod replay;
pub mod seccomp;
pub mod stats;
pub mod summary;
pub mod syscalls;
