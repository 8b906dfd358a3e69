//! The per-call printer: a [`Sink`] beside the counter that writes strace's lines
//! (`openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3`), or one JSON object per call,
//! signal and task end.
//!
//! It keeps strace's rules for a shared output: a call's entry is printed at once (so a
//! blocking `read(0, ` shows); when another task prints before that call ends, the open line
//! is closed with ` <unfinished ...>` and the call's end later printed as `<... read
//! resumed>...) = 5`; `[pid  1234] ` (stderr, once several tasks are traced) or `1234  ` (`-o
//! FILE` with `-f`) prefixes; the return at column 40 (`-a`); `-ff -o FILE` writes each task's
//! lines to `FILE.TID`. With a status filter (`-z`, `-Z`, `-e status=`) a call's line is staged
//! and printed whole once its status is known. The arguments are decoded by
//! [`super::decode`]; this file only lays lines out. Output is flushed when the backend is idle
//! ([`Sink::idle`]: the tracer has had nothing to handle for a moment), not after every call.
#![forbid(unsafe_code)]

use std::collections::HashMap;
use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant, SystemTime};

use serde_json::json;

use super::arch::Personality;
use super::decode::{self, CallState, Ctx, FdDecode, FdNames, FdTarget, Memory, Ret, Rval, Value};
use super::event::{Abandoned, CallRegs, Event, FdHint, Sink, TaskEnd};
use crate::proc::root::ProcRoot;
use crate::sys::signal::Sig;

/// `-t`, `-tt`, `-ttt`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stamp {
    #[default]
    None,
    /// `-t`: `HH:MM:SS` (local time).
    Secs,
    /// `-tt`: `HH:MM:SS.uuuuuu`.
    Micros,
    /// `-ttt`: seconds since the epoch, `1764660000.123456`.
    Epoch,
}

/// The pid prefix of a line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PidPrefix {
    /// Output to stderr: `[pid  1234] ` while more than one task is traced.
    #[default]
    Dynamic,
    /// `-o FILE` with `-f` (or several `-p`): `1234  ` (`%-5u `) on every line.
    Always,
    /// `-o FILE` of a single task, and `-ff`: none.
    Never,
}

/// Which calls' lines are printed, by how they ended (`-e status=`, `-z`, `-Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Statuses {
    pub successful: bool,
    pub failed: bool,
    /// The task exited during the call (`= ?`).
    pub unfinished: bool,
    /// The call's end could not be read (`= ? <unavailable>`).
    pub unavailable: bool,
    /// ksec detached during the call.
    pub detached: bool,
}

impl Statuses {
    /// Every status (no filter: lines are printed as they come).
    pub const ALL: Statuses = Statuses {
        successful: true,
        failed: true,
        unfinished: true,
        unavailable: true,
        detached: true,
    };

    fn all(&self) -> bool {
        *self == Statuses::ALL
    }
}

impl Default for Statuses {
    fn default() -> Self {
        Statuses::ALL
    }
}

/// How lines look and which are printed.
pub struct LineOpts {
    pub decode: decode::Opts,
    pub stamp: Stamp,
    /// `-r`: the time since the previous line's start.
    pub relative: bool,
    /// `-T`: the call's time, `<0.000012>`.
    pub syscall_times: bool,
    pub statuses: Statuses,
    /// `-qq`: no `+++ exited with N +++` lines.
    pub quiet_exit: bool,
    /// `-qqq`: no `+++ superseded by execve +++` lines.
    pub quiet_superseded: bool,
    /// `-e signal=`: the signals whose `--- SIG... ---` and `+++ killed by +++` lines print.
    pub signals: Box<dyn Fn(i32) -> bool>,
    /// `-e trace=`: the calls that print.
    pub wants: Box<dyn Fn(Personality, u64) -> bool>,
    pub pid_prefix: PidPrefix,
    /// One JSON object per line instead of strace's text.
    pub json: bool,
    /// `-a`: the column of ` = ` (strace's default 40).
    pub align: usize,
    /// Where /proc is, for `-y` (`/proc/TID/fd/N`).
    pub proc_root: ProcRoot,
}

