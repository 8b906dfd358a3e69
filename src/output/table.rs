//! Tables shared by the /proc subcommands: comfy-table tables without borders, written to an
//! `impl Write` one line per row. A table cell shows at most [`CELL_MAX`] bytes of text with
//! a visible cut marker (comfy-table's layout time grows with the square of a cell's length, and
//! a process chooses how long its cmdline and environment are); JSON keeps every byte read.

use std::io::Write;

use comfy_table::{presets::NOTHING, Table};

/// The most escaped text a table cell shows.
pub const CELL_MAX: usize = 16 << 10;

/// Untrusted `bytes` escaped for a table cell, cut after [`CELL_MAX`] bytes of text with a
/// marker saying how much of how much is shown.
pub fn cell(bytes: &[u8]) -> String {
    let (mut text, used) = crate::output::sanitize::escape_bytes_limited(bytes, CELL_MAX);
    if used < bytes.len() {
        use std::fmt::Write;
        let _ = write!(
            text,
            " ... (cut: {used} of {} bytes shown; --json shows all)",
            bytes.len()
        );
    }
    text
}

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

#[cfg(test)]
mod tests {
    use super::{cell, CELL_MAX};

    #[test]
    fn long_cells_are_cut_with_a_marker() {
        assert_eq!(cell(b"a\x1bb"), "a\\x1bb");
        let long = vec![b'x'; CELL_MAX + 10];
        let c = cell(&long);
        assert_eq!(
            c,
            format!(
                "{} ... (cut: {CELL_MAX} of {} bytes shown; --json shows all)",
                "x".repeat(CELL_MAX),
                CELL_MAX + 10
            )
        );
        assert_eq!(cell(&long[..CELL_MAX]), "x".repeat(CELL_MAX));
    }
}
