//! /proc inspection: where /proc is ([`root::ProcRoot`]), and the `fds`, `environ`, `root` and
//! `ps` subcommands. Every reader takes a [`root::ProcRoot`] so tests can use trees in fixtures/.
//!
//! Parsers ([`stat`], [`environ_parse`], [`fdinfo`], [`net`], [`container`]) work on bytes and are
//! unit-tested with literal bytes; the subcommand modules do the I/O and the rendering.
#![forbid(unsafe_code)]

pub use crate::output::bytes;
pub mod container;
pub mod environ;
pub mod environ_parse;
pub mod error;
pub mod fdinfo;
pub mod fds;
pub mod net;
pub mod process;
pub mod ps;
pub mod render;
pub mod root;
pub mod rootfs;
pub mod schedstat;
pub mod stat;
pub mod status;
pub mod target;
