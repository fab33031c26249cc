//! The alerts view's state: each alerting feed's last answer, the merged view, the selection, the
//! filter bar, the silences list, the silence editor and the open question (expire?).

use super::text::LineEdit;
use crate::action::{AlertFeed, FetchError};
use crate::alerts::filter::{Compiled, Filter};
use crate::alerts::model::{
    Alert, AlertGroup, AmStatus, Labels, PromAlert, Rule, RuleGroup, Shared, Silence, SilenceState,
};
use crate::alerts::view::{self, Row, View};
use crate::config::AlertsSettings;
use std::collections::{HashMap, HashSet};

/// Failed polls in a row after which a feed's data no longer counts.
pub const DOWN_AFTER: u32 = 2;

/// One polled feed: its last good data, its last error, and polling bookkeeping.
#[derive(Debug, Clone, PartialEq)]
pub struct Feed<T> {
    pub data: Option<T>,
    /// When the last good data arrived.
    pub at_ms: i64,
    /// The last fetch failed with this (last good data stays).
    pub error: Option<FetchError>,
    pub next_due_ms: i64,
    pub in_flight: bool,
    pub issued: u64,
    /// Answered at least once, good or bad.
    pub answered: bool,
    /// Failed polls in a row.
    pub failures: u32,
    /// How long the last request took (ms).
    pub latency_ms: f64,
}

impl<T> Default for Feed<T> {
    fn default() -> Self {
        Feed {
            data: None,
            at_ms: 0,
            error: None,
            next_due_ms: 0,
            in_flight: false,
            issued: 0,
            answered: false,
            failures: 0,
            latency_ms: 0.0,
        }
    }
}

impl<T> Feed<T> {
    /// The data, unless fetches have failed twice in a row: an instance that is down reports
    /// nothing, but one lost poll does not make its alerts vanish and come back "new".
    pub fn live(&self) -> Option<&T> {
        if self.failures >= DOWN_AFTER {
            None
        } else {
            self.data.as_ref()
        }
    }

    /// Down: failed often enough that its data no longer counts.
    pub fn down(&self) -> bool {
        self.failures >= DOWN_AFTER
    }
}

/// One configured Alertmanager.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AmInstance {
    /// `host:port` of its URL, how it is named on screen.
    pub name: String,
    pub alerts: Feed<Vec<Shared>>,
    pub groups: Feed<Vec<AlertGroup>>,
    pub silences: Feed<Vec<Silence>>,
    pub status: Feed<AmStatus>,
}

/// The silence editor's fields, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Matchers,
    Duration,
    Comment,
    CreatedBy,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::Matchers, Field::Duration, Field::Comment, Field::CreatedBy];

    pub fn label(self) -> &'static str {
        match self {
            Field::Matchers => "matchers",
            Field::Duration => "duration",
            Field::Comment => "comment",
            Field::CreatedBy => "created by",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SilenceEditor {
    pub fields: [LineEdit; 4],
    pub focus: Field,
    /// Why the draft cannot be sent yet, or how many alerts firing now it would mute.
    pub check: Result<usize, String>,
}

impl SilenceEditor {
    pub fn field(&self, f: Field) -> &LineEdit {
        &self.fields[f as usize]
    }
}

/// A question waiting for yes or no.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    ExpireSilence { id: String, summary: String },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilterBar {
    /// The filter in force.
    pub text: String,
    pub filter_ok: bool,
    /// The text being edited, while the bar has the keyboard.
    pub edit: Option<LineEdit>,
    /// Why the edited text does not parse (shown under the bar; the old filter stays in force).
    pub error: Option<String>,
    /// Filters applied before.
    pub history: super::text::History,
}

