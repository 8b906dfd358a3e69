//! Decoders of the stat family (part of the file family, asked by [`super::file::lookup`]):
//! stat, lstat, fstat, newfstatat with their `struct stat`, statx with its `struct statx`,
//! statfs and fstatfs with their `struct statfs`, as strace 6.1 prints them: abbreviated
//! (`{st_mode=S_IFREG|0644, st_size=3, ...}`) unless `-v`, and as an address when the call
//! failed or the struct cannot be read. Times carry strace's `/* 2026-12-01T00:49:05+0000 */`
//! comment, written in UTC (strace uses its local time zone: the same when TZ is UTC).
#![forbid(unsafe_code)]

use std::mem::{offset_of, size_of};

use super::file::{dev, flags_or, id, symbolic_mode, AT_FLAGS};
use super::xlat::{self, Table};
use super::{Ctx, Decoder, Step, Value};

/// The decoder of syscall `name`, if it is one of the stat family.
pub fn lookup(name: &str) -> Option<Decoder> {
    let d: Decoder = match name {
        "stat" | "lstat" => stat,
        "fstat" => fstat,
        "newfstatat" => newfstatat,
        "statx" => statx,
        "statfs" => statfs,
        "fstatfs" => fstatfs,
        _ => return None,
    };
    Some(d)
}

// --- Times. ---

/// Days since 1970-01-01 to (year, month, day) (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    (y, m, d)
}

/// strace's `sprinttime_nsec`: `2026-12-01T00:49:05.959222548+0000`, None for the epoch
/// itself and for a nanosecond count out of range. Written in UTC.
pub fn time_text(sec: i64, nsec: u64) -> Option<String> {
    if (sec == 0 && nsec == 0) || nsec > 999_999_999 {
        return None;
    }
    let (y, mo, d) = civil(sec.div_euclid(86_400));
    let s = sec.rem_euclid(86_400);
    let mut t = format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}",
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if nsec > 0 {
        t.push_str(&format!(".{nsec:09}"));
    }
    t.push_str("+0000");
    Some(t)
}

/// A value with strace's time comment, when there is one.
fn with_time(v: Value, sec: i64, nsec: u64) -> Value {
    match time_text(sec, nsec) {
        Some(t) => Value::Comment(Box::new(v), t),
        None => v,
    }
}

/// `{tv_sec=1796086145, tv_nsec=959222548} /* 2026-12-01T00:49:05.959222548+0000 */`.
pub fn timespec(sec: i64, nsec: i64) -> Value {
    let v = Value::fields(vec![
        ("tv_sec", Value::Int(sec)),
        ("tv_nsec", Value::Int(nsec)),
    ]);
    match u64::try_from(nsec) {
        Ok(n) => with_time(v, sec, n),
        Err(_) => v,
    }
}

// --- struct stat. ---

fn u64_at(b: &[u8], off: usize) -> u64 {
    b.get(off..off + 8)
        .and_then(|s| s.try_into().ok())
        .map(u64::from_ne_bytes)
        .unwrap_or(0)
}

fn u32_at(b: &[u8], off: usize) -> u32 {
    b.get(off..off + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_ne_bytes)
        .unwrap_or(0)
}

fn u16_at(b: &[u8], off: usize) -> u16 {
    b.get(off..off + 2)
        .and_then(|s| s.try_into().ok())
        .map(u16::from_ne_bytes)
        .unwrap_or(0)
}

