//! `update` for the logs view: opening it (plainly or pivoting from an alert, a health target or a
//! panel), running the query then handing over to the live tail, the volume sparkline, the cursor,
//! pause, search, and the LogQL prompt.
//!
//! The flow of one query: the lines are read with a backward `query_range` (the newest
//! `initial_lines` over the range); when they answer and the range ends now, the tail starts from
//! the newest line seen (the buffer drops the boundary line Loki sends again). Leaving the view
//! stops the tail (nothing is fetched for a view nobody sees); coming back soon resumes it from the
//! newest buffered line, so the gap is filled from the tail's backlog. Coming back to a following
//! view after more than [`RELOAD_AFTER_MS`] runs the query again instead: the tail's backlog holds at
//! most `initial_lines`, so a long absence would leave a silent hole between the old lines and the new
//! ones, and the old lines would pile up visit after visit (a shift of glances at the logs would fill
//! the 100,000-line buffer). A paused view (the cursor on a line) or one not following keeps its lines.

use crate::action::{FetchError, FetchErrorKind, Intent, LogsPurpose, LogsResult, TailData, TailUpdate, TextOp};
use crate::effect::Effect;
use crate::logs::level::Level;
use crate::logs::pivot;
use crate::logs::{Direction, LokiResult, RangeQuery};
use crate::state::logs::{Request, TailStatus, Volume};
use crate::state::text::LineEdit;
use crate::state::{Page, Slot, State};
use crate::update::set_status;

const NS_PER_MS: i64 = 1_000_000;
/// A failed lines query is tried again after this long.
const RETRY_MS: i64 = 10_000;
/// Away from a following logs view for longer than this, coming back loads the newest lines afresh.
pub const RELOAD_AFTER_MS: i64 = 60_000;
/// Buckets the volume sparkline aims for.
const VOLUME_BUCKETS: i64 = 60;

pub fn text_focus(state: &State) -> bool {
    state.page == Page::Logs && state.logs.typing()
}

/// Open the logs view with `query` over `start_ms`..now (or keep the current query when `None`).
fn open(state: &mut State, query: Option<(String, i64, String)>) -> Vec<Effect> {
    if state.page != Page::Logs {
        state.logs.back_to = state.page;
    }
    state.page = Page::Logs;
    state.fullscreen = false;
    state.help = false;
    let l = &mut state.logs;
    let left_ms = l.left_ms.take();
    if let Some((q, start_ms, origin)) = query {
        l.query = q;
        l.origin = Some(origin);
        l.start_ms = start_ms;
        l.end_ms = None;
        l.history.remember(&l.query.clone());
        return run(state);
    }
    if l.lines.issued == 0 {
        l.start_ms = state.now_ms - l.settings.lookback.0.as_millis() as i64;
        l.history.remember(&l.query.clone());
        return run(state);
    }
    // Back to a view that was open before: reload it after a long absence, else pick the tail up where
    // it stopped.
    let away = left_ms.map_or(0, |t| state.now_ms - t);
    let live = l.follow && !l.paused() && l.end_ms.is_none() && l.unavailable.is_none();
    if away > RELOAD_AFTER_MS && live && pivot::is_log_query(&l.query) {
        // A message of this same moment (a pivot that found no label, say) is not covered up.
        if state.status.as_ref().is_none_or(|m| m.at_ms != state.now_ms) {
            let away = crate::ui::alerts::age(state.now_ms, state.now_ms - away);
            set_status(state, format!("logs: away {away}, loading the newest lines again"), false);
        }
        return run(state);
    }
    let mut out = resume_tail(state);
    out.extend(schedule(state));
    out
}

/// Open the logs view as it was left (a tab switch).
pub fn enter(state: &mut State) -> Vec<Effect> {
    open(state, None)
}

/// Leave the logs view for the page it was opened from; the tail stops.
fn close(state: &mut State) -> Vec<Effect> {
    state.page = match state.logs.back_to {
        Page::Logs => Page::Dashboards,
        p => p,
    };
    stop_tail(state)
}

