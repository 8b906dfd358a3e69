//! The eBPF backend: syscalls counted in the kernel. `bpf/trace.bpf.c` (compiled into the
//! committed `bpf/trace.bpf.o`, loaded here with aya) times every call of the chosen tasks at the
//! raw `sys_enter`/`sys_exit` tracepoints and adds it to per-CPU rows keyed by task, syscall and
//! personality, with a latency histogram; children are followed in the kernel from
//! `sched_process_fork`. Tracees never stop. When tracing ends (or a live summary is due) the
//! rows are read and handed to the [`Sink`] as [`TaskCounts`]: nothing is lost to a full buffer,
//! and what a full map could not hold is reported. Without -c the programs write per-call
//! records instead ([`lines`]: the memory each decoder prints, [`capture`]; with -y the fds each
//! call prints, named in the kernel, [`fdname`]).
//!
//! Loading needs root (or CAP_BPF + CAP_PERFMON) and BTF (/sys/kernel/btf/vmlinux) for the few
//! task fields read (the compat-syscall flag, pids, pending SIGKILL, the mount namespace); raw
//! tracepoints need no tracefs. CPU time inside a call is its wall time less the time the task
//! spent off the CPU during it, added up at `sched_switch` (attached only without -w). The
//! programs and maps belong to ksec's file descriptors: if ksec dies, even by SIGKILL, the kernel
//! detaches everything.

pub mod capture;
pub mod fdname;
pub mod lines;

use std::cell::RefCell;
use std::collections::HashMap;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::rc::Rc;
use std::time::Duration;

use anyhow::Context;
use aya::maps::{Array, HashMap as BpfHash, MapData, PerCpuArray, PerCpuHashMap, RingBuf};
use aya::programs::RawTracePoint;
use aya::EbpfLoader;

use super::arch::Personality;
use super::backend::{Backend, ChildEnd, LiveClock, Notice, Outcome, Target};
use super::event::{Sink, TaskCounts, TaskNames};
use super::filter::Filter;
use super::ptrace::AttachError;
use super::stats::{CallStats, TimeAgg};
use crate::proc::root::ProcRoot;
use crate::sys::bpf::{Comm, Counts, Key, Lost};
use crate::sys::signal::{self as sig, Sig};

/// The compiled program (bpf/build.sh makes it from bpf/trace.bpf.c).
static OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/trace.bpf.o");

/// The programs and the tracepoints they attach to; the last, which adds up the time calls
/// spend off the CPU, only when CPU time is measured (not with -w).
const PROGRAMS: [(&str, &str); 6] = [
    ("sys_enter", "sys_enter"),
    ("sys_exit", "sys_exit"),
    ("process_fork", "sched_process_fork"),
    ("process_exec", "sched_process_exec"),
    ("process_exit", "sched_process_exit"),
    ("sched_switch", "sched_switch"),
];

/// Syscall numbers below this are filtered in the kernel (a bitmap per personality); the rest
/// are counted there and filtered by the counter.
const BITMAP_NRS: u64 = 1024;

/// How often ksec looks whether its targets are still there when nothing else wakes it.
const TICK: Duration = Duration::from_millis(50);

/// Which tasks to count.
#[derive(Debug, Clone)]
pub enum Scope {
    /// A command and/or pids, as the ptrace backend takes them.
    Target(Target),
    /// Every task in these mount namespaces (inode numbers, as /proc/PID/ns/mnt shows them):
    /// a container's processes, including those started later (`podman exec`). Mount
    /// namespaces, not cgroup ids: on cgroup v1 and hybrid hosts a container's v2 cgroup is
    /// the root's.
    MountNs(Vec<u32>),
    /// Every task on the node but ksec itself.
    All,
}

/// How to count.
#[derive(Debug, Clone)]
pub struct EbpfConfig {
    /// Follow children (-f): new processes of a traced process are traced from their fork.
    pub follow: bool,
    /// Rows per thread (--per-thread), else per process.
    pub per_thread: bool,
    /// Find each process's container (--per-container).
    pub per_container: bool,
    /// -w: time is wall-clock only (the CPU-time reads are skipped).
    pub wall_only: bool,
    /// The syscalls to count (None: all); compiled into a per-personality bitmap in the kernel.
    pub wanted: Option<Filter>,
    /// Block the fatal signals instead of stopping at them (`-o FILE` with a command, strace's
    /// `-I 3`): Ctrl-C reaches only the command, and the summary covers its whole run.
    pub block_fatal: bool,
    /// Where /proc is (for task names and whether a target still lives).
    pub proc_root: ProcRoot,
    /// `--interval`: a live table this often (SIGUSR1 asks for one at any time).
    pub interval: Option<Duration>,
    /// Per-call records for the line printer instead of counts in the kernel.
    pub per_call: Option<PerCall>,
}