#[derive(Debug, Clone, Default)]
pub struct AlertsState {
    pub settings: AlertsSettings,
    pub ams: Vec<AmInstance>,
    pub prom_alerts: Feed<Vec<PromAlert>>,
    pub rules: Feed<Vec<RuleGroup>>,
    /// Prometheus's build info: its version, and whether it answers (the health view's backends).
    pub prom_build: Feed<crate::sources::prometheus::BuildInfo>,
    pub filter: Filter,
    pub bar: FilterBar,
    /// The merged, filtered, grouped list (rebuilt when data or the filter change).
    pub view: View,
    /// Selected row of `view.rows` (always an alert row when there is one).
    pub selected: usize,
    /// Fingerprint of the selected alert, to keep the selection when the list changes under it.
    pub selected_fp: Option<String>,
    /// Firing fingerprints seen so far, and when new ones were first seen (highlighted for a minute).
    pub seen: HashSet<String>,
    pub new_at: HashMap<String, i64>,
    /// The first answer primes `seen` without announcing everything as new.
    pub primed: bool,
    pub silences_open: bool,
    pub silence_selected: usize,
    pub editor: Option<SilenceEditor>,
    pub confirm: Option<Confirm>,
    pub next_write: u64,
    /// Writes sent and not answered.
    pub writes: usize,
    /// Refuse silences and acknowledgements.
    pub read_only: bool,
    /// `createdBy` of new silences (`user@host`, read once at start-up).
    pub created_by: String,
    /// [`Self::pipeline_warnings`] as of the last rebuild.
    pub warnings: Vec<String>,
    /// How many reported alerts each active or pending silence matches, as of the last rebuild.
    pub silence_mutes: HashMap<String, usize>,
}

impl AlertsState {
    pub fn new(settings: AlertsSettings, am_names: Vec<String>, read_only: bool) -> AlertsState {
        let ams = am_names.into_iter().map(|name| AmInstance { name, ..Default::default() }).collect();
        AlertsState {
            settings,
            ams,
            read_only,
            bar: FilterBar { filter_ok: true, ..Default::default() },
            ..Default::default()
        }
    }

    /// Recompute the listed alerts, keeping the selection on the same alert when it is still there.
    pub fn rebuild(&mut self) {
        let per_am: Vec<Option<&[Shared]>> = self.ams.iter().map(|a| a.alerts.live().map(Vec::as_slice)).collect();
        let groups = self.ams.iter().find_map(|a| a.groups.live()).map(Vec::as_slice);
        self.view = view::build(view::Inputs {
            per_am: &per_am,
            groups,
            prom: self.prom_alerts.live().map(Vec::as_slice),
            filter: &self.filter,
            settings: &self.settings,
        });
        let keep = self
            .selected_fp
            .as_deref()
            .and_then(|fp| self.view.rows.iter().position(|r| self.row_fingerprint(r).is_some_and(|f| f == fp)));
        let last = self.view.rows.len().saturating_sub(1);
        self.selected = keep.unwrap_or_else(|| self.selectable(self.selected.min(last), -1));
        self.selected_fp = self.view.rows.get(self.selected).and_then(|r| self.row_fingerprint(r));
        self.warnings = self.pipeline_warnings();
        let silences: Vec<&Silence> =
            self.silence_list().into_iter().filter(|s| s.state != SilenceState::Expired).collect();
        let alerts = if silences.is_empty() { Vec::new() } else { self.all_alerts() };
        let mutes: HashMap<String, usize> = silences
            .into_iter()
            .map(|s| {
                let ms: Vec<_> = s.matchers.iter().cloned().filter_map(|m| Compiled::new(m).ok()).collect();
                let n = alerts.iter().filter(|a| ms.iter().all(|m| m.matches(&a.labels))).count();
                (s.id.clone(), n)
            })
            .collect();
        self.silence_mutes = mutes;
    }

    fn row_fingerprint(&self, r: &Row) -> Option<String> {
        match r {
            Row::Alert(i) => Some(self.view.alerts[*i].alert.fingerprint.clone()),
            Row::PendingAlert(i) => Some(view::label_fingerprint(&self.view.pending[*i].labels)),
            _ => None,
        }
    }

    /// The nearest selectable row from `from` in direction `dir` (then the other way).
    pub fn selectable(&self, from: usize, dir: isize) -> usize {
        let rows = &self.view.rows;
        let ok = |i: usize| matches!(rows.get(i), Some(Row::Alert(_) | Row::PendingAlert(_)));
        let mut i = from as isize;
        while i >= 0 && (i as usize) < rows.len() {
            if ok(i as usize) {
                return i as usize;
            }
            i += dir;
        }
        let mut i = from as isize;
        while i >= 0 && (i as usize) < rows.len() {
            if ok(i as usize) {
                return i as usize;
            }
            i -= dir;
        }
        0
    }

