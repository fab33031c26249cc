//! The load centinela puts on Prometheus and Loki stays bounded: identical queries are asked once, at most
//! `max_in_flight` requests are in flight, and nothing is fetched for what is not on screen.
//!
//! The backend is a small axum server rather than wiremock: it has to see requests overlap (wiremock's
//! responders answer one request at a time, with no view of the others in flight).

use centinela::action::{Action, Intent};
use centinela::config::load_str;
use centinela::engine::Engine;
use centinela::sources::prometheus::PromClient;
use centinela::state::{Page, Slot, State};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NOW_MS: i64 = 1_700_000_000_000;

/// What the server saw: every (path, query) and the most requests it held at once.
#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(String, String)>>,
    now: AtomicUsize,
    max: AtomicUsize,
}

impl Seen {
    fn queries(&self, path: &str) -> Vec<String> {
        self.requests.lock().unwrap().iter().filter(|(p, _)| p == path).map(|(_, q)| q.clone()).collect()
    }
}

/// A Prometheus (and Loki) that answers every query with one series (or line) after `delay`, counting
/// what it is asked.
async fn prometheus(delay: Duration) -> (String, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let s = seen.clone();
    let app = axum::Router::new().fallback(
        move |uri: axum::http::Uri, axum::Form(form): axum::Form<HashMap<String, String>>| {
            let s = s.clone();
            async move {
                let path = uri.path().to_string();
                s.requests.lock().unwrap().push((path.clone(), form.get("query").cloned().unwrap_or_default()));
                let n = s.now.fetch_add(1, Ordering::SeqCst) + 1;
                s.max.fetch_max(n, Ordering::SeqCst);
                tokio::time::sleep(delay).await;
                s.now.fetch_sub(1, Ordering::SeqCst);
                let t = NOW_MS / 1000;
                let body = match path.as_str() {
                    "/api/v1/query_range" => format!(
                        r#"{{"status":"success","data":{{"resultType":"matrix","result":[{{"metric":{{}},"values":[[{t},"1"]]}}]}}}}"#
                    ),
                    "/loki/api/v1/query_range" => format!(
                        r#"{{"status":"success","data":{{"resultType":"streams","result":[{{"stream":{{"service":"a"}},"values":[["{}","hello"]]}}],"stats":{{}}}}}}"#,
                        NOW_MS as i128 * 1_000_000
                    ),
                    "/api/v1/query" => format!(
                        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[{t},"1"]}}]}}}}"#
                    ),
                    _ => r#"{"status":"error","errorType":"bad_data","error":"not here"}"#.to_string(),
                };
                ([(axum::http::header::CONTENT_TYPE, "application/json")], body)
            }
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn panel(title: &str, kind: &str, expr: &str, x: u16, y: u16) -> String {
    format!(
        "[[dashboard.panel]]\ntitle = \"{title}\"\nkind = \"{kind}\"\npos = {{ x = {x}, y = {y}, w = 12, h = 8 }}\n\
         query = [{{ expr = '{expr}' }}]\n"
    )
}

/// An engine on `dashboards` (TOML), pointed at `url`, with `max_in_flight`.
fn engine(url: &str, dashboards: &str, max_in_flight: usize) -> Engine {
    let text = format!(
        "[[environment]]\nname = \"p\"\nprometheus = {{ url = \"{url}\", max_in_flight = {max_in_flight} }}\n{dashboards}"
    );
    let config = load_str("t.toml", &text).unwrap();
    let state = State::new(&config, "p", false, NOW_MS);
    let mut e = Engine::new(state, PromClient::new(&config.environments[0].prometheus), max_in_flight);
    e.handle(Action::Resize { width: 160, height: 48 });
    e
}

/// Handle answers until nothing is in flight.
async fn settle(e: &mut Engine) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while e.fetcher.in_flight() > 0 {
        let a = tokio::time::timeout_at(deadline, e.rx.recv()).await.expect("every request ends").unwrap();
        e.handle(a);
    }
}

#[tokio::test]
async fn two_panels_with_the_same_query_cost_one_request() {
    let (url, seen) = prometheus(Duration::from_millis(50)).await;
    let dash = format!(
        "[[dashboard]]\nname = \"D\"\n{}{}{}{}",
        panel("A", "timeseries", "rate(x[5m])", 0, 0),
        panel("B", "timeseries", "rate(x[5m])", 12, 0),
        panel("C", "timeseries", "rate(y[5m])", 0, 8),
        panel("S", "gauge", "up", 12, 8),
    );
    let mut e = engine(&url, &dash, 4);
    e.handle(Action::Tick { now_ms: NOW_MS });
    settle(&mut e).await;
    let mut asked = seen.queries("/api/v1/query_range");
    asked.sort();
    assert_eq!(asked, ["rate(x[5m])", "rate(y[5m])"], "A and B share one request");
    for (i, p) in e.state.dashboards[0].panels.iter().enumerate() {
        assert!(matches!(p.queries[0].slot, Slot::Ready { .. }), "panel {i}: {:?}", p.queries[0].slot);
    }
    // Refreshed together later, still one request for the two.
    e.handle(Intent::Refresh.into());
    settle(&mut e).await;
    assert_eq!(seen.queries("/api/v1/query_range").len(), 4);
}