/// The `struct stat` at `addr` (x86_64's kernel layout, libc's `stat`), as strace prints it.
fn struct_stat(c: &mut Ctx<'_>, addr: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    let Some(b) = c.read(addr, size_of::<libc::stat>()) else {
        return Value::Ptr(addr);
    };
    macro_rules! f64_ {
        ($f:ident) => {
            u64_at(&b, offset_of!(libc::stat, $f))
        };
    }
    let mode = u32_at(&b, offset_of!(libc::stat, st_mode));
    let verbose = c.opts.verbose;
    let mut fields = Vec::new();
    if verbose {
        fields.push(("st_dev", dev(f64_!(st_dev))));
        fields.push(("st_ino", Value::Uint(f64_!(st_ino))));
        fields.push(("st_mode", symbolic_mode(mode)));
        fields.push(("st_nlink", Value::Uint(f64_!(st_nlink))));
        let uid = u32_at(&b, offset_of!(libc::stat, st_uid));
        let gid = u32_at(&b, offset_of!(libc::stat, st_gid));
        fields.push(("st_uid", Value::Uint(uid as u64)));
        fields.push(("st_gid", Value::Uint(gid as u64)));
        fields.push(("st_blksize", Value::Uint(f64_!(st_blksize))));
        fields.push(("st_blocks", Value::Uint(f64_!(st_blocks))));
    } else {
        fields.push(("st_mode", symbolic_mode(mode)));
    }
    let ifmt = mode & libc::S_IFMT;
    if ifmt == libc::S_IFCHR || ifmt == libc::S_IFBLK {
        fields.push(("st_rdev", dev(f64_!(st_rdev))));
    } else {
        fields.push(("st_size", Value::Uint(f64_!(st_size))));
    }
    if !verbose {
        return Value::Struct { fields, more: true };
    }
    let times: [(&'static str, &'static str, usize, usize); 3] = [
        (
            "st_atime",
            "st_atime_nsec",
            offset_of!(libc::stat, st_atime),
            offset_of!(libc::stat, st_atime_nsec),
        ),
        (
            "st_mtime",
            "st_mtime_nsec",
            offset_of!(libc::stat, st_mtime),
            offset_of!(libc::stat, st_mtime_nsec),
        ),
        (
            "st_ctime",
            "st_ctime_nsec",
            offset_of!(libc::stat, st_ctime),
            offset_of!(libc::stat, st_ctime_nsec),
        ),
    ];
    for (name, nname, so, no) in times {
        let sec = u64_at(&b, so) as i64;
        let nsec = u64_at(&b, no);
        fields.push((name, with_time(Value::Int(sec), sec, nsec)));
        fields.push((nname, Value::Uint(nsec)));
    }
    Value::fields(fields)
}

fn stat(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let p = c.path_arg(0);
        c.arg(p);
        return Step::Exit;
    }
    let v = struct_stat(c, c.args[1]);
    c.arg(v);
    Step::Done
}

fn fstat(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    let v = struct_stat(c, c.args[1]);
    c.arg(v);
    Step::Done
}

fn newfstatat(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let d = c.dirfd_arg(0);
        c.arg(d);
        let p = c.path_arg(1);
        c.arg(p);
        return Step::Exit;
    }
    let v = struct_stat(c, c.args[2]);
    c.arg(v);
    c.arg(flags_or(c.uint(3) as u64, AT_FLAGS, "AT_???"));
    Step::Done
}

// --- statx. ---

/// `STATX_DIOALIGN` (include/uapi/linux/stat.h), and the statx fields libc's struct may lack:
/// `stx_dio_mem_align`, `stx_dio_offset_align` at 152 and 156, `struct statx` is 256 bytes.
const STATX_DIOALIGN: u64 = 0x2000;
const STATX_SIZE_BYTES: usize = 256;
const STX_DIO_MEM_ALIGN: usize = 152;
const STX_DIO_OFFSET_ALIGN: usize = 156;

/// `statx_masks` (STATX_ALL and STATX_BASIC_STATS first, as strace lists them). STATX_ALL
/// (0xfff) is deprecated in the kernel header; libc keeps it.
const STATX_MASKS: &Table = crate::xlat![
    STATX_ALL,
    STATX_BASIC_STATS,
    STATX_TYPE,
    STATX_MODE,
    STATX_NLINK,
    STATX_UID,
    STATX_GID,
    STATX_ATIME,
    STATX_MTIME,
    STATX_CTIME,
    STATX_INO,
    STATX_SIZE,
    STATX_BLOCKS,
    STATX_BTIME,
    STATX_MNT_ID,
    (STATX_DIOALIGN, "STATX_DIOALIGN"),
];

