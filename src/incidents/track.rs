//! Keeping the timeline: pure functions that compare what the sources report now with what the
//! incidents hold, and write the differences down as events, with the sources' own times where they
//! give them (Alertmanager's `startsAt`/`endsAt`, a silence's `startsAt`/`endsAt`, an action's end).
//! Alerts join the open incident when they start firing after it opened and either qualify to open
//! one themselves or share a `group_by` label value (the service) with it; the dead man's switch
//! never does. An alert that vanishes from Alertmanager without an `endsAt` in the past is resolved at the poll
//! that first missed it: Alertmanager's API stops listing an alert once it is resolved.

use super::model::{make_id, AlertSeen, Event, EventKind, Incident};
use crate::alerts::model::{Labels, Silence, SilenceState};

/// An alert as reported now.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported<'a> {
    /// Label-set key ([`crate::alerts::view::label_fingerprint`]).
    pub key: String,
    pub labels: &'a Labels,
    pub starts_ms: i64,
    /// `endsAt` when it lies in the past (Alertmanager sets it on a resolved alert it still lists).
    pub ended_ms: Option<i64>,
}

/// The severity threshold: an alert whose severity ranks at or above it opens an incident.
pub struct Threshold<'a> {
    pub rank: &'a dyn Fn(&str) -> usize,
    pub open_rank: usize,
    /// An alert that is never part of an incident (the dead man's switch, by its `alertname`).
    pub ignore: Option<&'a str>,
    /// A later alert below the threshold joins only when one of these labels has the value it has on
    /// an alert already in the incident (`service`: the same service's other alerts); empty: all join.
    pub group_by: &'a [String],
}

impl Threshold<'_> {
    fn ignored(&self, labels: &Labels) -> bool {
        self.ignore.is_some_and(|n| labels.get("alertname").is_some_and(|a| a == n))
    }

    fn opens(&self, labels: &Labels) -> bool {
        (self.rank)(severity(labels)) <= self.open_rank
    }

    /// Whether an alert starting during `inc` belongs to it.
    fn belongs(&self, labels: &Labels, inc: &Incident) -> bool {
        self.opens(labels)
            || self.group_by.is_empty()
            || inc.alerts.is_empty()
            || self.group_by.iter().any(|g| {
                labels.get(g).is_some_and(|v| !v.is_empty() && inc.alerts.values().any(|a| a.labels.get(g) == Some(v)))
            })
    }
}

fn severity(labels: &Labels) -> &str {
    labels.get("severity").map_or("", String::as_str)
}

fn alert_words(labels: &Labels) -> String {
    crate::state::alerts::describe(labels)
}

/// The open incident of environment `env`, if any.
pub fn open_of<'a>(list: &'a mut [Incident], env: &str) -> Option<&'a mut Incident> {
    list.iter_mut().rev().find(|i| i.environment == env && i.is_open())
}

