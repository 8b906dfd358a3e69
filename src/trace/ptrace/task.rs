//! Per-thread state of the tracer, keyed by tid: the syscall in flight ([`Entry`]), the open
//! schedstat file, and where the task is in its life; and [`exec_rename`], what an execve by a
//! non-leader thread does to that map (the kernel gives the execing thread the leader's tid).

use std::collections::HashMap;
use std::fs::File;
use std::time::Instant;

use crate::trace::arch::Personality;

/// A syscall whose entry was seen and whose exit is awaited.
#[derive(Debug)]
pub(super) struct Entry {
    pub personality: Personality,
    pub nr: u64,
    pub wall: Instant,
    pub cpu_ns: u64,
    /// First and third arguments, kept for watched syscalls only.
    pub arg0: u64,
    pub arg2: u64,
}

/// One traced thread.
#[derive(Debug)]
pub(super) struct Task {
    pub tgid: i32,
    pub entry: Option<Entry>,
    /// /proc/TID/schedstat, open for as long as the task is traced (with CPU time only).
    pub schedstat: Option<File>,
    /// The spawned command before its first execve: its own setup calls are not counted.
    pub pre_exec: bool,
    /// Added because of its creator's fork/clone event, or by attach/spawn; false for a child
    /// whose own stop was reported before its creator's event.
    pub announced: bool,
    /// Attached with -p and not stopped yet: it is pinned at its first stop, once every later
    /// syscall exit is seen (a `sched_getaffinity` running before that must not see the pin).
    pub pin_at_first_stop: bool,
}

impl Task {
    /// A task of process `tgid`, outside any syscall.
    pub fn new(tgid: i32, schedstat: Option<File>, pin_at_first_stop: bool) -> Task {
        Task {
            tgid,
            entry: None,
            schedstat,
            pre_exec: false,
            announced: true,
            pin_at_first_stop,
        }
    }
}

/// A non-leader thread `former` execed and took over the leader's tid `leader` (execve(2): "all
/// other threads except the thread group leader are destroyed ... the execing thread takes the
/// leader's tid"). Its state, with its in-flight execve, moves to `leader`; the old leader's own
/// in-flight syscall is never completed and its state is dropped, but its open schedstat file
/// (which follows the tid) is kept. Returns whether an old leader was dropped: the caller
/// reports its end.
pub(super) fn exec_rename(tasks: &mut HashMap<i32, Task>, former: i32, leader: i32) -> bool {
    let Some(mut moved) = tasks.remove(&former) else {
        return false;
    };
    let dropped = match tasks.remove(&leader) {
        Some(old_leader) => {
            moved.schedstat = old_leader.schedstat.or(moved.schedstat);
            true
        }
        None => false,
    };
    moved.tgid = leader;
    tasks.insert(leader, moved);
    dropped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn in_syscall(tgid: i32, nr: u64) -> Task {
        let mut t = Task::new(tgid, None, false);
        t.entry = Some(Entry {
            personality: Personality::from_audit_arch(0xc000_003e),
            nr,
            wall: Instant::now(),
            cpu_ns: 7,
            arg0: 0,
            arg2: 0,
        });
        t
    }

    #[test]
    fn non_leader_exec_takes_the_leaders_tid() {
        // Process 100: the leader blocked in wait4 (61), thread 102 in execve (59), thread 101
        // another thread (already reaped by the kernel when the exec event comes).
        let mut tasks = HashMap::new();
        tasks.insert(100, in_syscall(100, 61));
        tasks.insert(101, in_syscall(100, 0));
        tasks.insert(102, in_syscall(100, 59));
        assert!(exec_rename(&mut tasks, 102, 100));
        assert!(!tasks.contains_key(&102));
        let leader = &tasks[&100];
        assert_eq!(leader.tgid, 100);
        // The execve in flight moved with the thread: its exit completes it under tid 100.
        assert_eq!(leader.entry.as_ref().map(|e| e.nr), Some(59));
        assert_eq!(leader.entry.as_ref().map(|e| e.cpu_ns), Some(7));
        // Other threads are left to report their own ends.
        assert!(tasks.contains_key(&101));
    }

    #[test]
    fn exec_rename_without_a_known_leader_or_thread() {
        // The leader had already been reported gone: nothing to drop, the thread moves.
        let mut tasks = HashMap::new();
        tasks.insert(202, in_syscall(200, 59));
        assert!(!exec_rename(&mut tasks, 202, 200));
        assert_eq!(tasks.keys().copied().collect::<Vec<_>>(), vec![200]);
        assert_eq!(tasks[&200].tgid, 200);
        // An execing thread ksec does not trace: the map is left as it is.
        let mut tasks = HashMap::new();
        tasks.insert(300, in_syscall(300, 61));
        assert!(!exec_rename(&mut tasks, 303, 300));
        assert_eq!(tasks[&300].entry.as_ref().map(|e| e.nr), Some(61));
    }
}
