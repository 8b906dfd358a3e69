//! `ksec doctor`: the probes of [`crate::doctor`] run against this node and printed as two
//! tables (the node's facts, then what works) or one JSON document. Ends 0 once every probe
//! ran, whatever they found; 2 when the /proc to read is not one.

use std::io::Write;

use anyhow::Context;

use crate::cli::DoctorArgs;
use crate::doctor::{probe, report, Report};
use crate::exit::Exit;
use crate::output::json::write_json;
use crate::output::table::{cell, table, write_table};
use crate::proc::root::ProcRoot;

/// What to probe and how to print it, validated.
#[derive(Debug, Clone)]
pub struct DoctorConfig {
    pub root: ProcRoot,
    pub json: bool,
}

impl DoctorConfig {
    /// Validates the raw arguments.
    ///
    /// # Errors
    /// `--proc-root` / `$HOST_PROC` is no /proc.
    pub fn from_args(args: DoctorArgs) -> anyhow::Result<Self> {
        Ok(Self {
            root: super::proc_args::proc_root(&args.proc)?,
            json: args.json,
        })
    }
}

/// Runs `ksec doctor`.
///
/// # Errors
/// The /proc is not one, or writing the report fails.
pub fn run(args: DoctorArgs) -> anyhow::Result<Exit> {
    let cfg = DoctorConfig::from_args(args)?;
    let report = report(&probe::collect(&cfg.root));
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if cfg.json {
        write_json(&mut out, &report).context("write the report")?;
    } else {
        render(&mut out, &report).context("write the report")?;
    }
    out.flush().context("write the report")?;
    Ok(Exit::Success)
}

/// The two tables: CHECK STATE VALUE DETAIL, then FEATURE WORKS REASON.
///
/// # Errors
/// Writing fails.
pub fn render(out: &mut impl Write, report: &Report) -> std::io::Result<()> {
    let mut checks = table(&["CHECK", "STATE", "VALUE", "DETAIL"]);
    for c in &report.checks {
        checks.add_row(vec![
            cell(c.name.as_bytes()),
            c.state.word().to_string(),
            cell(c.value.as_bytes()),
            cell(c.detail.as_bytes()),
        ]);
    }
    write_table(out, &checks)?;
    writeln!(out)?;
    let mut features = table(&["FEATURE", "WORKS", "REASON"]);
    for f in &report.features {
        features.add_row(vec![
            f.feature.to_string(),
            if f.works { "yes" } else { "no" }.to_string(),
            cell(f.reason.as_bytes()),
        ]);
    }
    write_table(out, &features)
}