const STATX_ATTRS: &Table = crate::xlat![
    STATX_ATTR_COMPRESSED,
    STATX_ATTR_IMMUTABLE,
    STATX_ATTR_APPEND,
    STATX_ATTR_NODUMP,
    STATX_ATTR_ENCRYPTED,
    STATX_ATTR_AUTOMOUNT,
    STATX_ATTR_MOUNT_ROOT,
    STATX_ATTR_VERITY,
    STATX_ATTR_DAX,
];

const STATX_SYNC: &Table = crate::xlat![
    AT_STATX_SYNC_AS_STAT,
    AT_STATX_FORCE_SYNC,
    AT_STATX_DONT_SYNC,
    AT_STATX_SYNC_TYPE,
];

/// `{tv_sec=..., tv_nsec=...} /* ... */` of a `struct statx_timestamp` at `off`.
fn statx_ts(b: &[u8], off: usize) -> Value {
    let sec = u64_at(b, off) as i64;
    let nsec = u32_at(b, off + 8) as u64;
    let v = Value::fields(vec![
        ("tv_sec", Value::Int(sec)),
        ("tv_nsec", Value::Uint(nsec)),
    ]);
    with_time(v, sec, nsec)
}

fn statx(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let d = c.dirfd_arg(0);
        c.arg(d);
        let p = c.path_arg(1);
        c.arg(p);
        let flags = c.uint(2) as u64;
        let sync_type = libc::AT_STATX_SYNC_TYPE as u64;
        let mut names = xlat::flag_names(flags & sync_type, STATX_SYNC);
        if flags & !sync_type != 0 {
            names.extend(xlat::flag_names(flags & !sync_type, AT_FLAGS));
        }
        c.arg(Value::Flags(names));
        c.arg(flags_or(c.uint(3) as u64, STATX_MASKS, "STATX_???"));
        return Step::Exit;
    }
    let addr = c.args[4];
    let v = match (c.failed(), c.read(addr, STATX_SIZE_BYTES)) {
        (false, Some(b)) => statx_struct(&b, c.opts.verbose),
        _ => Value::Ptr(addr),
    };
    c.arg(v);
    Step::Done
}

fn statx_struct(b: &[u8], verbose: bool) -> Value {
    macro_rules! off {
        ($f:ident) => {
            offset_of!(libc::statx, $f)
        };
    }
    let mask = u32_at(b, off!(stx_mask)) as u64;
    let has = |m: libc::c_uint| mask & m as u64 != 0;
    let mut f = vec![("stx_mask", flags_or(mask, STATX_MASKS, "STATX_???"))];
    if verbose {
        f.push((
            "stx_blksize",
            Value::Uint(u32_at(b, off!(stx_blksize)) as u64),
        ));
    }
    f.push((
        "stx_attributes",
        flags_or(
            u64_at(b, off!(stx_attributes)),
            STATX_ATTRS,
            "STATX_ATTR_???",
        ),
    ));
    if verbose {
        if has(libc::STATX_NLINK) {
            f.push(("stx_nlink", Value::Uint(u32_at(b, off!(stx_nlink)) as u64)));
        }
        if has(libc::STATX_UID) {
            f.push(("stx_uid", id(u32_at(b, off!(stx_uid)))));
        }
        if has(libc::STATX_GID) {
            f.push(("stx_gid", id(u32_at(b, off!(stx_gid)))));
        }
    }
    if has(libc::STATX_TYPE | libc::STATX_MODE) {
        f.push(("stx_mode", symbolic_mode(u16_at(b, off!(stx_mode)) as u32)));
    }
    if verbose && has(libc::STATX_INO) {
        f.push(("stx_ino", Value::Uint(u64_at(b, off!(stx_ino)))));
    }
    if has(libc::STATX_SIZE) {
        f.push(("stx_size", Value::Uint(u64_at(b, off!(stx_size)))));
    }
    if !verbose {
        return Value::Struct {
            fields: f,
            more: true,
        };
    }
    if has(libc::STATX_BLOCKS) {
        f.push(("stx_blocks", Value::Uint(u64_at(b, off!(stx_blocks)))));
    }
    f.push((
        "stx_attributes_mask",
        flags_or(
            u64_at(b, off!(stx_attributes_mask)),
            STATX_ATTRS,
            "STATX_ATTR_???",
        ),
    ));
    if has(libc::STATX_ATIME) {
        f.push(("stx_atime", statx_ts(b, off!(stx_atime))));
    }
    if has(libc::STATX_BTIME) {
        f.push(("stx_btime", statx_ts(b, off!(stx_btime))));
    }
    if has(libc::STATX_CTIME) {
        f.push(("stx_ctime", statx_ts(b, off!(stx_ctime))));
    }
    if has(libc::STATX_MTIME) {
        f.push(("stx_mtime", statx_ts(b, off!(stx_mtime))));
    }
    for (name, o) in [
        ("stx_rdev_major", off!(stx_rdev_major)),
        ("stx_rdev_minor", off!(stx_rdev_minor)),
        ("stx_dev_major", off!(stx_dev_major)),
        ("stx_dev_minor", off!(stx_dev_minor)),
    ] {
        f.push((name, Value::Uint(u32_at(b, o) as u64)));
    }
    if has(libc::STATX_MNT_ID) {
        f.push(("stx_mnt_id", Value::Hex(u64_at(b, off!(stx_mnt_id)))));
    }
    if mask & STATX_DIOALIGN != 0 {
        f.push((
            "stx_dio_mem_align",
            Value::Uint(u32_at(b, STX_DIO_MEM_ALIGN) as u64),
        ));
        f.push((
            "stx_dio_offset_align",
            Value::Uint(u32_at(b, STX_DIO_OFFSET_ALIGN) as u64),
        ));
    }
    Value::fields(f)
}

