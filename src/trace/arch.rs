//! Architecture-specific facts in one place: personalities (syscall tables), their audit arch
//! values as PTRACE_GET_SYSCALL_INFO reports them, and the table headings strace prints. What is
//! known about each syscall of a personality (names, classes, subcalls) is in
//! [`super::syscalls`]; the methods here that ask about a number delegate to it.

use serde::Serialize;

use super::syscalls;
pub use super::syscalls::Watched;

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

    /// The kernel's name of syscall `nr`, if the table has one ([`syscalls::name`]).
    #[inline]
    pub fn syscall_name(self, nr: u64) -> Option<&'static str> {
        syscalls::name(self, nr)
    }

    /// The row label strace prints ([`syscalls::display_name`]).
    pub fn display_name(self, nr: u64) -> std::borrow::Cow<'static, str> {
        syscalls::display_name(self, nr)
    }

    /// Whether `nr` is execve or execveat ([`syscalls::is_execve`]).
    #[inline]
    pub fn is_execve(self, nr: u64) -> bool {
        syscalls::is_execve(self, nr)
    }

    /// Whether syscall `nr` is one the tracer watches ([`syscalls::watched`]).
    #[inline]
    pub fn watched(self, nr: u64) -> Option<Watched> {
        syscalls::watched(self, nr)
    }
}
