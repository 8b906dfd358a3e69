//! strace's syscall set syntax (src/filter_qualify.c, `qualify_syscall_tokens`): comma-separated
//! names, `%class`es (and the old class spellings without `%`), `/regex` ([`super::posix_re`]),
//! syscall numbers, `all`, `none`; each leading `!` negates the whole set; `?` before an element
//! forgives an element that matches nothing; `@64`, `@32` or `@x32` after an element limits it to
//! one personality. Names, numbers and classes are looked up in [`crate::trace::syscalls`].

use super::posix_re::{posix_to_rust, regcomp_error};
use crate::trace::arch::Personality;
use crate::trace::syscalls::{self, lookup_class, Subcall, SyscallSet};

/// A parsed set: the numbers its elements chose, per personality, and whether it is negated.
pub(super) struct SetSpec {
    /// Indexed by [`super::index`]; only named numbers are ever chosen (a number element on a
    /// hole is valid and chooses nothing).
    pub(super) chosen: [SyscallSet; 2],
    /// Parallel to [`Subcall::all`].
    pub(super) chosen_sub: Vec<bool>,
    pub(super) negated: bool,
}

/// Personalities an element applies to (its `@` designator).
#[derive(Clone, Copy)]
enum Pers {
    Every,
    One(Personality),
    /// strace's x32 personality: accepted, but ksec has no x32 table, so the element selects
    /// nothing; its names are looked up in the native table so that typos are still errors.
    X32,
}

impl SetSpec {
    fn empty() -> SetSpec {
        SetSpec {
            chosen: Personality::ALL.map(SyscallSet::empty),
            chosen_sub: vec![false; Subcall::all().len()],
            negated: false,
        }
    }

    /// Every syscall (no `-e trace=` given).
    pub(super) fn all() -> SetSpec {
        SetSpec {
            negated: true,
            ..SetSpec::empty()
        }
    }

    /// strace's `qualify_syscall_tokens`.
    pub(super) fn parse(set: &str) -> Result<SetSpec, String> {
        let mut spec = SetSpec::empty();
        let mut rest = set;
        while let Some(r) = rest.strip_prefix('!') {
            spec.negated = !spec.negated;
            rest = r;
        }
        match rest {
            "none" => return Ok(spec),
            "all" => {
                spec.negated = !spec.negated;
                return Ok(spec);
            }
            _ => {}
        }
        let mut any = false;
        for token in rest.split(',').filter(|t| !t.is_empty()) {
            any = true;
            if !spec.add_token(token)? {
                return Err(format!("invalid system call '{token}'"));
            }
        }
        if !any {
            return Err(format!("invalid system call '{set}'"));
        }
        Ok(spec)
    }

    /// strace's `qualify_syscall`: whether the element is valid.
    fn add_token(&mut self, token: &str) -> Result<bool, String> {
        let forgiven = token.starts_with('?');
        let token = token.trim_start_matches('?');
        let (elem, pers) = match token.rfind('@') {
            None => (token, Pers::Every),
            Some(at) => {
                let pers = match &token[at + 1..] {
                    "64" => Pers::One(Personality::Native),
                    "32" => Pers::One(Personality::Compat32),
                    "x32" => Pers::X32,
                    other => {
                        return Err(format!(
                            "incorrect personality designator '{other}' in qualification \
                             '{token}'"
                        ))
                    }
                };
                (&token[..at], pers)
            }
        };
        let found = match pers {
            Pers::Every => {
                let a = self.add_element(elem, Personality::Native, true)?;
                let b = self.add_element(elem, Personality::Compat32, true)?;
                a | b
            }
            Pers::One(p) => self.add_element(elem, p, true)?,
            Pers::X32 => self.add_element(elem, Personality::Native, false)?,
        };
        Ok(found || forgiven)
    }

