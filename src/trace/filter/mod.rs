//! Which syscalls `ksec trace` counts: strace's `-e trace=SET` (also `-e t=SET`, a bare `-e SET`
//! and `--trace=SET`) turned into one dense bitset per personality ([`SyscallSet`]), asked once
//! per syscall stop ([`Filter::wants`]) and handed whole, as plain numbers, to what filters in the
//! kernel ([`Filter::numbers`], for the seccomp program).
//!
//! The `-e` qualifiers are in qualifier.rs, the set syntax in set.rs, its `/regex` elements in
//! posix_re.rs; names, numbers and class membership come from [`crate::trace::syscalls`]. Later
//! trace qualifiers replace earlier ones.
//!
//! As in strace (src/syscall.c, `get_scno`: a number without a table entry keeps the default
//! qualification flags), a syscall number with no name in its personality's table is always
//! traced, whatever the set: even with `-e trace=none`.
//!
//! strace decodes i386's socketcall(2) and ipc(2) into the call they multiplex and filters that
//! call by its own name and classes (`-e trace=send` is valid, and `%network` takes socketcall's
//! socket calls but not socketcall itself, which is only `%desc`): [`Subcall`] and
//! [`Filter::wants_subcall`] answer for those.

mod posix_re;
mod qualifier;
mod set;

use crate::trace::arch::Personality;
use crate::trace::syscalls::{self, Subcall, SyscallSet};
pub use qualifier::{output_quals, OutputQuals};
use set::SetSpec;

/// A syscall filter: for each personality, whether each syscall number is traced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    /// Indexed by `index`. Holds the final answer for every number below the table's end:
    /// named numbers as the set says, unnamed ones (holes) set; numbers past the end are in.
    sets: [SyscallSet; 2],
    /// Parallel to [`Subcall::all`]: whether each multiplexed call is traced.
    subcalls: Box<[bool]>,
}

fn index(p: Personality) -> usize {
    match p {
        Personality::Native => 0,
        Personality::Compat32 => 1,
    }
}

impl Filter {
    /// Every syscall traced (no `-e trace=` given).
    pub fn all() -> Filter {
        Filter::from_set(&SetSpec::all())
    }

    /// Whether a syscall of personality `p` numbered `nr` is traced. A number without a name in
    /// the table (a hole, or past its end) is always traced, as strace does.
    #[inline]
    pub fn wants(&self, p: Personality, nr: u64) -> bool {
        self.sets[index(p)].contains(nr)
    }

    /// The numbers of personality `p` that [`wants`](Filter::wants) accepts, as a set: holes and
    /// every number past the table's end included. A seccomp program or an in-kernel map built
    /// from it stops on exactly what is counted.
    pub fn numbers(&self, p: Personality) -> &SyscallSet {
        &self.sets[index(p)]
    }

    /// Whether every syscall is traced (`all`, `!none`, `/`, ...), so that filtering can be
    /// skipped altogether.
    pub fn is_all(&self) -> bool {
        self.subcalls.iter().all(|&s| s) && self.sets.iter().all(SyscallSet::is_full)
    }

    /// Whether a call multiplexed by i386's socketcall(2) or ipc(2) is traced. strace decodes
    /// these calls and filters (and counts) them under the multiplexed call's name, not under
    /// `socketcall` or `ipc`; see [`Subcall::decode`].
    #[inline]
    pub fn wants_subcall(&self, sub: Subcall) -> bool {
        self.subcalls[sub.index()]
    }

    /// The named syscall numbers of personality `p` a backend that decodes i386's multiplexed
    /// calls must stop on, ascending: those [`wants`] accepts, and i386's socketcall and ipc when
    /// any call they multiplex is traced. Numbers without a name are not listed; they are always
    /// traced.
    ///
    /// [`wants`]: Filter::wants
    pub fn traced(&self, p: Personality) -> Vec<u64> {
        let muxed: Vec<&str> = Subcall::all()
            .filter(|&sub| self.wants_subcall(sub))
            .map(Subcall::multiplexer)
            .collect();
        syscalls::all(p)
            .filter(|s| self.wants(p, s.nr) || muxed.contains(&s.name))
            .map(|s| s.nr)
            .collect()
    }

