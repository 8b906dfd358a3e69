//! `ksec watch`: Falco-compatible detection on the node. Arguments -> rules loaded (files in
//! order, or the default rules) -> an event source (eBPF, else the proc connector and fanotify)
//! -> for each event: the context updated, the matching rules' alerts sent to every output.
//! SIGHUP re-reads the rules (the old ones stay if the new ones fail); SIGINT and SIGTERM end
//! it with a summary on stderr. Events lost by the source are reported as Falco reports
//! syscall event drops: an alert of the internal rule, at most once a second.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};
use nix::sys::signal::Signal;

use crate::cli::{WatchArgs, WatchSource};
use crate::exit::{Exit, ExitError};
use crate::rules::fields::{ArgKind, FIELDS};
use crate::rules::prefilter::{open_need, unfiltered};
use crate::rules::{self, LoadOptions, Loaded, Priority, RulesInput, Ruleset};
use crate::sys::signal as sig;
use crate::watch::container::MetaReader;
use crate::watch::context::Context;
use crate::watch::ebpf::{EbpfSource, EbpfWatchConfig};
use crate::watch::event::{Lost, RawEvent, Source};
use crate::watch::fallback::{FallbackConfig, FallbackSource};
use crate::watch::fields::WatchEvent;
use crate::watch::output::{Alert, Format, Outputs, Program, Syslog};

use super::proc_args::proc_root;

/// The default rules (src/watch/default_rules.yaml).
pub const DEFAULT_RULES: &str = include_str!("../watch/default_rules.yaml");

/// The name default rules go by in messages.
const DEFAULT_RULES_NAME: &str = "<ksec default rules>";

/// The rule name of drop reports (Falco's "Falco internal: syscall event drop").
const DROP_RULE: &str = "ksec internal: syscall event drop";

fn inputs(args: &WatchArgs) -> anyhow::Result<Vec<RulesInput>> {
    if args.rules.is_empty() {
        return Ok(vec![RulesInput {
            name: DEFAULT_RULES_NAME.to_string(),
            content: DEFAULT_RULES.to_string(),
        }]);
    }
    rules::read_inputs(&args.rules)
}

/// Loads the rules; prints warnings (and errors) on stderr as Falco's loader does.
fn load(
    args: &WatchArgs,
    unavailable: &[(&'static str, &'static str)],
) -> anyhow::Result<(Vec<RulesInput>, Loaded)> {
    let inputs = inputs(args)?;
    let loaded = rules::load(
        &inputs,
        &LoadOptions {
            unavailable: unavailable.to_vec(),
        },
    );
    Ok((inputs, loaded))
}

fn print_list_fields(source: Option<&dyn Source>) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    let unavailable = source.map(|s| s.unavailable()).unwrap_or_default();
    let partial = source.map(|s| s.partial()).unwrap_or_default();
    if let Some(s) = source {
        writeln!(out, "Event source: {}", s.name())?;
        writeln!(out)?;
    }
    for f in FIELDS {
        let name = match f.arg {
            ArgKind::None => f.name.to_string(),
            ArgKind::OptionalIndex => format!("{}[N]", f.name),
            ArgKind::Key => format!("{}[KEY]", f.name),
            ArgKind::DotKey => format!("{}.NAME", f.name),
        };
        let note = if let Some((_, why)) = unavailable.iter().find(|(n, _)| *n == f.name) {
            format!("  [unavailable: {why}]")
        } else if let Some((_, how)) = partial.iter().find(|(n, _)| *n == f.name) {
            format!("  [partial: {how}]")
        } else {
            String::new()
        };
        writeln!(out, "{name:<34} {}{note}", f.desc)?;
    }
    Ok(())
}

fn print_rules(set: &Ruleset) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for r in set.rules() {
        writeln!(
            out,
            "{}\t{}\t{}\t[{}]",
            r.name,
            r.priority,
            r.source,
            r.tags.join(", ")
        )?;
    }
    Ok(())
}

/// Starts the source the arguments ask for.
fn start_source(
    args: &WatchArgs,
    proc: &crate::proc::root::ProcRoot,
) -> anyhow::Result<Box<dyn Source>> {
    let fallback = || -> anyhow::Result<Box<dyn Source>> {
        Ok(Box::new(FallbackSource::start(&FallbackConfig {
            proc_root: proc.clone(),
            ..FallbackConfig::default()
        })?))
    };
    match args.source {
        WatchSource::Ebpf => Ok(Box::new(EbpfSource::start(&EbpfWatchConfig::default())?)),
        WatchSource::Fallback => fallback(),
        WatchSource::Auto => match EbpfSource::start(&EbpfWatchConfig::default()) {
            Ok(s) => Ok(Box::new(s)),
            Err(e) => {
                eprintln!("ksec watch: {e:#}; using the proc connector and fanotify instead");
                fallback()
            }
        },
    }
}

fn severity(p: Priority) -> u8 {
    p as u8
}

