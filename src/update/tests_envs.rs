//! The environment picker, the switch (what resets, what stays), answers from before a switch, and
//! read-only refusals that say why.

use super::*;
use crate::action::{AlertFeed, AlertsData, AlertsResult, EnvSwitch, WriteResult};
use crate::config::load_str;
use crate::sources::prometheus::{QueryData, Sample};
use crate::state::State;

const CFG: &str = r#"
[settings]
default_environment = "production"

[[environment]]
name = "production"
production = true
prometheus = { url = "http://prom-prod:9090" }
alertmanager = [{ url = "http://am-prod:9093" }]
health = [{ name = "api", url = "http://api-prod/health" }]
loki = { url = "http://loki-prod:3100" }

[[environment]]
name = "staging"
read_only = true
color = "warn"
prometheus = { url = "http://prom-staging:9090" }

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]

[[dashboard]]
name = "Business"
[[dashboard.panel]]
title = "Orders"
kind = "timeseries"
query = [{ expr = "orders" }]
"#;

const T0: i64 = 1_700_000_000_000;

fn state() -> State {
    let c = load_str("t.toml", CFG).unwrap();
    State::new(&c, "production", true, T0)
}

/// What the engine does on `Effect::SwitchEnvironment`, minus the clients.
fn switched(s: &mut State, to: &str) -> Vec<Effect> {
    let sw = EnvSwitch { from: s.env_name.clone(), to: to.into(), at_ms: s.now_ms, loki_error: None };
    update(s, Action::EnvironmentSwitched(sw))
}

fn fetches(effects: &[Effect]) -> Vec<FetchRequest> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch(r) => Some(r.clone()),
            _ => None,
        })
        .collect()
}

fn answer(req: &FetchRequest, v: f64) -> Action {
    let samples = vec![Sample { labels: Default::default(), t: T0 as f64 / 1000.0, v }];
    Action::Query(QueryResult {
        key: req.key,
        generation: req.generation,
        at_ms: T0 + 100,
        outcome: Ok(QueryData::Vector { samples }),
    })
}

#[test]
fn the_picker_opens_on_the_current_environment_moves_selects_and_closes() {
    let mut s = state();
    update(&mut s, Intent::SwitchEnvironment.into());
    assert_eq!(s.envs.picker, Some(0), "on production, the current one");
    assert_eq!(s.key_context(), crate::keymap::Context::Environments);
    assert!(!text_focus(&s));
    update(&mut s, Intent::SelectNext.into());
    update(&mut s, Intent::SelectNext.into());
    assert_eq!(s.envs.picker, Some(1), "stops at the last");
    update(&mut s, Intent::SelectPrev.into());
    assert_eq!(s.envs.picker, Some(0));
    // Other keys wait while it is open: no tab change, no fetch.
    assert!(update(&mut s, Intent::NextDashboard.into()).is_empty());
    assert_eq!((s.page, s.active), (Page::Dashboards, 0));
    update(&mut s, Intent::Back.into());
    assert_eq!(s.envs.picker, None, "esc closes");
    // Enter on the current one says so and switches nothing.
    update(&mut s, Intent::SwitchEnvironment.into());
    assert!(update(&mut s, Intent::Confirm.into()).is_empty());
    assert_eq!(s.status.as_ref().unwrap().text, "already in production");
    // Enter on another asks the engine to switch; the state itself changes when the engine answers.
    update(&mut s, Intent::SwitchEnvironment.into());
    update(&mut s, Intent::SelectLast.into());
    let eff = update(&mut s, Intent::Confirm.into());
    assert_eq!(eff, vec![Effect::SwitchEnvironment { name: "staging".into() }]);
    assert_eq!((s.envs.picker, s.env_name.as_str()), (None, "production"));
    // E again closes it.
    update(&mut s, Intent::SwitchEnvironment.into());
    update(&mut s, Intent::SwitchEnvironment.into());
    assert_eq!(s.envs.picker, None);
}

#[test]
fn one_environment_only_says_so() {
    let one = CFG.split("[[environment]]\nname = \"staging\"").next().unwrap().to_string()
        + &CFG[CFG.find("[[dashboard]]").unwrap()..];
    let c = load_str("t.toml", &one).unwrap();
    let mut s = State::new(&c, "production", true, T0);
    assert!(update(&mut s, Intent::SwitchEnvironment.into()).is_empty());
    assert_eq!(s.envs.picker, None);
    assert_eq!(
        s.status.as_ref().unwrap().text,
        "only one environment is configured (`production`); add another [[environment]] to the config to switch"
    );
}