impl Default for LineOpts {
    fn default() -> Self {
        LineOpts {
            decode: decode::Opts::default(),
            stamp: Stamp::None,
            relative: false,
            syscall_times: false,
            statuses: Statuses::ALL,
            quiet_exit: false,
            quiet_superseded: false,
            signals: Box::new(|_| true),
            wants: Box::new(|_, _| true),
            pid_prefix: PidPrefix::Dynamic,
            json: false,
            align: 40,
            proc_root: ProcRoot::default(),
        }
    }
}

/// Where lines go.
pub enum Output {
    /// One stream for every task.
    Shared(Box<dyn Write>),
    /// `-ff -o FILE`: `FILE.TID` for each task, opened at its first line.
    PerTask {
        base: OsString,
        files: HashMap<i32, BufWriter<File>>,
    },
}

/// A call between its entry and exit.
struct Pending {
    regs: CallRegs,
    state: CallState,
    /// The entry's arguments (JSON prints them at exit).
    entry_args: Vec<Value>,
    /// Not printed (`-e trace=`): the exit is ignored too.
    hidden: bool,
    /// When the entry was seen (JSON's time).
    at: SystemTime,
}

#[derive(Default)]
struct TaskOut {
    pending: Option<Pending>,
    /// The column the task's open line has reached (0: no open line).
    curcol: usize,
    /// A status filter holds the call's line here until the call ends.
    staged: Option<String>,
    /// The next exit line says which call it is (after `+++ superseded by execve +++`).
    reprint: bool,
}

/// The per-call printer.
pub struct Printer {
    opts: LineOpts,
    out: Output,
    tasks: HashMap<i32, TaskOut>,
    /// Tasks traced now (strace's nprocs: the `[pid N]` prefix shows while it is above 1).
    nprocs: usize,
    /// The task whose line the shared output ends with (strace's printing_tcp).
    printing: Option<i32>,
    fds: ProcFdNames,
    /// The previous line's start, for `-r` (on the clock of [`Printer::times`]).
    last_line: Option<Duration>,
    /// When this printer was made: the origin of the monotonic times of a live backend.
    base: Instant,
    /// The time of the event being handled, from a backend that reports events after they
    /// happened ([`Sink::clock`]); None: now.
    clock: Option<(SystemTime, Duration)>,
    /// The first write error; nothing more is written after it.
    error: Option<std::io::Error>,
}

impl Printer {
    pub fn new(opts: LineOpts, out: Output) -> Printer {
        let fds = ProcFdNames {
            root: opts.proc_root.clone(),
            hint: None,
            seen: None,
        };
        Printer {
            opts,
            out,
            tasks: HashMap::new(),
            nprocs: 0,
            printing: None,
            fds,
            last_line: None,
            base: Instant::now(),
            clock: None,
            error: None,
        }
    }

    /// The time of the event being handled: the wall clock, and a monotonic time (for `-r`).
    fn times(&self) -> (SystemTime, Duration) {
        self.clock
            .unwrap_or_else(|| (SystemTime::now(), self.base.elapsed()))
    }

