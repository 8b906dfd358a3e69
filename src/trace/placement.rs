//! CPU placement while tracing: tracer and tracees on one CPU.
//!
//! Every ptrace stop wakes the tracer and every resume wakes the tracee; on a small VM, a wakeup
//! that crosses CPUs costs an inter-processor interrupt and an idle exit each time, so running
//! both on one CPU turns each stop into a plain context switch (measured in BENCHMARKS.md).
//! The tracer pins its own thread, and each tracee whose affinity allows that CPU is pinned to it
//! while traced. What the tracee sees stays true: its original mask is restored at detach, a
//! `sched_getaffinity` result is rewritten to the original mask, a `sched_setaffinity` it makes
//! becomes its new original (pids in these calls are the tracee's pid-namespace pids, translated
//! by the tracer). An attached task is pinned only at its first stop; a new task that is not
//! traced (no -f) is given its creator's original mask and detached by the tracer, which sees
//! every clone, fork and vfork while pinning. If ksec is killed with SIGKILL, a guardian process (ksec's hidden
//! `__affinity-guardian` subcommand, in its own process group) restores every mask it was told
//! about when its pipe closes without a `done` line.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::process::{Child, ChildStdin, Command, Stdio};

use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::unistd::Pid;

use crate::proc::root::ProcRoot;

/// The CPUs in a set, ascending.
pub fn cpus(set: &CpuSet) -> Vec<usize> {
    (0..CpuSet::count())
        .filter(|&c| set.is_set(c).unwrap_or(false))
        .collect()
}

/// A set of the given CPUs.
pub fn set_of(cpus: &[usize]) -> CpuSet {
    let mut s = CpuSet::new();
    for &c in cpus {
        let _ = s.set(c);
    }
    s
}

/// The bytes of a mask as the kernel writes them into a `sched_getaffinity` buffer.
pub fn mask_bytes(set: &CpuSet, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    for c in cpus(set) {
        if c / 8 < len {
            out[c / 8] |= 1 << (c % 8);
        }
    }
    out
}

/// The start time of a task (/proc/TID/stat), to tell it from a later one with its tid.
fn starttime(root: &ProcRoot, tid: i32) -> Option<u64> {
    let stat = std::fs::read(root.pid_path(tid, "stat")).ok()?;
    crate::proc::stat::parse_stat(&stat)?.starttime
}

/// Pins tracees to the tracer's CPU and remembers their own masks.
pub struct Placement {
    cpu: usize,
    pinned: CpuSet,
    /// tid -> the mask the tracee would have without ksec.
    original: HashMap<i32, CpuSet>,
    guardian: Option<(Child, ChildStdin)>,
    /// Where /proc is (tracees' start times for the guardian are read there).
    root: ProcRoot,
}

impl Placement {
    /// Chooses a CPU allowed to both ksec and `first_tracee` (the current CPU if it can),
    /// pins the calling (tracer) thread to it and starts the guardian.
    ///
    /// Returns `None` when no CPU is shared or pinning fails: tracing then goes on unpinned.
    pub fn start(first_tracee: i32, root: ProcRoot) -> Option<Placement> {
        let mine = sched_getaffinity(Pid::from_raw(0)).ok()?;
        let theirs = sched_getaffinity(Pid::from_raw(first_tracee)).ok()?;
        let shared: Vec<usize> = cpus(&mine)
            .into_iter()
            .filter(|&c| theirs.is_set(c).unwrap_or(false))
            .collect();
        let current = nix::sched::sched_getcpu().ok();
        let cpu = match current {
            Some(c) if shared.contains(&c) => c,
            _ => *shared.first()?,
        };
        let guardian = spawn_guardian();
        let pinned = set_of(&[cpu]);
        sched_setaffinity(Pid::from_raw(0), &pinned).ok()?;
        Some(Placement {
            cpu,
            pinned,
            original: HashMap::new(),
            guardian,
            root,
        })
    }

    /// The CPU everything runs on.
    pub fn cpu(&self) -> usize {
        self.cpu
    }

    /// A new tracee: remember `original` (its own mask, or its creator's for a fresh child that
    /// inherited a pinned mask) and pin it if that mask allows the tracer's CPU.
    pub fn adopt(&mut self, tid: i32, original: Option<CpuSet>) {
        let original = match original {
            Some(o) => o,
            None => match sched_getaffinity(Pid::from_raw(tid)) {
                Ok(o) => o,
                Err(_) => return,
            },
        };
        self.set_original(tid, original);
    }

    /// The mask `tid` would have without ksec, if ksec knows it.
    pub fn original(&self, tid: i32) -> Option<CpuSet> {
        self.original.get(&tid).copied()
    }

