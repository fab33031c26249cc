//! The shift hand-off: what is firing now (by severity, with how long), the silences that expire
//! within a day (who, why, when), and the open incidents with their last notes and numbers so far, as
//! Markdown. Pure: what the Alertmanagers said is handed in ([`Handoff`]); fetching is in
//! [`super::report`].

use super::md::{cell, clock, dur, text, utc};
use super::model::Incident;
use crate::alerts::model::{Alert, AmState, Silence, SilenceState};
use std::fmt::Write;

/// Silences ending within this long are listed.
pub const EXPIRING_WITHIN_MS: i64 = 24 * 3_600_000;
/// Notes shown per open incident.
pub const NOTES: usize = 3;

/// What the environment's Alertmanagers answered, merged (an HA pair reports each alert twice).
#[derive(Debug, Clone, Default)]
pub struct Answers<T> {
    /// Everything the ones that answered reported, without duplicates.
    pub items: Vec<T>,
    /// How many answered.
    pub answered: usize,
    /// One line per Alertmanager that did not answer, or why none could be asked.
    pub problems: Vec<String>,
}

/// Everything the hand-off shows.
#[derive(Debug, Clone)]
pub struct Handoff<'a> {
    /// The environment the alerts and silences are from.
    pub environment: &'a str,
    /// Now, ms.
    pub now_ms: i64,
    /// Alerts, active and suppressed.
    pub alerts: Answers<Alert>,
    /// Silences, every state.
    pub silences: Answers<Silence>,
    /// The open incidents of every environment.
    pub open: Vec<&'a Incident>,
    /// Severities, most severe first (`alerts.severity_order`).
    pub severity_order: &'a [String],
    /// The alert that always fires while alerting works (`alerts.dead_mans_switch`): not listed as
    /// firing, its absence is.
    pub dead_mans_switch: Option<&'a str>,
}

/// The hand-off, as Markdown.
pub fn render(h: &Handoff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# Shift hand-off: {}, {}\n", text(h.environment), utc(h.now_ms));
    firing(&mut out, h);
    silences(&mut out, h);
    incidents(&mut out, h);
    out.push_str("## Notes for the next shift\n\n- \n");
    out
}

/// Say which backends did not answer; `true` when nothing at all could be read.
fn problems<T>(out: &mut String, a: &Answers<T>) -> bool {
    for p in &a.problems {
        let _ = writeln!(out, "> {}", text(p));
    }
    if !a.problems.is_empty() {
        out.push('\n');
    }
    a.answered == 0
}

fn rank(order: &[String], severity: &str) -> usize {
    order.iter().position(|s| s == severity).unwrap_or(order.len())
}

fn where_(a: &Alert) -> String {
    ["service", "job", "instance"]
        .iter()
        .find_map(|k| a.labels.get(*k).filter(|v| !v.is_empty()))
        .map_or(String::new(), |w| format!(" on {}", text(w)))
}

fn firing(out: &mut String, h: &Handoff) {
    let _ = writeln!(out, "## Firing now\n");
    if problems(out, &h.alerts) {
        let _ = writeln!(out, "Not known: no Alertmanager answered.\n");
        return;
    }
    let watchdog = |a: &&Alert| h.dead_mans_switch.is_some_and(|w| a.name() == w);
    if let Some(w) = h.dead_mans_switch {
        if !h.alerts.items.iter().any(|a| a.name() == w) {
            let _ = writeln!(
                out,
                "> **{}, the dead man's switch, is not firing: the alerting pipeline may be broken**, so this list \
                 may be incomplete.\n",
                text(w)
            );
        }
    }
    let mut active: Vec<&Alert> =
        h.alerts.items.iter().filter(|a| a.state != AmState::Suppressed && !watchdog(a)).collect();
    let muted = h.alerts.items.iter().filter(|a| a.state == AmState::Suppressed && !watchdog(a)).count();
    if active.is_empty() {
        let _ = writeln!(out, "Nothing is firing{}.\n", muted_note(muted));
        return;
    }
    active.sort_by_key(|a| (rank(h.severity_order, a.severity()), a.starts_at_ms, a.name().to_string()));
    let mut current: Option<&str> = None;
    for a in &active {
        if current != Some(a.severity()) {
            if current.is_some() {
                out.push('\n');
            }
            let sev = if a.severity().is_empty() { "no severity".to_string() } else { text(a.severity()) };
            let n = active.iter().filter(|b| b.severity() == a.severity()).count();
            let _ = writeln!(out, "### {sev} ({n})\n");
            current = Some(a.severity());
        }
        let summary = a.annotations.get("summary").map_or(String::new(), |s| format!(": {}", text(s)));
        let _ = writeln!(
            out,
            "- **{}**{} for {} (since {}){summary}",
            text(a.name()),
            where_(a),
            dur(h.now_ms - a.starts_at_ms),
            clock(a.starts_at_ms, h.now_ms)
        );
    }
    let _ = writeln!(out, "\n{} firing{}.\n", active.len(), muted_note(muted));
}

