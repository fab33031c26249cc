//! The postmortem draft: one incident, the incidents around it, the audit trail's records and the key
//! panels' values, written as Markdown a team can paste into its postmortem document. Pure: everything
//! it shows is handed in ([`Draft`]); fetching is in [`super::report`].

use super::md::{cell, clock, code, dur, text, utc};
use super::model::{means, EventKind, Incident};
use super::sparkline::{self, Scale};
use crate::actions::audit::{Event as AuditEvent, Record};
use crate::units::Unit;
use std::collections::BTreeSet;
use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

/// Characters per sparkline.
pub const SPARK_WIDTH: usize = 60;

/// The targets the numbers are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Targets {
    /// Mean time to resolve, ms.
    pub mttr_ms: i64,
    /// Mean time to acknowledge, ms, when one is set.
    pub mtta_ms: Option<i64>,
}

/// The targets from their settings (`[incidents] mttr_target`, `mtta_target`, or the command line).
pub fn targets(mttr: Duration, mtta: Option<Duration>) -> Targets {
    Targets { mttr_ms: mttr.as_millis() as i64, mtta_ms: mtta.map(|d| d.as_millis() as i64) }
}

/// What the audit trail holds for the incident.
#[derive(Debug, Clone, PartialEq)]
pub enum Trail {
    /// There is no audit file there (no action was ever run with this state dir).
    Missing(PathBuf),
    /// The file is there but could not be read.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why, in words.
        why: String,
    },
    /// The records of the incident's environment within its window, oldest first.
    Records {
        /// The file.
        path: PathBuf,
        /// The matching records.
        records: Vec<Record>,
        /// Lines in the file that were not records (torn or edited; `centinela audit verify` names them).
        bad_lines: usize,
    },
}

/// One series of a key panel: its legend and (unix seconds, value) points.
pub type Line = (String, Vec<(f64, f64)>);

/// One key panel's series over the window.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// The panel's title.
    pub title: String,
    /// The panel's unit, for min/max/last.
    pub unit: Unit,
    /// The panel's decimals.
    pub decimals: Option<u8>,
    /// The panel's configured bounds, which widen the sparkline's scale.
    pub min: Option<f64>,
    /// See `min`.
    pub max: Option<f64>,
    /// (legend, points) per series, or what Prometheus said instead.
    pub series: Result<Vec<Line>, String>,
    /// Series left out to keep the section short.
    pub more: usize,
}

/// The key panels' section: the charts, or why there are none.
#[derive(Debug, Clone, PartialEq)]
pub enum Panels {
    /// The window asked for (unix seconds), its step and the charts.
    Charts {
        /// Start of the window, unix seconds.
        start_s: f64,
        /// End of the window, unix seconds.
        end_s: f64,
        /// The range query's step, seconds.
        step_s: i64,
        /// One per key panel.
        charts: Vec<Chart>,
    },
    /// No values: `Prometheus at … did not answer: …`, or the environment is not configured.
    Unavailable(String),
    /// No stat or timeseries panel is configured.
    NoPanels,
}

/// Everything the draft shows.
#[derive(Debug, Clone)]
pub struct Draft<'a> {
    /// The incident.
    pub incident: &'a Incident,
    /// Every stored incident (for MTTA and MTTR of its environment).
    pub all: &'a [Incident],
    /// What the numbers are compared with.
    pub targets: Targets,
    /// The audit trail's records.
    pub trail: Trail,
    /// The key panels.
    pub panels: Panels,
    /// Now, ms (an open incident's durations run to here).
    pub now_ms: i64,
}

/// The draft, as Markdown.
pub fn render(d: &Draft) -> String {
    let mut out = String::new();
    let inc = d.incident;
    let _ = writeln!(out, "# Postmortem: {}\n", text(&inc.title));
    let _ = writeln!(
        out,
        "Incident `{}` · draft written by centinela on {} from its timeline, the audit trail and Prometheus; \
         edit freely.\n",
        code(&inc.id),
        utc(d.now_ms)
    );
    summary(&mut out, d);
    impact(&mut out, inc);
    timeline(&mut out, inc);
    actions(&mut out, d);
    numbers(&mut out, d);
    panels(&mut out, &d.panels, inc.opened_ms);
    for (title, hint) in [
        ("Root cause", "_What made it happen, and why it was possible. Ask \"why\" until the answer is a decision or a gap, not a person._"),
        ("What went well", "- "),
        ("What went wrong", "- "),
    ] {
        let _ = writeln!(out, "## {title}\n\n{hint}\n");
    }
    out.push_str("## Follow-ups\n\n- [ ] _task_ — _owner_ — _due date_\n");
    out
}

