//! [`ProcRoot`]: where /proc is mounted (the command layer picks it: `--proc-root`, `$HOST_PROC`
//! or /proc), its paths, and the one lister of numeric directory entries ([`numeric_entries`])
//! behind the pid, tid and fd listings; [`ProcRoot::checked`] refuses a directory that is no
//! /proc.

use std::path::{Path, PathBuf};

/// Where /proc is mounted; every /proc reader in ksec takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcRoot {
    path: PathBuf,
}

impl Default for ProcRoot {
    fn default() -> Self {
        Self::new("/proc")
    }
}

impl ProcRoot {
    /// A /proc mounted at `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// A /proc at `path` after checking that it is one: a procfs (statfs `f_type`
    /// `PROC_SUPER_MAGIC`), or a tree with at least one numeric (pid) directory, as the fixture
    /// trees tests use. A directory that is neither would list no process, and every command
    /// would answer with an empty table.
    ///
    /// # Errors
    /// `path` does not exist or cannot be read, is not a directory, or is neither of the above.
    pub fn checked(path: impl Into<PathBuf>) -> Result<Self, NotProc> {
        let path = path.into();
        let meta = std::fs::metadata(&path).map_err(|error| NotProc::Unreadable {
            path: path.clone(),
            error,
        })?;
        if !meta.is_dir() {
            return Err(NotProc::NotADirectory { path });
        }
        let procfs = nix::sys::statfs::statfs(&path)
            .is_ok_and(|fs| fs.filesystem_type() == nix::sys::statfs::PROC_SUPER_MAGIC);
        if procfs {
            return Ok(Self { path });
        }
        let entries = std::fs::read_dir(&path).map_err(|error| NotProc::Unreadable {
            path: path.clone(),
            error,
        })?;
        let has_pid_dir = entries.filter_map(Result::ok).any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.parse::<i32>().is_ok())
                && e.file_type().is_ok_and(|t| t.is_dir())
        });
        if has_pid_dir {
            Ok(Self { path })
        } else {
            Err(NotProc::NoProcesses { path })
        }
    }

    /// The root directory itself.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `<root>/<pid>`.
    pub fn pid_dir(&self, pid: i32) -> PathBuf {
        self.path.join(pid.to_string())
    }

    /// `<root>/<pid>/<rel>`.
    pub fn pid_path(&self, pid: i32, rel: &str) -> PathBuf {
        self.pid_dir(pid).join(rel)
    }

    /// `<root>/<pid>/task/<tid>/<rel>`.
    pub fn task_path(&self, pid: i32, tid: i32, rel: &str) -> PathBuf {
        self.pid_dir(pid)
            .join("task")
            .join(tid.to_string())
            .join(rel)
    }

    /// The command name of `pid` (/proc/PID/comm without its newline), bytes as the kernel gives
    /// them.
    ///
    /// # Errors
    /// The file cannot be read (no such process, permission).
    pub fn comm(&self, pid: i32) -> std::io::Result<Vec<u8>> {
        let mut c = std::fs::read(self.pid_path(pid, "comm"))?;
        if c.last() == Some(&b'\n') {
            c.pop();
        }
        Ok(c)
    }

    /// Numeric entries of the root: the visible processes, ascending.
    ///
    /// # Errors
    /// The root cannot be read.
    pub fn pids(&self) -> std::io::Result<Vec<i32>> {
        numeric_entries(&self.path)
    }

    /// Thread ids in `<root>/<pid>/task`, ascending.
    ///
    /// # Errors
    /// The task directory cannot be read (no such process, permission).
    pub fn tids(&self, pid: i32) -> std::io::Result<Vec<i32>> {
        numeric_entries(&self.pid_path(pid, "task"))
    }

    /// The open file descriptors of `pid`: the entries of `<root>/<pid>/fd`, ascending.
    ///
    /// # Errors
    /// The fd directory cannot be read (no such process, permission: it needs ptrace access).
    pub fn fds(&self, pid: i32) -> std::io::Result<Vec<i32>> {
        numeric_entries(&self.pid_path(pid, "fd"))
    }
}