// --- statfs. ---

/// `ST_VALID` and `ST_NOSYMFOLLOW` (include/linux/statfs.h); libc has the others.
const ST_VALID: u64 = 0x0020;
const ST_NOSYMFOLLOW: u64 = 0x2000;

const STATFS_FLAGS: &Table = crate::xlat![
    (ST_VALID, "ST_VALID"),
    (libc::ST_RDONLY, "ST_RDONLY"),
    (libc::ST_NOSUID, "ST_NOSUID"),
    (libc::ST_NODEV, "ST_NODEV"),
    (libc::ST_NOEXEC, "ST_NOEXEC"),
    (libc::ST_SYNCHRONOUS, "ST_SYNCHRONOUS"),
    (libc::ST_MANDLOCK, "ST_MANDLOCK"),
    (libc::ST_NOATIME, "ST_NOATIME"),
    (libc::ST_NODIRATIME, "ST_NODIRATIME"),
    (libc::ST_RELATIME, "ST_RELATIME"),
    (ST_NOSYMFOLLOW, "ST_NOSYMFOLLOW"),
];

/// File system magic numbers as strace names them (its `fsmagic` table, values from
/// include/uapi/linux/magic.h; libc's constants where libc has them).
const FS_MAGIC: &Table = crate::xlat![
    QNX4_SUPER_MAGIC,
    (0x33, "Z3FOLD_MAGIC"),
    AUTOFS_SUPER_MAGIC,
    (0x1373, "DEVFS_SUPER_MAGIC"),
    (0x137d, "EXT_SUPER_MAGIC"),
    MINIX_SUPER_MAGIC,
    MINIX_SUPER_MAGIC2,
    DEVPTS_SUPER_MAGIC,
    MINIX2_SUPER_MAGIC,
    MINIX2_SUPER_MAGIC2,
    NILFS_SUPER_MAGIC,
    (0x4244, "HFS_SUPER_MAGIC"),
    (0x482b, "HFSPLUS_SUPER_MAGIC"),
    MSDOS_SUPER_MAGIC,
    MINIX3_SUPER_MAGIC,
    SMB_SUPER_MAGIC,
    NCP_SUPER_MAGIC,
    (0x5df5, "EXOFS_SUPER_MAGIC"),
    NFS_SUPER_MAGIC,
    (0x7275, "ROMFS_MAGIC"),
    JFFS2_SUPER_MAGIC,
    ISOFS_SUPER_MAGIC,
    PROC_SUPER_MAGIC,
    OPENPROM_SUPER_MAGIC,
    USBDEVICE_SUPER_MAGIC,
    ADFS_SUPER_MAGIC,
    AFFS_SUPER_MAGIC,
    (0xef51, "EXT2_OLD_SUPER_MAGIC"),
    EXT2_SUPER_MAGIC,
    ECRYPTFS_SUPER_MAGIC,
    (0x11954, "UFS_MAGIC"),
    CGROUP_SUPER_MAGIC,
    EFS_SUPER_MAGIC,
    HOSTFS_SUPER_MAGIC,
    (0xc36400, "CEPH_SUPER_MAGIC"),
    TMPFS_MAGIC,
    (0x1021997, "V9FS_MAGIC"),
    (0x1161970, "GFS2_MAGIC"),
    (0x12fd16d, "XIAFS_SUPER_MAGIC"),
    (0x12ff7b4, "XENIX_SUPER_MAGIC"),
    (0x12ff7b5, "SYSV4_SUPER_MAGIC"),
    (0x12ff7b6, "SYSV2_SUPER_MAGIC"),
    (0x12ff7b7, "COH_SUPER_MAGIC"),
    (0x2011994, "SHMFS_SUPER_MAGIC"),
    (0x9041934, "ANON_INODE_FS_MAGIC"),
    FUTEXFS_SUPER_MAGIC,
    (0x11307854, "MTD_INODE_FS_MAGIC"),
    (0x13661366, "BALLOON_KVM_MAGIC"),
    UDF_SUPER_MAGIC,
    (0x1badface, "BFS_MAGIC"),
    (0x2011bab0, "EXFAT_SUPER_MAGIC"),
    (0x24051905, "UBIFS_SUPER_MAGIC"),
    CRAMFS_MAGIC,
    (0x2fc12fc1, "ZFS_SUPER_MAGIC"),
    (0x3153464a, "JFS_SUPER_MAGIC"),
    (0x42465331, "BEFS_SUPER_MAGIC"),
    (0x42494e4d, "BINFMTFS_MAGIC"),
    SMACK_MAGIC,
    (0x444d4142, "DMA_BUF_MAGIC"),
    (0x453dcd28, "CRAMFS_MAGIC_WEND"),
    (0x454d444d, "DEVMEM_MAGIC"),
    (0x47504653, "GPFS_SUPER_MAGIC"),
    (0x50495045, "PIPEFS_MAGIC"),
    REISERFS_SUPER_MAGIC,
    (0x5345434d, "SECRETMEM_MAGIC"),
    AFS_SUPER_MAGIC,
    (0x5346544e, "NTFS_SB_MAGIC"),
    (0x534f434b, "SOCKFS_MAGIC"),
    (0x54190100, "UFS_CIGAM"),
    (0x565a4653, "VZFS_SUPER_MAGIC"),
    (0x57ac6e9d, "STACK_END_MAGIC"),
    (0x58295829, "ZSMALLOC_MAGIC"),
    XFS_SUPER_MAGIC,
    (0x5a3c69f0, "AAFS_MAGIC"),
    (0x5a4f4653, "ZONEFS_MAGIC"),
    (0x6165676c, "PSTOREFS_MAGIC"),
    (0x61756673, "AUFS_SUPER_MAGIC"),
    (0x62646576, "BDEVFS_MAGIC"),
    (0x62656570, "CONFIGFS_MAGIC"),
    SYSFS_MAGIC,
    CGROUP2_SUPER_MAGIC,
    DEBUGFS_MAGIC,
    (0x64646178, "DAXFS_MAGIC"),
    (0x65735543, "FUSE_CTL_SUPER_MAGIC"),
    FUSE_SUPER_MAGIC,
    QNX6_SUPER_MAGIC,
    (0x6b414653, "AFS_FS_MAGIC"),
    BINDERFS_SUPER_MAGIC,
    NSFS_MAGIC,
    SECURITYFS_MAGIC,
    (0x73717368, "SQUASHFS_MAGIC"),
    (0x73727279, "BTRFS_TEST_MAGIC"),
    CODA_SUPER_MAGIC,
    OCFS2_SUPER_MAGIC,
    TRACEFS_MAGIC,
    OVERLAYFS_SUPER_MAGIC,
    (0x858458f6, "RAMFS_MAGIC"),
    BTRFS_SUPER_MAGIC,
    HUGETLBFS_MAGIC,
    (0xa501fcf5, "VXFS_SUPER_MAGIC"),
    XENFS_SUPER_MAGIC,
    (0xc7571590, "PPC_CMM_MAGIC"),
    (0xc97e8168, "LOGFS_MAGIC"),
    BPF_FS_MAGIC,
    (0xde5e81e4, "EFIVARFS_MAGIC"),
    (0xe0f5e1e2, "EROFS_SUPER_MAGIC_V1"),
    F2FS_SUPER_MAGIC,
    SELINUX_MAGIC,
    HPFS_SUPER_MAGIC,
    (0xfe534d42, "SMB2_SUPER_MAGIC"),
    (0xff534d42, "CIFS_SUPER_MAGIC"),
];

