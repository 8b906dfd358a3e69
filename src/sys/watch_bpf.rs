//! The records `bpf/watch.bpf.c` sends through its ring buffer and keeps in its maps, as
//! `#[repr(C)]` mirrors that aya may copy (`aya::Pod`), and [`record`], which reads one from
//! the ring buffer's bytes. The C side's layouts and these must stay in step; the size asserts
//! below catch a field added on one side only.

/// Record kinds (`hdr.kind`).
pub const K_EXEC: u32 = 1;
pub const K_FORK: u32 = 2;
pub const K_OPEN: u32 = 3;
pub const K_CONNECT: u32 = 4;
pub const K_ACCEPT: u32 = 5;
pub const K_PTRACE: u32 = 6;
pub const K_SETID: u32 = 7;
pub const K_EXIT: u32 = 8;
pub const K_NET: u32 = 9;

/// Room for the exe name and argv in an exec record, and for a path in an open record.
pub const EXE_MAX: usize = 512;
pub const ARGS_MAX: usize = 4096;
pub const PATH_MAX: usize = 4096;
pub const SOCKADDR_MAX: usize = 128;
/// A path walked up its dentries in the kernel: names up to DPATH_MAX bytes, in a buffer with
/// room for one more name.
pub const DPATH_MAX: usize = 1024;
pub const DPATH_ROOM: usize = DPATH_MAX + 256;

/// The open filter's key size: bpf/watch.bpf.c's PREFIX_MAX (the path bytes of `struct
/// path_key`, after its 32-bit prefix length).
pub const PREFIX_MAX: usize = 128;

/// What every record starts with: when, who, with which credentials.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Hdr {
    /// `bpf_ktime_get_boot_ns` (CLOCK_BOOTTIME).
    pub time_ns: u64,
    pub tid: u32,
    pub pid: u32,
    pub kind: u32,
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    /// `u32::MAX`: unset (or a kernel without audit).
    pub loginuid: u32,
    pub comm: [u8; 16],
    /// The mount namespace's inode number (0: none, a task past its exit).
    pub mntns: u32,
    pub pad: u32,
}

/// An exec's fixed part; `exe_len` bytes of name and `args_len` bytes of NUL-separated argv
/// follow in `exe` and after the struct.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ExecFixed {
    pub h: Hdr,
    pub res: i64,
    pub ppid: u32,
    pub tty: u32,
    pub exe_len: u16,
    pub args_len: u16,
    pub execveat: u8,
    pub truncated: u8,
    pub pad: [u8; 2],
    /// The process's ids in its own pid namespace (0: not visible there, or, for the group
    /// and session, the kernel's own session 0 of a process that never called setsid).
    pub vpid: u32,
    pub vpgid: u32,
    pub vsid: u32,
    /// The session and process group ids in the host's pid namespace.
    pub sid: u32,
    pub pgid: u32,
    pub pad2: u32,
    /// When the process and its pid namespace's init started (CLOCK_BOOTTIME ns; 0: unknown).
    pub start_ns: u64,
    pub pidns_start_ns: u64,
    /// The executable's inode number, and its ctime and mtime in ns since the epoch (0:
    /// unknown).
    pub exe_ino: u64,
    pub exe_ctime_ns: i64,
    pub exe_mtime_ns: i64,
    /// The working directory and the executable from the task's root: names from the leaf
    /// up, each NUL-terminated; `*_cut`: the walk stopped before the root.
    pub cwd_len: u16,
    pub exepath_len: u16,
    pub cwd_cut: u8,
    pub exepath_cut: u8,
    pub pad3: [u8; 2],
    pub cwd: [u8; DPATH_ROOM],
    pub exepath: [u8; DPATH_ROOM],
    pub exe: [u8; EXE_MAX],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ForkRec {
    pub h: Hdr,
    pub child_tid: u32,
    pub child_pid: u32,
    pub thread: u32,
    /// The child's process id in its own pid namespace.
    pub child_vpid: u32,
    /// When the child started (CLOCK_BOOTTIME ns).
    pub child_start_ns: u64,
}

/// An open's fixed part; `path_len` bytes of path follow.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct OpenFixed {
    pub h: Hdr,
    pub res: i64,
    pub flags: u64,
    pub dirfd: i32,
    pub mode: u32,
    /// The syscall number.
    pub nr: u32,
    pub path_len: u16,
    /// A relative path's base, walked in the kernel: its names (leaf first) follow the path's
    /// NUL; their length plus one (0: none).
    pub base_len: u16,
}

