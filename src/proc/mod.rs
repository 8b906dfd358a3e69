//! /proc readers, one per file they read, each taking a [`root::ProcRoot`] (so tests can use
//! trees in fixtures/ and a DaemonSet a host /proc mounted elsewhere); parsers work on bytes and
//! are unit-tested with literal bytes. The `fds`, `environ`, `root` and `ps` subcommands that
//! print what these read are in `cmd/`.
//!
//! - [`stat`]: /proc/PID/stat (comm, state, ppid, flags, start time; the kernel-thread and
//!   zombie checks).
//! - [`status`]: /proc/PID/status (State, Tgid, PPid, TracerPid, NSpid, Uid).
//! - [`schedstat`]: /proc/TID/schedstat (CPU time of a thread, re-read with pread per syscall).
//! - [`cmdline`]: /proc/PID/cmdline (argv).
//! - [`environ`]: /proc/PID/environ (the environment block).
//! - [`cgroup`]: /proc/PID/cgroup (container id, [`cgroup::Runtime`], pod uid).
//! - [`fd`]: /proc/PID/fd (every open fd, classified as an [`fd::FdKind`], sockets resolved).
//! - [`fdinfo`]: /proc/PID/fdinfo/FD (offset, open flags, locks, epoll targets).
//! - [`locks`]: /proc/locks lines (file locks, lsof's lock letters).
//! - [`holders`]: who holds a file (fds, mappings, cwd, root, exe), for `fds --file`.
//! - [`maps`]: /proc/PID/maps (memory mappings, for `grep-secret --memory` and `fds`' `mem` rows).
//! - [`mountinfo`]: /proc/PID/mountinfo (mounts, per-mount and filesystem options).
//! - [`net`]: /proc/PID/net/{tcp,tcp6,udp,udp6,unix,netlink} (sockets of the process's namespace).
//! - [`ns`]: /proc/PID/ns/* (mount namespaces, and a live process in one).
//! - [`rootfs`]: /proc/PID/root (reading inside a process's root, never leaving it).
//! - [`process`]: one process for `ps`, from stat, status, cmdline and cgroup.
//! - [`root`]: [`root::ProcRoot`], where /proc is, and the pid, tid and fd listings.
//! - [`target`]: selecting processes (pids, names, a container).
//! - [`error`]: [`error::ProcError`], a failure about one process, naming its pid and path.
#![forbid(unsafe_code)]

pub mod cgroup;
pub mod cmdline;
pub mod environ;
pub mod error;
pub mod fd;
pub mod fdinfo;
pub mod holders;
pub mod locks;
pub mod maps;
pub mod mountinfo;
pub mod net;
pub mod ns;
pub mod process;
pub mod root;
pub mod rootfs;
pub mod schedstat;
pub mod stat;
pub mod status;
pub mod target;