    /// Flushes everything and gives the first write error, if one happened.
    ///
    /// # Errors
    /// A write to the output failed (the disk is full, a pipe closed).
    pub fn finish(mut self) -> std::io::Result<()> {
        self.flush();
        match self.error.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn flush(&mut self) {
        let r = match &mut self.out {
            Output::Shared(w) => w.flush(),
            Output::PerTask { files, .. } => files.values_mut().try_for_each(|f| f.flush()),
        };
        if let Err(e) = r {
            self.error.get_or_insert(e);
        }
    }

    fn separate(&self) -> bool {
        matches!(self.out, Output::PerTask { .. })
    }

    fn staging(&self) -> bool {
        !self.opts.statuses.all()
    }

    /// Writes `text` to task `tid`'s output, or to its staged line.
    fn write(&mut self, tid: i32, text: &str) {
        if let Some(staged) = self.tasks.get_mut(&tid).and_then(|t| t.staged.as_mut()) {
            staged.push_str(text);
            return;
        }
        self.write_out(tid, text.as_bytes());
    }

    fn write_out(&mut self, tid: i32, bytes: &[u8]) {
        if self.error.is_some() {
            return;
        }
        let r = match &mut self.out {
            Output::Shared(w) => w.write_all(bytes),
            Output::PerTask { base, files } => {
                let f = match files.entry(tid) {
                    std::collections::hash_map::Entry::Occupied(o) => o.into_mut(),
                    std::collections::hash_map::Entry::Vacant(v) => {
                        let mut path = base.clone();
                        path.push(format!(".{tid}"));
                        match File::create(&path) {
                            Ok(f) => v.insert(BufWriter::with_capacity(64 << 10, f)),
                            Err(e) => {
                                let e = std::io::Error::new(
                                    e.kind(),
                                    format!("Can't fopen '{}': {e}", path.to_string_lossy()),
                                );
                                self.error = Some(e);
                                return;
                            }
                        }
                    }
                };
                f.write_all(bytes)
            }
        };
        if let Err(e) = r {
            self.error = Some(e);
        }
    }

    fn task(&mut self, tid: i32) -> &mut TaskOut {
        self.tasks.entry(tid).or_default()
    }

    /// strace's printleader: closes another task's open line (`<unfinished ...>`), then
    /// starts task `tid`'s line with its prefix and timestamps.
    fn leader(&mut self, tid: i32) {
        let staged = self.tasks.get(&tid).is_some_and(|t| t.staged.is_some());
        let open = match self.separate() {
            true => Some(tid),
            false => self.printing,
        };
        if let (false, Some(p)) = (staged, open) {
            if self.tasks.get(&p).is_some_and(|t| t.curcol != 0) {
                self.write_out(p, b" <unfinished ...>\n");
                self.task(p).curcol = 0;
            }
        }
        self.printing = Some(tid);
        let mut s = String::new();
        match self.opts.pid_prefix {
            PidPrefix::Always => s.push_str(&format!("{tid:<5} ")),
            PidPrefix::Dynamic if self.nprocs > 1 && !self.separate() => {
                s.push_str(&format!("[pid {tid:>5}] "))
            }
            _ => {}
        }
        let (now, mono) = self.times();
        let since = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        match self.opts.stamp {
            Stamp::None => {}
            Stamp::Secs | Stamp::Micros => {
                let (h, m, sec) = crate::sys::time::local_hms(since.as_secs() as i64);
                s.push_str(&format!("{h:02}:{m:02}:{sec:02}"));
                if self.opts.stamp == Stamp::Micros {
                    s.push_str(&format!(".{:06}", since.subsec_micros()));
                }
                s.push(' ');
            }
            Stamp::Epoch => s.push_str(&format!(
                "{}.{:06} ",
                since.as_secs(),
                since.subsec_micros()
            )),
        }
        if self.opts.relative {
            let d = self
                .last_line
                .map(|l| mono.saturating_sub(l))
                .unwrap_or_default();
            self.last_line = Some(mono);
            let paren = self.opts.stamp != Stamp::None;
            s.push_str(&format!(
                "{}{:6}.{:06}{}",
                if paren { "(+" } else { "" },
                d.as_secs(),
                d.subsec_micros(),
                if paren { ") " } else { " " }
            ));
        }
        self.task(tid).curcol = 0;
        self.put(tid, &s);
    }

    /// Writes part of task `tid`'s open line.
    fn put(&mut self, tid: i32, text: &str) {
        self.write(tid, text);
        self.task(tid).curcol += text.len();
    }

    /// Pads task `tid`'s line to the return column (strace's tabto).
    fn tabto(&mut self, tid: i32) {
        let col = self.tasks.get(&tid).map_or(0, |t| t.curcol);
        if col < self.opts.align {
            let pad = " ".repeat(self.opts.align - col);
            self.put(tid, &pad);
        }
    }

    /// Ends task `tid`'s line (strace's line_ended: no line is open any more).
    fn end_line(&mut self, tid: i32) {
        self.write(tid, "\n");
        self.task(tid).curcol = 0;
        self.printing = None;
    }

    /// A staged line is printed (`publish`) or dropped.
    fn unstage(&mut self, tid: i32, publish: bool) {
        let Some(text) = self.tasks.get_mut(&tid).and_then(|t| t.staged.take()) else {
            return;
        };
        if publish {
            self.write_out(tid, text.as_bytes());
        }
    }

    /// `<... NAME resumed>` when the output moved on since the call's entry.
    fn resume(&mut self, tid: i32, name: &str) {
        let t = self.task(tid);
        let reprint = std::mem::take(&mut t.reprint);
        let staged = t.staged.is_some();
        if (!self.separate() && self.printing != Some(tid) && !staged) || reprint {
            self.leader(tid);
            self.put(tid, &format!("<... {name} resumed>"));
        }
    }

    fn args_text(&self, vals: &[Value]) -> String {
        let mut s = String::new();
        for (i, v) in vals.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            v.write_text(&mut s, self.opts.decode.hex);
        }
        s
    }

