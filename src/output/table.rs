//! Tables shared by the /proc subcommands. [`Grid`] lays rows out in columns two spaces apart
//! and, on a terminal, fits them to its width ([`Width`]): the long columns, which each
//! subcommand puts last, are cut with an ellipsis `…` (as ps and lsof do), `-w/--wide` and a pipe
//! print everything. [`table`]/[`write_table`] are comfy-table tables without borders, for
//! two-column tables that never need fitting. A cell shows at most [`CELL_MAX`] bytes of text
//! with a visible cut marker (a process chooses how long its cmdline and environment are); JSON
//! keeps every byte read.

use std::io::{IsTerminal, Write};

use comfy_table::{presets::NOTHING, Table};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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

/// How wide a [`Grid`] may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// Every cell in full (a pipe, a file, `-w/--wide`).
    Full,
    /// At most this many terminal columns per line.
    Columns(usize),
}

impl Width {
    /// The width for standard output: [`Width::Full`] with `wide` or when stdout is no
    /// terminal; else the terminal's width (`TIOCGWINSZ`), else `$COLUMNS`, else 80.
    pub fn stdout(wide: bool) -> Self {
        let stdout = std::io::stdout();
        if wide || !stdout.is_terminal() {
            return Width::Full;
        }
        use std::os::fd::AsFd;
        let cols = crate::sys::tty::columns(stdout.as_fd())
            .map(usize::from)
            .or_else(|| columns_env(std::env::var("COLUMNS").ok().as_deref()))
            .unwrap_or(80);
        Width::Columns(cols)
    }
}

/// `$COLUMNS` as a width, when it is a positive number.
fn columns_env(value: Option<&str>) -> Option<usize> {
    value?.trim().parse().ok().filter(|&c| c > 0)
}

/// Columns between cells.
const GAP: usize = 2;

/// The widths `natural` column widths get in `width` terminal columns (cells two spaces apart):
/// the columns of `shrink` give up width in its order, each down to its minimum, until the
/// line fits; the others keep theirs (a line that still does not fit is cut by [`Grid`]).
pub fn fit_widths(natural: &[usize], width: usize, shrink: &[(usize, usize)]) -> Vec<usize> {
    let mut widths = natural.to_vec();
    let total = |w: &[usize]| w.iter().sum::<usize>() + GAP * w.len().saturating_sub(1);
    for &(col, min) in shrink {
        let over = total(&widths).saturating_sub(width);
        if over == 0 {
            break;
        }
        if let Some(w) = widths.get_mut(col) {
            *w -= over.min(w.saturating_sub(min));
        }
    }
    widths
}

/// `text` in at most `width` terminal columns: cut with `…` in the last column when longer.
pub fn cut(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.width() <= width {
        return text.into();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out.into()
}

/// Rows in columns two spaces apart, left-aligned, trailing spaces removed; cells must already
/// be escaped. On a [`Width::Columns`] terminal the columns given to [`Grid::shrink`] are cut
/// to fit (see [`fit_widths`]), and a line that still does not fit is cut at the width.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    shrink: Vec<(usize, usize)>,
}

impl Grid {
    /// A grid with `header`.
    pub fn new(header: &[&str]) -> Self {
        Self {
            header: header.iter().map(|h| h.to_string()).collect(),
            ..Self::default()
        }
    }

    /// Lets column `col` shrink down to `min` columns (never narrower than its header), after
    /// the columns given before it.
    pub fn shrink(mut self, col: usize, min: usize) -> Self {
        let head = self.header.get(col).map_or(0, |h| h.width());
        self.shrink.push((col, min.max(head)));
        self
    }

