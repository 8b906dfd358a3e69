//! The classic-BPF seccomp program for `--seccomp-bpf`: SECCOMP_RET_TRACE for the syscalls being
//! counted, SECCOMP_RET_ALLOW for the rest, so uncounted syscalls never stop the tracee (as
//! strace's --seccomp-bpf). Built here as plain data from one [`SyscallSet`] per personality
//! (what the filter counts, see [`crate::trace::filter::Filter::numbers`], with what CPU placement
//! must see); installed in the child by [`crate::sys::spawn_stopped`].

use super::arch::Personality;
use super::syscalls::SyscallSet;

/// One cBPF instruction (`struct sock_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

// linux/bpf_common.h, linux/seccomp.h, linux/audit.h
/// BPF_LD | BPF_W | BPF_ABS (BPF_LD and BPF_W are 0).
const BPF_LD_W_ABS: u16 = 0x20;
const BPF_JMP_JEQ_K: u16 = 0x05 | 0x10;
const BPF_JMP_JGE_K: u16 = 0x05 | 0x30;
const BPF_JMP_JA: u16 = 0x05;
const BPF_RET_K: u16 = 0x06;
const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
const SECCOMP_RET_TRACE: u32 = 0x7ff0_0000;
const OFF_NR: u32 = 0;
const OFF_ARCH: u32 = 4;

