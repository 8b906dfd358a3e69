//! Per-call decoding: what strace prints between a syscall's parentheses, as [`Value`]s. One
//! file per family, as strace's `open.c`, `net.c`: each has a `lookup(name)` giving the
//! [`Decoder`] of the syscalls it knows; a call no family decodes is printed as strace prints
//! calls it does not decode (every argument in hex, as many as the syscall takes).
//!
//! A decoder runs at the call's entry and, when it returns [`Step::Exit`], again at its exit
//! ([`Ctx::exiting`]), while the tracee is stopped: it reads the tracee's memory through
//! [`Ctx`]'s readers (never the raw [`Memory`]), pushes the arguments it can print with
//! [`Ctx::arg`], and says how the return value is printed ([`Ctx::rval`], [`Ctx::note`]).
//! What the entry pushed is printed at once (so a blocked `read(0, ` shows), the exit's
//! arguments after it: `read(3, ` at entry, `"root:x:0:0:"..., 4096` at exit. A value needed
//! at exit but only known at entry (a value-result length) goes in [`CallState::saved`].
//!
//! Families: [`mod@file`] (open, stat, fcntl, ioctl...), [`io`] (read, write, poll, epoll...),
//! [`mem`] (mmap, brk...), [`process`] (execve, clone, wait4, prctl...), [`signal`] (kill,
//! rt_sigaction..., and the siginfo of a `--- SIG... ---` line), [`net`] (sockets and their
//! addresses; [`netlink`] the messages in their buffers), [`misc`] (time, futex, getrandom, uname, ids...). Flag and constant tables come
//! from libc's constants through [`xlat`].
#![forbid(unsafe_code)]

pub mod fcntl;
pub mod file;
pub mod io;
pub mod ioctl;
pub mod mem;
pub mod misc;
pub mod net;
pub mod netlink;
pub mod process;
pub mod signal;
pub mod sockaddr;
pub mod stat;
pub mod value;
pub mod xlat;

use std::sync::OnceLock;

use super::arch::Personality;
pub use value::{FdTarget, HexStr, Value};

/// The longest path strace reads (`PATH_MAX - 1` bytes and the NUL).
pub const PATH_MAX: usize = 4096;

/// What `-y` / `-yy` decode an fd into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum FdDecode {
    /// Just the number.
    #[default]
    None,
    /// `-y`: its path.
    Path,
    /// `-yy`: its path, a socket's protocol and endpoints, a device's numbers.
    All,
}

/// The options that change how arguments print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opts {
    /// `-s`: the most bytes of a string, and elements of an array, printed (default 32).
    pub string_limit: usize,
    /// `-v`: structs in full, the environment of execve.
    pub verbose: bool,
    /// `-x`, `-xx`.
    pub hex: HexStr,
    /// `-y`, `-yy`.
    pub fds: FdDecode,
}

impl Default for Opts {
    fn default() -> Self {
        Opts {
            string_limit: 32,
            verbose: false,
            hex: HexStr::None,
            fds: FdDecode::None,
        }
    }
}

/// A stopped tracee's memory.
pub trait Memory {
    /// Reads up to `buf.len()` bytes at `addr`; how many were read (fewer at an unmapped page,
    /// 0 when `addr` cannot be read).
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize;
}

impl Memory for crate::sys::mem::TraceeMem {
    fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize {
        crate::sys::mem::TraceeMem::read(self, addr, buf)
    }
}

/// No memory (tests, and a tracee that is gone).
#[derive(Debug, Default)]
pub struct NoMemory;

impl Memory for NoMemory {
    fn read(&mut self, _addr: u64, _buf: &mut [u8]) -> usize {
        0
    }
}

/// What an fd of a task refers to, for `-y` / `-yy`.
pub trait FdNames {
    /// The target of `fd` in task `tid` as `mode` prints it; None when it cannot be known.
    fn target(&mut self, tid: i32, fd: i64, mode: FdDecode) -> Option<FdTarget>;

    /// The netlink family of socket `fd` of task `tid` as strace's get_fd_nl_family finds it
    /// (-1: a netlink socket of unknown protocol); None when `fd` is no netlink socket.
    fn netlink_family(&mut self, tid: i32, fd: i64) -> Option<i64> {
        let _ = (tid, fd);
        None
    }

