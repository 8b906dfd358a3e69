//! The process and container context of `ksec watch`: a table of the node's processes, kept from
//! the events (exec replaces a process's entry, fork copies its parent's, exit removes it) and
//! filled from /proc for processes that were there before ksec started; the containers they run
//! in ([`ContainerMeta`], read once per container); user and group names from each process's own
//! /etc/passwd and /etc/group (the container's, read without leaving its root).
//!
//! Memory is bounded: the table holds at most [`MAX_PROCS`] entries; past that, entries whose
//! process is gone (an exit event lost) are swept, and if the table is still full the oldest are
//! dropped (they are read again from /proc when needed).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::container::{ContainerMeta, MetaReader};
use super::event::{Creds, ExeInode, Kind, RawEvent};
use crate::proc::cgroup::container_of;
use crate::proc::cmdline::read_cmdline;
use crate::proc::ns::{mount_ns, process_in_mount_ns};
use crate::proc::root::ProcRoot;
use crate::proc::rootfs::ProcessRoot;
use crate::proc::stat::read_stat;
use crate::proc::status::read_status;

/// At most this many processes are remembered.
pub const MAX_PROCS: usize = 131_072;

/// How many ancestors are looked up (`proc.aname[N]` beyond it is `<NA>`).
pub const MAX_ANCESTORS: usize = 16;

/// What is known about one process.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcInfo {
    pub pid: i32,
    pub ppid: i32,
    /// Its pid in its own pid namespace.
    pub vpid: Option<i32>,
    /// The task name (comm).
    pub comm: String,
    /// The arguments, `argv[0]` first.
    pub argv: Vec<String>,
    /// The executable's path (as the process sees it: a container's path inside it).
    pub exepath: Option<String>,
    /// The controlling terminal's device number, 0 for none.
    pub tty: u32,
    pub pgid: i32,
    pub sid: i32,
    /// The process group and session ids in its own pid namespace.
    pub vpgid: Option<i32>,
    pub vsid: Option<i32>,
    /// When it started (its clone), and when its pid namespace's init did, in ns since the
    /// epoch.
    pub start_ns: Option<u64>,
    pub pidns_start_ns: Option<u64>,
    /// Its executable's inode.
    pub exe_inode: Option<ExeInode>,
    pub cwd: Option<String>,
    pub creds: Option<Creds>,
    pub cap_eff: Option<u64>,
    pub cap_prm: Option<u64>,
    pub container: Option<Arc<ContainerMeta>>,
    /// The executable is in the container's overlay upper layer (None outside containers or
    /// when unknown).
    pub exe_upper_layer: Option<bool>,
    /// The executable is a memfd (`/memfd:name (deleted)`).
    pub exe_from_memfd: bool,
    /// Its root directory (device, inode): whose /etc/passwd names its users.
    pub root: Option<(u64, u64)>,
    /// A process seen with that root (itself, or the parent it inherited the root from), to
    /// read the root's files through.
    pub root_pid: i32,
    /// Its mount namespace's inode number, when known.
    pub mntns: Option<u32>,
    /// When the entry was made (a counter, for dropping the oldest).
    seq: u64,
}

impl ProcInfo {
    /// `argv[0]`, Falco's proc.exe.
    pub fn exe(&self) -> Option<&str> {
        self.argv.first().map(String::as_str)
    }

    /// Falco's proc.args: the arguments after `argv[0]`, space-separated.
    pub fn args(&self) -> String {
        self.argv.get(1..).unwrap_or_default().join(" ")
    }

    /// Falco's proc.cmdline: the name, then the arguments.
    pub fn cmdline(&self) -> String {
        let args = self.args();
        if args.is_empty() {
            self.comm.clone()
        } else {
            format!("{} {args}", self.comm)
        }
    }
}

/// One line of /etc/passwd or /etc/group: the name and, in /etc/passwd, the home directory and
/// login shell.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub home: String,
    pub shell: String,
}

/// Entries by id, read from one root's /etc/passwd or /etc/group.
type Names = HashMap<u32, Entry>;

