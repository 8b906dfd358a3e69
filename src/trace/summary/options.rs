//! Parsers of `-S`, `-U` and `-O`, accepting what strace accepts and failing with strace's
//! messages (`src/count.c`: `set_sortby`, `set_count_summary_columns`; `src/util.c`: `parse_ts`).

use super::{Column, SortKey};

/// One spelling of a column, as strace's `column_aliases[]` lists them; `None` is `none`.
///
/// The order matters only for reading: each spelling appears once. Note that `time` is the
/// percentage column (as in strace), not the seconds column.
const ALIASES: &[(&str, Option<Column>)] = &[
    ("time", Some(Column::TimePercent)),
    ("time_percent", Some(Column::TimePercent)),
    ("time-percent", Some(Column::TimePercent)),
    ("time_total", Some(Column::TotalTime)),
    ("time-total", Some(Column::TotalTime)),
    ("total_time", Some(Column::TotalTime)),
    ("total-time", Some(Column::TotalTime)),
    ("min_time", Some(Column::MinTime)),
    ("min-time", Some(Column::MinTime)),
    ("shortest", Some(Column::MinTime)),
    ("time_min", Some(Column::MinTime)),
    ("time-min", Some(Column::MinTime)),
    ("longest", Some(Column::MaxTime)),
    ("max_time", Some(Column::MaxTime)),
    ("max-time", Some(Column::MaxTime)),
    ("time_max", Some(Column::MaxTime)),
    ("time-max", Some(Column::MaxTime)),
    ("avg_time", Some(Column::AvgTime)),
    ("avg-time", Some(Column::AvgTime)),
    ("time_avg", Some(Column::AvgTime)),
    ("time-avg", Some(Column::AvgTime)),
    ("calls", Some(Column::Calls)),
    ("count", Some(Column::Calls)),
    ("error", Some(Column::Errors)),
    ("errors", Some(Column::Errors)),
    ("name", Some(Column::Name)),
    ("syscall", Some(Column::Name)),
    ("syscall_name", Some(Column::Name)),
    ("syscall-name", Some(Column::Name)),
    ("wall_total", Some(Column::WallTotal)),
    ("wall-total", Some(Column::WallTotal)),
    ("total_wall", Some(Column::WallTotal)),
    ("total-wall", Some(Column::WallTotal)),
    ("wall_min", Some(Column::WallMin)),
    ("wall-min", Some(Column::WallMin)),
    ("min_wall", Some(Column::WallMin)),
    ("min-wall", Some(Column::WallMin)),
    ("wall_max", Some(Column::WallMax)),
    ("wall-max", Some(Column::WallMax)),
    ("max_wall", Some(Column::WallMax)),
    ("max-wall", Some(Column::WallMax)),
    ("wall_avg", Some(Column::WallAvg)),
    ("wall-avg", Some(Column::WallAvg)),
    ("avg_wall", Some(Column::WallAvg)),
    ("avg-wall", Some(Column::WallAvg)),
    // ksec's percentile columns (not strace's).
    ("p50", Some(Column::P50)),
    ("p50_time", Some(Column::P50)),
    ("p50-time", Some(Column::P50)),
    ("p90", Some(Column::P90)),
    ("p90_time", Some(Column::P90)),
    ("p90-time", Some(Column::P90)),
    ("p99", Some(Column::P99)),
    ("p99_time", Some(Column::P99)),
    ("p99-time", Some(Column::P99)),
    ("none", None),
    ("nothing", None),
];

fn lookup(name: &str) -> Option<Option<Column>> {
    ALIASES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c)
}