    /// strace's `qualify_syscall_pers` for personality `p` (and, with the i386 table, for the
    /// calls i386 multiplexes: strace's table holds them too); `add` false only checks validity.
    fn add_element(&mut self, elem: &str, p: Personality, add: bool) -> Result<bool, String> {
        enum Elem<'a> {
            Number(Option<usize>),
            Regex(regex::Regex),
            Class(u32),
            Name(&'a str),
        }
        let elem = if elem.starts_with(|c: char| c.is_ascii_digit()) {
            Elem::Number(parse_number(elem))
        } else if let Some(pattern) = elem.strip_prefix('/') {
            Elem::Regex(
                regex::Regex::new(&posix_to_rust(pattern)?)
                    .map_err(|e| regcomp_error(pattern, &e))?,
            )
        } else if let Some(class) = lookup_class(elem) {
            Elem::Class(class)
        } else {
            Elem::Name(elem)
        };
        let matches = |nr: u64, name: &str, flags: u32| match &elem {
            Elem::Number(n) => n.map(|n| n as u64) == Some(nr),
            Elem::Regex(re) => re.is_match(name),
            Elem::Class(class) => flags & class == *class,
            Elem::Name(n) => *n == name,
        };
        // A class is valid even where it selects nothing.
        let mut found = matches!(elem, Elem::Class(_));
        let chosen = &mut self.chosen[super::index(p)];
        for s in syscalls::all(p) {
            if matches(s.nr, s.name, s.classes) {
                found = true;
                if add {
                    chosen.set(s.nr, true);
                }
            }
        }
        if let Elem::Number(Some(nr)) = elem {
            // Numbers in the table's range are valid even on holes.
            found |= (nr as u64) < syscalls::end(p);
        }
        if p == Personality::Compat32 && !matches!(elem, Elem::Number(_)) {
            for sub in Subcall::all() {
                if matches(u64::MAX, sub.name(), sub.classes()) {
                    found = true;
                    self.chosen_sub[sub.index()] |= add;
                }
            }
        }
        Ok(found)
    }
}