/// The node's processes and containers as far as ksec knows them.
#[derive(Debug)]
pub struct Context {
    proc_root: ProcRoot,
    meta: MetaReader,
    procs: HashMap<i32, ProcInfo>,
    containers: HashMap<String, Arc<ContainerMeta>>,
    /// Per root directory (device, inode): users and groups.
    users: HashMap<(u64, u64), Names>,
    groups: HashMap<(u64, u64), Names>,
    /// ksec's own root, whose names are read from the host root's files.
    own_root: Option<(u64, u64)>,
    /// Per mount namespace: where its processes run, learned from one that was alive (for
    /// those gone before their event was read).
    by_mntns: HashMap<u32, Place>,
    /// Mount namespaces in which no live process was found, and when that was looked up.
    mntns_misses: HashMap<u32, Instant>,
    seq: u64,
    hostname: String,
    /// CLOCK_REALTIME - CLOCK_BOOTTIME, for /proc's start times.
    boot_to_real: i64,
    /// The host names the rules name addresses by (fd.sip.name).
    pub host_names: super::dns::HostNames,
}

/// Where the processes of one mount namespace run.
#[derive(Debug, Clone)]
struct Place {
    container: Option<Arc<ContainerMeta>>,
    root: Option<(u64, u64)>,
    root_pid: i32,
}

/// At most this many mount namespaces are remembered (the table is cleared when full).
const MAX_MNTNS: usize = 16384;
/// A mount namespace with no live process in it is looked for again after this long.
const MNTNS_RETRY: Duration = Duration::from_secs(1);

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Parses /etc/passwd (`name:x:uid:gid:gecos:home:shell`) or /etc/group (`name:x:gid:...`)
/// lines; the first entry of an id wins.
pub fn parse_names(text: &[u8]) -> Names {
    let mut names = Names::new();
    for line in text.split(|&b| b == b'\n') {
        let f: Vec<&[u8]> = line.splitn(7, |&b| b == b':').collect();
        let (Some(name), Some(id)) = (f.first(), f.get(2)) else {
            continue;
        };
        if let Some(id) = std::str::from_utf8(id).ok().and_then(|s| s.parse().ok()) {
            let field = |i: usize| f.get(i).map(|v| lossy(v)).unwrap_or_default();
            names.entry(id).or_insert_with(|| Entry {
                name: lossy(name),
                home: field(5),
                shell: field(6),
            });
        }
    }
    names
}