    /// Builds the filter from every `-e EXPR` (in command-line order) and every `--trace=SET`.
    ///
    /// The trace qualifier is `trace=`, `t=`, or none at all (`-e open` is `-e trace=open`); a
    /// later one replaces an earlier one. `abbrev=`, `verbose=` and `raw=` sets are checked like
    /// trace sets and otherwise ignored, as are `signal=`, `quiet=`, `read=`, `write=`, `kvm=`,
    /// `decode-fds=` and `decode-pids=` values (checked as strace checks them) and `secontext=`
    /// (not checked): they only change strace's per-call output, which ksec does not print.
    /// `status=all` (every status) changes nothing and is accepted.
    ///
    /// # Errors
    /// strace's messages for a bad set (`invalid system call 'foo'`, `incorrect personality
    /// designator ...`, `regcomp: ...`, `invalid signal 'FOO'`, ...); `-e status=` other than
    /// `all`, `-e fault=` and `-e inject=` (they change what is counted; ksec does not support
    /// them); `-e trace=` given together with `--trace=` (clap keeps them apart, so their order,
    /// which decides the winner, is lost).
    /// The binary prefixes `ksec: `, as strace prefixes `strace: `.
    pub fn parse(exprs: &[String], trace_sets: &[String]) -> Result<Filter, String> {
        let mut trace: Option<SetSpec> = None;
        for expr in exprs {
            if let Some(spec) = qualifier::parse(expr)? {
                trace = Some(spec);
            }
        }
        if !trace_sets.is_empty() && trace.is_some() {
            return Err(
                "-e trace= and --trace= given together: their order decides which one \
                        wins and is not known here; give only one of them"
                    .to_string(),
            );
        }
        for set in trace_sets {
            trace = Some(SetSpec::parse(set)?);
        }
        let spec = trace.unwrap_or_else(SetSpec::all);
        Ok(Filter::from_set(&spec))
    }

    fn from_set(spec: &SetSpec) -> Filter {
        let sets = Personality::ALL.map(|p| {
            let chosen = &spec.chosen[index(p)];
            let mut bits = SyscallSet::full(p);
            for s in syscalls::all(p) {
                bits.set(s.nr, chosen.contains(s.nr) != spec.negated);
            }
            bits
        });
        let subcalls = spec.chosen_sub.iter().map(|&c| c != spec.negated).collect();
        Filter { sets, subcalls }
    }
}

/// Helpers for the filter's unit tests (in this file and the others of the folder).
#[cfg(all(test, target_arch = "x86_64"))]
mod testing {
    use super::*;
    use std::collections::BTreeSet;

    pub(super) fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    pub(super) fn filter(exprs: &[&str]) -> Filter {
        Filter::parse(&strings(exprs), &[]).unwrap_or_else(|e| panic!("{exprs:?}: {e}"))
    }

    pub(super) fn error(exprs: &[&str]) -> String {
        Filter::parse(&strings(exprs), &[]).expect_err(&format!("{exprs:?} must fail"))
    }

