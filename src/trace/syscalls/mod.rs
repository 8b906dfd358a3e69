//! Everything ksec knows about a syscall, per personality, in one table: the way strace's
//! syscallent.h holds number, flags and name in one row. A row ([`Syscall`]) has the number, the
//! kernel's name (names.rs, from the `syscalls` crate's copies of the kernel tables) and strace's
//! class flags ([`class`], classes.rs); the i386 socketcall(2)/ipc(2) subcalls strace decodes are
//! [`Subcall`]s (subcalls.rs); a [`SyscallSet`] is a set of numbers of one table. The few
//! syscalls the tracer itself must look at ([`watched`], [`is_execve`]) are answered here too.
//!
//! Lookups: by personality and number ([`lookup`], [`name`], [`display_name`]), by name
//! ([`number`]), every row ([`all`]), where the table ends ([`end`]). The filter
//! ([`crate::trace::filter`]) only consults this module.

mod classes;
mod names;
mod nargs;
mod set;
mod subcalls;

use std::borrow::Cow;
use std::sync::OnceLock;

pub use classes::{class, class_of, lookup_class, CLASS_TABLE};
pub use nargs::nargs;
pub use set::SyscallSet;
pub use subcalls::Subcall;

use crate::trace::arch::Personality;

/// One row of a personality's syscall table.
///
/// The per-call decoders (decode/, a later issue) add the argument kinds here, one row field
/// (an `args: &'static [ArgKind]`, as strace's `sys_func` and the printers it dispatches to),
/// filled where the rows are built (`Table::build`), so that a decoder needs nothing but the
/// row of the call it prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    /// The number in its personality's table.
    pub nr: u64,
    /// The kernel's name (`read`, i386's `break`).
    pub name: &'static str,
    /// strace's class flags ([`class`]); 0 for a name in no class.
    pub classes: u32,
}

/// A personality's table, indexed by number; `None` for holes.
struct Table {
    rows: Box<[Option<Syscall>]>,
}

impl Table {
    fn build(p: Personality) -> Table {
        let list = names::list(p);
        let end = list.last().map_or(0, |&(nr, _)| nr + 1);
        let mut rows = vec![None; usize::try_from(end).expect("small table")];
        for (nr, name) in list {
            rows[nr as usize] = Some(Syscall {
                nr,
                name,
                classes: class_of(name),
            });
        }
        Table {
            rows: rows.into_boxed_slice(),
        }
    }
}

fn table(p: Personality) -> &'static Table {
    static TABLES: [OnceLock<Table>; 2] = [OnceLock::new(), OnceLock::new()];
    let i = match p {
        Personality::Native => 0,
        Personality::Compat32 => 1,
    };
    TABLES[i].get_or_init(|| Table::build(p))
}

/// The row of syscall `nr` of personality `p`, if the table names it.
#[inline]
pub fn lookup(p: Personality, nr: u64) -> Option<&'static Syscall> {
    let i = usize::try_from(nr).ok()?;
    table(p).rows.get(i)?.as_ref()
}

/// The kernel's name of syscall `nr`, if the table has one.
#[inline]
pub fn name(p: Personality, nr: u64) -> Option<&'static str> {
    lookup(p, nr).map(|s| s.name)
}

/// The row label strace prints: the name, or `syscall_0x1c3` for unknown numbers.
pub fn display_name(p: Personality, nr: u64) -> Cow<'static, str> {
    match name(p, nr) {
        Some(n) => n.into(),
        None => format!("syscall_{nr:#x}").into(),
    }
}

/// The number `p`'s table gives `name` (a name has at most one number per table).
pub fn number(p: Personality, name: &str) -> Option<u64> {
    all(p).find(|s| s.name == name).map(|s| s.nr)
}

/// Every named syscall of `p`, ascending by number.
pub fn all(p: Personality) -> impl Iterator<Item = &'static Syscall> {
    table(p).rows.iter().flatten()
}

/// The first number past `p`'s table (one more than its highest named number).
pub fn end(p: Personality) -> u64 {
    table(p).rows.len() as u64
}

