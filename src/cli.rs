//! Command-line definitions (clap derive only): one `Args` struct per subcommand.
//!
//! Nothing here does work; each subcommand turns its args into a validated configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Runtime-security inspection for a Linux (Kubernetes) node.
#[derive(Debug, Parser)]
#[command(
    name = "ksec",
    version,
    about,
    propagate_version = true,
    after_help = crate::exit::EXIT_STATUS_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count syscalls, their errors and time, in strace's -c table layout.
    Trace(TraceArgs),
    /// List the file descriptors a process holds open, with sockets resolved.
    Fds(FdsArgs),
    /// Print a process's environment, in the kernel's order.
    Environ(EnvironArgs),
    /// Read a container's file system through /proc/PID/root, without escaping it.
    Root(RootArgs),
    /// List processes with their container id and pod uid.
    Ps(PsArgs),
    /// Search what processes hold open, their environment and memory, for secrets.
    GrepSecret(GrepSecretArgs),
    /// Detect suspicious activity on the node with Falco's rules (eBPF, no kernel module).
    Watch(WatchArgs),
    /// Print a shell completion script on stdout (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Query Kubernetes audit logs: who did what to which resource, when; secrets they leak.
    AuditLog(AuditLogArgs),
    /// Lint an audit policy, or explain which rule logs a request and how.
    AuditPolicy(AuditPolicyArgs),
    /// Write roff man pages: ksec.1 and one per subcommand (ksec-trace.1, ...).
    #[command(hide = true)]
    Man(ManArgs),
    /// Say which subcommands and backends will work on this node, and why not.
    Doctor(DoctorArgs),
    /// Check a running container for immutability: read-only root, drift, non-root, tools.
    Immutable(ImmutableArgs),
}

// ---------------------------------------------------------------------------------------------
// trace

/// Where ksec runs the tracer and the tracees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CpuPlacement {
    /// `same` for a command ksec starts, `off` with -p (pinning a running service's threads to
    /// one CPU could slow it down more than tracing does).
    Auto,
    /// Run the tracer and every tracee on one CPU while tracing (each stop is then a context
    /// switch, not a cross-CPU wakeup); every tracee's own affinity is restored at detach.
    Same,
    /// Leave CPU placement to the scheduler.
    Off,
}

/// How `ksec trace` collects syscalls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BackendChoice {
    /// eBPF when it can be loaded (root or CAP_BPF+CAP_PERFMON, BTF) and no ptrace-only option is
    /// given, else ptrace.
    Auto,
    /// Stop the tracees at every syscall (strace's way).
    Ptrace,
    /// Count in the kernel: tracees never stop.
    Ebpf,
}

/// Trace syscalls like strace: each call on a line (`openat(AT_FDCWD, "/etc/passwd",
/// O_RDONLY|O_CLOEXEC) = 3`, or JSON lines with --json), or with -c counted like `strace -c`:
/// calls, errors and time per syscall, in strace's table layout.
///
/// Summary time: with -w, the wall-clock time between syscall entry and exit. Without -w, the CPU time
/// the calling thread spent between entry and exit, per thread and in nanoseconds (read from the
/// scheduler's per-thread runtime, /proc/TID/schedstat), where strace reports process-wide,
/// tick-coarse system time from rusage. The wall-* columns (-U) always show wall-clock time.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec trace -f -e trace=openat,connect -p 1234\n  ksec trace -yy -T -tt -o calls.txt -- curl -s http://localhost/\n  ksec trace -cw -- ls /\n  ksec trace -f -c -p 1234,1235\n  ksec trace -c -S calls -U name,calls,errors,max-time -e trace=%file -- make\n  ksec trace -f -c --per-process --json -o summary.json -- ./build.sh"
)]
pub struct TraceArgs {
    /// Count time, calls and errors for each syscall and print only the summary (without -c,
    /// each call is printed as strace prints it).
    #[arg(short = 'c', long = "summary-only")]
    pub summary: bool,

    /// Summarise wall-clock time between syscall entry and exit (strace's -w).
    #[arg(short = 'w', long = "summary-wall-clock")]
    pub wall_clock: bool,

    /// Follow forks, vforks and clones (threads); with -p, attach every thread of the process.
    #[arg(short = 'f', long = "follow-forks")]
    pub follow_forks: bool,

    /// Attach to PID (repeatable; also comma- or space-separated lists; a process name is accepted
    /// when exactly one process has it).
    #[arg(short = 'p', long = "attach", value_name = "PID")]
    pub pids: Vec<String>,

    /// Attach to every process of the container with this id (a unique prefix is enough); use
    /// with -f to follow their threads and children.
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,

