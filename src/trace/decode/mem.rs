//! Decoders of the mem family (see [`super`] for how a decoder works), as strace 6.1's
//! `mem.c` and `membarrier.c`: mmap (its return in hex), munmap, mprotect, brk, madvise,
//! mremap, msync, mlock and its kin, mincore, membarrier.
#![forbid(unsafe_code)]

use super::io::array;
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Rval, Step, Value};

/// The decoder of syscall `name`, if this family has one.
pub fn lookup(name: &str) -> Option<Decoder> {
    Some(match name {
        "mmap" => mmap,
        "munmap" | "mlock" | "munlock" => addr_len,
        "mprotect" => mprotect,
        "pkey_mprotect" => mprotect,
        "brk" => brk,
        "madvise" => madvise,
        "mremap" => mremap,
        "msync" => msync,
        "mlock2" => mlock2,
        "mlockall" => mlockall,
        "mincore" => mincore,
        "membarrier" => membarrier,
        _ => return None,
    })
}

/// asm-generic/mman-common.h's PROT_SEM: not in libc.
const PROT_SEM: u64 = 0x8;

/// mmap's and mprotect's protections (strace's mmap_prot, in its order).
const PROT: &Table = crate::xlat![
    PROT_NONE,
    PROT_READ,
    PROT_WRITE,
    PROT_EXEC,
    (PROT_SEM, "PROT_SEM"),
    PROT_GROWSDOWN,
    PROT_GROWSUP,
];

/// asm-generic/mman-common.h and x86's asm/mman.h: flags glibc's libc lacks on x86_64.
const MAP_SYNC: u64 = 0x80000;
const MAP_UNINITIALIZED: u64 = 0x4000000;

/// mmap's mapping types (the low four bits, MAP_TYPE).
const MAP_TYPES: &Table = crate::xlat![MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_FILE,];

/// mmap's other flags (strace's mmap_flags for x86_64, in its order).
const MAP_FLAGS: &Table = crate::xlat![
    MAP_FIXED,
    MAP_ANONYMOUS,
    MAP_32BIT,
    MAP_NORESERVE,
    MAP_POPULATE,
    MAP_NONBLOCK,
    MAP_GROWSDOWN,
    MAP_DENYWRITE,
    MAP_EXECUTABLE,
    MAP_LOCKED,
    MAP_STACK,
    MAP_HUGETLB,
    (MAP_SYNC, "MAP_SYNC"),
    (MAP_UNINITIALIZED, "MAP_UNINITIALIZED"),
    MAP_FIXED_NOREPLACE,
];

/// linux/mman.h's MAP_HUGE_SHIFT and MAP_HUGE_MASK.
const MAP_HUGE_SHIFT: u32 = 26;
const MAP_HUGE_MASK: u64 = 0x3f;

/// mmap's flags as strace's `print_mmap_flags`: the type, the flags, the huge page size
/// (`MAP_PRIVATE|MAP_ANONYMOUS|21<<MAP_HUGE_SHIFT`).
fn mmap_flags(flags: u64) -> Value {
    let ty = flags & 0xf;
    let mut parts = vec![xlat::enumerated(ty, MAP_TYPES, "MAP_???")];
    let huge = flags & (MAP_HUGE_MASK << MAP_HUGE_SHIFT);
    let rest = flags & !0xf & !huge;
    if rest != 0 {
        parts.push(xlat::flags(rest, MAP_FLAGS));
    }
    if huge != 0 {
        parts.push(Value::Raw(format!(
            "{}<<MAP_HUGE_SHIFT",
            huge >> MAP_HUGE_SHIFT
        )));
    }
    match parts.len() {
        1 => parts.remove(0),
        _ if parts
            .iter()
            .all(|p| matches!(p, Value::Sym(_) | Value::Flags(_))) =>
        {
            // All names: one flag list.
            let mut names = Vec::new();
            for p in parts {
                match p {
                    Value::Sym(s) => names.push(s),
                    Value::Flags(f) => names.extend(f),
                    _ => {}
                }
            }
            Value::Flags(names)
        }
        _ => Value::Or(parts),
    }
}