fn muted_note(muted: usize) -> String {
    if muted == 0 {
        String::new()
    } else {
        format!("; {muted} more silenced or inhibited")
    }
}

fn silences(out: &mut String, h: &Handoff) {
    let _ = writeln!(out, "## Silences expiring within 24 h\n");
    if problems(out, &h.silences) {
        let _ = writeln!(out, "Not known: no Alertmanager answered.\n");
        return;
    }
    let mut soon: Vec<&Silence> = h
        .silences
        .items
        .iter()
        .filter(|s| s.state != SilenceState::Expired)
        .filter(|s| (0..=EXPIRING_WITHIN_MS).contains(&(s.ends_at_ms - h.now_ms)))
        .collect();
    if soon.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    soon.sort_by_key(|s| (s.ends_at_ms, s.id.clone()));
    out.push_str("| Ends (UTC) | In | Matchers | By | Comment |\n| --- | --- | --- | --- | --- |\n");
    for s in soon {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            clock(s.ends_at_ms, h.now_ms),
            dur(s.ends_at_ms - h.now_ms),
            cell(&crate::alerts::filter::format_matchers(&s.matchers)),
            cell(&s.created_by),
            cell(&s.comment)
        );
    }
    out.push('\n');
}

fn incidents(out: &mut String, h: &Handoff) {
    let _ = writeln!(out, "## Open incidents\n");
    if h.open.is_empty() {
        let _ = writeln!(out, "None.\n");
        return;
    }
    for inc in &h.open {
        let n = inc.numbers();
        let _ = writeln!(out, "### {}\n", text(&inc.title));
        let _ = writeln!(out, "- **Id:** `{}` (`centinela postmortem {}` drafts its postmortem)", inc.id, inc.id);
        let _ = writeln!(out, "- **Environment:** {}", text(&inc.environment));
        let _ = writeln!(out, "- **Opened:** {}, {} ago", utc(inc.opened_ms), dur(h.now_ms - inc.opened_ms));
        let _ = writeln!(out, "- **Still firing:** {} of {} alert(s)", inc.firing().count(), inc.alerts.len());
        let say = |v: Option<i64>, what: &str| {
            v.map_or_else(|| format!("not {what} yet"), |t| format!("{what} after {}", dur(t)))
        };
        let _ = writeln!(out, "- **So far:** {}, {}", say(n.tta_ms, "acknowledged"), say(n.ttm_ms, "mitigated"));
        let notes: Vec<_> = inc.notes().take(NOTES).collect();
        if notes.is_empty() {
            let _ = writeln!(out, "- **Last notes:** none\n");
            continue;
        }
        let _ = writeln!(out, "- **Last notes** (newest first):");
        for e in notes {
            let by = if e.by.is_empty() { String::new() } else { format!(" {}:", text(&e.by)) };
            let _ = writeln!(out, "  - {}{by} {}", clock(e.at_ms, h.now_ms), text(&e.text));
        }
        out.push('\n');
    }
}