    /// Sort the table by KEY: time (time_percent, time_total, total_time), min_time (shortest,
    /// time_min), max_time (longest, time_max), avg_time (time_avg), calls (count), errors (error),
    /// name (syscall, syscall_name), none; also any -U column (wall_total, p99, ...).
    #[arg(short = 'S', long = "summary-sort-by", value_name = "KEY")]
    pub sort_by: Option<String>,

    /// Columns to show, comma-separated: time-percent, total-time, min-time, max-time, avg-time,
    /// calls, errors, name, wall-total, wall-min, wall-max, wall-avg (and strace's aliases), and
    /// ksec's latency percentiles p50, p90, p99 (seconds, of the time -w chooses).
    #[arg(short = 'U', long = "summary-columns", value_name = "COLUMNS")]
    pub columns: Option<String>,

    /// Write the summary to FILE instead of standard error.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Subtract OVERHEAD (microseconds, or with a unit: s, ms, us, ns) from each syscall's time.
    #[arg(
        short = 'O',
        long = "summary-syscall-overhead",
        value_name = "OVERHEAD"
    )]
    pub overhead: Option<String>,

    /// Which syscalls to count, as strace's -e trace=: names, %classes (%file, %process,
    /// %network, %signal, %ipc, %desc, %memory, %creds, %clock, %stat, %lstat, %fstat, %statfs,
    /// %fstatfs, %%stat, %%statfs, %pure), /regex, all, none; `!` negates. Repeatable.
    #[arg(short = 'e', value_name = "EXPR")]
    pub expr: Vec<String>,

    /// Same as -e trace=SET.
    #[arg(long = "trace", value_name = "SET")]
    pub trace: Vec<String>,

    /// Also print one table per process (tgid).
    #[arg(long)]
    pub per_process: bool,

    /// Also print one table per thread (tid).
    #[arg(long)]
    pub per_thread: bool,

    /// Write the summary as one JSON document (every column; per-process/thread when asked).
    #[arg(long)]
    pub json: bool,

    /// CPU placement while tracing: `same` runs tracer and tracees on one CPU (much faster on
    /// small VMs; affinities are restored at detach), `off` leaves it to the scheduler, `auto`
    /// is `same` for a command ksec starts and `off` with -p.
    #[arg(long, value_enum, default_value_t = CpuPlacement::Auto)]
    pub cpu_placement: CpuPlacement,

    /// Stop only at the syscalls being counted (a seccomp-bpf filter installed in the command; needs
    /// -f and a command, as strace's --seccomp-bpf). Much faster with a narrow -e trace= set.
    #[arg(long)]
    pub seccomp_bpf: bool,

    /// How to collect syscalls: `ebpf` counts in the kernel, or records each call there for the
    /// per-call lines (tracees never stop; needs root or CAP_BPF+CAP_PERFMON), `ptrace` stops
    /// them at each call as strace does, `auto` is ebpf when it can be loaded and no ptrace-only
    /// option (--seccomp-bpf, --cpu-placement same; -y/-yy for per-call lines) is given.
    #[arg(long, value_enum, default_value_t = BackendChoice::Auto)]
    pub backend: BackendChoice,

    /// Trace every process on the node (eBPF backend).
    #[arg(long)]
    pub all: bool,

    /// The eBPF backend's ring buffer of per-call records, in bytes (a power of two; K, M, G
    /// suffixes): records that find it full are lost and reported (default 64M).
    #[arg(long, value_name = "BYTES")]
    pub ring_size: Option<String>,

    /// One table per container (and one for the host), beside the total.
    #[arg(long)]
    pub per_container: bool,

    /// After the tables, print a latency histogram per syscall (of the time -w chooses), as
    /// bcc's tools do (log2 rows in usecs, or nsecs for sub-microsecond calls).
    #[arg(long)]
    pub histogram: bool,

    /// Print a table every SECS seconds, each covering that interval (SIGUSR1 prints the
    /// cumulative table so far at any time).
    #[arg(long, value_name = "SECS")]
    pub interval: Option<String>,

    /// Do not print `Process N attached` / `detached` lines (implied by `-o FILE` with a
    /// command, as in strace); -qq: nor `+++ exited with N +++`; -qqq: nor `+++ superseded by
    /// execve +++`.
    #[arg(short = 'q', long, action = clap::ArgAction::Count)]
    pub quiet: u8,

    /// Print the per-call lines and the summary after them (strace's -C).
    #[arg(short = 'C', long = "summary")]
    pub summary_with_calls: bool,

    /// The most bytes of a string (and elements of an array) printed (default 32); paths are
    /// printed whole.
    #[arg(short = 's', long = "string-limit", value_name = "N")]
    pub string_limit: Option<usize>,

    /// Print structs unabbreviated, and execve's environment.
    #[arg(short = 'v', long = "no-abbrev")]
    pub verbose: bool,

    /// -x: strings with non-ASCII bytes in hex; -xx: every string in hex.
    #[arg(short = 'x', action = clap::ArgAction::Count)]
    pub hex: u8,

    /// `--strings-in-hex=non-ascii-chars`: only the non-ASCII bytes in hex.
    #[arg(skip)]
    pub hex_chars: bool,

    /// -y: print the paths of fds; -yy: also sockets' endpoints and devices' numbers.
    #[arg(short = 'y', action = clap::ArgAction::Count)]
    pub decode_fds: u8,

    /// Print the time each call took, `<0.000012>`.
    #[arg(short = 'T', long = "syscall-times")]
    pub syscall_times: bool,

    /// -t: the time of day on each line; -tt: with microseconds; -ttt: seconds since the epoch.
    #[arg(short = 't', action = clap::ArgAction::Count)]
    pub timestamps: u8,

    /// Print the time since the previous line's start on each line.
    #[arg(short = 'r', long = "relative-timestamps")]
    pub relative: bool,

    /// Print only the calls that succeeded (-e status=successful).
    #[arg(short = 'z', long = "successful-only")]
    pub successful_only: bool,

    /// Print only the calls that failed (-e status=failed).
    #[arg(short = 'Z', long = "failed-only")]
    pub failed_only: bool,

    /// With -o FILE: each task's lines go to FILE.TID (given as -ff).
    #[arg(long = "output-separately")]
    pub output_separately: bool,

    /// The column of ` = ` (default 40).
    #[arg(short = 'a', long = "columns", value_name = "COLUMN")]
    pub align: Option<usize>,

    /// The command to run and trace.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    pub command: Vec<std::ffi::OsString>,
}