/// The `struct statfs` at `addr` (x86_64: every field a long but f_fsid's two ints).
fn struct_statfs(c: &mut Ctx<'_>, addr: u64) -> Value {
    if c.failed() {
        return Value::Ptr(addr);
    }
    let Some(b) = c.read(addr, size_of::<libc::statfs>()) else {
        return Value::Ptr(addr);
    };
    macro_rules! l {
        ($f:ident) => {
            u64_at(&b, offset_of!(libc::statfs, $f))
        };
    }
    let ftype = l!(f_type);
    let ftype_v = match xlat::name(ftype, FS_MAGIC) {
        Some(n) => Value::sym(n),
        None => Value::Hex(ftype),
    };
    let fsid = offset_of!(libc::statfs, f_fsid);
    let mut f = vec![
        ("f_type", ftype_v),
        ("f_bsize", Value::Uint(l!(f_bsize))),
        ("f_blocks", Value::Uint(l!(f_blocks))),
        ("f_bfree", Value::Uint(l!(f_bfree))),
        ("f_bavail", Value::Uint(l!(f_bavail))),
        ("f_files", Value::Uint(l!(f_files))),
        ("f_ffree", Value::Uint(l!(f_ffree))),
        (
            "f_fsid",
            Value::fields(vec![(
                "val",
                Value::array(vec![
                    Value::Hex(u32_at(&b, fsid) as u64),
                    Value::Hex(u32_at(&b, fsid + 4) as u64),
                ]),
            )]),
        ),
        ("f_namelen", Value::Uint(l!(f_namelen))),
        ("f_frsize", Value::Uint(l!(f_frsize))),
    ];
    // f_flags follows f_frsize (libc's struct keeps it in f_spare).
    let flags = u64_at(&b, offset_of!(libc::statfs, f_frsize) + 8);
    if flags & ST_VALID != 0 {
        f.push(("f_flags", flags_or(flags, STATFS_FLAGS, "ST_???")));
    }
    Value::fields(f)
}