/// What the per-call records carry.
#[derive(Debug, Clone)]
pub struct PerCall {
    /// `-s`: strings and buffers are read up to this many bytes, and one more.
    pub string_limit: usize,
    /// `-v`: the environment of execve in full.
    pub verbose: bool,
    /// The ring buffer's size in bytes (a power of two, at least a page).
    pub ring_bytes: u32,
    /// Say `Process N attached` for each child followed (not with -q).
    pub notices: bool,
    /// `-y`, `-yy`: the records name the fds their calls print ([`fdname`]).
    pub fd_names: bool,
}

/// The default ring buffer of per-call records: 64 MiB, about 500,000 calls with their strings.
pub const RING_BYTES: u32 = 64 << 20;

/// The programs of per-call records and their tracepoints.
const LINE_PROGRAMS: [(&str, &str); 7] = [
    ("sys_enter_lines", "sys_enter"),
    ("sys_exit_lines", "sys_exit"),
    ("process_fork", "sched_process_fork"),
    ("process_exec", "sched_process_exec"),
    ("process_exit", "sched_process_exit"),
    ("signal_deliver_lines", "signal_deliver"),
    ("signal_generate_lines", "signal_generate"),
];

/// How often the per-call reader looks at the ring when the kernel did not wake it (the
/// programs wake it only once 256 KiB wait).
const LINES_POLL: Duration = Duration::from_millis(10);

/// Why the eBPF backend cannot be had on this machine.
#[derive(Debug, thiserror::Error)]
#[error("the eBPF backend cannot be loaded: {0}")]
pub struct Unavailable(pub String);

/// Names and containers gathered when rows are read: from /proc for live tasks, from the
/// kernel's record (comm, mount namespace) for those that exited.
#[derive(Debug, Clone, Default)]
struct SharedNames(Rc<RefCell<Gathered>>);

#[derive(Debug, Default)]
struct Gathered {
    comms: HashMap<i32, Vec<u8>>,
    containers: HashMap<i32, Option<String>>,
}

impl TaskNames for SharedNames {
    fn comm(&mut self, tid: i32) -> Vec<u8> {
        self.0.borrow().comms.get(&tid).cloned().unwrap_or_default()
    }

    fn container(&mut self, tgid: i32) -> Option<String> {
        self.0.borrow().containers.get(&tgid).cloned().flatten()
    }
}

/// The loaded eBPF backend, ready to run.
pub struct Ebpf {
    bpf: aya::Ebpf,
    scope: Scope,
    cfg: EbpfConfig,
    names: SharedNames,
    /// The generation the kernel counts in now (see `read_rows`).
    gen: u8,
    /// The per-call ring buffer (per-call mode only).
    ring: Option<RingBuf<MapData>>,
}

impl std::fmt::Debug for Ebpf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ebpf").field("scope", &self.scope).finish()
    }
}

fn map<'a>(bpf: &'a mut aya::Ebpf, name: &str) -> anyhow::Result<&'a mut aya::maps::Map> {
    bpf.map_mut(name)
        .with_context(|| format!("bpf/trace.bpf.o has no map {name}"))
}