fn outputs(args: &WatchArgs) -> anyhow::Result<Outputs> {
    let mut o = Outputs {
        format: Format {
            json: args.json,
            iso8601: args.iso8601,
        },
        ..Outputs::default()
    };
    if let Some(path) = &args.output {
        o.file = Some(Outputs::open_file(path)?);
    }
    if let Some(cmd) = &args.program {
        o.program = Some(Program::new(cmd));
    }
    if args.syslog {
        o.syslog = Some(Syslog::connect(&args.syslog_socket)?);
    }
    o.stdout = args.stdout || (o.file.is_none() && o.program.is_none() && o.syslog.is_none());
    Ok(o)
}

/// Writes the pid file; removed when dropped.
struct PidFile(std::path::PathBuf);

impl PidFile {
    fn create(path: &Path) -> anyhow::Result<PidFile> {
        std::fs::write(path, format!("{}\n", std::process::id()))
            .with_context(|| format!("--pidfile {}", path.display()))?;
        Ok(PidFile(path.to_path_buf()))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Counts for the summary at exit.
#[derive(Debug, Default)]
struct Counts {
    events: u64,
    alerts: u64,
    output_errors: u64,
}

fn drop_alert(hostname: &str, new: Lost, total: Lost, source: &str) -> Alert {
    let n = new.total();
    Alert {
        time_ns: now_ns(),
        rule: DROP_RULE.to_string(),
        priority: Priority::Critical.to_string(),
        severity: severity(Priority::Critical),
        source: "internal".to_string(),
        hostname: hostname.to_string(),
        output: format!(
            "ksec internal: syscall event drop. {n} events dropped since the last report \
             (source={source} n_drops_ring={} n_drops_in_flight={} n_drops_queue={} \
             n_drops_total={})",
            new.ring_full,
            new.in_flight,
            new.queue,
            total.total()
        ),
        tags: Vec::new(),
        output_fields: vec![
            ("n_drops".into(), Some(n.to_string())),
            ("n_drops_buffer".into(), Some(new.ring_full.to_string())),
            ("n_drops_in_flight".into(), Some(new.in_flight.to_string())),
            ("n_drops_queue".into(), Some(new.queue.to_string())),
        ],
    }
}

fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64)
}

fn diff(a: Lost, b: Lost) -> Lost {
    Lost {
        ring_full: a.ring_full.saturating_sub(b.ring_full),
        in_flight: a.in_flight.saturating_sub(b.in_flight),
        queue: a.queue.saturating_sub(b.queue),
    }
}

/// Prints the warnings and errors of a load on stderr; the loaded rules, or an error.
fn report_load(inputs: &[RulesInput], loaded: Loaded) -> anyhow::Result<(Ruleset, usize)> {
    if !loaded.diagnostics.is_empty() {
        eprint!("{}", rules::render_validate(&loaded, inputs));
    }
    let skipped = loaded.skipped.len();
    let errors = loaded.has_errors();
    match loaded.ruleset {
        Some(set) if !errors => Ok((set, skipped)),
        _ => bail!("the rules did not load (errors above)"),
    }
}

/// Resolves the host names the rules compare fd.*ip.name with; at the start, waits up to 2 s
/// for their first answers and names those still waiting.
fn host_names(ctx: &mut Context, set: &crate::rules::Ruleset, wait: bool) {
    use crate::watch::dns::NAME_FIELDS;
    ctx.host_names.set_names(set.literals_for(NAME_FIELDS));
    if wait {
        let waiting = ctx.host_names.wait_resolved(Duration::from_secs(2));
        if !waiting.is_empty() {
            eprintln!(
                "ksec watch: still resolving {} (no address has these names until they resolve)",
                waiting.join(", ")
            );
        }
    }
}

