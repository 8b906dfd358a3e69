//! Starting and attaching tracees: the spawned command (stopped before its execve, seized,
//! pinned, released), `-p` processes and all their threads (refused by name when they are
//! zombies, kernel threads or traced already), and the seccomp program as the kernel takes it.

use std::ffi::CString;

use anyhow::{bail, Context};
use nix::errno::Errno;
use nix::sys::signal::Signal;

use super::{AttachError, Tracer, FATAL_SIGNALS};
use crate::proc::root::ProcRoot;
use crate::proc::status;
use crate::sys::ptrace as pt;
use crate::sys::signal as sig;
use crate::sys::{spawn, wait};
use crate::trace::backend::Notice;
use crate::trace::placement::Placement;

pub(super) fn raise_nofile_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    if let Ok((_, hard)) = getrlimit(Resource::RLIMIT_NOFILE) {
        let _ = setrlimit(Resource::RLIMIT_NOFILE, hard, hard);
    }
}

/// The tid of the task tracing `tid`, if any.
pub(super) fn tracer_of(root: &ProcRoot, tid: i32) -> Option<i32> {
    status::read_status(root, tid).ok()?.traced_by()
}

/// The process of `tid` (itself when /proc cannot say).
pub(super) fn tgid_of(root: &ProcRoot, tid: i32) -> i32 {
    status::read_status(root, tid)
        .ok()
        .and_then(|s| s.tgid)
        .unwrap_or(tid)
}

/// The seccomp program as the kernel takes it (`struct sock_filter`).
pub(super) fn sock_filters(program: &[crate::trace::seccomp::Insn]) -> Vec<libc::sock_filter> {
    program
        .iter()
        .map(|i| libc::sock_filter {
            code: i.code,
            jt: i.jt,
            jf: i.jf,
            k: i.k,
        })
        .collect()
}

impl Tracer<'_> {
    pub(super) fn spawn(
        &mut self,
        path: &CString,
        argv: &[CString],
        envp: &[CString],
    ) -> anyhow::Result<()> {
        let mut reset: Vec<sig::Sig> = FATAL_SIGNALS.iter().map(|&s| s.into()).collect();
        reset.push(sig::wake_signal());
        reset.push(sig::LIVE_SIGNAL.into());
        let filter = self.seccomp.as_deref().map(sock_filters);
        let (pid, exec_errors) =
            spawn::spawn_stopped(path, argv, envp, &reset, filter.as_deref()).context("fork")?;
        self.exec_errors = Some(exec_errors);
        let status = wait::wait_stopped(pid).context("wait for the command to start")?;
        if !libc::WIFSTOPPED(status) {
            bail!(
                "{}: the command ended before it could be traced",
                path.to_string_lossy()
            );
        }
        if let Err(e) = pt::seize(pid, self.options) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGKILL);
            bail!("seize pid {pid}: {e}");
        }
        if self.cfg.pin {
            self.placement = Placement::start(pid, self.cfg.proc_root.clone());
        }
        self.spawned = Some(pid);
        // Stopped before its execve: pinning it now is seen by nothing.
        self.add_task(pid, pid, true);
        if let Some(t) = self.tasks.get_mut(&pid) {
            t.pre_exec = true;
        }
        let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), Signal::SIGCONT);
        Ok(())
    }

    /// [`Self::attach`], then strace's line for it: `Process N attached`, or `... attached with
    /// K threads` when -f attached more than one.
    pub(super) fn attach_announced(&mut self, pid: i32) -> Result<(), AttachError> {
        let before = self.tasks.len();
        self.attach(pid)?;
        let threads = self.tasks.len().saturating_sub(before);
        (self.notice)(if threads > 1 {
            Notice::AttachedThreads { pid, threads }
        } else {
            Notice::Attached(pid)
        });
        Ok(())
    }

    pub(super) fn attach(&mut self, pid: i32) -> Result<(), AttachError> {
        let root = &self.cfg.proc_root;
        let st = match status::read_status(root, pid) {
            Ok(st) if st.state.is_some() => st,
            _ => return Err(AttachError::NoSuchProcess(pid)),
        };
        if st.is_zombie() {
            return Err(AttachError::Zombie(pid));
        }
        if crate::proc::stat::is_kernel_thread(root, pid) {
            return Err(AttachError::KernelThread(pid));
        }
        if let Some(tracer) = st.traced_by() {
            return Err(AttachError::AlreadyTraced(pid, tracer));
        }
        let tgid = st.tgid.unwrap_or(pid);
        if self.cfg.pin && self.placement.is_none() && self.tasks.is_empty() {
            self.placement = Placement::start(pid, root.clone());
        }
        self.seize_one(pid, tgid).map_err(|e| match e {
            Errno::ESRCH => AttachError::NoSuchProcess(pid),
            Errno::EPERM => AttachError::NotPermitted(pid),
            e => AttachError::Other(pid, e),
        })?;
        if self.cfg.follow {
            // Threads may be created while we attach: repeat until a pass finds nothing new.
            // Threads created by an already seized thread are attached by the kernel (TRACECLONE)
            // and refuse a second seize with EPERM: they are ours already.
            let me = sig::gettid();
            for _ in 0..1000 {
                if sig::fatal_signal().is_some() {
                    break;
                }
                let tids = self.cfg.proc_root.tids(pid).unwrap_or_default();
                let mut new = false;
                for tid in tids {
                    if self.tasks.contains_key(&tid) {
                        continue;
                    }
                    match self.seize_one(tid, tgid) {
                        Ok(()) => new = true,
                        Err(Errno::EPERM) if tracer_of(&self.cfg.proc_root, tid) == Some(me) => {
                            self.add_task(tid, tgid, false);
                            new = true;
                        }
                        Err(_) => {}
                    }
                }
                if !new {
                    break;
                }
            }
        }
        Ok(())
    }

    fn seize_one(&mut self, tid: i32, tgid: i32) -> Result<(), Errno> {
        pt::seize(tid, self.options)?;
        self.add_task(tid, tgid, false);
        if let Err(e) = pt::interrupt(tid) {
            if e != Errno::ESRCH {
                return Err(e);
            }
        }
        Ok(())
    }
}
