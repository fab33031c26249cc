//! The logs issue's promise, in the demo: from the firing "service down" alert, one key opens its
//! service's error lines, then the live tail keeps them coming; the security dashboard's logs panel
//! shows the audit stream. Everything runs against the embedded demo's servers (the same Loki API
//! shapes the client is contract-tested on), through the real clients and the engine.

mod common;

use centinela::action::{Action, Intent, TextOp};
use centinela::engine::Engine;
use centinela::keymap::{Key, Keymap};
use centinela::logs::level::Level;
use centinela::snapshot::{render, to_text};
use centinela::sources::alertmanager::AmClient;
use centinela::sources::loki::LokiClient;
use centinela::sources::prometheus::PromClient;
use centinela::state::logs::TailStatus;
use centinela::state::{Page, State};
use centinela::theme::Theme;
use common::drive;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_the_firing_alert_to_its_error_lines_with_one_key() {
    // The incident is 60 s old: agente_negocio has errored and been down for 20 s.
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: chrono::Utc::now().timestamp_millis() - 60_000,
        frozen: false,
    })
    .await
    .unwrap();
    let config = centinela::setup::demo_config(&demo).unwrap();
    let env = config.environment(None).unwrap().clone();
    let state = State::new(&config, &env.name, env.production, centinela::poll::now_ms());
    let mut engine = Engine::new(state, PromClient::new(&env.prometheus), 4);
    engine.fetcher.set_alertmanagers(env.alertmanagers.iter().map(AmClient::new).collect());
    engine.fetcher.set_loki(LokiClient::new(env.loki.as_ref().unwrap()));
    engine.keymap = Keymap::load(None).unwrap();

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

    // The one key, as typed.
    engine.handle(Action::Key { key: Key::char('l') });
    assert_eq!(engine.state.page, Page::Logs);
    assert!(engine.state.logs.query.contains(r#"service="agente_negocio""#), "{}", engine.state.logs.query);
    let loaded = |s: &State| !s.logs.buffer.is_empty() && s.logs.tail == TailStatus::Live;
    assert!(drive(&mut engine, 20, loaded).await, "no lines or no tail: {:?}", engine.state.logs.lines.error);
    let logs = &engine.state.logs;
    assert!(logs.buffer.iter().all(|l| l.entry.labels.get("service").map(String::as_str) == Some("agente_negocio")));
    assert!(logs.buffer.iter().any(|l| l.level == Level::Error), "the service's errors are there");
    let volume = |s: &State| s.logs.volume.as_ref().is_some_and(|v| v.total(Level::Error) > 0.0);
    assert!(
        drive(&mut engine, 10, volume).await,
        "the volume sparkline counts the errors: {:?} {:?}",
        engine.state.logs.volume_req,
        engine.state.logs.volume
    );
    let text = to_text(&render(&engine.state, &Theme::builtin_default(), &engine.keymap));
    assert!(text.contains("ERR"), "{text}");
    assert!(text.contains("● live"), "{text}");
    assert!(text.contains("alert ServiceDown"), "{text}");
    // The health view's backends list says how Loki is doing.
    let mut health = engine.state.clone();
    health.page = Page::Health;
    let text = to_text(&render(&health, &Theme::builtin_default(), &engine.keymap));
    assert!(text.lines().any(|l| l.contains("Loki 127.0.0.1:") && l.contains("● live tail connected")), "{text}");

    // Back where it came from, and the tail stops.
    engine.handle(Action::Key { key: Key::char('L') });
    assert_eq!(engine.state.page, Page::Alerts);
    assert_eq!(engine.state.logs.tail, TailStatus::Off);

    // The security dashboard's logs panel reads the audit stream.
    engine.handle(Intent::Dashboard2.into());
    let panel = |s: &State| {
        s.dash().panels.iter().any(|p| {
            p.queries.iter().any(|q| {
                matches!(q.slot.data(), Some((centinela::sources::prometheus::QueryData::Logs { entries }, _)) if !entries.is_empty())
            })
        })
    };
    assert!(drive(&mut engine, 20, panel).await, "the audit logs panel stayed empty");
}
