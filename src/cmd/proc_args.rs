//! What the /proc subcommands (`fds`, `environ`, `root`, `ps`, `grep-secret`) share on the
//! command line: `--proc-root` / `$HOST_PROC` turned into a [`ProcRoot`].

use anyhow::Context;

use crate::cli::ProcArgs;
use crate::proc::root::ProcRoot;

/// `--proc-root DIR` if given, else `$HOST_PROC` if set and non-empty, else /proc, checked to be
/// a /proc ([`ProcRoot::checked`]: a procfs, or a tree with pid directories).
///
/// # Errors
/// The directory does not exist, is not a directory, or holds no /proc; the message names it
/// and where it came from.
pub fn proc_root(args: &ProcArgs) -> anyhow::Result<ProcRoot> {
    let (dir, from) = match (&args.proc_root, std::env::var_os("HOST_PROC")) {
        (Some(dir), _) => (dir.clone(), "--proc-root"),
        (None, Some(dir)) if !dir.is_empty() => (dir.into(), "$HOST_PROC"),
        _ => (ProcRoot::default().path().to_path_buf(), "/proc"),
    };
    ProcRoot::checked(dir).context(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_root_option_wins_and_is_checked() {
        let args = ProcArgs {
            proc_root: Some("/host/proc".into()),
        };
        let err = proc_root(&args).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "--proc-root: /host/proc: No such file or directory (os error 2)"
        );
        let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/proc/tree");
        let args = ProcArgs {
            proc_root: Some(tree.into()),
        };
        assert_eq!(proc_root(&args).unwrap(), ProcRoot::new(tree));
    }
}
