//! The one unsafe room: every `unsafe` call of ksec lives under this folder, each block with a
//! `// SAFETY:` note, following nix's CONVENTIONS.md (`Errno::result(unsafe { libc::x(..) })`,
//! constants and kernel structs taken from libc, not redeclared). Nothing here imports from the
//! rest of ksec: these modules take and return plain, libc and nix types.
//!
//! - [`ptrace`]: raw ptrace requests nix lacks (SEIZE, INTERRUPT, LISTEN, GET_SYSCALL_INFO) and
//!   the typed [`ptrace::PtraceEvent`] vocabulary of `PTRACE_EVENT_*`.
//! - [`wait`]: `waitpid` with `__WALL`, returning raw statuses (nix's `WaitStatus` cannot hold a
//!   real-time signal).
//! - [`signal`]: the typed [`signal::Sig`] (standard and real-time signals), the handlers ksec
//!   installs while tracing, re-raising a command's fatal signal, `tgkill`.
//! - [`spawn`]: fork/exec of the traced command, and the ELF constructors that record the signal
//!   state and closed standard fds ksec was started with.
//! - [`bpf`]: the records of the eBPF program's maps (`aya::Pod` mirrors of its C structs) and
//!   `pidfd_open`.
//! - [`mem`]: reading a stopped tracee's memory (`process_vm_readv`, `/proc/PID/mem`), and
//!   glibc's `strerror`.
//! - [`time`]: local time of day (`localtime_r`), for `ksec trace -t`.
//! - [`proc_connector`], [`fanotify`]: the process-event netlink socket and the fanotify group
//!   of `ksec watch`'s fallback source.
//! - [`openat2`]: opening paths inside a process's root without escaping it (`ksec root`).
//! - [`tty`]: the width of a terminal (`TIOCGWINSZ`), for fitting tables.
//! - [`sock_diag`]: the peers of unix sockets (NETLINK_SOCK_DIAG, `UNIX_DIAG_PEER`), inet sockets
//!   in any state, a socket fd's protocol name (`system.sockprotoname`).

pub mod bpf;
pub mod fanotify;
pub mod mem;
pub mod openat2;
pub mod proc_connector;
pub mod ptrace;
pub mod signal;
pub mod sock_diag;
pub mod spawn;
pub mod time;
pub mod tty;
pub mod wait;
pub mod watch_bpf;

pub use libc::pid_t;
/// The path `proc/rootfs.rs` uses (`crate::sys::proc_open::open_in_root`).
pub use openat2 as proc_open;
pub use signal::die_of_signal;
pub use spawn::spawn_stopped;