/// Why a directory cannot be used as /proc ([`ProcRoot::checked`]).
#[derive(Debug, thiserror::Error)]
pub enum NotProc {
    /// It does not exist, or cannot be read (`error` is in the message, not a source, so the
    /// error chain says it once).
    #[error("{}: {error}", path.display())]
    Unreadable {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not a directory", path.display())]
    NotADirectory { path: PathBuf },
    /// Neither a procfs nor a tree with a numeric (pid) directory.
    #[error("{}: not a procfs, and no pid directory in it (is the host's /proc mounted there?)", path.display())]
    NoProcesses { path: PathBuf },
}

/// The entries of `dir` whose names are decimal numbers (pids, tids, fds), ascending; other
/// names and entries that cannot be read (vanished while listed) are left out.
///
/// # Errors
/// `dir` itself cannot be read.
pub fn numeric_entries(dir: &Path) -> std::io::Result<Vec<i32>> {
    let mut numbers: Vec<i32> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    numbers.sort_unstable();
    Ok(numbers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_numeric_entries_ascending() {
        let dir = tempfile::tempdir().unwrap();
        let root = ProcRoot::new(dir.path());
        for name in ["100", "9", "self", "1x", "thread-self", "20"] {
            std::fs::create_dir(dir.path().join(name)).unwrap();
        }
        std::fs::write(dir.path().join("uptime"), "1.0 1.0\n").unwrap();
        assert_eq!(root.pids().unwrap(), [9, 20, 100]);
        std::fs::create_dir_all(dir.path().join("20/task/21")).unwrap();
        std::fs::create_dir_all(dir.path().join("20/task/20")).unwrap();
        assert_eq!(root.tids(20).unwrap(), [20, 21]);
        let fd = dir.path().join("20/fd");
        std::fs::create_dir(&fd).unwrap();
        for n in ["10", "2", "0", "1"] {
            std::os::unix::fs::symlink("/dev/null", fd.join(n)).unwrap();
        }
        std::fs::write(fd.join(".gitkeep"), "").unwrap();
        assert_eq!(root.fds(20).unwrap(), [0, 1, 2, 10]);
        assert_eq!(
            root.fds(9).unwrap_err().kind(),
            std::io::ErrorKind::NotFound
        );
        assert!(root.tids(404).is_err());
    }

    #[test]
    fn checked_roots() {
        assert!(ProcRoot::checked("/proc").is_ok());
        let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/proc/tree");
        assert_eq!(ProcRoot::checked(tree).unwrap(), ProcRoot::new(tree));
        let dir = tempfile::tempdir().unwrap();
        let err = ProcRoot::checked(dir.path()).unwrap_err();
        assert!(matches!(err, NotProc::NoProcesses { .. }), "{err}");
        assert!(err
            .to_string()
            .starts_with(&format!("{}: not a procfs", dir.path().display())));
        // A numeric file, not a directory, is no process.
        std::fs::write(dir.path().join("42"), "").unwrap();
        assert!(ProcRoot::checked(dir.path()).is_err());
        std::fs::create_dir(dir.path().join("43")).unwrap();
        assert!(ProcRoot::checked(dir.path()).is_ok());
        let err = ProcRoot::checked(dir.path().join("42")).unwrap_err();
        assert!(matches!(err, NotProc::NotADirectory { .. }), "{err}");
        let err = ProcRoot::checked(dir.path().join("absent")).unwrap_err();
        assert!(matches!(err, NotProc::Unreadable { .. }), "{err}");
        assert!(err.to_string().contains("absent: No such file"), "{err}");
    }

    #[test]
    fn lists_the_fixture_tree() {
        let tree = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/proc/tree");
        let root = ProcRoot::new(tree);
        let pids = root.pids().unwrap();
        assert!(pids.contains(&102) && pids.contains(&108), "{pids:?}");
        assert!(pids.windows(2).all(|w| w[0] < w[1]));
        // The fixtures' fd directories hold only a .gitkeep.
        assert_eq!(root.fds(102).unwrap(), Vec::<i32>::new());
    }
}