// ---------------------------------------------------------------------------------------------
// Process selection and /proc location, shared by fds, environ, root, ps and grep-secret.

/// Where /proc is: `--proc-root DIR`, else $HOST_PROC, else /proc.
#[derive(Debug, Clone, Args)]
pub struct ProcArgs {
    /// Read /proc from DIR (e.g. the host's /proc mounted at /host/proc); default $HOST_PROC or /proc.
    #[arg(long, value_name = "DIR", global = true)]
    pub proc_root: Option<PathBuf>,
}

/// Which processes a subcommand looks at: pids or names, a container, or all.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Process ids or unambiguous process names.
    #[arg(value_name = "PID|NAME")]
    pub targets: Vec<String>,

    /// Processes of the container with this id (a unique prefix is enough).
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// fds, environ, root, ps (issue: /proc inspector)

/// List the file descriptors of processes: number, mode, lock, type, size, offset, flags and
/// target, with sockets resolved to endpoints from the process's own network namespace, the
/// other ends of pipes and unix sockets, epoll's watched fds, and memory-mapped files as `mem`
/// rows; or, with --file, who holds a file open.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec fds 1234\n  ksec fds etcd --json\n  ksec fds --container 3f2a9c\n  ksec fds --file /var/lib/etcd/member/snap/db\n  HOST_PROC=/host/proc ksec fds 1 2 3"
)]
pub struct FdsArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Who holds PATH open instead (as `lsof PATH` and `fuser`): every process with an fd on
    /// it, a memory mapping of it, or it as its cwd, root or executable, matched by device and
    /// inode. A directory matches only itself unless --dir is given. Exit status 1 when no
    /// process holds it, 2 when PATH does not exist.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["targets", "container"])]
    pub file: Option<std::path::PathBuf>,
    /// With --file DIR: also every file and directory below DIR, on DIR's file system (as
    /// `lsof +D DIR`).
    #[arg(long, requires = "file")]
    pub dir: bool,
    #[command(flatten)]
    pub proc: ProcArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print long cells in full on a terminal (by default the table is fitted to the terminal's
    /// width, cutting FLAGS and then TARGET with an ellipsis; a pipe always gets everything).
    #[arg(short = 'w', long)]
    pub wide: bool,
}

