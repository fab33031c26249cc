//! What an incident is on disk and on screen: its alerts, its timeline and its numbers.

use crate::alerts::model::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One incident: opened by an alert at or above the configured severity (or by hand), closed when
/// every alert it gathered has resolved (or by hand).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `20261123-1727-servicedown-agente_negocio`: sortable by time, readable, a file name.
    pub id: String,
    pub environment: String,
    /// The first alert in a few words: `ServiceDown (critical, agente_negocio)`.
    pub title: String,
    /// The most severe severity seen.
    pub severity: String,
    /// When it started: the first alert's `startsAt`, or the time it was opened by hand.
    pub opened_ms: i64,
    pub closed_ms: Option<i64>,
    #[serde(default)]
    pub opened_by_hand: bool,
    #[serde(default)]
    pub closed_by_hand: bool,
    /// The alerts it gathered, by label-set key.
    pub alerts: BTreeMap<String, AlertSeen>,
    /// In time order.
    pub events: Vec<Event>,
}

/// One alert of an incident, with the times its source gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertSeen {
    pub name: String,
    pub severity: String,
    pub labels: Labels,
    /// Alertmanager's `startsAt`.
    pub starts_ms: i64,
    /// When it resolved: its `endsAt` when the source said, else when it was first seen gone.
    pub ends_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Opened,
    AlertFiring,
    AlertResolved,
    Silenced,
    Acknowledged,
    SilenceExpired,
    ActionStarted,
    ActionSucceeded,
    ActionFailed,
    ActionRefused,
    Verified,
    NotVerified,
    HealthChanged,
    EnvironmentSwitched,
    Note,
    Closed,
    Reopened,
}

impl EventKind {
    /// How the timeline names it.
    pub fn label(self) -> &'static str {
        use EventKind::*;
        match self {
            Opened => "opened",
            AlertFiring => "firing",
            AlertResolved => "resolved",
            Silenced => "silenced",
            Acknowledged => "acknowledged",
            SilenceExpired => "silence expired",
            ActionStarted => "action",
            ActionSucceeded => "action ok",
            ActionFailed => "action failed",
            ActionRefused => "action refused",
            Verified => "verified",
            NotVerified => "not verified",
            HealthChanged => "health",
            EnvironmentSwitched => "environment",
            Note => "note",
            Closed => "closed",
            Reopened => "reopened",
        }
    }

    /// Someone responded: the end of "time to acknowledge".
    pub fn acknowledges(self) -> bool {
        matches!(self, EventKind::Silenced | EventKind::Acknowledged | EventKind::ActionStarted)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: i64,
    pub kind: EventKind,
    /// What happened, in one line (untrusted parts sanitised when drawn).
    pub text: String,
    /// Who, when known (`ana@ops` for an action or a silence, empty for what the sources report).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub by: String,
}

/// An incident's durations, in ms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Numbers {
    /// Opened → first acknowledgement, silence or action.
    pub tta_ms: Option<i64>,
    /// Opened → first successful action, or the first alert to resolve, whichever came first.
    pub ttm_ms: Option<i64>,
    /// Opened → closed.
    pub ttr_ms: Option<i64>,
}

impl Incident {
    pub fn is_open(&self) -> bool {
        self.closed_ms.is_none()
    }

    /// Add an event, keeping the timeline in time order (sources can report late, with earlier times).
    pub fn push(&mut self, event: Event) {
        let at = self.events.partition_point(|e| e.at_ms <= event.at_ms);
        self.events.insert(at, event);
    }

    pub fn numbers(&self) -> Numbers {
        let since = |t: i64| (t - self.opened_ms).max(0);
        let first = |f: &dyn Fn(&Event) -> bool| self.events.iter().find(|e| f(e)).map(|e| since(e.at_ms));
        let tta_ms = first(&|e| e.kind.acknowledges());
        let ttm_ms = first(&|e| matches!(e.kind, EventKind::ActionSucceeded | EventKind::AlertResolved));
        Numbers { tta_ms, ttm_ms, ttr_ms: self.closed_ms.map(since) }
    }

    /// Alerts still firing.
    pub fn firing(&self) -> impl Iterator<Item = &AlertSeen> {
        self.alerts.values().filter(|a| a.ends_ms.is_none())
    }

    /// The last notes typed, newest first.
    pub fn notes(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().rev().filter(|e| e.kind == EventKind::Note)
    }
}

/// Mean time to acknowledge and to resolve over `incidents` (those that have the number), in ms.
pub fn means<'a>(incidents: impl IntoIterator<Item = &'a Incident>) -> (Option<i64>, Option<i64>) {
    let (mut a, mut na, mut r, mut nr) = (0i64, 0i64, 0i64, 0i64);
    for n in incidents.into_iter().map(Incident::numbers) {
        if let Some(t) = n.tta_ms {
            a += t;
            na += 1;
        }
        if let Some(t) = n.ttr_ms {
            r += t;
            nr += 1;
        }
    }
    ((na > 0).then(|| a / na), (nr > 0).then(|| r / nr))
}

/// A file-safe, sortable id: `20261123-1727-servicedown-agente_negocio`.
pub fn make_id(opened_ms: i64, title_words: &[&str]) -> String {
    let t = chrono::DateTime::from_timestamp_millis(opened_ms).unwrap_or_default();
    let mut id = t.format("%Y%m%d-%H%M%S").to_string();
    for w in title_words.iter().filter(|w| !w.is_empty()) {
        let w: String = w
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '-' })
            .take(32)
            .collect();
        id.push('-');
        id.push_str(&w);
    }
    id
}