    /// The working directory of task `tid` (`AT_FDCWD</home/x>` under `-y`).
    fn cwd(&mut self, tid: i32) -> Option<FdTarget> {
        let _ = tid;
        None
    }
}

/// Fds without targets (no `-y`, tests).
#[derive(Debug, Default)]
pub struct NoFdNames;

impl FdNames for NoFdNames {
    fn target(&mut self, _tid: i32, _fd: i64, _mode: FdDecode) -> Option<FdTarget> {
        None
    }
}

/// A syscall's return, as the kernel reported it at exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ret {
    /// The return register; for an error, the negated errno.
    pub val: i64,
    /// The kernel's verdict (PTRACE_GET_SYSCALL_INFO's `is_error`).
    pub is_error: bool,
}

/// How a successful call's return value prints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rval {
    /// Signed decimal (the default).
    #[default]
    Dec,
    /// Unsigned decimal.
    Udec,
    /// `%#lx` (mmap, brk).
    Hex,
    /// `%#o` (umask).
    Oct,
    /// An fd: decorated as `-y` says (open, socket, dup).
    Fd,
}

/// What a decoder keeps from a call's entry to its exit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallState {
    /// Values read at entry that the exit needs (a value-result length, a command).
    pub saved: [u64; 4],
    /// A list read at entry that the exit needs (recvmmsg's msg_namelen of each message).
    pub saved_list: Vec<u64>,
    /// How the return value prints.
    pub rval: Rval,
    /// A comment after the return value: `= 0x1 (flags FD_CLOEXEC)`, `= 1 ([{fd=3, revents=
    /// POLLIN}])`, `= 0 (Timeout)`: printed in parentheses after a successful return.
    pub note: Option<Value>,
    /// The decoder asked to run again at exit.
    pub at_exit: bool,
    /// The `, ` between the entry's and the exit's arguments is written at exit (strace's
    /// clone and prctl), so an unfinished line ends without it: `clone(child_stack=NULL,
    /// flags=... <unfinished ...>`, then `<... clone resumed>, child_tidptr=...) = 5`.
    pub sep_at_exit: bool,
}

/// Whether a decoder is done with the call's arguments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Every argument is printed: at exit only the return value is.
    Done,
    /// Run the decoder again at exit.
    Exit,
}

/// A syscall's decoder: pushes its arguments with [`Ctx::arg`].
pub type Decoder = fn(&mut Ctx<'_>) -> Step;

/// One call, as a decoder sees it.
pub struct Ctx<'a> {
    pub tid: i32,
    pub personality: Personality,
    pub nr: u64,
    /// The call's raw arguments (as at entry; the registers are not re-read at exit).
    pub args: [u64; 6],
    /// At exit: the return. None at entry.
    pub ret: Option<Ret>,
    pub opts: &'a Opts,
    /// What this call's decoder keeps between entry and exit.
    pub state: &'a mut CallState,
    mem: &'a mut dyn Memory,
    fds: &'a mut dyn FdNames,
    out: Vec<Value>,
}