/// Print a process's environment in the kernel's order: duplicates kept, values with newlines
/// or invalid UTF-8 kept (escaped in the table, lossless in JSON).
///
/// On a terminal: a NAME/VALUE table. Otherwise (a pipe, a file): one NAME=VALUE line per
/// variable, as `tr '\0' '\n' < /proc/PID/environ` prints them, except that a backslash is
/// written `\\` and a newline `\n`, so each line is one variable and every byte can be
/// recovered; other bytes are written as they are (on a terminal, --lines also escapes control,
/// bidi and invalid UTF-8 bytes, as the table does). --table and --lines choose either.
#[derive(Debug, Args)]
#[command(
    after_help = "Output: a table on a terminal, NAME=VALUE lines elsewhere (as tr '\\0' '\\n' < /proc/PID/environ, with \\ written \\\\ and a newline \\n), and one VAR's value alike; --table, --lines or --json to choose.\n\nExamples:\n  ksec environ 1234\n  ksec environ etcd --redact\n  ksec environ 1234 | grep ^KUBE\n  ksec environ 1234 DB_PASSWORD\n  ksec environ --container 3f2a9c NODE_NAME --json"
)]
pub struct EnvironArgs {
    /// PID|NAME, then optionally one variable NAME (with --container: only the variable NAME).
    #[arg(value_name = "PID|NAME [VAR]", num_args = 0..=2)]
    pub args: Vec<String>,
    /// The main process of the container with this id (a unique prefix is enough).
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,
    #[command(flatten)]
    pub proc: ProcArgs,
    /// Mask values of variables whose names or values look secret (`<redacted>`, in the table
    /// and in lines).
    #[arg(long)]
    pub redact: bool,
    /// Print JSON instead of a table.
    #[arg(long, conflicts_with_all = ["table", "lines"])]
    pub json: bool,
    /// Print the table, also into a pipe or a file.
    #[arg(long, conflicts_with = "lines")]
    pub table: bool,
    /// Print NAME=VALUE lines, also on a terminal (the default when stdout is not one). In
    /// lines a backslash is written \\ and a newline \n, so each line is one variable; other
    /// bytes are written as they are (on a terminal, escaped as in the table).
    #[arg(long)]
    pub lines: bool,
}

/// Read a process's (a container's) file system through /proc/PID/root: every path, symlink
/// and `..` is resolved inside that root (openat2 RESOLVE_IN_ROOT) and never reaches the host.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec root 1234 ls /etc\n  ksec root 1234 cat /etc/os-release\n  ksec root --container 3f2a9c find /var/run/secrets\n  ksec root nginx stat /etc/passwd --json"
)]
pub struct RootArgs {
    /// PID|NAME (omitted with --container), then OP (ls, cat, find, stat), then PATH (default /).
    #[arg(value_name = "PID|NAME OP [PATH]", num_args = 1..=3, required = true)]
    pub args: Vec<String>,
    /// The main process of the container with this id (a unique prefix is enough).
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,
    #[command(flatten)]
    pub proc: ProcArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// List processes with pid, ppid, user, state, container id, pod uid and command line.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec ps etcd\n  ksec ps -f etcd-servers\n  ksec fds $(ksec ps -q etcd)\n  ksec ps --container 3f2a9c --long\n  ksec ps --all --json"
)]
pub struct PsArgs {
    /// Show only processes named NAME: their comm, or the basename of their first command-line
    /// word (argv 0), is NAME exactly (as `pgrep -x`, and as every other subcommand selects a
    /// process by name). Exit status 1 when nothing matches. ksec's own process is never listed.
    #[arg(value_name = "NAME")]
    pub name: Option<String>,
    /// Match NAME anywhere in the command line (argv joined by spaces) or comm instead, as
    /// `pgrep -f`. Only ksec itself is left out, so the shell running ksec can match too.
    #[arg(short = 'f', long, requires = "name")]
    pub full: bool,
    /// Print only the pids, one per line, no header (for `$(ksec ps -q etcd)`).
    #[arg(short = 'q', long, conflicts_with = "json")]
    pub quiet: bool,
    /// Show only processes of the container with this id (a unique prefix is enough).
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,
    /// Show every process, kernel threads included.
    #[arg(long)]
    pub all: bool,
    /// Show 64-hex container ids.
    #[arg(long)]
    pub long: bool,
    #[command(flatten)]
    pub proc: ProcArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Print whole command lines on a terminal (by default the table is fitted to the
    /// terminal's width, cutting COMMAND with an ellipsis; a pipe always gets everything).
    #[arg(short = 'w', long)]
    pub wide: bool,
}

// ---------------------------------------------------------------------------------------------
// watch

/// Where `ksec watch` gets its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WatchSource {
    /// eBPF when it loads, else the proc connector and fanotify.
    Auto,
    /// Raw tracepoints (root or CAP_BPF+CAP_PERFMON, and BTF).
    Ebpf,
    /// The netlink proc connector (exec, fork, exit, uid/gid changes) and fanotify (opens):
    /// fewer fields, see --list-fields.
    Fallback,
}