    fn json_line(&mut self, tid: i32, mut obj: serde_json::Value) {
        obj["tid"] = json!(tid);
        let mut line = obj.to_string();
        line.push('\n');
        self.write_out(tid, line.as_bytes());
    }

    fn json_time(at: SystemTime) -> String {
        let d = at
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let iso = crate::output::time::iso8601_utc(d.as_secs() as i64);
        format!("{}.{:06}Z", &iso[..iso.len() - 1], d.subsec_micros())
    }

    fn json_call(&mut self, p: Pending, exit_args: Vec<Value>, ret: Option<Ret>, wall_ns: u64) {
        let name = p.regs.personality.display_name(p.regs.nr);
        let mut args: Vec<serde_json::Value> = p.entry_args.iter().map(Value::to_json).collect();
        args.extend(exit_args.iter().map(Value::to_json));
        let mut obj = json!({
            "type": "syscall",
            "time": Self::json_time(p.at),
            "pid": p.regs.tgid,
            "syscall": name,
            "args": args,
        });
        if p.regs.personality != Personality::Native {
            obj["arch"] = json!(p.regs.personality.arch_name());
        }
        match ret {
            Some(r) if r.is_error => {
                let (errno, desc) = decode::errno_text(r.val.unsigned_abs() as i32);
                obj["ret"] = json!(r.val);
                obj["errno"] = json!(errno);
                obj["error"] = json!(desc);
            }
            Some(r) => {
                obj["ret"] = match p.state.rval {
                    Rval::Fd => {
                        let target = match self.opts.decode.fds {
                            FdDecode::None => None,
                            mode => self.fds.target(p.regs.tid, r.val, mode),
                        };
                        Value::Fd { fd: r.val, target }.to_json()
                    }
                    Rval::Hex | Rval::Udec | Rval::Oct => json!(r.val as u64),
                    Rval::Dec => json!(r.val),
                };
                if let Some(n) = &p.state.note {
                    obj["ret_note"] = n.to_json();
                }
            }
            None => {
                obj["ret"] = serde_json::Value::Null;
            }
        }
        if ret.is_some() {
            obj["duration"] = json!(wall_ns as f64 / 1e9);
        }
        self.json_line(p.regs.tid, obj);
    }
}

impl Sink for Printer {
    fn event(&mut self, ev: Event) {
        match ev {
            Event::NewTask { tid, .. } => {
                self.nprocs += 1;
                self.task(tid);
            }
            Event::Exit { tid } => {
                if self.tasks.remove(&tid).is_some() {
                    self.nprocs = self.nprocs.saturating_sub(1);
                }
                if self.printing == Some(tid) {
                    self.printing = None;
                }
                if let Output::PerTask { files, .. } = &mut self.out {
                    if let Some(mut f) = files.remove(&tid) {
                        if let Err(e) = f.flush() {
                            self.error.get_or_insert(e);
                        }
                    }
                }
            }
            Event::Exec { tid, former } if former != tid => {
                // A non-leader thread execed and took the leader's tid: the leader's call is
                // never completed, the thread's execve ends as the leader's.
                let moved = self.tasks.remove(&former);
                if moved.is_some() {
                    self.nprocs = self.nprocs.saturating_sub(1);
                }
                let old = self.tasks.remove(&tid);
                let mut t = moved.unwrap_or_default();
                if let Some(p) = &mut t.pending {
                    p.regs.tid = tid;
                }
                t.curcol = old.as_ref().map_or(0, |o| o.curcol);
                self.tasks.insert(tid, t);
                if self.printing == Some(former) {
                    self.printing = Some(tid);
                }
                if !self.opts.quiet_superseded && !self.opts.json {
                    let staged = self.task(tid).staged.take();
                    self.leader(tid);
                    self.put(
                        tid,
                        &format!("+++ superseded by execve in pid {former} +++"),
                    );
                    self.end_line(tid);
                    let t = self.task(tid);
                    t.staged = staged;
                    t.reprint = true;
                }
            }
            Event::Exec { .. } | Event::Syscall { .. } => {}
        }
    }