impl<'a> Ctx<'a> {
    /// A call at entry (`ret` None) or exit.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        tid: i32,
        personality: Personality,
        nr: u64,
        args: [u64; 6],
        ret: Option<Ret>,
        opts: &'a Opts,
        state: &'a mut CallState,
        mem: &'a mut dyn Memory,
        fds: &'a mut dyn FdNames,
    ) -> Ctx<'a> {
        Ctx {
            tid,
            personality,
            nr,
            args,
            ret,
            opts,
            state,
            mem,
            fds,
            out: Vec::new(),
        }
    }

    /// Prints one more argument.
    pub fn arg(&mut self, v: Value) {
        self.out.push(v);
    }

    /// The arguments pushed so far, taken.
    pub fn take_args(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.out)
    }

    /// The call is at its exit.
    pub fn exiting(&self) -> bool {
        self.ret.is_some()
    }

    /// At exit: the call failed (its output arguments are printed as addresses then).
    pub fn failed(&self) -> bool {
        self.ret.is_some_and(|r| r.is_error)
    }

    /// At exit: the successful return value.
    pub fn rval_ok(&self) -> Option<i64> {
        self.ret.filter(|r| !r.is_error).map(|r| r.val)
    }

    /// Sets how the return value prints.
    pub fn rval(&mut self, r: Rval) {
        self.state.rval = r;
    }

    /// A comment after the return value (printed in parentheses).
    pub fn note(&mut self, v: Value) {
        self.state.note = Some(v);
    }

    // --- Raw arguments, as C types. ---

    /// Argument `i` as a C `int`.
    pub fn int(&self, i: usize) -> i32 {
        self.args[i] as i32
    }

    /// Argument `i` as a C `unsigned int`.
    pub fn uint(&self, i: usize) -> u32 {
        self.args[i] as u32
    }

    /// Argument `i` as a `long`.
    pub fn long(&self, i: usize) -> i64 {
        self.args[i] as i64
    }

    // --- Values of arguments. ---

    /// Argument `i` as a decimal `int`.
    pub fn int_arg(&self, i: usize) -> Value {
        Value::Int(self.int(i) as i64)
    }

    /// Argument `i` as an unsigned decimal `unsigned int`.
    pub fn uint_arg(&self, i: usize) -> Value {
        Value::Uint(self.uint(i) as u64)
    }

    /// Argument `i` as an unsigned decimal `unsigned long` (a size).
    pub fn ulong_arg(&self, i: usize) -> Value {
        Value::Uint(self.args[i])
    }

    /// Argument `i` in hex.
    pub fn hex_arg(&self, i: usize) -> Value {
        Value::Hex(self.args[i])
    }

    /// Argument `i` as an address.
    pub fn ptr_arg(&self, i: usize) -> Value {
        Value::Ptr(self.args[i])
    }

    /// An fd: decorated as `-y` / `-yy` say.
    pub fn fd(&mut self, fd: i64) -> Value {
        let target = match self.opts.fds {
            FdDecode::None => None,
            _ if fd < 0 => None,
            mode => self.fds.target(self.tid, fd, mode),
        };
        Value::Fd { fd, target }
    }

    /// The netlink family of socket `fd` ([`FdNames::netlink_family`]), whatever -y says.
    pub fn netlink_family(&mut self, fd: i64) -> Option<i64> {
        if fd < 0 {
            return None;
        }
        self.fds.netlink_family(self.tid, fd)
    }

    /// Argument `i` as an fd (a C int).
    pub fn fd_arg(&mut self, i: usize) -> Value {
        let fd = self.int(i) as i64;
        self.fd(fd)
    }

    /// Argument `i` as a directory fd: `AT_FDCWD`, or an fd.
    pub fn dirfd_arg(&mut self, i: usize) -> Value {
        match self.int(i) {
            libc::AT_FDCWD => match self.opts.fds {
                FdDecode::None => Value::sym("AT_FDCWD"),
                // strace's print_dirfd: the working directory, as an fd's path.
                _ => match self.fds.cwd(self.tid) {
                    Some(t) => {
                        let mut s = String::from("AT_FDCWD");
                        t.write_text(&mut s, self.opts.hex);
                        Value::Raw(s)
                    }
                    None => Value::sym("AT_FDCWD"),
                },
            },
            fd => self.fd(fd as i64),
        }
    }

    // --- Tracee memory. ---

    /// Reads up to `len` bytes at `addr` (fewer at an unmapped page).
    pub fn read_some(&mut self, addr: u64, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let n = self.mem.read(addr, &mut buf);
        buf.truncate(n);
        buf
    }

    /// Reads exactly `len` bytes at `addr`, or None.
    pub fn read(&mut self, addr: u64, len: usize) -> Option<Vec<u8>> {
        if addr == 0 {
            return None;
        }
        let b = self.read_some(addr, len);
        (b.len() == len).then_some(b)
    }

    /// A `u32` at `addr`.
    pub fn read_u32(&mut self, addr: u64) -> Option<u32> {
        let b = self.read(addr, 4)?;
        Some(u32::from_ne_bytes(b[..4].try_into().ok()?))
    }

    /// An `i32` at `addr`.
    pub fn read_i32(&mut self, addr: u64) -> Option<i32> {
        self.read_u32(addr).map(|v| v as i32)
    }

    /// A `u64` at `addr`.
    pub fn read_u64(&mut self, addr: u64) -> Option<u64> {
        let b = self.read(addr, 8)?;
        Some(u64::from_ne_bytes(b[..8].try_into().ok()?))
    }

    /// A NUL-terminated string of at most `max` bytes at `addr`: the bytes before the NUL, and
    /// whether there was no NUL within `max` bytes. None when nothing can be read.
    pub fn read_cstr(&mut self, addr: u64, max: usize) -> Option<(Vec<u8>, bool)> {
        if addr == 0 {
            return None;
        }
        // Page by page: the string may end just before an unmapped page.
        let mut out = Vec::new();
        let mut at = addr;
        while out.len() < max {
            let page_left = 4096 - (at % 4096) as usize;
            let want = page_left.min(max - out.len());
            let chunk = self.read_some(at, want);
            if let Some(nul) = chunk.iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..nul]);
                return Some((out, false));
            }
            let short = chunk.len() < want;
            out.extend_from_slice(&chunk);
            if short {
                // Unreadable before the NUL: strace prints the address.
                return None;
            }
            at = at.wrapping_add(want as u64);
        }
        Some((out, true))
    }

    /// A path argument at `addr` as strace prints it: `NULL`, the quoted path (never cut by
    /// `-s`; `"..."...` past PATH_MAX), or the address when it cannot be read.
    pub fn path(&mut self, addr: u64) -> Value {
        if addr == 0 {
            return Value::Ptr(0);
        }
        match self.read_cstr(addr, PATH_MAX) {
            Some((bytes, more)) => Value::Str { bytes, more },
            None => Value::Ptr(addr),
        }
    }

    /// Argument `i` as a path.
    pub fn path_arg(&mut self, i: usize) -> Value {
        self.path(self.args[i])
    }

    /// A NUL-terminated string at `addr`, cut at `-s`: `NULL`, `"abc"...`, or the address.
    pub fn cstr(&mut self, addr: u64) -> Value {
        if addr == 0 {
            return Value::Ptr(0);
        }
        let limit = self.opts.string_limit;
        match self.read_cstr(addr, limit) {
            Some((bytes, more)) => {
                // A string of exactly `limit` bytes is whole when the NUL follows.
                let more = more && self.read_some(addr + limit as u64, 1).first() != Some(&0);
                Value::Str { bytes, more }
            }
            None => Value::Ptr(addr),
        }
    }

    /// A buffer of `len` bytes at `addr`, cut at `-s`: `"abc"...`, or the address when it
    /// cannot be read.
    pub fn buf(&mut self, addr: u64, len: u64) -> Value {
        if addr == 0 && len != 0 {
            return Value::Ptr(0);
        }
        let limit = self.opts.string_limit as u64;
        let want = len.min(limit) as usize;
        match self.read(addr, want) {
            Some(bytes) => Value::Str {
                bytes,
                more: len > limit,
            },
            None if want == 0 => Value::str(Vec::new()),
            None => Value::Ptr(addr),
        }
    }
}

