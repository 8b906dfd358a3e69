//! `ksec grep-secret` (not built yet: see the grep-secret issue).
#![forbid(unsafe_code)]

use crate::cli::GrepSecretArgs;
use crate::Exit;

/// Runs the subcommand.
///
/// # Errors
/// Always, until it is built.
pub fn run(_args: GrepSecretArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("grep-secret is not built yet")
}
