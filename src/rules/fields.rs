//! The fields a condition or an output may name (Falco's names and meanings), their types, and
//! the [`Event`] trait through which an event gives their values.
//!
//! [`FIELDS`] is the catalogue of every field ksec knows; an event source may still lack some
//! (the proc-connector fallback has no `evt.arg.flags`), which the loader is told separately. A
//! field in a rule that is not in the catalogue is an unknown field; one that is but whose
//! source cannot fill it is unavailable: both make the rule skipped, with a warning naming it.

use std::borrow::Cow;
use std::net::IpAddr;

/// What a field holds (Falco's field types, folded to what the operators need).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// Text (CHARBUF, FSPATH...): `=`, `contains`, `startswith`, `glob`, `in`, `pmatch`...
    Str,
    /// A signed number (INT64, PID, ERRNO...): `=`, `<`, `in`...
    Int,
    /// An unsigned number (UINT32/64, PORT, ABSTIME...).
    Uint,
    /// `true` / `false`.
    Bool,
    /// An IPv4 or IPv6 address: `=` with an address, `in` with addresses or networks.
    Ip,
    /// An address compared with networks (`fd.net = 10.0.0.0/8`); its value is an address.
    Net,
}

/// Whether and how a field takes an argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// `proc.name`.
    None,
    /// `proc.aname[2]`; without one (`proc.aname`) the field has a value per index, any of
    /// which may match.
    OptionalIndex,
    /// `proc.env[HOME]`, `container.mount.dest[/var/run/docker.sock]`.
    Key,
    /// `evt.arg.flags` or `evt.arg[flags]`: an event argument by name.
    DotKey,
}

/// One field of the catalogue.
#[derive(Debug)]
pub struct FieldInfo {
    /// Falco's name (`proc.name`).
    pub name: &'static str,
    pub ty: FieldType,
    pub arg: ArgKind,
    /// Falco's description, shortened; `ksec watch --list-fields` prints it.
    pub desc: &'static str,
}

/// A field as a rule names it: the catalogue entry and its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub info: &'static FieldInfo,
    pub arg: FieldArg,
}

impl PartialEq for FieldInfo {
    fn eq(&self, other: &FieldInfo) -> bool {
        self.name == other.name
    }
}
impl Eq for FieldInfo {}

/// The argument of a [`Field`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    None,
    Index(u32),
    Key(String),
}

/// A field's value for one event.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Str(Cow<'a, str>),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Ip(IpAddr),
    /// Bytes that need not be text (evt.buffer): `bcontains`/`bstartswith` compare them as they
    /// are, the other operators as text with each byte that is not printable ASCII as `.`.
    Bytes(Cow<'a, [u8]>),
    /// A field with several values (`proc.aname` without an index: every ancestor's name);
    /// a comparison holds when it holds for one of them.
    List(Vec<Value<'a>>),
}

impl std::fmt::Display for Value<'_> {
    /// As Falco prints a value in an output: lists space-separated.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Int(n) => write!(f, "{n}"),
            Value::Uint(n) => write!(f, "{n}"),
            Value::Bool(b) => f.write_str(if *b { "true" } else { "false" }),
            Value::Ip(ip) => write!(f, "{ip}"),
            Value::Bytes(b) => {
                let text: String = b
                    .iter()
                    .map(|&c| {
                        if c == b' ' || c.is_ascii_graphic() {
                            char::from(c)
                        } else {
                            '.'
                        }
                    })
                    .collect();
                f.write_str(&text)
            }
            Value::List(items) => {
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
        }
    }
}

/// An event whose fields a condition or output reads.
pub trait Event {
    /// The event source (`syscall`); rules of other sources never see it.
    fn source(&self) -> &str {
        "syscall"
    }
    /// Falco's `evt.type` (`execve`, `openat`, `connect`...): rules are indexed by it.
    fn evt_type(&self) -> &str;
    /// The field's value, or `None` where the event has none (printed `<NA>`; a comparison
    /// with it is false, `exists` is false).
    fn get(&self, field: &Field) -> Option<Value<'_>>;
}

