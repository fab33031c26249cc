//! `update` for dashboard variables: asking Prometheus for a `query` variable's choices when its
//! dashboard is on screen, the picker (key `v`), and what a new selection redoes.
//!
//! A changed selection clears the panels that use the variable (their data was for the old value, and
//! showing it under the new one would lie), asks again every `query` variable whose query uses it
//! (chained variables), and fetches the panels at once.

use super::set_status;
use crate::action::{FetchError, FetchErrorKind, Intent, VariableResult};
use crate::config::VariableKind;
use crate::effect::Effect;
use crate::state::vars::{VarPicker, VarStatus};
use crate::state::{Page, Slot, State};
use crate::variables::{choices_from, expand, referenced, Macros, VarQuery};

/// Ask for the active dashboard's unresolved `query` variables whose own query can be written now.
pub fn schedule(state: &mut State) -> Vec<Effect> {
    if state.page != Page::Dashboards {
        return Vec::new();
    }
    let di = state.active;
    let time = state.now_ms as f64 / 1000.0;
    let range_s = state.range().as_secs_f64();
    let mut out = Vec::new();
    for vi in 0..state.dashboards[di].vars.vars.len() {
        let vars = &state.dashboards[di].vars;
        let v = &vars.vars[vi];
        if v.spec.kind != VariableKind::Query || v.status != VarStatus::Unresolved {
            continue;
        }
        let raw = v.spec.query.clone().unwrap_or_default();
        // A variable that uses another one waits for it.
        if vars.waiting_for(&raw).is_some() {
            continue;
        }
        let m = Macros { interval_s: 60.0, range_s, scrape_s: 15.0 };
        let parsed = VarQuery::parse(&expand(&raw, &vars.bindings(), &m));
        let generation = state.next_generation;
        let v = &mut state.dashboards[di].vars.vars[vi];
        match parsed {
            Ok(query) => {
                state.next_generation += 1;
                v.status = VarStatus::Asking(generation);
                out.push(Effect::FetchVariable { dashboard: di, var: vi, generation, query, time });
            }
            Err(why) => v.status = VarStatus::Failed(format!("variable `{}`: {why}", v.spec.name)),
        }
    }
    out
}

/// A `query` variable's choices arrived.
pub fn apply(state: &mut State, r: VariableResult) -> Vec<Effect> {
    let Some(v) = state.dashboards.get_mut(r.dashboard).and_then(|d| d.vars.vars.get_mut(r.var)) else {
        return Vec::new();
    };
    if v.status != VarStatus::Asking(r.generation) {
        return Vec::new();
    }
    let before = v.binding();
    let name = v.spec.name.clone();
    match r.outcome.map_err(|e| e.message).and_then(|raw| choices_from(raw, v.spec.regex.as_deref())) {
        Ok(choices) if choices.is_empty() => {
            v.status = VarStatus::Failed(format!("variable `{name}`: Prometheus offers no values for it"));
        }
        Ok(choices) => {
            v.set_choices(choices);
            v.status = VarStatus::Ready;
        }
        Err(why) => v.status = VarStatus::Failed(format!("variable `{name}`: {why}")),
    }
    state.dirty = true;
    if v.binding() != before {
        changed(state, r.dashboard, &name);
    }
    super::schedule(state)
}

/// Variable `name` of dashboard `di` stands for something else now: clear what used it.
fn changed(state: &mut State, di: usize, name: &str) {
    let d = &mut state.dashboards[di];
    for v in &mut d.vars.vars {
        let uses = v.spec.query.as_deref().is_some_and(|q| referenced(q).contains(&name));
        if uses && v.spec.kind == VariableKind::Query {
            v.status = VarStatus::Unresolved;
        }
    }
    for (spec, panel) in d.spec.panels.iter().zip(&mut d.panels) {
        for (q, qs) in spec.queries.iter().zip(&mut panel.queries) {
            if referenced(&q.expr).contains(&name) {
                qs.slot = Slot::Loading;
                qs.next_due_ms = 0;
                qs.in_flight = None;
            }
        }
    }
}

/// The error a panel query shows while a variable it uses stands for nothing.
pub fn waiting_error(name: &str, why: Option<String>) -> FetchError {
    let message = match why {
        Some(why) => format!("{why} (the query uses ${name}; press v to pick a value)"),
        None => format!("waiting for the values of ${name}"),
    };
    FetchError { kind: FetchErrorKind::Api, message }
}

