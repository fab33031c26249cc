//! The runbook actions issue's promise, in the demo: select the firing "service down" alert, press
//! the restart key, type the environment's name, watch the output stream in, and see the alert
//! resolve; `centinela audit verify` passes on the resulting log and fails on a tampered copy.
//! Everything runs through the real clients, the engine, the runner and the demo's deployer.

mod common;

use centinela::action::{Action, Intent, TextOp};
use centinela::engine::Engine;
use centinela::incidents::EventKind;
use centinela::keymap::{Key, KeyCodeOrd, Keymap};
use centinela::snapshot::{render, to_text};
use centinela::sources::alertmanager::AmClient;
use centinela::sources::prometheus::PromClient;
use centinela::state::actions::{Phase, Verdict};
use centinela::state::{Page, State};
use centinela::theme::Theme;
use common::drive;

fn verify(file: &std::path::Path) -> std::process::Output {
    assert_cmd::Command::cargo_bin("centinela").unwrap().args(["audit", "verify"]).arg(file).output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_on_the_firing_alert_heals_the_service_and_the_trail_proves_it() {
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: chrono::Utc::now().timestamp_millis() - 60_000,
        frozen: false,
    })
    .await
    .unwrap();
    let config = centinela::setup::demo_config(&demo).unwrap();
    let env = config.environment(None).unwrap().clone();
    let mut state = State::new(&config, &env.name, env.production, centinela::poll::now_ms());
    state.actions.origin = centinela::actions::audit::Origin { user: "ana".into(), host: "ops".into() };
    state.actions.secrets = centinela::setup::demo_actions::demo_secrets();
    let mut engine = Engine::new(state, PromClient::new(&env.prometheus), 4);
    engine.fetcher.set_alertmanagers(env.alertmanagers.iter().map(AmClient::new).collect());
    engine.keymap = Keymap::load(None).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let trail = dir.path().join("audit.jsonl");
    let secrets = centinela::setup::demo_actions::demo_secrets();
    engine.set_runner(centinela::actions::setup::runner(&trail, &config.actions, false, &secrets));
    // The session is recorded, to be replayed at the end.
    let recording = dir.path().join("session.jsonl.gz");
    let target = vec![centinela::record::Target::File(recording.clone())];
    engine.recorder = Some(centinela::record::Recorder::start(&engine.state, target).unwrap());

    engine.handle(Intent::AlertsView.into());
    let down = |s: &State| s.alerts.view.alerts.iter().any(|a| a.alert.name() == "ServiceDown");
    assert!(drive(&mut engine, 30, down).await, "ServiceDown never fired");
    engine.handle(Intent::Filter.into());
    for ch in r#"alertname="ServiceDown""#.chars() {
        engine.handle(Action::Text { op: TextOp::Insert(ch) });
    }
    engine.handle(Action::Text { op: TextOp::Submit });
    engine.handle(Intent::SelectFirst.into());
    assert_eq!(engine.state.alerts.selected_alert().unwrap().alert.name(), "ServiceDown");

    // R, then the environment's name, as typed.
    engine.handle(Action::Key { key: Key::char('R') });
    let shown = engine.state.actions.confirm.as_ref().expect("production asks for its name").prepared.shown.clone();
    assert!(shown.starts_with("POST http://127.0.0.1:") && shown.contains("/v1/services/agente_negocio/restart"));
    assert!(shown.contains("<secret:CENTINELA_DEMO_TOKEN>") && !shown.contains(centinela::sim::services::DEMO_TOKEN));
    for c in "production".chars() {
        engine.handle(Action::Key { key: Key::char(c) });
    }
    engine.handle(Action::Key { key: Key::plain(KeyCodeOrd::Enter) });

    // The output streams in while it runs, then it ends well.
    let streaming = |s: &State| s.actions.runs.back().is_some_and(|r| r.phase == Phase::Running && !r.lines.is_empty());
    assert!(drive(&mut engine, 10, streaming).await, "no output while running");
    let ended = |s: &State| s.actions.runs.back().is_some_and(|r| matches!(r.phase, Phase::Finished { .. }));
    assert!(drive(&mut engine, 20, ended).await, "the restart never ended");
    let run = engine.state.actions.runs.back().unwrap().clone();
    assert!(matches!(run.phase, Phase::Finished { success: true, .. }), "{:?} {:?}", run.phase, run.lines);
    let out: Vec<&str> = run.lines.iter().map(|l| l.text.as_str()).collect();
    assert!(out.iter().any(|l| l.contains("started")), "{out:?}");
    let text = to_text(&render(&engine.state, &Theme::builtin_default(), &engine.keymap));
    assert!(text.contains("restart · ServiceDown on agente_negocio · ✓ HTTP 200"), "{text}");

    // The alert resolves on screen and the run is verified.
    let healed = |s: &State| {
        !s.alerts.view.alerts.iter().any(|a| a.alert.name() == "ServiceDown")
            && s.actions
                .runs
                .back()
                .and_then(|r| r.verification.as_ref())
                .is_some_and(|v| v.verdict != Verdict::Watching)
    };
    assert!(drive(&mut engine, 60, healed).await, "ServiceDown did not resolve");
    let v = engine.state.actions.runs.back().unwrap().verification.clone().unwrap();
    assert!(matches!(v.verdict, Verdict::Recovered { .. }), "{v:?}");
    assert_eq!(engine.state.page, Page::Alerts);
    let n = |_: &State| std::fs::read_to_string(&trail).map_or(0, |t| t.lines().count()) == 3;
    assert!(drive(&mut engine, 5, n).await, "started, finished and verified are recorded");
    let body = std::fs::read_to_string(&trail).unwrap();
    assert!(!body.contains(centinela::sim::services::DEMO_TOKEN), "the token is not in the trail");

    // The incident: opened by the first critical alert, the restart and its verification in its
    // timeline, closed when agente_negocio's alerts resolved (ML's slow burn, already firing before,
    // is not part of it).
    let closed = |s: &State| s.incidents.list.last().is_some_and(|i| !i.is_open());
    assert!(drive(&mut engine, 30, closed).await, "the incident never closed: {:?}", engine.state.incidents.list);
    let inc = engine.state.incidents.list.last().unwrap().clone();
    let kinds: Vec<EventKind> = inc.events.iter().map(|e| e.kind).collect();
    for k in [
        EventKind::Opened,
        EventKind::ActionStarted,
        EventKind::ActionSucceeded,
        EventKind::Verified,
        EventKind::Closed,
    ] {
        assert!(kinds.contains(&k), "{k:?} missing from {kinds:?}");
    }
    assert!(
        inc.alerts.values().all(|a| a.labels.get("service").map(String::as_str) == Some("agente_negocio")),
        "{:?}",
        inc.alerts.keys()
    );
    let n = inc.numbers();
    let started = inc.events.iter().find(|e| e.kind == EventKind::ActionStarted).unwrap().at_ms;
    assert_eq!(n.tta_ms, Some(started - inc.opened_ms), "acknowledged by the restart");
    assert_eq!(n.ttr_ms, Some(inc.closed_ms.unwrap() - inc.opened_ms));
    assert!(n.ttr_ms.unwrap() > 0 && n.ttr_ms.unwrap() < 5 * 60_000, "{n:?}");

    // The replay of the recording shows the same incident, every event at the same time.
    engine.recorder = None; // finishes the file
    let rec = centinela::record::reader::read(std::slice::from_ref(&recording)).unwrap();
    let mut replay = centinela::replay::Replay::new(rec, 1.0);
    while replay.apply_next() {}
    let again = replay.state().incidents.list.last().cloned().expect("the replay opens the incident too");
    assert_eq!(again.events, inc.events, "the replayed timeline differs");
    assert_eq!(again.numbers(), inc.numbers());

    // The postmortem draft of it carries the same numbers.
    let home = tempfile::tempdir().unwrap();
    centinela::incidents::store::save(&home.path().join("data/demo-incidents"), &inc).unwrap();
    let pm = assert_cmd::Command::cargo_bin("centinela")
        .unwrap()
        .env("CENTINELA_DATA_DIR", home.path().join("data"))
        .env("CENTINELA_STATE_DIR", home.path().join("state"))
        .env("CENTINELA_CONFIG_DIR", home.path().join("config"))
        .args(["--demo", "postmortem"])
        .output()
        .unwrap();
    let md = String::from_utf8_lossy(&pm.stdout);
    assert!(pm.status.success(), "{}", String::from_utf8_lossy(&pm.stderr));
    assert!(md.contains(&format!("# Postmortem: {}", inc.title)), "{md}");
    assert!(md.contains("target 30m") && md.contains("met"), "{md}");
    assert!(md.contains("| action ok |"), "{md}");

    // `centinela audit verify` passes on it, and fails on a tampered copy, naming the record.
    let ok = verify(&trail);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    assert!(String::from_utf8_lossy(&ok.stdout).starts_with("ok: 3 records"));
    let copy = dir.path().join("tampered.jsonl");
    std::fs::write(&copy, body.replacen("\"exit_code\":200", "\"exit_code\":0", 1)).unwrap();
    let bad = verify(&copy);
    assert_eq!(bad.status.code(), Some(1), "{}", String::from_utf8_lossy(&bad.stdout));
    let said = format!("{}{}", String::from_utf8_lossy(&bad.stdout), String::from_utf8_lossy(&bad.stderr));
    assert!(said.contains("line 2"), "{said}");
}