/// The catalogue entry for a name (`proc.name`; `evt.arg` for `evt.arg.flags`).
pub fn lookup(name: &str) -> Option<&'static FieldInfo> {
    FIELDS.iter().find(|f| f.name == name)
}

macro_rules! fields {
    ($( $name:literal, $ty:ident, $arg:ident, $desc:literal; )*) => {
        /// Every field ksec knows, in `--list-fields` order.
        pub static FIELDS: &[FieldInfo] = &[
            $( FieldInfo { name: $name, ty: FieldType::$ty, arg: ArgKind::$arg, desc: $desc }, )*
        ];
    };
}

fields! {
    // evt.*
    "evt.type", Str, None, "The event's name (execve, openat, connect...).";
    "evt.dir", Str, None, "`<` for a syscall's return (the only direction ksec reports), `>` for its entry.";
    "evt.time", Str, None, "The event's time as Falco prints it (HH:MM:SS.nnnnnnnnn, local time).";
    "evt.time.iso8601", Str, None, "The event's time, ISO 8601 in UTC with nanoseconds.";
    "evt.rawtime", Uint, None, "The event's time in nanoseconds since the epoch.";
    "evt.rawtime.s", Uint, None, "The event's time: whole seconds since the epoch.";
    "evt.rawtime.ns", Uint, None, "The event's time: the nanoseconds after evt.rawtime.s.";
    "evt.time.s", Str, None, "The event's time, HH:MM:SS in local time.";
    "evt.datetime", Str, None, "The event's date and time, YYYY-MM-DD HH:MM:SS.nnnnnnnnn in local time.";
    "evt.datetime.s", Str, None, "The event's date and time, YYYY-MM-DD HH:MM:SS in local time.";
    "evt.num", Uint, None, "The event's sequence number in this run.";
    "evt.res", Str, None, "The call's result: SUCCESS, or the errno name (ENOENT).";
    "evt.rawres", Int, None, "The call's return value as a number (negative errno on failure).";
    "evt.failed", Bool, None, "Whether the call failed.";
    "evt.is_open_read", Bool, None, "An open with O_RDONLY or O_RDWR.";
    "evt.is_open_write", Bool, None, "An open with O_WRONLY or O_RDWR.";
    "evt.is_open_create", Bool, None, "An open with O_CREAT.";
    "evt.is_open_exec", Bool, None, "An open with O_CREAT and an executable mode, or of an executable.";
    "evt.arg", Str, DotKey, "An argument of the call by name (evt.arg.flags, evt.arg.path, evt.arg.request...).";
    "evt.rawarg", Str, DotKey, "An argument of the call by name, unformatted (numbers as numbers).";
    "evt.args", Str, None, "Every argument as Falco prints them (name=value ...).";
    "evt.buffer", Str, None, "The data of a send or receive call (sendto, sendmsg, recvfrom, recvmsg), its first 80 bytes; bcontains / bstartswith take hex (evt.buffer bcontains cafebabe). Printed with `.` for bytes that are not printable.";
    "evt.hostname", Str, None, "The node's host name.";
    "evt.source", Str, None, "The event source (syscall).";
    // proc.*
    "proc.name", Str, None, "The process's name (comm, up to 15 characters; the executable's name at exec).";
    "proc.exe", Str, None, "argv[0] as the process was started.";
    "proc.exepath", Str, None, "The executable's full path.";
    "proc.cmdline", Str, None, "The name and arguments: `proc.name arg1 arg2`.";
    "proc.args", Str, None, "The arguments, space-separated.";
    "proc.pid", Int, None, "The process id (host namespace).";
    "proc.vpid", Int, None, "The process id in its own pid namespace.";
    "proc.tid", Int, None, "The thread id (host namespace).";
    "proc.ppid", Int, None, "The parent's process id.";
    "proc.pname", Str, None, "The parent's name.";
    "proc.pcmdline", Str, None, "The parent's command line.";
    "proc.pexe", Str, None, "The parent's argv[0].";
    "proc.pexepath", Str, None, "The parent's executable path.";
    "proc.aname", Str, OptionalIndex, "An ancestor's name: [1] the parent, [2] the grandparent...; without an index any ancestor.";
    "proc.apid", Int, OptionalIndex, "An ancestor's pid, as proc.aname.";
    "proc.aexe", Str, OptionalIndex, "An ancestor's argv[0], as proc.aname.";
    "proc.aexepath", Str, OptionalIndex, "An ancestor's executable path, as proc.aname.";
    "proc.acmdline", Str, OptionalIndex, "An ancestor's command line, as proc.aname.";
    "proc.aargs", Str, OptionalIndex, "An ancestor's arguments, as proc.aname.";
    "proc.cmdnargs", Uint, None, "The number of arguments (after argv[0]).";
    "proc.cmdlenargs", Uint, None, "The arguments' total length in characters (after argv[0], without separators).";
    "proc.exeline", Str, None, "argv[0] and the arguments: `proc.exe arg1 arg2`.";
    "proc.pvpid", Int, None, "The parent's process id in its own pid namespace.";
    "proc.pgid", Int, None, "The process group id (host namespace).";
    "proc.is_pgid_leader", Bool, None, "The process leads its process group (proc.pgid = proc.pid).";
    "proc.pgid.name", Str, None, "The process group leader's name.";
    "proc.pgid.exe", Str, None, "The process group leader's argv[0].";
    "proc.pgid.exepath", Str, None, "The process group leader's executable path.";
    "proc.vpgid.name", Str, None, "The process group leader's name (as proc.pgid.name).";
    "proc.vpgid.exe", Str, None, "The process group leader's argv[0].";
    "proc.vpgid.exepath", Str, None, "The process group leader's executable path.";
    "proc.sid.exe", Str, None, "The session leader's argv[0].";
    "proc.sid.exepath", Str, None, "The session leader's executable path.";
    "proc.nthreads", Uint, None, "The process's threads, read from /proc when the event is evaluated.";
    "proc.vmsize", Uint, None, "The process's virtual memory in KiB (VmSize), read from /proc when the event is evaluated.";
    "proc.vmrss", Uint, None, "The process's resident memory in KiB (VmRSS), read from /proc when the event is evaluated.";
    "proc.vmswap", Uint, None, "The process's swapped memory in KiB (VmSwap), read from /proc when the event is evaluated.";
    "proc.fdopencount", Uint, None, "The process's open fds, read from /proc when the event is evaluated.";
    "proc.fdlimit", Int, None, "The process's soft limit of open files (none when unlimited).";
    "proc.fdusage", Uint, None, "Open fds as a whole percentage of the limit.";
    "proc.stdin.type", Str, None, "What fd 0 is, as fd.type (file, pipe, ipv4, ipv6, unix...): a shell reading a TCP socket is a reverse shell. Read from /proc when the event is evaluated.";
    "proc.stdout.type", Str, None, "What fd 1 is, as proc.stdin.type.";
    "proc.stderr.type", Str, None, "What fd 2 is, as proc.stdin.type.";
    "proc.stdin.name", Str, None, "Fd 0's name, as fd.name (a path, ip:port->ip:port, pipe:[N]).";
    "proc.stdout.name", Str, None, "Fd 1's name, as proc.stdin.name.";
    "proc.stderr.name", Str, None, "Fd 2's name, as proc.stdin.name.";
    "proc.loginshellid", Int, None, "The pid of the oldest of the process and its ancestors whose name ends in `sh` (the login shell).";
    "proc.tty", Int, None, "The controlling terminal (0 for none).";
    "proc.cwd", Str, None, "The working directory.";
    "proc.env", Str, Key, "An environment variable by name (proc.env[HOME]); without one the whole environment.";
    "proc.sname", Str, None, "The name of the session leader.";
    "proc.vpgid", Int, None, "The process group id in its pid namespace.";
    "proc.sid", Int, None, "The session id in its pid namespace.";
    "proc.is_vpgid_leader", Bool, None, "The process leads its process group (proc.vpgid = proc.vpid): typed at a terminal, not run by a script.";
    "proc.is_sid_leader", Bool, None, "The process leads its session (proc.sid = proc.vpid).";
    "proc.pid.ts", Uint, None, "When the process started (its clone), ns since the epoch.";
    "proc.ppid.ts", Uint, None, "When the parent started, ns since the epoch.";
    "proc.duration", Int, None, "Nanoseconds since the process started.";
    "proc.ppid.duration", Int, None, "Nanoseconds since the parent started.";
    "proc.pidns_init_start_ts", Uint, None, "When the process's pid namespace's init started, ns since the epoch.";
    "proc.exe_ino", Int, None, "The executable's inode number.";
    "proc.exe_ino.ctime", Uint, None, "The executable's inode change time (ctime), ns since the epoch.";
    "proc.exe_ino.mtime", Uint, None, "The executable's modification time (mtime), ns since the epoch.";
    "proc.exe_ino.ctime_duration_proc_start", Uint, None, "Nanoseconds from the executable's ctime to the process's start (a binary changed just before it ran).";
    "proc.exe_ino.ctime_duration_pidns_start", Uint, None, "Nanoseconds from the pid namespace's start to the executable's ctime, when it changed after the namespace (the container) started.";
    "proc.is_exe_upper_layer", Bool, None, "The executable is in the overlay upper layer (written after the container started).";
    "proc.is_exe_from_memfd", Bool, None, "The executable is a memfd (fileless execution).";
    "proc.is_container_healthcheck", Bool, None, "The process is the container runtime's health check.";
    "proc.is_container_liveness_probe", Bool, None, "The process is a Kubernetes liveness probe.";
    "proc.is_container_readiness_probe", Bool, None, "The process is a Kubernetes readiness probe.";
    "thread.tid", Int, None, "The thread id (host namespace).";
    "thread.vtid", Int, None, "The thread id in its own pid namespace (known for the main thread).";
    "thread.ismain", Bool, None, "The event's thread is the process's main thread.";
    "thread.cap_effective", Str, None, "The thread's effective capabilities (CAP_X CAP_Y).";
    "thread.cap_permitted", Str, None, "The thread's permitted capabilities.";
    "thread.cap_inheritable", Str, None, "The thread's inheritable capabilities, read from /proc when the event is evaluated.";
    // user.*, group.*
    "user.uid", Uint, None, "The effective user id.";
    "user.name", Str, None, "The user name, from the process's own /etc/passwd (the container's inside one).";
    "user.loginuid", Int, None, "The audit login uid (-1 when unset).";
    "user.loginname", Str, None, "The login uid's user name.";
    "user.homedir", Str, None, "The user's home directory, from the process's own /etc/passwd.";
    "user.shell", Str, None, "The user's login shell, from the process's own /etc/passwd.";
    "group.gid", Uint, None, "The effective group id.";
    "group.name", Str, None, "The group name.";
    // container.*, k8s.*
    "container.id", Str, None, "The container id, 12 hex digits, or `host`.";
    "container.full_id", Str, None, "The container id, 64 hex digits, or `host`.";
    "container.name", Str, None, "The container's name, where the runtime's metadata can be read from the node (`host` outside).";
    "container.image", Str, None, "The image, repository and tag.";
    "container.image.repository", Str, None, "The image's repository (without tag).";
    "container.image.tag", Str, None, "The image's tag.";
    "container.type", Str, None, "The runtime (docker, containerd, cri-o, podman).";
    "container.privileged", Bool, None, "The container runs privileged.";
    "container.mount", Str, Key, "One mount, source:dest:mode:rdrw:propagation, by number (container.mount[0]) or source glob (container.mount[/proc*]); `none` when there is no such mount.";
    "container.mount.dest", Str, Key, "A mount's destination, by number or source glob (container.mount.dest[/var/run/docker.sock]); N/A when there is no such mount.";
    "container.mount.source", Str, Key, "A mount's source, by number or destination glob (container.mount.source[/host/etc]); N/A when there is no such mount.";
    "container.mount.mode", Str, Key, "A mount's mode, by number or source glob.";
    "container.mount.rdwr", Str, Key, "Whether a mount is read-write (true/false), by number or source glob.";
    "container.mount.propagation", Str, Key, "A mount's propagation, by number or source glob.";
    "container.mounts", Str, None, "Every mount of the container, space-separated, each source:dest:mode:rdrw:propagation.";
    "container.start_ts", Uint, None, "When the container started (ns since the epoch).";
    "k8s.pod.uid", Str, None, "The pod's uid.";
    "k8s.pod.name", Str, None, "The pod's name.";
    "k8s.ns.name", Str, None, "The pod's namespace.";
    "k8s.pod.label", Str, Key, "A pod label.";
    // fd.*
    "fd.num", Int, None, "The file descriptor number.";
    "fd.type", Str, None, "file, directory, ipv4, ipv6, unix, pipe, event, signalfd, eventpoll, inotify, memfd...";
    "fd.typechar", Str, None, "f file, 4 ipv4, 6 ipv6, u unix, p pipe, e eventfd, s signalfd, l eventpoll, i inotify, o unknown.";
    "fd.name", Str, None, "The full path of a file, or the connection (1.2.3.4:5->6.7.8.9:10).";
    "fd.nameraw", Str, None, "The name as the call passed it (relative paths unresolved).";
    "fd.directory", Str, None, "The file's directory.";
    "fd.filename", Str, None, "The file's name without its directory.";
    "fd.ip", Ip, None, "Either end's address (matches if one does).";
    "fd.cip", Ip, None, "The client's address.";
    "fd.sip", Ip, None, "The server's address.";
    "fd.lip", Ip, None, "The local address.";
    "fd.rip", Ip, None, "The remote address.";
    "fd.port", Uint, None, "Either end's port (matches if one does).";
    "fd.cport", Uint, None, "The client's port.";
    "fd.sport", Uint, None, "The server's port.";
    "fd.lport", Uint, None, "The local port.";
    "fd.rport", Uint, None, "The remote port.";
    "fd.sip.name", Str, None, "The host name the rules compare fd.sip.name with whose addresses hold the server's (resolved on the side; empty for none).";
    "fd.cip.name", Str, None, "As fd.sip.name, for the client's address.";
    "fd.lip.name", Str, None, "As fd.sip.name, for the local address.";
    "fd.rip.name", Str, None, "As fd.sip.name, for the remote address.";
    "fd.dip", Ip, None, "The destination address (the server's; as fd.sip).";
    "fd.dport", Uint, None, "The destination port (the server's; as fd.sport).";
    "fd.net", Net, None, "Either end's address, compared with networks (fd.net = 10.0.0.0/8).";
    "fd.cnet", Net, None, "The client's address, compared with networks.";
    "fd.snet", Net, None, "The server's address, compared with networks.";
    "fd.lnet", Net, None, "The local address, compared with networks.";
    "fd.rnet", Net, None, "The remote address, compared with networks.";
    "fd.l4proto", Str, None, "tcp, udp, icmp or raw: the protocol of an IP socket (connect, accept, sendto, sendmsg, recvfrom, recvmsg).";
    "fd.sockfamily", Str, None, "ip or unix.";
    "fd.connected", Bool, None, "The socket is connected.";
    "fd.name_changed", Bool, None, "The event changed the fd's name: a datagram sent to or received from an address other than the socket's last one (its first address counts).";
    "fd.is_server", Bool, None, "The process is the server end of the connection.";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(
                FIELDS[..i].iter().all(|g| g.name != f.name),
                "{} twice",
                f.name
            );
            assert_eq!(lookup(f.name).map(|g| g.name), Some(f.name));
        }
        assert!(lookup("proc.nope").is_none());
    }

    #[test]
    fn lists_print_space_separated() {
        let v = Value::List(vec![Value::Str("bash".into()), Value::Int(3)]);
        assert_eq!(v.to_string(), "bash 3");
    }
}