fn stop_tail(state: &mut State) -> Vec<Effect> {
    if state.logs.tail == TailStatus::Off {
        return Vec::new();
    }
    state.logs.tail = TailStatus::Off;
    state.logs.tail_generation = gen(state);
    vec![Effect::StopTail]
}

fn error(kind: FetchErrorKind, message: &str) -> FetchError {
    FetchError { kind, message: message.to_string() }
}

fn gen(state: &mut State) -> u64 {
    let g = state.next_generation;
    state.next_generation += 1;
    g
}

/// Run the query in force: forget the lines, ask for the newest ones and the volume.
fn run(state: &mut State) -> Vec<Effect> {
    let mut out = stop_tail(state);
    if let Some(why) = &state.logs.unavailable {
        state.logs.lines.error = Some(error(FetchErrorKind::Connect, why));
        return out;
    }
    let g = gen(state);
    let now = state.now_ms;
    let l = &mut state.logs;
    l.clear();
    l.lines = Request { issued: g, in_flight: true, ..Request::default() };
    l.volume_req = Request::default();
    if !pivot::is_log_query(&l.query) {
        l.lines.in_flight = false;
        l.lines.at_ms = now;
        l.lines.error = Some(error(
            FetchErrorKind::Api,
            "this is a metric query: the logs view shows log lines (start with a {stream selector}); \
             put metric queries in a dashboard panel",
        ));
        return out;
    }
    out.push(Effect::FetchLogs {
        purpose: LogsPurpose::Lines,
        generation: g,
        query: RangeQuery {
            expr: l.query.clone(),
            start_ns: l.start_ms * NS_PER_MS,
            end_ns: l.end_ms.unwrap_or(now) * NS_PER_MS,
            limit: l.settings.initial_lines,
            direction: Direction::Backward,
            step: None,
        },
    });
    out.extend(schedule(state));
    out
}

/// Start (or restart) the tail from the newest buffered line.
fn resume_tail(state: &mut State) -> Vec<Effect> {
    let l = &state.logs;
    if !l.follow || l.end_ms.is_some() || l.unavailable.is_some() || !pivot::is_log_query(&l.query) {
        return Vec::new();
    }
    let start_ns = l.buffer.newest_ns().unwrap_or(l.start_ms * NS_PER_MS);
    let (expr, limit) = (l.query.clone(), l.settings.initial_lines);
    let g = gen(state);
    state.logs.tail_generation = g;
    state.logs.tail = TailStatus::Connecting;
    vec![Effect::Tail { generation: g, expr, start_ns, limit }]
}

/// The volume refresh and a failed query's retry, while the logs view is shown.
pub fn schedule(state: &mut State) -> Vec<Effect> {
    if state.page != Page::Logs || state.logs.unavailable.is_some() {
        return Vec::new();
    }
    let now = state.now_ms;
    let mut out = Vec::new();
    let l = &state.logs;
    if l.lines.error.is_some() && !l.lines.in_flight && now >= l.lines.next_due_ms && l.lines.next_due_ms > 0 {
        return run(state);
    }
    if pivot::is_log_query(&l.query) && !l.volume_req.in_flight && now >= l.volume_req.next_due_ms {
        let end = l.end_ms.unwrap_or(now);
        let span_s = ((end - l.start_ms) / 1000).max(60);
        let step_s = nice_step(span_s / VOLUME_BUCKETS);
        let expr = pivot::volume_query(&l.query, step_s);
        let g = gen(state);
        let l = &mut state.logs;
        l.volume_axis = (l.start_ms / 1000, end / 1000, step_s);
        l.volume_req.issued = g;
        l.volume_req.in_flight = true;
        l.volume_req.next_due_ms = now + l.settings.volume_refresh.0.as_millis() as i64;
        out.push(Effect::FetchLogs {
            purpose: LogsPurpose::Volume,
            generation: g,
            query: RangeQuery {
                expr,
                start_ns: l.start_ms * NS_PER_MS,
                end_ns: end * NS_PER_MS,
                // Loki refuses a limit of 0 even for metric queries ("limit must be a positive value").
                limit: 100,
                direction: Direction::Backward,
                step: Some(std::time::Duration::from_secs(step_s as u64)),
            },
        });
    }
    out
}

