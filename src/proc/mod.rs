//! /proc inspection: where /proc is ([`root::ProcRoot`]), and the `fds`, `environ`, `root` and
//! `ps` subcommands. Every reader takes a [`root::ProcRoot`] so tests can use trees in fixtures/.
#![forbid(unsafe_code)]

pub mod environ;
pub mod fds;
pub mod ps;
pub mod root;
pub mod rootfs;
pub mod target;