impl Ebpf {
    /// Loads and attaches the programs for `scope` (counting nothing until a target is added to
    /// the pid maps: a command is registered before it execs, in [`Backend::run`]).
    ///
    /// # Errors
    /// [`Unavailable`] with the kernel's reason: not privileged, no BTF, verifier refusal.
    pub fn load(scope: Scope, cfg: EbpfConfig) -> Result<Ebpf, Unavailable> {
        let unavailable = |what: &str, e: &dyn std::fmt::Display| {
            Unavailable(format!("{what}: {e}{}", privilege_hint()))
        };
        if !std::path::Path::new("/sys/kernel/btf/vmlinux").exists() {
            return Err(Unavailable(
                "the kernel has no BTF (/sys/kernel/btf/vmlinux)".to_string(),
            ));
        }
        let mode: u32 = match scope {
            Scope::Target(_) => 0,
            Scope::MountNs(_) => 1,
            Scope::All => 2,
        };
        let follow = u32::from(cfg.follow);
        let key_by_tid = u32::from(cfg.per_thread);
        let wall_only = u32::from(cfg.wall_only);
        let self_tgid = std::process::id();
        let filter_on = u32::from(cfg.wanted.is_some());
        let per_call = u32::from(cfg.per_call.is_some());
        // bpf/trace.bpf.c FD_NAMES_ALL: the sockets' endpoints too (the printer picks what
        // -y or -yy shows).
        let fd_names: u32 = if cfg.per_call.as_ref().is_some_and(|p| p.fd_names) {
            2
        } else {
            0
        };
        let mut loader = EbpfLoader::new();
        let ring_bytes = cfg.per_call.as_ref().map_or(4096, |p| p.ring_bytes);
        if !ring_bytes.is_power_of_two() || ring_bytes < 4096 {
            return Err(Unavailable(format!(
                "ring buffer size {ring_bytes} bytes: must be a power of two of at least 4096"
            )));
        }
        loader.map_max_entries("lines", ring_bytes);
        // Room for rows and calls in flight: the defaults suit a node; a busier one (or a test
        // of what a full map does) sets KSEC_EBPF_MAP_ENTRIES.
        let entries = std::env::var("KSEC_EBPF_MAP_ENTRIES")
            .ok()
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|&n| n > 0);
        if let Some(n) = entries {
            for name in ["counts", "hist", "starts"] {
                loader.map_max_entries(name, n);
            }
        }
        let mut bpf = loader
            .override_global("mode", &mode, true)
            .override_global("follow", &follow, true)
            .override_global("key_by_tid", &key_by_tid, true)
            .override_global("wall_only", &wall_only, true)
            .override_global("hist_wall", &wall_only, true)
            .override_global("self_tgid", &self_tgid, true)
            .override_global("filter_on", &filter_on, true)
            .override_global("per_call", &per_call, true)
            .override_global("fd_names", &fd_names, true)
            .load(OBJECT)
            .map_err(|e| unavailable("load bpf/trace.bpf.o", &error_chain(&e)))?;
        if let Some(wanted) = &cfg.wanted {
            let mut bitmap: Array<&mut MapData, u64> =
                Array::try_from(map(&mut bpf, "wanted").map_err(|e| unavailable("map", &e))?)
                    .map_err(|e| unavailable("map wanted", &e))?;
            for (pi, p) in Personality::ALL.iter().enumerate() {
                for word in 0..(BITMAP_NRS / 64) {
                    let mut bits = 0u64;
                    for bit in 0..64 {
                        if wanted.wants(*p, word * 64 + bit) {
                            bits |= 1 << bit;
                        }
                    }
                    let idx = (pi as u64 * (BITMAP_NRS / 64) + word) as u32;
                    bitmap
                        .set(idx, bits, 0)
                        .map_err(|e| unavailable("fill map wanted", &e))?;
                }
            }
        }
        if let Scope::MountNs(ids) = &scope {
            let mut ns: BpfHash<&mut MapData, u32, u8> =
                BpfHash::try_from(map(&mut bpf, "mntns").map_err(|e| unavailable("map", &e))?)
                    .map_err(|e| unavailable("map mntns", &e))?;
            for id in ids {
                ns.insert(id, 1, 0)
                    .map_err(|e| unavailable("fill map mntns", &e))?;
            }
        }
        if let Some(pc) = &cfg.per_call {
            let mut specs: Array<&mut MapData, crate::sys::bpf::Spec> =
                Array::try_from(map(&mut bpf, "specs").map_err(|e| unavailable("map", &e))?)
                    .map_err(|e| unavailable("map specs", &e))?;
            let end = crate::trace::syscalls::end(Personality::Native).min(BITMAP_NRS);
            for nr in 0..end {
                let Some(name) = Personality::Native.syscall_name(nr) else {
                    continue;
                };
                let items = capture::items(name, pc.string_limit, pc.verbose);
                if items.is_empty() {
                    continue;
                }
                specs
                    .set(nr as u32, capture::spec(&items), 0)
                    .map_err(|e| unavailable("fill map specs", &e))?;
            }
            if pc.fd_names {
                let mut fdspecs: Array<&mut MapData, u32> =
                    Array::try_from(map(&mut bpf, "fdspecs").map_err(|e| unavailable("map", &e))?)
                        .map_err(|e| unavailable("map fdspecs", &e))?;
                for nr in 0..end {
                    let Some(name) = Personality::Native.syscall_name(nr) else {
                        continue;
                    };
                    let bits = fdname::spec(name, nr);
                    if bits != 0 {
                        fdspecs
                            .set(nr as u32, bits, 0)
                            .map_err(|e| unavailable("fill map fdspecs", &e))?;
                    }
                }
            }
        }
        let programs: Vec<(&str, &str)> = match (&cfg.per_call, cfg.wall_only) {
            (Some(_), _) => LINE_PROGRAMS.to_vec(),
            (None, true) => PROGRAMS[..5].to_vec(),
            (None, false) => PROGRAMS.to_vec(),
        };
        for (prog, tp) in programs {
            let p: &mut RawTracePoint = bpf
                .program_mut(prog)
                .ok_or_else(|| Unavailable(format!("bpf/trace.bpf.o has no program {prog}")))?
                .try_into()
                .map_err(|e| unavailable(prog, &e))?;
            p.load()
                .map_err(|e| unavailable(&format!("load {prog}"), &error_chain(&e)))?;
            p.attach(tp)
                .map_err(|e| unavailable(&format!("attach {prog} to {tp}"), &error_chain(&e)))?;
        }
        let ring = match cfg.per_call {
            Some(_) => {
                let m = bpf
                    .take_map("lines")
                    .ok_or_else(|| Unavailable("bpf/trace.bpf.o has no map lines".into()))?;
                Some(RingBuf::try_from(m).map_err(|e| unavailable("map lines", &e))?)
            }
            None => None,
        };
        Ok(Ebpf {
            bpf,
            scope,
            cfg,
            names: SharedNames::default(),
            gen: 0,
            ring,
        })
    }

    fn pid_map(&mut self, name: &str) -> anyhow::Result<BpfHash<&mut MapData, u32, u8>> {
        Ok(BpfHash::try_from(map(&mut self.bpf, name)?)?)
    }

    /// Registers `pid` for counting: its process (every thread) with -f, else that thread.
    /// Refused as the ptrace backend refuses: a pid that is not there, a zombie, a kernel thread
    /// (a process under another tracer is fine: nothing here stops it).
    fn add_target(&mut self, pid: i32) -> anyhow::Result<()> {
        let root = &self.cfg.proc_root;
        match crate::proc::status::read_status(root, pid) {
            Ok(st) if st.state.is_some() && st.is_zombie() => {
                return Err(AttachError::Zombie(pid).into())
            }
            Ok(st) if st.state.is_some() => {}
            _ => return Err(AttachError::NoSuchProcess(pid).into()),
        }
        if crate::proc::stat::is_kernel_thread(root, pid) {
            return Err(AttachError::KernelThread(pid).into());
        }
        let (name, id) = if self.cfg.follow {
            let tgid = crate::proc::status::read_status(&self.cfg.proc_root, pid)
                .ok()
                .and_then(|s| s.tgid)
                .unwrap_or(pid);
            ("tgids", tgid)
        } else {
            ("tids", pid)
        };
        self.pid_map(name)?
            .insert(id as u32, 1, 0)
            .with_context(|| format!("pid {pid}: add to the eBPF map {name}"))
    }

    /// The traced pids still in the kernel's maps (the kernel removes a task at its exit; one
    /// whose exit was missed is removed here when it is gone).
    fn live_targets(&mut self) -> anyhow::Result<usize> {
        let mut n = 0;
        for name in ["tids", "tgids"] {
            let mut m = self.pid_map(name)?;
            let ids: Vec<u32> = m.keys().filter_map(Result::ok).collect();
            for id in ids {
                let gone = matches!(
                    nix::sys::signal::kill(nix::unistd::Pid::from_raw(id as i32), None),
                    Err(nix::errno::Errno::ESRCH)
                );
                if gone {
                    let _ = m.remove(&id);
                } else {
                    n += 1;
                }
            }
        }
        Ok(n)
    }

    /// Reads the rows counted so far, merging the per-CPU values, with their histograms: every
    /// row at the end (`old_only` false); for a live summary (`old_only`), after the kernel was
    /// switched to the other generation, the rows of every generation but the current one, which
    /// are deleted once read, so each call is handed over exactly once (a call that ends in the
    /// instant of the switch may still land in the old generation: the next read takes it).
    fn read_rows(&mut self, old_only: bool) -> anyhow::Result<Vec<TaskCounts>> {
        let current = self.gen;
        let gen = old_only.then_some(current);
        let per_thread = self.cfg.per_thread;
        let wall_only = self.cfg.wall_only;
        let mut hists: HashMap<Key, Vec<(u16, u64)>> = HashMap::new();
        {
            let mut h: PerCpuHashMap<&mut MapData, Key, u64> =
                PerCpuHashMap::try_from(map(&mut self.bpf, "hist")?)?;
            let mut done = Vec::new();
            for item in h.iter() {
                let (k, per_cpu) = item.context("read the eBPF map hist")?;
                if gen.is_some_and(|g| g == k.gen) {
                    continue;
                }
                let n: u64 = per_cpu.iter().sum();
                let row = Key { bucket: 0, ..k };
                hists.entry(row).or_default().push((k.bucket, n));
                done.push(k);
            }
            if gen.is_some() {
                for k in done {
                    let _ = h.remove(&k);
                }
            }
        }
        let mut rows = Vec::new();
        let mut c: PerCpuHashMap<&mut MapData, Key, Counts> =
            PerCpuHashMap::try_from(map(&mut self.bpf, "counts")?)?;
        let mut done = Vec::new();
        for item in c.iter() {
            let (k, per_cpu) = item.context("read the eBPF map counts")?;
            if gen.is_some_and(|g| g == k.gen) {
                continue;
            }
            let mut stats = CallStats::default();
            for v in per_cpu.iter().filter(|v| v.calls > 0) {
                let cpu = if wall_only {
                    TimeAgg {
                        total_ns: 0,
                        min_ns: 0,
                        max_ns: 0,
                    }
                } else {
                    TimeAgg {
                        total_ns: v.cpu_total,
                        min_ns: v.cpu_min,
                        max_ns: v.cpu_max,
                    }
                };
                stats.merge(&CallStats {
                    calls: v.calls,
                    errors: v.errors,
                    cpu,
                    wall: TimeAgg {
                        total_ns: v.wall_total,
                        min_ns: v.wall_min,
                        max_ns: v.wall_max,
                    },
                });
            }
            let mut hist = hists.remove(&Key { bucket: 0, ..k }).unwrap_or_default();
            hist.sort_unstable();
            let tgid = k.tgid as i32;
            rows.push(TaskCounts {
                tid: if per_thread { k.tid as i32 } else { tgid },
                tgid,
                personality: if k.pers == 1 {
                    Personality::Compat32
                } else {
                    Personality::Native
                },
                nr: k.nr,
                stats,
                hist,
            });
            done.push(k);
        }
        if gen.is_some() {
            for k in done {
                let _ = c.remove(&k);
            }
        }
        // Stable order: by process, thread, personality, number.
        rows.sort_by_key(|r| (r.tgid, r.tid, r.personality, r.nr));
        Ok(rows)
    }

    /// Fills the names of the tasks in `rows`: /proc/TID/comm while the task lives, else the
    /// name the kernel recorded at its exit.
    fn gather_names(&mut self, rows: &[TaskCounts]) -> anyhow::Result<()> {
        if self.cfg.per_container {
            self.gather_containers(rows)?;
        }
        let comms: BpfHash<&mut MapData, u32, Comm> =
            BpfHash::try_from(map(&mut self.bpf, "comms")?)?;
        let mut gathered = self.names.0.borrow_mut();
        let names = &mut gathered.comms;
        for id in rows.iter().flat_map(|r| [r.tid, r.tgid]) {
            if names.contains_key(&id) {
                continue;
            }
            let name = self
                .cfg
                .proc_root
                .comm(id)
                .ok()
                .or_else(|| {
                    comms.get(&(id as u32), 0).ok().map(|c| {
                        let end = c.0.iter().position(|&b| b == 0).unwrap_or(c.0.len());
                        c.0[..end].to_vec()
                    })
                })
                .unwrap_or_default();
            names.insert(id, name);
        }
        Ok(())
    }

    /// The container of each process in `rows`: from /proc/TGID/cgroup while it lives; for one
    /// that exited, the container of a live process in the mount namespace the kernel saw it
    /// in (None, the host, when no container is running there any more).
    fn gather_containers(&mut self, rows: &[TaskCounts]) -> anyhow::Result<()> {
        let root = self.cfg.proc_root.clone();
        let exited: BpfHash<&mut MapData, u32, u32> =
            BpfHash::try_from(map(&mut self.bpf, "exited_mntns")?)?;
        let mut gathered = self.names.0.borrow_mut();
        let mut by_ns: Option<HashMap<u32, String>> = None;
        for r in rows {
            if gathered.containers.contains_key(&r.tgid) {
                continue;
            }
            let live = crate::proc::cgroup::container_of(&root, r.tgid).map(|c| c.id);
            let found = match live {
                Some(id) => Some(id),
                None if mount_ns(&root, r.tgid).is_some() => None, // alive, on the host
                None => exited.get(&(r.tgid as u32), 0).ok().and_then(|ns| {
                    by_ns
                        .get_or_insert_with(|| containers_by_mount_ns(&root))
                        .get(&ns)
                        .cloned()
                }),
            };
            gathered.containers.insert(r.tgid, found);
        }
        Ok(())
    }

    /// What full maps kept from being measured, summed over CPUs.
    fn lost(&mut self) -> anyhow::Result<Lost> {
        let l: PerCpuArray<&mut MapData, Lost> =
            PerCpuArray::try_from(map(&mut self.bpf, "lost")?)?;
        let mut sum = Lost::default();
        for v in l.get(&0, 0)?.iter() {
            sum.starts += v.starts;
            sum.counts += v.counts;
            sum.hist += v.hist;
            sum.follows += v.follows;
        }
        Ok(sum)
    }

    /// Hands every row counted so far to `sink`.
    fn deliver_all(&mut self, sink: &mut dyn Sink) -> anyhow::Result<()> {
        let rows = self.read_rows(false)?;
        self.gather_names(&rows)?;
        sink.counts(&rows);
        Ok(())
    }

    /// Switches the kernel to the other generation and hands `sink` what the previous ones
    /// counted: everything until now, once.
    fn deliver_since_last(&mut self, sink: &mut dyn Sink) -> anyhow::Result<()> {
        self.gen ^= 1;
        let mut g: Array<&mut MapData, u32> = Array::try_from(map(&mut self.bpf, "generation")?)?;
        g.set(0, u32::from(self.gen), 0)
            .context("switch the eBPF counting generation")?;
        let rows = self.read_rows(true)?;
        self.gather_names(&rows)?;
        sink.counts(&rows);
        Ok(())
    }
}