/// Compare the alerts reported now (`complete`: every source answered, so a missing alert has
/// resolved) with the open incident; open, extend or close it. Returns the ids of incidents changed.
pub fn observe_alerts(
    list: &mut Vec<Incident>,
    env: &str,
    reported: &[Reported],
    complete: bool,
    now_ms: i64,
    threshold: &Threshold,
) -> Vec<String> {
    let mut changed = Vec::new();
    // Open one for the earliest qualifying alert when none is open.
    if open_of(list, env).is_none() {
        // An alert still firing in the episode an incident was closed on (by hand, or after a lost
        // answer) does not open it again.
        let last_closed = list.iter().rev().find(|i| i.environment == env);
        let closed_on = |r: &Reported| {
            last_closed.is_some_and(|i| i.alerts.contains_key(&r.key) && i.closed_ms.is_some_and(|c| r.starts_ms <= c))
        };
        let first = reported
            .iter()
            .filter(|r| !threshold.ignored(r.labels) && !closed_on(r))
            .filter(|r| r.ended_ms.is_none() && threshold.opens(r.labels))
            .min_by_key(|r| (r.starts_ms, r.key.clone()));
        if let Some(r) = first {
            let name = r.labels.get("alertname").map_or("alert", String::as_str);
            let on = ["service", "job", "instance"].iter().find_map(|k| r.labels.get(*k)).map_or("", String::as_str);
            let opened = r.starts_ms.min(now_ms);
            let mut inc = Incident {
                id: unique_id(list, make_id(opened, &[name, on])),
                environment: env.to_string(),
                title: alert_words(r.labels),
                severity: severity(r.labels).to_string(),
                opened_ms: opened,
                closed_ms: None,
                opened_by_hand: false,
                closed_by_hand: false,
                alerts: Default::default(),
                events: Vec::new(),
            };
            inc.push(Event {
                at_ms: opened,
                kind: EventKind::Opened,
                text: format!("by {}", inc.title),
                by: String::new(),
            });
            list.push(inc);
        }
    }
    let Some(inc) = open_of(list, env) else { return changed };
    let mut touched = false;
    for r in reported {
        if threshold.ignored(r.labels) {
            continue;
        }
        let belongs = threshold.belongs(r.labels, inc);
        match inc.alerts.get_mut(&r.key) {
            // An alert joins when it starts firing during the incident: one already firing before
            // (a slow burn elsewhere) is not part of it, and would keep it open.
            None if r.ended_ms.is_none() && r.starts_ms >= inc.opened_ms && belongs => {
                inc.alerts.insert(
                    r.key.clone(),
                    AlertSeen {
                        name: r.labels.get("alertname").cloned().unwrap_or_default(),
                        severity: severity(r.labels).to_string(),
                        labels: r.labels.clone(),
                        starts_ms: r.starts_ms,
                        ends_ms: None,
                    },
                );
                if (threshold.rank)(severity(r.labels)) < (threshold.rank)(&inc.severity) {
                    inc.severity = severity(r.labels).to_string();
                }
                let at = r.starts_ms.max(inc.opened_ms);
                inc.push(Event {
                    at_ms: at,
                    kind: EventKind::AlertFiring,
                    text: alert_words(r.labels),
                    by: String::new(),
                });
                touched = true;
            }
            Some(seen) if seen.ends_ms.is_none() && r.ended_ms.is_some() => {
                let at = r.ended_ms.unwrap_or(now_ms);
                seen.ends_ms = Some(at);
                let text = alert_words(r.labels);
                inc.push(Event { at_ms: at, kind: EventKind::AlertResolved, text, by: String::new() });
                touched = true;
            }
            Some(seen) if seen.ends_ms.is_some() && r.ended_ms.is_none() && r.starts_ms > seen.ends_ms.unwrap_or(0) => {
                seen.ends_ms = None;
                seen.starts_ms = r.starts_ms;
                let text = format!("{} (again)", alert_words(r.labels));
                inc.push(Event { at_ms: r.starts_ms, kind: EventKind::AlertFiring, text, by: String::new() });
                touched = true;
            }
            _ => {}
        }
    }
    if complete {
        let now_keys: std::collections::HashSet<&str> = reported.iter().map(|r| r.key.as_str()).collect();
        let gone: Vec<String> = inc
            .alerts
            .iter()
            .filter(|(k, a)| a.ends_ms.is_none() && !now_keys.contains(k.as_str()))
            .map(|(k, _)| k.clone())
            .collect();
        for k in gone {
            if let Some(a) = inc.alerts.get_mut(&k) {
                a.ends_ms = Some(now_ms);
                let text = alert_words(&a.labels);
                inc.push(Event { at_ms: now_ms, kind: EventKind::AlertResolved, text, by: String::new() });
                touched = true;
            }
        }
    }
    if !inc.opened_by_hand && !inc.alerts.is_empty() && inc.firing().next().is_none() {
        let at = inc.alerts.values().filter_map(|a| a.ends_ms).max().unwrap_or(now_ms);
        inc.closed_ms = Some(at);
        inc.push(Event { at_ms: at, kind: EventKind::Closed, text: "every alert resolved".into(), by: String::new() });
        touched = true;
    }
    if touched {
        changed.push(inc.id.clone());
    }
    changed
}

