//! Health targets through `update`: checks on every page, classification, failures and the time
//! of the last change, certificates now and then, and direct-scrape panels filled from checks.

use super::*;
use crate::action::{FetchError, FetchErrorKind, HealthResult};
use crate::config::load_str;
use crate::health::Level;
use crate::sources::health::Probe;
use crate::sources::prometheus::QueryData;
use crate::sources::scrape::ScrapedSample;
use crate::state::State;

const CFG: &str = r#"
[settings]
health_interval = "10s"

[[environment]]
name = "prod"
prometheus = { url = "http://localhost:9090" }
health = [
  { name = "negocio", url = "http://n/health", metrics_url = "http://n/metrics" },
  { name = "web", url = "https://w/health" },
]

[[dashboard]]
name = "Direct"
[[dashboard.panel]]
title = "Stock"
kind = "gauge"
query = [{ expr = 'stock{kind="critical"}', scrape = "negocio" }, { expr = "up" }]
"#;

const T0: i64 = 1_700_000_000_000;

fn state() -> State {
    State::new(&load_str("t.toml", CFG).unwrap(), "prod", false, T0)
}

fn checks(eff: &[Effect]) -> Vec<(usize, u64, bool)> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::CheckHealth { target, generation, cert } => Some((*target, *generation, *cert)),
            _ => None,
        })
        .collect()
}

fn answer(s: &mut State, target: usize, at: i64, outcome: Result<Probe, FetchError>) {
    let generation = s.health.targets[target].issued;
    let metrics = (target == 0).then(|| {
        Ok(vec![ScrapedSample {
            name: "stock".into(),
            labels: [("kind".to_string(), "critical".to_string())].into(),
            value: 7.0,
        }])
    });
    update(s, Action::Health(HealthResult { target, generation, at_ms: at, outcome, cert: None, metrics }));
}

fn probe(status: u16, body: serde_json::Value) -> Result<Probe, FetchError> {
    Ok(Probe { status, latency_ms: 4.0, body: Some(body), body_note: None })
}

#[test]
fn targets_are_checked_on_every_page_and_certificates_now_and_then() {
    let mut s = state();
    s.page = Page::Alerts;
    let c = checks(&update(&mut s, Action::Tick { now_ms: T0 }));
    assert_eq!(
        c.iter().map(|c| (c.0, c.2)).collect::<Vec<_>>(),
        [(0, false), (1, true)],
        "https reads its certificate"
    );
    assert!(checks(&update(&mut s, Action::Tick { now_ms: T0 + 1000 })).is_empty(), "one check at a time");
    answer(&mut s, 1, T0 + 100, probe(200, serde_json::json!({"status": "ok"})));
    let c = checks(&update(&mut s, Action::Tick { now_ms: T0 + 10_100 }));
    assert_eq!(
        c.iter().map(|c| (c.0, c.2)).collect::<Vec<_>>(),
        [(1, false)],
        "the certificate is not read every check"
    );
}

#[test]
fn answers_are_classified_and_failures_counted_with_the_time_of_change() {
    let mut s = state();
    update(&mut s, Action::Tick { now_ms: T0 });
    answer(&mut s, 0, T0 + 100, probe(200, serde_json::json!({"status": "healthy", "version": "1.4.2"})));
    let t = &s.health.targets[0];
    assert_eq!((t.level(), t.failures, t.since_ms), (Level::Ok, 0, T0 + 100));
    assert_eq!(t.verdict.as_ref().unwrap().version.as_deref(), Some("1.4.2"));
    for (i, at) in [T0 + 10_200, T0 + 20_300].into_iter().enumerate() {
        update(&mut s, Action::Tick { now_ms: at - 100 });
        answer(&mut s, 0, at, probe(503, serde_json::json!({"status": "unhealthy", "error": "pool exhausted"})));
        let t = &s.health.targets[0];
        assert_eq!((t.level(), t.failures as usize), (Level::Down, i + 1));
        assert_eq!(t.since_ms, T0 + 10_200, "down since the first failed check");
    }
    update(&mut s, Action::Tick { now_ms: T0 + 30_300 });
    let refused =
        FetchError { kind: FetchErrorKind::Connect, message: "negocio is unreachable: Connection refused".into() };
    answer(&mut s, 0, T0 + 30_400, Err(refused));
    assert_eq!(s.health.targets[0].verdict.as_ref().unwrap().reason, "negocio is unreachable: Connection refused");
    assert_eq!(s.health.targets[0].latency_ms.len(), 3, "latency is recorded for answers only");
    // A 401 is an auth problem, not an outage.
    update(&mut s, Action::Tick { now_ms: T0 + 40_400 });
    answer(&mut s, 0, T0 + 40_500, probe(401, serde_json::json!({"detail": "Not authenticated"})));
    assert_eq!(s.health.targets[0].level(), Level::Auth);
    assert!(s.health.targets[0].stale(T0 + 40_500 + 31_000, 10_000));
}

#[test]
fn direct_scrape_queries_are_filled_from_checks_not_prometheus() {
    let mut s = state();
    let eff = update(&mut s, Action::Tick { now_ms: T0 });
    let exprs: Vec<&str> = eff
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch(r) => Some(r.expr.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(exprs, ["up"], "the scrape query never goes to Prometheus");
    answer(&mut s, 0, T0 + 100, probe(200, serde_json::json!({"status": "healthy"})));
    let q = &s.dashboards[0].panels[0].queries[0];
    let Some((QueryData::Vector { samples }, at)) = q.slot.data() else { panic!("{:?}", q.slot) };
    assert_eq!((samples.len(), samples[0].v, at), (1, 7.0, T0 + 100));
}
