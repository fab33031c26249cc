//! `update` for environments: the picker, the switch and what it resets, and dropping answers that
//! were asked of an environment left since.
//!
//! A switch takes two steps, so `update` stays pure: choosing an environment returns
//! `Effect::SwitchEnvironment`; the engine points every client at it (dropping the old fetcher, which
//! cancels its requests and the Loki tail) and answers with the data action
//! `Action::EnvironmentSwitched`. That action resets what belonged to the old environment (alerts,
//! health targets, logs, the dashboards' data, the name, production and read-only), keeps the view
//! (page, dashboard, zoom, focus, full screen, UTC, help, size), records the switch with its time in
//! `state.envs.switches` (for an incident timeline; a recorded session holds the action itself) and
//! issues the same fetches as at start-up. `next_generation` runs on, and every answer issued below
//! the switch's generation (`state.envs.floor`) is dropped, so a late answer from the old environment
//! never lands in the new one.

use super::{logs, schedule_all, set_status};
use crate::action::{Action, EnvSwitch, Intent, WriteResult};
use crate::effect::Effect;
use crate::state::envs::MAX_SWITCHES;
use crate::state::{Page, State};

/// Intents of the environment picker (and the key that opens it). `None` when not the picker's.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    if intent == Intent::SwitchEnvironment {
        if state.envs.picker.take().is_some() {
            return Some(Vec::new());
        }
        if state.envs.list().len() < 2 {
            let msg = format!(
                "only one environment is configured (`{}`); add another [[environment]] to the config to switch",
                state.env_name
            );
            set_status(state, msg, false);
            return Some(Vec::new());
        }
        let here = state.envs.list().iter().position(|e| e.name == state.env_name).unwrap_or(0);
        state.envs.picker = Some(here);
        state.help = false;
        return Some(Vec::new());
    }
    let at = state.envs.picker?;
    let last = state.envs.list().len().saturating_sub(1);
    let picker = &mut state.envs.picker;
    match intent {
        Intent::SelectNext => *picker = Some((at + 1).min(last)),
        Intent::SelectPrev => *picker = Some(at.saturating_sub(1)),
        Intent::SelectFirst => *picker = Some(0),
        Intent::SelectLast => *picker = Some(last),
        Intent::Confirm | Intent::ToggleFullscreen => {
            *picker = None;
            let Some(name) = state.envs.list().get(at).map(|e| e.name.clone()) else {
                return Some(Vec::new());
            };
            if name == state.env_name {
                set_status(state, format!("already in {name}"), false);
                return Some(Vec::new());
            }
            return Some(vec![Effect::SwitchEnvironment { name }]);
        }
        // Esc closes the help first when it is open over the picker.
        Intent::Back if !state.help => *picker = None,
        Intent::Quit | Intent::ToggleHelp | Intent::Back => return None,
        // Everything else waits until the picker is closed.
        _ => {}
    }
    Some(Vec::new())
}

/// Whether `action` answers a request issued before the last switch (so to another environment).
pub fn from_before_switch(state: &State, action: &Action) -> bool {
    let floor = state.envs.floor;
    match action {
        Action::Query(r) => r.generation < floor,
        Action::Alerts(r) => r.generation < floor,
        Action::Health(r) => r.generation < floor,
        Action::Logs(r) => r.generation < floor,
        Action::Variable(r) => r.generation < floor,
        Action::Tail(u) => u.generation < floor,
        Action::Write(w) => w.id < state.envs.write_floor,
        _ => false,
    }
}

/// A silence write sent before the switch finished: say so, touch nothing of the new environment.
pub fn write_from_before_switch(state: &mut State, w: WriteResult) {
    let msg = match w.outcome {
        Ok(_) => format!("before the switch: {} (done)", w.what),
        Err(e) => format!("before the switch: could not {}: {}", w.what, e.message),
    };
    set_status(state, msg, false);
}

/// The engine now talks to `sw.to`: reset what belonged to the old environment and start over.
pub fn switched(state: &mut State, sw: EnvSwitch) -> Vec<Effect> {
    let config = state.envs.config.clone();
    let Some(env) = config.environments.iter().find(|e| e.name == sw.to) else {
        set_status(state, format!("cannot switch to `{}`: the config has no such environment", sw.to), true);
        return Vec::new();
    };
    let mut out = super::actions::env_switched(state, &sw.from);
    out.extend(super::incidents::env_switched(state, &sw.from, &sw.to, sw.at_ms));
    let fresh = State::new(&config, &env.name, env.production, state.now_ms);
    // The environment's parts, new; the engineer's choices (filter, silence author, log query and
    // its history, wrap, follow) carried over.
    let old_alerts = std::mem::replace(&mut state.alerts, fresh.alerts);
    state.alerts.created_by = old_alerts.created_by;
    state.alerts.next_write = old_alerts.next_write;
    state.alerts.bar.text = old_alerts.bar.text;
    state.alerts.bar.filter_ok = old_alerts.bar.filter_ok;
    state.alerts.filter = old_alerts.filter;
    state.health = fresh.health;
    let old_logs = std::mem::replace(&mut state.logs, fresh.logs);
    let l = &mut state.logs;
    (l.query, l.history, l.wrap, l.raw, l.follow, l.back_to) =
        (old_logs.query, old_logs.history, old_logs.wrap, old_logs.raw, old_logs.follow, old_logs.back_to);
    if let Some(why) = &sw.loki_error {
        l.unavailable = Some(format!("Loki: {why}"));
    }
    state.log_pivot = fresh.log_pivot;
    for (d, new) in state.dashboards.iter_mut().zip(fresh.dashboards) {
        d.panels = new.panels;
    }
    super::vars::env_switched(state);
    state.env_name = fresh.env_name;
    state.production = fresh.production;
    state.envs.picker = None;
    state.envs.floor = state.next_generation;
    state.envs.write_floor = state.alerts.next_write;
    if state.envs.switches.len() >= MAX_SWITCHES {
        state.envs.switches.remove(0);
    }
    state.envs.switches.push(sw);
    tracing::info!(env = %state.env_name, "switched environment");
    let mut msg = format!("switched to {}", state.env_name);
    if let Some(why) = state.read_only_reason() {
        msg.push_str(&format!(" (read-only: {why})"));
    }
    set_status(state, msg, false);
    state.dirty = true;
    // The view stays unless the new environment cannot show it.
    if state.page == Page::Health && state.health.targets.is_empty() {
        state.page = Page::Dashboards;
    }
    if state.page == Page::Logs {
        if state.logs.unavailable.is_some() {
            state.page = Page::Dashboards;
        } else {
            state.page = state.logs.back_to;
            out.extend(logs::enter(state));
            out.extend(super::alerts::schedule(state));
            out.extend(super::health::schedule(state));
            return out;
        }
    }
    out.extend(schedule_all(state));
    out
}
