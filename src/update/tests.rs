use super::*;
use crate::action::{FetchError, FetchErrorKind};
use crate::config::load_str;
use crate::sources::prometheus::{QueryData, Sample};
use crate::state::State;

const CFG: &str = r#"
[settings]
refresh = "30s"
time_range = "1h"

[[environment]]
name = "prod"
production = true
prometheus = { url = "http://localhost:9090" }

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
pos = { x = 0, y = 0, w = 12, h = 8 }
query = [{ expr = "up" }, { expr = "up2" }]
[[dashboard.panel]]
title = "Errors"
kind = "gauge"
pos = { x = 12, y = 0, w = 12, h = 8 }
query = [{ expr = "errors" }]
[[dashboard.panel]]
title = "Latency"
kind = "timeseries"
pos = { x = 0, y = 8, w = 24, h = 8 }
query = [{ expr = "latency" }]

[[dashboard]]
name = "Business"
[[dashboard.panel]]
title = "Orders"
kind = "stat"
query = [{ expr = "orders" }]
"#;

const T0: i64 = 1_700_000_000_000;

fn state() -> State {
    let c = load_str("t.toml", CFG).unwrap();
    State::new(&c, "prod", true, T0)
}

fn fetches(effects: &[Effect]) -> Vec<&FetchRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn ok(req: &FetchRequest, at_ms: i64, v: f64) -> Action {
    Action::Query(QueryResult {
        key: req.key,
        generation: req.generation,
        at_ms,
        outcome: Ok(QueryData::Vector {
            samples: vec![Sample { labels: Default::default(), t: at_ms as f64 / 1000.0, v }],
        }),
    })
}

fn failed(req: &FetchRequest, at_ms: i64) -> Action {
    Action::Query(QueryResult {
        key: req.key,
        generation: req.generation,
        at_ms,
        outcome: Err(FetchError { kind: FetchErrorKind::Timeout, message: "Prometheus timed out after 10s".into() }),
    })
}

#[test]
fn first_tick_fetches_every_visible_query_and_nothing_else() {
    let mut s = state();
    let eff = update(&mut s, Action::Tick { now_ms: T0 });
    let f = fetches(&eff);
    assert_eq!(f.len(), 4, "3 panels, 4 queries on the visible dashboard only");
    assert!(f.iter().all(|r| r.key.dashboard == 0));
    // stat and timeseries need history; gauge asks for the latest value only
    assert!(f.iter().find(|r| r.expr == "latency").unwrap().range.is_some());
    assert!(f.iter().find(|r| r.expr == "errors").unwrap().range.is_none());
}

#[test]
fn no_second_request_while_one_is_in_flight() {
    let mut s = state();
    update(&mut s, Action::Tick { now_ms: T0 });
    let again = update(&mut s, Action::Tick { now_ms: T0 + 120_000 });
    assert!(fetches(&again).is_empty(), "everything is still in flight");
}

#[test]
fn answers_schedule_the_next_fetch_one_refresh_later() {
    let mut s = state();
    let eff = update(&mut s, Action::Tick { now_ms: T0 });
    let reqs: Vec<FetchRequest> = fetches(&eff).into_iter().cloned().collect();
    for r in &reqs {
        update(&mut s, ok(r, T0 + 100, 1.0));
    }
    assert!(fetches(&update(&mut s, Action::Tick { now_ms: T0 + 20_000 })).is_empty());
    let due = update(&mut s, Action::Tick { now_ms: T0 + 31_200 });
    assert_eq!(fetches(&due).len(), 4);
}

#[test]
fn a_late_answer_never_overwrites_a_newer_one() {
    let mut s = state();
    let first = fetches(&update(&mut s, Action::Tick { now_ms: T0 }))[0].clone();
    // The user refreshes while the first request is still out: a newer generation is issued.
    let second =
        fetches(&update(&mut s, Intent::Refresh.into())).into_iter().find(|r| r.key == first.key).unwrap().clone();
    assert!(second.generation > first.generation);
    update(&mut s, ok(&second, T0 + 500, 2.0));
    update(&mut s, ok(&first, T0 + 900, 1.0)); // the old one arrives last
    let (data, _) = s.query(first.key).unwrap().slot.data().unwrap();
    let QueryData::Vector { samples } = data else { panic!() };
    assert_eq!(samples[0].v, 2.0);
}

#[test]
fn a_failure_keeps_the_last_good_data_and_says_why() {
    let mut s = state();
    let r = fetches(&update(&mut s, Action::Tick { now_ms: T0 }))[0].clone();
    update(&mut s, ok(&r, T0 + 100, 7.0));
    let r2 = fetches(&update(&mut s, Action::Tick { now_ms: T0 + 40_000 }))
        .into_iter()
        .find(|x| x.key == r.key)
        .unwrap()
        .clone();
    update(&mut s, failed(&r2, T0 + 41_000));
    let q = s.query(r.key).unwrap();
    assert_eq!(q.slot.error().unwrap().message, "Prometheus timed out after 10s");
    let (_, at) = q.slot.data().unwrap();
    assert_eq!(at, T0 + 100, "the data shown is the last good one, with its own age");
    // and it goes stale once older than twice the refresh interval
    let p = &s.dashboards[0].panels[r.key.panel];
    assert!(!crate::ui::panel::is_stale(p, T0 + 50_000, s.dash().refresh));
    assert!(crate::ui::panel::is_stale(p, T0 + 61_000, s.dash().refresh));
    assert!(crate::ui::panel::age_label(p, T0 + 61_000, s.dash().refresh).starts_with("stale"));
}