    /// The names `wants` accepts.
    pub(super) fn names(f: &Filter, p: Personality) -> BTreeSet<&'static str> {
        syscalls::all(p)
            .filter(|s| f.wants(p, s.nr))
            .map(|s| s.name)
            .collect()
    }

    pub(super) fn nr(p: Personality, name: &str) -> u64 {
        syscalls::number(p, name).unwrap_or_else(|| panic!("{name} not in {p:?}"))
    }

    pub(super) fn set(v: &[&'static str]) -> BTreeSet<&'static str> {
        v.iter().copied().collect()
    }

    /// The number of named syscalls of `p`.
    pub(super) fn count(p: Personality) -> usize {
        syscalls::all(p).count()
    }

    pub(super) const CLASSES: [&str; 17] = [
        "%desc", "%file", "%ipc", "%network", "%process", "%signal", "%memory", "%creds", "%clock",
        "%stat", "%lstat", "%fstat", "%%stat", "%statfs", "%fstatfs", "%%statfs", "%pure",
    ];
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::testing::*;
    use super::*;
    use std::collections::BTreeSet;
    use Personality::{Compat32, Native};

    #[test]
    fn default_and_all_trace_everything() {
        for f in [
            Filter::parse(&[], &[]).unwrap(),
            Filter::all(),
            filter(&["trace=all"]),
            filter(&["trace=!none"]),
            filter(&["trace=!!all"]),
            filter(&["trace=/"]),
            filter(&["trace=read,all"]),
            filter(&["trace=!?nosuchcall"]),
        ] {
            assert!(f.is_all());
            assert_eq!(f.traced(Native).len(), count(Native));
            assert_eq!(f.traced(Compat32).len(), count(Compat32));
        }
        for f in [
            filter(&["trace=none"]),
            filter(&["trace=!all"]),
            filter(&["trace=read"]),
            filter(&["trace=!read"]),
            filter(&["trace=%file"]),
        ] {
            assert!(!f.is_all());
        }
    }

    #[test]
    fn none_traces_only_unknown_numbers() {
        let f = filter(&["trace=none"]);
        assert!(f.traced(Native).is_empty() && f.traced(Compat32).is_empty());
        // strace 6.1 traces numbers it has no entry for whatever the set (src/syscall.c,
        // get_scno; checked with `-e trace=none` on syscall 0x1f4): holes, the end of the
        // table and beyond.
        assert!(f.wants(Native, 400));
        assert!(f.wants(Native, 500));
        assert!(f.wants(Native, u64::MAX));
        assert!(f.wants(Compat32, 222)); // a hole in the i386 table
        assert!(!f.wants(Compat32, 17)); // "break", spelled r#break by the syscalls crate
        assert!(!f.wants(Native, 0));
    }

    /// Filtering the calls i386 multiplexes (their decoding is tested in syscalls/subcalls.rs).
    #[test]
    fn i386_multiplexed_calls() {
        let socketcall = nr(Compat32, "socketcall");
        let ipc = nr(Compat32, "ipc");
        let sub = |mux, arg0| Subcall::decode(Compat32, mux, arg0);
        let send = sub(socketcall, 9).unwrap();
        let socket = sub(socketcall, 1).unwrap();
        let shmat = sub(ipc, 21).unwrap();
        let semop = sub(ipc, 1).unwrap();
        // Names that only i386's multiplexed calls have are valid, as in strace.
        let f = filter(&["trace=send"]);
        assert!(f.wants_subcall(send) && !f.wants_subcall(socket));
        assert!(!f.wants(Compat32, socketcall) && names(&f, Native).is_empty());
        assert!(f.traced(Compat32).contains(&socketcall));
        let f = filter(&["trace=socketcall"]);
        assert!(f.wants(Compat32, socketcall) && !f.wants_subcall(send));
        let f = filter(&["trace=%network"]);
        assert!(f.wants_subcall(send) && f.wants_subcall(socket) && !f.wants_subcall(shmat));
        assert!(!f.wants(Compat32, socketcall)); // socketcall itself is only %desc
        let f = filter(&["trace=!%network"]);
        assert!(!f.wants_subcall(send) && f.wants(Compat32, socketcall));
        let f = filter(&["trace=%memory"]);
        assert!(f.wants_subcall(shmat) && !f.wants_subcall(semop));
        let f = filter(&["trace=/^se"]);
        assert!(f.wants_subcall(send) && f.wants_subcall(semop));
        assert_eq!(error(&["trace=send@64"]), "invalid system call 'send@64'");
        assert!(!filter(&["trace=shmat@64"]).wants_subcall(shmat));
        assert!(filter(&["trace=all"]).wants_subcall(semop));
        assert!(!filter(&["trace=none"]).wants_subcall(semop));
    }

    #[test]
    fn hot_path_matches_traced() {
        let f = filter(&["trace=!%file,%desc"]);
        // `!` negates the whole set, and only in front of it.
        assert_eq!(
            error(&["trace=%file,!%desc"]),
            "invalid system call '!%desc'"
        );
        for p in Personality::ALL {
            let traced: BTreeSet<u64> = f.traced(p).into_iter().collect();
            for &syscalls::Syscall { nr, name, .. } in syscalls::all(p) {
                // socketcall is %desc, but its socket calls are not.
                let multiplexer = p == Compat32 && name == "socketcall";
                assert_eq!(
                    f.wants(p, nr) || multiplexer,
                    traced.contains(&nr),
                    "{name}"
                );
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Against the strace on this machine.

    /// The set view holds exactly what `wants` accepts: the numbers below the table's end one by
    /// one, and every number past it.
    #[test]
    fn numbers_are_what_wants_accepts() {
        for set in ["all", "none", "%file", "!read,openat", "send", "read@32"] {
            let f = filter(&[&format!("trace={set}")]);
            for p in Personality::ALL {
                let n = f.numbers(p);
                assert!(n.beyond(), "{set}");
                let listed: BTreeSet<u64> = n.iter().collect();
                for nr in 0..n.end() + 10 {
                    let want = listed.contains(&nr) || nr >= n.end();
                    assert_eq!(f.wants(p, nr), want, "{p:?} {nr} -e trace={set}");
                }
            }
        }
        let f = filter(&["trace=read"]);
        assert_eq!(f.numbers(Native).iter().filter(|&nr| nr == 0).count(), 1);
        assert!(!f.numbers(Native).contains(1));
    }
}