use crate::proc::ns::mount_ns;

/// Mount namespace -> container id, from every live process that is in a container.
fn containers_by_mount_ns(root: &ProcRoot) -> HashMap<u32, String> {
    let mut out = HashMap::new();
    for pid in root.pids().unwrap_or_default() {
        if let Some(c) = crate::proc::cgroup::container_of(root, pid) {
            if let Some(ns) = mount_ns(root, pid) {
                out.entry(ns).or_insert(c.id);
            }
        }
    }
    out
}

/// The whole error chain of a load or attach failure, on one line (aya puts the kernel's
/// reason in a source error).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let more = inner.to_string();
        if !s.contains(&more) {
            s.push_str(": ");
            s.push_str(&more);
        }
        src = inner.source();
    }
    if std::env::var_os("KSEC_BPF_LOG").is_some() {
        return s;
    }
    // The verifier log can be long: its first line is the kernel's verdict.
    match s.find('\n') {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn privilege_hint() -> &'static str {
    if nix::unistd::geteuid().is_root() {
        ""
    } else {
        " (needs root, or CAP_BPF and CAP_PERFMON)"
    }
}

/// How the spawned command is waited for.
struct Child {
    pid: i32,
    pidfd: OwnedFd,
    exec_errors: OwnedFd,
    end: Option<ChildEnd>,
}

