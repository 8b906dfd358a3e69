//! `ksec fds` (not built yet: see the /proc inspector issue).

use crate::cli::FdsArgs;
use crate::Exit;

/// Runs the subcommand.
///
/// # Errors
/// Always, until it is built.
pub fn run(_args: FdsArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("this subcommand is not built yet")
}