/// Silences that mute one of the open incident's alerts: their creation (an acknowledgement when its
/// comment says so) and their expiry, at the silence's own times. `recorded` holds
/// `id:created` / `id:expired` markers already written.
pub fn observe_silences(
    list: &mut [Incident],
    env: &str,
    silences: &[&Silence],
    recorded: &mut std::collections::HashSet<String>,
    now_ms: i64,
) -> Vec<String> {
    let Some(inc) = incident_at(list, env, now_ms) else { return Vec::new() };
    let mut touched = false;
    // After a restart `recorded` is empty: an event already in the timeline is not written twice.
    let push = |inc: &mut Incident, e: Event| {
        if inc.events.iter().any(|x| x.kind == e.kind && x.at_ms == e.at_ms && x.text == e.text) {
            return false;
        }
        inc.push(e);
        true
    };
    for s in silences {
        let ms: Vec<_> =
            s.matchers.iter().cloned().filter_map(|m| crate::alerts::filter::Compiled::new(m).ok()).collect();
        // A silence none of whose matchers compile mutes nothing here.
        let mutes = !ms.is_empty() && inc.alerts.values().any(|a| ms.iter().all(|m| m.matches(&a.labels)));
        if !mutes {
            continue;
        }
        let matchers = crate::alerts::filter::format_matchers(&s.matchers);
        if s.starts_at_ms >= inc.opened_ms - 60_000 && recorded.insert(format!("{}:created", s.id)) {
            let ack = s.comment.to_ascii_lowercase().starts_with("acknowledged");
            let kind = if ack { EventKind::Acknowledged } else { EventKind::Silenced };
            let text = format!("{matchers} until {}: {}", hhmm(s.ends_at_ms), s.comment);
            touched |= push(inc, Event { at_ms: s.starts_at_ms.min(now_ms), kind, text, by: s.created_by.clone() });
        }
        if s.state == SilenceState::Expired
            && s.ends_at_ms >= inc.opened_ms
            && recorded.insert(format!("{}:expired", s.id))
        {
            let text = matchers;
            let e = Event { at_ms: s.ends_at_ms.min(now_ms), kind: EventKind::SilenceExpired, text, by: String::new() };
            touched |= push(inc, e);
        }
    }
    if touched {
        vec![inc.id.clone()]
    } else {
        Vec::new()
    }
}

fn hhmm(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(String::new, |t| t.format("%H:%M UTC").to_string())
}

/// How long after an incident closed an event still belongs to it (an action's end, a silence poll
/// answering after the alerts poll that closed it).
pub const LATE_MS: i64 = 5 * 60_000;

/// The incident of `env` an event at `at_ms` belongs to: the open one, else the latest whose time
/// (plus [`LATE_MS`]) holds it.
pub fn incident_at<'a>(list: &'a mut [Incident], env: &str, at_ms: i64) -> Option<&'a mut Incident> {
    let i = list.iter().rposition(|i| {
        i.environment == env
            && (i.is_open() || i.closed_ms.is_some_and(|c| at_ms >= i.opened_ms && at_ms <= c + LATE_MS))
    })?;
    list.get_mut(i)
}

/// Write one event into the incident of `env` it belongs to, if any. Returns its id.
pub fn record(list: &mut [Incident], env: &str, event: Event) -> Option<String> {
    let inc = incident_at(list, env, event.at_ms)?;
    inc.push(event);
    Some(inc.id.clone())
}

/// `id`, or `id-2`, `id-3`… when an incident (another environment's, the same second) has it.
fn unique_id(list: &[Incident], id: String) -> String {
    if !list.iter().any(|i| i.id == id) {
        return id;
    }
    (2..).map(|n| format!("{id}-{n}")).find(|c| !list.iter().any(|i| &i.id == c)).unwrap_or(id)
}

/// Open an incident by hand (when none is open in `env`).
pub fn open_by_hand(list: &mut Vec<Incident>, env: &str, title: &str, by: &str, now_ms: i64) -> Result<String, String> {
    if let Some(open) = open_of(list, env) {
        return Err(format!("incident {} is already open", open.id));
    }
    let mut inc = Incident {
        id: unique_id(list, make_id(now_ms, &["manual"])),
        environment: env.to_string(),
        title: title.to_string(),
        severity: String::new(),
        opened_ms: now_ms,
        closed_ms: None,
        opened_by_hand: true,
        closed_by_hand: false,
        alerts: Default::default(),
        events: Vec::new(),
    };
    inc.push(Event { at_ms: now_ms, kind: EventKind::Opened, text: "by hand".into(), by: by.to_string() });
    let id = inc.id.clone();
    list.push(inc);
    Ok(id)
}

/// Close the open incident of `env` by hand.
pub fn close_by_hand(list: &mut [Incident], env: &str, by: &str, now_ms: i64) -> Result<String, String> {
    let inc = open_of(list, env).ok_or_else(|| format!("no incident is open in {env}"))?;
    inc.closed_ms = Some(now_ms);
    inc.closed_by_hand = true;
    let firing = inc.firing().count();
    let text = if firing > 0 { format!("by hand, {firing} alert(s) still firing") } else { "by hand".into() };
    inc.push(Event { at_ms: now_ms, kind: EventKind::Closed, text, by: by.to_string() });
    Ok(inc.id.clone())
}