    fn per_call(&self) -> bool {
        true
    }

    fn clock(&mut self, wall: SystemTime, mono: Duration) {
        self.clock = Some((wall, mono));
    }

    fn netlink_hint(&mut self, tid: i32, fd: i64, family: Option<i64>) {
        self.fds.hint = Some((tid, fd, family));
    }

    fn fd_hints(&mut self, tid: i32, hints: &[FdHint]) {
        self.fds.seen = Some((tid, hints.to_vec()));
    }

    fn call_entry(&mut self, regs: &CallRegs, mem: &mut dyn Memory) {
        let tid = regs.tid;
        if !(self.opts.wants)(regs.personality, regs.nr) {
            self.task(tid).pending = Some(Pending {
                regs: *regs,
                state: CallState::default(),
                entry_args: Vec::new(),
                hidden: true,
                at: self.times().0,
            });
            return;
        }
        let at = self.times().0;
        let mut state = CallState::default();
        let vals = {
            let mut c = Ctx::new(
                tid,
                regs.personality,
                regs.nr,
                regs.args,
                None,
                &self.opts.decode,
                &mut state,
                mem,
                &mut self.fds,
            );
            let mut vals = decode::decode(&mut c);
            if regs.personality == Personality::Native
                && regs.personality.syscall_name(regs.nr) == Some("rt_sigreturn")
            {
                // Its frame is at the stack pointer, which only the registers know.
                vals = vec![decode::signal::rt_sigreturn_arg(&mut c, regs.sp)];
            }
            vals
        };
        if self.opts.json {
            self.task(tid).pending = Some(Pending {
                regs: *regs,
                state,
                entry_args: vals,
                hidden: false,
                at,
            });
            return;
        }
        if self.staging() {
            self.task(tid).staged = Some(String::new());
        }
        self.leader(tid);
        let mut text = regs.personality.display_name(regs.nr).into_owned();
        text.push('(');
        text.push_str(&self.args_text(&vals));
        if state.at_exit && !vals.is_empty() && !state.sep_at_exit {
            text.push_str(", ");
        }
        self.put(tid, &text);
        self.task(tid).pending = Some(Pending {
            regs: *regs,
            state,
            entry_args: Vec::new(),
            hidden: false,
            at,
        });
    }

    fn call_exit(&mut self, tid: i32, ret: Ret, wall_ns: u64, mem: &mut dyn Memory) {
        let Some(mut p) = self.tasks.get_mut(&tid).and_then(|t| t.pending.take()) else {
            return;
        };
        if p.hidden {
            return;
        }
        let vals = if p.state.at_exit {
            let mut c = Ctx::new(
                tid,
                p.regs.personality,
                p.regs.nr,
                p.regs.args,
                Some(ret),
                &self.opts.decode,
                &mut p.state,
                mem,
                &mut self.fds,
            );
            decode::decode(&mut c)
        } else {
            Vec::new()
        };
        if self.opts.json {
            self.json_call(p, vals, Some(ret), wall_ns);
            return;
        }
        let name = p.regs.personality.display_name(p.regs.nr);
        if self.staging() {
            let st = &self.opts.statuses;
            let publish = if ret.is_error {
                st.failed
            } else {
                st.successful
            };
            if !publish {
                if let Some(t) = self.tasks.get_mut(&tid) {
                    t.staged = None;
                    t.curcol = 0;
                }
                self.printing = None;
                return;
            }
        }
        self.resume(tid, &name);
        let mut text = String::new();
        if p.state.sep_at_exit && !vals.is_empty() {
            text.push_str(", ");
        }
        text.push_str(&self.args_text(&vals));
        text.push_str(") ");
        self.put(tid, &text);
        self.tabto(tid);
        let mut text = String::from("= ");
        text.push_str(&decode::format_ret(
            ret,
            &p.state,
            &self.opts.decode,
            tid,
            &mut self.fds,
        ));
        if self.opts.syscall_times {
            text.push_str(&format!(
                " <{}.{:06}>",
                wall_ns / 1_000_000_000,
                wall_ns % 1_000_000_000 / 1000
            ));
        }
        self.put(tid, &text);
        self.end_line(tid);
        self.unstage(tid, true);
    }