/// Parses `-S KEY`. Every spelling strace accepts for a column is a sort key (`time-percent`,
/// `syscall-name`, `wall_avg`, ...); `none` and `nothing` keep syscall-number order.
///
/// # Errors
/// An unknown key, with strace's message: `invalid sortby: 'foo'`.
pub fn parse_sort_key(s: &str) -> Result<SortKey, String> {
    let column = lookup(s).ok_or_else(|| format!("invalid sortby: '{s}'"))?;
    Ok(match column {
        None => SortKey::None,
        Some(Column::TimePercent | Column::TotalTime) => SortKey::Time,
        Some(Column::MinTime) => SortKey::MinTime,
        Some(Column::MaxTime) => SortKey::MaxTime,
        Some(Column::AvgTime) => SortKey::AvgTime,
        Some(Column::Calls) => SortKey::Calls,
        Some(Column::Errors) => SortKey::Errors,
        Some(Column::Name) => SortKey::Name,
        Some(Column::WallTotal) => SortKey::WallTotal,
        Some(Column::WallMin) => SortKey::WallMin,
        Some(Column::WallMax) => SortKey::WallMax,
        Some(Column::WallAvg) => SortKey::WallAvg,
        Some(Column::P50) => SortKey::P50,
        Some(Column::P90) => SortKey::P90,
        Some(Column::P99) => SortKey::P99,
    })
}

/// Parses `-U COLUMNS`: a comma-separated list of column names (either `_` or `-` spellings and
/// strace's aliases). [`Column::Name`] is appended when missing.
///
/// # Errors
/// With strace's messages: an unknown or empty name (`unknown column name: 'foo'`; `none` is not a
/// column), or a column given twice (`call summary column has been provided more than once:
/// 'count' (-U option residual: 'count,name')`, the residual being the list from the repeated
/// name on).
pub fn parse_columns(s: &str) -> Result<Vec<Column>, String> {
    let mut columns: Vec<Column> = Vec::new();
    let mut rest = s;
    loop {
        let (item, next) = match rest.find(',') {
            Some(i) => (&rest[..i], Some(&rest[i + 1..])),
            None => (rest, None),
        };
        let column = match lookup(item) {
            Some(Some(c)) => c,
            _ => return Err(format!("unknown column name: '{item}'")),
        };
        if columns.contains(&column) {
            return Err(format!(
                "call summary column has been provided more than once: '{item}' \
                 (-U option residual: '{rest}')"
            ));
        }
        columns.push(column);
        match next {
            Some(n) => rest = n,
            None => break,
        }
    }
    if !columns.contains(&Column::Name) {
        columns.push(Column::Name);
    }
    Ok(columns)
}

const NS_IN_S: u64 = 1_000_000_000;

/// Parses `-O OVERHEAD` as strace's `parse_ts` does, returning nanoseconds.
///
/// A number with an optional unit `s`, `ms`, `us` or `ns` (microseconds without one); the unit
/// follows the number directly. An integer (`+` sign and leading white space allowed, at most
/// `i64::MAX`) must be followed by nothing or a unit starting with a lowercase `s`, `m`, `u` or `n`
/// (the rest of the unit is case-insensitive: `5mS`). A decimal number (`1.5ms`, `2e3ns`, `.5`,
/// `-0`) may use any case (`1.5MS`); it is truncated to whole nanoseconds, the way strace does it
/// (`1.9999999999ns` is 1 ns). Values too large for `u64` nanoseconds saturate.
///
/// Differences from strace 6.1: `-nan` (accepted there, giving a garbage overhead) is rejected.
///
/// # Errors
/// Anything else, with strace's message: `invalid -O argument: 'foo'`.
pub fn parse_overhead(s: &str) -> Result<u64, String> {
    parse_ts(s).ok_or_else(|| format!("invalid -O argument: '{s}'"))
}