#[tokio::test]
async fn at_most_max_in_flight_requests_reach_prometheus_at_once() {
    let (url, seen) = prometheus(Duration::from_millis(200)).await;
    let panels: String = (0..10).map(|i| panel(&format!("P{i}"), "timeseries", &format!("m{i}"), 0, i * 8)).collect();
    let mut e = engine(&url, &format!("[[dashboard]]\nname = \"D\"\n{panels}"), 3);
    e.handle(Action::Tick { now_ms: NOW_MS });
    settle(&mut e).await;
    assert_eq!(seen.queries("/api/v1/query_range").len(), 10, "every panel was asked");
    assert_eq!(seen.max.load(Ordering::SeqCst), 3, "three at a time, never more");
}

#[tokio::test]
async fn nothing_is_fetched_for_dashboards_out_of_sight() {
    let (url, seen) = prometheus(Duration::from_millis(10)).await;
    let dash = |name: &str, m: &str| {
        format!(
            "[[dashboard]]\nname = \"{name}\"\n{}{}",
            panel("T", "timeseries", m, 0, 0),
            panel("S", "gauge", m, 12, 0)
        )
    };
    let mut e = engine(&url, &format!("{}{}{}", dash("One", "one"), dash("Two", "two"), dash("Three", "three")), 4);
    // On the alerts page: the alerting feeds only, no panel query.
    e.state.page = Page::Alerts;
    e.handle(Action::Tick { now_ms: NOW_MS });
    settle(&mut e).await;
    e.handle(Action::Tick { now_ms: NOW_MS + 60_000 });
    settle(&mut e).await;
    assert!(!seen.requests.lock().unwrap().is_empty(), "the alerting feeds were polled");
    assert!(seen.queries("/api/v1/query_range").is_empty() && seen.queries("/api/v1/query").is_empty());
    // Dashboard two: its queries only.
    e.handle(Intent::Dashboard2.into());
    settle(&mut e).await;
    e.handle(Action::Tick { now_ms: NOW_MS + 120_000 });
    settle(&mut e).await;
    let asked: Vec<String> =
        seen.queries("/api/v1/query_range").into_iter().chain(seen.queries("/api/v1/query")).collect();
    assert!(!asked.is_empty());
    assert!(asked.iter().all(|q| q == "two"), "{asked:?}");
}

#[tokio::test]
async fn two_logs_panels_with_the_same_query_cost_one_loki_request() {
    let (url, seen) = prometheus(Duration::from_millis(50)).await;
    let dash = format!(
        "[[dashboard]]\nname = \"D\"\n{}{}{}{}",
        panel("A", "logs", r#"{service="a"}"#, 0, 0),
        panel("B", "logs", r#"{service="a"}"#, 12, 0),
        panel("C", "logs", r#"{service="b"}"#, 0, 8),
        // Narrower, same query: the lines asked for do not depend on the width.
        "[[dashboard.panel]]\ntitle = \"N\"\nkind = \"logs\"\npos = { x = 12, y = 8, w = 5, h = 8 }\n\
         query = [{ expr = '{service=\"a\"}' }]\n",
    );
    let text = format!(
        "[[environment]]\nname = \"p\"\nprometheus = {{ url = \"{url}\" }}\nloki = {{ url = \"{url}\" }}\n{dash}"
    );
    let config = load_str("t.toml", &text).unwrap();
    let env = &config.environments[0];
    let mut e = Engine::new(State::new(&config, "p", false, NOW_MS), PromClient::new(&env.prometheus), 4);
    e.fetcher.set_loki(centinela::sources::loki::LokiClient::new(env.loki.as_ref().unwrap()));
    e.handle(Action::Resize { width: 160, height: 48 });
    e.handle(Action::Tick { now_ms: NOW_MS });
    settle(&mut e).await;
    let mut asked = seen.queries("/loki/api/v1/query_range");
    asked.sort();
    assert_eq!(asked, [r#"{service="a"}"#, r#"{service="b"}"#], "A, B and N share one request");
    for (i, p) in e.state.dashboards[0].panels.iter().enumerate() {
        assert!(matches!(p.queries[0].slot, Slot::Ready { .. }), "panel {i}: {:?}", p.queries[0].slot);
    }
}
