//! Runbook actions through the whole app, headless: a real Alertmanager holds the firing alert, keys
//! go through the engine's translation as typed, the action is a real process, and the audit trail
//! is a real file checked with `audit::verify` at the end of each flow.

mod common;

use centinela::action::Action;
use centinela::actions::audit;
use centinela::config::load_str;
use centinela::engine::Engine;
use centinela::keymap::{Key, KeyCodeOrd, Keymap};
use centinela::sources::alertmanager::AmClient;
use centinela::sources::prometheus::PromClient;
use centinela::state::actions::{Phase, Verdict};
use centinela::state::{Page, State};
use common::alertmanager::RealAlertmanager;
use common::drive;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const AM_CONFIG: &str = "route:\n  receiver: none\nreceivers:\n  - name: none\n";

fn config(am: &str, production: bool, read_only: bool, marker: &Path) -> String {
    let marker = marker.display();
    format!(
        r#"
[settings]
read_only = {read_only}
[alerts]
refresh = "1s"
[[environment]]
name = "prod"
production = {production}
prometheus = {{ url = "http://127.0.0.1:9" }}
alertmanager = [{{ url = "{am}" }}]
[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{{ expr = "up" }}]

[[action]]
name = "restart"
description = "Restart the service"
key = "R"
scope = {{ alert = 'alertname="ServiceDown"' }}
exec = {{ argv = ["sh", "-c", "echo restarting $1; echo careful >&2; echo $1 > {marker}", "restart", "{{labels.service}}"] }}
verify = {{ alert_resolves = true, within = "30s" }}

[[action]]
name = "hang"
key = "ctrl-g"
scope = "global"
confirm = "none"
exec = {{ argv = ["sleep", "37.25"] }}

[[action]]
name = "leak"
key = "ctrl-e"
scope = "global"
confirm = "none"
exec = {{ argv = ["sh", "-c", "echo token=$T"], env = {{ T = "{{secret.CENTINELA_TEST_LEAK}}" }} }}
"#
    )
}

fn alert(ends_at: Option<&str>) -> Value {
    let mut a = json!({
        "labels": {"alertname": "ServiceDown", "service": "checkout", "severity": "critical"},
        "annotations": {"summary": "checkout is down"},
    });
    if let Some(t) = ends_at {
        a["endsAt"] = json!(t);
    }
    json!([a])
}

struct App {
    engine: Engine,
    audit: PathBuf,
    marker: PathBuf,
    _dir: tempfile::TempDir,
}

async fn app(am: &RealAlertmanager, production: bool, read_only: bool) -> App {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("restarted");
    let c = load_str("t.toml", &config(&am.url, production, read_only, &marker)).unwrap();
    let env = c.environment(None).unwrap().clone();
    let mut state = State::new(&c, "prod", production, centinela::poll::now_ms());
    state.actions.origin = audit::Origin { user: "ana".into(), host: "ops".into() };
    state.page = Page::Alerts;
    let mut engine = Engine::new(state, PromClient::new(&env.prometheus), 4);
    engine.fetcher.set_alertmanagers(env.alertmanagers.iter().map(AmClient::new).collect());
    engine.keymap = Keymap::load(None).unwrap();
    let audit_file = dir.path().join("audit.jsonl");
    engine.set_runner(centinela::actions::setup::runner(
        &audit_file,
        &c.actions,
        c.settings.read_only,
        &centinela::actions::template::Secrets::Env,
    ));
    let firing = |s: &State| s.alerts.selected_alert().is_some_and(|a| a.alert.name() == "ServiceDown");
    assert!(drive(&mut engine, 20, firing).await, "the alert never showed: {}", am.log());
    App { engine, audit: audit_file, marker, _dir: dir }
}

fn key(engine: &mut Engine, code: KeyCodeOrd) {
    engine.handle(Action::Key { key: Key::plain(code) });
}

fn typed(engine: &mut Engine, text: &str) {
    for c in text.chars() {
        key(engine, KeyCodeOrd::Char(c));
    }
}

