//! POSIX extended regular expressions, as glibc's regcomp reads them (strace's `/regex` set
//! elements use regcomp with REG_EXTENDED | REG_NOSUB), translated into the regex crate's syntax.

/// Rewrites a POSIX extended regex (as glibc's regcomp reads it with REG_EXTENDED) into the regex
/// crate's syntax, where the two read the same text differently. Outside brackets, `\` makes the
/// next character literal, except glibc's own escapes `\w \W \s \S \b \B \< \>`, and `` \` ``
/// and `\'` (start and end): `\d` is `d`. Inside brackets `\` is a plain character and `[`
/// opens only `[:class:]` (the regex crate would read an escape and a nested class), and `&`
/// and `~` are plain (the crate's set operators). Everything else is kept, so patterns glibc
/// rejects mostly fail here too, with the regex crate's message.
///
/// # Errors
/// Back-references (`\1` to `\9`), which glibc has and the regex crate does not.
pub(super) fn posix_to_rust(pattern: &str) -> Result<String, String> {
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('w' | 'W' | 's' | 'S' | 'b' | 'B' | '<' | '>')) => {
                    out.push('\\');
                    out.push(e);
                }
                Some(d @ '1'..='9') => {
                    return Err(format!(
                        "regcomp: {pattern}: back-reference \\{d} is not supported by ksec"
                    ))
                }
                Some('`') => out.push_str("\\A"),
                Some('\'') => out.push_str("\\z"),
                Some(e) => out.push_str(&regex::escape(e.encode_utf8(&mut [0; 4]))),
                // glibc: "Trailing backslash"; the regex crate fails on it too.
                None => out.push('\\'),
            },
            '[' => {
                out.push('[');
                if chars.next_if_eq(&'^').is_some() {
                    out.push('^');
                }
                // A `]` first in the list is a member.
                if chars.next_if_eq(&']').is_some() {
                    out.push_str("\\]");
                }
                while let Some(b) = chars.next() {
                    match b {
                        ']' => {
                            out.push(']');
                            break;
                        }
                        '[' if chars.peek() == Some(&':') => {
                            // [:class:], copied whole
                            out.push('[');
                            for k in chars.by_ref() {
                                out.push(k);
                                if k == ']' {
                                    break;
                                }
                            }
                        }
                        '\\' | '[' | '&' | '~' => {
                            out.push('\\');
                            out.push(b);
                        }
                        _ => out.push(b),
                    }
                }
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// strace's `regcomp: PATTERN: MESSAGE`, with the regex crate's message in place of glibc's.
pub(super) fn regcomp_error(pattern: &str, err: &regex::Error) -> String {
    let msg = err.to_string();
    let short = msg
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or(msg.as_str())
        .to_string();
    format!("regcomp: {pattern}: {short}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_dialect_in_the_regex_crate_syntax() {
        assert_eq!(posix_to_rust(r"^\d").unwrap(), "^d");
        assert_eq!(posix_to_rust(r"\<read\>").unwrap(), r"\<read\>");
        assert_eq!(posix_to_rust(r"\`get\'").unwrap(), r"\Aget\z");
        assert_eq!(posix_to_rust(r"\.").unwrap(), r"\.");
        assert_eq!(posix_to_rust(r"[\d]").unwrap(), r"[\\d]");
        assert_eq!(posix_to_rust(r"[]a]").unwrap(), r"[\]a]");
        assert_eq!(posix_to_rust(r"[^]a-z_]").unwrap(), r"[^\]a-z_]");
        assert_eq!(posix_to_rust(r"[a&&b]").unwrap(), r"[a\&\&b]");
        assert_eq!(posix_to_rust(r"[[:digit:]]$").unwrap(), r"[[:digit:]]$");
        assert!(posix_to_rust(r"(a)\1").is_err());
    }

    #[test]
    fn errors_in_strace_words() {
        let pattern = String::from("(");
        let err = regex::Regex::new(&pattern).unwrap_err();
        assert!(regcomp_error("(", &err).starts_with("regcomp: (: "));
    }
}
