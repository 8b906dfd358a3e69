//! `ksec audit-policy lint|explain`: a policy file read into the model of
//! [`crate::audit::policy`], then its lint warnings, or the decision for one request described
//! on the command line, printed as text or JSON.

use std::io::{self, Write};
use std::path::Path;

use anyhow::Context;

use crate::audit::policy::eval::{evaluate, Request};
use crate::audit::policy::lint::lint;
use crate::audit::policy::{Level, Policy, Stage};
use crate::cli::{
    AuditPolicyArgs, AuditPolicyCommand, AuditPolicyExplainArgs, AuditPolicyLintArgs,
};
use crate::exit::{Exit, ExitError};
use crate::output::json::write_json;

/// Reads and parses the policy at `path`.
///
/// # Errors
/// The file cannot be read, or is not a policy (the error names file and line).
pub fn load(path: &Path) -> anyhow::Result<Policy> {
    let text = std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))?;
    Policy::parse(&text).map_err(|e| {
        ExitError::new(
            Exit::Error,
            format!("{}:{}: {}", path.display(), e.line, e.message),
        )
        .into()
    })
}

/// Runs `ksec audit-policy`.
///
/// # Errors
/// The policy cannot be read or parsed; writing fails.
pub fn run(args: AuditPolicyArgs) -> anyhow::Result<Exit> {
    match args.command {
        AuditPolicyCommand::Lint(a) => run_lint(a),
        AuditPolicyCommand::Explain(a) => run_explain(a),
    }
}

fn run_lint(a: AuditPolicyLintArgs) -> anyhow::Result<Exit> {
    let policy = load(&a.policy)?;
    let warnings = lint(&policy);
    let mut out = io::stdout().lock();
    if a.json {
        write_json(
            &mut out,
            &serde_json::json!({
                "policy": a.policy.display().to_string(),
                "rules": policy.rules.len(),
                "warnings": warnings,
            }),
        )?;
    } else {
        for w in &warnings {
            writeln!(
                out,
                "{}:{}: warning[{}]: {}",
                a.policy.display(),
                w.line,
                w.check,
                w.message
            )?;
        }
        if warnings.is_empty() {
            writeln!(
                out,
                "{}: {} rules, no warnings",
                a.policy.display(),
                policy.rules.len()
            )?;
        }
    }
    Ok(if warnings.is_empty() {
        Exit::Success
    } else {
        Exit::Found
    })
}

/// The request described by `explain`'s options.
///
/// # Errors
/// Neither --resource nor --path given.
pub fn request_of(a: &AuditPolicyExplainArgs) -> anyhow::Result<Request> {
    let mut req = Request {
        user: a.user.clone(),
        groups: a.group.clone(),
        verb: a.verb.clone(),
        namespace: a.namespace.clone().unwrap_or_default(),
        name: a.name.clone().unwrap_or_default(),
        ..Request::default()
    };
    match (&a.resource, &a.path) {
        (Some(r), _) => {
            let (res, sub) = r.split_once('/').unwrap_or((r.as_str(), ""));
            let (res, group) = match (res.split_once('.'), &a.api_group) {
                (_, Some(g)) => (res, g.clone()),
                (Some((res, g)), None) => (res, g.to_string()),
                (None, None) => (res, String::new()),
            };
            req.resource = res.to_string();
            req.subresource = sub.to_string();
            req.api_group = group;
            req.resource_request = true;
            req.path = format!("/api/{res}");
        }
        (None, Some(p)) => {
            req.path = p.clone();
        }
        (None, None) => anyhow::bail!("give --resource RESOURCE or --path PATH"),
    }
    Ok(req)
}

fn run_explain(a: AuditPolicyExplainArgs) -> anyhow::Result<Exit> {
    let policy = load(&a.policy)?;
    let req = request_of(&a)?;
    let d = evaluate(&policy, &req);
    let logged: Vec<&str> = Stage::ALL
        .iter()
        .filter(|s| d.level > Level::None && !d.omit_stages.contains(s))
        .map(|s| s.name())
        .collect();
    let omitted: Vec<&str> = d.omit_stages.iter().map(|s| s.name()).collect();
    let mut out = io::stdout().lock();
    let rule = d.rule.map(|i| &policy.rules[i]);
    if a.json {
        write_json(
            &mut out,
            &serde_json::json!({
                "policy": a.policy.display().to_string(),
                "rule": d.rule.map(|i| i + 1),
                "line": rule.map(|r| r.line),
                "level": d.level,
                "omitStages": omitted,
                "loggedStages": logged,
                "matched": rule,
            }),
        )?;
    } else {
        match rule {
            Some(r) => writeln!(
                out,
                "{}:{}: rule {} of {} matches",
                a.policy.display(),
                r.line,
                d.rule.unwrap_or(0) + 1,
                policy.rules.len()
            )?,
            None => writeln!(
                out,
                "{}: no rule matches (the default level is None)",
                a.policy.display()
            )?,
        }
        writeln!(out, "level:        {}", d.level)?;
        writeln!(
            out,
            "omitStages:   {}",
            if omitted.is_empty() {
                "(none)".to_string()
            } else {
                omitted.join(", ")
            }
        )?;
        writeln!(
            out,
            "logged at:    {}",
            if logged.is_empty() {
                "(not logged)".to_string()
            } else {
                logged.join(", ")
            }
        )?;
        let body = match d.level {
            Level::None => "nothing",
            Level::Metadata => "metadata only (user, verb, resource, times, code); no bodies",
            Level::Request => "metadata and the request body",
            Level::RequestResponse => "metadata, the request body and the response body",
        };
        writeln!(out, "records:      {body}")?;
    }
    Ok(if d.level > Level::None {
        Exit::Success
    } else {
        Exit::NotFound
    })
}
