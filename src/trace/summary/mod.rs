//! Rendering of the syscall count tables: strace's `-c` text tables byte for byte
//! ([`write_text`]), one JSON document with every column ([`write_json`]), and bcc-style latency
//! histograms ([`write_histograms`], `--histogram`).
//!
//! Also the parsers of the options that shape the tables, with strace's own error messages:
//! `-S` ([`parse_sort_key`]), `-U` ([`parse_columns`]) and `-O` ([`parse_overhead`]).
//!
//! The renderers only read a [`Report`](crate::trace::stats::Report); they never measure
//! anything. Overhead (`-O`) is subtracted by the counter when it records a call
//! ([`crate::trace::counter::apply_overhead`]), as strace does in `count_syscall`; the latency
//! histograms hold the durations as measured, and the renderers subtract the overhead from the
//! percentiles and histogram ranges they show ([`RenderOpts::overhead_ns`]).
//!
//! Layout, rounding and sorting follow strace's `src/count.c` (6.1, plus the wall-clock columns
//! of 7.1). The tests in `fixtures.rs` replay real strace 6.1 runs (captured by
//! `testdata/capture.sh`) through the replay backend and the counter, and compare ksec's tables
//! with strace's, byte for byte.

mod histogram;
mod json;
mod model;
mod options;
mod text;

pub use histogram::write_histograms;
pub use json::{write_json, SCHEMA as JSON_SCHEMA};
pub use options::{parse_columns, parse_overhead, parse_sort_key};
pub use text::write_text;

#[cfg(test)]
mod fixtures;

/// The key of `-S` (`--summary-sort-by`): which value orders the rows.
///
/// Every key but [`SortKey::Name`] sorts descending; [`SortKey::None`] keeps syscall-number order.
/// Rows with equal keys keep ascending syscall-number order (strace's qsort is glibc's stable
/// merge sort for tables this small).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// Total time of the time source (`time`, `time_percent`, `total_time`, ...), descending.
    #[default]
    Time,
    /// Shortest call (`min_time`, `shortest`, `time_min`), descending.
    MinTime,
    /// Longest call (`max_time`, `longest`, `time_max`), descending.
    MaxTime,
    /// Average per call, rounded to the nanosecond (`avg_time`, `time_avg`), descending.
    AvgTime,
    /// Number of calls (`calls`, `count`), descending.
    Calls,
    /// Number of errors (`errors`, `error`), descending.
    Errors,
    /// Syscall name (`name`, `syscall`, `syscall_name`), ascending byte order.
    Name,
    /// No sorting (`none`, `nothing`): ascending syscall number.
    None,
    /// Total wall-clock time (`wall_total`, `total_wall`), descending (strace 7.1).
    WallTotal,
    /// Shortest wall-clock time (`wall_min`, `min_wall`), descending (strace 7.1).
    WallMin,
    /// Longest wall-clock time (`wall_max`, `max_wall`), descending (strace 7.1).
    WallMax,
    /// Average wall-clock time (`wall_avg`, `avg_wall`), descending (strace 7.1).
    WallAvg,
    /// Median of the time source (`p50`), descending; rows without a histogram last.
    P50,
    /// 90th percentile of the time source (`p90`), descending.
    P90,
    /// 99th percentile of the time source (`p99`), descending.
    P99,
}

impl SortKey {
    /// The canonical spelling, as `-S` accepts it and JSON reports it.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Time => "time",
            SortKey::MinTime => "min_time",
            SortKey::MaxTime => "max_time",
            SortKey::AvgTime => "avg_time",
            SortKey::Calls => "calls",
            SortKey::Errors => "errors",
            SortKey::Name => "name",
            SortKey::None => "none",
            SortKey::WallTotal => "wall_total",
            SortKey::WallMin => "wall_min",
            SortKey::WallMax => "wall_max",
            SortKey::WallAvg => "wall_avg",
            SortKey::P50 => "p50",
            SortKey::P90 => "p90",
            SortKey::P99 => "p99",
        }
    }
}