/// The decoder of syscall `nr` of `p`, if a family has one (native syscalls only: a 32-bit
/// call prints its arguments in hex).
pub fn decoder(p: Personality, nr: u64) -> Option<Decoder> {
    static NATIVE: OnceLock<Vec<Option<Decoder>>> = OnceLock::new();
    if p != Personality::Native {
        return None;
    }
    let table = NATIVE.get_or_init(|| {
        let end = crate::trace::syscalls::end(Personality::Native);
        (0..end)
            .map(|nr| {
                let name = Personality::Native.syscall_name(nr)?;
                lookup(name)
            })
            .collect()
    });
    usize::try_from(nr)
        .ok()
        .and_then(|i| table.get(i).copied().flatten())
}

/// The decoder of the syscall named `name`, asking each family in turn.
pub fn lookup(name: &str) -> Option<Decoder> {
    file::lookup(name)
        .or_else(|| io::lookup(name))
        .or_else(|| mem::lookup(name))
        .or_else(|| process::lookup(name))
        .or_else(|| signal::lookup(name))
        .or_else(|| net::lookup(name))
        .or_else(|| misc::lookup(name))
}

/// strace's `printargs`: each argument in hex, as many as the syscall takes.
pub fn printargs(c: &mut Ctx<'_>) -> Step {
    for i in 0..crate::trace::syscalls::nargs(c.personality, c.nr).min(6) {
        let v = c.hex_arg(i);
        c.arg(v);
    }
    Step::Done
}

