//! The replay backend: turns a captured strace run (`strace -n -T --syscall-times=ns`, with or
//! without `-f`) back into the [`Event`]s the ptrace backend would have reported, so counting,
//! the per-process and per-thread keys, the exec rename and the renderers are tested end to end
//! without root or ptrace (hyperfine's `MockExecutor`). Captures are in `summary/testdata/`.
//!
//! What it reads, line by line (strace's own output, see its `printleader` and `syscall.c`):
//! - an optional task prefix: `PID ` (`-f -o FILE`) or `[pid PID] ` (`-f` on stderr); a line
//!   without one belongs to the only live task, or to the first one;
//! - the syscall number `[ NR] ` (`-n`), which with the name gives the personality;
//! - `name(args) = ret <S.NNNNNNNNN>` (one completed call), `name(args <unfinished ...>` then
//!   `<... name resumed>rest) = ret <S.NNNNNNNNN>` (one call, counted at its end), `= ?` (a call
//!   that never returned: exit_group, or the old leader's call when another thread execs);
//! - `+++ exited with N +++`, `+++ killed by SIGX +++` (the task is gone), and
//!   `+++ superseded by execve in pid F +++` (thread F execed and took this tid).
//!
//! Task ids, tgids and names: a `clone`/`clone3` with `CLONE_THREAD` makes a thread of the
//! caller's process, other clones and forks a new process; a task starts with its creator's
//! name, and a successful execve names it after the program's base name (15 bytes at most),
//! as the kernel sets comm. Times are wall-clock (`-T`); CPU time is 0.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use super::arch::Personality;
use super::backend::{Backend, ChildEnd, Notice, Outcome};
use super::event::{Event, Sink, TaskNames};
use super::stats::Completed;
use crate::sys::signal::Sig;

/// The tid given to the first task of a capture whose lines carry no pid.
pub const FIRST_TID: i32 = 1;

/// The kernel's comm length, NUL excluded (TASK_COMM_LEN - 1).
const COMM_LEN: usize = 15;

/// A capture line the replay does not understand.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("capture line {line}: {why}: {text}")]
pub struct ParseError {
    pub line: usize,
    pub why: &'static str,
    pub text: String,
}

/// One step of a replay: a name change the names see, or an event the sink gets.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Name(i32, Vec<u8>),
    Event(Event),
}

/// A parsed capture, ready to run as a [`Backend`].
#[derive(Debug, Clone)]
pub struct Replay {
    steps: Vec<Step>,
    outcome: Outcome,
    names: Rc<RefCell<HashMap<i32, Vec<u8>>>>,
}

/// Splits a capture into its per-call lines and the summary strace printed after them (what
/// follows the last `+++ exited with` / `+++ killed by` line; empty when there is none).
pub fn split_capture(text: &str) -> (&str, &str) {
    let mut end = 0;
    let mut pos = 0;
    for line in text.split_inclusive('\n') {
        pos += line.len();
        if line.contains("+++ exited with ") || line.contains("+++ killed by ") {
            end = pos;
        }
    }
    if end == 0 {
        (text, "")
    } else {
        text.split_at(end)
    }
}

/// What a line says, past its task prefix and syscall number.
#[derive(Debug, PartialEq, Eq)]
enum Body<'a> {
    /// A call that returned: its name and the text from its start (args), return and duration.
    Done {
        name: &'a str,
        args: &'a str,
        ret: &'a str,
        ns: u64,
    },
    /// The start of a call that ends on a later line.
    Unfinished {
        name: &'a str,
        args: &'a str,
    },
    /// The end of an unfinished call.
    Resumed {
        name: &'a str,
        ret: &'a str,
        ns: u64,
    },
    /// A call that did not return (`= ?`).
    NoReturn,
    Exited(i32),
    Killed(i32),
    Superseded(i32),
    /// Signals and anything else strace says between calls.
    Other,
}

struct Line<'a> {
    tid: Option<i32>,
    nr: u64,
    body: Body<'a>,
}

