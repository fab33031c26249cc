//! `update`: the only place the state changes. Pure: no I/O, no awaiting, no clock reads (the time comes
//! in with `Tick`). It returns the effects for the runtime to run, so every behaviour here is a plain
//! unit test.
//!
//! Poll *scheduling* lives here too, which DESIGN.md puts in per-source poller tasks: keeping "what is
//! due" in the pure state makes the rules testable without a runtime: only the visible dashboard is
//! polled, a query with a request in flight is not asked again, a refresh or a zoom issues a newer
//! generation and answers older than the newest issued are dropped. The runtime (`poll.rs`) only runs
//! requests, one at a time per query key, with per-backend concurrency limits and timeouts.

use crate::action::{Action, Intent, QueryKey, QueryResult};
use crate::effect::{Effect, FetchRequest};
use crate::sources::prometheus::{range_params, RangeParams};
use crate::state::{Page, Slot, State, StatusMsg};
use crate::variables::{expand, Macros};

pub mod actions;
mod alerts;
pub mod copy;
mod envs;
mod health;
pub use envs::from_before_switch;
pub mod incidents;
mod logs;
mod vars;
use crate::ui::layout;
use ratatui::layout::Rect;

/// Smallest step asked of Prometheus, in seconds: below its usual scrape interval points repeat.
pub const MIN_STEP_S: i64 = 5;

pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    // An answer asked of an environment left since never lands in the new one.
    if envs::from_before_switch(state, &action) {
        if let Action::Write(w) = action {
            envs::write_from_before_switch(state, w);
        }
        return Vec::new();
    }
    match action {
        Action::Tick { now_ms } => {
            state.now_ms = now_ms;
            let sig = tick_signature(state);
            if sig != state.tick_signature {
                state.tick_signature = sig;
                state.dirty = true;
            }
            if state.status.as_ref().is_some_and(|s| now_ms - s.at_ms > 8_000) {
                state.status = None;
                state.dirty = true;
            }
            let mut out = schedule_all(state);
            out.extend(actions::verify_all(state));
            out
        }
        Action::Resize { width, height } => {
            state.width = width;
            state.height = height;
            state.dirty = true;
            Vec::new()
        }
        Action::Query(r) => {
            apply_result(state, r);
            Vec::new()
        }
        Action::Alerts(r) => {
            let mut out = alerts::apply(state, r);
            // Verified before the incident may close on the same answer, so it is in its timeline.
            out.extend(actions::verify_all(state));
            out.extend(incidents::after_alerts(state));
            out
        }
        Action::Write(w) => {
            alerts::apply_write(state, w);
            alerts::schedule(state)
        }
        Action::EnvironmentSwitched(sw) => envs::switched(state, sw),
        Action::Text { op } if actions::text_focus(state) => actions::on_text(state, op),
        Action::Text { op } if incidents::text_focus(state) => incidents::on_text(state, op),
        Action::Text { op } if logs::text_focus(state) => logs::on_text(state, op),
        Action::Text { op } => alerts::on_text(state, op),
        Action::Health(r) => {
            health::apply(state, r);
            let mut out = actions::verify_all(state);
            out.extend(incidents::after_health(state));
            out
        }
        Action::Logs(r) => logs::apply(state, r),
        Action::Tail(u) => {
            logs::apply_tail(state, u);
            Vec::new()
        }
        // Keys are turned into intents or text edits by the engine, which holds the keymap.
        Action::Key { .. } => Vec::new(),
        Action::Shutdown { reason } => {
            tracing::info!(%reason, "shutting down");
            state.quit = true;
            vec![Effect::Quit]
        }
        Action::Intent { intent } => on_intent(state, intent),
        Action::RunAction { index } => actions::invoke(state, index, false),
        Action::Runbook(event) => actions::apply(state, event),
        Action::Variable(r) => vars::apply(state, r),
        Action::SnapshotSaved { outcome } => {
            match outcome {
                Ok(files) => set_status(state, format!("snapshot saved: {}", files.join(", ")), false),
                Err(e) => set_status(state, e, true),
            }
            state.dirty = true;
            Vec::new()
        }
        // Shown with the frame about to be drawn; never a reason to draw one.
        Action::Wire { bytes_per_s } => {
            state.bytes_per_s = Some(bytes_per_s);
            Vec::new()
        }
    }
}

