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
