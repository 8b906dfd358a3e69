//! The ksec binary: parse the command line, run, print the error chain, map to an exit code.

use clap::Parser;
use ksec::{cli::Cli, Exit};

fn main() {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == "__affinity-guardian") {
        ksec::trace::placement::guardian_main(std::io::stdin().lock());
        return;
    }
    let cli = Cli::parse();
    match ksec::run(cli) {
        Ok(Exit::Code(code)) => std::process::exit(code),
        Ok(Exit::Signal(sig)) => ksec::sys::die_of_signal(sig),
        Err(err) => {
            if is_broken_pipe(&err) {
                std::process::exit(0);
            }
            eprintln!("ksec: {err:#}");
            let code = err.downcast_ref::<ksec::ExitError>().map_or(2, |e| e.code);
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
