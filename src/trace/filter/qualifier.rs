//! strace's `-e QUALIFIER=VALUE` expressions (src/filter_qualify.c, `qual_options`): which
//! qualifier an expression names, and what each does in ksec. `trace=` (also `t=`, or no
//! qualifier at all) chooses what is counted; the qualifiers that only shape strace's per-call
//! output are checked as strace checks them and otherwise ignored; those that would change what
//! is counted are refused.

use super::set::{parse_number, SetSpec};

/// Checks one `-e EXPR` as strace does and returns the syscall set it chooses, for a trace
/// qualifier; `None` for the others.
///
/// # Errors
/// See [`super::Filter::parse`].
pub(super) fn parse(expr: &str) -> Result<Option<SetSpec>, String> {
    let (qual, value) = split_qualifier(expr);
    match qual {
        Qualifier::Trace => return SetSpec::parse(value).map(Some),
        Qualifier::SyscallSet => {
            SetSpec::parse(value)?;
        }
        Qualifier::Values(values) => {
            parse_values(value, values)?;
        }
        Qualifier::Status => {
            parse_values(value, STATUS)?;
        }
        Qualifier::Ignored => {}
        Qualifier::Kvm => {
            if value != "vcpu" {
                return Err(format!("invalid -e kvm= argument: '{value}'"));
            }
        }
        Qualifier::Unsupported(name, why) => {
            return Err(format!("-e {name}= is not supported: {why}"));
        }
    }
    Ok(None)
}

/// What the output qualifiers of `-e` ask for: the last of each kind, as (values chosen,
/// negated); None when not given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputQuals {
    /// `signal=`: signal numbers.
    pub signal: Option<(Vec<u32>, bool)>,
    /// `status=`: indexes into successful, failed, unfinished, unavailable, detached.
    pub status: Option<(Vec<u32>, bool)>,
    /// `quiet=`: indexes into attach, exit, exits, path-resolution, personality, superseded,
    /// thread-execve.
    pub quiet: Option<(Vec<u32>, bool)>,
    /// `decode-fds=`: indexes into path, socket, dev, pidfd.
    pub decode_fds: Option<(Vec<u32>, bool)>,
}

impl OutputQuals {
    /// Whether `v` is in a qualifier's set (chosen, negated); `default` when not given.
    pub fn has(set: &Option<(Vec<u32>, bool)>, v: u32, default: bool) -> bool {
        match set {
            None => default,
            Some((chosen, negated)) => chosen.contains(&v) != *negated,
        }
    }
}

/// The output qualifiers of every `-e EXPR` (each already checked by `parse`).
///
/// # Errors
/// A bad value, in strace's words (as `parse`).
pub fn output_quals(exprs: &[String]) -> Result<OutputQuals, String> {
    let mut q = OutputQuals::default();
    for expr in exprs {
        let (qual, value) = split_qualifier(expr);
        let values = match qual {
            Qualifier::Status => STATUS,
            Qualifier::Values(v) => v,
            _ => continue,
        };
        let parsed = Some(parse_values(value, values)?);
        match values.what {
            "signal" => q.signal = parsed,
            "status" => q.status = parsed,
            "quiet" => q.quiet = parsed,
            "decode-fds" => q.decode_fds = parsed,
            _ => {}
        }
    }
    Ok(q)
}

/// What an `-e` qualifier does in ksec.
#[derive(Clone, Copy)]
enum Qualifier {
    Trace,
    /// A syscall set that only changes strace's per-call output: checked, then ignored.
    SyscallSet,
    /// Only changes strace's per-call output: its values are checked, then ignored.
    Values(Values),
    /// `status=`: which calls' lines print (by how they ended).
    Status,
    /// Only changes strace's per-call output and takes any value here.
    Ignored,
    Kvm,
    Unsupported(&'static str, &'static str),
}

/// The values a non-syscall qualifier takes, as strace names them in its errors.
#[derive(Clone, Copy)]
struct Values {
    what: &'static str,
    lookup: fn(&str) -> Option<u32>,
}

const SIGNALS: Values = Values {
    what: "signal",
    lookup: signal_number,
};
const DESCRIPTORS: Values = Values {
    what: "descriptor",
    lookup: |s| parse_number(s).map(|n| n as u32),
};
const QUIET: Values = Values {
    what: "quiet",
    lookup: |s| {
        keyword(
            s,
            &[
                "attach",
                "exit",
                "exits",
                "path-resolution",
                "personality",
                "superseded",
                "thread-execve",
            ],
        )
    },
};
const DECODE_FDS: Values = Values {
    what: "decode-fds",
    lookup: |s| keyword(s, &["path", "socket", "dev", "pidfd"]),
};
const DECODE_PIDS: Values = Values {
    what: "decode-pids",
    lookup: |s| keyword(s, &["pidns", "comm"]),
};
/// strace's statuses: successful, failed, unfinished, unavailable, detached.
const STATUSES: [&str; 5] = [
    "successful",
    "failed",
    "unfinished",
    "unavailable",
    "detached",
];
const STATUS: Values = Values {
    what: "status",
    lookup: |s| keyword(s, &STATUSES),
};