/// Runs `ksec watch`.
///
/// # Errors
/// Bad arguments, rules that do not load, no event source.
pub fn run(args: WatchArgs) -> anyhow::Result<Exit> {
    if args.print_default_rules {
        print!("{DEFAULT_RULES}");
        return Ok(Exit::Success);
    }
    let min: Priority = args
        .min_priority
        .parse()
        .map_err(|e: String| ExitError::new(Exit::Error, format!("--min-priority: {e}")))?;
    if args.validate {
        let (inputs, loaded) = load(&args, &[])?;
        print!("{}", rules::render_validate(&loaded, &inputs));
        return Ok(if loaded.has_errors() {
            Exit::Error
        } else {
            Exit::Success
        });
    }
    if args.list_fields && args.source != WatchSource::Fallback && args.source != WatchSource::Ebpf
    {
        print_list_fields(None)?;
        return Ok(Exit::Success);
    }
    if args.list_rules {
        let (inputs, loaded) = load(&args, &[])?;
        let (set, _) = report_load(&inputs, loaded)?;
        print_rules(&set)?;
        return Ok(Exit::Success);
    }

    let proc = proc_root(&args.proc)?;
    let mut outs = outputs(&args)?;
    sig::install_fatal_handlers(&[Signal::SIGINT, Signal::SIGTERM])
        .context("cannot install signal handlers")?;
    sig::install_reload_handler().context("cannot install the SIGHUP handler")?;
    let mut source = start_source(&args, &proc)?;
    if args.list_fields {
        print_list_fields(Some(source.as_ref()))?;
        return Ok(Exit::Success);
    }
    let unavailable = source.unavailable();
    let (inputs, loaded) = load(&args, unavailable)?;
    let (mut set, skipped) = report_load(&inputs, loaded)?;
    let _pidfile = args.pidfile.as_deref().map(PidFile::create).transpose()?;
    let mut ctx = Context::new(
        proc,
        MetaReader {
            host_root: args.host_root.clone(),
        },
    );
    let filter = |source: &mut Box<dyn Source>, set: &crate::rules::Ruleset| {
        let need = open_need(set.rules());
        let opens: String = match source.set_open_filter(&need) {
            Ok(true) => match need.lookup_table() {
                Some(t) if t.is_empty() => " (no open is read: no rule is about opens)".into(),
                Some(t) => format!(" (opens filtered in the kernel: {} path prefixes)", t.len()),
                None => {
                    let names = unfiltered(set.rules());
                    let more = match names.len() {
                        0 | 1 => String::new(),
                        n => format!(" and {} more", n - 1),
                    };
                    format!(
                        " (every open read: rule \"{}\"{more} can match opens of any path)",
                        names.first().copied().unwrap_or("?")
                    )
                }
            },
            Ok(false) => String::new(),
            Err(e) => {
                eprintln!("ksec watch: {e:#}; every open is read");
                String::new()
            }
        };
        let net = source.set_net_filter(set.rules()).unwrap_or_else(|e| {
            eprintln!("ksec watch: {e:#}; no sendto, sendmsg, recvfrom or recvmsg is read");
            String::new()
        });
        opens + &net
    };
    let filtered = filter(&mut source, &set);
    host_names(&mut ctx, &set, true);
    eprintln!(
        "ksec watch: {} rules loaded from {} ({} skipped: fields this source lacks); events from {}{filtered}",
        set.rules().len(),
        inputs
            .iter()
            .map(|i| i.name.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        skipped,
        source.name()
    );

    let mut counts = Counts::default();
    let mut batch: Vec<RawEvent> = Vec::with_capacity(4096);
    let mut reported = Lost::default();
    let mut last_drop_report = Instant::now();
    let mut num = 0u64;
    loop {
        if let Some(s) = sig::fatal_signal() {
            eprintln!(
                "ksec watch: {s:?}: {} events, {} alerts, {} events lost",
                counts.events,
                counts.alerts,
                source.lost().total()
            );
            break;
        }
        if sig::take_reload_request() {
            match load(&args, unavailable).and_then(|(i, l)| report_load(&i, l)) {
                Ok((new, skipped)) => {
                    eprintln!(
                        "ksec watch: SIGHUP: rules reloaded: {} rules ({skipped} skipped)",
                        new.rules().len()
                    );
                    set = new;
                    filter(&mut source, &set);
                    host_names(&mut ctx, &set, false);
                }
                Err(e) => eprintln!("ksec watch: SIGHUP: {e:#}; the previous rules stay active"),
            }
        }
        batch.clear();
        source.poll(&mut batch, Duration::from_millis(200))?;
        for raw in &batch {
            num += 1;
            counts.events += 1;
            ctx.prepare(raw);
            {
                let ev = WatchEvent::new(raw, &ctx, num);
                for rule in set.matching(&ev) {
                    if rule.priority > min {
                        continue;
                    }
                    let alert = Alert {
                        time_ns: raw.time_ns,
                        rule: rule.name.clone(),
                        priority: rule.priority.to_string(),
                        severity: severity(rule.priority),
                        source: rule.source.clone(),
                        hostname: ctx.hostname().to_string(),
                        output: rule.output(&ev),
                        tags: rule.tags.clone(),
                        output_fields: rule.output_fields(&ev),
                    };
                    counts.alerts += 1;
                    if let Err(e) = outs.send(&alert) {
                        counts.output_errors += 1;
                        eprintln!("ksec watch: {e:#}");
                    }
                }
            }
            ctx.finish(raw);
        }
        let lost = source.lost();
        if lost.total() > reported.total() && last_drop_report.elapsed() >= Duration::from_secs(1) {
            let new = diff(lost, reported);
            eprintln!(
                "ksec watch: {} events lost since the last report ({} in all)",
                new.total(),
                lost.total()
            );
            if Priority::Critical <= min {
                let _ = outs.send(&drop_alert(ctx.hostname(), new, lost, source.name()));
            }
            reported = lost;
            last_drop_report = Instant::now();
        }
    }
    Ok(Exit::Success)
}