/// `ksec watch`'s arguments.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  sudo ksec watch\n  sudo ksec watch -r /etc/falco/falco_rules.yaml -r /etc/falco/falco_rules.local.yaml --json -o /var/log/ksec.jsonl\n  sudo ksec watch --syslog --pidfile /run/ksec.pid   # kill -1 $(cat /run/ksec.pid) reloads\n  ksec watch --validate -r my_rules.yaml\n  ksec watch --print-default-rules > ksec_rules.yaml"
)]
pub struct WatchArgs {
    /// A rules file, or a directory of them (its .yaml/.yml files, alphabetically); repeat to
    /// load several in order, as Falco's rules_files. Default: ksec's own rules
    /// (--print-default-rules).
    #[arg(short = 'r', long = "rules", value_name = "RULES")]
    pub rules: Vec<PathBuf>,
    /// Alerts as JSON objects (Falco's keys), one per line.
    #[arg(long)]
    pub json: bool,
    /// Times as ISO 8601 in UTC, as Falco's time_format_iso_8601.
    #[arg(long)]
    pub iso8601: bool,
    /// Append alerts to FILE (stdout is then not used unless --stdout).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Pipe alerts to CMD (run with /bin/sh -c, one alert per line on its stdin).
    #[arg(long, value_name = "CMD")]
    pub program: Option<String>,
    /// Send alerts to the system log (/dev/log: journald, rsyslog), tagged ksec.
    #[arg(long)]
    pub syslog: bool,
    /// The system log's socket, for --syslog (a DaemonSet may mount the host's /dev/log
    /// elsewhere).
    #[arg(long, value_name = "PATH", default_value = "/dev/log")]
    pub syslog_socket: PathBuf,
    /// Also write alerts to stdout when -o, --program or --syslog is given.
    #[arg(long)]
    pub stdout: bool,
    /// Only alerts of this priority or higher (emergency, alert, critical, error, warning,
    /// notice, informational, debug).
    #[arg(long, value_name = "PRIORITY", default_value = "debug")]
    pub min_priority: String,
    /// Write ksec's pid to PATH (for `kill -1 $(cat PATH)`, which reloads the rules).
    #[arg(long, value_name = "PATH")]
    pub pidfile: Option<PathBuf>,
    /// Load the rules, print every error and warning with file, line and item, and exit
    /// (non-zero on errors). Falco's -V.
    #[arg(long)]
    pub validate: bool,
    /// Print the loaded rules (name, priority, source, tags) and exit.
    #[arg(long)]
    pub list_rules: bool,
    /// Print the fields conditions and outputs can use, with those the event source cannot
    /// fill, and exit.
    #[arg(long)]
    pub list_fields: bool,
    /// Print ksec's default rules (Falco's language) and exit.
    #[arg(long)]
    pub print_default_rules: bool,
    /// Where events come from.
    #[arg(long, value_enum, default_value_t = WatchSource::Auto)]
    pub source: WatchSource,
    /// Where the host's / is, for the container runtimes' files (e.g. /host in a DaemonSet).
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,
    #[command(flatten)]
    pub proc: ProcArgs,
}

// ---------------------------------------------------------------------------------------------
// grep-secret (issue: grep-secret)

