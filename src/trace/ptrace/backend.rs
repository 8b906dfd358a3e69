//! The ptrace tracer as a [`Backend`]: what to trace, how, and the seccomp program, with task
//! names read from /proc/TID/comm under the tracer's [`ProcRoot`].

use super::{trace, SeccompProgram, Target, TracerConfig};
use crate::proc::root::ProcRoot;
use crate::trace::backend::{Backend, Notice, Outcome};
use crate::trace::event::{Sink, TaskNames};

/// The ptrace backend: plain values, resolved by the command layer.
#[derive(Debug, Clone)]
pub struct Ptrace {
    pub target: Target,
    pub cfg: TracerConfig,
    /// Stop only at the syscalls this program lets through (spawned commands with -f).
    pub seccomp: Option<SeccompProgram>,
}

/// Task names read from /proc/TID/comm when the counter asks (once per table, and at exec).
#[derive(Debug, Clone)]
pub struct ProcNames(pub ProcRoot);

impl TaskNames for ProcNames {
    fn comm(&mut self, tid: i32) -> Vec<u8> {
        self.0.comm(tid).unwrap_or_default()
    }

    fn container(&mut self, tgid: i32) -> Option<String> {
        crate::proc::cgroup::container_of(&self.0, tgid).map(|c| c.id)
    }
}

impl Backend for Ptrace {
    fn names(&self) -> Box<dyn TaskNames> {
        Box::new(ProcNames(self.cfg.proc_root.clone()))
    }

    fn run(
        self: Box<Self>,
        sink: &mut dyn Sink,
        notice: &mut dyn FnMut(Notice),
    ) -> anyhow::Result<Outcome> {
        let Ptrace {
            target,
            cfg,
            seccomp,
        } = *self;
        trace(target, cfg, seccomp, sink, notice)
    }
}