/// Everything due: the visible dashboard's queries and the alerting feeds.
fn schedule_all(state: &mut State) -> Vec<Effect> {
    let mut out = schedule(state);
    out.extend(alerts::schedule(state));
    out.extend(health::schedule(state));
    out.extend(logs::schedule(state));
    out
}

/// Whether a text field has the keyboard (keys are then text edits, not bindings).
pub fn text_focus(state: &State) -> bool {
    if state.envs.picker.is_some() || state.var_picker.is_some() {
        return false;
    }
    actions::text_focus(state) || incidents::text_focus(state) || alerts::text_focus(state) || logs::text_focus(state)
}

fn on_intent(state: &mut State, intent: Intent) -> Vec<Effect> {
    let was_logs = state.page == Page::Logs;
    let mut out = on_intent_inner(state, intent);
    if was_logs && state.page != Page::Logs {
        out.extend(logs::left(state));
    }
    out
}

fn on_intent_inner(state: &mut State, intent: Intent) -> Vec<Effect> {
    state.dirty = true;
    if let Some(effects) = actions::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = envs::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = vars::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = incidents::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = logs::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = alerts::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = health::on_intent(state, intent) {
        return effects;
    }
    if let Some(effects) = copy::on_intent(state, intent) {
        return effects;
    }
    let n = state.dashboards.len();
    if let Some(i) = intent.dashboard_index() {
        if i < n {
            switch_dashboard(state, i);
            return schedule(state);
        }
        set_status(state, format!("there is no dashboard {} (there are {n})", i + 1), true);
        return Vec::new();
    }
    match intent {
        Intent::Quit if !actions::may_quit(state) => Vec::new(),
        Intent::Quit => {
            state.quit = true;
            vec![Effect::Quit]
        }
        Intent::ToggleHelp => {
            state.help = !state.help;
            Vec::new()
        }
        Intent::Back => {
            if state.help {
                state.help = false;
            } else if !alerts::back(state) {
                state.fullscreen = false;
            }
            Vec::new()
        }
        Intent::AlertsView | Intent::HealthView => {
            let to = if intent == Intent::AlertsView { Page::Alerts } else { Page::Health };
            state.page = if state.page == to { Page::Dashboards } else { to };
            state.fullscreen = false;
            state.alerts.silences_open = false;
            schedule_all(state)
        }
        // The tabs run: alerts, health (when there are targets), dashboard 1 … dashboard n.
        Intent::NextDashboard | Intent::PrevDashboard => {
            let mut tabs = vec![Page::Alerts];
            if !state.health.targets.is_empty() {
                tabs.push(Page::Health);
            }
            if state.logs.unavailable.is_none() {
                tabs.push(Page::Logs);
            }
            let first_dash = tabs.len();
            let tab = match state.page {
                Page::Dashboards => first_dash + state.active,
                p => tabs.iter().position(|t| *t == p).unwrap_or(0),
            };
            let total = first_dash + n;
            let step = if intent == Intent::NextDashboard { 1 } else { total - 1 };
            let to = (tab + step) % total;
            if to < first_dash && tabs[to] == Page::Logs {
                return logs::enter(state);
            } else if to < first_dash {
                state.page = tabs[to];
            } else {
                switch_dashboard(state, to - first_dash);
            }
            state.fullscreen = false;
            schedule_all(state)
        }
        Intent::FocusNext | Intent::FocusPrev => {
            let d = &mut state.dashboards[state.active];
            let count = d.panels.len().max(1);
            d.focus = if intent == Intent::FocusNext { (d.focus + 1) % count } else { (d.focus + count - 1) % count };
            Vec::new()
        }
        Intent::FocusLeft | Intent::FocusRight | Intent::FocusUp | Intent::FocusDown => {
            let (dx, dy) = match intent {
                Intent::FocusLeft => (-1, 0),
                Intent::FocusRight => (1, 0),
                Intent::FocusUp => (0, -1),
                _ => (0, 1),
            };
            let rects = layout::panel_rects(&state.dash().spec, body(state));
            if let Some(to) = layout::neighbour(&rects, state.dash().focus, dx, dy) {
                state.dashboards[state.active].focus = to;
            }
            Vec::new()
        }
        Intent::ToggleFullscreen => {
            state.fullscreen = !state.fullscreen;
            // The panel is now wider: fetch at the finer step it can draw.
            refetch_visible(state);
            schedule(state)
        }
        Intent::ZoomIn | Intent::ZoomOut => {
            let max = state.time_ranges.len() - 1;
            let d = &mut state.dashboards[state.active];
            let before = d.range_idx;
            d.range_idx = if intent == Intent::ZoomIn { before.saturating_sub(1) } else { (before + 1).min(max) };
            if d.range_idx == before {
                let edge = if intent == Intent::ZoomIn { "shortest" } else { "longest" };
                set_status(state, format!("already at the {edge} time range"), false);
                return Vec::new();
            }
            refetch_visible(state);
            schedule(state)
        }
        Intent::Refresh => {
            vars::refresh(state);
            refetch_visible(state);
            set_status(state, "refreshing".into(), false);
            schedule(state)
        }
        // dashboard_N handled above
        _ => Vec::new(),
    }
}