fn nice_step(raw: i64) -> i64 {
    const STEPS: &[i64] = &[1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400];
    STEPS.iter().copied().find(|s| *s >= raw).unwrap_or(86400)
}

pub fn apply(state: &mut State, r: LogsResult) -> Vec<Effect> {
    let l = &mut state.logs;
    let req = match r.purpose {
        LogsPurpose::Lines => &mut l.lines,
        LogsPurpose::Volume => &mut l.volume_req,
    };
    if r.generation != req.issued {
        return Vec::new();
    }
    req.in_flight = false;
    req.at_ms = r.at_ms;
    if state.page == Page::Logs {
        state.dirty = true;
    }
    match (r.purpose, r.outcome) {
        (LogsPurpose::Lines, Ok(LokiResult::Streams(entries))) => {
            l.lines.error = None;
            l.add(entries);
            return resume_tail(state);
        }
        (LogsPurpose::Lines, Ok(_)) => {
            l.lines.error = Some(error(FetchErrorKind::Api, "Loki answered metric data to a log query"));
        }
        (LogsPurpose::Lines, Err(e)) => {
            // Loki refusing the query (a LogQL error) will refuse it again: only failures of the
            // way there (unreachable, timeout, 5xx) are retried.
            l.lines.next_due_ms = if e.kind == FetchErrorKind::Api { 0 } else { r.at_ms + RETRY_MS };
            l.lines.error = Some(e);
        }
        (LogsPurpose::Volume, Ok(LokiResult::Matrix(series))) => {
            l.volume_req.error = None;
            l.volume = Some(volume(&series, l.volume_axis, r.at_ms));
        }
        (LogsPurpose::Volume, Ok(_)) => {}
        (LogsPurpose::Volume, Err(e)) => l.volume_req.error = Some(e),
    }
    Vec::new()
}

/// Bucket a `sum by (level, detected_level)` matrix into counts per level on the query's whole time
/// axis (Loki leaves empty steps out; they are zeros here, so quiet stretches show as quiet).
fn volume(series: &[crate::sources::prometheus::Series], (start, end, step): (i64, i64, i64), at_ms: i64) -> Volume {
    let step = step.max(1);
    let n = (((end - start).max(0) / step) + 1).min(10_000) as usize;
    let times: Vec<f64> = (0..n).map(|i| (start + i as i64 * step) as f64).collect();
    let mut counts: Vec<(Level, Vec<f64>)> = Vec::new();
    for s in series {
        let name = s.labels.get("level").or_else(|| s.labels.get("detected_level")).map(String::as_str).unwrap_or("");
        let level = Level::parse(name);
        let row = match counts.iter().position(|(l, _)| *l == level) {
            Some(i) => i,
            None => {
                counts.push((level, vec![0.0; times.len()]));
                counts.len() - 1
            }
        };
        for (t, v) in &s.points {
            let i = ((t - start as f64) / step as f64).round();
            if (0.0..n as f64).contains(&i) && v.is_finite() {
                counts[row].1[i as usize] += v;
            }
        }
    }
    counts.sort_by_key(|(l, _)| std::cmp::Reverse(*l));
    Volume { times, counts, at_ms }
}

pub fn apply_tail(state: &mut State, u: TailUpdate) {
    let l = &mut state.logs;
    if u.generation != l.tail_generation || l.tail == TailStatus::Off {
        return;
    }
    if state.page == Page::Logs {
        state.dirty = true;
    }
    match u.data {
        TailData::Connected { polling } => {
            l.tail = match polling {
                Some(why) => TailStatus::Polling(why),
                None => TailStatus::Live,
            }
        }
        TailData::Entries { entries, dropped } => {
            l.tail_dropped += dropped;
            l.add(entries);
            if matches!(l.tail, TailStatus::Connecting | TailStatus::Retrying { .. }) {
                l.tail = TailStatus::Live;
            }
        }
        TailData::Disconnected { error, retry_in_ms } => {
            l.tail = TailStatus::Retrying { error, retry_at_ms: u.at_ms + retry_in_ms as i64 };
        }
    }
}