/// `mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f...`.
fn mmap(c: &mut Ctx<'_>) -> Step {
    c.arg(c.ptr_arg(0));
    c.arg(c.ulong_arg(1));
    c.arg(super::io::flags(c.args[2], PROT, "PROT_???"));
    c.arg(mmap_flags(c.args[3]));
    let fd = c.fd_arg(4);
    c.arg(fd);
    c.arg(c.hex_arg(5));
    c.rval(Rval::Hex);
    Step::Done
}

/// `munmap(0x7f..., 8192) = 0`, and mlock, munlock.
fn addr_len(c: &mut Ctx<'_>) -> Step {
    c.arg(c.ptr_arg(0));
    c.arg(c.ulong_arg(1));
    Step::Done
}

/// `mprotect(0x7f..., 4096, PROT_READ) = 0`; pkey_mprotect adds the key.
fn mprotect(c: &mut Ctx<'_>) -> Step {
    addr_len(c);
    c.arg(super::io::flags(c.args[2], PROT, "PROT_???"));
    if c.personality.syscall_name(c.nr) == Some("pkey_mprotect") {
        c.arg(c.int_arg(3));
    }
    Step::Done
}

/// `brk(NULL) = 0x555e33f69000`.
fn brk(c: &mut Ctx<'_>) -> Step {
    c.arg(c.ptr_arg(0));
    c.rval(Rval::Hex);
    Step::Done
}

/// madvise's advice (strace's madvise_cmds for x86_64).
const MADV: &Table = crate::xlat![
    MADV_NORMAL,
    MADV_RANDOM,
    MADV_SEQUENTIAL,
    MADV_WILLNEED,
    MADV_DONTNEED,
    MADV_FREE,
    MADV_REMOVE,
    MADV_DONTFORK,
    MADV_DOFORK,
    MADV_MERGEABLE,
    MADV_UNMERGEABLE,
    MADV_HUGEPAGE,
    MADV_NOHUGEPAGE,
    MADV_DONTDUMP,
    MADV_DODUMP,
    MADV_WIPEONFORK,
    MADV_KEEPONFORK,
    MADV_COLD,
    MADV_PAGEOUT,
    MADV_POPULATE_READ,
    MADV_POPULATE_WRITE,
    MADV_DONTNEED_LOCKED,
    MADV_COLLAPSE,
    MADV_HWPOISON,
    MADV_SOFT_OFFLINE,
];

/// `madvise(0x7f..., 8192, MADV_DONTNEED) = 0`.
fn madvise(c: &mut Ctx<'_>) -> Step {
    addr_len(c);
    c.arg(xlat::enumerated(c.uint(2) as u64, MADV, "MADV_???"));
    Step::Done
}

