//! Dates from epoch seconds, in UTC, written without a time-zone database: trace's timestamps
//! (`2026-12-02 05:01:02.345 UTC`), ISO 8601 (`2026-12-02T05:01:02Z`) and `ls -l`'s short form
//! (`Dec  2 05:01` this year, `Dec  2  2025` otherwise). UTC always: local time would need the
//! tz database, and a node's tools reading each other's output agree on UTC.

use std::time::SystemTime;

/// A calendar date and time of day (UTC, or local from sys::time::local_civil).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    /// 1 to 12.
    pub month: u32,
    /// 1 to 31.
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Civil {
    /// The UTC date and time `secs` seconds after the epoch (before it when negative).
    pub fn from_epoch(secs: i64) -> Self {
        let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Self {
            year,
            month: month as u32,
            day: day as u32,
            hour: (rem / 3600) as u32,
            minute: (rem / 60 % 60) as u32,
            second: (rem % 60) as u32,
        }
    }
}

/// Days from 1970-01-01 to a civil date (Howard Hinnant's days_from_civil).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Nanoseconds since the epoch of an RFC 3339 time (`2026-12-02T17:05:26.162004627Z`,
/// `2024-01-02T03:04:05+01:00`, a space for the `T`); None when it is not one or is before the
/// epoch.
pub fn parse_rfc3339_ns(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, min, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..9 {
            nanos *= 10;
        }
    }
    let offset = match &s[i..] {
        "Z" | "z" => 0,
        tz if tz.len() == 6
            && matches!(tz.as_bytes()[0], b'+' | b'-')
            && tz.as_bytes()[3] == b':' =>
        {
            let (h, m) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            let off = h * 3600 + m * 60;
            if tz.starts_with('-') {
                -off
            } else {
                off
            }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month as u32, day as u32);
    let secs = days * 86_400 + hour * 3600 + min * 60 + sec - offset;
    u64::try_from(secs)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(nanos as u64)
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `at` as `YYYY-MM-DD{sep}HH:MM:SS.mmm{suffix}` in UTC (times before the epoch as the epoch).
pub fn utc_timestamp(at: SystemTime, sep: char, suffix: &str) -> String {
    let mut s = utc_timestamp_ns(at, sep, "");
    s.truncate(s.len() - 6);
    s + suffix
}

/// `at` as `YYYY-MM-DD{sep}HH:MM:SS.nnnnnnnnn{suffix}` in UTC (times before the epoch as the
/// epoch).
pub fn utc_timestamp_ns(at: SystemTime, sep: char, suffix: &str) -> String {
    let d = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default();
    let c = Civil::from_epoch(d.as_secs() as i64);
    format!(
        "{:04}-{:02}-{:02}{sep}{:02}:{:02}:{:02}.{:09}{suffix}",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        c.second,
        d.subsec_nanos()
    )
}

/// ISO 8601 in UTC, to the second: `2026-12-02T05:01:02Z`.
pub fn iso8601_utc(secs: i64) -> String {
    let c = Civil::from_epoch(secs);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second
    )
}

/// `ls -l`'s 12-column time, in UTC: `Dec  2 05:01` when `secs` falls in the same (UTC) year
/// as `now`, else `Dec  2  2025`.
pub fn ls_time(secs: i64, now: i64) -> String {
    let c = Civil::from_epoch(secs);
    let month = MONTHS[(c.month - 1) as usize];
    if c.year == Civil::from_epoch(now).year {
        format!("{month} {:>2} {:02}:{:02}", c.day, c.hour, c.minute)
    } else {
        format!("{month} {:>2} {:>5}", c.day, c.year)
    }
}

/// Seconds since the epoch now (0 if the clock is before it).
pub fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_with_milliseconds() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_796_187_662_345);
        assert_eq!(
            utc_timestamp(at, ' ', " UTC"),
            "2026-12-02 05:01:02.345 UTC"
        );
        let leap = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(utc_timestamp(leap, 'T', "Z"), "2000-02-29T00:00:00.000Z");
        assert_eq!(
            utc_timestamp(SystemTime::UNIX_EPOCH, 'T', "Z"),
            "1970-01-01T00:00:00.000Z"
        );
    }

    #[test]
    fn iso_dates() {
        assert_eq!(iso8601_utc(1_796_187_662), "2026-12-02T05:01:02Z");
        assert_eq!(iso8601_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_utc(951_782_400), "2000-02-29T00:00:00Z");
        // Before the epoch: the last second of 1969.
        assert_eq!(iso8601_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn ls_times() {
        let now = 1_796_187_662; // 2026-12-02 05:01:02
        assert_eq!(ls_time(now, now), "Dec  2 05:01");
        // 2026-01-01 00:00:00: the same year.
        assert_eq!(ls_time(1_767_225_600, now), "Jan  1 00:00");
        // 2025-12-02 05:01:02: another year.
        assert_eq!(ls_time(now - 365 * 86_400, now), "Dec  2  2025");
        assert_eq!(ls_time(0, now), "Jan  1  1970");
        assert_eq!(ls_time(951_782_400, now), "Feb 29  2000");
        // Widths stay 12 columns.
        assert_eq!(ls_time(951_782_400, now).len(), 12);
        assert_eq!(ls_time(now, now).len(), 12);
    }

    #[test]
    fn rfc3339() {
        assert_eq!(parse_rfc3339_ns("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339_ns("2026-12-02T17:05:26.162004627Z"),
            Some(1_796_231_126_162_004_627)
        );
        assert_eq!(
            parse_rfc3339_ns("2024-01-02T04:04:05.5+01:00"),
            Some(1_704_164_645_500_000_000)
        );
        assert_eq!(
            parse_rfc3339_ns("2024-01-02 03:04:05Z"),
            Some(1_704_164_645_000_000_000)
        );
        for bad in [
            "",
            "2024-01-02",
            "2024-13-02T00:00:00Z",
            "2024-01-02T00:00:00",
            "2024-01-02T00:00:00.Z",
            "1969-12-31T23:59:59Z",
        ] {
            assert_eq!(parse_rfc3339_ns(bad), None, "{bad}");
        }
        for secs in [0i64, 951_782_400, 1_796_231_126, 4_102_444_800] {
            let c = Civil::from_epoch(secs);
            assert_eq!(days_from_civil(c.year, c.month, c.day), secs / 86_400);
        }
    }
}
