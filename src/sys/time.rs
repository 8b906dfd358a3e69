//! Time: the local time of day, as strace's `-t` prints it (`localtime(3)`, which reads TZ and
//! /etc/localtime), and the offset of the boot clock from the epoch.

/// The local time of day of `secs` since the epoch: (hours, minutes, seconds); the UTC time of
/// day when the C library cannot convert it.
pub fn local_hms(secs: i64) -> (u32, u32, u32) {
    let c = local_civil(secs);
    (c.hour, c.minute, c.second)
}

/// The local date and time of `secs` since the epoch; UTC's when the C library cannot convert
/// it.
pub fn local_civil(secs: i64) -> crate::output::time::Civil {
    let t: libc::time_t = secs;
    // SAFETY: `tm` is plain old data (integers and a pointer libc sets); all-zero is valid.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: both pointers are to live locals of the right types for the whole call;
    // localtime_r is the reentrant form and keeps no pointer to them.
    let r = unsafe { libc::localtime_r(&t, &mut tm) };
    if r.is_null() {
        return crate::output::time::Civil::from_epoch(secs);
    }
    crate::output::time::Civil {
        year: i64::from(tm.tm_year) + 1900,
        month: (tm.tm_mon + 1) as u32,
        day: tm.tm_mday as u32,
        hour: tm.tm_hour as u32,
        minute: tm.tm_min as u32,
        second: tm.tm_sec as u32,
    }
}

/// CLOCK_REALTIME - CLOCK_BOOTTIME now, in ns (boottime read on both sides of the real time):
/// what turns a kernel's boot-based time (eBPF's, /proc/PID/stat's start time) into one since
/// the epoch.
pub fn boot_to_real() -> i64 {
    use nix::time::{clock_gettime, ClockId};
    let ns = |c: ClockId| clock_gettime(c).map_or(0, |t| t.tv_sec() * 1_000_000_000 + t.tv_nsec());
    let b0 = ns(ClockId::CLOCK_BOOTTIME);
    let r = ns(ClockId::CLOCK_REALTIME);
    let b1 = ns(ClockId::CLOCK_BOOTTIME);
    r - (b0 + (b1 - b0) / 2)
}