impl Child {
    /// Reaps the child if it ended (non-blocking).
    fn reap(&mut self) -> anyhow::Result<()> {
        use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
        if self.end.is_some() {
            return Ok(());
        }
        match waitpid(
            nix::unistd::Pid::from_raw(self.pid),
            Some(WaitPidFlag::WNOHANG),
        ) {
            Ok(WaitStatus::Exited(_, code)) => self.end = Some(ChildEnd::Exited(code)),
            Ok(WaitStatus::Signaled(_, s, _)) => {
                self.end = Some(ChildEnd::Killed(Sig::from_raw(s as i32)))
            }
            Ok(_) => {}
            Err(nix::errno::Errno::EINTR) => {}
            Err(e) => return Err(e).with_context(|| format!("wait for pid {}", self.pid)),
        }
        Ok(())
    }

    /// strerror of the failed execve's errno, if the command could not be executed.
    fn exec_error(&self) -> Option<String> {
        let mut buf = [0u8; 4];
        match nix::unistd::read(self.exec_errors.as_raw_fd(), &mut buf) {
            Ok(4) => Some(
                nix::errno::Errno::from_raw(i32::from_ne_bytes(buf))
                    .desc()
                    .to_string(),
            ),
            _ => None,
        }
    }
}

/// Signals that end tracing (as the ptrace backend's).
const FATAL: [nix::sys::signal::Signal; 5] = crate::trace::ptrace::FATAL_SIGNALS;