/// Decodes a call at entry (`c.ret` None) or exit: the arguments to print now. At entry the
/// decoder (or [`printargs`]) runs and says whether it runs again at exit; at exit it runs only
/// then.
pub fn decode(c: &mut Ctx<'_>) -> Vec<Value> {
    let d = decoder(c.personality, c.nr).unwrap_or(printargs);
    if !c.exiting() {
        c.state.at_exit = d(c) == Step::Exit;
    } else if c.state.at_exit {
        d(c);
    }
    c.take_args()
}

#[cfg(test)]
pub mod testing {
    //! A fake tracee for decoder tests: memory at chosen addresses, fds with chosen targets.
    use super::*;
    use std::collections::BTreeMap;

    /// Memory made of regions placed at addresses.
    #[derive(Debug, Default)]
    pub struct FakeMem {
        regions: BTreeMap<u64, Vec<u8>>,
    }

    impl FakeMem {
        /// Places `bytes` at `addr`.
        pub fn put(&mut self, addr: u64, bytes: &[u8]) -> &mut Self {
            self.regions.insert(addr, bytes.to_vec());
            self
        }
    }

    impl Memory for FakeMem {
        fn read(&mut self, addr: u64, buf: &mut [u8]) -> usize {
            let Some((&start, bytes)) = self.regions.range(..=addr).next_back() else {
                return 0;
            };
            let off = (addr - start) as usize;
            if off >= bytes.len() {
                return 0;
            }
            let n = buf.len().min(bytes.len() - off);
            buf[..n].copy_from_slice(&bytes[off..off + n]);
            n
        }
    }

    /// Fd targets by number (any task).
    #[derive(Debug, Default)]
    pub struct FakeFds(pub BTreeMap<i64, FdTarget>);

    impl FdNames for FakeFds {
        fn target(&mut self, _tid: i32, fd: i64, _mode: FdDecode) -> Option<FdTarget> {
            self.0.get(&fd).cloned()
        }
    }

    /// A call of `name` (native) with `args`: its text at entry and, given `ret`, at exit, as
    /// the printer would join them: `openat(AT_FDCWD, "/x", O_RDONLY) = 3` (the return as
    /// decimal, hex, octal or fd as the decoder said, and the note).
    pub fn line(
        name: &str,
        args: [u64; 6],
        ret: Option<Ret>,
        opts: &Opts,
        mem: &mut dyn Memory,
        fds: &mut dyn FdNames,
    ) -> String {
        let nr = crate::trace::syscalls::number(Personality::Native, name)
            .unwrap_or_else(|| panic!("no syscall {name}"));
        let mut state = CallState::default();
        let mut c = Ctx::new(
            1,
            Personality::Native,
            nr,
            args,
            None,
            opts,
            &mut state,
            mem,
            fds,
        );
        let mut vals = decode(&mut c);
        let mut line = format!("{name}(");
        let Some(ret) = ret else {
            for (i, v) in vals.iter().enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                v.write_text(&mut line, opts.hex);
            }
            return line;
        };
        let mut c = Ctx::new(
            1,
            Personality::Native,
            nr,
            args,
            Some(ret),
            opts,
            &mut state,
            mem,
            fds,
        );
        vals.extend(decode(&mut c));
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                line.push_str(", ");
            }
            v.write_text(&mut line, opts.hex);
        }
        line.push_str(") = ");
        line.push_str(&crate::trace::decode::format_ret(ret, &state, opts, 1, fds));
        line
    }
}