    /// Whether `tid` is currently pinned by ksec.
    pub fn is_pinned(&self, tid: i32) -> bool {
        self.original.contains_key(&tid)
    }

    /// Records `mask` as `tid`'s own mask (after it called sched_setaffinity, or at adoption)
    /// and pins it if the mask allows the tracer's CPU; otherwise leaves it alone.
    pub fn set_original(&mut self, tid: i32, mask: CpuSet) {
        if !mask.is_set(self.cpu).unwrap_or(false) {
            // Left alone (its own mask excludes our CPU): the guardian must not restore an older
            // mask over the one it has now.
            self.forget(tid);
            return;
        }
        // The guardian hears of it before the pin, so a SIGKILL in between cannot leave a
        // pinned task it does not know.
        self.tell_guardian_pin(tid, &mask);
        self.original.insert(tid, mask);
        if sched_setaffinity(Pid::from_raw(tid), &self.pinned).is_err() {
            self.forget(tid);
        }
    }

    fn tell_guardian_pin(&mut self, tid: i32, mask: &CpuSet) {
        if let Some((_, pipe)) = &mut self.guardian {
            let list: Vec<String> = cpus(mask).iter().map(|c| c.to_string()).collect();
            let st = starttime(&self.root, tid).unwrap_or(0);
            let _ = writeln!(pipe, "pin {tid} {st} {}", list.join(","));
        }
    }

    /// A tracee ended or is left alone: forget it (and tell the guardian).
    pub fn forget(&mut self, tid: i32) {
        if self.original.remove(&tid).is_some() {
            if let Some((_, pipe)) = &mut self.guardian {
                let _ = writeln!(pipe, "unpin {tid}");
            }
        }
    }

    /// A tracee changed its tid (exec by a non-leader thread).
    pub fn rename(&mut self, from: i32, to: i32) {
        if let Some(m) = self.original.get(&from).copied() {
            self.forget(from);
            self.tell_guardian_pin(to, &m);
            self.original.insert(to, m);
        }
    }

    /// Gives `tid` its own mask back (before detaching it).
    pub fn restore(&mut self, tid: i32) {
        if let Some(mask) = self.original.remove(&tid) {
            let _ = sched_setaffinity(Pid::from_raw(tid), &mask);
            if let Some((_, pipe)) = &mut self.guardian {
                let _ = writeln!(pipe, "unpin {tid}");
            }
        }
    }

    /// Tracing ended cleanly: restore every remaining tracee and release the guardian.
    pub fn finish(mut self) {
        let tids: Vec<i32> = self.original.keys().copied().collect();
        for tid in tids {
            self.restore(tid);
        }
        if let Some((mut child, mut pipe)) = self.guardian.take() {
            let _ = writeln!(pipe, "done");
            drop(pipe);
            let _ = child.wait();
        }
    }
}

fn spawn_guardian() -> Option<(Child, ChildStdin)> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe().ok()?;
    let mut child = Command::new(exe)
        .arg("__affinity-guardian")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .process_group(0)
        .spawn()
        .ok()?;
    let stdin = child.stdin.take()?;
    Some((child, stdin))
}

/// The guardian: reads `pin TID STARTTIME CPUS`, `unpin TID` and `done` lines from `input`; if
/// the input ends without `done` (ksec was killed), restores every pinned task that still has
/// the same start time (read in the host's /proc: the guardian is given no other root).
pub fn guardian_main(input: impl BufRead) {
    let root = ProcRoot::default();
    let mut pinned: HashMap<i32, (u64, Vec<usize>)> = HashMap::new();
    for line in input.lines() {
        let Ok(line) = line else { break };
        let mut it = line.split(' ');
        match it.next() {
            Some("pin") => {
                let tid = it.next().and_then(|t| t.parse().ok());
                let st = it.next().and_then(|t| t.parse().ok());
                let list: Vec<usize> = it
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .filter_map(|c| c.parse().ok())
                    .collect();
                if let (Some(tid), Some(st)) = (tid, st) {
                    pinned.insert(tid, (st, list));
                }
            }
            Some("unpin") => {
                if let Some(tid) = it.next().and_then(|t| t.parse().ok()) {
                    pinned.remove(&tid);
                }
            }
            Some("done") => return,
            _ => {}
        }
    }
    for (tid, (st, list)) in pinned {
        if starttime(&root, tid) == Some(st) {
            let _ = sched_setaffinity(Pid::from_raw(tid), &set_of(&list));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_bytes_layout() {
        let s = set_of(&[0, 1, 9]);
        assert_eq!(mask_bytes(&s, 4), vec![0b11, 0b10, 0, 0]);
        assert_eq!(cpus(&s), vec![0, 1, 9]);
    }
}
