//! `update` for incidents: after each alerting answer the tracker compares what fires with the open
//! incident; health changes, actions, silences, environment switches and typed notes go into its
//! timeline; every change is saved (an effect; the engine writes the file).

use super::set_status;
use crate::action::{Intent, TextOp};
use crate::effect::Effect;
use crate::health::Level;
use crate::incidents::track::{self, Reported, Threshold};
use crate::incidents::{Event, EventKind};
use crate::state::text::LineEdit;
use crate::state::{Page, State};

fn save(state: &State, ids: Vec<String>) -> Vec<Effect> {
    let mut ids = ids;
    ids.dedup();
    ids.iter().filter_map(|id| state.incidents.get(id)).map(|i| Effect::SaveIncident(Box::new(i.clone()))).collect()
}

/// After an alerting answer: open, extend or close the environment's incident.
pub fn after_alerts(state: &mut State) -> Vec<Effect> {
    let now = state.now_ms;
    let a = &state.alerts;
    // Alertmanager's view when any instance answers, else Prometheus's firing alerts.
    let am_live = a.ams.iter().any(|m| m.alerts.live().is_some());
    let (reported, complete): (Vec<Reported>, bool) = if am_live {
        // Every instance still counted (not down) answered this round: a missing alert resolved. One
        // instance of an HA pair being down does not keep the incident open forever.
        let complete = a.ams.iter().filter(|m| !m.alerts.down()).all(|m| m.alerts.answered && m.alerts.error.is_none());
        let list = a
            .all_alerts()
            .into_iter()
            .map(|x| Reported {
                key: crate::alerts::view::label_fingerprint(&x.labels),
                labels: &x.labels,
                starts_ms: x.starts_at_ms,
                ended_ms: x.ends_at_ms.filter(|e| *e <= now),
            })
            .collect();
        (list, complete)
    } else if a.ams.is_empty() && a.prom_alerts.answered {
        let complete = a.prom_alerts.error.is_none();
        let list = a
            .prom_alerts
            .live()
            .into_iter()
            .flatten()
            .filter(|p| p.state == crate::alerts::model::PromAlertState::Firing)
            .map(|p| Reported {
                key: crate::alerts::view::label_fingerprint(&p.labels),
                labels: &p.labels,
                starts_ms: p.active_at_ms.unwrap_or(now),
                ended_ms: None,
            })
            .collect();
        (list, complete)
    } else {
        return Vec::new();
    };
    let settings = &a.settings;
    let rank = |s: &str| settings.rank(s);
    let threshold = Threshold {
        rank: &rank,
        open_rank: settings.rank(&state.incidents.settings.open_severity),
        ignore: settings.dead_mans_switch.as_deref(),
        group_by: &state.incidents.settings.group_by,
    };
    let env = state.env_name.clone();
    let mut list = std::mem::take(&mut state.incidents.list);
    let opened_before = list.len();
    let mut changed = track::observe_alerts(&mut list, &env, &reported, complete, now, &threshold);
    let silences = a.silence_list();
    changed.extend(track::observe_silences(&mut list, &env, &silences, &mut state.incidents.silences_seen, now));
    let opened = list.len() > opened_before;
    state.incidents.list = list;
    if opened {
        // After the new alert's own announcement, when there is one.
        let before = state.status.as_ref().filter(|m| m.at_ms == now).map(|m| format!("{} · ", m.text));
        if let Some(i) = state.incidents.list.last() {
            let text = format!("{}incident opened: {} (i adds a note)", before.unwrap_or_default(), i.title);
            set_status(state, text, true);
        }
    }
    save(state, changed)
}

/// After a health answer: a target whose level changed is written into the open incident.
pub fn after_health(state: &mut State) -> Vec<Effect> {
    let mut changes = Vec::new();
    for t in &state.health.targets {
        if t.verdict.is_none() {
            continue;
        }
        let level = t.level();
        let before = state.incidents.health_levels.insert(t.spec.name.clone(), level);
        if let Some(b) = before.filter(|b| *b != level) {
            changes.push((t.at_ms, format!("{}: {} → {}", t.spec.name, word(b), word(level))));
        }
    }
    let mut out = Vec::new();
    for (at, text) in changes {
        out.extend(record(state, at, EventKind::HealthChanged, text, String::new()));
    }
    out
}

fn word(l: Level) -> &'static str {
    match l {
        Level::Ok => "ok",
        Level::Warn => "warn",
        Level::Down => "down",
        Level::Auth => "auth refused",
        Level::Unknown => "unknown",
    }
}

/// Write one event into the open incident of the current environment, if there is one.
pub fn record(state: &mut State, at_ms: i64, kind: EventKind, text: String, by: String) -> Vec<Effect> {
    let env = state.env_name.clone();
    record_in(state, &env, at_ms, kind, text, by)
}

