//! Architecture-specific facts in one place: personalities (syscall tables), their audit arch
//! values as PTRACE_GET_SYSCALL_INFO reports them, syscall names from the `syscalls` crate's
//! tables, and the table headings strace prints.

use serde::Serialize;

/// A syscall table a process can call into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Personality {
    /// The native table (x86_64 on x86_64, aarch64 on aarch64).
    Native,
    /// The 32-bit compat table (i386 via `int 0x80` on x86_64).
    Compat32,
}

// linux/audit.h
const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const AUDIT_ARCH_I386: u32 = 0x4000_0003;
const AUDIT_ARCH_AARCH64: u32 = 0xC000_00B7;
const AUDIT_ARCH_ARM: u32 = 0x4000_0028;

impl Personality {
    /// Every personality, in the order strace prints their tables.
    pub const ALL: [Personality; 2] = [Personality::Native, Personality::Compat32];

    /// The personality of an audit arch value, as in `ptrace_syscall_info.arch`.
    pub fn from_audit_arch(arch: u32) -> Personality {
        match arch {
            AUDIT_ARCH_I386 | AUDIT_ARCH_ARM => Personality::Compat32,
            AUDIT_ARCH_X86_64 | AUDIT_ARCH_AARCH64 => Personality::Native,
            _ => Personality::Native,
        }
    }

    /// The audit arch value of this personality on this machine.
    pub fn audit_arch(self) -> u32 {
        match (self, cfg!(target_arch = "aarch64")) {
            (Personality::Native, false) => AUDIT_ARCH_X86_64,
            (Personality::Compat32, false) => AUDIT_ARCH_I386,
            (Personality::Native, true) => AUDIT_ARCH_AARCH64,
            (Personality::Compat32, true) => AUDIT_ARCH_ARM,
        }
    }

    /// The line strace prints before this personality's table (none for the native one).
    pub fn heading(self) -> Option<&'static str> {
        match self {
            Personality::Native => None,
            Personality::Compat32 => Some("System call usage summary for 32 bit mode:"),
        }
    }

    /// Short name used in JSON.
    pub fn arch_name(self) -> &'static str {
        match (self, cfg!(target_arch = "aarch64")) {
            (Personality::Native, false) => "x86_64",
            (Personality::Compat32, false) => "i386",
            (Personality::Native, true) => "aarch64",
            (Personality::Compat32, true) => "arm",
        }
    }

    /// The kernel's name of syscall `nr`, if the table has one.
    pub fn syscall_name(self, nr: u64) -> Option<&'static str> {
        let nr = u32::try_from(nr).ok()?;
        #[cfg(target_arch = "x86_64")]
        if self == Personality::Native {
            if let Some(&(_, name)) = X86_64_NEWER.iter().find(|(n, _)| *n == nr) {
                return Some(name);
            }
        }
        match self {
            #[cfg(target_arch = "x86_64")]
            Personality::Native => syscalls::x86_64::Sysno::new(nr as usize).map(|s| s.name()),
            #[cfg(target_arch = "x86_64")]
            Personality::Compat32 => syscalls::x86::Sysno::new(nr as usize).map(|s| s.name()),
            #[cfg(target_arch = "aarch64")]
            Personality::Native => syscalls::aarch64::Sysno::new(nr as usize).map(|s| s.name()),
            #[cfg(target_arch = "aarch64")]
            Personality::Compat32 => syscalls::arm::Sysno::new(nr as usize).map(|s| s.name()),
        }
    }

    /// The row label strace prints: the name, or `syscall_0x1c3` for unknown numbers.
    pub fn display_name(self, nr: u64) -> std::borrow::Cow<'static, str> {
        match self.syscall_name(nr) {
            // The crate spells keywords as raw identifiers (i386's `r#break`).
            Some(n) => n.trim_start_matches("r#").into(),
            None => format!("syscall_{nr:#x}").into(),
        }
    }

    /// Every (number, name) of this personality's table, ascending.
    pub fn syscalls(self) -> Vec<(u64, &'static str)> {
        match self {
            #[cfg(target_arch = "x86_64")]
            Personality::Native => {
                let mut all: Vec<(u64, &'static str)> = syscalls::x86_64::Sysno::iter()
                    .map(|s| (s.id() as u64, s.name()))
                    .chain(X86_64_NEWER.iter().map(|&(n, s)| (u64::from(n), s)))
                    .collect();
                all.sort_unstable();
                all.dedup_by_key(|e| e.0);
                all
            }
            #[cfg(target_arch = "x86_64")]
            Personality::Compat32 => syscalls::x86::Sysno::iter()
                .map(|s| (s.id() as u64, s.name()))
                .collect(),
            #[cfg(target_arch = "aarch64")]
            Personality::Native => syscalls::aarch64::Sysno::iter()
                .map(|s| (s.id() as u64, s.name()))
                .collect(),
            #[cfg(target_arch = "aarch64")]
            Personality::Compat32 => syscalls::arm::Sysno::iter()
                .map(|s| (s.id() as u64, s.name()))
                .collect(),
        }
    }
}

