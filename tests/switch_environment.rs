//! Switching environments through the engine, as typed (E, down, enter): the fetcher is rebuilt for
//! the other environment's Prometheus, the old environment's slow answer never lands, and the panel
//! shows the new environment's data.

mod common;

use centinela::action::Action;
use centinela::config::load_str;
use centinela::engine::Engine;
use centinela::keymap::{Key, KeyCodeOrd, Keymap};
use centinela::sources::prometheus::{PromClient, QueryData};
use centinela::state::State;
use common::drive;
use std::time::Duration;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

fn vector(v: &str) -> serde_json::Value {
    serde_json::json!({
        "status": "success",
        "data": { "resultType": "vector", "result": [{ "metric": {}, "value": [1_700_000_000, v] }] }
    })
}

async fn prometheus(value: &str, delay: Duration) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vector(value)).set_delay(delay))
        .mount(&server)
        .await;
    server
}

/// How many queries `m` has received.
async fn asked(m: &MockServer) -> usize {
    m.received_requests().await.unwrap_or_default().iter().filter(|r| r.url.path() == "/api/v1/query").count()
}

fn shown(s: &State) -> Option<f64> {
    match s.dashboards[0].panels[0].queries[0].slot.data() {
        Some((QueryData::Vector { samples }, _)) => samples.first().map(|x| x.v),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_switch_points_the_fetcher_at_the_other_environment() {
    // Production answers slowly (its answer would land after the switch if it were not cancelled).
    let prod = prometheus("1", Duration::from_secs(3)).await;
    let staging = prometheus("2", Duration::ZERO).await;
    let text = format!(
        "[[environment]]\nname = \"production\"\nproduction = true\nprometheus = {{ url = \"{}\" }}\n\
         [[environment]]\nname = \"staging\"\nprometheus = {{ url = \"{}\" }}\n\
         [[dashboard]]\nname = \"D\"\n[[dashboard.panel]]\ntitle = \"Up\"\nkind = \"gauge\"\nquery = [{{ expr = \"up\" }}]\n",
        prod.uri(),
        staging.uri()
    );
    let config = load_str("t.toml", &text).unwrap();
    let env = &config.environments[0];
    let state = State::new(&config, "production", true, centinela::poll::now_ms());
    let mut engine = Engine::new(state, PromClient::new(&env.prometheus), 4);
    engine.keymap = Keymap::load(None).unwrap();
    engine.handle(Action::Tick { now_ms: centinela::poll::now_ms() });
    // Production has been asked and has not answered yet.
    let t = tokio::time::Instant::now();
    while asked(&prod).await == 0 && t.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(asked(&prod).await, 1);
    assert!(engine.fetcher.in_flight() >= 1);

    for key in [Key::char('E'), Key::plain(KeyCodeOrd::Down), Key::plain(KeyCodeOrd::Enter)] {
        engine.handle(Action::Key { key });
    }
    assert_eq!(engine.state.env_name, "staging");
    assert!(!engine.state.production);
    assert_eq!(engine.state.envs.switches.len(), 1);
    assert_eq!(engine.state.status.as_ref().unwrap().text, "switched to staging");

    // Staging's answer shows; wait past production's delay too: its answer never lands.
    assert!(drive(&mut engine, 10, |s| shown(s) == Some(2.0)).await, "staging's value never showed");
    assert!(!drive(&mut engine, 4, |s| shown(s) != Some(2.0)).await, "production's late answer landed");
    assert!(asked(&staging).await >= 1, "the rebuilt fetcher asks staging's Prometheus");
    assert_eq!(asked(&prod).await, 1, "nothing more is asked of production");
}