fn summary(out: &mut String, d: &Draft) {
    let inc = d.incident;
    let end = inc.closed_ms.unwrap_or(d.now_ms);
    let how_opened = if inc.opened_by_hand { "opened by hand" } else { "when its first alert started firing" };
    let _ = writeln!(out, "## Summary\n");
    let _ = writeln!(out, "- **What:** {}", text(&inc.title));
    let _ = writeln!(out, "- **Environment:** {}", text(&inc.environment));
    if !inc.severity.is_empty() {
        let _ = writeln!(out, "- **Severity:** {}", text(&inc.severity));
    }
    let _ = writeln!(out, "- **Opened:** {} ({how_opened})", utc(inc.opened_ms));
    match inc.closed_ms {
        Some(c) => {
            let how = if inc.closed_by_hand { "closed by hand" } else { "every alert resolved" };
            let _ = writeln!(out, "- **Closed:** {} ({how})", utc(c));
            let _ = writeln!(out, "- **Duration:** {}", dur(end - inc.opened_ms));
            let _ = writeln!(out, "- **State:** resolved\n");
        }
        None => {
            let _ = writeln!(out, "- **Closed:** not yet");
            let _ = writeln!(out, "- **Duration:** {} so far", dur(end - inc.opened_ms));
            let firing = inc.firing().count();
            let _ = writeln!(out, "- **State:** open, {firing} alert(s) still firing\n");
        }
    }
}

/// The services an incident touched: its alerts' `service` and `job` labels, in order.
pub fn services(inc: &Incident) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for a in inc.alerts.values() {
        for k in ["service", "job"] {
            if let Some(v) = a.labels.get(k).filter(|v| !v.is_empty()) {
                if seen.insert(v.clone()) {
                    out.push(v.clone());
                }
            }
        }
    }
    out
}

fn impact(out: &mut String, inc: &Incident) {
    let _ = writeln!(out, "## Impact\n");
    let _ = writeln!(out, "- **Environment:** {}", text(&inc.environment));
    let svc = services(inc);
    if !svc.is_empty() {
        let svc: Vec<String> = svc.iter().map(|s| text(s)).collect();
        let _ = writeln!(out, "- **Services:** {}", svc.join(", "));
    }
    if inc.alerts.is_empty() {
        let _ = writeln!(out, "- **Alerts:** none (opened by hand)\n");
        return;
    }
    let mut by_sev: Vec<(String, usize)> = Vec::new();
    for a in inc.alerts.values() {
        match by_sev.iter_mut().find(|(s, _)| *s == a.severity) {
            Some((_, n)) => *n += 1,
            None => by_sev.push((a.severity.clone(), 1)),
        }
    }
    let counts: Vec<String> = by_sev
        .iter()
        .map(|(s, n)| format!("{n} {}", if s.is_empty() { "without severity".into() } else { text(s) }))
        .collect();
    let _ = writeln!(out, "- **Alerts:** {} ({})\n", inc.alerts.len(), counts.join(", "));
    out.push_str("| Alert | Severity | Service | Instance | Started (UTC) | Resolved (UTC) | Fired for |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    let mut alerts: Vec<_> = inc.alerts.values().collect();
    alerts.sort_by_key(|a| (a.starts_ms, a.name.clone()));
    for a in alerts {
        let label = |k: &str| a.labels.get(k).map_or(String::new(), |v| v.clone());
        let service = if label("service").is_empty() { label("job") } else { label("service") };
        let (resolved, fired) = match a.ends_ms {
            Some(e) => (clock(e, inc.opened_ms), dur(e - a.starts_ms)),
            None => ("still firing".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&a.name),
            cell(&a.severity),
            cell(&service),
            cell(&label("instance")),
            clock(a.starts_ms, inc.opened_ms),
            resolved,
            fired
        );
    }
    out.push('\n');
}

/// The timeline section: one table row per event (also what `y` copies in the incidents view).
pub fn timeline(out: &mut String, inc: &Incident) {
    let _ = writeln!(out, "## Timeline\n");
    let day = chrono::DateTime::from_timestamp_millis(inc.opened_ms).map(|t| t.format("%Y-%m-%d").to_string());
    let _ = writeln!(out, "Times in UTC, on {} unless a date is given.\n", day.unwrap_or_default());
    out.push_str("| Time (UTC) | Event | What | By |\n| --- | --- | --- | --- |\n");
    for e in &inc.events {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            clock(e.at_ms, inc.opened_ms),
            e.kind.label(),
            cell(&e.text),
            cell(&e.by)
        );
    }
    out.push('\n');
}

fn is_action(k: EventKind) -> bool {
    use EventKind::*;
    matches!(k, ActionStarted | ActionSucceeded | ActionFailed | ActionRefused | Verified | NotVerified)
}

