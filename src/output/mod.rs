//! Rendering helpers shared by subcommands: untrusted bytes kept lossless for JSON ([`bytes`])
//! and escaped for terminals ([`sanitize`]).
#![forbid(unsafe_code)]

pub mod bytes;
pub mod sanitize;