/// Intents of the picker (and the key that opens it). `None` when not the picker's.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    if state.page != Page::Dashboards {
        return None;
    }
    if intent == Intent::Variables {
        if state.var_picker.take().is_some() {
            return Some(Vec::new());
        }
        if state.dash().vars.shown().is_empty() {
            let msg = "this dashboard has no variables to pick (add [[dashboard.variable]] to it)".to_string();
            set_status(state, msg, false);
            return Some(Vec::new());
        }
        state.var_picker = Some(VarPicker::default());
        state.help = false;
        return Some(Vec::new());
    }
    let picker = state.var_picker.clone()?;
    let di = state.active;
    let shown = state.dash().vars.shown();
    let Some(&vi) = shown.get(picker.var) else {
        state.var_picker = None;
        return Some(Vec::new());
    };
    let rows = state.dash().vars.vars[vi].rows().len();
    let mut next = picker.clone();
    let mut pick: Option<(usize, bool)> = None;
    let mut cycle: Option<bool> = None;
    match (intent, picker.choice) {
        (Intent::SelectNext, None) => next.var = (picker.var + 1).min(shown.len() - 1),
        (Intent::SelectPrev, None) => next.var = picker.var.saturating_sub(1),
        (Intent::SelectNext, Some(c)) => next.choice = Some((c + 1).min(rows.saturating_sub(1))),
        (Intent::SelectPrev, Some(c)) => next.choice = Some(c.saturating_sub(1)),
        (Intent::SelectFirst, Some(_)) => next.choice = Some(0),
        (Intent::SelectLast, Some(_)) => next.choice = Some(rows.saturating_sub(1)),
        (Intent::FocusLeft | Intent::FocusRight, None) => cycle = Some(intent == Intent::FocusRight),
        (Intent::Confirm | Intent::ToggleFullscreen, None) => {
            if rows == 0 {
                let why = match &state.dash().vars.vars[vi].status {
                    VarStatus::Failed(e) => e.clone(),
                    _ => "its values have not arrived yet".into(),
                };
                set_status(state, why, true);
            } else {
                let v = &state.dash().vars.vars[vi];
                next.choice = Some((0..rows).find(|i| v.row_selected(*i)).unwrap_or(0));
            }
        }
        (Intent::ToggleMark, Some(c)) => pick = Some((c, false)),
        (Intent::Confirm | Intent::ToggleFullscreen, Some(c)) => {
            let v = &state.dash().vars.vars[vi];
            // Enter on a multi-select with several ticked keeps them; otherwise it picks the row alone.
            let keep = v.spec.multi && v.row_selected(c) && !v.all && v.selected.len() > 1;
            if !keep {
                pick = Some((c, true));
            }
            next.choice = None;
        }
        (Intent::Back, Some(_)) if !state.help => next.choice = None,
        (Intent::Back, None) if !state.help => {
            state.var_picker = None;
            return Some(Vec::new());
        }
        (Intent::Quit | Intent::ToggleHelp | Intent::Back, _) => return None,
        _ => {}
    }
    state.var_picker = Some(next);
    let v = &mut state.dashboards[di].vars.vars[vi];
    let before = v.binding();
    if let Some((row, only)) = pick {
        v.pick_row(row, only);
    }
    if let Some(forward) = cycle {
        v.cycle(forward);
    }
    if v.binding() == before {
        return Some(Vec::new());
    }
    let name = v.spec.name.clone();
    let shown = v.shown();
    changed(state, di, &name);
    set_status(state, format!("${name} = {shown}"), false);
    Some(super::schedule(state))
}

/// Ask the active dashboard's `query` variables again (the refresh key).
pub fn refresh(state: &mut State) {
    let di = state.active;
    for v in &mut state.dashboards[di].vars.vars {
        if v.spec.kind == VariableKind::Query && !matches!(v.status, VarStatus::Asking(_)) {
            v.status = VarStatus::Unresolved;
        }
    }
}

/// The environment changed: its Prometheus may offer other values; ask again, keep the selection.
pub fn env_switched(state: &mut State) {
    for d in &mut state.dashboards {
        for v in &mut d.vars.vars {
            if v.spec.kind == VariableKind::Query {
                v.status = VarStatus::Unresolved;
            }
        }
    }
}
