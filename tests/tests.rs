//! ksec's integration tests: one binary, a small harness in util.rs, one module per subcommand.

mod util;

mod cli_extras;
mod exits;
mod filter;
mod immutable;
mod layout;
mod lines;
mod lines_golden;
mod lines_net;
mod lines_proc;
mod live;
mod proc;
mod rules_loader;
mod secret;
mod trace;
mod trace_cli;
mod trace_ebpf;
mod trace_latency;
mod watch;
mod watch_ebpf;
mod watch_fallback;