/// One attempt in the audit trail, gathered from its records.
#[derive(Default)]
struct Attempt {
    at: String,
    action: String,
    target: String,
    user: String,
    result: String,
    exit: String,
    duration: String,
    verified: String,
}

fn attempts(records: &[Record]) -> Vec<Attempt> {
    let mut out: Vec<(String, Attempt)> = Vec::new();
    for r in records {
        let e = &r.entry;
        let i = match out.iter().position(|(id, _)| *id == e.attempt) {
            Some(i) => i,
            None => {
                let a = Attempt {
                    at: r.time.clone(),
                    action: e.action.clone(),
                    target: e.target.clone(),
                    user: e.user.clone(),
                    result: "started, no end recorded".into(),
                    ..Attempt::default()
                };
                out.push((e.attempt.clone(), a));
                out.len() - 1
            }
        };
        let a = &mut out[i].1;
        let said = |what: &str| if e.outcome.is_empty() { what.to_string() } else { format!("{what}: {}", e.outcome) };
        match e.event {
            AuditEvent::Started | AuditEvent::Recovered => {}
            AuditEvent::Finished => a.result = said("finished"),
            AuditEvent::TimedOut => a.result = said("timed out"),
            AuditEvent::Refused => a.result = said("refused"),
            AuditEvent::Cancelled => a.result = said("cancelled"),
            AuditEvent::DryRun => a.result = said("dry run"),
            AuditEvent::Verified => a.verified = e.outcome.clone(),
        }
        if let Some(c) = e.exit_code {
            a.exit = c.to_string();
        }
        if let Some(ms) = e.duration_ms {
            a.duration = match ms {
                0..1000 => format!("{ms} ms"),
                1000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
                _ => dur(ms as i64),
            };
        }
    }
    out.into_iter().map(|(_, a)| a).collect()
}

fn actions(out: &mut String, d: &Draft) {
    let inc = d.incident;
    let _ = writeln!(out, "## Actions\n");
    let events: Vec<_> = inc.events.iter().filter(|e| is_action(e.kind)).collect();
    if events.is_empty() {
        let _ = writeln!(out, "No runbook action is on the incident's timeline.\n");
    } else {
        for e in events {
            let by = if e.by.is_empty() { String::new() } else { format!(" (by {})", text(&e.by)) };
            let _ = writeln!(out, "- {} **{}** {}{by}", clock(e.at_ms, inc.opened_ms), e.kind.label(), text(&e.text));
        }
        out.push('\n');
    }
    match &d.trail {
        Trail::Missing(p) => {
            let _ = writeln!(
                out,
                "No audit trail at `{}`: no runbook action was run with this state dir, so exit codes and \
                 durations are not known.\n",
                code(&p.display().to_string())
            );
        }
        Trail::Unreadable { path, why } => {
            let _ = writeln!(
                out,
                "The audit trail at `{}` could not be read: {}\n",
                code(&path.display().to_string()),
                text(why)
            );
        }
        Trail::Records { path, records, bad_lines } => {
            let path = code(&path.display().to_string());
            let list = attempts(records);
            if list.is_empty() {
                let _ = writeln!(
                    out,
                    "The audit trail (`{path}`) has no record in {} during the incident.\n",
                    text(&inc.environment)
                );
            } else {
                let _ =
                    writeln!(out, "From the audit trail (`{path}`), {} during the incident:\n", text(&inc.environment));
                out.push_str("| Started (UTC) | Action | Target | By | Result | Exit | Took | Verified |\n");
                out.push_str("| --- | --- | --- | --- | --- | --- | --- | --- |\n");
                for a in list {
                    let at = crate::alerts::model::parse_time(&a.at)
                        .map_or_else(|| a.at.clone(), |t| clock(t, inc.opened_ms));
                    let _ = writeln!(
                        out,
                        "| {} | {} | {} | {} | {} | {} | {} | {} |",
                        cell(&at),
                        cell(&a.action),
                        cell(&a.target),
                        cell(&a.user),
                        cell(&a.result),
                        cell(&a.exit),
                        cell(&a.duration),
                        cell(&a.verified)
                    );
                }
                out.push('\n');
            }
            if *bad_lines > 0 {
                let _ = writeln!(
                    out,
                    "{bad_lines} line(s) of the trail are not records; `centinela audit verify` names them.\n"
                );
            }
        }
    }
}

fn against(value: i64, target: Option<i64>) -> String {
    match target {
        Some(t) => format!("(target {}: {})", dur(t), if value <= t { "met" } else { "missed" }),
        None => "(no target set)".into(),
    }
}

