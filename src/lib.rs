//! ksec: runtime-security inspection for a Linux (Kubernetes) node.
//!
//! The binary (`src/bin/ksec.rs`) hands the command line to [`cmd::run`] and ends as the typed
//! [`exit::Exit`] says. The command layer ([`cmd`]) is the only code that sees clap's types,
//! prints per-item messages and picks an exit; the domain modules take plain configurations and
//! return data or typed errors. All `unsafe` code lives in [`sys`]: unsafe code is denied
//! everywhere else, and every unsafe block must say why it is sound (`// SAFETY:`).
//!
//! # Crate map
//!
//! ```text
//! bin/ksec.rs                  run the command line, print the error chain, exit
//! cli.rs                       clap's derive structs: one Args struct per subcommand
//! exit.rs                      the exit statuses, typed
//! cmd/mod.rs                   dispatch; ksec trace parsed by getopt, the rest by clap
//! cmd/trace/mod.rs             ksec trace: pids, program, -o, placement, seccomp -> backend -> summary
//! cmd/trace/getopt.rs          strace's command line (getopt, long options, refusals)
//! cmd/{fds,environ,root,ps}.rs the /proc subcommands: config, run, render, exit
//! cmd/grep_secret.rs           ksec grep-secret: config, scan, printers, summary, grep's exit
//! cmd/watch.rs                ksec watch: rules, event source, context, alerts, SIGHUP reload
//! cmd/audit_log.rs             ksec audit-log: filters, streaming, --last, --count-by, --secrets-leaked
//! cmd/audit_policy.rs          ksec audit-policy lint|explain
//! cmd/completions.rs           ksec completions SHELL: clap_complete's script on stdout
//! cmd/man.rs                   ksec man [DIR] (hidden): clap_mangen's roff pages
//! cmd/doctor.rs               ksec doctor: the probes' report as tables or JSON
//! cmd/proc_args.rs             --proc-root / $HOST_PROC -> ProcRoot
//! output/bytes.rs              untrusted bytes: lossless in JSON, escaped for terminals
//! output/sanitize.rs           escaping of control, bidi and non-UTF-8 bytes
//! output/color.rs              --color auto/always/never, NO_COLOR, the SGR sequences
//! output/table.rs              borderless tables with capped cells
//! output/json.rs               pretty JSON documents
//! output/time.rs               UTC dates from epoch seconds (ISO 8601, ls -l, trace stamps)
//! proc/root.rs                 ProcRoot (an injectable /proc) and the pid, tid, fd listings
//! proc/stat.rs                 /proc/PID/stat (and the kernel-thread and zombie checks)
//! proc/status.rs               /proc/PID/status (State, Tgid, PPid, TracerPid, NSpid, Uid)
//! proc/cmdline.rs              /proc/PID/cmdline
//! proc/environ.rs              /proc/PID/environ
//! proc/cgroup.rs               /proc/PID/cgroup: container id, runtime, pod uid
//! proc/fd.rs                   /proc/PID/fd: open fds, classified, sockets resolved
//! proc/fdinfo.rs               /proc/PID/fdinfo/FD: offset, flags
//! proc/locks.rs                /proc/locks lines (and fdinfo lock:), lsof's lock letters
//! proc/holders.rs              who holds a file (fds, mappings, cwd/root/exe): fds --file
//! proc/net.rs                  /proc/PID/net/{tcp,tcp6,udp,udp6,unix}
//! proc/maps.rs                 /proc/PID/maps
//! proc/mountinfo.rs            /proc/PID/mountinfo: mounts, per-mount and filesystem options
//! proc/schedstat.rs            /proc/TID/schedstat: a thread's CPU time, re-read with pread
//! proc/rootfs.rs               reading inside /proc/PID/root without leaving it
//! proc/process.rs              one process for ps (stat, status, cmdline, cgroup)
//! proc/target.rs               pids, names and containers -> pids
//! proc/error.rs                ProcError: one process's failure, naming pid and path
//! secret/detectors/            the built-in detectors, one file per family
//! secret/strings.rs            printable runs, as strings -n
//! secret/scan.rs               the chunked streaming search
//! secret/sources.rs            what is read (fds, files, environ, memory) and how, harmlessly
//! secret/report.rs             findings as data, redaction, the text and JSON printers
//! sys/                         the unsafe room: ptrace, wait, signal, spawn, openat2, bpf records,
//!                              the proc connector, fanotify
//! trace/event.rs               Event and Sink: what a backend reports; task names
//! trace/backend.rs             the Backend interface, one counted run over it, the live clock
//! trace/ptrace/                the ptrace backend: wait loop, stops, tasks, attach, affinity
//! trace/ebpf/                  the eBPF backend: loads bpf/trace.bpf.o (aya), pid maps, reads rows
//! trace/replay.rs              a backend replaying captured strace runs (tests without root)
//! trace/syscalls/              the one syscall table: names, classes, subcalls, sets
//! trace/arch.rs                personalities and their audit arches
//! trace/filter/                -e trace= and the other qualifiers, as sets of syscalls
//! trace/seccomp.rs             the seccomp program for --seccomp-bpf
//! trace/placement.rs           CPU placement while tracing, and its guardian
//! trace/counter.rs             the counting Sink: filter, -O, per-container/-process/-thread, live
//! trace/stats.rs               counts per syscall and personality; the Report
//! trace/hist.rs                latency histograms: log2 x16 buckets, as the eBPF program counts
//! trace/summary/               the text (strace's layout), JSON and histogram renderers, -S -U -O
//! rules/                       the Falco rule language, pure: load, conditions, fields, outputs
//! watch/                       ksec watch's event sources and process/container context
//! doctor/                      ksec doctor: probes of what the node allows, verdicts per feature
//! audit/                       Kubernetes audit events, streaming reader, queries, policy semantics;
//!                              no /proc
//! immutable/                   ksec immutable's checks: read-only root, drift, user, caps, tools
//! ```
#![deny(unsafe_code)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod audit;
pub mod cli;
pub mod cmd;
pub mod doctor;
pub mod exit;
pub mod immutable;
pub mod output;
pub mod proc;
pub mod rules;
pub mod secret;
#[allow(unsafe_code)]
pub mod sys;
pub mod trace;
pub mod watch;
