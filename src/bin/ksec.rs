//! The ksec binary: parse the command line, run, print the error chain, map to an exit code.

use clap::{CommandFactory, Parser};
use ksec::{cli::Cli, trace::getopt::Parsed, Exit};

fn main() {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == "__affinity-guardian") {
        ksec::trace::placement::guardian_main(std::io::stdin().lock());
        return;
    }
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if argv.get(1).is_some_and(|a| a == "trace") {
        // strace's command line (getopt), not clap's: see ksec::trace::getopt.
        let result = match ksec::trace::getopt::parse(&argv[2..]) {
            Ok(Parsed::Help) => {
                let mut cmd = Cli::command();
                let trace = cmd
                    .find_subcommand_mut("trace")
                    .expect("trace subcommand")
                    .clone()
                    .bin_name("ksec trace");
                let _ = trace.clone().print_long_help();
                std::process::exit(0);
            }
            Ok(Parsed::Version) => {
                println!("ksec trace {}", env!("CARGO_PKG_VERSION"));
                std::process::exit(0);
            }
            Ok(Parsed::Trace(args)) => ksec::trace::run(*args),
            Err(e) => Err(e.into()),
        };
        finish(result, "ksec trace", 1);
    }
    let cli = Cli::parse();
    finish(ksec::run(cli), "ksec", 2);
}

/// Exits as `result` says; errors are printed after `prefix`, with `default_code` unless typed.
fn finish(result: anyhow::Result<Exit>, prefix: &str, default_code: i32) -> ! {
    match result {
        Ok(Exit::Code(code)) => std::process::exit(code),
        Ok(Exit::Signal(sig)) => ksec::sys::die_of_signal(sig),
        Err(err) => {
            if is_broken_pipe(&err) {
                std::process::exit(0);
            }
            eprintln!("{prefix}: {err:#}");
            let code = err
                .downcast_ref::<ksec::ExitError>()
                .map_or(default_code, |e| e.code);
            std::process::exit(code);
        }
    }
}

/// `ksec ... | head` closing the pipe is not an error (as ripgrep does).
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