/// Syscalls the tracer itself must look at (CPU placement keeps what the tracee sees true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    SchedSetaffinity,
    SchedGetaffinity,
}

/// The numbers of sched_setaffinity and sched_getaffinity in `p`'s table (on the hot path:
/// constants, not a table lookup).
#[inline]
fn affinity_numbers(p: Personality) -> (u64, u64) {
    #[cfg(target_arch = "x86_64")]
    let (set, get) = match p {
        Personality::Native => (
            syscalls::x86_64::Sysno::sched_setaffinity as u64,
            syscalls::x86_64::Sysno::sched_getaffinity as u64,
        ),
        Personality::Compat32 => (
            syscalls::x86::Sysno::sched_setaffinity as u64,
            syscalls::x86::Sysno::sched_getaffinity as u64,
        ),
    };
    #[cfg(target_arch = "aarch64")]
    let (set, get) = match p {
        Personality::Native => (
            syscalls::aarch64::Sysno::sched_setaffinity as u64,
            syscalls::aarch64::Sysno::sched_getaffinity as u64,
        ),
        Personality::Compat32 => (
            syscalls::arm::Sysno::sched_setaffinity as u64,
            syscalls::arm::Sysno::sched_getaffinity as u64,
        ),
    };
    (set, get)
}

/// Whether syscall `nr` of `p` is one the tracer watches.
#[inline]
pub fn watched(p: Personality, nr: u64) -> Option<Watched> {
    let (set, get) = affinity_numbers(p);
    if nr == set {
        Some(Watched::SchedSetaffinity)
    } else if nr == get {
        Some(Watched::SchedGetaffinity)
    } else {
        None
    }
}

/// The numbers [`watched`] answers for, as a set: what a seccomp program must stop on for CPU
/// placement, whatever is counted.
pub fn watched_set(p: Personality) -> SyscallSet {
    let mut set = SyscallSet::empty(p);
    let (s, g) = affinity_numbers(p);
    set.set(s, true);
    set.set(g, true);
    set
}

/// Whether `nr` is execve or execveat.
#[inline]
pub fn is_execve(p: Personality, nr: u64) -> bool {
    matches!(name(p, nr), Some("execve" | "execveat"))
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use Personality::{Compat32, Native};

    #[test]
    fn one_row_per_number() {
        let open = lookup(Native, 2).unwrap();
        assert_eq!((open.nr, open.name), (2, "open"));
        assert_eq!(open.classes, class::DESC | class::FILE);
        assert_eq!(lookup(Compat32, 5).map(|s| s.name), Some("open"));
        assert_eq!(lookup(Native, end(Native)), None);
        assert_eq!(lookup(Native, u64::MAX), None);
        assert_eq!(number(Native, "openat"), Some(257));
        assert_eq!(number(Compat32, "socketcall"), Some(102));
        assert_eq!(number(Native, "socketcall"), None);
        assert_eq!(end(Native), 471);
        assert!(all(Native)
            .zip(all(Native).skip(1))
            .all(|(a, b)| a.nr < b.nr));
        assert!(all(Compat32).all(|s| lookup(Compat32, s.nr) == Some(s)));
        assert_eq!(display_name(Compat32, 222), "syscall_0xde"); // a hole
    }

    #[test]
    fn watched_and_execve() {
        assert_eq!(watched(Native, 203), Some(Watched::SchedSetaffinity));
        assert_eq!(watched(Native, 204), Some(Watched::SchedGetaffinity));
        assert_eq!(watched(Compat32, 241), Some(Watched::SchedSetaffinity));
        assert_eq!(watched(Native, 0), None);
        for p in Personality::ALL {
            let set = watched_set(p);
            let names: Vec<_> = set.iter().map(|nr| name(p, nr).unwrap()).collect();
            assert_eq!(names, ["sched_setaffinity", "sched_getaffinity"]);
            assert!(set.iter().all(|nr| watched(p, nr).is_some()) && !set.beyond());
        }
        assert!(is_execve(Native, 59) && is_execve(Native, 322) && !is_execve(Native, 0));
        assert!(is_execve(Compat32, 11) && !is_execve(Compat32, 59));
    }
}
