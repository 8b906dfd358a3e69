//! Rendering helpers shared by subcommands: escaping untrusted bytes for terminals.
#![forbid(unsafe_code)]

pub mod sanitize;
