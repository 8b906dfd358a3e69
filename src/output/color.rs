//! Colour on terminals: whether to use it (`--color auto|always|never`, as ripgrep's, with the
//! `NO_COLOR` convention of <https://no-color.org> and `TERM=dumb`), and the few SGR sequences
//! ksec writes. Untrusted bytes are escaped before they are painted, so the only escape
//! sequences in the output are these.

/// `--color`: when to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum When {
    /// When the output is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always, whatever the output and the environment say.
    Always,
    /// Never.
    Never,
}

/// Whether to colour an output that is (`is_terminal`) or is not a terminal, given `no_color`
/// (the value of `NO_COLOR`) and `term` (the value of `TERM`). Pure, for tests; see [`enabled`].
pub fn decide(when: When, is_terminal: bool, no_color: Option<&str>, term: Option<&str>) -> bool {
    match when {
        When::Always => true,
        When::Never => false,
        When::Auto => is_terminal && no_color.is_none_or(str::is_empty) && term != Some("dumb"),
    }
}

/// [`decide`] with this process's `NO_COLOR` and `TERM`.
pub fn enabled(when: When, is_terminal: bool) -> bool {
    let no_color = std::env::var("NO_COLOR").ok();
    let term = std::env::var("TERM").ok();
    decide(when, is_terminal, no_color.as_deref(), term.as_deref())
}

/// Bold red, for a match (ripgrep's default match colour).
pub const MATCH: &str = "\x1b[1;31m";
/// Bold, for a finding's header.
pub const BOLD: &str = "\x1b[1m";
/// Back to the terminal's defaults.
pub const RESET: &str = "\x1b[0m";
/// Erase from the cursor to the end of the line (after `\r`: the whole line).
pub const CLEAR_LINE: &str = "\x1b[K";

/// `text` between `style` and [`RESET`] when `on`, else `text` as is.
pub fn paint(on: bool, style: &str, text: &str) -> String {
    if on && !text.is_empty() {
        format!("{style}{text}{RESET}")
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_terminal_no_color_and_term() {
        assert!(decide(When::Auto, true, None, Some("xterm-256color")));
        assert!(decide(When::Auto, true, Some(""), None));
        assert!(!decide(When::Auto, false, None, Some("xterm")));
        assert!(!decide(When::Auto, true, Some("1"), Some("xterm")));
        assert!(!decide(When::Auto, true, None, Some("dumb")));
        assert!(decide(When::Always, false, Some("1"), Some("dumb")));
        assert!(!decide(When::Never, true, None, Some("xterm")));
    }

    #[test]
    fn paint_wraps_only_when_on() {
        assert_eq!(paint(true, MATCH, "abc"), "\x1b[1;31mabc\x1b[0m");
        assert_eq!(paint(false, MATCH, "abc"), "abc");
        assert_eq!(paint(true, MATCH, ""), "");
    }
}