    /// Move the selection by `delta` selectable rows.
    pub fn select_by(&mut self, delta: isize) {
        if self.silences_open {
            let n = self.silence_list().len();
            self.silence_selected =
                (self.silence_selected as isize + delta).clamp(0, n.saturating_sub(1) as isize) as usize;
            return;
        }
        let rows = self.view.rows.len();
        if rows == 0 {
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, rows as isize - 1) as usize;
        self.selected = self.selectable(target, if delta >= 0 { 1 } else { -1 });
        self.selected_fp = self.view.rows.get(self.selected).and_then(|r| self.row_fingerprint(r));
    }

    /// The selected firing alert, if an alert row is selected.
    pub fn selected_alert(&self) -> Option<&view::Shown> {
        match self.view.rows.get(self.selected)? {
            Row::Alert(i) => self.view.alerts.get(*i),
            _ => None,
        }
    }

    pub fn selected_pending(&self) -> Option<&PromAlert> {
        match self.view.rows.get(self.selected)? {
            Row::PendingAlert(i) => self.view.pending.get(*i),
            _ => None,
        }
    }

    /// Every silence known (merged over instances by id), active and pending first, then the
    /// expired ones, newest first.
    pub fn silence_list(&self) -> Vec<&Silence> {
        let mut seen = HashSet::new();
        let mut out: Vec<&Silence> =
            self.ams.iter().filter_map(|a| a.silences.live()).flatten().filter(|s| seen.insert(&s.id)).collect();
        out.sort_by_key(|s| (s.state == SilenceState::Expired, std::cmp::Reverse(s.ends_at_ms)));
        out
    }

    pub fn silence(&self, id: &str) -> Option<&Silence> {
        self.ams.iter().filter_map(|a| a.silences.live()).flatten().find(|s| s.id == id)
    }

    /// The rule behind an alert: same alert name, and its labels all present on the alert.
    pub fn rule_for(&self, alert: &Alert) -> Option<(&RuleGroup, &Rule)> {
        let groups = self.rules.data.as_ref()?;
        groups.iter().flat_map(|g| g.rules.iter().map(move |r| (g, r))).find(|(_, r)| {
            r.alerting && r.name == alert.name() && r.labels.iter().all(|(k, v)| alert.labels.get(k) == Some(v))
        })
    }

    /// Every alert currently reported, merged (for "would mute" counts).
    pub fn all_alerts(&self) -> Vec<&Alert> {
        all_alerts(&self.ams)
    }

    /// Whether every feed has answered once (what `snapshot --view alerts` waits for).
    pub fn settled(&self) -> bool {
        self.prom_alerts.answered
            && self.rules.answered
            && self.ams.iter().all(|a| a.alerts.answered && a.silences.answered && a.status.answered)
    }