impl Context {
    pub fn new(proc_root: ProcRoot, meta: MetaReader) -> Context {
        let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        Context {
            proc_root,
            meta,
            procs: HashMap::new(),
            containers: HashMap::new(),
            users: HashMap::new(),
            groups: HashMap::new(),
            seq: 0,
            hostname,
            own_root: root_id(Path::new("/")),
            by_mntns: HashMap::new(),
            mntns_misses: HashMap::new(),
            boot_to_real: crate::sys::time::boot_to_real(),
            host_names: super::dns::HostNames::new(),
        }
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    pub fn proc_root(&self) -> &ProcRoot {
        &self.proc_root
    }

    /// How many processes are remembered.
    pub fn len(&self) -> usize {
        self.procs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.procs.is_empty()
    }

    /// The process, if known (call [`Context::prepare`] first to have it read).
    pub fn get(&self, pid: i32) -> Option<&ProcInfo> {
        self.procs.get(&pid)
    }

    /// The ancestors of `pid`, parent first, as far as they are known (up to
    /// [`MAX_ANCESTORS`]).
    pub fn ancestors(&self, pid: i32) -> Vec<&ProcInfo> {
        let mut out = Vec::new();
        let mut cur = self.procs.get(&pid).map(|p| p.ppid);
        while let Some(ppid) = cur.filter(|&p| p > 0) {
            if out.len() >= MAX_ANCESTORS {
                break;
            }
            let Some(p) = self.procs.get(&ppid) else {
                break;
            };
            out.push(p);
            cur = (p.ppid != p.pid).then_some(p.ppid);
        }
        out
    }

    /// The user name of `uid` as `pid`'s root sees it.
    pub fn user_name(&self, info: &ProcInfo, uid: u32) -> Option<&str> {
        self.user(info, uid).map(|u| u.name.as_str())
    }

    /// The /etc/passwd entry of `uid` as `pid`'s root sees it.
    pub fn user(&self, info: &ProcInfo, uid: u32) -> Option<&Entry> {
        self.users.get(&info.root?)?.get(&uid)
    }

    /// The group name of `gid` as `pid`'s root sees it.
    pub fn group_name(&self, info: &ProcInfo, gid: u32) -> Option<&str> {
        self.groups
            .get(&info.root?)?
            .get(&gid)
            .map(|g| g.name.as_str())
    }

    /// Updates the table for an event and reads what evaluating it needs (the process, its
    /// ancestors, its root's user and group names). Call before evaluating; [`Context::finish`]
    /// after.
    pub fn prepare(&mut self, ev: &RawEvent) {
        match &ev.kind {
            Kind::Exec {
                res: 0,
                ppid,
                exe,
                argv,
                tty,
                start,
                exe_inode,
                cwd,
                exepath,
                ..
            } => {
                let mut info = ProcInfo {
                    exe_inode: *exe_inode,
                    cwd: cwd.as_deref().map(lossy),
                    exepath: exepath.as_deref().map(lossy),
                    ..ProcInfo::default()
                };
                if let Some(st) = start {
                    info.vpid = st.vpid;
                    info.vpgid = st.vpgid;
                    info.vsid = st.vsid;
                    info.sid = st.sid.unwrap_or(0);
                    info.pgid = st.pgid.unwrap_or(0);
                    info.start_ns = st.start_ns;
                    info.pidns_start_ns = st.pidns_start_ns;
                }
                let info = self.exec_info(ev, info, *ppid, exe, argv, *tty);
                self.insert(info);
            }
            Kind::Fork {
                child_pid,
                thread: false,
                child_vpid,
                child_start_ns,
                ..
            } => {
                self.ensure(ev.pid);
                if let Some(parent) = self.procs.get(&ev.pid) {
                    // Same program, group and session; its own pid and start (the clone's
                    // time, as Falco's clone_ts, when the source does not say).
                    let mut child = parent.clone();
                    child.pid = *child_pid;
                    child.ppid = ev.pid;
                    child.vpid = *child_vpid;
                    child.start_ns = child_start_ns.or(Some(ev.time_ns));
                    self.insert(child);
                }
            }
            _ => self.ensure(ev.pid),
        }
        if let (Some(c), Some(p)) = (ev.creds, self.procs.get_mut(&ev.pid)) {
            p.creds = Some(c);
        }
        if let Some(comm) = &ev.comm {
            if let Some(p) = self.procs.get_mut(&ev.pid) {
                p.comm = lossy(comm);
            }
        }
        // Ancestors, read from /proc when not known.
        let mut pid = ev.pid;
        for _ in 0..MAX_ANCESTORS {
            let Some(ppid) = self.procs.get(&pid).map(|p| p.ppid).filter(|&p| p > 0) else {
                break;
            };
            if ppid == pid {
                break;
            }
            self.ensure(ppid);
            pid = ppid;
        }
        if let Some(info) = self.procs.get(&ev.pid) {
            if let Some(key) = info.root.filter(|k| !self.users.contains_key(k)) {
                let (mut users, mut groups) = self.read_names(info.root_pid, key);
                if users.is_empty() {
                    // The process the root was seen through is gone: another one of the same
                    // mount namespace and root.
                    let other = info
                        .mntns
                        .and_then(|ns| self.place_of(ns))
                        .filter(|p| p.root == Some(key));
                    if let Some(p) = other {
                        (users, groups) = self.read_names(p.root_pid, key);
                    }
                }
                // Nothing read (the process went away): try again next time.
                if !users.is_empty() {
                    self.users.insert(key, users);
                    self.groups.insert(key, groups);
                }
            }
        }
    }

    /// Forgets what an event ended (a process's exit).
    pub fn finish(&mut self, ev: &RawEvent) {
        if let Kind::Exit { .. } = ev.kind {
            self.procs.remove(&ev.pid);
        }
    }

    /// The user and group names of root `root`, read through process `root_pid`.
    fn read_names(&self, root_pid: i32, root: (u64, u64)) -> (Names, Names) {
        let read = |path: &str| -> Vec<u8> {
            if Some(root) != self.own_root {
                ProcessRoot::open(&self.proc_root, root_pid)
                    .ok()
                    .and_then(|r| r.open_file(path).ok())
                    .and_then(|mut f| {
                        use std::io::Read;
                        let mut v = Vec::new();
                        (&mut f).take(4 << 20).read_to_end(&mut v).ok()?;
                        Some(v)
                    })
                    .unwrap_or_default()
            } else {
                std::fs::read(self.meta.host_root.join(path.trim_start_matches('/')))
                    .unwrap_or_default()
            }
        };
        (
            parse_names(&read("/etc/passwd")),
            parse_names(&read("/etc/group")),
        )
    }

    fn insert(&mut self, mut info: ProcInfo) {
        if self.procs.len() >= MAX_PROCS && !self.procs.contains_key(&info.pid) {
            self.sweep();
        }
        self.seq += 1;
        info.seq = self.seq;
        self.procs.insert(info.pid, info);
    }

    /// Makes room: drops processes that are gone, then the oldest half if still full.
    fn sweep(&mut self) {
        let root = self.proc_root.clone();
        self.procs.retain(|&pid, _| root.pid_dir(pid).exists());
        if self.procs.len() >= MAX_PROCS {
            let mut seqs: Vec<u64> = self.procs.values().map(|p| p.seq).collect();
            seqs.sort_unstable();
            let cut = seqs[seqs.len() / 2];
            self.procs.retain(|_, p| p.seq > cut);
        }
    }

    /// Reads a process from /proc if the table does not have it.
    fn ensure(&mut self, pid: i32) {
        if pid <= 0 || self.procs.contains_key(&pid) {
            return;
        }
        if let Some(info) = self.read_proc(pid) {
            self.insert(info);
        }
    }

    fn container(&mut self, pid: i32) -> Option<Arc<ContainerMeta>> {
        let info = container_of(&self.proc_root, pid)?;
        if let Some(m) = self.containers.get(&info.id) {
            // Read while the runtime was still setting the container up (before its root was
            // the overlay): read again from a process that is inside.
            let settled = m.upperdir.is_some()
                || root_id(&self.proc_root.pid_path(pid, "root")) == self.own_root;
            if settled {
                return Some(m.clone());
            }
        }
        let meta = Arc::new(self.meta.read(&self.proc_root, &info, pid));
        self.containers.insert(info.id.clone(), meta.clone());
        Some(meta)
    }

    fn readlink(&self, pid: i32, rel: &str) -> Option<String> {
        std::fs::read_link(self.proc_root.pid_path(pid, rel))
            .ok()
            .map(|p| lossy(p.as_os_str().as_encoded_bytes()))
    }

    /// The parts both ways of learning a process share: /proc's stat, status, links, and the
    /// container.
    fn fill(&mut self, info: &mut ProcInfo) {
        let pid = info.pid;
        if let Ok(st) = read_stat(&self.proc_root, pid) {
            if info.comm.is_empty() {
                info.comm = lossy(&st.comm);
            }
            if info.ppid == 0 {
                info.ppid = st.ppid;
            }
            info.pgid = st.pgrp;
            info.sid = st.session;
            if info.tty == 0 {
                info.tty = st.tty_nr;
            }
            if info.start_ns.is_none() {
                // Clock ticks (USER_HZ, 100 on Linux) since boot.
                info.start_ns = st.starttime.and_then(|t| {
                    let ns = i64::try_from(t.checked_mul(10_000_000)?).ok()?;
                    u64::try_from(ns.checked_add(self.boot_to_real)?).ok()
                });
            }
        }
        if let Ok(status) = read_status(&self.proc_root, pid) {
            let last = |ids: &Option<Vec<i32>>| ids.as_ref().and_then(|n| n.last().copied());
            info.vpid = info.vpid.or(last(&status.ns_pids));
            info.vpgid = info.vpgid.or(last(&status.ns_pgids));
            info.vsid = info.vsid.or(last(&status.ns_sids));
            info.cap_eff = status.cap_eff;
            info.cap_prm = status.cap_prm;
            if info.creds.is_none() {
                if let (Some(u), Some(g)) = (status.uids, status.gids) {
                    let loginuid =
                        std::fs::read_to_string(self.proc_root.pid_path(pid, "loginuid"))
                            .ok()
                            .and_then(|s| s.trim().parse().ok())
                            .unwrap_or(u32::MAX);
                    info.creds = Some(Creds {
                        uid: u[0],
                        euid: u[1],
                        gid: g[0],
                        egid: g[1],
                        loginuid,
                    });
                }
            }
        }
        if info.exepath.is_none() {
            info.exepath = self.readlink(pid, "exe");
        }
        if info.exe_inode.is_none() {
            info.exe_inode = exe_inode(&self.proc_root.pid_path(pid, "exe"));
        }
        if info.cwd.is_none() {
            info.cwd = self.readlink(pid, "cwd");
        }
        info.root = root_id(&self.proc_root.pid_path(pid, "root"));
        info.root_pid = pid;
        info.exe_from_memfd = info
            .exepath
            .as_deref()
            .is_some_and(|e| e.starts_with("/memfd:"));
        info.container = self.container(pid);
        if info.mntns.is_none() {
            info.mntns = mount_ns(&self.proc_root, pid);
        }
        // A root that can be read: the process still runs (not a zombie).
        if info.root.is_some() {
            if let Some(ns) = info.mntns {
                self.learn(ns, info);
            }
        } else if let Some(place) = info.mntns.and_then(|ns| self.place_of(ns)) {
            // Gone (or a zombie) before its event was read, a short-lived process: it ran
            // where the live processes of its mount namespace run.
            info.container = info.container.take().or(place.container);
            if info.root.is_none() {
                info.root = place.root;
                info.root_pid = place.root_pid;
            }
        } else {
            // Gone, and its mount namespace unknown (or empty now): it ran where its parent
            // runs.
            if let Some(parent) = self.procs.get(&info.ppid) {
                info.container = info.container.take().or_else(|| parent.container.clone());
                if info.root.is_none() {
                    info.root = parent.root;
                    info.root_pid = parent.root_pid;
                }
                info.cwd = info.cwd.take().or_else(|| parent.cwd.clone());
            }
        }
        self.upper_layer(info);
    }

    /// Remembers where a live process of mount namespace `ns` runs.
    fn learn(&mut self, ns: u32, info: &ProcInfo) {
        if self.by_mntns.len() >= MAX_MNTNS && !self.by_mntns.contains_key(&ns) {
            self.by_mntns.clear();
        }
        self.mntns_misses.remove(&ns);
        self.by_mntns.insert(
            ns,
            Place {
                container: info.container.clone(),
                root: info.root,
                root_pid: info.pid,
            },
        );
    }

    /// Where the processes of mount namespace `ns` run: remembered, or read from a live
    /// process in it (a scan of /proc, at most once a [`MNTNS_RETRY`] for a namespace that has
    /// none left).
    fn place_of(&mut self, ns: u32) -> Option<Place> {
        // The process it was learned from must still be there to read the root's files
        // through (its user names): else look for another.
        match self.by_mntns.get(&ns) {
            Some(p) if self.proc_root.pid_dir(p.root_pid).exists() => return Some(p.clone()),
            Some(_) => {
                self.by_mntns.remove(&ns);
            }
            None => {}
        }
        if self
            .mntns_misses
            .get(&ns)
            .is_some_and(|t| t.elapsed() < MNTNS_RETRY)
        {
            return None;
        }
        let found = process_in_mount_ns(&self.proc_root, ns).and_then(|pid| {
            let root = root_id(&self.proc_root.pid_path(pid, "root"))?;
            Some(Place {
                container: self.container(pid),
                root: Some(root),
                root_pid: pid,
            })
        });
        match &found {
            Some(p) => {
                if self.by_mntns.len() >= MAX_MNTNS {
                    self.by_mntns.clear();
                }
                self.by_mntns.insert(ns, p.clone());
            }
            None => {
                if self.mntns_misses.len() >= MAX_MNTNS {
                    self.mntns_misses.clear();
                }
                self.mntns_misses.insert(ns, Instant::now());
            }
        }
        found
    }

    fn upper_layer(&self, info: &mut ProcInfo) {
        info.exe_upper_layer = match (&info.container, &info.exepath) {
            (Some(c), Some(exe)) => c.upperdir.as_deref().map(|up| in_upper_layer(up, exe)),
            _ => None,
        };
    }

    fn read_proc(&mut self, pid: i32) -> Option<ProcInfo> {
        let st = read_stat(&self.proc_root, pid).ok()?;
        let argv = read_cmdline(&self.proc_root, pid)
            .map(|(a, _)| a.iter().map(|b| b.lossy().into_owned()).collect())
            .unwrap_or_default();
        let mut info = ProcInfo {
            pid,
            ppid: st.ppid,
            comm: lossy(&st.comm),
            argv,
            ..ProcInfo::default()
        };
        self.fill(&mut info);
        Some(info)
    }

    /// The process an exec made: `info` has what the source read in the kernel.
    fn exec_info(
        &mut self,
        ev: &RawEvent,
        info: ProcInfo,
        ppid: i32,
        exe: &[u8],
        argv: &[Vec<u8>],
        tty: Option<u32>,
    ) -> ProcInfo {
        // An exec keeps the process's start (Falco's clone_ts): from the kernel, from the
        // fork seen before, or from /proc.
        let start_ns = info
            .start_ns
            .or_else(|| self.procs.get(&ev.pid).and_then(|p| p.start_ns));
        let mut info = ProcInfo {
            pid: ev.pid,
            ppid,
            comm: ev.comm.as_deref().map(lossy).unwrap_or_default(),
            argv: argv.iter().map(|a| lossy(a)).collect(),
            tty: tty.unwrap_or(0),
            creds: ev.creds,
            mntns: ev.mntns,
            start_ns,
            ..info
        };
        if argv.is_empty() {
            // The source could not read them (the fallback, for a process already gone).
            if let Ok((a, _)) = read_cmdline(&self.proc_root, ev.pid) {
                info.argv = a.iter().map(|b| b.lossy().into_owned()).collect();
            }
        }
        self.fill(&mut info);
        if info.exepath.is_none() && !exe.is_empty() {
            let exe = lossy(exe);
            info.exepath = Some(match (&info.cwd, exe.starts_with('/')) {
                (Some(cwd), false) => absolute(cwd, &exe),
                _ => exe,
            });
        }
        self.upper_layer(&mut info);
        if info.comm.is_empty() {
            info.comm = info
                .exepath
                .as_deref()
                .map(|e| e.rsplit('/').next().unwrap_or(e).chars().take(15).collect())
                .unwrap_or_default();
        }
        info
    }
}

/// The inode of the file `path` links to (/proc/PID/exe): number, ctime and mtime.
fn exe_inode(path: &Path) -> Option<ExeInode> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    let ns = |s: i64, n: i64| u64::try_from(s.checked_mul(1_000_000_000)?.checked_add(n)?).ok();
    Some(ExeInode {
        ino: m.ino(),
        ctime_ns: ns(m.ctime(), m.ctime_nsec()),
        mtime_ns: ns(m.mtime(), m.mtime_nsec()),
    })
}