    fn call_abandoned(&mut self, tid: i32, why: Abandoned) {
        let Some(p) = self.tasks.get_mut(&tid).and_then(|t| t.pending.take()) else {
            return;
        };
        if p.hidden {
            return;
        }
        if self.opts.json {
            if why != Abandoned::Detached {
                self.json_call(p, Vec::new(), None, 0);
            }
            return;
        }
        let st = self.opts.statuses;
        let name = p.regs.personality.display_name(p.regs.nr);
        match why {
            Abandoned::Detached => {
                let open = self.printing == Some(tid) || self.separate();
                if open && self.tasks.get(&tid).is_some_and(|t| t.curcol != 0) {
                    self.put(tid, " <detached ...>");
                    self.end_line(tid);
                }
                self.unstage(tid, st.detached);
            }
            Abandoned::Exiting => {
                // strace's print_event_exit: another task's open line is closed first.
                let staged = self.tasks.get(&tid).is_some_and(|t| t.staged.is_some());
                if let (false, false, Some(o)) = (self.separate(), staged, self.printing) {
                    if o != tid && self.tasks.get(&o).is_some_and(|t| t.curcol != 0) {
                        self.write_out(o, b" <unfinished ...>\n");
                        self.task(o).curcol = 0;
                        self.printing = None;
                    }
                }
                self.resume(tid, &name);
                if p.state.at_exit {
                    self.put(tid, " <unfinished ...>");
                }
                self.put(tid, ") ");
                self.tabto(tid);
                self.put(tid, "= ?");
                self.end_line(tid);
                self.unstage(tid, st.unfinished);
            }
            Abandoned::Unavailable => {
                self.resume(tid, &name);
                self.put(tid, ") ");
                self.tabto(tid);
                self.put(tid, "= ? <unavailable>");
                self.end_line(tid);
                self.unstage(tid, st.unavailable);
            }
        }
    }

    fn signal(&mut self, tid: i32, sig: Sig, siginfo: Option<&[u8; 128]>) {
        let n = sig.as_raw();
        if !(self.opts.signals)(n) {
            return;
        }
        let name = decode::signal::name(n).unwrap_or_else(|| n.to_string());
        if self.opts.json {
            let mut obj = json!({
                "type": if siginfo.is_some() { "signal" } else { "stopped" },
                "time": Self::json_time(self.times().0),
                "signal": name,
            });
            if let Some(info) = siginfo {
                obj["siginfo"] = decode::signal::siginfo(info).to_json();
            }
            self.json_line(tid, obj);
            return;
        }
        self.leader(tid);
        let text = match siginfo {
            Some(info) => format!(
                "--- {name} {} ---",
                decode::signal::siginfo(info).text(self.opts.decode.hex)
            ),
            None => format!("--- stopped by {name} ---"),
        };
        self.put(tid, &text);
        self.end_line(tid);
    }

    fn task_end(&mut self, tid: i32, end: TaskEnd) {
        let text = match end {
            TaskEnd::Exited(_) if self.opts.quiet_exit => return,
            TaskEnd::Exited(code) => {
                if self.opts.json {
                    let obj = json!({
                        "type": "exit",
                        "time": Self::json_time(self.times().0),
                        "status": code,
                    });
                    self.json_line(tid, obj);
                    return;
                }
                format!("+++ exited with {code} +++")
            }
            TaskEnd::Killed { sig, core } => {
                let n = sig.as_raw();
                if !(self.opts.signals)(n) {
                    return;
                }
                let name = decode::signal::name(n).unwrap_or_else(|| n.to_string());
                if self.opts.json {
                    let obj = json!({
                        "type": "killed",
                        "time": Self::json_time(self.times().0),
                        "signal": name,
                        "core_dumped": core,
                    });
                    self.json_line(tid, obj);
                    return;
                }
                let core = if core { "(core dumped) " } else { "" };
                format!("+++ killed by {name} {core}+++")
            }
        };
        self.leader(tid);
        self.put(tid, &text);
        self.end_line(tid);
    }