#[test]
fn switching_dashboards_fetches_the_new_one_only() {
    let mut s = state();
    update(&mut s, Action::Tick { now_ms: T0 });
    let eff = update(&mut s, Intent::NextDashboard.into());
    let f = fetches(&eff);
    assert_eq!(s.active, 1);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].expr, "orders");
    update(&mut s, Intent::NextDashboard.into());
    assert_eq!(s.page, crate::state::Page::Alerts, "the alerts view is the tab before dashboard 1");
    update(&mut s, Intent::NextDashboard.into());
    assert_eq!((s.page, s.active), (crate::state::Page::Dashboards, 0), "tabs wrap around");
    update(&mut s, Intent::PrevDashboard.into());
    assert_eq!(s.page, crate::state::Page::Alerts);
    update(&mut s, Intent::PrevDashboard.into());
    assert_eq!(s.active, 1);
    update(&mut s, Intent::Dashboard1.into());
    assert_eq!(s.active, 0);
    update(&mut s, Intent::Dashboard9.into());
    assert_eq!(s.active, 0);
    assert!(s.status.as_ref().unwrap().text.contains("no dashboard 9"));
}

#[test]
fn zoom_walks_the_range_ladder_and_refetches() {
    let mut s = state();
    update(&mut s, Action::Tick { now_ms: T0 });
    assert_eq!(s.range().as_secs(), 3600);
    let eff = update(&mut s, Intent::ZoomOut.into());
    assert_eq!(s.range().as_secs(), 6 * 3600);
    let f = fetches(&eff);
    let latency = f.iter().find(|r| r.expr == "latency").unwrap();
    let r = latency.range.unwrap();
    assert_eq!(r.end - r.start, 6 * 3600 - (6 * 3600) % r.step);
    for _ in 0..10 {
        update(&mut s, Intent::ZoomOut.into());
    }
    assert_eq!(s.range().as_secs(), 7 * 86400);
    assert!(s.status.as_ref().unwrap().text.contains("longest"));
    for _ in 0..10 {
        update(&mut s, Intent::ZoomIn.into());
    }
    assert_eq!(s.range().as_secs(), 300);
}

#[test]
fn focus_moves_by_geometry_and_fullscreen_toggles() {
    let mut s = state();
    s.width = 160;
    s.height = 48;
    assert_eq!(s.dash().focus, 0);
    update(&mut s, Intent::FocusRight.into());
    assert_eq!(s.dash().focus, 1);
    update(&mut s, Intent::FocusDown.into());
    assert_eq!(s.dash().focus, 2);
    update(&mut s, Intent::FocusUp.into());
    assert!(s.dash().focus < 2);
    update(&mut s, Intent::ToggleFullscreen.into());
    assert!(s.fullscreen);
    update(&mut s, Intent::Back.into());
    assert!(!s.fullscreen);
    update(&mut s, Intent::ToggleHelp.into());
    assert!(s.help);
    update(&mut s, Intent::Back.into());
    assert!(!s.help);
}

#[test]
fn idle_ticks_redraw_only_when_something_visible_changes() {
    let mut s = state();
    let eff = update(&mut s, Action::Tick { now_ms: T0 });
    for r in fetches(&eff).into_iter().cloned().collect::<Vec<_>>() {
        update(&mut s, ok(&r, T0, 1.0));
    }
    update(&mut s, Action::Tick { now_ms: T0 + 1_000 });
    s.dirty = false;
    // within the same 10-second age bucket and clock minute: nothing to draw
    update(&mut s, Action::Tick { now_ms: T0 + 2_000 });
    update(&mut s, Action::Tick { now_ms: T0 + 3_000 });
    assert!(!s.dirty);
    // the age label moves from "<10s" to "10s"
    update(&mut s, Action::Tick { now_ms: T0 + 10_500 });
    assert!(s.dirty);
}

#[test]
fn an_unchanged_answer_draws_nothing_but_keeps_the_data_fresh() {
    let mut s = state();
    let r = fetches(&update(&mut s, Action::Tick { now_ms: T0 }))[0].clone();
    update(&mut s, ok(&r, T0 + 100, 3.0));
    s.dirty = false;
    let r2 = fetches(&update(&mut s, Action::Tick { now_ms: T0 + 40_000 }))
        .into_iter()
        .find(|x| x.key == r.key)
        .unwrap()
        .clone();
    s.dirty = false; // the tick itself moved the age label
                     // same value at the same sample time: the same data
    let same = Action::Query(QueryResult {
        key: r2.key,
        generation: r2.generation,
        at_ms: T0 + 40_100,
        outcome: Ok(QueryData::Vector {
            samples: vec![Sample { labels: Default::default(), t: (T0 + 100) as f64 / 1000.0, v: 3.0 }],
        }),
    });
    update(&mut s, same);
    assert!(!s.dirty);
    assert_eq!(s.query(r.key).unwrap().slot.data().unwrap().1, T0 + 40_100, "its age restarts");
    assert!(s.query(r.key).unwrap().in_flight.is_none());
    let r3 = fetches(&update(&mut s, Action::Tick { now_ms: T0 + 80_000 }))
        .into_iter()
        .find(|x| x.key == r.key)
        .unwrap()
        .clone();
    update(&mut s, ok(&r3, T0 + 80_100, 4.0));
    assert!(s.dirty, "a changed answer is drawn");
}

#[test]
fn quit_and_shutdown_stop_the_app() {
    let mut s = state();
    assert_eq!(update(&mut s, Intent::Quit.into()), vec![Effect::Quit]);
    let mut s = state();
    assert_eq!(update(&mut s, Action::Shutdown { reason: "SIGHUP".into() }), vec![Effect::Quit]);
    assert!(s.quit);
}
