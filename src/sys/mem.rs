//! Reading a stopped tracee's memory: `process_vm_readv(2)`, falling back to `/proc/PID/mem`
//! (`pread`) where the first is refused (a kernel without it, a seccomp policy, EPERM under
//! some LSMs). Reads never write and never block on the tracee: it is stopped in a ptrace stop.

use std::fs::File;
use std::os::unix::fs::FileExt;

use libc::pid_t;

/// One tracee's memory. Opens `/proc/PID/mem` only when `process_vm_readv` fails for a reason
/// other than a bad address.
#[derive(Debug)]
pub struct TraceeMem {
    pid: pid_t,
    /// `/proc/PID/mem`, once needed; `Err(())` once it could not be opened.
    file: Option<Result<File, ()>>,
    /// process_vm_readv was refused (ENOSYS, EPERM): use the file from now on.
    no_vm_readv: bool,
}

impl TraceeMem {
    /// The memory of task `pid` (a tid: its address space is its process's).
    pub fn new(pid: pid_t) -> TraceeMem {
        TraceeMem {
            pid,
            file: None,
            no_vm_readv: false,
        }
    }

    /// The task this reads.
    pub fn pid(&self) -> pid_t {
        self.pid
    }

    /// Reads up to `buf.len()` bytes at `addr`; returns how many were read: fewer when the
    /// range runs into an unmapped page, 0 when nothing at `addr` can be read.
    pub fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        if buf.is_empty() {
            return 0;
        }
        if !self.no_vm_readv {
            let local = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: buf.len(),
            };
            let remote = libc::iovec {
                iov_base: addr as usize as *mut libc::c_void,
                iov_len: buf.len(),
            };
            // SAFETY: `local` describes `buf`, which is valid for writes of its length for the
            // whole call; `remote` is only read by the kernel, in the other process, which
            // checks it.
            let n = unsafe { libc::process_vm_readv(self.pid, &local, 1, &remote, 1, 0) };
            if n >= 0 {
                return n as usize;
            }
            match std::io::Error::last_os_error().raw_os_error() {
                // A bad address (or a task gone): the file would say the same.
                Some(libc::EFAULT | libc::ESRCH | libc::EINVAL) => return 0,
                _ => self.no_vm_readv = true,
            }
        }
        let pid = self.pid;
        let file = self
            .file
            .get_or_insert_with(|| File::open(format!("/proc/{pid}/mem")).map_err(|_| ()));
        let Ok(f) = file else { return 0 };
        // /proc/PID/mem reads stop at the first unreadable page.
        let mut done = 0;
        while done < buf.len() {
            match f.read_at(&mut buf[done..], addr.wrapping_add(done as u64)) {
                Ok(0) | Err(_) => break,
                Ok(n) => done += n,
            }
        }
        done
    }
}

/// The description glibc's `strerror` gives errno `n` (strace prints it after an error's name).
pub fn strerror(n: i32) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: `buf` is valid for writes of its length; the XSI strerror_r (libc's
    // `strerror_r` on glibc is the POSIX one under this name) writes a NUL-terminated string
    // of at most that length and returns 0, or an error number.
    let r = unsafe { libc::strerror_r(n, buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return format!("Unknown error {n}");
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_own_memory_and_stops_at_unmapped_pages() {
        let data = b"hello, tracee".to_vec();
        let mut m = TraceeMem::new(std::process::id() as pid_t);
        let mut buf = [0u8; 13];
        assert_eq!(m.read(data.as_ptr() as u64, &mut buf), 13);
        assert_eq!(&buf, b"hello, tracee");
        // Page 0 is never mapped.
        assert_eq!(m.read(16, &mut buf), 0);
    }

    #[test]
    fn strerror_is_glibcs() {
        assert_eq!(strerror(libc::ENOENT), "No such file or directory");
        assert_eq!(strerror(libc::EAGAIN), "Resource temporarily unavailable");
    }
}