/// The signals whose handling ksec changed, given back to the command as ksec got them.
fn reset_signals() -> Vec<Sig> {
    let mut reset: Vec<Sig> = FATAL.iter().map(|&s| s.into()).collect();
    reset.push(sig::LIVE_SIGNAL.into());
    reset
}

impl Ebpf {
    /// Starts the command stopped before its execve, registers it in the kernel's pid maps,
    /// and lets it go: its first counted call is the execve.
    fn spawn(
        &mut self,
        path: &std::ffi::CString,
        argv: &[std::ffi::CString],
        envp: &[std::ffi::CString],
    ) -> anyhow::Result<Child> {
        let (pid, exec_errors) =
            crate::sys::spawn::spawn_stopped(path, argv, envp, &reset_signals(), None)
                .context("fork")?;
        let status =
            crate::sys::wait::wait_stopped(pid).context("wait for the command to start")?;
        if !libc::WIFSTOPPED(status) {
            anyhow::bail!(
                "{}: the command ended before it could be traced",
                path.to_string_lossy()
            );
        }
        let pidfd =
            crate::sys::bpf::pidfd_open(pid).with_context(|| format!("pidfd_open {pid}"))?;
        let registered = self.add_target(pid).and_then(|()| {
            let mut sp: Array<&mut MapData, u32> = Array::try_from(map(&mut self.bpf, "spawned")?)?;
            sp.set(0, pid as u32, 0)
                .with_context(|| format!("pid {pid}: set the eBPF map spawned"))
        });
        if let Err(e) = registered {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            return Err(e);
        }
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(pid),
            nix::sys::signal::Signal::SIGCONT,
        )
        .with_context(|| format!("resume pid {pid}"))?;
        Ok(Child {
            pid,
            pidfd,
            exec_errors,
            end: None,
        })
    }

    /// Sleeps until the child ends, per-call records wait, a signal arrives, or `timeout`
    /// passes.
    fn wait(&self, child: Option<&Child>, timeout: Duration) {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        let ms = PollTimeout::try_from(timeout.as_millis().min(60_000) as i32)
            .unwrap_or(PollTimeout::NONE);
        let mut fds = Vec::new();
        if let Some(c) = child.filter(|c| c.end.is_none()) {
            fds.push(PollFd::new(c.pidfd.as_fd(), PollFlags::POLLIN));
        }
        if let Some(r) = &self.ring {
            fds.push(PollFd::new(r.as_fd(), PollFlags::POLLIN));
        }
        let _ = poll(&mut fds, ms);
    }

    /// Hands every per-call record waiting in the ring to `sink`, through `stream`.
    fn drain(
        &mut self,
        stream: &mut lines::Stream,
        sink: &mut dyn Sink,
        notice: &mut dyn FnMut(Notice),
    ) {
        let Some(ring) = self.ring.as_mut() else {
            return;
        };
        let mut any = false;
        while let Some(item) = ring.next() {
            if let Some(r) = lines::parse(&item) {
                stream.record(&item, &r, sink, notice);
            }
            any = true;
        }
        if any {
            sink.idle();
        }
    }

    /// Records of per-call mode the ring had no room for, summed over CPUs.
    fn lines_lost(&mut self) -> anyhow::Result<u64> {
        let l: PerCpuArray<&mut MapData, u64> =
            PerCpuArray::try_from(map(&mut self.bpf, "lines_lost")?)?;
        Ok(l.get(&0, 0)?.iter().sum())
    }
}

