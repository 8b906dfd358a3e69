//! The Falco rule language, pure: rules files (`list`, `macro`, `rule`, with `append`,
//! `override`, `exceptions`) loaded with Falco's loader semantics and diagnostics, conditions
//! parsed and evaluated against any [`fields::Event`], outputs formatted with Falco's field
//! names. Nothing here reads the kernel or /proc: `ksec watch` (src/watch/) turns what the node
//! does into events; tests use literal YAML and synthetic events, as Falco's own tests do.

pub mod fields;