fn parse_line(line: &str) -> Result<Option<Line<'_>>, &'static str> {
    let (tid, rest) = if let Some(r) = line.strip_prefix("[pid ") {
        let (pid, r) = r.split_once(']').ok_or("no ] after [pid")?;
        let pid = pid.trim().parse().map_err(|_| "bad [pid N]")?;
        (Some(pid), r.trim_start())
    } else if line.starts_with(|c: char| c.is_ascii_digit()) {
        let (pid, r) = line.split_once(' ').ok_or("no space after the pid")?;
        (Some(pid.parse().map_err(|_| "bad pid prefix")?), r)
    } else {
        (None, line)
    };
    let Some(rest) = rest.strip_prefix('[') else {
        // `[ Process PID 1234 runs in 32 bit mode. ]` and other notes.
        return Ok(None);
    };
    let (nr, rest) = rest
        .split_once(']')
        .ok_or("no ] after the syscall number")?;
    let Ok(nr) = nr.trim().parse::<u64>() else {
        return Ok(None);
    };
    let rest = rest.trim_start();
    Ok(Some(Line {
        tid,
        nr,
        body: parse_body(rest)?,
    }))
}

/// `... = ret <S.NNNNNNNNN>`: the return and the duration in ns.
fn ret_and_ns(s: &str) -> Result<Option<(&str, &str, u64)>, &'static str> {
    let Some(s) = s.strip_suffix('>') else {
        return Ok(None);
    };
    let Some((call, dur)) = s.rsplit_once(" <") else {
        return Ok(None);
    };
    let (secs, nanos) = dur.split_once('.').ok_or("duration without a dot")?;
    if nanos.len() != 9 {
        return Err("duration not in ns (--syscall-times=ns)");
    }
    let ns = secs.parse::<u64>().map_err(|_| "bad duration")? * 1_000_000_000
        + nanos.parse::<u64>().map_err(|_| "bad duration")?;
    let (before, ret) = call.rsplit_once(" = ").ok_or("no return value")?;
    Ok(Some((before, ret, ns)))
}

fn parse_body(s: &str) -> Result<Body<'_>, &'static str> {
    if let Some(r) = s.strip_prefix("+++ ") {
        if let Some(code) = r.strip_prefix("exited with ") {
            let code = code.trim_end_matches(" +++").trim();
            return Ok(Body::Exited(code.parse().map_err(|_| "bad exit status")?));
        }
        if let Some(sig) = r.strip_prefix("killed by ") {
            let sig = sig.split_whitespace().next().unwrap_or("");
            let sig: nix::sys::signal::Signal = sig.parse().map_err(|_| "bad signal name")?;
            return Ok(Body::Killed(sig as i32));
        }
        if let Some(pid) = r.strip_prefix("superseded by execve in pid ") {
            let pid = pid.trim_end_matches(" +++").trim();
            return Ok(Body::Superseded(pid.parse().map_err(|_| "bad pid")?));
        }
        return Ok(Body::Other);
    }
    if s.starts_with("--- ") {
        return Ok(Body::Other);
    }
    if let Some(r) = s.strip_prefix("<... ") {
        let (name, rest) = r.split_once(" resumed>").ok_or("no resumed>")?;
        return Ok(match ret_and_ns(rest)? {
            Some((_, ret, ns)) => Body::Resumed { name, ret, ns },
            None => Body::NoReturn,
        });
    }
    let open = s.find('(').ok_or("no ( after the name")?;
    let (name, args) = (&s[..open], &s[open + 1..]);
    if let Some(args) = args.strip_suffix(" <unfinished ...>") {
        return Ok(Body::Unfinished { name, args });
    }
    Ok(match ret_and_ns(args)? {
        Some((args, ret, ns)) => Body::Done {
            name,
            args,
            ret,
            ns,
        },
        None => Body::NoReturn,
    })
}

fn is_error(ret: &str) -> bool {
    ret.starts_with("-1 E") || ret.starts_with("? ERESTART")
}

fn personality(nr: u64, name: &str) -> Option<Personality> {
    [Personality::Native, Personality::Compat32]
        .into_iter()
        .find(|p| p.syscall_name(nr) == Some(name))
        .or_else(|| name.starts_with("syscall_").then_some(Personality::Native))
}

