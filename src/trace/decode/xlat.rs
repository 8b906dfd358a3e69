//! Constant tables and their printing, as strace's xlat: a table is a list of (value, name)
//! built from libc's constants with [`xlat!`](crate::xlat) (`xlat![O_CLOEXEC, O_NONBLOCK]`), so
//! the numbers are libc's and the names typed once. A value a table does not name prints as
//! strace prints it: flags with the unknown rest in hex (`O_RDONLY|0x400000`), an enumeration
//! as `0x1234 /* F_??? */`.
#![forbid(unsafe_code)]

use super::Value;

/// A table: (value, name) pairs.
pub type Table = [(u64, &'static str)];

/// A table of libc constants named as in C: `xlat![AT_EMPTY_PATH, AT_SYMLINK_NOFOLLOW]`; an
/// entry libc lacks, or whose name is not its constant's, is a `(value, "NAME")` pair among
/// them: `xlat![IP_CHECKSUM, (26, "IP_RECVERR_RFC4884")]`. Values are cast to `u64` (negative
/// ones sign-extend: compare with `as i32 as u64` then).
#[macro_export]
macro_rules! xlat {
    (@one $c:ident) => {
        (libc::$c as u64, stringify!($c))
    };
    (@one ($v:expr, $n:expr $(,)?)) => {
        (($v) as u64, $n)
    };
    ($($e:tt),* $(,)?) => {
        &[$($crate::xlat!(@one $e)),*]
    };
}

/// The name `table` gives `v`.
pub fn name(v: u64, table: &Table) -> Option<&'static str> {
    table.iter().find(|(x, _)| *x == v).map(|(_, n)| *n)
}

/// An enumerated value: its name, else `v` in hex with strace's `/* PREFIX??? */` comment
/// (`unknown` is that comment's text, `"F_???"`).
pub fn enumerated(v: u64, table: &Table, unknown: &str) -> Value {
    match name(v, table) {
        Some(n) => Value::sym(n),
        None => Value::Comment(Box::new(Value::Hex(v)), unknown.to_string()),
    }
}

/// An enumerated value that prints as a decimal number when the table does not know it.
pub fn enumerated_dec(v: i64, table: &Table, unknown: &str) -> Value {
    match name(v as u64, table) {
        Some(n) => Value::sym(n),
        None => Value::Comment(Box::new(Value::Int(v)), unknown.to_string()),
    }
}

/// Flags: the names of the bits `table` names, in table order, then the rest in hex; `0`
/// prints as the table's name for 0 if it has one, else `0`.
pub fn flags(v: u64, table: &Table) -> Value {
    Value::Flags(flag_names(v, table))
}

/// The names of [`flags`], as a list (for combining with a leading enumerated part).
pub fn flag_names(v: u64, table: &Table) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = v;
    if v == 0 {
        if let Some(n) = name(0, table) {
            names.push(n.to_string());
        }
        return names;
    }
    for &(bit, n) in table {
        if bit != 0 && rest & bit == bit {
            names.push(n.to_string());
            rest &= !bit;
        }
    }
    if rest != 0 {
        names.push(format!("{rest:#x}"));
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::decode::HexStr;

    #[test]
    fn flags_and_enumerations_print_as_strace_does() {
        let t: &Table = crate::xlat![AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH];
        assert_eq!(
            flags(0x1100, t).text(HexStr::None),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH"
        );
        assert_eq!(
            flags(0x1101, t).text(HexStr::None),
            "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH|0x1"
        );
        assert_eq!(flags(0, t).text(HexStr::None), "0");
        let t: &Table = crate::xlat![F_GETFD, F_SETFD];
        let mixed: &Table = crate::xlat![F_GETFD, (99, "F_NINETY_NINE")];
        assert_eq!(mixed, &[(1, "F_GETFD"), (99, "F_NINETY_NINE")]);
        assert_eq!(enumerated(1, t, "F_???").text(HexStr::None), "F_GETFD");
        assert_eq!(
            enumerated(99, t, "F_???").text(HexStr::None),
            "0x63 /* F_??? */"
        );
    }
}
