//! `ksec grep-secret`: search what processes hold open, their environment and their memory, for
//! a pattern or for secrets found by built-in detectors.
#![forbid(unsafe_code)]

pub mod detectors;
pub mod scan;
pub mod strings;

use crate::cli::GrepSecretArgs;
use crate::Exit;

/// Runs the subcommand.
///
/// # Errors
/// Always, until it is built.
pub fn run(_args: GrepSecretArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("grep-secret is not built yet")
}