impl Backend for Ebpf {
    fn names(&self) -> Box<dyn TaskNames> {
        Box::new(self.names.clone())
    }

    fn run(
        mut self: Box<Self>,
        sink: &mut dyn Sink,
        notice: &mut dyn FnMut(Notice),
    ) -> anyhow::Result<Outcome> {
        sig::install_fatal_handlers(&FATAL).context("install signal handlers")?;
        if self.cfg.block_fatal {
            use nix::sys::signal::{pthread_sigmask, SigSet, SigmaskHow};
            let mut set = SigSet::empty();
            for s in FATAL {
                set.add(s);
            }
            pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).context("block signals")?;
        }
        let mut child = None;
        let mut attached = Vec::new();
        let scope = self.scope.clone();
        if let Scope::Target(target) = &scope {
            let also = match target {
                Target::Spawn {
                    path,
                    argv,
                    envp,
                    also,
                } => {
                    child = Some(self.spawn(path, argv, envp)?);
                    also.clone()
                }
                Target::Attach(pids) => pids.clone(),
            };
            let mut errors = Vec::new();
            for pid in also {
                match self.add_target(pid) {
                    Ok(()) => {
                        attached.push(pid);
                        notice(Notice::Attached(pid));
                    }
                    Err(e) => errors.push(e),
                }
            }
            let fatal = if child.is_none() && attached.is_empty() {
                errors.pop()
            } else {
                None
            };
            for e in errors {
                notice(Notice::Warning(format!("{e:#}")));
            }
            if let Some(e) = fatal {
                return Err(e);
            }
        }
        let mut clock = LiveClock::start(self.cfg.interval)?;
        let mut interrupted = None;
        let mut stream = self
            .cfg
            .per_call
            .as_ref()
            .map(|p| lines::Stream::new(p.notices, child.as_ref().map(|c| c.pid), p.fd_names));
        let tick = if stream.is_some() { LINES_POLL } else { TICK };
        loop {
            if let Some(st) = stream.as_mut() {
                self.drain(st, sink, notice);
            }
            while let Some(what) = clock.due() {
                self.deliver_since_last(sink)?;
                sink.live(what);
            }
            if let Some(s) = sig::fatal_signal() {
                interrupted = Some(s);
                break;
            }
            if let Some(c) = child.as_mut() {
                c.reap()?;
            }
            let child_done = child.as_ref().is_none_or(|c| c.end.is_some());
            let done = match &self.scope {
                // Every traced task gone (the kernel removes each at its exit; with -f the
                // followed children are in the maps too, as strace -f waits for every tracee),
                // and the command reaped.
                Scope::Target(_) => child_done && self.live_targets()? == 0,
                Scope::MountNs(_) | Scope::All => false,
            };
            if done {
                break;
            }
            let timeout = clock.timeout().map_or(tick, |t| t.min(tick));
            self.wait(child.as_ref(), timeout);
        }
        if let Some(st) = stream.as_mut() {
            self.drain(st, sink, notice);
            if let Some(c) = child.as_mut() {
                c.reap()?;
                st.finish(sink, c.pid, c.end);
            }
            let lost = self.lines_lost()?;
            if lost > 0 {
                notice(Notice::Warning(format!(
                    "{lost} per-call records lost: the eBPF ring buffer was full ({} calls \
                     are incomplete or missing; a larger --ring-size keeps them)",
                    st.gaps.max(1)
                )));
            }
        } else {
            self.deliver_all(sink)?;
        }
        let lost = self.lost()?;
        if lost.counts + lost.starts + lost.hist + lost.follows > 0 {
            notice(Notice::Warning(format!(
                "eBPF maps were full: {} calls not timed, {} not counted, {} missing from \
                 histograms, {} children not followed",
                lost.starts, lost.counts, lost.hist, lost.follows
            )));
        }
        if interrupted.is_some() {
            for pid in attached {
                if nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).is_ok() {
                    notice(Notice::Detached(pid));
                }
            }
        }
        let exec_error = child.as_ref().and_then(Child::exec_error);
        Ok(Outcome {
            child: child.as_ref().and_then(|c| c.end),
            interrupted,
            exec_error,
        })
    }
}
