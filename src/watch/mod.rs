//! `ksec watch`'s machinery: event sources that see what every process on the node does (eBPF,
//! and a fallback on the proc connector and fanotify), and the process and container context that
//! turns their raw events into events with Falco's fields ([`crate::rules::fields::Event`]).

pub mod container;
pub mod context;
pub mod dns;
pub mod ebpf;
pub mod event;
pub mod fallback;
pub mod fields;
pub mod live;
pub mod output;
