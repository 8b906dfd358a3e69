//! ksec's integration tests: one binary, a small harness in util.rs, one module per subcommand.

mod util;

mod audit;
mod cli_extras;
mod doctor;
mod exits;
mod fds;
mod filter;
mod immutable;
mod layout;
mod lines;
mod lines_ebpf;
mod lines_golden;
mod lines_net;
mod lines_proc;
mod lines_schema;
mod live;
mod proc;
mod rules_loader;
mod secret;
mod secret_families;
mod trace;
mod trace_cli;
mod trace_ebpf;
mod trace_latency;
mod watch;
mod watch_ebpf;
mod watch_fallback;
mod watch_net;