/// The text after ` = `: the return as the decoder said (with its note), or an error as
/// strace prints it (`-1 ENOENT (No such file or directory)`, `? ERESTARTSYS (To be restarted
/// if SA_RESTART is set)`).
pub fn format_ret(
    ret: Ret,
    state: &CallState,
    opts: &Opts,
    tid: i32,
    fds: &mut dyn FdNames,
) -> String {
    let mut s = String::new();
    if ret.is_error {
        let errno = ret.val.unsigned_abs() as i32;
        let (name, desc) = errno_text(errno);
        match errno {
            // The kernel's restart codes never reach the tracee: strace prints `?`.
            512..=516 => s.push_str("? "),
            _ => s.push_str("-1 "),
        }
        s.push_str(&name);
        s.push_str(" (");
        s.push_str(&desc);
        s.push(')');
        return s;
    }
    let v = match state.rval {
        Rval::Dec => Value::Int(ret.val),
        Rval::Udec => Value::Uint(ret.val as u64),
        Rval::Hex => Value::Hex(ret.val as u64),
        // strace's %#03o: `000`, `022`, `0644`.
        Rval::Oct => Value::Raw(format!("0{:02o}", ret.val as u64)),
        Rval::Fd => {
            let target = match opts.fds {
                FdDecode::None => None,
                mode => fds.target(tid, ret.val, mode),
            };
            Value::Fd {
                fd: ret.val,
                target,
            }
        }
    };
    v.write_text(&mut s, opts.hex);
    if let Some(n) = &state.note {
        s.push_str(" (");
        n.write_text(&mut s, opts.hex);
        s.push(')');
    }
    s
}

/// An errno's name and description as strace prints them: `ENOENT`, `No such file or
/// directory` (glibc's strerror); the kernel's restart codes with strace's words.
pub fn errno_text(errno: i32) -> (String, String) {
    let restart = match errno {
        512 => Some(("ERESTARTSYS", "To be restarted if SA_RESTART is set")),
        513 => Some(("ERESTARTNOINTR", "To be restarted")),
        514 => Some(("ERESTARTNOHAND", "To be restarted if no handler")),
        515 => Some(("ENOIOCTLCMD", "No ioctl command")),
        516 => Some(("ERESTART_RESTARTBLOCK", "Interrupted by signal")),
        _ => None,
    };
    if let Some((n, d)) = restart {
        return (n.to_string(), d.to_string());
    }
    let e = nix::errno::Errno::from_raw(errno);
    let name = match e {
        nix::errno::Errno::UnknownErrno => format!("errno {errno}"),
        e => format!("{e:?}"),
    };
    (name, crate::sys::mem::strerror(errno))
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    #[test]
    fn undecoded_calls_print_their_arguments_in_hex() {
        let mut mem = FakeMem::default();
        let l = line(
            "pkey_alloc",
            [0, 0x10, 0, 0, 0, 0],
            Some(Ret {
                val: -(libc::ENOSYS as i64),
                is_error: true,
            }),
            &Opts::default(),
            &mut mem,
            &mut NoFdNames,
        );
        assert_eq!(
            l,
            "pkey_alloc(0, 0x10) = -1 ENOSYS (Function not implemented)"
        );
    }

    #[test]
    fn strings_paths_and_buffers_are_read_and_cut() {
        let mut mem = FakeMem::default();
        mem.put(0x1000, b"/etc/passwd\0");
        mem.put(0x2000, b"0123456789abcdef");
        let opts = Opts {
            string_limit: 4,
            ..Default::default()
        };
        let mut state = CallState::default();
        let mut fds = NoFdNames;
        let mut c = Ctx::new(
            1,
            Personality::Native,
            0,
            [0; 6],
            None,
            &opts,
            &mut state,
            &mut mem,
            &mut fds,
        );
        // Paths are not cut by -s.
        assert_eq!(c.path(0x1000).text(HexStr::None), "\"/etc/passwd\"");
        assert_eq!(c.path(0).text(HexStr::None), "NULL");
        assert_eq!(c.path(0x9000).text(HexStr::None), "0x9000");
        assert_eq!(c.buf(0x2000, 16).text(HexStr::None), "\"0123\"...");
        assert_eq!(c.buf(0x2000, 3).text(HexStr::None), "\"012\"");
        assert_eq!(c.cstr(0x1000).text(HexStr::None), "\"/etc\"...");
        assert_eq!(c.read_u32(0x2000), Some(u32::from_ne_bytes(*b"0123")));
    }

    #[test]
    fn errors_and_restarts() {
        assert_eq!(
            errno_text(libc::ENOENT),
            ("ENOENT".into(), "No such file or directory".into())
        );
        assert_eq!(errno_text(libc::EWOULDBLOCK).0, "EAGAIN");
        let s = format_ret(
            Ret {
                val: -512,
                is_error: true,
            },
            &CallState::default(),
            &Opts::default(),
            1,
            &mut NoFdNames,
        );
        assert_eq!(s, "? ERESTARTSYS (To be restarted if SA_RESTART is set)");
    }
}