/// Search what processes hold open, their environment and memory, for a pattern or for secrets.
///
/// For each process: its cmdline and environ, every regular file it holds open (read through
/// /proc/PID/fd/N, so deleted files and files inside containers are found; FIFOs, sockets,
/// devices and ttys are listed as skipped and never read) and, with --memory, its readable
/// memory. Matches are shown inside their printable-string line (as `strings -n MIN-LEN`), with
/// -B/-A printable lines of context. Without PATTERN, built-in detectors look for private keys,
/// AWS access keys, JWTs and Kubernetes service-account tokens, payment-card numbers and
/// keyword=value secrets. Nothing is sent anywhere.
///
/// Findings go to stdout; stderr gets one closing line counting what was skipped, by reason
/// (-v also writes each skipped item as it is met; -q prints nothing). On a terminal, matches are
/// highlighted (--color) and --all and --memory scans show a progress line on stderr, erased at
/// the end. --json writes skipped items as records with a stable "code" (see the README).
///
/// Exit status: 0 if something was found, 1 if not, 2 on error (nothing found and something
/// could not be read, or a bad command line). With --fail-on-find: 1 if something was found, 0
/// if not.
#[derive(Debug, Args)]
#[command(
    after_help = "Output: findings on stdout, then one line on stderr counting what was skipped, by reason (-v also lists each; -q prints nothing). On a terminal, matches are highlighted (--color) and --all and --memory scans show a progress line on stderr.\n\nExit status: 0 found, 1 not found, 2 error (nothing found and something could not be read); with --fail-on-find, 1 found and 0 not found.\n\nExamples:\n  ksec grep-secret 111122 -p $(pgrep -x etcd)\n  ksec grep-secret -E 'cc=[0-9]{16}' -C 2 -p etcd\n  ksec grep-secret --memory -p 4242\n  ksec grep-secret --all --redact --json\n  ksec grep-secret --container 3f2a --fail-on-find --redact"
)]
pub struct GrepSecretArgs {
    /// Literal to search for (a regex with -E); without it, the built-in detectors run.
    #[arg(value_name = "PATTERN")]
    pub pattern: Option<String>,
    /// Process ids or names to scan (repeatable, or comma-separated).
    #[arg(
        short = 'p',
        long = "pid",
        value_name = "PID|NAME",
        value_delimiter = ','
    )]
    pub pids: Vec<String>,
    /// Scan the processes of the container with this id (a unique prefix is enough).
    #[arg(long, value_name = "ID")]
    pub container: Option<String>,
    /// Scan every process (except ksec itself).
    #[arg(long)]
    pub all: bool,
    /// Also scan this file directly (repeatable): a database copy, a core dump, a benchmark.
    #[arg(long = "file", value_name = "PATH")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub proc: ProcArgs,
    /// PATTERN is a regular expression (Rust regex syntax, over bytes).
    #[arg(short = 'E', long = "regexp")]
    pub regex: bool,
    /// Match PATTERN case-insensitively (ASCII).
    #[arg(short = 'i', long = "ignore-case")]
    pub ignore_case: bool,
    /// Printable lines of context after each match.
    #[arg(short = 'A', long = "after-context", value_name = "NUM")]
    pub after: Option<usize>,
    /// Printable lines of context before each match.
    #[arg(short = 'B', long = "before-context", value_name = "NUM")]
    pub before: Option<usize>,
    /// Printable lines of context before and after each match [default: 5, as the
    /// `strings | grep -A 5 -B 5` pipeline it replaces].
    #[arg(short = 'C', long = "context", value_name = "NUM")]
    pub context: Option<usize>,
    /// Shortest printable run counted as a line of context, as `strings -n`.
    #[arg(
        short = 'n',
        long = "min-len",
        value_name = "MIN-LEN",
        default_value_t = 4
    )]
    pub min_len: usize,
    /// Also scan each process's readable memory (/proc/PID/mem over /proc/PID/maps).
    #[arg(long)]
    pub memory: bool,
    /// Skip files and memory regions larger than SIZE (bytes, or with K, M, G, T suffix).
    #[arg(long, value_name = "SIZE", default_value = "4G")]
    pub max_filesize: String,
    /// With --memory: read at most SIZE of each process's memory in all; regions that would
    /// pass it are not read and listed as skipped (bytes, or with K, M, G, T suffix).
    #[arg(long, value_name = "SIZE", default_value = "4G")]
    pub max_memory: String,
    /// Mask the secrets in the output (text and JSON): matched tokens, detector hits, key bodies.
    #[arg(long)]
    pub redact: bool,
    /// Print JSON, one object per line: findings ("type":"finding") and skipped items ("type":"skipped").
    #[arg(long)]
    pub json: bool,
    /// For CI: exit 1 when something is found, 0 when nothing is (2 stays "error").
    #[arg(long)]
    pub fail_on_find: bool,
    /// Also write each skipped item on stderr, with its reason, as it is met (without -v, one
    /// closing line counts them by reason).
    #[arg(short = 'v', long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Print nothing, findings included; the exit status says it all. Stops at the first
    /// finding, as `grep -q`.
    #[arg(short = 'q', long, conflicts_with = "json")]
    pub quiet: bool,
    /// When to highlight matches: auto (stdout is a terminal, NO_COLOR unset or empty, TERM
    /// not dumb), always, never.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--color`: when to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set (and not empty) or TERM is dumb.
    Auto,
    /// Always, also into a pipe or a file.
    Always,
    /// Never.
    Never,
}

// ---------------------------------------------------------------------------------------------
// completions, man

/// Print a completion script for SHELL on stdout.
///
/// The script completes subcommands, options and their values from ksec's own definitions.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec completions bash > /etc/bash_completion.d/ksec\n  ksec completions zsh > \"${fpath[1]}/_ksec\"\n  ksec completions fish > ~/.config/fish/completions/ksec.fish"
)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Write ksec's man pages in roff.
///
/// With DIR, write ksec.1 and one page per subcommand (ksec-trace.1, ksec-fds.1, ...) into DIR,
/// which must exist, and print the paths written. Without DIR, print ksec.1 on stdout.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  ksec man > ksec.1\n  ksec man /usr/local/share/man/man1")]
pub struct ManArgs {
    /// The directory to write the pages into.
    #[arg(value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<PathBuf>,
}

// ---------------------------------------------------------------------------------------------
// doctor