fn parse_ts(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let float_len = b
        .iter()
        .take_while(|c| b"eE.-+0123456789".contains(c))
        .count();
    let int_len = b.iter().take_while(|c| b"+0123456789".contains(c)).count();

    if float_len > int_len {
        let (v, end) = strtod(s)?;
        // strace: `if (float_val < 0) return -1;` (-0.0 passes).
        if v < 0.0 || v.is_nan() {
            return None;
        }
        let scale = timescale(&s[end..])?;
        let div = (NS_IN_S / scale) as i64;
        // C: tv_sec = float_val / div (truncated to time_t);
        //    tv_nsec = (uint64_t) ((float_val - tv_sec * div) * scale) % NS_IN_S.
        let sec = (v / div as f64) as i64;
        let rem = (v - sec as f64 * div as f64) * scale as f64;
        let nsec = (rem as u64) % NS_IN_S;
        Some((sec as u64).saturating_mul(NS_IN_S).saturating_add(nsec))
    } else {
        let (val, end) = strtoll(s)?;
        if val < 0 {
            return None;
        }
        let rest = &s[end..];
        if let Some(c) = rest.bytes().next() {
            if !b"smun".contains(&c) {
                return None;
            }
        }
        let scale = timescale(rest)?;
        let div = NS_IN_S / scale;
        let val = val as u64;
        Some(
            (val / div)
                .saturating_mul(NS_IN_S)
                .saturating_add((val % div) * scale),
        )
    }
}

/// strace's `str2timescale_sfx`: nanoseconds per unit; no unit means microseconds.
fn timescale(unit: &str) -> Option<u64> {
    const UNITS: [(&str, u64); 4] = [("s", NS_IN_S), ("ms", 1_000_000), ("us", 1_000), ("ns", 1)];
    if unit.is_empty() {
        return Some(1_000);
    }
    UNITS
        .iter()
        .find(|(u, _)| u.eq_ignore_ascii_case(unit))
        .map(|(_, scale)| *scale)
}

/// C's `isspace` in the C locale.
fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// `strtoll(s, &end, 10)` with strace's `string_to_uint_ex` checks: the value and the byte
/// offset of the end, or `None` when nothing was converted or the value overflowed.
fn strtoll(s: &str) -> Option<(i64, usize)> {
    let b = s.as_bytes();
    let mut i = b.iter().take_while(|c| is_c_space(**c)).count();
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let mut val: i64 = 0;
    for &c in &b[i..i + digits] {
        let d = i64::from(c - b'0');
        val = if negative {
            val.checked_mul(10)?.checked_sub(d)?
        } else {
            val.checked_mul(10)?.checked_add(d)?
        };
    }
    Some((val, i + digits))
}