/// connect, accept, accept4: addresses as `struct sockaddr` bytes (length 0: unknown).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ConnRec {
    pub h: Hdr,
    pub res: i64,
    pub fd: i32,
    pub nr: u32,
    pub local_len: u16,
    pub remote_len: u16,
    /// SOCK_* and IPPROTO_* of the socket (0: not read).
    pub sock_type: u16,
    pub protocol: u16,
    pub local: [u8; SOCKADDR_MAX],
    pub remote: [u8; SOCKADDR_MAX],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct PtraceRec {
    pub h: Hdr,
    pub request: i64,
    pub res: i64,
    pub target: i32,
    pub pad: u32,
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct SetidRec {
    pub h: Hdr,
    pub res: i64,
    /// The syscall number.
    pub nr: u32,
    pub ids: [u32; 3],
}

#[repr(C)]
#[derive(Debug, Clone, Copy, Default)]
pub struct ExitRec {
    pub h: Hdr,
    /// The wait status.
    pub status: i32,
    pub pad: u32,
}

/// sendto, sendmsg, recvfrom, recvmsg on an AF_INET or AF_INET6 socket; `data_len` bytes of
/// data follow in `data` (sent only up to them).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct NetRec {
    pub h: Hdr,
    pub res: i64,
    /// The bytes the call asked for (sendmsg, recvmsg: of the first 8 iovecs).
    pub size: u64,
    pub fd: i32,
    /// The syscall number.
    pub nr: u32,
    pub local_len: u16,
    pub remote_len: u16,
    pub data_len: u16,
    /// SOCK_STREAM, SOCK_DGRAM, SOCK_RAW...
    pub sock_type: u16,
    /// IPPROTO_*.
    pub protocol: u16,
    /// [`NF_CONNECTED`], [`NF_NAME_CHANGED`], [`NF_SERVER`], [`NF_DATA`].
    pub flags: u8,
    pub pad: [u8; 5],
    pub local: [u8; INET_ADDR_MAX],
    pub remote: [u8; INET_ADDR_MAX],
    pub data: [u8; NET_DATA_MAX],
}

/// [`NetRec`]'s room for a socket address (`struct sockaddr_in6`) and for data (Falco's
/// default snaplen).
pub const INET_ADDR_MAX: usize = 28;
pub const NET_DATA_MAX: usize = 80;
/// [`NetRec::flags`]: the socket is connected; the call changed the fd's name; the task is the
/// server end (the remote address is the client); `data` holds the call's first bytes.
pub const NF_CONNECTED: u8 = 1;
pub const NF_NAME_CHANGED: u8 = 2;
pub const NF_SERVER: u8 = 4;
pub const NF_DATA: u8 = 8;
/// bpf/watch.bpf.c's `net_filter` bits, 4 per call (sendto, sendmsg, recvfrom, recvmsg from
/// the lowest): the calls that change the fd's name, every call, and with data.
pub const NET_NAME: u32 = 1;
pub const NET_ALL: u32 = 2;
pub const NET_DATA: u32 = 4;

/// Value of the `lost` map, per CPU.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WatchLost {
    /// Records the ring buffer had no room for.
    pub ring_full: u64,
    /// Calls not followed: the in-flight map was full.
    pub in_flight: u64,
}

const _: () = assert!(std::mem::size_of::<Hdr>() == 64);
const _: () = assert!(std::mem::size_of::<ExecFixed>() == 160 + 2 * DPATH_ROOM + EXE_MAX);
const _: () = assert!(std::mem::size_of::<ForkRec>() == 88);
const _: () = assert!(std::mem::size_of::<OpenFixed>() == 96);
const _: () = assert!(std::mem::size_of::<ConnRec>() == 88 + 2 * SOCKADDR_MAX);
const _: () = assert!(std::mem::size_of::<PtraceRec>() == 88);
const _: () = assert!(std::mem::size_of::<SetidRec>() == 88);
const _: () = assert!(std::mem::size_of::<ExitRec>() == 72);
const _: () = assert!(std::mem::size_of::<WatchLost>() == 16);
const _: () = assert!(std::mem::size_of::<NetRec>() == 104 + 2 * INET_ADDR_MAX + NET_DATA_MAX);

/// The record types [`record`] reads: plain integers and byte arrays without padding.
pub trait Record: aya::Pod {}

macro_rules! records {
    ($($t:ty),*) => {$(
        // SAFETY: a `#[repr(C)]` struct of integers and byte arrays without padding (the size
        // asserts above), so every bit pattern is a valid value.
        unsafe impl aya::Pod for $t {}
        impl Record for $t {}
    )*};
}
records!(Hdr, ExecFixed, ForkRec, OpenFixed, ConnRec, PtraceRec, SetidRec, ExitRec, WatchLost);
records!(NetRec);

/// The record of type `T` at the start of `bytes`, or None when `bytes` is shorter.
pub fn record<T: Record>(bytes: &[u8]) -> Option<T> {
    if bytes.len() < std::mem::size_of::<T>() {
        return None;
    }
    // SAFETY: `bytes` holds at least size_of::<T>() bytes (checked above), read unaligned, and
    // every bit pattern is a valid `T` (Record's types are Pod).
    Some(unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast::<T>()) })
}