/// strace's `string_to_uint`: decimal digits only, at most `i32::MAX`.
pub(super) fn parse_number(s: &str) -> Option<usize> {
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u32>()
        .ok()
        .filter(|&n| n <= i32::MAX as u32)
        .map(|n| n as usize)
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::super::testing::*;
    use super::super::{index, Filter};
    use crate::trace::arch::Personality::{self, Compat32, Native};
    use crate::trace::syscalls;
    use std::collections::BTreeSet;

    /// Every class of a name, exactly: a name listed here is in these classes and no other.
    /// Read from strace's syscallent.h files and confirmed by strace 6.1 runs.
    const KNOWN: &[(Personality, &str, &str)] = &[
        (Native, "read", "%desc"),
        (Native, "write", "%desc"),
        (Native, "close", "%desc"),
        (Native, "open", "%desc %file"),
        (Native, "openat", "%desc %file"),
        (Native, "openat2", "%desc %file"),
        (Native, "creat", "%desc %file"),
        (Native, "stat", "%file %stat %%stat"),
        (Native, "lstat", "%file %lstat %%stat"),
        (Native, "fstat", "%desc %fstat %%stat"),
        (Native, "newfstatat", "%desc %file %fstat %%stat"),
        (Native, "statx", "%desc %file %fstat %%stat"),
        (Native, "statfs", "%file %statfs %%statfs"),
        (Native, "fstatfs", "%desc %fstatfs %%statfs"),
        (Native, "ustat", "%%statfs"),
        (Native, "access", "%file"),
        (Native, "faccessat2", "%desc %file"),
        (Native, "execve", "%file %process"),
        (Native, "execveat", "%desc %file %process"),
        (Native, "clone", "%process"),
        (Native, "clone3", "%process"),
        (Native, "fork", "%process"),
        (Native, "exit_group", "%process"),
        (Native, "wait4", "%process"),
        (Native, "kill", "%process %signal"),
        (Native, "tgkill", "%process %signal"),
        (Native, "pidfd_send_signal", "%desc %process %signal"),
        (Native, "rt_sigaction", "%signal"),
        (Native, "rt_sigreturn", "%signal"),
        (Native, "signalfd4", "%desc %signal"),
        (Native, "pause", "%signal"),
        (Native, "io_uring_enter", "%desc %signal"),
        (Native, "socket", "%network"),
        (Native, "accept", "%network"),
        (Native, "connect", "%network"),
        (Native, "sendfile", "%desc %network"),
        (Native, "getpmsg", "%network"),
        (Native, "shmat", "%ipc %memory"),
        (Native, "shmget", "%ipc"),
        (Native, "semtimedop", "%ipc"),
        (Native, "mmap", "%desc %memory"),
        (Native, "munmap", "%memory"),
        (Native, "brk", "%memory"),
        (Native, "io_setup", "%memory"),
        (Native, "set_mempolicy_home_node", "%memory"),
        (Native, "setuid", "%creds"),
        (Native, "prctl", "%creds"),
        (Native, "capget", "%creds"),
        (Native, "getuid", "%creds %pure"),
        (Native, "getpid", "%pure"),
        (Native, "gettid", "%pure"),
        (Native, "getpgrp", "%pure"),
        (Native, "clock_gettime", "%clock"),
        (Native, "time", "%clock"),
        (Native, "adjtimex", "%clock"),
        (Native, "clock_nanosleep", ""),
        (Native, "futex", ""),
        (Native, "close_range", ""),
        (Native, "uname", ""),
        (Native, "epoll_wait", "%desc"),
        (Native, "fchmodat2", "%desc %file"),
        (Native, "cachestat", "%desc"),
        (Native, "map_shadow_stack", "%memory"),
        (Native, "futex_wait", ""),
        (Compat32, "stat64", "%file %stat %%stat"),
        (Compat32, "oldstat", "%file %stat %%stat"),
        (Compat32, "lstat64", "%file %lstat %%stat"),
        (Compat32, "fstatat64", "%desc %file %fstat %%stat"),
        (Compat32, "oldfstat", "%desc %fstat %%stat"),
        (Compat32, "statfs64", "%file %statfs %%statfs"),
        (Compat32, "fstatfs64", "%desc %fstatfs %%statfs"),
        (Compat32, "socketcall", "%desc"),
        (Compat32, "ipc", "%ipc"),
        (Compat32, "waitpid", "%process"),
        (Compat32, "sigaction", "%signal"),
        (Compat32, "signal", "%signal"),
        (Compat32, "sigreturn", "%signal"),
        (Compat32, "mmap2", "%desc %memory"),
        (Compat32, "getuid32", "%creds %pure"),
        (Compat32, "setfsgid32", "%creds"),
        (Compat32, "clock_gettime64", "%clock"),
        (Compat32, "recvmmsg_time64", "%network"),
        (Compat32, "break", "%memory"),
        (Compat32, "sendfile64", "%desc %network"),
        (Compat32, "semtimedop_time64", "%ipc"),
        (Compat32, "_llseek", "%desc"),
        (Compat32, "_newselect", "%desc"),
    ];

    #[test]
    fn known_memberships() {
        let filters: Vec<(&str, Filter)> = CLASSES
            .iter()
            .map(|c| (*c, filter(&[&format!("trace={c}")])))
            .collect();
        for &(p, name, classes) in KNOWN {
            let want: BTreeSet<&str> = classes.split_whitespace().collect();
            let got: BTreeSet<&str> = filters
                .iter()
                .filter(|(_, f)| f.wants(p, nr(p, name)))
                .map(|(c, _)| *c)
                .collect();
            assert_eq!(got, want, "{p:?} {name}");
        }
    }

    /// strace 6.1's own answer for every class, recorded by fixtures/strace/gen_classes.py.
    #[test]
    fn classes_match_recorded_strace_6_1() {
        let fixture = include_str!("../../../fixtures/strace/classes-x86_64.txt");
        let mut checked = 0;
        let mut strace_all = [BTreeSet::new(), BTreeSet::new()];
        for line in fixture.lines().filter(|l| !l.starts_with('#')) {
            let mut words = line.split_whitespace();
            let p = match words.next() {
                Some("x86_64") => Native,
                Some("i386") => Compat32,
                other => panic!("bad fixture line {other:?}"),
            };
            let class = words.next().unwrap();
            let want: BTreeSet<&str> = words.collect();
            if class == "all" {
                strace_all[index(p)] = want;
                continue;
            }
            let known = &strace_all[index(p)];
            assert!(!known.is_empty(), "fixture lists `all` first");
            let got: BTreeSet<&str> = names(&filter(&[&format!("trace={class}")]), p)
                .into_iter()
                .filter(|n| known.contains(n))
                .collect();
            let missing: Vec<_> = want.difference(&got).collect();
            let extra: Vec<_> = got.difference(&want).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "{p:?} {class}: missing {missing:?}, extra {extra:?}"
            );
            checked += 1;
        }
        assert_eq!(checked, 34);
        // The kernel tables name everything strace 6.1 names.
        for p in Personality::ALL {
            let ours: BTreeSet<&str> = syscalls::all(p).map(|s| s.name).collect();
            let only_strace: Vec<_> = strace_all[index(p)].difference(&ours).collect();
            assert!(only_strace.is_empty(), "{p:?}: {only_strace:?}");
        }
    }

    #[test]
    fn names_regex_and_negation() {
        let f = filter(&["trace=read,openat"]);
        assert_eq!(names(&f, Native), set(&["openat", "read"]));
        assert_eq!(names(&f, Compat32), set(&["openat", "read"]));

        let f = filter(&["trace=!read,openat"]);
        assert!(!f.wants(Native, 0) && !f.wants(Native, 257) && f.wants(Native, 1));
        assert_eq!(f.traced(Native).len(), count(Native) - 2);

        assert_eq!(filter(&["trace=!!read"]), filter(&["trace=read"]));
        assert_eq!(filter(&["trace=!!!read"]), filter(&["trace=!read"]));

        // POSIX ERE semantics: unanchored search in the name.
        let f = filter(&["trace=/^(read|write)$"]);
        assert_eq!(names(&f, Native), set(&["read", "write"]));
        let f = filter(&["trace=/statfs"]);
        assert_eq!(names(&f, Native), set(&["fstatfs", "statfs"]));
        assert_eq!(
            names(&f, Compat32),
            set(&["fstatfs", "fstatfs64", "statfs", "statfs64"])
        );
        let f = filter(&["trace=/^[[:alpha:]]+32$"]);
        assert!(names(&f, Compat32).contains("getuid32") && names(&f, Native).is_empty());

        // glibc's dialect: `\d` is a plain `d`, `\` in brackets is plain, `]` first is a member.
        let f = filter(&[r"trace=/^\d"]);
        assert!(names(&f, Native).iter().all(|n| n.starts_with('d')));
        assert!(names(&f, Native).contains("dup2"));
        assert_eq!(filter(&[r"trace=/^[\d]up$"]), filter(&["trace=dup"]));
        assert_eq!(filter(&[r"trace=/^[]d]up$"]), filter(&["trace=dup"]));
        assert_eq!(filter(&[r"trace=/^\`dup\'"]), filter(&["trace=dup"]));

        // Empty elements are skipped, as strtok does.
        assert_eq!(filter(&["trace=,read,,"]), filter(&["trace=read"]));
    }

    #[test]
    fn classes_legacy_spellings_and_aliases() {
        assert_eq!(filter(&["trace=%net"]), filter(&["trace=%network"]));
        for c in [
            "file", "process", "network", "signal", "ipc", "desc", "memory",
        ] {
            assert_eq!(
                filter(&[&format!("trace={c}")]),
                filter(&[&format!("trace=%{c}")]),
                "{c}"
            );
        }
        // No legacy spelling for the newer classes, and no case folding.
        assert_eq!(error(&["trace=creds"]), "invalid system call 'creds'");
        assert_eq!(error(&["trace=net"]), "invalid system call 'net'");
        assert_eq!(error(&["trace=%FILE"]), "invalid system call '%FILE'");
        // Classes combine with names.
        let f = filter(&["trace=%stat,%lstat,close"]);
        assert_eq!(names(&f, Native), set(&["close", "lstat", "stat"]));
    }

    #[test]
    fn question_mark_forgives_unknown_elements() {
        assert_eq!(filter(&["trace=?nosuchcall,read"]), filter(&["trace=read"]));
        assert_eq!(
            filter(&["trace=??nosuchcall,read"]),
            filter(&["trace=read"])
        );
        assert_eq!(filter(&["trace=?"]), filter(&["trace=none"]));
        assert_eq!(filter(&["trace=?/^zzz"]), filter(&["trace=none"]));
        assert_eq!(
            error(&["trace=?nosuchcall,bar"]),
            "invalid system call 'bar'"
        );
        // ? does not forgive a bad regex or personality.
        assert!(error(&["trace=?/("]).starts_with("regcomp: (: "));
        assert_eq!(
            error(&["trace=?read@99"]),
            "incorrect personality designator '99' in qualification 'read@99'"
        );
    }

    #[test]
    fn numbers_and_personalities() {
        // A number selects that number in every table that long: 5 is fstat and open.
        let f = filter(&["trace=5"]);
        assert_eq!(names(&f, Native), set(&["fstat"]));
        assert_eq!(names(&f, Compat32), set(&["open"]));
        assert_eq!(filter(&["trace=05"]), f);
        for bad in ["0x1", "-1", "1x", "4294967296", "9999", "500"] {
            assert_eq!(
                error(&[&format!("trace={bad}")]),
                format!("invalid system call '{bad}'")
            );
        }
        let f = filter(&["trace=read@32"]);
        assert!(names(&f, Native).is_empty());
        assert_eq!(names(&f, Compat32), set(&["read"]));
        let f = filter(&["trace=%pure@64,1@32"]);
        assert!(names(&f, Native).contains("getpid"));
        assert_eq!(names(&f, Compat32), set(&["exit"]));
        assert_eq!(
            filter(&["trace=all@64"]).traced(Native).len(),
            count(Native)
        );
        assert!(filter(&["trace=all@64"]).traced(Compat32).is_empty());
        // x32 is a valid designator; ksec has no x32 table, so it selects nothing.
        assert_eq!(filter(&["trace=read@x32"]), filter(&["trace=none"]));
        assert_eq!(error(&["trace=foo@x32"]), "invalid system call 'foo@x32'");
        assert_eq!(
            error(&["trace=read@"]),
            "incorrect personality designator '' in qualification 'read@'"
        );
        assert_eq!(error(&["trace=none@64"]), "invalid system call 'none@64'");
        // Names of one table only are fine: each table takes what it has.
        let f = filter(&["trace=arch_prctl,waitpid"]);
        assert_eq!(names(&f, Native), set(&["arch_prctl"]));
        assert_eq!(names(&f, Compat32), set(&["arch_prctl", "waitpid"]));
    }

    #[test]
    fn error_wording() {
        // Each checked against `strace -c -e EXPR true` (strace 6.1); see also the live test.
        for (expr, msg) in [
            ("trace=foo", "invalid system call 'foo'"),
            ("trace=read,foo", "invalid system call 'foo'"),
            ("trace=", "invalid system call ''"),
            ("trace=!", "invalid system call '!'"),
            ("trace=!!", "invalid system call '!!'"),
            ("trace=,", "invalid system call ','"),
            ("trace=%", "invalid system call '%'"),
            ("trace=%foo", "invalid system call '%foo'"),
            ("trace=read,none", "invalid system call 'none'"),
            ("trace=all,none", "invalid system call 'none'"),
            ("trace=/^zzz", "invalid system call '/^zzz'"),
            ("trace= read", "invalid system call ' read'"),
        ] {
            assert_eq!(error(&[expr]), msg, "{expr}");
        }
        assert!(error(&["trace=/("]).starts_with("regcomp: (: "));
        assert_eq!(
            error(&["trace=/(read)\\1"]),
            "regcomp: (read)\\1: back-reference \\1 is not supported by ksec"
        );
    }
}
