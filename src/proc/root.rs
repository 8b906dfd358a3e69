//! [`ProcRoot`]: the location of /proc (`--proc-root`, `$HOST_PROC`, or /proc).

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

    /// `--proc-root DIR` if given, else `$HOST_PROC` if set and non-empty, else /proc.
    pub fn from_args(args: &crate::cli::ProcArgs) -> Self {
        if let Some(dir) = &args.proc_root {
            return Self::new(dir);
        }
        match std::env::var_os("HOST_PROC") {
            Some(dir) if !dir.is_empty() => Self::new(dir),
            _ => Self::default(),
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
        let mut pids: Vec<i32> = std::fs::read_dir(&self.path)?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        pids.sort_unstable();
        Ok(pids)
    }

    /// Thread ids in `<root>/<pid>/task`, ascending.
    ///
    /// # Errors
    /// The task directory cannot be read (no such process, permission).
    pub fn tids(&self, pid: i32) -> std::io::Result<Vec<i32>> {
        let mut tids: Vec<i32> = std::fs::read_dir(self.pid_dir(pid).join("task"))?
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
            .collect();
        tids.sort_unstable();
        Ok(tids)
    }
}
