//! Test harness: the ksec binary, privilege checks that skip loudly, small helpers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// Path of the ksec binary under test.
pub fn ksec_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ksec"))
}

/// A `Command` for ksec with `args`.
pub fn ksec(args: &[&str]) -> Command {
    let mut c = Command::new(ksec_bin());
    c.args(args);
    c
}

/// Runs a command and returns its output, panicking with a readable message if it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

/// True when this process is root (tests needing ptrace of others, cgroups, mounts).
pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// Skips the calling test, loudly, when `cond` is false.
#[macro_export]
macro_rules! require {
    ($cond:expr, $why:expr) => {
        if !$cond {
            eprintln!("SKIPPED {}: {}", module_path!(), $why);
            return;
        }
    };
}

/// Where a program is on PATH, if anywhere.
pub fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(prog))
            .find(|f| f.is_file())
    })
}

/// Utf-8 lossy stdout and stderr, for assertion messages.
pub fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
