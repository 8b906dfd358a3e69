//! The records `bpf/trace.bpf.c` keeps in its maps, as `#[repr(C)]` mirrors that aya may copy
//! to and from the kernel (`aya::Pod`), and `pidfd_open`, with which the eBPF backend waits for
//! its command without polling. The C side's struct layouts and these must stay in step; the
//! size asserts below catch a field added on one side only.

use std::os::fd::{FromRawFd, OwnedFd};

use libc::pid_t;
use nix::errno::Errno;

/// Key of the `counts` and `hist` maps: one row per task, syscall, personality and generation
/// (and latency bucket, in `hist`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Key {
    /// The thread counted under (0 unless counting per thread).
    pub tid: u32,
    pub tgid: u32,
    /// As the task passed it (unknown numbers such as -1 keep their own rows).
    pub nr: u64,
    /// 0 native, 1 the 32-bit compat table.
    pub pers: u8,
    /// The generation (see the `generation` map) the calls were counted in.
    pub gen: u8,
    /// The latency bucket (`hist` rows only).
    pub bucket: u16,
    pub pad: u32,
}

/// Value of the `counts` map, per CPU.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub calls: u64,
    pub errors: u64,
    pub cpu_total: u64,
    /// `u64::MAX` while nothing was counted on this CPU.
    pub cpu_min: u64,
    pub cpu_max: u64,
    pub wall_total: u64,
    pub wall_min: u64,
    pub wall_max: u64,
}

/// Value of the `lost` map, per CPU: what could not be measured because a map was full.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lost {
    /// Calls not timed: no room for the call in flight.
    pub starts: u64,
    /// Calls not counted: no room for their row.
    pub counts: u64,
    /// Calls missing from the latency histograms.
    pub hist: u64,
    /// Children not followed: no room in the pid maps.
    pub follows: u64,
}

/// A task name as the kernel keeps it (comm, NUL-padded).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Comm(pub [u8; 16]);

/// One thing to read from a call's memory (bpf/trace.bpf.c `struct item`), see
/// [`crate::trace::ebpf::capture`].
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Item {
    /// 1 at entry, 2 at exit; 0 with `kind` 0 ends the list.
    pub when: u8,
    pub kind: u8,
    pub arg: u8,
    pub arg2: u8,
    pub cap: u16,
    pub elem: i16,
}

/// Row of the `specs` map: what a syscall's per-call record carries of its memory.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Spec {
    pub items: [Item; 6],
}

const _: () = assert!(std::mem::size_of::<Item>() == 8);
const _: () = assert!(std::mem::size_of::<Spec>() == 48);
const _: () = assert!(std::mem::size_of::<Key>() == 24);
const _: () = assert!(std::mem::size_of::<Counts>() == 64);
const _: () = assert!(std::mem::size_of::<Lost>() == 32);

// SAFETY: plain `#[repr(C)]` structs of integers (and a byte array) without padding (the size
// asserts above), so every bit pattern is a valid value and aya may copy them byte for byte.
unsafe impl aya::Pod for Key {}
// SAFETY: as above.
unsafe impl aya::Pod for Counts {}
// SAFETY: as above.
unsafe impl aya::Pod for Lost {}
// SAFETY: as above.
unsafe impl aya::Pod for Comm {}
// SAFETY: as above (bytes, and 16-bit fields at even offsets).
unsafe impl aya::Pod for Spec {}

/// `pidfd_open(pid, 0)`: an fd that polls readable when process `pid` exits.
///
/// # Errors
/// The process does not exist (ESRCH), or the kernel lacks pidfds (ENOSYS).
pub fn pidfd_open(pid: pid_t) -> nix::Result<OwnedFd> {
    // SAFETY: plain integer syscall.
    let fd = Errno::result(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the kernel just returned this fd; nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as i32) })
}