fn numbers(out: &mut String, d: &Draft) {
    let inc = d.incident;
    let n = inc.numbers();
    let _ = writeln!(out, "## Numbers\n");
    let so_far = dur(d.now_ms - inc.opened_ms);
    let show = |v: Option<i64>, none: &str| v.map_or_else(|| none.to_string(), dur);
    let not = if inc.is_open() { "not yet" } else { "—" };
    let _ = writeln!(out, "- **Time to acknowledge:** {}", show(n.tta_ms, not));
    let _ = writeln!(out, "- **Time to mitigate:** {}", show(n.ttm_ms, not));
    match n.ttr_ms {
        Some(t) => {
            let _ = writeln!(out, "- **Time to resolve:** {} {}", dur(t), against(t, Some(d.targets.mttr_ms)));
        }
        None => {
            let _ = writeln!(out, "- **Time to resolve:** still open ({so_far} so far)");
        }
    }
    let env: Vec<&Incident> = d.all.iter().filter(|i| i.environment == inc.environment).collect();
    let (mtta, mttr) = means(env.iter().copied());
    let acked = env.iter().filter(|i| i.numbers().tta_ms.is_some()).count();
    let resolved = env.iter().filter(|i| i.closed_ms.is_some()).count();
    let env_name = text(&inc.environment);
    match mtta {
        Some(m) => {
            let _ = writeln!(
                out,
                "- **MTTA** {} over {acked} acknowledged incident(s) in {env_name} {}",
                dur(m),
                against(m, d.targets.mtta_ms)
            );
        }
        None => {
            let _ = writeln!(out, "- **MTTA:** no acknowledged incident in {env_name} yet");
        }
    }
    match mttr {
        Some(m) => {
            let _ = writeln!(
                out,
                "- **MTTR** {} over {resolved} resolved incident(s) in {env_name} {}",
                dur(m),
                against(m, Some(d.targets.mttr_ms))
            );
        }
        None => {
            let _ =
                writeln!(out, "- **MTTR:** no resolved incident in {env_name} yet (target {})", dur(d.targets.mttr_ms));
        }
    }
    out.push_str(
        "\nAcknowledged: the first acknowledgement, silence or action. Mitigated: the first successful action or \
         the first alert to resolve. Resolved: every alert resolved, or closed by hand.\n\n",
    );
}

fn panels(out: &mut String, p: &Panels, day_of_ms: i64) {
    let _ = writeln!(out, "## Key panels during the incident\n");
    match p {
        Panels::Unavailable(why) => {
            let _ = writeln!(out, "{}\n", text(why));
        }
        Panels::NoPanels => {
            let _ = writeln!(out, "No stat or timeseries panel is configured, so there is nothing to show.\n");
        }
        Panels::Charts { start_s, end_s, step_s, charts } => {
            let ms = |s: f64| (s * 1000.0) as i64;
            let per = *step_s as f64;
            let _ = writeln!(
                out,
                "From Prometheus, {} to {} UTC (from 10 minutes before the incident to 5 minutes after it, or now), \
                 one character every {}.\n",
                clock(ms(*start_s), day_of_ms),
                clock(ms(*end_s), day_of_ms),
                dur(ms(per))
            );
            for c in charts {
                chart(out, c, *start_s, *end_s);
            }
        }
    }
}

fn chart(out: &mut String, c: &Chart, start: f64, end: f64) {
    let _ = writeln!(out, "### {}\n", text(&c.title));
    let series = match &c.series {
        Err(why) => {
            let _ = writeln!(out, "Prometheus said: `{}`\n", code(why));
            return;
        }
        Ok(s) if s.is_empty() => {
            let _ = writeln!(out, "No data in this window.\n");
            return;
        }
        Ok(s) => s,
    };
    let scale = Scale::of(series.iter().flat_map(|(_, p)| p), c.min, c.max);
    let names: Vec<String> = series.iter().map(|(n, _)| code(n)).collect();
    let w = names.iter().map(|n| unicode_width::UnicodeWidthStr::width(n.as_str())).max().unwrap_or(0).min(32);
    out.push_str("```text\n");
    for (name, (_, points)) in names.iter().zip(series) {
        let pad = w.saturating_sub(unicode_width::UnicodeWidthStr::width(name.as_str()));
        let line = match (scale, sparkline::stats(points, c.unit, c.decimals)) {
            (Some(scale), Some(stats)) => {
                format!("{}  {stats}", sparkline::render(points, start, end, SPARK_WIDTH, scale))
            }
            _ => "no value in this window".into(),
        };
        let _ = writeln!(out, "{name}{}  {line}", " ".repeat(pad));
    }
    out.push_str("```\n");
    if c.more > 0 {
        let _ = writeln!(out, "\n{} more series not shown.", c.more);
    }
    out.push('\n');
}