/// Probe what this node allows ksec to do, and say why not where it does not.
///
/// Each probe does for real, and undoes at once, what a subcommand would: the eBPF programs
/// are loaded and attached with the backends' own loaders, the fallback watch source is
/// started, a child is seized with ptrace, pid 1's environ, fds, memory and root are read.
/// Exit status 0 once every probe ran, whatever it found (2: the /proc is not one).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  sudo ksec doctor\n  ksec doctor --json | jq '.features[] | select(.works | not)'\n  HOST_PROC=/host/proc ksec doctor"
)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub proc: ProcArgs,
    /// Print one JSON document: checks, features, runtimes.
    #[arg(long)]
    pub json: bool,
}

// ---------------------------------------------------------------------------------------------
// audit-log, audit-policy

/// Query Kubernetes audit logs (audit.k8s.io Events, one JSON object per line).
///
/// Reads FILE or DIR (default /var/log/kubernetes/audit: audit.log and its rotated copies,
/// audit-TIME.log, audit.log.1, .gz too, in time order; `-` is standard input) as a stream in
/// constant memory. Events without apiVersion, the old `timestamp` field and lines a cloud's
/// logging wrapped (Azure's properties.log, a collector's log/message field) are read; a line
/// that is not an event is reported on stderr as FILE:LINE: reason, counted, and skipped.
///
/// Filters combine (all must match); a filter given several values (repeated, or
/// comma-separated for verbs, resources, stages and codes) matches any of them. --user and
/// --group match the impersonated user when there is one (as audit2rbac does);
/// --as-authenticated matches the user who authenticated.
///
/// Exit status: 0 when an event matched, 1 when none did, 2 on errors (no readable log, a bad
/// command line). Malformed lines do not change it; their count is printed on stderr.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec audit-log --user alice --resource secrets --name db-password --last\n  ksec audit-log /var/log/kubernetes/audit --verb get,list --resource secrets --since 24h\n  ksec audit-log audit.log --count-by user,verb,resource\n  ksec audit-log --resource pods/exec,pods/attach --json\n  ksec audit-log --secrets-leaked\n  ksec audit-log --follow --code 403"
)]
pub struct AuditLogArgs {
    /// Log files or directories (default /var/log/kubernetes/audit); `-` reads standard input.
    #[arg(value_name = "FILE|DIR", value_hint = clap::ValueHint::AnyPath)]
    pub paths: Vec<PathBuf>,
    /// The user who made the request: the impersonated user if any (repeatable).
    #[arg(long, value_name = "USER")]
    pub user: Vec<String>,
    /// --user and --group and the user column are the authenticated user, not the impersonated one.
    #[arg(long)]
    pub as_authenticated: bool,
    /// One of the user's groups (repeatable).
    #[arg(long, value_name = "GROUP")]
    pub group: Vec<String>,
    /// The verb: get, list, watch, create, update, patch, delete, deletecollection, ...
    #[arg(long, value_name = "VERB", value_delimiter = ',')]
    pub verb: Vec<String>,
    /// The resource: `secrets`, `pods/log` for a subresource, `pods/*` for pods and all its
    /// subresources, `*/exec` for one subresource of any resource (`pods` alone matches no
    /// subresource, as in audit policies).
    #[arg(long, value_name = "RESOURCE", value_delimiter = ',')]
    pub resource: Vec<String>,
    /// The namespace; `--namespace ""` selects cluster-scoped requests (repeatable).
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Vec<String>,
    /// The object's name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub name: Vec<String>,
    /// The stage: RequestReceived, ResponseStarted, ResponseComplete, Panic.
    #[arg(long, value_name = "STAGE", value_delimiter = ',')]
    pub stage: Vec<String>,
    /// The response code: 403, or a class such as 4xx.
    #[arg(long, value_name = "CODE", value_delimiter = ',')]
    pub code: Vec<String>,
    /// Events at or after this time: 2024-01-02T03:04:05Z, 2024-01-02, or an age (90s, 15m, 2h, 7d).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Events before this time (same forms as --since).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// One of the request's source IPs (repeatable).
    #[arg(long, value_name = "IP")]
    pub source_ip: Vec<String>,
    /// Text the user agent contains (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub user_agent: Vec<String>,
    /// Only the latest matching event.
    #[arg(long, conflicts_with_all = ["count_by", "follow"])]
    pub last: bool,
    /// Count matching events per combination of keys (user, group, verb, resource, namespace,
    /// name, code, stage, level, source-ip, user-agent).
    #[arg(
        long,
        value_name = "KEYS",
        value_delimiter = ',',
        conflicts_with = "follow"
    )]
    pub count_by: Vec<String>,
    /// Events whose requestObject or responseObject carry Secret data or what grep-secret's
    /// detectors find (a secret logged at Request or RequestResponse level); values redacted.
    #[arg(long, conflicts_with = "count_by")]
    pub secrets_leaked: bool,
    /// Keep reading the live log as it grows, across rotation and truncation (as tail -F).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// Print the events as JSON lines (the events as logged; with --secrets-leaked, redacted
    /// and with the leaks listed); with --count-by, one JSON document.
    #[arg(long)]
    pub json: bool,
}