/// x86_64 syscalls newer than the `syscalls` crate's table (0.8.1 ends at 469, file_setattr),
/// from the kernel's arch/x86/entry/syscalls/syscall_64.tbl (Linux 6.19). The test below checks
/// the newer part of the whole table against the running kernel's `__x64_sys_*` symbols.
#[cfg(target_arch = "x86_64")]
const X86_64_NEWER: &[(u32, &str)] = &[(470, "listns")];

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::Personality::*;

    #[test]
    fn names_from_the_kernel_tables() {
        assert_eq!(Native.syscall_name(0), Some("read"));
        assert_eq!(Native.syscall_name(59), Some("execve"));
        assert_eq!(Native.syscall_name(262), Some("newfstatat"));
        assert_eq!(Compat32.syscall_name(1), Some("exit"));
        assert_eq!(Compat32.syscall_name(4), Some("write"));
        assert_eq!(Native.display_name(0x3e8), "syscall_0x3e8");
        assert_eq!(Native.syscall_name(335), Some("uretprobe"));
        assert_eq!(Native.syscall_name(462), Some("mseal"));
        assert_eq!(Compat32.syscall_name(462), Some("mseal"));
        assert_eq!(Native.syscall_name(469), Some("file_setattr"));
    }

    /// Every syscall of the newer table that the running kernel has (a `__x64_sys_NAME` symbol
    /// in /proc/kallsyms) is named, and nothing else has its number.
    #[test]
    fn newer_names_follow_the_running_kernel() {
        let Ok(syms) = std::fs::read_to_string("/proc/kallsyms") else {
            eprintln!("SKIPPED newer_names_follow_the_running_kernel: /proc/kallsyms unreadable");
            return;
        };
        let have: std::collections::HashSet<&str> = syms
            .lines()
            .filter_map(|l| l.rsplit(' ').next()?.strip_prefix("__x64_sys_"))
            .collect();
        if have.is_empty() {
            eprintln!("SKIPPED newer_names_follow_the_running_kernel: no __x64_sys_ symbols");
            return;
        }
        let mut checked = 0;
        let newer = Native
            .syscalls()
            .into_iter()
            .filter(|&(nr, _)| nr == 335 || nr == 336 || nr >= 424);
        for (nr, name) in newer {
            if have.contains(name) {
                assert_eq!(Native.display_name(nr), name);
                checked += 1;
            }
        }
        eprintln!("checked {checked} newer syscalls against the running kernel");
        let listed = Native.syscalls();
        assert_eq!(
            listed.iter().filter(|(n, _)| *n == 462).count(),
            1,
            "one name per number"
        );
    }
}

/// Syscalls the tracer itself must look at (CPU placement keeps what the tracee sees true).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    SchedSetaffinity,
    SchedGetaffinity,
}

impl Personality {
    /// Whether `nr` is execve or execveat.
    #[inline]
    pub fn is_execve(self, nr: u64) -> bool {
        matches!(self.syscall_name(nr), Some("execve" | "execveat"))
    }

    /// Whether syscall `nr` is one the tracer watches.
    #[inline]
    pub fn watched(self, nr: u64) -> Option<Watched> {
        #[cfg(target_arch = "x86_64")]
        let (set, get) = match self {
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
        let (set, get) = match self {
            Personality::Native => (
                syscalls::aarch64::Sysno::sched_setaffinity as u64,
                syscalls::aarch64::Sysno::sched_getaffinity as u64,
            ),
            Personality::Compat32 => (
                syscalls::arm::Sysno::sched_setaffinity as u64,
                syscalls::arm::Sysno::sched_getaffinity as u64,
            ),
        };
        if nr == set {
            Some(Watched::SchedSetaffinity)
        } else if nr == get {
            Some(Watched::SchedGetaffinity)
        } else {
            None
        }
    }
}