    fn idle(&mut self) {
        self.flush();
    }
}

/// Fd targets read from `/proc/TID/fd/N` (`-y`), with sockets' endpoints and devices' numbers
/// (`-yy`).
pub struct ProcFdNames {
    pub root: ProcRoot,
    /// What the backend said of an fd at the call being printed ([`Sink::netlink_hint`]):
    /// (tid, fd, netlink family).
    pub hint: Option<(i32, i64, Option<i64>)>,
    /// What the backend saw of a task's fds at the call being printed ([`Sink::fd_hints`]):
    /// used before /proc, which shows them as they are now.
    pub seen: Option<(i32, Vec<FdHint>)>,
}

impl ProcFdNames {
    /// The backend's word on `fd` of task `tid`: Some(target or none) when it saw the fd.
    fn seen(&self, tid: i32, fd: i64, mode: FdDecode) -> Option<Option<FdTarget>> {
        let (t, hints) = self.seen.as_ref()?;
        if *t != tid {
            return None;
        }
        let seen = hints.iter().find(|h| h.fd == fd)?.seen.as_ref()?;
        Some(match mode {
            FdDecode::All => seen.all.clone(),
            _ => seen.path.clone(),
        })
    }
}

impl FdNames for ProcFdNames {
    fn netlink_family(&mut self, tid: i32, fd: i64) -> Option<i64> {
        if let Some((t, f, family)) = self.hint {
            if (t, f) == (tid, fd) {
                return family;
            }
        }
        let link = self.root.pid_dir(tid).join("fd").join(fd.to_string());
        let name = crate::sys::sock_diag::sockprotoname(&link).ok()?;
        if name != b"NETLINK" {
            return None;
        }
        let target = std::fs::read_link(&link).ok()?;
        let inode = target
            .to_str()?
            .strip_prefix("socket:[")?
            .strip_suffix(']')?
            .parse::<u64>()
            .ok()?;
        let text = decode::net::socket_target(&self.root, tid, fd, inode);
        Some(text.map_or(-1, |t| decode::net::netlink_family_of(&t)))
    }

    fn cwd(&mut self, tid: i32) -> Option<FdTarget> {
        if let Some(seen) = self.seen(tid, i64::from(libc::AT_FDCWD), FdDecode::Path) {
            return seen;
        }
        let target = std::fs::read_link(self.root.pid_dir(tid).join("cwd")).ok()?;
        let path = std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str()).to_vec();
        Some(FdTarget::Path {
            path,
            deleted: false,
        })
    }

    fn target(&mut self, tid: i32, fd: i64, mode: FdDecode) -> Option<FdTarget> {
        if let Some(seen) = self.seen(tid, fd, mode) {
            return seen;
        }
        let link = self.root.pid_dir(tid).join("fd").join(fd.to_string());
        let target = std::fs::read_link(&link).ok()?;
        let mut path = std::os::unix::ffi::OsStrExt::as_bytes(target.as_os_str()).to_vec();
        if mode == FdDecode::All {
            if let Some(inode) = path
                .strip_prefix(b"socket:[")
                .and_then(|r| r.strip_suffix(b"]"))
                .and_then(|n| std::str::from_utf8(n).ok()?.parse::<u64>().ok())
            {
                if let Some(t) = decode::net::socket_target(&self.root, tid, fd, inode) {
                    return Some(FdTarget::Text(t));
                }
            }
            if path.first() == Some(&b'/') {
                use std::os::unix::fs::{FileTypeExt, MetadataExt};
                if let Ok(m) = std::fs::metadata(&link) {
                    let ft = m.file_type();
                    if ft.is_char_device() || ft.is_block_device() {
                        let rdev = m.rdev();
                        return Some(FdTarget::Dev {
                            path,
                            kind: if ft.is_char_device() { "char" } else { "block" },
                            major: libc::major(rdev),
                            minor: libc::minor(rdev),
                        });
                    }
                }
            }
        }
        let deleted = path.ends_with(b" (deleted)") && path.first() == Some(&b'/');
        if deleted {
            path.truncate(path.len() - b" (deleted)".len());
        }
        Some(FdTarget::Path { path, deleted })
    }
}