/// strace's `find_arg_val`: a case-insensitive keyword, as its index.
fn keyword(s: &str, words: &[&str]) -> Option<u32> {
    words
        .iter()
        .position(|w| w.eq_ignore_ascii_case(s))
        .map(|i| i as u32)
}

/// strace's `sigstr_to_uint`: 0 to 255, or a name with or without `SIG`, in any case: the
/// x86_64 names, `RTMIN` (32) and `RT_1` to `RT_32` (33 to 64).
fn signal_number(s: &str) -> Option<u32> {
    const NAMES: [&str; 32] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
        "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
        "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS", "RTMIN",
    ];
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        return parse_number(s).filter(|&n| n <= 255).map(|n| n as u32);
    }
    let name = match s.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("SIG") => &s[3..],
        _ => s,
    };
    if let Some(i) = keyword(name, &NAMES) {
        return Some(i + 1);
    }
    let rt = name.get(..3).filter(|p| p.eq_ignore_ascii_case("RT_"))?;
    let n: u32 = name[rt.len()..].parse().ok()?;
    // strace prints SIGRT_n with no leading zeros or sign: accept only that spelling.
    (1..=32)
        .contains(&n)
        .then_some(n)
        .filter(|n| n.to_string() == name[3..])
        .map(|n| 32 + n)
}

/// strace's `qualify_tokens` for a non-syscall qualifier: the values chosen, and whether the
/// set is negated.
fn parse_values(set: &str, values: Values) -> Result<(Vec<u32>, bool), String> {
    let mut negated = false;
    let mut rest = set;
    while let Some(r) = rest.strip_prefix('!') {
        negated = !negated;
        rest = r;
    }
    match rest {
        "none" => return Ok((Vec::new(), negated)),
        "all" => return Ok((Vec::new(), !negated)),
        _ => {}
    }
    let mut chosen = Vec::new();
    for token in rest.split(',').filter(|t| !t.is_empty()) {
        match (values.lookup)(token) {
            Some(v) => chosen.push(v),
            None => return Err(format!("invalid {} '{token}'", values.what)),
        }
    }
    if chosen.is_empty() {
        return Err(format!("invalid {} '{set}'", values.what));
    }
    Ok((chosen, negated))
}

/// strace's qualifier names (src/filter_qualify.c, `qual_options`).
const QUALIFIERS: &[(&str, Qualifier)] = &[
    ("trace", Qualifier::Trace),
    ("t", Qualifier::Trace),
    ("abbrev", Qualifier::SyscallSet),
    ("a", Qualifier::SyscallSet),
    ("verbose", Qualifier::SyscallSet),
    ("v", Qualifier::SyscallSet),
    ("raw", Qualifier::SyscallSet),
    ("x", Qualifier::SyscallSet),
    ("signal", Qualifier::Values(SIGNALS)),
    ("signals", Qualifier::Values(SIGNALS)),
    ("status", Qualifier::Status),
    ("s", Qualifier::Values(SIGNALS)),
    ("quiet", Qualifier::Values(QUIET)),
    ("silent", Qualifier::Values(QUIET)),
    ("silence", Qualifier::Values(QUIET)),
    ("q", Qualifier::Values(QUIET)),
    ("read", Qualifier::Values(DESCRIPTORS)),
    ("reads", Qualifier::Values(DESCRIPTORS)),
    ("r", Qualifier::Values(DESCRIPTORS)),
    ("write", Qualifier::Values(DESCRIPTORS)),
    ("writes", Qualifier::Values(DESCRIPTORS)),
    ("w", Qualifier::Values(DESCRIPTORS)),
    (
        "fault",
        Qualifier::Unsupported("fault", "ksec does not tamper with syscalls"),
    ),
    (
        "inject",
        Qualifier::Unsupported("inject", "ksec does not tamper with syscalls"),
    ),
    ("kvm", Qualifier::Kvm),
    ("decode-fd", Qualifier::Values(DECODE_FDS)),
    ("decode-fds", Qualifier::Values(DECODE_FDS)),
    ("decode-pid", Qualifier::Values(DECODE_PIDS)),
    ("decode-pids", Qualifier::Values(DECODE_PIDS)),
    ("secontext", Qualifier::Ignored),
];

