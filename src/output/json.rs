//! Pretty JSON documents written to an `impl Write` (the `--json` of `fds`, `environ`, `root`,
//! `ps`).

use std::io::Write;

/// Writes `value` as pretty JSON and a newline.
///
/// # Errors
/// Writing fails.
pub fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}
