//! The ksec binary: run the command line, print the error chain, end with the typed exit.

use ksec::exit::Exit;

fn main() {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|a| a == "__affinity-guardian") {
        ksec::trace::placement::guardian_main(std::io::stdin().lock());
        return;
    }
    let (result, prefix, default) = ksec::cmd::run(std::env::args_os().collect());
    match result {
        Ok(Exit::Signal(sig)) => ksec::sys::die_of_signal(sig),
        Ok(exit) => std::process::exit(exit.code()),
        Err(err) => {
            if ksec::cmd::is_broken_pipe(&err) {
                std::process::exit(0);
            }
            eprintln!("{prefix}: {err:#}");
            std::process::exit(ksec::cmd::exit_of_error(&err, default).code());
        }
    }
}
