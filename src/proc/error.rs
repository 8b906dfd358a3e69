//! [`ProcError`]: what can go wrong reading one process's /proc entries, each naming the pid and
//! path, with the errno mapped to what it means for /proc (vanished, permission, kernel thread).

use std::io;
use std::path::{Path, PathBuf};

use super::root::ProcRoot;

/// A failure about one process.
#[derive(Debug, thiserror::Error)]
pub enum ProcError {
    /// The pid directory does not exist.
    #[error("pid {pid}: no such process")]
    NoSuchProcess { pid: i32 },
    /// The pid directory existed and vanished while ksec read it.
    #[error("pid {pid}: process exited while being read ({})", path.display())]
    Exited { pid: i32, path: PathBuf },
    /// The kernel refused (ptrace access mode check on environ, fd, root...).
    #[error("pid {pid}: {}: permission denied (run as root or with CAP_SYS_PTRACE)", path.display())]
    PermissionDenied { pid: i32, path: PathBuf },
    /// A kernel thread: no user memory, no environment, no file descriptors.
    #[error("pid {pid} ({comm}): kernel thread, it has no {what}")]
    KernelThread {
        pid: i32,
        comm: String,
        what: &'static str,
    },
    /// A zombie: exited, not yet reaped; its memory and files are gone.
    #[error("pid {pid} ({comm}): zombie (exited, not reaped), it has no {what}")]
    Zombie {
        pid: i32,
        comm: String,
        what: &'static str,
    },
    /// Any other I/O error.
    #[error("pid {pid}: {}: {source}", path.display())]
    Io {
        pid: i32,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl ProcError {
    /// Maps an I/O error on `path` (under `root`'s directory for `pid`) to what it means.
    pub fn from_io(root: &ProcRoot, pid: i32, path: &Path, err: io::Error) -> Self {
        let gone = || {
            if root.pid_dir(pid).exists() {
                None
            } else {
                Some(Self::Exited {
                    pid,
                    path: path.to_path_buf(),
                })
            }
        };
        match err.raw_os_error() {
            Some(libc::ESRCH) => Self::Exited {
                pid,
                path: path.to_path_buf(),
            },
            Some(libc::ENOENT) => gone().unwrap_or(Self::Io {
                pid,
                path: path.to_path_buf(),
                source: err,
            }),
            Some(libc::EACCES) | Some(libc::EPERM) => Self::PermissionDenied {
                pid,
                path: path.to_path_buf(),
            },
            _ => Self::Io {
                pid,
                path: path.to_path_buf(),
                source: err,
            },
        }
    }
}

/// The most of a process's cmdline or environ ksec reads (a process can point them at a GiB of
/// its memory with prctl(PR_SET_MM_MAP)); what is longer is cut there, and reported as cut.
pub const ARGS_CAP: u64 = 1 << 20;

/// Reads at most `cap` bytes of `<root>/<pid>/<rel>`; the flag is true when there was more.
///
/// # Errors
/// As [`read_pid_file`].
pub fn read_pid_file_capped(
    root: &ProcRoot,
    pid: i32,
    rel: &str,
    cap: u64,
) -> Result<(Vec<u8>, bool), ProcError> {
    use std::io::Read;
    if !root.pid_dir(pid).exists() {
        return Err(ProcError::NoSuchProcess { pid });
    }
    let path = root.pid_path(pid, rel);
    let mut data = Vec::new();
    std::fs::File::open(&path)
        .and_then(|f| f.take(cap.saturating_add(1)).read_to_end(&mut data))
        .map_err(|e| ProcError::from_io(root, pid, &path, e))?;
    let cut = data.len() as u64 > cap;
    data.truncate(usize::try_from(cap).unwrap_or(usize::MAX));
    Ok((data, cut))
}

/// Reads `<root>/<pid>/<rel>` whole, errors mapped by [`ProcError::from_io`].
///
/// # Errors
/// No such process, vanished, permission denied, other I/O.
pub fn read_pid_file(root: &ProcRoot, pid: i32, rel: &str) -> Result<Vec<u8>, ProcError> {
    if !root.pid_dir(pid).exists() {
        return Err(ProcError::NoSuchProcess { pid });
    }
    let path = root.pid_path(pid, rel);
    std::fs::read(&path).map_err(|e| ProcError::from_io(root, pid, &path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_means_what_it_means_for_proc() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("7")).unwrap();
        let root = ProcRoot::new(dir.path());
        let path = root.pid_path(7, "environ");
        let e = |errno| ProcError::from_io(&root, 7, &path, io::Error::from_raw_os_error(errno));
        assert!(matches!(e(libc::ESRCH), ProcError::Exited { pid: 7, .. }));
        assert!(matches!(
            e(libc::EACCES),
            ProcError::PermissionDenied { pid: 7, .. }
        ));
        assert!(matches!(
            e(libc::EPERM),
            ProcError::PermissionDenied { pid: 7, .. }
        ));
        // ENOENT with the pid directory still there: the file is missing, not the process.
        assert!(matches!(e(libc::ENOENT), ProcError::Io { pid: 7, .. }));
        // ENOENT after the pid directory vanished: the process exited while being read.
        std::fs::remove_dir(dir.path().join("7")).unwrap();
        let gone = e(libc::ENOENT);
        assert!(matches!(gone, ProcError::Exited { pid: 7, .. }));
        assert_eq!(
            gone.to_string(),
            format!(
                "pid 7: process exited while being read ({})",
                path.display()
            )
        );
        assert!(matches!(
            read_pid_file(&root, 7, "environ"),
            Err(ProcError::NoSuchProcess { pid: 7 })
        ));
        assert_eq!(
            e(libc::EACCES).to_string(),
            format!(
                "pid 7: {}: permission denied (run as root or with CAP_SYS_PTRACE)",
                path.display()
            )
        );
    }
}
