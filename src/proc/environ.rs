//! `ksec environ` (not built yet: see the /proc inspector issue).

use crate::cli::EnvironArgs;
use crate::Exit;

/// Runs the subcommand.
///
/// # Errors
/// Always, until it is built.
pub fn run(_args: EnvironArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("this subcommand is not built yet")
}
