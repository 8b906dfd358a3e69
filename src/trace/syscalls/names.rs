//! Syscall names per personality, from the `syscalls` crate's copies of the kernel's tables
//! (arch/x86/entry/syscalls/syscall_{64,32}.tbl, and aarch64's and arm's), plus the few x86_64
//! syscalls newer than the crate ([`X86_64_NEWER`]). Names are the kernel's spelling: the crate's
//! raw identifiers (i386's `r#break`) lose their `r#`.

use crate::trace::arch::Personality;

/// Every (number, name) of one of the `syscalls` crate's tables, ascending. Not the crate's
/// `Sysno::iter()`: in 0.8 it stops before the table's last syscall (`next` loops while below
/// `last().id()`), which would leave x86_64's and i386's 469 (file_setattr) unnamed.
macro_rules! crate_table {
    ($sysno:ty) => {{
        type S = $sysno;
        (0..=S::last().id() as usize)
            .filter_map(S::new)
            .map(|s| (s.id() as u64, s.name()))
            .collect::<Vec<(u64, &'static str)>>()
    }};
}

/// Every (number, kernel name) of this personality's table, ascending, one name per number.
pub(super) fn list(p: Personality) -> Vec<(u64, &'static str)> {
    let mut all: Vec<(u64, &'static str)> = match p {
        #[cfg(target_arch = "x86_64")]
        Personality::Native => {
            let mut t = crate_table!(syscalls::x86_64::Sysno);
            t.extend(X86_64_NEWER.iter().map(|&(n, s)| (u64::from(n), s)));
            t
        }
        #[cfg(target_arch = "x86_64")]
        Personality::Compat32 => crate_table!(syscalls::x86::Sysno),
        #[cfg(target_arch = "aarch64")]
        Personality::Native => crate_table!(syscalls::aarch64::Sysno),
        #[cfg(target_arch = "aarch64")]
        Personality::Compat32 => crate_table!(syscalls::arm::Sysno),
    };
    // Stable: where the crate and X86_64_NEWER both name a number, the crate's name comes first.
    all.sort_by_key(|e| e.0);
    all.dedup_by_key(|e| e.0);
    for e in &mut all {
        e.1 = kernel_name(e.1);
    }
    all
}

/// The syscalls crate spells i386's 17 `r#break` (its Rust identifier); strace and the kernel
/// say `break`.
pub(super) fn kernel_name(name: &'static str) -> &'static str {
    name.strip_prefix("r#").unwrap_or(name)
}

/// x86_64 syscalls newer than the `syscalls` crate's table (0.8.1 ends at 469, file_setattr),
/// from the kernel's arch/x86/entry/syscalls/syscall_64.tbl (Linux 6.19). The test below checks
/// the newer part of the whole table against the running kernel's `__x64_sys_*` symbols.
#[cfg(target_arch = "x86_64")]
const X86_64_NEWER: &[(u32, &str)] = &[(470, "listns")];

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use crate::trace::arch::Personality::*;
    use crate::trace::syscalls;

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
        assert_eq!(Native.syscall_name(470), Some("listns"));
        // The last row of each crate table is in the table too (the crate's iter() skips it).
        assert_eq!(syscalls::number(Native, "file_setattr"), Some(469));
        assert_eq!(syscalls::number(Compat32, "file_setattr"), Some(469));
        assert_eq!(Compat32.syscall_name(17), Some("break"));
        assert_eq!(Compat32.display_name(17), "break");
        assert_eq!(Native.syscall_name(u64::MAX), None);
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
        let newer = syscalls::all(Native).filter(|s| s.nr == 335 || s.nr == 336 || s.nr >= 424);
        for s in newer {
            if have.contains(s.name) {
                assert_eq!(Native.display_name(s.nr), s.name);
                checked += 1;
            }
        }
        eprintln!("checked {checked} newer syscalls against the running kernel");
        assert_eq!(
            syscalls::all(Native).filter(|s| s.nr == 462).count(),
            1,
            "one name per number"
        );
    }
}