/// The comm an execve of `args` (`"/path/prog", [...], ...`) gives: the base name, 15 bytes.
fn exec_comm(args: &str) -> Option<Vec<u8>> {
    let path = args.strip_prefix('"')?.split('"').next()?;
    let base = path.rsplit('/').next()?.as_bytes();
    Some(base[..base.len().min(COMM_LEN)].to_vec())
}

fn is_clone(name: &str) -> bool {
    matches!(name, "clone" | "clone3" | "fork" | "vfork")
}

/// State of one parse.
#[derive(Default)]
struct Parser {
    steps: Vec<Step>,
    outcome: Outcome,
    first: Option<i32>,
    live: HashSet<i32>,
    tgid: HashMap<i32, i32>,
    comm: HashMap<i32, Vec<u8>>,
    /// Children created with CLONE_THREAD (from a first pass over the clone lines), with their
    /// creator; other children are processes.
    created: HashMap<i32, (i32, bool)>,
    /// Unfinished calls: tid -> the args of the call's start.
    pending: HashMap<i32, String>,
    /// The tid an exec was already reported for (by a `superseded` line).
    exec_reported: HashSet<i32>,
}

impl Parser {
    fn emit(&mut self, ev: Event) {
        self.steps.push(Step::Event(ev));
    }

    fn rename(&mut self, tid: i32, comm: Vec<u8>) {
        self.comm.insert(tid, comm.clone());
        self.steps.push(Step::Name(tid, comm));
    }

    /// The task a line is about (see [`resolve_tids`]); one seen for the first time is announced.
    fn task(&mut self, tid: Option<i32>) -> i32 {
        let tid = tid.unwrap_or(FIRST_TID);
        self.first.get_or_insert(tid);
        if self.live.insert(tid) {
            let (tgid, comm) = match self.created.get(&tid) {
                Some(&(parent, thread)) => (
                    if thread {
                        self.tgid.get(&parent).copied().unwrap_or(parent)
                    } else {
                        tid
                    },
                    self.comm.get(&parent).cloned().unwrap_or_default(),
                ),
                None => (tid, Vec::new()),
            };
            self.tgid.insert(tid, tgid);
            self.rename(tid, comm);
            self.emit(Event::NewTask { tid, tgid });
        }
        tid
    }

    fn call(
        &mut self,
        tid: i32,
        nr: u64,
        name: &str,
        args: &str,
        ret: &str,
        ns: u64,
    ) -> Result<(), &'static str> {
        let personality = personality(nr, name).ok_or("no personality has this name and number")?;
        let is_error = is_error(ret);
        if matches!(name, "execve" | "execveat") && !is_error && !self.exec_reported.remove(&tid) {
            if let Some(comm) = exec_comm(args) {
                self.rename(tid, comm);
            }
            self.emit(Event::Exec { tid, former: tid });
        }
        let tgid = self.tgid.get(&tid).copied().unwrap_or(tid);
        self.emit(Event::Syscall {
            tid,
            tgid,
            call: Completed {
                personality,
                nr,
                is_error,
                cpu_ns: 0,
                wall_ns: ns,
            },
        });
        Ok(())
    }

    fn gone(&mut self, tid: i32, end: ChildEnd) {
        self.live.remove(&tid);
        self.pending.remove(&tid);
        self.emit(Event::Exit { tid });
        if Some(tid) == self.first {
            self.outcome.child = Some(end);
        }
    }

    fn line(&mut self, line: Line<'_>) -> Result<(), &'static str> {
        let tid = self.task(line.tid);
        match line.body {
            Body::Done {
                name,
                args,
                ret,
                ns,
            } => self.call(tid, line.nr, name, args, ret, ns)?,
            Body::Unfinished { args, .. } => {
                self.pending.insert(tid, args.to_string());
            }
            Body::Resumed { name, ret, ns } => {
                let args = self.pending.remove(&tid).unwrap_or_default();
                self.call(tid, line.nr, name, &args, ret, ns)?;
            }
            Body::NoReturn => {
                self.pending.remove(&tid);
            }
            Body::Exited(code) => self.gone(tid, ChildEnd::Exited(code)),
            Body::Killed(sig) => self.gone(tid, ChildEnd::Killed(Sig::from_raw(sig))),
            Body::Superseded(former) => {
                // Thread `former` execed and became `tid` (the leader): the leader is gone, its
                // in-flight execve moves to `tid`, and the exec is reported before its return.
                let args = self.pending.remove(&former).unwrap_or_default();
                self.live.remove(&former);
                self.tgid.remove(&former);
                self.emit(Event::Exit { tid });
                if let Some(comm) = exec_comm(&args) {
                    self.rename(tid, comm);
                }
                self.emit(Event::Exec { tid, former });
                self.pending.insert(tid, args);
                self.exec_reported.insert(tid);
            }
            Body::Other => {}
        }
        Ok(())
    }
}

