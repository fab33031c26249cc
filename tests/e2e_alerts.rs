//! End to end with a real Prometheus and a real Alertmanager (Debian's packages): Prometheus scrapes
//! the demo's simulated services and evaluates the example rules (examples/minimarket/alerts.yml,
//! `for` shortened to 0 s) into an Alertmanager running the example routes. The scripted incident
//! (agente_negocio goes down) must show in `centinela snapshot --view alerts`; acknowledging it from
//! the alerts view (the engine, driven by keys) must create a silence that Alertmanager applies;
//! expiring that silence through centinela's client must make the alert active again.

mod common;

use centinela::action::{Action, Intent, TextOp};
use centinela::alerts::model::AmState;
use centinela::config::{load_str, PromSource};
use centinela::engine::Engine;
use centinela::sources::alertmanager::AmClient;
use centinela::sources::prometheus::PromClient;
use centinela::state::{Page, State};
use common::alertmanager::RealAlertmanager;
use common::drive;
use common::prometheus::{fast_rules, scrape_configs, RealPrometheus};
use std::time::Duration;

const RULES: &str = include_str!("../examples/minimarket/alerts.yml");
const AM_CONFIG: &str = include_str!("../examples/minimarket/alertmanager.yml");

fn config(prom: &str, am: &str) -> String {
    format!(
        r#"
[settings]
refresh = "5s"
[alerts]
severity_order = ["critical", "high", "medium", "none"]
dead_mans_switch = "Watchdog"
refresh = "2s"
[[environment]]
name = "e2e"
prometheus = {{ url = "{prom}" }}
alertmanager = [{{ url = "{am}" }}]
[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{{ expr = "up" }}]
"#
    )
}

/// The `centinela snapshot --view alerts` text for `cfg`.
fn snapshot(cfg: &std::path::Path, home: &tempfile::TempDir) -> String {
    let out = assert_cmd::Command::cargo_bin("centinela")
        .unwrap()
        .env("CENTINELA_CONFIG_DIR", home.path())
        .env("CENTINELA_STATE_DIR", home.path())
        .env("CENTINELA_DATA_DIR", home.path())
        .args(["snapshot", "--view", "alerts", "--size", "160x48", "--wait", "10s", "--config"])
        .arg(cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Run the engine until `done` holds or `secs` pass, ticking every 500 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_incident_shows_and_is_acknowledged_and_silences_work_against_the_real_stack() {
    // The scripted incident starts 30 s in: agente_negocio errors at once and is down 5 s later.
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: chrono::Utc::now().timestamp_millis() - 35_000,
        frozen: false,
    })
    .await
    .unwrap();
    let am = RealAlertmanager::start(AM_CONFIG);
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("alerts.yml");
    std::fs::write(&rules, fast_rules(RULES)).unwrap();
    let alerting = format!(
        "rule_files:\n  - '{}'\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{}']\n",
        rules.display(),
        am.url.trim_start_matches("http://")
    );
    let prom =
        RealPrometheus::start_with_args(&scrape_configs(&demo.services), &alerting, &["--rules.alert.resend-delay=1s"]);
    let cfg = dir.path().join("centinela.toml");
    std::fs::write(&cfg, config(&prom.url, &am.url)).unwrap();
    let home = tempfile::tempdir().unwrap();

    // 1. The incident shows in `snapshot --view alerts` within a minute, with its severity.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let text = loop {
        let text = snapshot(&cfg, &home);
        if text.contains("ServiceDown") && text.contains("agente_negocio") {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "ServiceDown never showed:\n{text}\n{}", am.log());
        tokio::time::sleep(Duration::from_secs(2)).await;
    };
    let line = text.lines().find(|l| l.contains("ServiceDown")).unwrap();
    assert!(line.contains("critical"), "{line}");
    assert!(text.lines().next().unwrap().contains("critical"), "the header counts it:\n{text}");

    // 2. Acknowledge it from the alerts view: filter to it, select it, press the ack key.
    let c = load_str("e2e.toml", &config(&prom.url, &am.url)).unwrap();
    let mut state = State::new(&c, "e2e", false, centinela::poll::now_ms());
    state.page = Page::Alerts;
    state.alerts.created_by = "e2e@test".into();
    let src = PromSource::new(&prom.url);
    let mut engine = Engine::new(state, PromClient::new(&src), 4);
    engine.fetcher.set_alertmanagers(vec![AmClient::new(&PromSource::new(&am.url))]);
    assert!(drive(&mut engine, 30, |s| s.alerts.view.alerts.iter().any(|a| a.alert.name() == "ServiceDown")).await);
    engine.handle(Intent::Filter.into());
    for ch in r#"alertname="ServiceDown""#.chars() {
        engine.handle(Action::Text { op: TextOp::Insert(ch) });
    }
    engine.handle(Action::Text { op: TextOp::Submit });
    engine.handle(Intent::SelectFirst.into());
    assert_eq!(engine.state.alerts.selected_alert().unwrap().alert.name(), "ServiceDown");
    engine.handle(Intent::Acknowledge.into());
    let muted = |s: &State| {
        s.alerts.view.alerts.iter().any(|a| a.alert.name() == "ServiceDown" && a.alert.state == AmState::Suppressed)
    };
    assert!(drive(&mut engine, 30, muted).await, "the acknowledgement never muted the alert");
    // Alertmanager itself has the silence, with centinela's matchers and comment.
    let client = AmClient::new(&PromSource::new(&am.url)).unwrap();
    let silences = client.silences().await.unwrap();
    let ack = silences.iter().find(|s| s.comment.starts_with("acknowledged")).expect("the ack silence");
    assert_eq!(ack.created_by, "e2e@test");
    assert!(ack.matchers.iter().any(|m| m.name == "alertname" && m.value == "ServiceDown"));
    let alerts = client.alerts().await.unwrap();
    let down = alerts.iter().find(|a| a.name() == "ServiceDown").unwrap();
    assert_eq!(down.silenced_by, std::slice::from_ref(&ack.id));
    let text = snapshot(&cfg, &home);
    let line = text.lines().find(|l| l.contains("ServiceDown")).unwrap();
    assert!(line.contains("silenced"), "{line}");

    // 3. Expiring the silence restores the alert.
    client.expire_silence(&ack.id).await.unwrap();
    let active = |s: &State| {
        s.alerts.view.alerts.iter().any(|a| a.alert.name() == "ServiceDown" && a.alert.state == AmState::Active)
    };
    assert!(drive(&mut engine, 30, active).await, "expiring the silence never restored the alert");
    let alerts = client.alerts().await.unwrap();
    assert!(alerts.iter().any(|a| a.name() == "ServiceDown" && a.silenced_by.is_empty()));
}
