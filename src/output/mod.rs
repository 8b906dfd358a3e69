//! Rendering helpers shared by subcommands: untrusted bytes kept lossless for JSON ([`bytes`])
//! and escaped for terminals ([`sanitize`]), borderless tables with capped cells ([`table`]) and
//! pretty JSON documents ([`json`]), UTC dates ([`time`]), all written to an `impl Write`; and
//! whether and how to colour a terminal ([`color`]).
#![forbid(unsafe_code)]

pub mod bytes;
pub mod color;
pub mod json;
pub mod sanitize;
pub mod table;
pub mod time;