/// A column of the table (`-U`, `--summary-columns`).
///
/// The `Time*` columns (and `TimePercent`) show the time source: wall-clock time with `-w`, CPU
/// time otherwise. The `Wall*` columns (strace 7.1) always show wall-clock time, so CPU and wall
/// time can be shown side by side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// `% time`: share of the total time.
    TimePercent,
    /// `seconds`: total time.
    TotalTime,
    /// `shortest`: shortest call.
    MinTime,
    /// `longest`: longest call.
    MaxTime,
    /// `usecs/call`: average per call, in microseconds.
    AvgTime,
    /// `calls`.
    Calls,
    /// `errors` (blank when zero).
    Errors,
    /// `syscall`: the syscall name (always shown).
    Name,
    /// `wall-total`: total wall-clock time.
    WallTotal,
    /// `wall-min`: shortest wall-clock time.
    WallMin,
    /// `wall-max`: longest wall-clock time.
    WallMax,
    /// `wall-avg`: average wall-clock time per call, in microseconds.
    WallAvg,
    /// `p50`: median of the time source, in seconds (ksec; from the latency histogram).
    P50,
    /// `p90`: 90th percentile of the time source, in seconds (ksec).
    P90,
    /// `p99`: 99th percentile of the time source, in seconds (ksec).
    P99,
}

impl Column {
    /// strace's default columns: `time-percent,total-time,avg-time,calls,errors,name`.
    pub const DEFAULT: [Column; 6] = [
        Column::TimePercent,
        Column::TotalTime,
        Column::AvgTime,
        Column::Calls,
        Column::Errors,
        Column::Name,
    ];

    /// The canonical `-U` spelling, as JSON reports it.
    pub fn name(self) -> &'static str {
        match self {
            Column::TimePercent => "time-percent",
            Column::TotalTime => "total-time",
            Column::MinTime => "min-time",
            Column::MaxTime => "max-time",
            Column::AvgTime => "avg-time",
            Column::Calls => "calls",
            Column::Errors => "errors",
            Column::Name => "name",
            Column::WallTotal => "wall-total",
            Column::WallMin => "wall-min",
            Column::WallMax => "wall-max",
            Column::WallAvg => "wall-avg",
            Column::P50 => "p50",
            Column::P90 => "p90",
            Column::P99 => "p99",
        }
    }

    /// The index in [`PERCENTILES`] of a percentile column.
    pub fn percentile(self) -> Option<usize> {
        match self {
            Column::P50 => Some(0),
            Column::P90 => Some(1),
            Column::P99 => Some(2),
            _ => None,
        }
    }

    /// The header strace prints over the column.
    pub fn header(self) -> &'static str {
        match self {
            Column::TimePercent => "% time",
            Column::TotalTime => "seconds",
            Column::MinTime => "shortest",
            Column::MaxTime => "longest",
            Column::AvgTime => "usecs/call",
            Column::Calls => "calls",
            Column::Errors => "errors",
            Column::Name => "syscall",
            Column::WallTotal => "wall-total",
            Column::WallMin => "wall-min",
            Column::WallMax => "wall-max",
            Column::WallAvg => "wall-avg",
            Column::P50 => "p50",
            Column::P90 => "p90",
            Column::P99 => "p99",
        }
    }
}

/// The percentiles the `p50`, `p90` and `p99` columns (and JSON's `percentiles`) show: (name,
/// quantile).
pub const PERCENTILES: [(&str, f64); 3] = [("p50", 0.5), ("p90", 0.9), ("p99", 0.99)];

/// How the tables are rendered: the resolved `-w`, `-S` and `-U`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOpts {
    /// `-w`: the time columns, the percentages and time sorting use wall-clock time; otherwise
    /// CPU time.
    pub wall: bool,
    /// `-S`.
    pub sort: SortKey,
    /// `-U`, as [`parse_columns`] returns it (with [`Column::Name`] present).
    pub columns: Vec<Column>,
    /// `-O` in nanoseconds: the counter already subtracted it from the time aggregates; the
    /// latency histograms hold raw durations, so the renderers subtract it from percentiles and
    /// histogram ranges (a monotonic shift, see [`crate::trace::hist::Hist::quantile_less`]).
    pub overhead_ns: u64,
    /// `--all --per-process`: the per-process tables become one list of processes, a row each,
    /// sorted by `sort` (a node has hundreds of processes; the list shows which are busy).
    pub process_list: bool,
}

impl Default for RenderOpts {
    /// strace's defaults: CPU time, sorted by time, the default columns.
    fn default() -> Self {
        Self {
            wall: false,
            sort: SortKey::default(),
            columns: Column::DEFAULT.to_vec(),
            overhead_ns: 0,
            process_list: false,
        }
    }
}