/// Audit policies (audit.k8s.io/v1 Policy) as the API server applies them.
///
/// The first matching rule wins; omitStages is the union of the policy's and the rule's;
/// `pods` does not match pods/log (use `pods/log`, `pods/*` or `*/log`); resourceNames,
/// namespaces (`""` for cluster-scoped), nonResourceURLs (a trailing `*` is a prefix), users,
/// userGroups and verbs each match when given (an empty list matches all).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec audit-policy lint /etc/kubernetes/audit-policy.yaml\n  ksec audit-policy explain policy.yaml --user alice --verb get --resource secrets -n prod --name db\n  ksec audit-policy explain policy.yaml --user system:kube-proxy --group system:nodes --verb watch --resource endpoints\n  ksec audit-policy explain policy.yaml --user bob --verb get --path /healthz"
)]
pub struct AuditPolicyArgs {
    #[command(subcommand)]
    pub command: AuditPolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditPolicyCommand {
    /// Warn about what a policy logs: secrets, configmaps or tokenreviews at Request or
    /// RequestResponse, rules shadowed by an earlier broader rule, no catch-all rule,
    /// RequestReceived not omitted, unknown keys.
    ///
    /// Exit status: 0 no warnings, 1 warnings (printed as POLICY:LINE: warning\[CHECK\]: ...),
    /// 2 the policy cannot be read or parsed.
    Lint(AuditPolicyLintArgs),
    /// Which rule of a policy a request matches, and the level and stages it is logged at.
    ///
    /// Exit status: 0 the request is logged (level above None), 1 it is not, 2 errors.
    Explain(AuditPolicyExplainArgs),
}

#[derive(Debug, Args)]
pub struct AuditPolicyLintArgs {
    /// The policy file (YAML).
    #[arg(value_name = "POLICY", value_hint = clap::ValueHint::FilePath)]
    pub policy: PathBuf,
    /// Print the warnings as one JSON document.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AuditPolicyExplainArgs {
    /// The policy file (YAML).
    #[arg(value_name = "POLICY", value_hint = clap::ValueHint::FilePath)]
    pub policy: PathBuf,
    /// The requesting user (omit for an unauthenticated request with no user).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// The user's groups (repeatable or comma-separated).
    #[arg(long, value_name = "GROUP", value_delimiter = ',')]
    pub group: Vec<String>,
    /// The verb (get, list, watch, create, update, patch, delete, ...).
    #[arg(long, value_name = "VERB")]
    pub verb: String,
    /// The resource, `pods/log` for a subresource; with --api-group for a non-core group.
    #[arg(long, value_name = "RESOURCE", conflicts_with = "path")]
    pub resource: Option<String>,
    /// The resource's API group (default: the core group, ""); `deployments.apps` in
    /// --resource says the same.
    #[arg(long, value_name = "GROUP")]
    pub api_group: Option<String>,
    /// The namespace (none: cluster-scoped).
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// The object's name.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// The path of a non-resource request (/healthz, /metrics, /version).
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,
    /// Print the decision as JSON.
    #[arg(long)]
    pub json: bool,
}

// ---- ksec immutable ----

/// Check a running container from the node: is it immutable?
///
/// Each check says PASS, WARN or FAIL with its evidence and the pod-spec change that fixes it:
/// the root file system read-only (the per-mount ro of / in mountinfo) and the writable mounts
/// by kind; drift (files written since start, in the overlay upper layer, executables first);
/// non-root (with a user namespace's mapping), no_new_privs, seccomp, capabilities against the
/// runtime's default set, privileged; shells, package managers and tools in the image. Exit 0
/// when no check fails (WARN alone is 0), 1 when one fails, 2 on errors.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  ksec immutable nginx\n  ksec immutable --container 3f2a --json\n  ksec immutable --all-containers"
)]
pub struct ImmutableArgs {
    /// A process of the container (pid or unambiguous name).
    #[arg(value_name = "PID|NAME", conflicts_with_all = ["container", "all_containers"])]
    pub target: Option<String>,
    /// The container with this id (a unique prefix is enough).
    #[arg(long, value_name = "ID", conflicts_with = "all_containers")]
    pub container: Option<String>,
    /// Every container running on the node.
    #[arg(long)]
    pub all_containers: bool,
    /// Where the host's / is, for the runtime's metadata and overlay upper directories.
    #[arg(long, value_name = "DIR", default_value = "/")]
    pub host_root: PathBuf,
    /// Stop the drift walk after this many entries.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub max_entries: usize,
    #[command(flatten)]
    pub proc: ProcArgs,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