/// A directory's (device, inode), following links (/proc/PID/root).
fn root_id(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// Whether `exe` (a path inside the container) is in the overlay upper layer `upper`: written
/// or changed since the container started.
pub fn in_upper_layer(upper: &Path, exe: &str) -> bool {
    let rel = exe.trim_start_matches('/');
    !rel.is_empty() && std::fs::symlink_metadata(upper.join(rel)).is_ok()
}

/// `path` made absolute against `base`, `.` and `..` resolved lexically (as Falco does for
/// fd.name).
pub fn absolute(base: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let joined: PathBuf;
    let full = if path.starts_with('/') {
        path
    } else {
        joined = Path::new(base).join(path);
        joined.to_str().unwrap_or(path)
    };
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_paths() {
        assert_eq!(absolute("/tmp", "x"), "/tmp/x");
        assert_eq!(absolute("/tmp/a", "../b/./c"), "/tmp/b/c");
        assert_eq!(absolute("/tmp", "/etc//passwd"), "/etc/passwd");
        assert_eq!(absolute("/", "../.."), "/");
    }

    #[test]
    fn passwd_and_group() {
        let n =
            parse_names(b"root:x:0:0:root:/root:/bin/sh\nbad\nbin:x:1:1::/:\nroot2:x:0:0::/:\n");
        assert_eq!(
            n.get(&0),
            Some(&Entry {
                name: "root".into(),
                home: "/root".into(),
                shell: "/bin/sh".into()
            }),
            "the first wins"
        );
        assert_eq!(
            n.get(&1)
                .map(|e| (e.name.as_str(), e.home.as_str(), e.shell.as_str())),
            Some(("bin", "/", ""))
        );
        assert_eq!(n.len(), 2);
        let g = parse_names(b"wheel:x:10:alice,bob\n");
        assert_eq!(g.get(&10).map(|e| e.name.as_str()), Some("wheel"));
    }

    #[test]
    fn cmdline_and_args() {
        let p = ProcInfo {
            comm: "sh".into(),
            argv: vec!["/bin/sh".into(), "-c".into(), "id".into()],
            ..ProcInfo::default()
        };
        assert_eq!(
            (p.exe(), p.args(), p.cmdline()),
            (Some("/bin/sh"), "-c id".into(), "sh -c id".into())
        );
        let bare = ProcInfo {
            comm: "init".into(),
            ..ProcInfo::default()
        };
        assert_eq!(bare.cmdline(), "init");
    }

    fn exec_event(pid: i32, ppid: i32) -> RawEvent {
        RawEvent {
            time_ns: 1,
            tid: pid,
            pid,
            creds: Some(Creds {
                uid: 0,
                euid: 0,
                gid: 0,
                egid: 0,
                loginuid: 1000,
            }),
            comm: Some(b"cargo-test".to_vec()),
            mntns: None,
            kind: Kind::Exec {
                execveat: false,
                res: 0,
                ppid,
                exe: b"/bin/true".to_vec(),
                argv: vec![b"true".to_vec(), b"x y".to_vec()],
                argv_truncated: false,
                tty: Some(0),
                start: None,
                exe_inode: None,
                cwd: None,
                exepath: None,
            },
        }
    }

    #[test]
    fn exec_fork_exit_on_this_process() {
        let me = std::process::id() as i32;
        let mut ctx = Context::new(ProcRoot::new("/proc"), MetaReader::default());
        let parent = nix::unistd::getppid().as_raw();
        ctx.prepare(&exec_event(me, parent));
        let p = ctx.get(me).unwrap();
        assert_eq!(p.argv, ["true", "x y"]);
        assert_eq!(p.comm, "cargo-test");
        assert_eq!(p.creds.unwrap().loginuid, 1000);
        assert!(p.exepath.as_deref().unwrap().starts_with('/'));
        // The source gave no ids, times or inode: /proc's.
        assert_eq!(p.vpgid, Some(nix::unistd::getpgrp().as_raw()));
        assert_eq!(p.vsid, Some(nix::unistd::getsid(None).unwrap().as_raw()));
        let exe = std::fs::metadata("/proc/self/exe").unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(p.exe_inode.map(|i| i.ino), Some(exe.ino()));
        // Started before now, within this test run (stat's start is in 10 ms ticks).
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64;
        let started = p.start_ns.unwrap();
        assert!(started <= now + 20_000_000, "started {started}, now {now}");
        assert!(
            started + 3_600_000_000_000 > now,
            "started {started}, now {now}"
        );
        // The parent was read from /proc.
        assert_eq!(ctx.ancestors(me).first().map(|a| a.pid), Some(parent));
        // A fork copies; an exit forgets.
        let fork = RawEvent {
            kind: Kind::Fork {
                child_tid: 999_999,
                child_pid: 999_999,
                thread: false,
                child_vpid: Some(7),
                child_start_ns: Some(1_000),
            },
            ..exec_event(me, parent)
        };
        ctx.prepare(&fork);
        assert_eq!(
            ctx.get(999_999).map(|c| (c.ppid, c.argv.len())),
            Some((me, 2))
        );
        // Its own pid and start; the parent's group, session and executable.
        let c = ctx.get(999_999).unwrap();
        let p = ctx.get(me).unwrap();
        assert_eq!((c.vpid, c.start_ns), (Some(7), Some(1_000)));
        assert_eq!((c.vpgid, c.exe_inode), (p.vpgid, p.exe_inode));
        let exit = RawEvent {
            pid: 999_999,
            tid: 999_999,
            kind: Kind::Exit { status: 0 },
            ..exec_event(me, parent)
        };
        ctx.prepare(&exit);
        ctx.finish(&exit);
        assert!(ctx.get(999_999).is_none());
        let root = ctx.get(me).unwrap().clone();
        assert_eq!(ctx.user_name(&root, 0), Some("root"));
    }

    #[test]
    fn a_process_gone_before_its_event_runs_where_its_mount_namespace_runs() {
        let proc_root = ProcRoot::new("/proc");
        let me = std::process::id() as i32;
        let ns = mount_ns(&proc_root, me).unwrap();
        let mut ctx = Context::new(proc_root, MetaReader::default());
        // A pid that is not there, with no parent ksec knows: only the namespace places it.
        let gone = RawEvent {
            mntns: Some(ns),
            ..exec_event(999_998, 999_997)
        };
        ctx.prepare(&gone);
        let p = ctx.get(999_998).unwrap();
        assert_eq!(p.root, root_id(Path::new("/")));
        assert!(ctx.proc_root.pid_dir(p.root_pid).exists());
        assert_eq!(ctx.user_name(p, 0), Some("root"));
        // Without the namespace, nothing says where it ran.
        let unknown = exec_event(999_996, 999_995);
        ctx.prepare(&unknown);
        assert_eq!(ctx.get(999_996).unwrap().root, None);
    }
}