#[test]
fn a_switch_resets_the_environment_keeps_the_view_and_fetches_anew() {
    let mut s = state();
    update(&mut s, Action::Resize { width: 100, height: 30 });
    update(&mut s, Intent::NextDashboard.into()); // alerts
    update(&mut s, Intent::AlertsView.into()); // back to dashboards
    update(&mut s, Intent::Dashboard2.into());
    let eff = update(&mut s, Intent::ZoomOut.into());
    let req = fetches(&eff).remove(0);
    let range = s.dash().range_idx;
    update(&mut s, answer(&req, 1.0));
    assert!(s.dash().panels[0].queries[0].slot.data().is_some());
    s.alerts.created_by = "ana@host".into();
    let gen_before = s.next_generation;

    s.now_ms = T0 + 5_000;
    let eff = switched(&mut s, "staging");
    // Reset: the name, production, read-only, the environment's data.
    assert_eq!((s.env_name.as_str(), s.production, s.read_only()), ("staging", false, true));
    assert!(s.dash().panels[0].queries[0].slot.data().is_none(), "no production data under staging's name");
    assert!(s.alerts.ams.is_empty() && s.health.targets.is_empty());
    assert_eq!(s.log_pivot, crate::config::LogPivot::default());
    assert!(s.logs.unavailable.as_deref().unwrap().contains("environment `staging` has no Loki"));
    // Kept: the view and the engineer's name on silences.
    assert_eq!((s.page, s.active, s.dash().range_idx, s.width, s.height), (Page::Dashboards, 1, range, 100, 30));
    assert_eq!(s.alerts.created_by, "ana@host");
    // Recorded, announced, generations run on.
    assert_eq!(s.envs.switches.len(), 1);
    assert_eq!((s.envs.switches[0].from.as_str(), s.envs.switches[0].at_ms), ("production", T0 + 5_000));
    let status = &s.status.as_ref().unwrap().text;
    assert!(status.starts_with("switched to staging (read-only: environment `staging` is read_only"), "{status}");
    assert!(s.next_generation > gen_before && s.envs.floor == gen_before);
    // The same fetches as at start-up: the visible dashboard and the alerting feeds.
    let f = fetches(&eff);
    assert_eq!(f.len(), 1);
    assert!(f[0].generation >= gen_before && f[0].expr == "orders");
    assert!(eff.iter().any(|e| matches!(e, Effect::FetchAlerts { feed: AlertFeed::PromAlerts, .. })));
}

#[test]
fn a_late_answer_from_the_old_environment_is_ignored_after_a_switch() {
    let mut s = state();
    let old = fetches(&update(&mut s, Action::Tick { now_ms: T0 })).remove(0);
    let old_feed = s.alerts.prom_alerts.issued;
    s.alerts.next_write += 1; // a silence (write 0) is on its way to production's Alertmanager
    let new = fetches(&switched(&mut s, "staging")).remove(0);
    assert_eq!(new.key, old.key, "the same panel is asked again, of staging");
    assert!(new.generation > old.generation);
    // Production's answer arrives after the switch: dropped, the panel still waits for staging's.
    assert!(from_before_switch(&s, &answer(&old, 99.0)));
    update(&mut s, answer(&old, 99.0));
    let q = s.query(old.key).unwrap();
    assert!(q.slot.data().is_none() && q.in_flight == Some(new.generation));
    let late_alerts = Action::Alerts(AlertsResult {
        feed: AlertFeed::PromAlerts,
        generation: old_feed,
        at_ms: T0 + 200,
        elapsed_ms: 1.0,
        outcome: Ok(AlertsData::PromAlerts { alerts: vec![] }),
    });
    update(&mut s, late_alerts);
    assert!(!s.alerts.prom_alerts.answered, "production's alerts never show as staging's");
    // Staging's own answer lands.
    update(&mut s, answer(&new, 2.0));
    assert!(s.query(new.key).unwrap().slot.data().is_some());
    // A silence written in production and answered after the switch says so and touches nothing.
    let before = s.clone();
    update(&mut s, Action::Write(WriteResult { id: 0, what: "silence x".into(), outcome: Ok("abc".into()) }));
    assert_eq!(s.status.as_ref().unwrap().text, "before the switch: silence x (done)");
    assert_eq!(s.alerts.writes, before.alerts.writes);
}

#[test]
fn read_only_refusals_say_why() {
    let mut s = state();
    assert_eq!((s.read_only(), s.read_only_reason()), (false, None));
    switched(&mut s, "staging");
    assert_eq!(s.read_only_reason().unwrap(), "environment `staging` is read_only = true in the config");
    s.page = Page::Alerts;
    update(&mut s, Intent::Silence.into());
    let text = &s.status.as_ref().unwrap().text;
    assert!(text.starts_with("read-only: silences are refused (environment `staging`"), "{text}");
    switched(&mut s, "production");
    assert!(!s.read_only(), "production is not read-only");
    let c = load_str("t.toml", &CFG.replace("[settings]", "[settings]\nread_only = true")).unwrap();
    let s = State::new(&c, "production", true, T0);
    assert_eq!(s.read_only_reason().unwrap(), "started with --read-only or settings.read_only = true");
}

#[test]
fn a_switch_from_the_logs_view_queries_the_new_loki_or_falls_back() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    assert_eq!(s.page, Page::Logs);
    let eff = switched(&mut s, "staging");
    assert_eq!(s.page, Page::Dashboards, "staging has no Loki: back to the dashboards");
    assert!(!fetches(&eff).is_empty());

    let with_loki =
        CFG.replace("color = \"warn\"\n", "color = \"warn\"\nloki = { url = \"http://loki-staging:3100\" }\n");
    let mut s = State::new(&load_str("t.toml", &with_loki).unwrap(), "production", true, T0);
    update(&mut s, Intent::LogsView.into());
    let eff = switched(&mut s, "staging");
    assert_eq!(s.page, Page::Logs, "the logs view stays and asks staging's Loki");
    assert!(eff.iter().any(|e| matches!(e, Effect::FetchLogs { .. })), "{eff:?}");
}