/// Splits `-e EXPR` into its qualifier and value; without a known `NAME=` prefix the whole
/// expression is a trace set (so `-e foo=bar` is the syscall set `foo=bar`, as in strace).
fn split_qualifier(expr: &str) -> (Qualifier, &str) {
    if let Some((name, value)) = expr.split_once('=') {
        if let Some((_, q)) = QUALIFIERS.iter().find(|(n, _)| *n == name) {
            return (*q, value);
        }
    }
    (Qualifier::Trace, expr)
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::super::testing::*;
    use super::super::Filter;

    /// Expressions strace 6.1 rejects (`bad`) or accepts (`good`), from the fixture that
    /// tests/filter.rs also checks against the strace on the machine.
    fn expressions(kind: &str) -> Vec<&'static str> {
        include_str!("../../../fixtures/strace/expressions.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once(' '))
            .filter(|&(k, _)| k == kind)
            .map(|(_, e)| e)
            .collect()
    }

    #[test]
    fn qualifier_spellings_and_override_order() {
        let read = filter(&["trace=read"]);
        assert_eq!(filter(&["read"]), read);
        assert_eq!(filter(&["t=read"]), read);
        assert_eq!(Filter::parse(&[], &strings(&["read"])).unwrap(), read);
        assert_eq!(
            Filter::parse(&[], &strings(&["write", "read"])).unwrap(),
            read
        );
        // A later trace qualifier replaces an earlier one (qualify_syscall_tokens clears the set).
        assert_eq!(filter(&["trace=write", "trace=read"]), read);
        assert_eq!(filter(&["trace=%file", "t=read", "signal=none"]), read);
        // ... but every one is checked, as strace dies on the first bad one.
        assert_eq!(
            error(&["trace=nosuch", "trace=read"]),
            "invalid system call 'nosuch'"
        );
        // Unknown qualifier names make the whole expression a syscall set.
        assert_eq!(error(&["foo=bar"]), "invalid system call 'foo=bar'");
        assert!(
            Filter::parse(&strings(&["trace=read"]), &strings(&["read"]))
                .unwrap_err()
                .contains("-e trace= and --trace= given together")
        );
    }

    #[test]
    fn other_qualifiers() {
        let all = Filter::all();
        for e in [
            "signal=none",
            "s=all",
            "quiet=attach",
            "q=all",
            "read=3",
            "write=all",
            "decode-fds=all",
            "decode-pids=comm",
            "secontext=full",
            "kvm=vcpu",
            "abbrev=none",
            "a=all",
            "verbose=!read",
            "v=none",
            "raw=%file",
            "x=all",
        ] {
            assert_eq!(filter(&[e]), all, "{e}");
        }
        // Syscall sets of output-only qualifiers are still checked.
        assert_eq!(error(&["raw=nosuch"]), "invalid system call 'nosuch'");
        assert_eq!(error(&["kvm=x"]), "invalid -e kvm= argument: 'x'");
        assert_eq!(filter(&["status=failed"]), all);
        assert_eq!(filter(&["status=all"]), all);
        let q = super::output_quals(&strings(&["status=!failed", "signal=CHLD", "quiet=exit"]))
            .unwrap();
        assert_eq!(q.status, Some((vec![1], true)));
        assert_eq!(q.signal, Some((vec![17], false)));
        assert!(super::OutputQuals::has(&q.quiet, 1, false));
        assert!(error(&["fault=openat"]).starts_with("-e fault= is not supported"));
        assert!(error(&["inject=openat:error=ENOENT"]).starts_with("-e inject= is not supported"));
    }

    #[test]
    fn bad_and_good_expressions() {
        assert_eq!(expressions("bad").len(), 37);
        assert_eq!(expressions("good").len(), 31);
        for expr in expressions("bad") {
            let err = error(&[expr]);
            if let Some(value) = expr.strip_prefix("status=") {
                assert_eq!(err, format!("invalid status '{value}'"));
            }
            assert!(!err.is_empty());
        }
        for expr in expressions("good") {
            assert!(Filter::parse(&strings(&[expr]), &[]).is_ok(), "-e {expr}");
        }
        assert_eq!(error(&["signal=FOO"]), "invalid signal 'FOO'");
        assert_eq!(error(&["signal="]), "invalid signal ''");
        assert_eq!(error(&["read=-1"]), "invalid descriptor '-1'");
        assert_eq!(error(&["quiet=foo"]), "invalid quiet 'foo'");
        assert_eq!(error(&["decode-fds=foo"]), "invalid decode-fds 'foo'");
        assert_eq!(error(&["decode-pids=foo"]), "invalid decode-pids 'foo'");
    }
}
