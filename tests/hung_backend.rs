//! The UI keeps answering keys while the backend hangs: fetches run off the loop, and every request
//! ends (by its timeout) in an error the panel shows.

mod common;

use centinela::action::{Action, Intent};
use centinela::config::{load_str, Dur};
use centinela::engine::Engine;
use centinela::sources::prometheus::PromClient;
use centinela::state::{Slot, State};
use std::time::Duration;

#[tokio::test]
async fn keys_are_handled_while_every_query_hangs() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s); // accept, never answer
        }
    });
    let mut config = common::profile();
    config.environments[0].prometheus.url = url;
    let mut src = config.environments[0].prometheus.clone();
    src.timeout = Dur(Duration::from_secs(1));
    let state = State::new(&config, "production", true, common::NOW_MS);
    let mut engine = Engine::new(state, PromClient::new(&src), 4);
    engine.handle(Action::Resize { width: 160, height: 48 });
    engine.handle(Action::Tick { now_ms: common::NOW_MS });
    assert!(engine.fetcher.in_flight() > 0);

    // Keys go through at once, whatever the network does.
    for intent in [
        Intent::NextDashboard,
        Intent::FocusRight,
        Intent::ToggleFullscreen,
        Intent::ToggleHelp,
        Intent::Back,
        Intent::Dashboard1,
    ] {
        assert!(engine.handle(intent.into()));
    }
    assert_eq!(engine.state.active, 0);
    assert!(!engine.state.help);

    // Requests are bounded by the 1 s timeout, and each one ends in a readable error.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    while !engine.state.visible_settled() {
        let a = tokio::time::timeout_at(deadline, engine.rx.recv())
            .await
            .expect("every request ends by its timeout")
            .unwrap();
        engine.handle(a);
    }
    let slot = &engine.state.dashboards[0].panels[0].queries[0].slot;
    let Slot::Failed { error, .. } = slot else { panic!("{slot:?}") };
    assert!(error.message.contains("timed out after 1s"), "{}", error.message);
    // Visiting dashboard 2 once issued its queries too; nothing for dashboards never shown.
    assert!(engine.state.dashboards[2].panels.iter().all(|p| p.queries.iter().all(|q| q.issued == 0)));
}

#[test]
fn a_config_without_a_valid_token_fails_in_the_panels_not_at_start() {
    let text = include_str!("fixtures/config/valid.toml")
        .replace("timeout = \"2s\"", "timeout = \"2s\", bearer_token_env = \"CENTINELA_TEST_SURELY_UNSET\"");
    let config = load_str("x.toml", &text).unwrap();
    let err = PromClient::new(&config.environments[0].prometheus).unwrap_err();
    assert!(err.contains("CENTINELA_TEST_SURELY_UNSET"), "{err}");
}