fn switch_dashboard(state: &mut State, to: usize) {
    if state.active != to || state.page != Page::Dashboards {
        state.active = to;
        state.fullscreen = false;
        state.page = Page::Dashboards;
    }
}

pub(crate) fn set_status(state: &mut State, text: String, error: bool) {
    state.status = Some(StatusMsg { text, at_ms: state.now_ms, error });
}

/// Make every visible query due now, even those with a request in flight (the newer one wins).
fn refetch_visible(state: &mut State) {
    for p in &mut state.dashboards[state.active].panels {
        for q in &mut p.queries {
            q.next_due_ms = 0;
            q.in_flight = None;
        }
    }
}

/// The dashboard panels' area (below the variable strip, when there is one).
pub fn body(state: &State) -> Rect {
    crate::ui::vars::grid_area(state, layout::screen(Rect::new(0, 0, state.width, state.height)).body)
}

/// Issue fetches for the visible queries that are due and have nothing in flight.
pub fn schedule(state: &mut State) -> Vec<Effect> {
    if state.page != Page::Dashboards {
        return Vec::new();
    }
    let mut out = vars::schedule(state);
    let di = state.active;
    let range = state.range();
    let now_s = state.now_ms.div_euclid(1000);
    let rects = layout::panel_rects(&state.dash().spec, body(state));
    let full_width = state.width;
    let fullscreen = state.fullscreen;
    let focus = state.dash().focus;
    let low_bandwidth = state.low_bandwidth;
    let d = &mut state.dashboards[di];
    let bindings = d.vars.bindings();
    for (pi, (panel, spec)) in d.panels.iter_mut().zip(&d.spec.panels).enumerate() {
        let width = if fullscreen && pi == focus { full_width } else { rects.get(pi).map(|r| r.width).unwrap_or(80) };
        // Only a chart draws half blocks in low-bandwidth mode; a stat's sparkline is one point a cell.
        let chart_cells = chart_cells(width, low_bandwidth && spec.kind == crate::config::PanelKind::Timeseries);
        for (ti, q) in panel.queries.iter_mut().enumerate() {
            if q.in_flight.is_some() || state.now_ms < q.next_due_ms {
                continue;
            }
            // Direct-scrape queries are filled by their health target's checks, not by Prometheus.
            if spec.queries[ti].scrape.is_some() {
                continue;
            }
            let raw = &spec.queries[ti].expr;
            // A query using a variable that stands for nothing yet waits (and says why once it is known).
            if let Some((name, why)) = d.vars.waiting_for(raw) {
                if why.is_some() {
                    q.slot =
                        Slot::Failed { error: vars::waiting_error(&name, why), at_ms: state.now_ms, last_good: None };
                    q.next_due_ms = state.now_ms + d.refresh.as_millis() as i64;
                }
                continue;
            }
            let generation = state.next_generation;
            state.next_generation += 1;
            q.in_flight = Some(generation);
            q.issued = generation;
            let key = QueryKey { dashboard: di, panel: pi, target: ti };
            let logs = spec.kind == crate::config::PanelKind::Logs;
            let params = range_params(now_s, range, chart_cells, MIN_STEP_S);
            let macros = Macros { interval_s: params.step as f64, range_s: range.as_secs_f64(), scrape_s: 15.0 };
            // A logs panel reads the lines of the whole range up to now: nothing in it depends on the
            // panel's width, so two logs panels of one query share a request whatever their sizes.
            let range = if logs {
                Some(RangeParams { start: now_s - range.as_secs() as i64, end: now_s, step: 1 })
            } else {
                spec.kind.needs_range().then_some(params)
            };
            let logs = logs.then_some(state.logs.settings.panel_lines);
            out.push(Effect::Fetch(FetchRequest {
                key,
                generation,
                expr: expand(raw, &bindings, &macros),
                logs,
                range,
                time: state.now_ms as f64 / 1000.0,
            }));
        }
    }
    out
}

