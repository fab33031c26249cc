//! `update` for health targets: scheduling checks (on every page: the health strip is everywhere),
//! classifying answers (pure: `health::classify`), and the health view's selection.

use crate::action::{HealthResult, Intent};
use crate::effect::Effect;
use crate::health::Level;
use crate::state::health::LATENCY_HISTORY;
use crate::state::{Page, State};

/// An `https` target's certificate is read again after this long (it rarely changes).
const CERT_EVERY_MS: i64 = 10 * 60_000;

pub fn schedule(state: &mut State) -> Vec<Effect> {
    let now = state.now_ms;
    let mut out = Vec::new();
    let mut gen = state.next_generation;
    let h = &mut state.health;
    let default_ms = h.interval_ms;
    for (i, t) in h.targets.iter_mut().enumerate() {
        if t.in_flight || now < t.next_due_ms {
            continue;
        }
        let interval = t.spec.interval.map_or(default_ms, |d| d.0.as_millis() as i64);
        t.in_flight = true;
        t.issued = gen;
        t.next_due_ms = now + interval;
        let cert_due = t.https() && t.cert_checked_ms.is_none_or(|at| now - at >= CERT_EVERY_MS);
        if cert_due {
            t.cert_checked_ms = Some(now);
        }
        out.push(Effect::CheckHealth { target: i, generation: gen, cert: cert_due });
        gen += 1;
    }
    state.next_generation = gen;
    out
}

/// Store a check's answer: classify it, track latency, failures and when the level changed.
pub fn apply(state: &mut State, r: HealthResult) {
    let h = &mut state.health;
    let default_ms = h.interval_ms;
    let Some(t) = h.targets.get_mut(r.target) else { return };
    if r.generation < t.issued {
        return;
    }
    t.in_flight = false;
    let interval = t.spec.interval.map_or(default_ms, |d| d.0.as_millis() as i64);
    t.next_due_ms = r.at_ms + interval;
    let verdict = crate::health::classify(&t.spec, &r.outcome);
    if let Ok(p) = &r.outcome {
        if t.latency_ms.len() == LATENCY_HISTORY {
            t.latency_ms.pop_front();
        }
        t.latency_ms.push_back(p.latency_ms);
    }
    let before = t.level();
    if verdict.level != before || t.verdict.is_none() {
        t.since_ms = r.at_ms;
    }
    t.failures = if verdict.level == Level::Ok { 0 } else { t.failures + 1 };
    let changed = t.verdict.as_ref() != Some(&verdict) || r.cert.is_some();
    let name = t.spec.name.clone();
    t.verdict = Some(verdict);
    t.at_ms = r.at_ms;
    if let Some(c) = r.cert {
        t.cert = Some(c);
    }
    let level_changed = changed && t.level() != before;
    // The health view shows latency (it moves every check); other views only the strip's levels.
    if state.page == Page::Health || level_changed {
        state.dirty = true;
    }
    if let Some(m) = r.metrics {
        fill_scrape_panels(state, &name, &m, r.at_ms);
    }
}

/// Intents of the health page. `None` when not the health page's to handle.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    if state.page != Page::Health {
        return None;
    }
    let n = state.health.targets.len();
    let h = &mut state.health;
    match intent {
        Intent::SelectNext | Intent::FocusDown => h.selected = (h.selected + 1).min(n.saturating_sub(1)),
        Intent::SelectPrev | Intent::FocusUp => h.selected = h.selected.saturating_sub(1),
        Intent::SelectFirst => h.selected = 0,
        Intent::SelectLast => h.selected = n.saturating_sub(1),
        Intent::Refresh => {
            for t in &mut h.targets {
                t.next_due_ms = 0;
                t.in_flight = false;
            }
            return Some(schedule(state));
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// Put a target's scrape into every panel query that reads it (`scrape = "<target>"`).
fn fill_scrape_panels(
    state: &mut State,
    target: &str,
    scraped: &Result<Vec<crate::sources::scrape::ScrapedSample>, crate::action::FetchError>,
    at_ms: i64,
) {
    use crate::state::Slot;
    let active = state.active;
    let on_dashboards = state.page == Page::Dashboards;
    for (di, d) in state.dashboards.iter_mut().enumerate() {
        for (panel, spec) in d.panels.iter_mut().zip(&d.spec.panels) {
            for (q, qs) in panel.queries.iter_mut().zip(&spec.queries) {
                if qs.scrape.as_deref() != Some(target) {
                    continue;
                }
                let outcome = match scraped {
                    Ok(samples) => {
                        crate::sources::scrape::select(samples, &qs.expr, at_ms as f64 / 1000.0).map_err(|m| {
                            crate::action::FetchError { kind: crate::action::FetchErrorKind::Api, message: m }
                        })
                    }
                    Err(e) => Err(e.clone()),
                };
                let old = q.slot.clone();
                let new = match (outcome, std::mem::take(&mut q.slot)) {
                    (Ok(data), _) => Slot::Ready { data, at_ms },
                    (Err(error), Slot::Ready { data, at_ms: was }) => {
                        Slot::Failed { error, at_ms, last_good: Some((data, was)) }
                    }
                    (Err(error), Slot::Failed { last_good, .. }) => Slot::Failed { error, at_ms, last_good },
                    (Err(error), Slot::Loading) => Slot::Failed { error, at_ms, last_good: None },
                };
                if old != new && on_dashboards && di == active {
                    state.dirty = true;
                }
                q.slot = new;
            }
        }
    }
}