/// `mremap(0x7f..., 8192, 16384, MREMAP_MAYMOVE) = 0x7f...`; the new address with
/// MREMAP_FIXED.
fn mremap(c: &mut Ctx<'_>) -> Step {
    addr_len(c);
    c.arg(c.ulong_arg(2));
    let t: &Table = crate::xlat![MREMAP_MAYMOVE, MREMAP_FIXED, MREMAP_DONTUNMAP];
    c.arg(super::io::flags(c.args[3], t, "MREMAP_???"));
    let both = (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u64;
    if c.args[3] & both == both {
        c.arg(c.ptr_arg(4));
    }
    c.rval(Rval::Hex);
    Step::Done
}

/// `msync(0x7f..., 4096, MS_SYNC|MS_INVALIDATE) = 0`.
fn msync(c: &mut Ctx<'_>) -> Step {
    addr_len(c);
    let t: &Table = crate::xlat![MS_SYNC, MS_ASYNC, MS_INVALIDATE];
    c.arg(super::io::flags(c.uint(2) as u64, t, "MS_???"));
    Step::Done
}

/// `mlock2(0x7f..., 4096, MLOCK_ONFAULT) = 0`.
fn mlock2(c: &mut Ctx<'_>) -> Step {
    addr_len(c);
    // linux/mman.h's MLOCK_ONFAULT: not in glibc's libc.
    let t: &Table = &[(1, "MLOCK_ONFAULT")];
    c.arg(super::io::flags(c.uint(2) as u64, t, "MLOCK_???"));
    Step::Done
}

/// `mlockall(MCL_CURRENT) = 0`.
fn mlockall(c: &mut Ctx<'_>) -> Step {
    // asm-generic/mman.h's MCL_ONFAULT: not in glibc's libc on x86_64.
    let t: &Table = &[
        (libc::MCL_CURRENT as u64, "MCL_CURRENT"),
        (libc::MCL_FUTURE as u64, "MCL_FUTURE"),
        (4, "MCL_ONFAULT"),
    ];
    c.arg(super::io::flags(c.uint(0) as u64, t, "MCL_???"));
    Step::Done
}

/// The tracer's page size (strace's `get_pagesize`).
fn page_size() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::PAGE_SIZE)
        .ok()
        .flatten()
        .map_or(4096, |p| p as u64)
}

/// `mincore(0x7f..., 8192, [1, 0]) = 0`: a byte a page, at exit.
fn mincore(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        addr_len(c);
        return Step::Exit;
    }
    let n = c.args[1].div_ceil(page_size());
    let v = array(c, c.args[2], n, 1, false, |_, b| {
        Value::Uint((b[0] & 1) as u64)
    });
    c.arg(v);
    Step::Done
}

/// membarrier's commands (linux/membarrier.h).
const MEMBARRIER_CMDS: &Table = crate::xlat![
    (0, "MEMBARRIER_CMD_QUERY"),
    (1, "MEMBARRIER_CMD_GLOBAL"),
    (1 << 1, "MEMBARRIER_CMD_GLOBAL_EXPEDITED"),
    (1 << 2, "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED"),
    (1 << 3, "MEMBARRIER_CMD_PRIVATE_EXPEDITED"),
    (1 << 4, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED"),
    (1 << 5, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE"),
    (
        1 << 6,
        "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE",
    ),
    (1 << 7, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ"),
    (1 << 8, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ"),
];

/// membarrier's flags and, with MEMBARRIER_CMD_FLAG_CPU, the cpu.
fn membarrier_flags(c: &mut Ctx<'_>) {
    let flags = c.uint(1);
    // linux/membarrier.h's MEMBARRIER_CMD_FLAG_CPU.
    c.arg(super::io::flags(
        flags as u64,
        &[(1, "MEMBARRIER_CMD_FLAG_CPU")],
        "MEMBARRIER_CMD_FLAG_???",
    ));
    if flags & 1 != 0 {
        c.arg(c.int_arg(2));
    }
}

/// `membarrier(MEMBARRIER_CMD_QUERY, 0) = 0x1ff (MEMBARRIER_CMD_GLOBAL|...)`.
fn membarrier(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let cmd = c.int(0);
        c.arg(xlat::enumerated(
            cmd as u32 as u64,
            MEMBARRIER_CMDS,
            "MEMBARRIER_CMD_???",
        ));
        if cmd != 0 {
            membarrier_flags(c);
            return Step::Done;
        }
        // The query's flags print at exit (with its note): an entry that pushed every
        // argument would end in ", ".
        return Step::Exit;
    }
    membarrier_flags(c);
    if let Some(r) = c.rval_ok().filter(|&r| r != 0) {
        c.rval(Rval::Hex);
        c.note(xlat::flags(r as u64, MEMBARRIER_CMDS));
    }
    Step::Done
}