fn stmt(code: u16, k: u32) -> Insn {
    Insn {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> Insn {
    Insn { code, jt, jf, k }
}

/// What to stop on, per personality.
#[derive(Debug, Clone, Default)]
pub struct Traced {
    /// (audit arch, the numbers to stop on: those below the table's end one by one, and
    /// whether every number at or past it)
    pub tables: Vec<(u32, SyscallSet)>,
}

impl Traced {
    /// One set per personality of this machine (in [`Personality::ALL`] order), from `set`.
    pub fn new(mut set: impl FnMut(Personality) -> SyscallSet) -> Traced {
        let tables = Personality::ALL
            .into_iter()
            .map(|p| (p.audit_arch(), set(p)))
            .collect();
        Traced { tables }
    }
}

/// The filter program: dispatch on arch, then one `jeq nr; ret TRACE` pair per traced number
/// (short forward jumps only, so any table size fits), ALLOW otherwise. Unknown arches trace.
pub fn program(t: &Traced) -> Vec<Insn> {
    let mut blocks: Vec<Vec<Insn>> = Vec::new();
    for (_, set) in &t.tables {
        let mut b = vec![stmt(BPF_LD_W_ABS, OFF_NR)];
        for nr in set.iter() {
            b.push(jump(BPF_JMP_JEQ_K, nr as u32, 0, 1));
            b.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
        }
        if set.beyond() {
            b.push(jump(BPF_JMP_JGE_K, set.end() as u32, 0, 1));
            b.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
        }
        b.push(stmt(BPF_RET_K, SECCOMP_RET_ALLOW));
        blocks.push(b);
    }
    // Header: ld arch; per table: jeq arch,0,1; ja block; then ret TRACE for other arches.
    let header_len = 1 + 2 * t.tables.len() + 1;
    let mut prog = vec![stmt(BPF_LD_W_ABS, OFF_ARCH)];
    let mut block_start = header_len;
    for (i, (arch, _)) in t.tables.iter().enumerate() {
        prog.push(jump(BPF_JMP_JEQ_K, *arch, 0, 1));
        let ja_index = prog.len();
        prog.push(stmt(BPF_JMP_JA, (block_start - ja_index - 1) as u32));
        block_start += blocks[i].len();
    }
    prog.push(stmt(BPF_RET_K, SECCOMP_RET_TRACE));
    for b in blocks {
        prog.extend(b);
    }
    prog
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny cBPF interpreter for the instructions `program` emits.
    fn run(prog: &[Insn], arch: u32, nr: u32) -> u32 {
        let mut pc = 0usize;
        let mut acc = 0u32;
        loop {
            let i = prog[pc];
            match i.code {
                BPF_LD_W_ABS => acc = if i.k == OFF_ARCH { arch } else { nr },
                BPF_JMP_JEQ_K => {
                    pc += if acc == i.k { i.jt } else { i.jf } as usize;
                }
                BPF_JMP_JGE_K => {
                    pc += if acc >= i.k { i.jt } else { i.jf } as usize;
                }
                BPF_JMP_JA => pc += i.k as usize,
                BPF_RET_K => return i.k,
                c => panic!("unexpected code {c:#x}"),
            }
            pc += 1;
        }
    }

    /// A set of `p` with `nrs` and, when `beyond`, every number past the table.
    fn set_of(p: Personality, nrs: &[u64], beyond: bool) -> SyscallSet {
        let mut s = if beyond {
            let mut s = SyscallSet::full(p);
            (0..s.end()).for_each(|nr| s.set(nr, false));
            s
        } else {
            SyscallSet::empty(p)
        };
        nrs.iter().for_each(|&nr| s.set(nr, true));
        s
    }

    #[test]
    fn traces_exactly_the_wanted_numbers() {
        let t = Traced::new(|p| match p {
            Personality::Native => set_of(p, &[1, 257], true),
            Personality::Compat32 => set_of(p, &[4], false),
        });
        let prog = program(&t);
        let native = Personality::Native.audit_arch();
        let compat = Personality::Compat32.audit_arch();
        assert_eq!(run(&prog, native, 1), SECCOMP_RET_TRACE);
        assert_eq!(run(&prog, native, 257), SECCOMP_RET_TRACE);
        assert_eq!(run(&prog, native, 0), SECCOMP_RET_ALLOW);
        assert_eq!(run(&prog, native, 4), SECCOMP_RET_ALLOW);
        assert_eq!(run(&prog, native, 0x4000_0001), SECCOMP_RET_TRACE);
        assert_eq!(run(&prog, compat, 4), SECCOMP_RET_TRACE);
        assert_eq!(run(&prog, compat, 1), SECCOMP_RET_ALLOW);
        assert_eq!(run(&prog, 0x1234, 1), SECCOMP_RET_TRACE);
    }

    #[test]
    fn big_sets_keep_jumps_short() {
        let t = Traced::new(SyscallSet::full);
        let prog = program(&t);
        assert!(prog.len() < 4096, "within the kernel's BPF_MAXINSNS");
        let native = Personality::Native.audit_arch();
        for nr in [0, 1, 200, 400] {
            assert_eq!(run(&prog, native, nr), SECCOMP_RET_TRACE);
        }
    }

    /// The filter's sets, with the affinity syscalls added for CPU placement, give the program
    /// the predicate over every number gave before the sets (`wants(p, nr) || watched`).
    #[test]
    fn sets_give_the_program_the_predicate_gave() {
        use crate::trace::filter::Filter;
        use crate::trace::syscalls;
        let old = |wants: &dyn Fn(Personality, u64) -> bool| {
            let tables = Personality::ALL
                .into_iter()
                .map(|p| {
                    let end = syscalls::end(p);
                    let nrs: Vec<u64> = (0..end).filter(|&n| wants(p, n)).collect();
                    let s = set_of(p, &nrs, wants(p, u32::MAX as u64));
                    (p.audit_arch(), s)
                })
                .collect();
            program(&Traced { tables })
        };
        for set in [
            "all",
            "none",
            "%file",
            "!read,openat",
            "read@32",
            "send",
            "%network",
        ] {
            let f = Filter::parse(&[format!("trace={set}")], &[]).unwrap();
            for pin in [false, true] {
                let new = program(&Traced::new(|p| match pin {
                    true => f.numbers(p).clone().union(&syscalls::watched_set(p)),
                    false => f.numbers(p).clone(),
                }));
                let want = old(&|p, nr| f.wants(p, nr) || (pin && p.watched(nr).is_some()));
                assert_eq!(new, want, "-e trace={set}, pin {pin}");
            }
        }
    }
}
