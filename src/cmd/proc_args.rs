//! What the /proc subcommands (`fds`, `environ`, `root`, `ps`, `grep-secret`) share on the
//! command line: `--proc-root` / `$HOST_PROC` turned into a [`ProcRoot`].

use crate::cli::ProcArgs;
use crate::proc::root::ProcRoot;

/// `--proc-root DIR` if given, else `$HOST_PROC` if set and non-empty, else /proc.
pub fn proc_root(args: &ProcArgs) -> ProcRoot {
    if let Some(dir) = &args.proc_root {
        return ProcRoot::new(dir);
    }
    match std::env::var_os("HOST_PROC") {
        Some(dir) if !dir.is_empty() => ProcRoot::new(dir),
        _ => ProcRoot::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_root_option_wins() {
        let args = ProcArgs {
            proc_root: Some("/host/proc".into()),
        };
        assert_eq!(proc_root(&args), ProcRoot::new("/host/proc"));
    }
}
