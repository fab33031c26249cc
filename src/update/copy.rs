//! Copying and saving what is on screen: the intents become `Effect::Copy` (the runtime writes it to
//! the terminal as OSC 52, see [`crate::clipboard`]) and `Effect::SaveSnapshot` (the engine renders
//! the screen and writes the files). Pure, like all of `update`: the status line says what was copied
//! at once, and where the snapshot went when the engine answers with `Action::SnapshotSaved`.

use super::set_status;
use crate::action::Intent;
use crate::alerts::model::Alert;
use crate::effect::Effect;
use crate::incidents::md;
use crate::sanitize::sanitize;
use crate::state::{Page, State};
use std::fmt::Write;

pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    let copied = match intent {
        Intent::SaveSnapshot => return Some(vec![Effect::SaveSnapshot { name: view_name(state) }]),
        Intent::CopyQuery if state.page == Page::Dashboards => panel_queries(state),
        Intent::CopyValues if state.page == Page::Dashboards => panel_values(state),
        Intent::CopyMatchers if state.page == Page::Alerts => selected_alert(state).map(|a| ("matchers", matchers(a))),
        Intent::CopyAlertMarkdown if state.page == Page::Alerts => {
            selected_alert(state).map(|a| ("alert as Markdown", alert_markdown(a, state.now_ms)))
        }
        Intent::CopyLine if state.page == Page::Logs => {
            state.logs.cursor_line().map(|l| ("log line", sanitize(&l.entry.line).into_owned()))
        }
        Intent::CopyTimeline if state.page == Page::Incidents => incident_timeline(state),
        Intent::CopyQuery
        | Intent::CopyValues
        | Intent::CopyMatchers
        | Intent::CopyAlertMarkdown
        | Intent::CopyLine
        | Intent::CopyTimeline => None,
        _ => return None,
    };
    let Some((what, text)) = copied else {
        set_status(state, "nothing to copy here".into(), true);
        return Some(Vec::new());
    };
    Some(copy(state, what, text))
}

/// The effect copying `text`, and the status line saying so (warning when it is too large for some
/// terminals).
pub fn copy(state: &mut State, what: &str, text: String) -> Vec<Effect> {
    let bytes = text.len();
    let len = crate::clipboard::sequence_len(&text);
    if len > crate::clipboard::SAFE_BYTES {
        let msg = format!("copied {bytes} bytes: {what}; warning: over ~74 KB, some terminals drop the copy");
        set_status(state, msg, true);
    } else {
        set_status(state, format!("copied {bytes} bytes: {what}"), false);
    }
    vec![Effect::Copy { text }]
}

/// A file name part for the view on screen: `alerts`, `silences`, `health`, `logs`, `incidents`, or
/// the dashboard's name in lower case with anything but letters and digits as `-`.
pub fn view_name(state: &State) -> String {
    match state.page {
        Page::Alerts if state.alerts.silences_open => "silences".into(),
        Page::Alerts => "alerts".into(),
        Page::Health => "health".into(),
        Page::Logs => "logs".into(),
        Page::Incidents => "incidents".into(),
        Page::Dashboards => {
            let slug: String = state
                .dash()
                .spec
                .name
                .chars()
                .map(|c| if c.is_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
                .collect();
            let slug = slug.split('-').filter(|p| !p.is_empty()).collect::<Vec<_>>().join("-");
            if slug.is_empty() {
                format!("dashboard-{}", state.active + 1)
            } else {
                slug
            }
        }
    }
}

fn focused(state: &State) -> Option<(&crate::config::Panel, &crate::state::PanelState)> {
    let d = state.dash();
    let i = d.focus.min(d.spec.panels.len().checked_sub(1)?);
    Some((d.spec.panels.get(i)?, d.panels.get(i)?))
}

/// The focused panel's queries, one expression per line.
fn panel_queries(state: &State) -> Option<(&'static str, String)> {
    let (spec, _) = focused(state)?;
    let exprs: Vec<&str> = spec.queries.iter().map(|q| q.expr.trim()).filter(|e| !e.is_empty()).collect();
    (!exprs.is_empty()).then(|| ("panel query", exprs.join("\n")))
}

/// The focused panel's latest value of each series, as the panel shows it: `legend: value unit`.
fn panel_values(state: &State) -> Option<(&'static str, String)> {
    let (spec, ps) = focused(state)?;
    let series = crate::ui::series::collect(spec, ps);
    let mut out = String::new();
    for s in &series {
        if let Some(v) = s.last() {
            let _ = writeln!(out, "{}: {}", s.name, crate::ui::series::show(spec, v));
        }
    }
    if out.is_empty() {
        return None;
    }
    Some(("panel values", format!("{}\n{out}", sanitize(&spec.title))))
}

fn selected_alert(state: &State) -> Option<&Alert> {
    state.alerts.selected_alert().map(|s| &*s.alert)
}

/// The alert as an Alertmanager matcher set: `{alertname="X", severity="critical", …}`, alertname
/// first, values quoted as PromQL strings.
pub fn matchers(alert: &Alert) -> String {
    let quote = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n");
    let mut parts = Vec::new();
    if let Some(n) = alert.labels.get("alertname") {
        parts.push(format!("alertname=\"{}\"", quote(n)));
    }
    for (k, v) in alert.labels.iter().filter(|(k, _)| *k != "alertname") {
        parts.push(format!("{k}=\"{}\"", quote(v)));
    }
    format!("{{{}}}", parts.join(", "))
}

/// The alert as Markdown: name and severity, since when, annotations, labels.
pub fn alert_markdown(alert: &Alert, now_ms: i64) -> String {
    let mut out = format!("### {}", md::text(alert.name()));
    if !alert.severity().is_empty() {
        let _ = write!(out, " ({})", md::text(alert.severity()));
    }
    let since = alert.starts_at_ms;
    let _ = write!(out, "\n\n- **Firing since:** {} ({} ago)\n", md::utc(since), md::dur(now_ms - since));
    for (k, v) in &alert.annotations {
        let _ = writeln!(out, "- **{}:** {}", md::text(k), md::text(v));
    }
    let _ = writeln!(out, "- **Matchers:** `{}`", md::code(&matchers(alert)));
    if !alert.generator_url.is_empty() {
        let _ = writeln!(out, "- **Source:** <{}>", md::text(&alert.generator_url));
    }
    out
}

/// The selected incident's title and timeline table, as in the postmortem draft.
fn incident_timeline(state: &State) -> Option<(&'static str, String)> {
    let list = &state.incidents.list;
    // Shown newest first.
    let sel = state.incidents.selected.min(list.len().checked_sub(1)?);
    let inc = list.iter().rev().nth(sel)?;
    let mut out = format!("# {}\n\n", md::text(&inc.title));
    crate::incidents::postmortem::timeline(&mut out, inc);
    Some(("incident timeline", out))
}