/// Global intents that open the logs view, and the logs page's own. `None` when not ours.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    match intent {
        Intent::LogsView if state.page == Page::Logs => return Some(close(state)),
        Intent::LogsView => return Some(open(state, None)),
        Intent::ShowLogs if state.page != Page::Logs => return Some(show_logs(state)),
        _ => {}
    }
    if state.page != Page::Logs {
        return None;
    }
    let page = (state.height as isize - 8).max(1);
    let l = &mut state.logs;
    match intent {
        Intent::SelectNext => l.move_cursor(1),
        Intent::SelectPrev => l.move_cursor(-1),
        Intent::PageDown => l.move_cursor(page),
        Intent::PageUp => l.move_cursor(-page),
        Intent::SelectFirst => l.move_cursor(-(l.buffer.len() as isize)),
        Intent::SelectLast => l.resume(),
        Intent::TogglePause => {
            if l.paused() {
                l.resume();
            } else {
                l.move_cursor(0);
            }
        }
        Intent::ToggleWrap => l.wrap = !l.wrap,
        Intent::ToggleRaw => l.raw = !l.raw,
        Intent::ShowDetail => l.detail = !l.detail,
        Intent::ToggleUtc => state.utc = !state.utc,
        Intent::EditQuery => {
            l.prompt = Some(LineEdit::new(&l.query));
            l.history.pos = None;
        }
        Intent::Search => l.search_edit = Some(LineEdit::new(l.needle.as_ref().map_or("", |n| n.text.as_str()))),
        Intent::SearchNext | Intent::SearchPrev => jump(state, intent == Intent::SearchNext),
        Intent::ToggleFollow => {
            l.follow = !l.follow;
            let on = l.follow;
            set_status(state, if on { "following: new lines stream in" } else { "live tail off" }.into(), false);
            return Some(if on { resume_tail(state) } else { stop_tail(state) });
        }
        Intent::Refresh => return Some(run(state)),
        Intent::Back => {
            if l.detail {
                l.detail = false;
            } else if l.needle.is_some() {
                l.needle = None;
                l.matches = 0;
            } else {
                return Some(close(state));
            }
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// The logs page was left (for another view): stop the tail.
pub fn left(state: &mut State) -> Vec<Effect> {
    state.logs.left_ms = Some(state.now_ms);
    stop_tail(state)
}

/// Jump the cursor to the next (or previous) line matching the search.
fn jump(state: &mut State, forward: bool) {
    let l = &mut state.logs;
    let Some(needle) = l.needle.clone() else {
        set_status(state, "nothing to find: press / and type".into(), false);
        return;
    };
    let n = l.buffer.len();
    let at = l.cursor_index().unwrap_or(n.saturating_sub(1));
    let from = if forward { at + 1 } else { at.saturating_sub(1) };
    let found = if forward && from >= n { None } else { l.buffer.find(&needle, from, forward) };
    // Wrap around once, as less does.
    let found = found.or_else(|| l.buffer.find(&needle, if forward { 0 } else { n.saturating_sub(1) }, forward));
    match found {
        Some(i) => l.cursor = Some(l.popped + i as u64),
        None => set_status(state, format!("`{}` is not in the {n} buffered lines", needle.text), false),
    }
}

/// The pivot: logs of what is selected on the current page.
fn show_logs(state: &mut State) -> Vec<Effect> {
    let pivot_cfg = state.log_pivot.clone();
    let before = pivot_cfg.before.0.as_millis() as i64;
    let now = state.now_ms;
    let lookback = state.logs.settings.lookback.0.as_millis() as i64;
    let picked: Option<(Option<String>, i64, String)> = match state.page {
        Page::Alerts => {
            if let Some(shown) = state.alerts.selected_alert() {
                let a = &shown.alert;
                let name = a.labels.get("alertname").cloned().unwrap_or_default();
                Some((pivot::selector([&a.labels], &pivot_cfg), a.starts_at_ms - before, format!("alert {name}")))
            } else {
                state.alerts.selected_pending().map(|p| {
                    let name = p.labels.get("alertname").cloned().unwrap_or_default();
                    let start = p.active_at_ms.unwrap_or(now) - before;
                    (pivot::selector([&p.labels], &pivot_cfg), start, format!("pending alert {name}"))
                })
            }
        }
        Page::Health => state.health.targets.get(state.health.selected).map(|t| {
            let name = t.spec.name.clone();
            let labels = crate::sources::prometheus::Labels::from([
                ("service".to_string(), name.clone()),
                ("job".to_string(), name.clone()),
            ]);
            (pivot::selector([&labels], &pivot_cfg), now - lookback, format!("health target {name}"))
        }),
        Page::Dashboards => {
            let d = state.dash();
            let range = state.range().as_millis() as i64;
            d.spec.panels.get(d.focus).map(|spec| {
                let ps = &d.panels[d.focus];
                let sets = panel_label_sets(ps);
                let title = spec.title.clone();
                (pivot::selector(sets.iter(), &pivot_cfg), now - range, format!("panel {title}"))
            })
        }
        Page::Logs | Page::Incidents => None,
    };
    match picked {
        Some((Some(q), start, origin)) => open(state, Some((q, start, origin))),
        Some((None, _, origin)) => {
            let keys: Vec<String> = pivot_cfg.labels.values().flat_map(|v| v.iter().cloned()).collect();
            set_status(
                state,
                format!(
                    "no label of the {origin} maps to a log label (looked for {}); set [environment.log_pivot] labels",
                    keys.join(", ")
                ),
                true,
            );
            open(state, None)
        }
        None => open(state, None),
    }
}

/// The label sets of a panel's data (every series of every query).
fn panel_label_sets(ps: &crate::state::PanelState) -> Vec<crate::sources::prometheus::Labels> {
    use crate::sources::prometheus::QueryData;
    let mut out = Vec::new();
    for q in &ps.queries {
        let data = match &q.slot {
            Slot::Ready { data, .. } => data,
            Slot::Failed { last_good: Some((d, _)), .. } => d,
            _ => continue,
        };
        match data {
            QueryData::Matrix { series } => out.extend(series.iter().map(|s| s.labels.clone())),
            QueryData::Vector { samples } => out.extend(samples.iter().map(|s| s.labels.clone())),
            QueryData::Logs { entries } => out.extend(entries.iter().map(|e| (*e.labels).clone())),
            QueryData::Scalar { .. } | QueryData::String { .. } => {}
        }
    }
    out
}

pub fn on_text(state: &mut State, op: TextOp) -> Vec<Effect> {
    state.dirty = true;
    let l = &mut state.logs;
    if let Some(edit) = l.search_edit.as_mut() {
        match op {
            TextOp::Submit => {
                let text = edit.text.clone();
                l.search_edit = None;
                if text.is_empty() {
                    l.needle = None;
                    l.matches = 0;
                } else {
                    let n = crate::logs::buffer::Needle::new(&text);
                    l.matches = l.buffer.count(&n);
                    l.needle = Some(n);
                    // Start from the newest line and go back, as `?` in less: the latest match first.
                    let matches = l.matches;
                    l.resume();
                    jump(state, false);
                    set_status(state, format!("{matches} lines match `{text}`"), false);
                }
            }
            TextOp::Cancel => l.search_edit = None,
            op => {
                edit.apply(op);
            }
        }
        return Vec::new();
    }
    let Some(edit) = l.prompt.as_mut() else { return Vec::new() };
    match op {
        TextOp::Submit => {
            let q = edit.text.trim().to_string();
            l.prompt = None;
            if q.is_empty() {
                return Vec::new();
            }
            l.history.remember(&q);
            l.query = q;
            l.origin = None;
            return run(state);
        }
        TextOp::Cancel => l.prompt = None,
        TextOp::HistoryPrev | TextOp::HistoryNext => {
            if let Some(shown) = l.history.step(op) {
                *edit = LineEdit::new(shown.unwrap_or(""));
            }
        }
        op => {
            edit.apply(op);
        }
    }
    Vec::new()
}
