//! The command layer: the only code that sees clap's types ([`crate::cli`]), prints per-item
//! messages and picks an [`Exit`]. One file per subcommand: arguments -> configuration -> run
//! (the domain modules return data or typed errors) -> render -> exit.

pub mod audit_log;
pub mod audit_policy;
pub mod completions;
pub mod doctor;
pub mod environ;
pub mod fds;
pub mod grep_secret;
pub mod immutable;
pub mod man;
pub mod proc_args;
pub mod ps;
pub mod root;
pub mod trace;
pub mod watch;

use std::ffi::OsString;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command};
use crate::exit::{Exit, ExitError};

/// Runs ksec on a whole command line (`argv[0]` included) and says how to end.
///
/// `ksec trace` has strace's command line (getopt, see [`trace::getopt`]), not clap's; its
/// errors end with strace's status ([`Exit::TraceError`]).
///
/// # Errors
/// What stops the whole command, with the exit it calls for (an [`ExitError`] in the chain says
/// which; otherwise [`Exit::Error`], or [`Exit::TraceError`] for `ksec trace`).
pub fn run(argv: Vec<OsString>) -> (anyhow::Result<Exit>, &'static str, Exit) {
    if argv.get(1).is_some_and(|a| a == "trace") {
        let result = match trace::getopt::parse(&argv[2..]) {
            Ok(trace::getopt::Parsed::Help) => {
                let mut cmd = Cli::command();
                let sub = cmd
                    .find_subcommand_mut("trace")
                    .expect("trace subcommand")
                    .clone()
                    .bin_name("ksec trace");
                let _ = sub.clone().print_long_help();
                Ok(Exit::Success)
            }
            Ok(trace::getopt::Parsed::Version) => {
                println!("ksec trace {}", env!("CARGO_PKG_VERSION"));
                Ok(Exit::Success)
            }
            Ok(trace::getopt::Parsed::Trace(args)) => trace::run(*args),
            Err(e) => Err(e.into()),
        };
        return (result, "ksec trace", Exit::TraceError);
    }
    let cli = Cli::parse_from(argv);
    let result = match cli.command {
        // Not reached: `ksec trace` is parsed above.
        Command::Trace(args) => trace::run(args),
        Command::Fds(args) => fds::run(args),
        Command::Environ(args) => environ::run(args),
        Command::Root(args) => root::run(args),
        Command::Ps(args) => ps::run(args),
        Command::GrepSecret(args) => grep_secret::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Completions(args) => completions::run(args),
        Command::AuditLog(args) => audit_log::run(args),
        Command::AuditPolicy(args) => audit_policy::run(args),
        Command::Man(args) => man::run(args),
        Command::Doctor(args) => doctor::run(args),
        Command::Immutable(args) => immutable::run(args),
    };
    (result, "ksec", Exit::Error)
}

/// The exit an error calls for: the [`ExitError`] in its chain, else `default`.
pub fn exit_of_error(err: &anyhow::Error, default: Exit) -> Exit {
    err.chain()
        .find_map(|e| e.downcast_ref::<ExitError>())
        .map_or(default, |e| e.exit)
}

/// `ksec ... | head` closing the pipe is not an error (as ripgrep does).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