    /// Warnings about the alerting pipeline itself, most serious first.
    pub fn pipeline_warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let down: Vec<&AmInstance> = self.ams.iter().filter(|a| a.alerts.down()).collect();
        for a in &down {
            let e = a.alerts.error.as_ref().map(|e| e.message.as_str()).unwrap_or_default();
            out.push(format!("Alertmanager {} is not answering: {e}", a.name));
        }
        if !self.ams.is_empty() && down.len() == self.ams.len() {
            out.push("no Alertmanager answers: firing alerts shown are Prometheus's own".into());
        }
        // Cluster split: reachable instances that see fewer peers than there are instances, or
        // disagree on the peer count.
        let peers: Vec<(&str, usize)> = self
            .ams
            .iter()
            .filter_map(|a| a.status.live().map(|s| (a.name.as_str(), s.peers.len(), s.cluster_status.as_str())))
            .filter(|(_, _, st)| *st != "disabled")
            .map(|(n, p, _)| (n, p))
            .collect();
        if self.ams.len() > 1 {
            for (name, p) in &peers {
                if *p < self.ams.len() {
                    out.push(format!(
                        "Alertmanager {name} sees {p} cluster peer(s) of {}: the cluster may be split",
                        self.ams.len()
                    ));
                }
            }
        }
        if let Some(e) = &self.prom_alerts.error {
            out.push(format!("Prometheus alerts: {}", e.message));
        }
        for g in self.rules.data.iter().flatten() {
            for r in g.rules.iter().filter(|r| r.health == "err") {
                out.push(format!("rule {} in group {} fails: {}", r.name, g.name, r.last_error));
            }
        }
        if let Some(dms) = &self.settings.dead_mans_switch {
            let firing = self.all_alerts().iter().any(|a| a.name() == dms)
                || self.prom_alerts.live().is_some_and(|p| {
                    p.iter().any(|a| {
                        a.labels.get("alertname") == Some(dms)
                            && a.state == crate::alerts::model::PromAlertState::Firing
                    })
                });
            let known = self.ams.iter().any(|a| a.alerts.live().is_some()) || self.prom_alerts.live().is_some();
            if known && !firing {
                out.push(format!("{dms} is not firing: the alerting pipeline may be broken"));
            }
        }
        out
    }

    /// The feeds to poll and their data, for the scheduler: (feed, its bookkeeping).
    pub fn feeds_mut(&mut self) -> Vec<(AlertFeed, FeedRef<'_>)> {
        let mut out: Vec<(AlertFeed, FeedRef<'_>)> = Vec::new();
        let group_by_am = self.settings.group_by.is_empty();
        for (i, a) in self.ams.iter_mut().enumerate() {
            out.push((AlertFeed::AmAlerts(i), FeedRef::of(&mut a.alerts)));
            if group_by_am {
                out.push((AlertFeed::AmGroups(i), FeedRef::of(&mut a.groups)));
            }
            out.push((AlertFeed::AmSilences(i), FeedRef::of(&mut a.silences)));
            out.push((AlertFeed::AmStatus(i), FeedRef::of(&mut a.status)));
        }
        out.push((AlertFeed::PromAlerts, FeedRef::of(&mut self.prom_alerts)));
        out.push((AlertFeed::PromRules, FeedRef::of(&mut self.rules)));
        out.push((AlertFeed::PromBuild, FeedRef::of(&mut self.prom_build)));
        out
    }
}

/// The polling fields of a feed, whatever its data type.
pub struct FeedRef<'a> {
    pub next_due_ms: &'a mut i64,
    pub in_flight: &'a mut bool,
    pub issued: &'a mut u64,
}

impl<'a> FeedRef<'a> {
    fn of<T>(f: &'a mut Feed<T>) -> FeedRef<'a> {
        FeedRef { next_due_ms: &mut f.next_due_ms, in_flight: &mut f.in_flight, issued: &mut f.issued }
    }
}

/// Every alert the Alertmanagers report now, once each.
pub fn all_alerts(ams: &[AmInstance]) -> Vec<&Alert> {
    let mut seen = HashSet::new();
    ams.iter()
        .filter_map(|a| a.alerts.live())
        .flatten()
        .filter(|a| seen.insert(a.fingerprint.as_str()))
        .map(|a| &**a)
        .collect()
}

/// Every alert reported now, before the filter, once each: (label-set key, labels, suppressed).
/// From the Alertmanagers that answer, else Prometheus's firing alerts. The key is a hash of the
/// labels, the same whichever source reports the alert, so a switch of source announces nothing.
pub fn reported_now<'a>(ams: &'a [AmInstance], prom: &'a Feed<Vec<PromAlert>>) -> Vec<(String, &'a Labels, bool)> {
    use crate::alerts::model::{AmState, PromAlertState};
    if ams.iter().any(|a| a.alerts.live().is_some()) {
        let mut seen = HashSet::new();
        return ams
            .iter()
            .filter_map(|a| a.alerts.live())
            .flatten()
            .filter(|a| seen.insert(a.fingerprint.as_str()))
            .map(|a| (view::label_fingerprint(&a.labels), &a.labels, a.state == AmState::Suppressed))
            .collect();
    }
    prom.live()
        .into_iter()
        .flatten()
        .filter(|p| p.state == PromAlertState::Firing)
        .map(|p| (view::label_fingerprint(&p.labels), &p.labels, false))
        .collect()
}

/// `ServiceDown (critical, agente_negocio)`: an alert in a few words, for the status line.
pub fn describe(labels: &Labels) -> String {
    let name = labels.get("alertname").map_or("", String::as_str);
    let sev = labels.get("severity").map_or("", String::as_str);
    match ["service", "job", "instance"].iter().find_map(|k| labels.get(*k).filter(|v| !v.is_empty())) {
        Some(w) => format!("{name} ({sev}, {w})"),
        None => format!("{name} ({sev})"),
    }
}
