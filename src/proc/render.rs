//! Rendering shared by the /proc subcommands: comfy-table tables without borders and pretty JSON,
//! both written to an `impl Write`.

use std::io::Write;

use comfy_table::{presets::NOTHING, Table};

/// A borderless table with `header`.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(NOTHING).set_header(header.to_vec());
    t
}

/// Writes `table`, one line per row, trailing spaces removed. Cells must already be escaped.
///
/// # Errors
/// Writing fails (a closed pipe is handled by the binary).
pub fn write_table(out: &mut impl Write, table: &Table) -> std::io::Result<()> {
    for line in table.lines() {
        let line = line.trim_end();
        writeln!(out, "{}", line.strip_prefix(' ').unwrap_or(line))?;
    }
    Ok(())
}

/// Writes `value` as pretty JSON and a newline.
///
/// # Errors
/// Writing fails.
pub fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}