fn clone_result(body: &Body<'_>) -> Option<i32> {
    match body {
        Body::Done { name, ret, .. } | Body::Resumed { name, ret, .. } if is_clone(name) => {
            ret.parse().ok().filter(|&c: &i32| c > 0)
        }
        _ => None,
    }
}

/// Gives every line its tid. strace prefixes a line with its pid only while more than one task
/// is traced (on stderr; always with `-o`), so a line without one belongs to the only live task,
/// else to the first task, whose pid is the first prefixed one no clone returned
/// ([`FIRST_TID`] when no line carries a pid).
fn resolve_tids(lines: &mut [(usize, Line<'_>)]) {
    let children: HashSet<i32> = lines
        .iter()
        .filter_map(|(_, l)| clone_result(&l.body))
        .collect();
    let first = lines
        .iter()
        .filter_map(|(_, l)| l.tid)
        .find(|t| !children.contains(t))
        .unwrap_or(FIRST_TID);
    let mut live: HashSet<i32> = HashSet::new();
    for (_, l) in lines.iter_mut() {
        let tid = l
            .tid
            .unwrap_or_else(|| match live.iter().collect::<Vec<_>>()[..] {
                [only] => *only,
                _ => first,
            });
        l.tid = Some(tid);
        live.insert(tid);
        match l.body {
            Body::Exited(_) | Body::Killed(_) => {
                live.remove(&tid);
            }
            Body::Superseded(former) => {
                live.remove(&former);
            }
            _ => {}
        }
    }
}

/// The children the clone lines of a capture create: child -> (creator, is a thread).
fn creations(lines: &[(usize, Line<'_>)]) -> HashMap<i32, (i32, bool)> {
    let mut created = HashMap::new();
    let mut started: HashMap<Option<i32>, bool> = HashMap::new();
    for (_, l) in lines {
        let (thread, ()) = match &l.body {
            Body::Done { name, args, .. } if is_clone(name) => (args.contains("CLONE_THREAD"), ()),
            Body::Unfinished { name, args } if is_clone(name) => {
                started.insert(l.tid, args.contains("CLONE_THREAD"));
                continue;
            }
            Body::Resumed { name, .. } if is_clone(name) => {
                (started.remove(&l.tid).unwrap_or(false), ())
            }
            _ => continue,
        };
        if let (Some(parent), Some(child)) = (l.tid, clone_result(&l.body)) {
            created.insert(child, (parent, thread));
        }
    }
    created
}

/// The lines of a capture without strace's `strace: Process N attached` notes. On stderr the
/// note can land in the middle of a call's line (`clone3({...}strace: Process 12 attached`, the
/// rest of the call on the next line): such a line is joined with the next.
fn join_attach_notes(lines: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut carry: Option<String> = None;
    for line in lines.lines() {
        let mut line = match carry.take() {
            Some(start) => start + line,
            None => line.to_string(),
        };
        if let Some(at) = line.find("strace: Process ") {
            if line.ends_with(" attached") {
                line.truncate(at);
                if !line.is_empty() {
                    carry = Some(line);
                }
                continue;
            }
        }
        out.push(line);
    }
    out.extend(carry);
    out
}

impl Replay {
    /// Parses the per-call lines of a capture (pass the first half of [`split_capture`]).
    ///
    /// # Errors
    /// A line that looks like a call but cannot be read, or whose name and number match no
    /// personality.
    /// Line numbers in errors count the lines left once attach notes are taken out.
    pub fn parse(lines: &str) -> Result<Replay, ParseError> {
        let err = |line: usize, why, text: &str| ParseError {
            line,
            why,
            text: text.to_string(),
        };
        let joined = join_attach_notes(lines);
        let mut parsed = Vec::new();
        for (i, text) in joined.iter().enumerate() {
            match parse_line(text) {
                Ok(Some(l)) => parsed.push((i + 1, l)),
                Ok(None) => {}
                Err(why) => return Err(err(i + 1, why, text)),
            }
        }
        resolve_tids(&mut parsed);
        let mut p = Parser {
            created: creations(&parsed),
            ..Parser::default()
        };
        for (n, l) in parsed {
            p.line(l).map_err(|why| err(n, why, &joined[n - 1]))?;
        }
        Ok(Replay {
            steps: p.steps,
            outcome: p.outcome,
            names: Rc::default(),
        })
    }

    /// The events the replay hands to a sink, in order.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        self.steps.iter().filter_map(|s| match s {
            Step::Event(e) => Some(*e),
            Step::Name(..) => None,
        })
    }
}

/// The names of a replay's tasks, as far as the replay has got.
struct ReplayNames(Rc<RefCell<HashMap<i32, Vec<u8>>>>);

impl TaskNames for ReplayNames {
    fn comm(&mut self, tid: i32) -> Vec<u8> {
        self.0.borrow().get(&tid).cloned().unwrap_or_default()
    }
}

impl Backend for Replay {
    fn names(&self) -> Box<dyn TaskNames> {
        Box::new(ReplayNames(self.names.clone()))
    }

    fn run(
        self: Box<Self>,
        sink: &mut dyn Sink,
        _notice: &mut dyn FnMut(Notice),
    ) -> anyhow::Result<Outcome> {
        for step in self.steps {
            match step {
                Step::Name(tid, comm) => {
                    self.names.borrow_mut().insert(tid, comm);
                }
                Step::Event(ev) => sink.event(ev),
            }
        }
        Ok(self.outcome)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(lines: &str) -> Vec<Event> {
        Replay::parse(lines).unwrap().events().collect()
    }

    fn nr_of(ev: &Event) -> Option<(i32, i32, u64)> {
        match ev {
            Event::Syscall { tid, tgid, call } => Some((*tid, *tgid, call.nr)),
            _ => None,
        }
    }

    #[test]
    fn one_task_without_prefixes() {
        let ev = events(concat!(
            "[  59] execve(\"/usr/bin/ls\", [\"ls\"], 0x7ffd /* 3 vars */) = 0 <0.000254154>\n",
            "[  21] access(\"/etc/ld.so.preload\", R_OK) = -1 ENOENT (No such file) <0.000000010>\n",
            "[ 231] exit_group(0)                    = ?\n",
            "[ 231] +++ exited with 0 +++\n",
        ));
        assert_eq!(
            ev[..3],
            [
                Event::NewTask {
                    tid: FIRST_TID,
                    tgid: FIRST_TID
                },
                Event::Exec {
                    tid: FIRST_TID,
                    former: FIRST_TID
                },
                Event::Syscall {
                    tid: FIRST_TID,
                    tgid: FIRST_TID,
                    call: Completed {
                        personality: Personality::Native,
                        nr: 59,
                        is_error: false,
                        cpu_ns: 0,
                        wall_ns: 254_154,
                    },
                },
            ]
        );
        assert!(
            matches!(ev[3], Event::Syscall { call, .. } if call.is_error && call.wall_ns == 10)
        );
        assert_eq!(ev[4], Event::Exit { tid: FIRST_TID });
        assert_eq!(ev.len(), 5);
    }

    #[test]
    fn pid_prefixes_threads_and_a_non_leader_exec() {
        let lines = concat!(
            "[ 435] clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x1} <unfinished ...>\n",
            "[pid   21] [ 334] rseq(0x7f, 0x20, 0, 0x53053053 <unfinished ...>\n",
            "[pid   20] [ 435] <... clone3 resumed> => {parent_tid=[21]}, 88) = 21 <0.000000100>\n",
            "[pid   21] [ 334] <... rseq resumed>)  = 0 <0.000000200>\n",
            "[pid   21] [  59] execve(\"/proc/self/exe\", [\"x\"], 0x7f /* 0 vars */ <unfinished ...>\n",
            "[pid   20] [ 230] <... clock_nanosleep resumed> <unfinished ...>) = ?\n",
            "[  59] +++ superseded by execve in pid 21 +++\n",
            "[  59] <... execve resumed>)            = 0 <0.000000300>\n",
            "[ 110] getppid()                  = 1 <0.000000400>\n",
        );
        let replay = Replay::parse(lines).unwrap();
        let ev: Vec<Event> = replay.events().collect();
        let calls: Vec<_> = ev.iter().filter_map(nr_of).collect();
        // The unprefixed first line is pid 20's (the first prefixed pid no clone returned);
        // the clone3 made a thread of 20; after the exec, 21 is 20.
        assert_eq!(
            calls,
            [(20, 20, 435), (21, 20, 334), (20, 20, 59), (20, 20, 110)]
        );
        let at = ev
            .iter()
            .position(|e| *e == Event::Exit { tid: 20 })
            .unwrap();
        assert_eq!(
            ev[at + 1],
            Event::Exec {
                tid: 20,
                former: 21
            }
        );
        assert_eq!(nr_of(&ev[at + 2]), Some((20, 20, 59)));
        // The exec names the task after the program's base name, before the Exec event.
        let names = replay.names();
        let mut sink = Vec::new();
        struct Collect<'a>(&'a mut Vec<(Event, Vec<u8>)>, Box<dyn TaskNames>);
        impl Sink for Collect<'_> {
            fn event(&mut self, ev: Event) {
                let tid = match ev {
                    Event::Exec { tid, .. } | Event::Syscall { tid, .. } => tid,
                    Event::NewTask { tid, .. } | Event::Exit { tid } => tid,
                };
                let comm = self.1.comm(tid);
                self.0.push((ev, comm));
            }
        }
        let outcome = Box::new(replay)
            .run(&mut Collect(&mut sink, names), &mut |_| {})
            .unwrap();
        assert_eq!(outcome.child, None);
        let exec = sink
            .iter()
            .find(|(e, _)| matches!(e, Event::Exec { .. }))
            .unwrap();
        assert_eq!(exec.1, b"exe");
    }

    #[test]
    fn attach_notes_are_taken_out_of_lines() {
        let lines = concat!(
            "[  56] clone(child_stack=NULL, flags=SIGCHLDstrace: Process 7 attached\n",
            ", child_tidptr=0x7f) = 7 <0.000000100>\n",
            "[pid     7] [ 110] getppid()            = 6 <0.000000200>\n",
            "[pid     7] [ 231] +++ killed by SIGKILL +++\n",
            "[ 231] +++ exited with 3 +++\n",
        );
        let replay = Replay::parse(lines).unwrap();
        let ev: Vec<Event> = replay.events().collect();
        let calls: Vec<_> = ev.iter().filter_map(nr_of).collect();
        // No pid is prefixed but the child's: the first task keeps FIRST_TID.
        assert_eq!(calls, [(FIRST_TID, FIRST_TID, 56), (7, 7, 110)]);
        assert!(ev.contains(&Event::Exit { tid: 7 }));
        let outcome = Box::new(replay)
            .run(&mut Vec::<Event>::new(), &mut |_| {})
            .unwrap();
        assert_eq!(outcome.child, Some(ChildEnd::Exited(3)));
    }

    impl Sink for Vec<Event> {
        fn event(&mut self, ev: Event) {
            self.push(ev);
        }
    }

    #[test]
    fn unknown_lines_are_errors_naming_the_line() {
        let e = Replay::parse("[  59] execve(\"x\") = 0 <0.1>\n").unwrap_err();
        assert_eq!(e.line, 1);
        assert_eq!(e.why, "duration not in ns (--syscall-times=ns)");
        let e = Replay::parse("[  59] getppid() = 0 <0.000000001>\n").unwrap_err();
        assert_eq!(e.why, "no personality has this name and number");
    }

    #[test]
    fn split_at_the_last_exit() {
        let (lines, summary) =
            split_capture("a\n+++ exited with 0 +++\nb\n+++ exited with 1 +++\n% time\n");
        assert_eq!(
            lines,
            "a\n+++ exited with 0 +++\nb\n+++ exited with 1 +++\n"
        );
        assert_eq!(summary, "% time\n");
    }
}