/// The plot width of a chart in a panel `panel_width` cells wide: minus borders and y-axis labels.
/// Render and the query step both use it, so the chart draws exactly the points fetched. The step is
/// sized for braille, two points per cell; in low-bandwidth mode the half-block chart draws one, so it
/// counts as half as wide and half as many points come over the link (`half_blocks`: a timeseries
/// panel in low-bandwidth mode).
pub fn chart_cells(panel_width: u16, half_blocks: bool) -> u16 {
    let cells = panel_width.saturating_sub(12).max(10);
    if half_blocks {
        cells.div_ceil(2)
    } else {
        cells
    }
}

/// A stable offset (0–999 ms) per dashboard, so dashboards sharing a refresh interval do not all
/// fire at once, while the panels of one dashboard refresh together (one batch, one frame).
fn jitter_ms(key: QueryKey) -> i64 {
    (key.dashboard as i64 * 7919) % 1000
}

fn apply_result(state: &mut State, r: QueryResult) {
    let refresh_ms = match state.dashboards.get(r.key.dashboard) {
        Some(d) => d.refresh.as_millis() as i64,
        None => return,
    };
    let Some(q) = state
        .dashboards
        .get_mut(r.key.dashboard)
        .and_then(|d| d.panels.get_mut(r.key.panel))
        .and_then(|p| p.queries.get_mut(r.key.target))
    else {
        return;
    };
    // A late answer to an older request never overwrites what a newer request will bring.
    if r.generation < q.issued {
        return;
    }
    q.in_flight = None;
    q.next_due_ms = r.at_ms + refresh_ms + jitter_ms(r.key);
    // An answer identical to what is on screen only refreshes its time: nothing to draw (the age
    // label follows through the tick signature), so an idle dashboard writes nothing.
    if let (Ok(data), Slot::Ready { data: shown, at_ms }) = (&r.outcome, &mut q.slot) {
        if data == shown {
            *at_ms = r.at_ms;
            return;
        }
    }
    q.slot = match (r.outcome, std::mem::take(&mut q.slot)) {
        (Ok(data), _) => Slot::Ready { data, at_ms: r.at_ms },
        (Err(error), Slot::Ready { data, at_ms }) => {
            Slot::Failed { error, at_ms: r.at_ms, last_good: Some((data, at_ms)) }
        }
        (Err(error), Slot::Failed { last_good, .. }) => Slot::Failed { error, at_ms: r.at_ms, last_good },
        (Err(error), Slot::Loading) => Slot::Failed { error, at_ms: r.at_ms, last_good: None },
    };
    if r.key.dashboard == state.active {
        state.dirty = true;
    }
}

/// Everything time-dependent that the screen shows: the clock's minute and each visible panel's
/// age label and staleness. A tick redraws only when this changes, so an idle screen stays quiet.
fn tick_signature(state: &State) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (state.now_ms / 60_000).hash(&mut h);
    let refresh = state.dash().refresh;
    for p in &state.dash().panels {
        crate::ui::panel::age_label_in(p, state.now_ms, refresh, state.low_bandwidth).hash(&mut h);
    }
    state.status.is_some().hash(&mut h);
    state.page.hash(&mut h);
    // Low bandwidth: nothing redraws on its own but the minute and the data ages (no countdowns;
    // a NEW tag goes with the next redraw after its minute).
    if state.low_bandwidth {
        return h.finish();
    }
    // The logs view counts down to the tail's next reconnection attempt.
    if let (Page::Logs, crate::state::logs::TailStatus::Retrying { retry_at_ms, .. }) = (state.page, &state.logs.tail) {
        ((retry_at_ms - state.now_ms).max(0) / 1000).hash(&mut h);
    }
    if state.page == Page::Logs && state.logs.lines.error.is_some() {
        ((state.logs.lines.next_due_ms - state.now_ms).max(0) / 1000).hash(&mut h);
    }
    // New alerts are highlighted for a minute.
    state.alerts.new_at.values().filter(|t| state.now_ms - **t < 60_000).count().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_actions;
#[cfg(test)]
mod tests_alerts;
#[cfg(test)]
mod tests_copy;
#[cfg(test)]
mod tests_envs;
#[cfg(test)]
mod tests_health;
#[cfg(test)]
mod tests_incidents;
#[cfg(test)]
mod tests_logs;
#[cfg(test)]
mod tests_vars;
