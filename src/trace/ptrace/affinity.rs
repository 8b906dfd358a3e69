//! CPU placement seen from inside a pinned tracee: `sched_setaffinity` records the mask a task
//! asked for, `sched_getaffinity` answers with it (not the pin), and the pid argument of both is
//! read in the tracee's pid namespace (NSpid and the ns/pid links).

use super::task::Entry;
use super::Tracer;
use crate::proc::root::ProcRoot;
use crate::proc::status;
use crate::trace::arch::Watched;

impl Tracer<'_> {
    /// Keeps what a pinned tracee sees about its affinity true.
    pub(super) fn watched_exit(&mut self, tid: i32, w: Watched, entry: &Entry, rval: i64) {
        if self.placement.is_none() {
            return;
        }
        // The pid argument is in the tracee's pid namespace (0: the caller).
        let target = match entry.arg0 as i32 {
            0 => tid,
            pid => match self.host_tid(tid, pid) {
                Some(t) => t,
                None => return, // not a task ksec traces, so not one it pinned
            },
        };
        let Some(p) = self.placement.as_mut() else {
            return;
        };
        match w {
            Watched::SchedSetaffinity => {
                // A task not pinned yet reads its own (new) mask when it is.
                if self
                    .tasks
                    .get(&target)
                    .is_some_and(|t| !t.pin_at_first_stop)
                {
                    if let Ok(mask) =
                        nix::sched::sched_getaffinity(nix::unistd::Pid::from_raw(target))
                    {
                        p.set_original(target, mask);
                    }
                }
            }
            Watched::SchedGetaffinity => {
                if let (Some(orig), true) = (p.original(target), rval > 0) {
                    let bytes = crate::trace::placement::mask_bytes(&orig, rval as usize);
                    let _ = nix::sys::uio::process_vm_writev(
                        nix::unistd::Pid::from_raw(tid),
                        &[std::io::IoSlice::new(&bytes)],
                        &[nix::sys::uio::RemoteIoVec {
                            base: entry.arg2 as usize,
                            len: bytes.len(),
                        }],
                    );
                }
            }
        }
    }
}

/// The pid namespace of `tid`, as its /proc/TID/ns/pid link reads.
fn pid_ns(root: &ProcRoot, tid: i32) -> Option<std::path::PathBuf> {
    std::fs::read_link(root.pid_path(tid, "ns/pid")).ok()
}

/// The ids of `tid` in each pid namespace it is in, outermost (this /proc's) first.
fn ns_pids(root: &ProcRoot, tid: i32) -> Option<Vec<i32>> {
    status::read_status(root, tid).ok()?.ns_pids
}

impl Tracer<'_> {
    /// The host tid of the traced task that tracee `tid` calls `pid` (a pid in its own pid
    /// namespace, as the kernel reads a `sched_*affinity` argument), if ksec traces it.
    fn host_tid(&self, tid: i32, pid: i32) -> Option<i32> {
        let root = &self.cfg.proc_root;
        let theirs = pid_ns(root, tid)?;
        if pid_ns(root, std::process::id() as i32).as_ref() == Some(&theirs) {
            return Some(pid);
        }
        let level = ns_pids(root, tid)?.len();
        let mut deeper = None;
        for &t in self.tasks.keys() {
            let Some(ids) = ns_pids(root, t) else {
                continue;
            };
            if ids.len() < level || ids[level - 1] != pid {
                continue;
            }
            if ids.len() == level {
                if pid_ns(root, t).as_ref() == Some(&theirs) {
                    return Some(t);
                }
            } else if deeper.is_none() {
                // In a namespace below the caller's (which /proc cannot confirm).
                deeper = Some(t);
            }
        }
        deeper
    }
}