    /// Adds a row (missing cells are empty).
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Writes the grid in `width`.
    ///
    /// # Errors
    /// Writing fails.
    pub fn write(&self, out: &mut impl Write, width: Width) -> std::io::Result<()> {
        let n = self.header.len();
        let mut natural = vec![0; n];
        for r in std::iter::once(&self.header).chain(&self.rows) {
            for (w, c) in natural.iter_mut().zip(r) {
                *w = (*w).max(c.width());
            }
        }
        let widths = match width {
            Width::Full => natural,
            Width::Columns(cols) => fit_widths(&natural, cols, &self.shrink),
        };
        let mut line = String::new();
        for r in std::iter::once(&self.header).chain(&self.rows) {
            line.clear();
            for (i, &w) in widths.iter().enumerate() {
                let c = r.get(i).map_or("", String::as_str);
                let c = match width {
                    Width::Full => c.into(),
                    Width::Columns(_) => cut(c, w),
                };
                if i > 0 {
                    line.push_str(&" ".repeat(GAP));
                }
                line.push_str(&c);
                line.push_str(&" ".repeat(w.saturating_sub(c.width())));
            }
            let text = line.trim_end();
            match width {
                Width::Full => writeln!(out, "{text}")?,
                Width::Columns(cols) => writeln!(out, "{}", cut(text, cols))?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn widths_shrink_in_order_down_to_their_minimum() {
        // 3 + 10 + 20 + 2 gaps = 37.
        let nat = [3, 10, 20];
        assert_eq!(fit_widths(&nat, 37, &[(2, 5)]), [3, 10, 20]);
        assert_eq!(fit_widths(&nat, 100, &[(2, 5)]), [3, 10, 20]);
        assert_eq!(fit_widths(&nat, 30, &[(2, 5)]), [3, 10, 13]);
        // The last column down to 5, then the middle one.
        assert_eq!(fit_widths(&nat, 20, &[(2, 5), (1, 4)]), [3, 8, 5]);
        assert_eq!(fit_widths(&nat, 10, &[(2, 5), (1, 4)]), [3, 4, 5]);
        // A column already narrower than its minimum keeps its width.
        assert_eq!(fit_widths(&[3, 2, 20], 10, &[(1, 4), (2, 3)]), [3, 2, 3]);
        // Unknown columns are ignored.
        assert_eq!(fit_widths(&nat, 30, &[(7, 1)]), [3, 10, 20]);
    }

    #[test]
    fn cells_are_cut_with_an_ellipsis_by_display_width() {
        assert_eq!(cut("abcdef", 6), "abcdef");
        assert_eq!(cut("abcdef", 5), "abcd…");
        assert_eq!(cut("abcdef", 1), "…");
        assert_eq!(cut("abcdef", 0), "");
        // Wide characters take two columns; one is never split.
        assert_eq!(cut("日本語です", 6), "日本…");
        assert_eq!(cut("日本語です", 5), "日本…");
        assert_eq!(cut("日本語です", 10), "日本語です");
    }

    fn grid() -> Grid {
        let mut g = Grid::new(&["PID", "USER", "COMMAND"]).shrink(2, 8);
        g.row(vec!["1".into(), "root".into(), "/sbin/init splash".into()]);
        g.row(vec![
            "4242".into(),
            "www-data".into(),
            "nginx: worker process".into(),
        ]);
        g.row(vec!["7".into(), "u".into()]);
        g
    }

    fn written(g: &Grid, w: Width) -> String {
        let mut out = Vec::new();
        g.write(&mut out, w).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn full_width_prints_everything() {
        let full = "PID   USER      COMMAND\n\
                    1     root      /sbin/init splash\n\
                    4242  www-data  nginx: worker process\n\
                    7     u\n";
        assert_eq!(written(&grid(), Width::Full), full);
        // 4 + 2 + 8 + 2 + 21 = 37 columns: nothing to cut.
        assert_eq!(written(&grid(), Width::Columns(37)), full);
        assert_eq!(written(&grid(), Width::Columns(200)), full);
    }

    #[test]
    fn a_terminal_cuts_the_last_column_then_the_line() {
        assert_eq!(
            written(&grid(), Width::Columns(30)),
            "PID   USER      COMMAND\n\
             1     root      /sbin/init sp…\n\
             4242  www-data  nginx: worker…\n\
             7     u\n"
        );
        // COMMAND stops at 8 columns; the lines are then cut at the width.
        let narrow = written(&grid(), Width::Columns(20));
        assert_eq!(
            narrow,
            "PID   USER      COM…\n\
             1     root      /sb…\n\
             4242  www-data  ngi…\n\
             7     u\n"
        );
        assert!(narrow.lines().all(|l| l.width() <= 20), "{narrow}");
    }

    #[test]
    fn columns_from_the_environment() {
        assert_eq!(columns_env(Some("132")), Some(132));
        assert_eq!(columns_env(Some(" 80\n")), Some(80));
        assert_eq!(columns_env(Some("0")), None);
        assert_eq!(columns_env(Some("wide")), None);
        assert_eq!(columns_env(None), None);
    }
}