/// The prefix of `s` that glibc's `strtod` converts, for the strings that reach it in
/// `parse_ts` (they start with one of `eE.-+0123456789`, so there is no leading space): the value
/// and the end offset, or `None` when nothing is converted or the result is out of range
/// (`ERANGE`: overflow, or a non-zero number that underflows to zero or a subnormal).
///
/// `inf` and `nan` are not converted (`None`); in `parse_ts` they can only arrive negated, and
/// `-inf` fails there anyway. Hexadecimal numbers can only arrive negated too; only their zero
/// (`-0x0`, `-0x0.0p3`) passes strace's sign check, and only that is converted here.
fn strtod(s: &str) -> Option<(f64, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    let negative = match b.first() {
        Some(b'-') => {
            i = 1;
            true
        }
        Some(b'+') => {
            i = 1;
            false
        }
        _ => false,
    };
    // Hexadecimal: 0x followed by at least one hex digit (possibly after the point).
    if b.len() > i + 1 && b[i] == b'0' && (b[i + 1] | 0x20) == b'x' {
        if let Some((nonzero, end)) = hex_float(b, i + 2) {
            if nonzero {
                // A non-zero hex float: negative if the sign says so, rejected either way by the
                // caller for negative; a positive one cannot reach here (see above).
                return if negative { Some((-1.0, end)) } else { None };
            }
            return Some((if negative { -0.0 } else { 0.0 }, end));
        }
        // Only "0" converts; the end is at the 'x'.
        return Some((if negative { -0.0 } else { 0.0 }, i + 1));
    }
    let int_digits = b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    let mut j = i + int_digits;
    let mut frac_digits = 0;
    if b.get(j) == Some(&b'.') {
        frac_digits = b[j + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if int_digits + frac_digits > 0 {
            j += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let mantissa_nonzero = b[i..j].iter().any(|c| (b'1'..=b'9').contains(c));
    if matches!(b.get(j), Some(b'e' | b'E')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let exp_digits = b[k..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            j = k + exp_digits;
        }
    }
    let v: f64 = s[..j].parse().ok()?;
    if v.is_infinite() || (mantissa_nonzero && (v == 0.0 || v.is_subnormal())) {
        return None;
    }
    Some((v, j))
}

/// The hex mantissa (and binary exponent) starting at `start` (after `0x`): whether any digit is
/// non-zero, and the end offset; `None` when there is no hex digit.
fn hex_float(b: &[u8], start: usize) -> Option<(bool, usize)> {
    let int_digits = b[start..]
        .iter()
        .take_while(|c| c.is_ascii_hexdigit())
        .count();
    let mut j = start + int_digits;
    let mut frac_digits = 0;
    if b.get(j) == Some(&b'.') {
        frac_digits = b[j + 1..]
            .iter()
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        if int_digits + frac_digits > 0 {
            j += 1 + frac_digits;
        }
    }
    if int_digits + frac_digits == 0 {
        return None;
    }
    let nonzero = b[start..j]
        .iter()
        .any(|c| c.is_ascii_hexdigit() && *c != b'0');
    if matches!(b.get(j), Some(b'p' | b'P')) {
        let mut k = j + 1;
        if matches!(b.get(k), Some(b'+' | b'-')) {
            k += 1;
        }
        let exp_digits = b[k..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp_digits > 0 {
            j = k + exp_digits;
        }
    }
    Some((nonzero, j))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_and_aliases() {
        let cases: &[(&[&str], SortKey)] = &[
            (
                &[
                    "time",
                    "time_percent",
                    "time-percent",
                    "time_total",
                    "time-total",
                    "total_time",
                    "total-time",
                ],
                SortKey::Time,
            ),
            (
                &["min_time", "min-time", "shortest", "time_min", "time-min"],
                SortKey::MinTime,
            ),
            (
                &["max_time", "max-time", "longest", "time_max", "time-max"],
                SortKey::MaxTime,
            ),
            (
                &["avg_time", "avg-time", "time_avg", "time-avg"],
                SortKey::AvgTime,
            ),
            (&["calls", "count"], SortKey::Calls),
            (&["errors", "error"], SortKey::Errors),
            (
                &["name", "syscall", "syscall_name", "syscall-name"],
                SortKey::Name,
            ),
            (&["none", "nothing"], SortKey::None),
            (
                &["wall_total", "wall-total", "total_wall", "total-wall"],
                SortKey::WallTotal,
            ),
            (
                &["wall_min", "wall-min", "min_wall", "min-wall"],
                SortKey::WallMin,
            ),
            (
                &["wall_max", "wall-max", "max_wall", "max-wall"],
                SortKey::WallMax,
            ),
            (
                &["wall_avg", "wall-avg", "avg_wall", "avg-wall"],
                SortKey::WallAvg,
            ),
            (&["p50", "p50_time", "p50-time"], SortKey::P50),
            (&["p90", "p90_time", "p90-time"], SortKey::P90),
            (&["p99", "p99_time", "p99-time"], SortKey::P99),
        ];
        for (names, key) in cases {
            for n in *names {
                assert_eq!(parse_sort_key(n), Ok(*key), "{n}");
            }
            assert_eq!(parse_sort_key(key.name()), Ok(*key));
        }
        assert_eq!(SortKey::default(), SortKey::Time);
    }

    #[test]
    fn sort_key_errors_are_stracess() {
        assert_eq!(parse_sort_key("foo"), Err("invalid sortby: 'foo'".into()));
        assert_eq!(parse_sort_key(""), Err("invalid sortby: ''".into()));
        // Exact match only: no prefixes, no case folding.
        assert_eq!(
            parse_sort_key("Calls"),
            Err("invalid sortby: 'Calls'".into())
        );
        assert_eq!(parse_sort_key("call"), Err("invalid sortby: 'call'".into()));
    }

    #[test]
    fn every_column_and_alias() {
        use Column::*;
        let cases: &[(&[&str], Column)] = &[
            (&["time", "time_percent", "time-percent"], TimePercent),
            (
                &["time_total", "time-total", "total_time", "total-time"],
                TotalTime,
            ),
            (
                &["min_time", "min-time", "shortest", "time_min", "time-min"],
                MinTime,
            ),
            (
                &["max_time", "max-time", "longest", "time_max", "time-max"],
                MaxTime,
            ),
            (&["avg_time", "avg-time", "time_avg", "time-avg"], AvgTime),
            (&["calls", "count"], Calls),
            (&["errors", "error"], Errors),
            (&["name", "syscall", "syscall_name", "syscall-name"], Name),
            (
                &["wall_total", "wall-total", "total_wall", "total-wall"],
                WallTotal,
            ),
            (&["wall_min", "wall-min", "min_wall", "min-wall"], WallMin),
            (&["wall_max", "wall-max", "max_wall", "max-wall"], WallMax),
            (&["wall_avg", "wall-avg", "avg_wall", "avg-wall"], WallAvg),
            (&["p50", "p50_time", "p50-time"], P50),
            (&["p90", "p90_time", "p90-time"], P90),
            (&["p99", "p99_time", "p99-time"], P99),
        ];
        for (names, col) in cases {
            for n in *names {
                let want = if *col == Name {
                    vec![Name]
                } else {
                    vec![*col, Name]
                };
                assert_eq!(parse_columns(n), Ok(want), "{n}");
            }
            assert!(parse_columns(col.name()).unwrap().starts_with(&[*col]));
        }
    }

    #[test]
    fn columns_keep_order_and_append_name() {
        use Column::*;
        assert_eq!(
            parse_columns("name,calls,errors,min-time,max-time,avg-time"),
            Ok(vec![Name, Calls, Errors, MinTime, MaxTime, AvgTime])
        );
        assert_eq!(
            parse_columns("calls,total-time,wall_total"),
            Ok(vec![Calls, TotalTime, WallTotal, Name])
        );
        assert_eq!(
            parse_columns("time-percent,total-time,avg-time,calls,errors,name"),
            Ok(Column::DEFAULT.to_vec())
        );
    }

    #[test]
    fn column_errors_are_stracess() {
        // Messages checked against strace 6.1.
        assert_eq!(
            parse_columns("foo"),
            Err("unknown column name: 'foo'".into())
        );
        assert_eq!(
            parse_columns("none"),
            Err("unknown column name: 'none'".into())
        );
        assert_eq!(parse_columns(""), Err("unknown column name: ''".into()));
        assert_eq!(
            parse_columns("calls,"),
            Err("unknown column name: ''".into())
        );
        assert_eq!(
            parse_columns("calls,,name"),
            Err("unknown column name: ''".into())
        );
        assert_eq!(
            parse_columns("calls,count"),
            Err(
                "call summary column has been provided more than once: 'count' \
                 (-U option residual: 'count')"
                    .into()
            )
        );
        assert_eq!(
            parse_columns("name,calls,syscall,errors"),
            Err(
                "call summary column has been provided more than once: 'syscall' \
                 (-U option residual: 'syscall,errors')"
                    .into()
            )
        );
        // An unknown name is reported even after a duplicate-free prefix.
        assert_eq!(
            parse_columns("calls,Errors"),
            Err("unknown column name: 'Errors'".into())
        );
    }

    fn ov(s: &str) -> Option<u64> {
        parse_overhead(s).ok()
    }

    #[test]
    fn overhead_units_and_defaults() {
        assert_eq!(ov("1"), Some(1_000)); // microseconds by default
        assert_eq!(ov("+1"), Some(1_000));
        assert_eq!(ov("010"), Some(10_000)); // decimal, not octal
        assert_eq!(ov(" 5us"), Some(5_000));
        assert_eq!(ov("\t7"), Some(7_000));
        assert_eq!(ov(" +5"), Some(5_000));
        assert_eq!(ov(" -0"), Some(0));
        assert_eq!(ov("3s"), Some(3_000_000_000));
        assert_eq!(ov("3ms"), Some(3_000_000));
        assert_eq!(ov("3ns"), Some(3));
        assert_eq!(ov("5nS"), Some(5));
        assert_eq!(ov("5mS"), Some(5_000_000));
        assert_eq!(ov("5uS"), Some(5_000));
        assert_eq!(ov("1.5ms"), Some(1_500_000));
        assert_eq!(ov("1.5MS"), Some(1_500_000));
        assert_eq!(ov("1.0Us"), Some(1_000));
        assert_eq!(ov("1.5S"), Some(1_500_000_000));
        assert_eq!(ov("1.5s"), Some(1_500_000_000));
        assert_eq!(ov("1.5"), Some(1_500));
        assert_eq!(ov(".5"), Some(500));
        assert_eq!(ov("+.5"), Some(500));
        assert_eq!(ov("5.e1"), Some(50_000));
        assert_eq!(ov("-0e5"), Some(0));
        assert_eq!(ov("-.0"), Some(0));
        assert_eq!(ov("0.0e-999"), Some(0)); // zero is not an underflow
        assert_eq!(ov("5."), Some(5_000));
        assert_eq!(ov("+0.5"), Some(500));
        assert_eq!(ov("00.5s"), Some(500_000_000));
        assert_eq!(ov("0.5e0s"), Some(500_000_000));
        assert_eq!(ov("1e3ns"), Some(1_000));
        assert_eq!(ov("1.5e3"), Some(1_500_000));
        assert_eq!(ov("1.5e3us"), Some(1_500_000));
        assert_eq!(ov("5e-7"), Some(0));
        assert_eq!(ov("0.0000001"), Some(0));
        assert_eq!(ov("1.0000000001"), Some(1_000));
        assert_eq!(ov("1.5ns"), Some(1));
        assert_eq!(ov("1.9999999999ns"), Some(1)); // truncated, as strace does
        assert_eq!(ov("0.9ns"), Some(0));
        assert_eq!(ov("-0"), Some(0));
        assert_eq!(ov("-0.0"), Some(0));
        assert_eq!(ov("-0x0"), Some(0));
        assert_eq!(ov("9223372036854775807ns"), Some(9_223_372_036_854_775_807));
        // Too large for u64 nanoseconds: saturates (strace's own result is undefined here).
        assert_eq!(ov("9223372036854775807"), Some(u64::MAX));
        assert_eq!(ov("1e30"), Some(u64::MAX));
        assert_eq!(ov("1e19ns"), Some(10_000_000_000_000_000_000));
        assert_eq!(ov("1e20ns"), Some(u64::MAX));
    }

    #[test]
    fn overhead_rejections_match_strace() {
        // Every one of these is rejected by strace 6.1 too.
        for s in [
            "foo",
            "",
            "-1",
            "5 us",
            "5us ",
            "0x10",
            "inf",
            "+inf",
            "+infinity",
            "+nan",
            "+nan(12)",
            "1min",
            "1MS", // an integer's unit must start lowercase
            "1Us",
            "1e",
            "1e+",
            "5u",
            "5m",
            "5sec",
            "99999999999999999999",
            "1e-400",
            "1e400",
            "1e-310",
            "1e-320",
            "+",
            "-",
            " -5",
            ".",
            "+.e5",
            "1.5.3",
            "+0x10us",
            "+0x1p4",
            "+0X1P-2ms",
            "1e3 ",
            "-nan", // accepted by strace with a garbage value; see parse_overhead
        ] {
            assert_eq!(
                parse_overhead(s),
                Err(format!("invalid -O argument: '{s}'")),
                "{s:?}"
            );
        }
    }
}