/// [`record`] into environment `env`'s open incident.
pub fn record_in(state: &mut State, env: &str, at_ms: i64, kind: EventKind, text: String, by: String) -> Vec<Effect> {
    let id = track::record(&mut state.incidents.list, env, Event { at_ms, kind, text, by });
    save(state, id.into_iter().collect())
}

/// `user@host`, how people are named in timelines.
pub fn who(state: &State) -> String {
    let o = &state.actions.origin;
    if o.user.is_empty() {
        String::new()
    } else {
        format!("{}@{}", o.user, o.host)
    }
}

/// The environment changed: both incidents (the one left and the one arrived at) note it.
pub fn env_switched(state: &mut State, from: &str, to: &str, at_ms: i64) -> Vec<Effect> {
    // The new environment's targets start from what they answer, not from the old one's levels.
    state.incidents.health_levels.clear();
    let by = who(state);
    let text = format!("{from} → {to}");
    let mut out = record_in(state, from, at_ms, EventKind::EnvironmentSwitched, text.clone(), by.clone());
    out.extend(record_in(state, to, at_ms, EventKind::EnvironmentSwitched, text, by));
    out
}

/// Whether the note prompt has the keyboard.
pub fn text_focus(state: &State) -> bool {
    state.incidents.note.is_some()
}

/// The intents incidents answer: the note prompt, opening and closing by hand.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    let env = state.env_name.clone();
    if state.page == Page::Incidents {
        let n = state.incidents.list.len();
        let sel = &mut state.incidents.selected;
        match intent {
            Intent::SelectNext | Intent::FocusDown => *sel = (*sel + 1).min(n.saturating_sub(1)),
            Intent::SelectPrev | Intent::FocusUp => *sel = sel.saturating_sub(1),
            Intent::SelectFirst => *sel = 0,
            Intent::SelectLast => *sel = n.saturating_sub(1),
            _ => {}
        }
    }
    match intent {
        Intent::IncidentsView => {
            state.page = if state.page == Page::Incidents { Page::Dashboards } else { Page::Incidents };
            state.fullscreen = false;
            // The open incident of this environment first, else the newest.
            let list = &state.incidents.list;
            let open = list.iter().rev().position(|i| i.environment == env && i.is_open());
            state.incidents.selected = open.unwrap_or(0);
            Some(Vec::new())
        }
        Intent::SelectNext | Intent::SelectPrev | Intent::SelectFirst | Intent::SelectLast
            if state.page == Page::Incidents =>
        {
            Some(Vec::new())
        }
        Intent::IncidentNote => {
            if state.incidents.open(&env).is_none() {
                set_status(state, format!("no incident is open in {env}; ctrl-o opens one by hand"), false);
            } else {
                state.incidents.note = Some(LineEdit::default());
            }
            Some(Vec::new())
        }
        Intent::OpenIncident => {
            let by = who(state);
            let now = state.now_ms;
            Some(match track::open_by_hand(&mut state.incidents.list, &env, "opened by hand", &by, now) {
                Ok(id) => {
                    set_status(state, format!("incident {id} opened; N adds a note"), false);
                    state.incidents.note = Some(LineEdit::default());
                    save(state, vec![id])
                }
                Err(why) => {
                    set_status(state, why, true);
                    Vec::new()
                }
            })
        }
        Intent::CloseIncident => {
            let by = who(state);
            let now = state.now_ms;
            Some(match track::close_by_hand(&mut state.incidents.list, &env, &by, now) {
                Ok(id) => {
                    set_status(state, format!("incident {id} closed"), false);
                    save(state, vec![id])
                }
                Err(why) => {
                    set_status(state, why, true);
                    Vec::new()
                }
            })
        }
        _ => None,
    }
}

/// An edit of the note being typed; enter writes it into the open incident.
pub fn on_text(state: &mut State, op: TextOp) -> Vec<Effect> {
    state.dirty = true;
    let Some(note) = &mut state.incidents.note else { return Vec::new() };
    match op {
        TextOp::Cancel => {
            state.incidents.note = None;
            Vec::new()
        }
        TextOp::Submit => {
            let text = note.text.trim().to_string();
            state.incidents.note = None;
            if text.is_empty() {
                return Vec::new();
            }
            let (now, by) = (state.now_ms, who(state));
            let out = record(state, now, EventKind::Note, text, by);
            if out.is_empty() {
                set_status(state, "the incident closed meanwhile; the note was not kept".into(), true);
            } else {
                set_status(state, "note added to the incident's timeline".into(), false);
            }
            out
        }
        op => {
            note.apply(op);
            Vec::new()
        }
    }
}