/// Whether a `sleep 37.25` (the hanging action) is still alive (zombies aside).
fn sleeper_alive() -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        let cmd = std::fs::read(p.path().join("cmdline")).unwrap_or_default();
        let stat = std::fs::read_to_string(p.path().join("stat")).unwrap_or_default();
        cmd == b"sleep\x0037.25\x00" && !stat.contains(") Z ")
    })
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn events(path: &Path) -> Vec<String> {
    records(path).iter().map(|r| r["event"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_key_to_the_verified_recovery_with_every_step_recorded() {
    let am = RealAlertmanager::start(AM_CONFIG);
    am.post_alerts(&alert(None)).await;
    let mut app = app(&am, true, false).await;
    let e = &mut app.engine;

    key(e, KeyCodeOrd::Char('R'));
    let shown = e.state.actions.confirm.as_ref().expect("production asks for the name").prepared.shown.clone();
    assert!(shown.contains("sh -c 'echo restarting $1;") && shown.ends_with("restart checkout"), "{shown}");
    // esc cancels: recorded, nothing run.
    key(e, KeyCodeOrd::Esc);
    assert!(e.state.actions.confirm.is_none());
    // The wrong name is refused by the form; the right one runs it.
    key(e, KeyCodeOrd::Char('R'));
    typed(e, "staging");
    key(e, KeyCodeOrd::Enter);
    assert!(e.state.actions.confirm.as_ref().unwrap().error.is_some());
    for _ in 0.."staging".len() {
        key(e, KeyCodeOrd::Backspace);
    }
    typed(e, "prod");
    key(e, KeyCodeOrd::Enter);
    let done = |s: &State| s.actions.runs.back().is_some_and(|r| matches!(r.phase, Phase::Finished { .. }));
    assert!(drive(e, 20, done).await, "the run never ended");
    let run = e.state.actions.runs.back().unwrap().clone();
    assert!(matches!(run.phase, Phase::Finished { success: true, exit_code: Some(0), .. }), "{:?}", run.phase);
    // stdout and stderr are two pipes: their relative order is the scheduler's.
    let mut lines: Vec<(bool, &str)> = run.lines.iter().map(|l| (l.stderr, l.text.as_str())).collect();
    lines.sort();
    assert_eq!(lines, vec![(false, "restarting checkout"), (true, "careful")]);
    assert_eq!(std::fs::read_to_string(&app.marker).unwrap().trim(), "checkout", "argv reached the program");
    assert!(e.state.actions.output_open);

    // The alert resolves in Alertmanager: the run is verified.
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    am.post_alerts(&alert(Some(&now))).await;
    let verified = |s: &State| {
        s.actions.runs.back().and_then(|r| r.verification.as_ref()).is_some_and(|v| v.verdict != Verdict::Watching)
    };
    assert!(drive(e, 20, verified).await, "never verified");
    let v = e.state.actions.runs.back().unwrap().verification.clone().unwrap();
    assert!(matches!(v.verdict, Verdict::Recovered { .. }), "{v:?}");
    // Let the verification record land.
    assert!(drive(e, 5, |_| events(&app.audit).len() == 4).await);

    assert_eq!(events(&app.audit), ["cancelled", "started", "finished", "verified"]);
    let r = records(&app.audit);
    assert_eq!(r[1]["confirmation"], "typed:prod");
    assert_eq!((r[1]["user"].as_str(), r[1]["host"].as_str()), (Some("ana"), Some("ops")));
    assert_eq!(r[1]["attempt"], r[2]["attempt"]);
    assert_eq!(r[2]["attempt"], r[3]["attempt"], "the verification is filed under the run");
    assert_eq!(r[2]["exit_code"], 0);
    assert!(r[2]["output_sha256"].as_str().is_some_and(|h| h.len() == 64));
    assert_eq!(r[1]["command"][4], "checkout");
    assert!(r[3]["outcome"].as_str().unwrap().starts_with("the alert recovered"));
    let report = audit::verify(&app.audit).unwrap();
    assert_eq!(report.records, 4);
    assert!(report.unfinished.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_and_records_it_without_running() {
    let am = RealAlertmanager::start(AM_CONFIG);
    am.post_alerts(&alert(None)).await;
    let mut app = app(&am, false, true).await;
    key(&mut app.engine, KeyCodeOrd::Char('R'));
    assert!(app.engine.state.actions.confirm.is_none(), "read-only never asks");
    assert!(app.engine.state.status.as_ref().unwrap().text.starts_with("read-only"));
    assert!(drive(&mut app.engine, 5, |_| !events(&app.audit).is_empty()).await);
    assert_eq!(events(&app.audit), ["refused"]);
    assert!(!app.marker.exists(), "nothing ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quitting_mid_run_kills_the_action_and_leaves_a_consistent_log() {
    let am = RealAlertmanager::start(AM_CONFIG);
    am.post_alerts(&alert(None)).await;
    let mut app = app(&am, false, false).await;
    app.engine.handle(Action::Key { key: Key { ctrl: true, ..Key::char('g') } });
    let running = |s: &State| s.actions.runs.back().is_some_and(|r| r.phase == Phase::Running);
    assert!(drive(&mut app.engine, 5, running).await);
    assert!(drive(&mut app.engine, 5, |_| events(&app.audit) == ["started"]).await);
    // Second ctrl-g while it runs: single flight.
    app.engine.handle(Action::Key { key: Key { ctrl: true, ..Key::char('g') } });
    assert!(app.engine.state.status.as_ref().unwrap().text.contains("already running"));
    // The app goes away mid-run (quit, SIGHUP): the run's task is dropped with the engine.
    let App { mut engine, audit: path, _dir, .. } = app;
    // As the app does on its way out: pending audit records are written, then the engine goes.
    engine.flush().await;
    drop(engine);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(!sleeper_alive(), "the action outlived the app");
    let report = audit::verify(&path).unwrap();
    assert_eq!(report.unfinished.len(), 1, "the interrupted run is listed as unfinished, the chain intact");
    assert_eq!(events(&path), ["started", "refused"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_the_program_prints_never_reaches_the_screen_or_the_trail() {
    std::env::set_var("CENTINELA_TEST_LEAK", "hunter2-s3cret");
    let am = RealAlertmanager::start(AM_CONFIG);
    am.post_alerts(&alert(None)).await;
    let mut app = app(&am, false, false).await;
    app.engine.handle(Action::Key { key: Key { ctrl: true, ..Key::char('e') } });
    let done = |s: &State| s.actions.runs.back().is_some_and(|r| matches!(r.phase, Phase::Finished { .. }));
    assert!(drive(&mut app.engine, 10, done).await);
    let run = app.engine.state.actions.runs.back().unwrap();
    assert_eq!(run.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["token=<redacted>"]);
    assert!(run.shown.contains("<secret:CENTINELA_TEST_LEAK>"), "{}", run.shown);
    let trail = std::fs::read_to_string(&app.audit).unwrap();
    assert!(!trail.contains("hunter2"), "{trail}");
}