fn statfs(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let p = c.path_arg(0);
        c.arg(p);
        return Step::Exit;
    }
    let v = struct_statfs(c, c.args[1]);
    c.arg(v);
    Step::Done
}

fn fstatfs(c: &mut Ctx<'_>) -> Step {
    if !c.exiting() {
        let fd = c.fd_arg(0);
        c.arg(fd);
        return Step::Exit;
    }
    let v = struct_statfs(c, c.args[1]);
    c.arg(v);
    Step::Done
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::decode::testing::*;
    use crate::trace::decode::{NoFdNames, Opts, Ret};

    const AT_FDCWD: u64 = libc::AT_FDCWD as i64 as u64;

    fn ok(v: i64) -> Option<Ret> {
        Some(Ret {
            val: v,
            is_error: false,
        })
    }

    fn put_u64(b: &mut [u8], off: usize, v: u64) {
        b[off..off + 8].copy_from_slice(&v.to_ne_bytes());
    }

    fn put_u32(b: &mut [u8], off: usize, v: u32) {
        b[off..off + 4].copy_from_slice(&v.to_ne_bytes());
    }

    /// The `struct stat` of /etc/localtime as strace printed it on this machine.
    fn localtime_stat() -> Vec<u8> {
        let mut b = vec![0u8; size_of::<libc::stat>()];
        put_u64(&mut b, offset_of!(libc::stat, st_dev), 0xfe00);
        put_u64(&mut b, offset_of!(libc::stat, st_ino), 378148);
        put_u32(
            &mut b,
            offset_of!(libc::stat, st_mode),
            libc::S_IFREG | 0o644,
        );
        put_u64(&mut b, offset_of!(libc::stat, st_nlink), 1);
        put_u64(&mut b, offset_of!(libc::stat, st_blksize), 4096);
        put_u64(&mut b, offset_of!(libc::stat, st_blocks), 8);
        put_u64(&mut b, offset_of!(libc::stat, st_size), 114);
        put_u64(&mut b, offset_of!(libc::stat, st_atime), 1796205378);
        put_u64(&mut b, offset_of!(libc::stat, st_atime_nsec), 736152944);
        put_u64(&mut b, offset_of!(libc::stat, st_mtime), 1756065323);
        put_u64(&mut b, offset_of!(libc::stat, st_ctime), 1756065323);
        b
    }

    #[test]
    fn times_as_strace_prints_them() {
        assert_eq!(
            time_text(1796086145, 959222548).as_deref(),
            Some("2026-12-01T00:49:05.959222548+0000")
        );
        assert_eq!(
            time_text(1756065323, 0).as_deref(),
            Some("2025-08-24T19:55:23+0000")
        );
        assert_eq!(time_text(0, 0), None);
        assert_eq!(
            time_text(951782400, 0).as_deref(),
            Some("2000-02-29T00:00:00+0000")
        );
    }

    #[test]
    fn newfstatat_abbreviated_and_verbose() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"\0");
        mem.put(0x2000, &localtime_stat());
        let args = [3, 0x1000, 0x2000, libc::AT_EMPTY_PATH as u64, 0, 0];
        let o = Opts::default();
        assert_eq!(
            line("newfstatat", args, ok(0), &o, &mut mem, &mut NoFdNames),
            "newfstatat(3, \"\", {st_mode=S_IFREG|0644, st_size=114, ...}, AT_EMPTY_PATH) = 0"
        );
        let v = Opts {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            line("newfstatat", args, ok(0), &v, &mut mem, &mut NoFdNames),
            "newfstatat(3, \"\", {st_dev=makedev(0xfe, 0), st_ino=378148, st_mode=S_IFREG|0644, st_nlink=1, st_uid=0, st_gid=0, st_blksize=4096, st_blocks=8, st_size=114, st_atime=1796205378 /* 2026-12-02T09:56:18.736152944+0000 */, st_atime_nsec=736152944, st_mtime=1756065323 /* 2025-08-24T19:55:23+0000 */, st_mtime_nsec=0, st_ctime=1756065323 /* 2025-08-24T19:55:23+0000 */, st_ctime_nsec=0}, AT_EMPTY_PATH) = 0"
        );
        let e = Some(Ret {
            val: -(libc::ENOENT as i64),
            is_error: true,
        });
        assert_eq!(
            line(
                "newfstatat",
                [AT_FDCWD, 0x1000, 0x2000, 0, 0, 0],
                e,
                &o,
                &mut mem,
                &mut NoFdNames
            ),
            "newfstatat(AT_FDCWD, \"\", 0x2000, 0) = -1 ENOENT (No such file or directory)"
        );
    }

    #[test]
    fn devices_print_st_rdev() {
        let mut b = vec![0u8; size_of::<libc::stat>()];
        put_u32(
            &mut b,
            offset_of!(libc::stat, st_mode),
            libc::S_IFCHR | 0o620,
        );
        put_u64(&mut b, offset_of!(libc::stat, st_rdev), 0x8801);
        let mut mem = FakeMem::default();
        mem.put(0x2000, &b);
        assert_eq!(
            line(
                "fstat",
                [0, 0x2000, 0, 0, 0, 0],
                ok(0),
                &Opts::default(),
                &mut mem,
                &mut NoFdNames
            ),
            "fstat(0, {st_mode=S_IFCHR|0620, st_rdev=makedev(0x88, 0x1), ...}) = 0"
        );
    }

    #[test]
    fn statx_abbreviated_and_verbose() {
        let mut b = vec![0u8; STATX_SIZE_BYTES];
        put_u32(&mut b, offset_of!(libc::statx, stx_mask), 0x17ff);
        put_u32(&mut b, offset_of!(libc::statx, stx_blksize), 4096);
        put_u32(&mut b, offset_of!(libc::statx, stx_nlink), 1);
        b[offset_of!(libc::statx, stx_mode)..][..2]
            .copy_from_slice(&((libc::S_IFCHR | 0o666) as u16).to_ne_bytes());
        put_u64(&mut b, offset_of!(libc::statx, stx_ino), 3);
        put_u64(
            &mut b,
            offset_of!(libc::statx, stx_attributes_mask),
            0x203070,
        );
        for f in [
            offset_of!(libc::statx, stx_atime),
            offset_of!(libc::statx, stx_ctime),
            offset_of!(libc::statx, stx_mtime),
        ] {
            put_u64(&mut b, f, 1796086145);
            put_u32(&mut b, f + 8, 959222548);
        }
        put_u32(&mut b, offset_of!(libc::statx, stx_rdev_major), 1);
        put_u32(&mut b, offset_of!(libc::statx, stx_rdev_minor), 3);
        put_u32(&mut b, offset_of!(libc::statx, stx_dev_minor), 6);
        put_u64(&mut b, offset_of!(libc::statx, stx_mnt_id), 0x18);
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"/dev/null\0");
        mem.put(0x2000, &b);
        let args = [AT_FDCWD, 0x1000, 0x900, 0x25e, 0x2000, 0];
        assert_eq!(
            line("statx", args, ok(0), &Opts::default(), &mut mem, &mut NoFdNames),
            "statx(AT_FDCWD, \"/dev/null\", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT, STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_MTIME|STATX_SIZE, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_attributes=0, stx_mode=S_IFCHR|0666, stx_size=0, ...}) = 0"
        );
        let v = Opts {
            verbose: true,
            ..Default::default()
        };
        assert_eq!(
            line("statx", args, ok(0), &v, &mut mem, &mut NoFdNames),
            "statx(AT_FDCWD, \"/dev/null\", AT_STATX_SYNC_AS_STAT|AT_SYMLINK_NOFOLLOW|AT_NO_AUTOMOUNT, STATX_MODE|STATX_NLINK|STATX_UID|STATX_GID|STATX_MTIME|STATX_SIZE, {stx_mask=STATX_BASIC_STATS|STATX_MNT_ID, stx_blksize=4096, stx_attributes=0, stx_nlink=1, stx_uid=0, stx_gid=0, stx_mode=S_IFCHR|0666, stx_ino=3, stx_size=0, stx_blocks=0, stx_attributes_mask=STATX_ATTR_IMMUTABLE|STATX_ATTR_APPEND|STATX_ATTR_NODUMP|STATX_ATTR_AUTOMOUNT|STATX_ATTR_MOUNT_ROOT|STATX_ATTR_DAX, stx_atime={tv_sec=1796086145, tv_nsec=959222548} /* 2026-12-01T00:49:05.959222548+0000 */, stx_ctime={tv_sec=1796086145, tv_nsec=959222548} /* 2026-12-01T00:49:05.959222548+0000 */, stx_mtime={tv_sec=1796086145, tv_nsec=959222548} /* 2026-12-01T00:49:05.959222548+0000 */, stx_rdev_major=1, stx_rdev_minor=3, stx_dev_major=0, stx_dev_minor=6, stx_mnt_id=0x18}) = 0"
        );
    }
}
