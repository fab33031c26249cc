//! Contract tests of [`AmClient`] and of [`PromClient`]'s alerting calls against what a real
//! Alertmanager 0.25 and Prometheus 2.42 send.
//!
//! The bodies in `tests/fixtures/alertmanager/` were recorded by `scripts/record-alertmanager-fixtures.sh`
//! (see the README there) and are served verbatim, with their recorded status codes, by `wiremock`; the
//! mocks only answer the requests the client must send (method, path and query). Expected values are
//! read from the same files with `serde_json`, independently of the client, so a re-recording keeps
//! the tests valid. Then faults (refused and hung connections, HTML error pages, broken JSON, bodies
//! over the cap, redirects), and live runs against the real binaries: a silence muting a posted alert
//! and its expiry unmuting it, and a silence gossiped between two peered Alertmanagers.

mod common;

use centinela::action::{FetchError, FetchErrorKind};
use centinela::alerts::model::{AmState, Labels, MatchOp, Matcher, NewSilence, PromAlertState, SilenceState};
use centinela::config::{Dur, PromSource};
use centinela::sources::alertmanager::AmClient;
use centinela::sources::prometheus::PromClient;
use common::alertmanager::RealAlertmanager;
use common::prometheus::{fast_rules, free_port, RealPrometheus};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

const ALERTS: &str = "/api/v2/alerts";
const GROUPS: &str = "/api/v2/alerts/groups";
const SILENCES: &str = "/api/v2/silences";
const STATUS: &str = "/api/v2/status";

/// No request in these tests may take longer than this, whatever the fault.
const HANG_LIMIT: Duration = Duration::from_secs(15);
/// How long a live test waits for the real Alertmanager to show a change.
const LIVE_DEADLINE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------------
// Fixtures

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/alertmanager")
}

/// A recorded response: HTTP status, the body exactly as sent, and its content type (`NAME.json` for
/// JSON bodies, `NAME.txt` for the rest).
fn fixture(name: &str) -> (u16, Vec<u8>, &'static str) {
    let dir = fixture_dir();
    let (body, ct) = match std::fs::read(dir.join(format!("{name}.json"))) {
        Ok(b) => (b, "application/json"),
        Err(_) => (
            std::fs::read(dir.join(format!("{name}.txt")))
                .unwrap_or_else(|e| panic!("fixture {name}: {e}; run scripts/record-alertmanager-fixtures.sh")),
            "text/plain",
        ),
    };
    let status = std::fs::read_to_string(dir.join(format!("{name}.status")))
        .unwrap_or_else(|e| panic!("fixture {name}.status: {e}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("fixture {name}.status is not a status code: {e}"));
    (status, body, ct)
}

/// The recorded body parsed independently of the client, as the oracle for expected values.
fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name).1).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

fn labels_of(v: &Value) -> Labels {
    v.as_object()
        .map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_str().expect("label values are strings").into())).collect())
        .unwrap_or_default()
}

/// An RFC 3339 time of the fixture in ms; the zero time and absent times are `None`.
fn ms(v: &Value) -> Option<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(v.as_str()?).expect("an RFC 3339 time").timestamp_millis();
    (t > 0).then_some(t)
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn names(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().map(|r| r["name"].as_str().unwrap().to_string()).collect()).unwrap_or_default()
}

fn array<'a>(v: &'a Value, what: &str) -> &'a Vec<Value> {
    v.as_array().unwrap_or_else(|| panic!("{what} is an array"))
}

// ---------------------------------------------------------------------------------------------------
// Mocks and clients

/// `GET path` with `key=true` for each of `flags`, as the client asks.
fn get_with(route: &str, flags: &[&str]) -> MockBuilder {
    flags.iter().fold(Mock::given(method("GET")).and(path(route)), |m, f| m.and(query_param(*f, "true")))
}

fn alerts_mock() -> MockBuilder {
    get_with(ALERTS, &["active", "silenced", "inhibited", "unprocessed"])
}

fn groups_mock() -> MockBuilder {
    get_with(GROUPS, &["active", "silenced", "inhibited"])
}

async fn serve(server: &MockServer, mock: MockBuilder, name: &str) {
    let (status, body, ct) = fixture(name);
    mock.respond_with(ResponseTemplate::new(status).set_body_raw(body, ct)).expect(1).mount(server).await;
}

async fn serve_raw(server: &MockServer, mock: MockBuilder, status: u16, body: Vec<u8>, ct: &str) {
    mock.respond_with(ResponseTemplate::new(status).set_body_raw(body, ct)).expect(1).mount(server).await;
}

fn am(url: &str) -> AmClient {
    am_with(url, |_| {})
}

fn am_with(url: &str, tweak: impl FnOnce(&mut PromSource)) -> AmClient {
    let mut src = PromSource::new(url);
    tweak(&mut src);
    AmClient::new(&src).expect("a valid source")
}

fn prom(url: &str) -> PromClient {
    PromClient::new(&PromSource::new(url)).expect("a valid source")
}

async fn bounded<T>(fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(HANG_LIMIT, fut).await.expect("the request hung past every timeout")
}

fn assert_kind<T: std::fmt::Debug>(r: Result<T, FetchError>, kind: FetchErrorKind) -> FetchError {
    match r {
        Err(e) if e.kind == kind => e,
        other => panic!("expected a {kind:?} error, got {other:?}"),
    }
}

fn assert_mentions(e: &FetchError, needles: &[&str]) {
    let lower = e.message.to_lowercase();
    for n in needles {
        assert!(lower.contains(&n.to_lowercase()), "message {:?} should mention {n:?}", e.message);
    }
}

fn m(name: &str, op: MatchOp, value: &str) -> Matcher {
    Matcher { name: name.into(), op, value: value.into() }
}

// ===================================================================================================
// The contract: recorded responses decode to what Alertmanager meant

#[tokio::test]
async fn alerts_decode_with_states_silences_and_inhibitions() {
    let doc = fixture_json("alerts");
    let server = MockServer::start().await;
    serve(&server, alerts_mock(), "alerts").await;

    let got = am(&server.uri()).alerts().await.unwrap();

    let want = array(&doc, "alerts");
    assert!(want.len() >= 5, "the recording holds Watchdog, ServiceDown and three posted alerts");
    assert_eq!(got.len(), want.len());
    for (a, w) in got.iter().zip(want) {
        let what = &a.fingerprint;
        assert_eq!(a.fingerprint, w["fingerprint"].as_str().unwrap());
        assert_eq!(a.labels, labels_of(&w["labels"]), "{what}");
        assert_eq!(a.annotations, labels_of(&w["annotations"]), "{what}");
        let state = match w["status"]["state"].as_str().unwrap() {
            "active" => AmState::Active,
            "suppressed" => AmState::Suppressed,
            "unprocessed" => AmState::Unprocessed,
            s => panic!("unknown state {s}"),
        };
        assert_eq!(a.state, state, "{what}");
        assert_eq!(a.silenced_by, strings(&w["status"]["silencedBy"]), "{what}");
        assert_eq!(a.inhibited_by, strings(&w["status"]["inhibitedBy"]), "{what}");
        assert_eq!(a.receivers, names(&w["receivers"]), "{what}");
        assert_eq!(Some(a.starts_at_ms), ms(&w["startsAt"]), "{what}");
        assert_eq!(a.ends_at_ms, ms(&w["endsAt"]), "{what}");
        assert_eq!(a.updated_at_ms, ms(&w["updatedAt"]), "{what}");
        assert_eq!(a.generator_url, w["generatorURL"].as_str().unwrap_or(""), "{what}");
    }

    // What the recording set up, by name.
    let by_name = |n: &str| got.iter().find(|a| a.name() == n).unwrap_or_else(|| panic!("{n} in the recording"));
    let down = by_name("ServiceDown");
    assert_eq!(down.state, AmState::Active);
    assert_eq!(down.severity(), "critical");
    assert_eq!(down.labels["service"], "agente_deposito", "the rule's `service` label template was expanded");
    assert_eq!(down.receivers, ["critical", "general"], "critical continues to the catch-all route");
    assert!(down.generator_url.contains("/graph?g0.expr="), "{}", down.generator_url);

    let latency = by_name("HighLatency");
    assert_eq!(latency.state, AmState::Suppressed);
    assert_eq!(
        latency.inhibited_by,
        std::slice::from_ref(&down.fingerprint),
        "inhibited by ServiceDown on the same service"
    );
    assert!(latency.silenced_by.is_empty());

    let stock = by_name("StockCritico");
    assert_eq!(stock.state, AmState::Suppressed);
    assert!(stock.inhibited_by.is_empty());
    let active_silence = fixture_json("post_silence_ok")["silenceID"].as_str().unwrap().to_string();
    assert_eq!(stock.silenced_by, [active_silence]);

    let slow = by_name("SlowRequests");
    assert_eq!(slow.state, AmState::Active);
    assert_eq!(slow.generator_url, "", "posted without a generatorURL");
    let ends = slow.ends_at_ms.expect("Alertmanager fills in endsAt");
    assert_eq!(ends - slow.updated_at_ms.unwrap(), 300_000, "an alert without endsAt ends after resolve_timeout");

    let watchdog = by_name("Watchdog");
    assert_eq!((watchdog.state, watchdog.severity()), (AmState::Active, "none"));
    assert_eq!(watchdog.receivers, ["watchdog"]);
}

#[tokio::test]
async fn groups_decode_labels_receivers_and_fingerprints() {
    let doc = fixture_json("groups");
    let alerts = fixture_json("alerts");
    let server = MockServer::start().await;
    serve(&server, groups_mock(), "groups").await;

    let got = am(&server.uri()).groups().await.unwrap();

    let want = array(&doc, "groups");
    assert_eq!(got.len(), want.len());
    let known: Vec<&str> = array(&alerts, "alerts").iter().map(|a| a["fingerprint"].as_str().unwrap()).collect();
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.labels, labels_of(&w["labels"]));
        assert_eq!(g.receiver, w["receiver"]["name"].as_str().unwrap());
        let fps: Vec<String> = array(&w["alerts"], "group alerts")
            .iter()
            .map(|a| a["fingerprint"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(g.fingerprints, fps);
        assert!(!g.fingerprints.is_empty());
        for f in &g.fingerprints {
            assert!(known.contains(&f.as_str()), "group alert {f} is among /api/v2/alerts");
        }
        // group_by: alertname, severity, service (the labels the alerts have).
        assert!(g.labels.contains_key("alertname") && g.labels.contains_key("severity"), "{:?}", g.labels);
    }
    let critical: Vec<_> = got.iter().filter(|g| g.labels["alertname"] == "ServiceDown").collect();
    let receivers: Vec<&str> = critical.iter().map(|g| g.receiver.as_str()).collect();
    assert!(receivers.contains(&"critical") && receivers.contains(&"general"), "one group per route: {receivers:?}");
}

#[tokio::test]
async fn silences_decode_states_matcher_ops_and_times() {
    for name in ["silences", "silences_peer"] {
        let doc = fixture_json(name);
        let server = MockServer::start().await;
        serve(&server, Mock::given(method("GET")).and(path(SILENCES)), name).await;

        let got = am(&server.uri()).silences().await.unwrap();

        let want = array(&doc, "silences");
        assert_eq!(got.len(), 3, "{name}: active, pending and expired");
        assert_eq!(got.len(), want.len());
        for (s, w) in got.iter().zip(want) {
            assert_eq!(s.id, w["id"].as_str().unwrap());
            assert_eq!(s.created_by, w["createdBy"].as_str().unwrap());
            assert_eq!(s.comment, w["comment"].as_str().unwrap());
            assert_eq!(Some(s.starts_at_ms), ms(&w["startsAt"]));
            assert_eq!(Some(s.ends_at_ms), ms(&w["endsAt"]));
            assert_eq!(s.updated_at_ms, ms(&w["updatedAt"]));
            let wm = array(&w["matchers"], "matchers");
            assert_eq!(s.matchers.len(), wm.len());
            for (m, w) in s.matchers.iter().zip(wm) {
                assert_eq!(
                    (m.name.as_str(), m.value.as_str()),
                    (w["name"].as_str().unwrap(), w["value"].as_str().unwrap())
                );
                assert_eq!(m.op.is_regex(), w["isRegex"].as_bool().unwrap());
                assert_eq!(m.op.is_equal(), w["isEqual"].as_bool().unwrap());
            }
        }
        let by_state = |st: SilenceState| got.iter().find(|s| s.state == st).unwrap_or_else(|| panic!("{st:?}"));

        let active = by_state(SilenceState::Active);
        assert_eq!(active.id, fixture_json("post_silence_ok")["silenceID"].as_str().unwrap());
        assert_eq!(
            active.matchers,
            [m("alertname", MatchOp::Eq, "StockCritico"), m("service", MatchOp::Re, "agente_.*")]
        );
        assert_eq!(active.comment, "restock ordered, OC-4411");

        let pending = by_state(SilenceState::Pending);
        assert_eq!(
            pending.matchers,
            [m("service", MatchOp::Ne, "dashboard"), m("severity", MatchOp::NotRe, "critical|high")]
        );
        assert!(pending.starts_at_ms > pending.updated_at_ms.unwrap(), "a pending silence starts in the future");

        let expired = by_state(SilenceState::Expired);
        assert_eq!(expired.matchers, [m("alertname", MatchOp::Eq, "Watchdog")]);
        assert_eq!(Some(expired.ends_at_ms), expired.updated_at_ms, "expiring sets endsAt to the time of the DELETE");
        assert!(expired.ends_at_ms >= expired.starts_at_ms);
    }
}

#[tokio::test]
async fn status_decodes_version_cluster_peers_and_uptime() {
    let doc = fixture_json("status");
    let server = MockServer::start().await;
    serve(&server, Mock::given(method("GET")).and(path(STATUS)), "status").await;

    let before = chrono::Utc::now().timestamp_millis();
    let st = am(&server.uri()).status().await.unwrap();
    let after = chrono::Utc::now().timestamp_millis();

    assert_eq!(st.version, doc["versionInfo"]["version"].as_str().unwrap());
    assert!(st.version.starts_with("0.25"), "{}", st.version);
    assert_eq!(st.cluster_status, "ready");
    assert_eq!(st.cluster_name, doc["cluster"]["name"].as_str().unwrap());
    assert_eq!(st.peers, names(&doc["cluster"]["peers"]));
    assert_eq!(st.peers.len(), 2, "recorded from one of two peered Alertmanagers");
    assert!(st.peers.contains(&st.cluster_name), "the cluster name is this instance's own peer name");
    // `uptime` is the start time: the uptime is now minus that.
    let started = ms(&doc["uptime"]).expect("uptime is an RFC 3339 start time");
    let up = st.uptime_ms.expect("an uptime");
    assert!((before - started..=after - started).contains(&up), "uptime {up} ms for a start at {started}");

    // Clustering off: no name, no peers (an empty array), status `disabled`.
    let server = MockServer::start().await;
    serve(&server, Mock::given(method("GET")).and(path(STATUS)), "status_no_cluster").await;
    let st = am(&server.uri()).status().await.unwrap();
    assert_eq!((st.cluster_status.as_str(), st.cluster_name.as_str()), ("disabled", ""));
    assert!(st.peers.is_empty());
    assert!(st.version.starts_with("0.25"));
}

#[tokio::test]
async fn an_empty_alertmanager_answers_empty_lists() {
    let server = MockServer::start().await;
    serve(&server, alerts_mock(), "alerts_empty").await;
    serve(&server, groups_mock(), "groups_empty").await;
    serve(&server, Mock::given(method("GET")).and(path(SILENCES)), "silences_empty").await;
    let c = am(&server.uri());

    assert!(c.alerts().await.unwrap().is_empty());
    assert!(c.groups().await.unwrap().is_empty());
    assert!(c.silences().await.unwrap().is_empty());
}

fn new_silence() -> NewSilence {
    NewSilence {
        matchers: vec![
            m("alertname", MatchOp::Eq, "StockCritico"),
            m("service", MatchOp::Re, "agente_.*"),
            m("instance", MatchOp::Ne, "dashboard"),
            m("severity", MatchOp::NotRe, "medium|low"),
        ],
        starts_at_ms: 1_795_000_000_000,
        ends_at_ms: 1_795_007_200_000,
        created_by: "ana@minimarket".into(),
        comment: "restock ordered".into(),
    }
}

#[tokio::test]
async fn create_silence_posts_the_v2_shape_and_returns_the_id() {
    let server = MockServer::start().await;
    serve(&server, Mock::given(method("POST")).and(path(SILENCES)), "post_silence_ok").await;

    let id = am(&server.uri()).create_silence(&new_silence()).await.unwrap();

    assert_eq!(id, fixture_json("post_silence_ok")["silenceID"].as_str().unwrap());
    let reqs = server.received_requests().await.unwrap();
    assert_eq!(reqs.len(), 1);
    let ct = reqs[0].headers.get("content-type").unwrap().to_str().unwrap();
    assert!(ct.starts_with("application/json"), "{ct}");
    let body: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(
        body,
        json!({
            "matchers": [
                {"name": "alertname", "value": "StockCritico", "isRegex": false, "isEqual": true},
                {"name": "service", "value": "agente_.*", "isRegex": true, "isEqual": true},
                {"name": "instance", "value": "dashboard", "isRegex": false, "isEqual": false},
                {"name": "severity", "value": "medium|low", "isRegex": true, "isEqual": false},
            ],
            "startsAt": "2026-11-18T11:06:40.000Z",
            "endsAt": "2026-11-18T13:06:40.000Z",
            "createdBy": "ana@minimarket",
            "comment": "restock ordered",
        })
    );
}

#[tokio::test]
async fn bad_silences_come_back_as_alertmanagers_own_words() {
    // (fixture, kind, what the message must say); the bodies are JSON strings or {code, message}.
    let cases = [
        (
            "post_silence_bad_times",
            FetchErrorKind::Api,
            "HTTP 400: Failed to create silence: start time must be before end time",
        ),
        (
            "post_silence_bad_regex",
            FetchErrorKind::Api,
            "HTTP 400: silence invalid: invalid label matcher 0: invalid regular expression",
        ),
        ("post_silence_no_matchers", FetchErrorKind::Api, "HTTP 422: matchers in body should have at least 1 items"),
    ];
    for (name, kind, says) in cases {
        let server = MockServer::start().await;
        serve(&server, Mock::given(method("POST")).and(path(SILENCES)), name).await;

        let e = assert_kind(bounded(am(&server.uri()).create_silence(&new_silence())).await, kind);

        assert_mentions(&e, &[says, &server.uri()]);
        assert!(
            !e.message.contains("\"Failed") && !e.message.contains("{\"code"),
            "{name}: not raw JSON: {}",
            e.message
        );
    }
}

#[tokio::test]
async fn expire_silence_deletes_by_id_and_names_failures() {
    let id = fixture_json("post_silence_ok")["silenceID"].as_str().unwrap().to_string();
    let server = MockServer::start().await;
    serve(&server, Mock::given(method("DELETE")).and(path(format!("/api/v2/silence/{id}"))), "delete_silence_ok").await;
    am(&server.uri()).expire_silence(&id).await.unwrap();

    // An id nobody created: a 500 with a JSON string.
    let unknown = "0a1b2c3d-0000-4000-8000-000000000000";
    let server = MockServer::start().await;
    serve(
        &server,
        Mock::given(method("DELETE")).and(path(format!("/api/v2/silence/{unknown}"))),
        "delete_silence_unknown",
    )
    .await;
    let e = assert_kind(am(&server.uri()).expire_silence(unknown).await, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 500: silence not found"]);

    // Not a UUID: Alertmanager's validation answers 422.
    let server = MockServer::start().await;
    serve(&server, Mock::given(method("DELETE")).and(path("/api/v2/silence/not-a-uuid")), "delete_silence_not_uuid")
        .await;
    let e = assert_kind(am(&server.uri()).expire_silence("not-a-uuid").await, FetchErrorKind::Api);
    assert_mentions(&e, &["HTTP 422", "must be of type uuid"]);

    // And what cannot be an id never leaves the client.
    let server = MockServer::start().await;
    for bad in ["", "../status", "a b", "x?y"] {
        assert_kind(am(&server.uri()).expire_silence(bad).await, FetchErrorKind::Api);
    }
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn prometheus_alerts_keep_pending_and_firing_apart() {
    let doc = fixture_json("prom_alerts");
    let server = MockServer::start().await;
    serve(&server, Mock::given(method("GET")).and(path("/api/v1/alerts")), "prom_alerts").await;

    let got = prom(&server.uri()).alerts().await.unwrap();

    let want = array(&doc["data"]["alerts"], "alerts");
    assert_eq!(got.len(), want.len());
    for (a, w) in got.iter().zip(want) {
        assert_eq!(a.labels, labels_of(&w["labels"]));
        assert_eq!(a.annotations, labels_of(&w["annotations"]));
        assert_eq!(a.value, w["value"].as_str().unwrap());
        assert_eq!(a.active_at_ms, ms(&w["activeAt"]), "nanosecond times decode to their ms");
        let state = match w["state"].as_str().unwrap() {
            "firing" => PromAlertState::Firing,
            "pending" => PromAlertState::Pending,
            s => panic!("unexpected state {s}"),
        };
        assert_eq!(a.state, state);
    }
    let state_of = |n: &str| got.iter().find(|a| a.labels["alertname"] == n).map(|a| a.state);
    assert_eq!(state_of("PendingForAnHour"), Some(PromAlertState::Pending));
    assert_eq!(state_of("ServiceDown"), Some(PromAlertState::Firing));
    assert_eq!(state_of("Watchdog"), Some(PromAlertState::Firing));
    let down = got.iter().find(|a| a.labels["alertname"] == "ServiceDown").unwrap();
    assert_eq!(down.value, "0e+00", "Prometheus formats the value with %e");
}

#[tokio::test]
async fn prometheus_rules_keep_health_last_error_and_for() {
    let doc = fixture_json("prom_rules");
    let server = MockServer::start().await;
    serve(
        &server,
        Mock::given(method("GET")).and(path("/api/v1/rules")).and(query_param("type", "alert")),
        "prom_rules",
    )
    .await;

    let got = prom(&server.uri()).rules().await.unwrap();

    let want = array(&doc["data"]["groups"], "groups");
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert_eq!(g.name, w["name"].as_str().unwrap());
        assert_eq!(g.file, w["file"].as_str().unwrap());
        assert_eq!(g.interval_s, w["interval"].as_f64().unwrap());
        let wr = array(&w["rules"], "rules");
        assert_eq!(g.rules.len(), wr.len(), "{}", g.name);
        for (r, w) in g.rules.iter().zip(wr) {
            assert_eq!(r.name, w["name"].as_str().unwrap());
            assert_eq!(r.query, w["query"].as_str().unwrap());
            assert_eq!(r.for_s, w["duration"].as_f64().unwrap());
            assert_eq!(r.labels, labels_of(&w["labels"]));
            assert_eq!(r.health, w["health"].as_str().unwrap());
            assert_eq!(r.last_error, w["lastError"].as_str().unwrap_or(""));
            assert!(r.alerting, "type=alert leaves only alerting rules");
        }
    }
    let rules: BTreeMap<&str, _> = got.iter().flat_map(|g| &g.rules).map(|r| (r.name.as_str(), r)).collect();
    let broken = rules["BrokenManyToMany"];
    assert_eq!(broken.health, "err");
    assert!(broken.last_error.contains("many-to-many matching not allowed"), "{}", broken.last_error);
    assert_eq!(rules["PendingForAnHour"].for_s, 3600.0);
    assert_eq!((rules["ServiceDown"].health.as_str(), rules["ServiceDown"].last_error.as_str()), ("ok", ""));
    assert_eq!(rules["ServiceDown"].labels["service"], "{{ $labels.job }}", "rule labels come unexpanded");
    assert_eq!(rules["Watchdog"].query, "vector(1)");
    // Not evaluated yet (an hourly group): health `unknown`, no error; its lastEvaluation is the zero time.
    assert_eq!((rules["HourlyCheck"].health.as_str(), rules["HourlyCheck"].last_error.as_str()), ("unknown", ""));
    // `type=alert` filters rules, not groups: the recording group is still listed, empty.
    let recording = got.iter().find(|g| g.name == "recording_rules").expect("the recording rules' group");
    assert!(recording.rules.is_empty());
}

// ===================================================================================================
// Faults: every failure comes back classified, named, and in bounded time

#[tokio::test]
async fn connection_refused_is_a_connect_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let c = am(&format!("http://127.0.0.1:{port}"));

    let e = assert_kind(bounded(c.alerts()).await, FetchErrorKind::Connect);

    assert_mentions(&e, &["Alertmanager at", "unreachable", "refused", &format!("127.0.0.1:{port}")]);
}

#[tokio::test]
async fn a_server_that_never_answers_hits_the_total_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    let c = am_with(&url, |s| s.timeout = Dur(Duration::from_secs(1)));

    let e = assert_kind(bounded(c.silences()).await, FetchErrorKind::Timeout);

    assert_mentions(&e, &["timed out after 1s", &url]);
}

/// A loopback address whose accept queue is full, so a connect never completes. Keep the returned
/// listener and streams alive for as long as that must hold.
async fn unconnectable() -> (TcpListener, Vec<TcpStream>, std::net::SocketAddr) {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut queued = Vec::new();
    for _ in 0..64 {
        match tokio::time::timeout(Duration::from_millis(300), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => queued.push(s),
            Ok(Err(e)) => panic!("connecting to fill the accept queue: {e}"),
            Err(_) => return (listener, queued, addr),
        }
    }
    panic!("the accept queue of a listen(0) socket never filled");
}

#[tokio::test]
async fn a_connect_that_never_completes_hits_the_connect_timeout() {
    let (_listener, _queued, addr) = unconnectable().await;
    let c = am_with(&format!("http://{addr}"), |s| {
        s.connect_timeout = Dur(Duration::from_millis(300));
        s.timeout = Dur(Duration::from_secs(10));
    });

    let e = assert_kind(bounded(c.status()).await, FetchErrorKind::Timeout);

    assert_mentions(&e, &["connection timed out after 300ms", &addr.to_string()]);
}

#[tokio::test]
async fn an_html_error_page_is_an_http_error_with_its_title() {
    let page = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n<body><h1>500 Internal \
                Server Error</h1><hr><center>nginx/1.22.1</center></body></html>\n";
    let server = MockServer::start().await;
    serve_raw(&server, alerts_mock(), 500, page.into(), "text/html").await;

    let e = assert_kind(bounded(am(&server.uri()).alerts()).await, FetchErrorKind::Http);

    assert_mentions(&e, &["HTTP 500", "500 Internal Server Error", &server.uri()]);
    assert!(!e.message.contains('<'), "no markup: {}", e.message);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let (_, body, _) = fixture("alerts");
    let server = MockServer::start().await;
    serve_raw(&server, alerts_mock(), 200, body[..body.len() / 2].to_vec(), "application/json").await;

    let e = assert_kind(bounded(am(&server.uri()).alerts()).await, FetchErrorKind::Decode);

    assert_mentions(&e, &["not valid Alertmanager API JSON", "EOF", &server.uri()]);

    // A body cut off mid-stream (fewer bytes than Content-Length) is named as such.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = tokio::io::AsyncReadExt::read(&mut s, &mut buf).await;
                let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\n\r\n", body.len());
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&body[..body.len() / 2]).await;
                let _ = s.shutdown().await;
            });
        }
    });
    let e = assert_kind(bounded(am(&url).alerts()).await, FetchErrorKind::Decode);
    assert_mentions(&e, &["broke off", &url]);
}

#[tokio::test]
async fn a_body_over_the_cap_is_too_large() {
    // 2 MiB of valid JSON: a list of alerts padded with whitespace.
    let (_, one, _) = fixture("alerts");
    let mut body = one.clone();
    body.resize(2 << 20, b' ');
    let server = MockServer::start().await;
    serve_raw(&server, alerts_mock(), 200, body, "application/json").await;
    let c = am_with(&server.uri(), |s| s.max_body_mib = 1);

    let e = assert_kind(bounded(c.alerts()).await, FetchErrorKind::TooLarge);

    assert_mentions(&e, &["1 MiB cap", "max_body_mib", &server.uri()]);
}

#[tokio::test]
async fn redirects_are_followed_only_when_they_keep_the_method() {
    // A 308 (method and body kept) is followed: the silence is created at the new place.
    let target = MockServer::start().await;
    serve(&target, Mock::given(method("POST")).and(path("/am/api/v2/silences")), "post_silence_ok").await;
    let server = MockServer::start().await;
    let to = format!("{}/am/api/v2/silences", target.uri());
    Mock::given(method("POST"))
        .and(path(SILENCES))
        .respond_with(ResponseTemplate::new(308).insert_header("location", to.as_str()))
        .expect(1)
        .mount(&server)
        .await;
    let id = bounded(am(&server.uri()).create_silence(&new_silence())).await.unwrap();
    assert_eq!(id, fixture_json("post_silence_ok")["silenceID"].as_str().unwrap());
    let posted: Value = serde_json::from_slice(&target.received_requests().await.unwrap()[0].body).unwrap();
    assert_eq!(posted["createdBy"], "ana@minimarket", "the body survived the redirect");

    // A 302 (a proxy sending the UI elsewhere) is not followed; the error says where to point instead.
    let server = MockServer::start().await;
    alerts_mock()
        .respond_with(ResponseTemplate::new(302).insert_header("location", "https://sso.example/login?next=%2F"))
        .expect(1)
        .mount(&server)
        .await;
    let e = assert_kind(bounded(am(&server.uri()).alerts()).await, FetchErrorKind::Http);
    assert_mentions(&e, &["redirects (HTTP 302) to https://sso.example/login", "set that URL in the config"]);
    assert!(!e.message.contains("next="), "the query is not shown: {}", e.message);
}

// ===================================================================================================
// Live: the real Alertmanager

const EXAMPLE_CONFIG: &str = include_str!("../examples/minimarket/alertmanager.yml");

/// Poll `probe` until it yields a value, for up to [`LIVE_DEADLINE`]; `what` names the wait on failure.
async fn eventually<T, F, Fut>(what: &str, am: &RealAlertmanager, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + LIVE_DEADLINE;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "{what}: not seen within {LIVE_DEADLINE:?}; the log:\n{}", am.log());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn live_alert(name: &str, service: &str) -> Value {
    let now = chrono::Utc::now();
    json!([{
        "labels": {"alertname": name, "severity": "high", "service": service, "job": service},
        "annotations": {"summary": format!("{name} on {service}")},
        "startsAt": now.to_rfc3339(),
        "endsAt": (now + chrono::Duration::hours(1)).to_rfc3339(),
        "generatorURL": "http://127.0.0.1:9/graph",
    }])
}

fn live_silence(alertname: &str) -> NewSilence {
    let now = chrono::Utc::now().timestamp_millis();
    NewSilence {
        matchers: vec![m("alertname", MatchOp::Eq, alertname), m("service", MatchOp::Re, "agente_.*")],
        starts_at_ms: now - 1_000,
        ends_at_ms: now + 3_600_000,
        created_by: "contract-test".into(),
        comment: "muting the posted alert".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_a_silence_mutes_an_alert_until_it_is_expired() {
    let real = RealAlertmanager::start(EXAMPLE_CONFIG);
    let c = am(&real.url);
    real.post_alerts(&live_alert("LiveStock", "agente_negocio")).await;
    let fp = eventually("the posted alert, active", &real, || async {
        let alerts = c.alerts().await.ok()?;
        let a = alerts.iter().find(|a| a.name() == "LiveStock")?;
        (a.state == AmState::Active).then(|| a.fingerprint.clone())
    })
    .await;

    let id = c.create_silence(&live_silence("LiveStock")).await.unwrap();

    let listed = eventually("the silence, active", &real, || async {
        c.silences().await.ok()?.into_iter().find(|s| s.id == id && s.state == SilenceState::Active)
    })
    .await;
    assert_eq!(listed.matchers, live_silence("LiveStock").matchers);
    assert_eq!((listed.created_by.as_str(), listed.comment.as_str()), ("contract-test", "muting the posted alert"));
    eventually("the alert, silenced by it", &real, || async {
        let alerts = c.alerts().await.ok()?;
        let a = alerts.into_iter().find(|a| a.fingerprint == fp)?;
        (a.state == AmState::Suppressed && a.silenced_by == [id.clone()]).then_some(())
    })
    .await;

    c.expire_silence(&id).await.unwrap();

    eventually("the silence, expired", &real, || async {
        c.silences().await.ok()?.into_iter().find(|s| s.id == id && s.state == SilenceState::Expired)
    })
    .await;
    eventually("the alert, active again", &real, || async {
        let alerts = c.alerts().await.ok()?;
        let a = alerts.into_iter().find(|a| a.fingerprint == fp)?;
        (a.state == AmState::Active && a.silenced_by.is_empty()).then_some(())
    })
    .await;

    // The real server's refusals read as its own words.
    let mut backwards = live_silence("LiveStock");
    backwards.ends_at_ms = backwards.starts_at_ms - 60_000;
    let e = assert_kind(c.create_silence(&backwards).await, FetchErrorKind::Api);
    assert_mentions(&e, &["HTTP 400: Failed to create silence: start time must be before end time"]);
    let e = assert_kind(c.expire_silence("0a1b2c3d-0000-4000-8000-000000000000").await, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 500: silence not found"]);
    let st = c.status().await.unwrap();
    assert_eq!((st.cluster_status.as_str(), st.peers.len()), ("disabled", 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_a_silence_created_on_one_peer_is_seen_on_the_other() {
    let (a, b) = RealAlertmanager::start_ha_pair(EXAMPLE_CONFIG);
    let (ca, cb) = (am(&a.url), am(&b.url));
    for (real, c) in [(&a, &ca), (&b, &cb)] {
        let st = eventually("both peers, ready", real, || async {
            let st = c.status().await.ok()?;
            (st.peers.len() == 2 && st.cluster_status == "ready").then_some(st)
        })
        .await;
        assert!(st.peers.contains(&st.cluster_name), "{st:?}");
        assert!(st.version.starts_with("0.25"), "{st:?}");
    }

    let id = ca.create_silence(&live_silence("LivePeer")).await.unwrap();

    let on_b = eventually("the silence, gossiped to B", &b, || async {
        cb.silences().await.ok()?.into_iter().find(|s| s.id == id)
    })
    .await;
    assert_eq!(on_b.state, SilenceState::Active);
    assert_eq!(on_b.matchers, live_silence("LivePeer").matchers);

    // And back: expired on B, expired on A.
    cb.expire_silence(&id).await.unwrap();
    eventually("the expiry, gossiped to A", &a, || async {
        ca.silences().await.ok()?.into_iter().find(|s| s.id == id && s.state == SilenceState::Expired)
    })
    .await;
}

const EXAMPLE_RULES: &str = include_str!("../examples/minimarket/alerts.yml");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_the_example_rules_fire_into_the_example_routes_and_inhibitions() {
    let real = RealAlertmanager::start(EXAMPLE_CONFIG);
    let rules_dir = tempfile::tempdir().unwrap();
    let rules = rules_dir.path().join("alerts.yml");
    std::fs::write(&rules, fast_rules(EXAMPLE_RULES)).unwrap();
    // A service that is down: nothing listens on its port.
    let scrape =
        format!("  - job_name: agente_deposito\n    static_configs:\n      - targets: ['127.0.0.1:{}']\n", free_port());
    let alerting = format!(
        "rule_files:\n  - '{}'\nalerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ['{}']\n",
        rules.display(),
        real.url.trim_start_matches("http://")
    );
    // An alert that fires before Prometheus has set up its Alertmanagers is dropped and resent only after
    // the resend delay (1 m by default): resend every second.
    let p = RealPrometheus::start_with_args(&scrape, &alerting, &["--rules.alert.resend-delay=1s"]);
    let (c, pc) = (am(&real.url), prom(&p.url));
    // Its latency alert, as another rule would send it: the ServiceDown inhibition must catch it.
    real.post_alerts(&json!([{
        "labels": {"alertname": "HighLatency", "severity": "high", "service": "agente_deposito"},
        "endsAt": (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339(),
    }]))
    .await;

    let (down, latency) = eventually("ServiceDown from Prometheus inhibiting HighLatency", &real, || async {
        let alerts = c.alerts().await.ok()?;
        let down = alerts.iter().find(|a| a.name() == "ServiceDown")?.clone();
        let latency = alerts.iter().find(|a| a.name() == "HighLatency")?.clone();
        (!latency.inhibited_by.is_empty()).then_some((down, latency))
    })
    .await;
    assert_eq!(down.labels["service"], "agente_deposito", "`service` templated from `job`");
    assert_eq!(down.labels["severity"], "critical");
    assert_eq!(down.receivers, ["critical", "general"]);
    assert_eq!(latency.state, AmState::Suppressed);
    assert_eq!(latency.inhibited_by, [down.fingerprint]);
    eventually("the Watchdog, active", &real, || async {
        let alerts = c.alerts().await.ok()?;
        let w = alerts.into_iter().find(|a| a.name() == "Watchdog")?;
        (w.state == AmState::Active && w.receivers == ["watchdog"]).then_some(())
    })
    .await;

    // Every example rule evaluates against a real Prometheus without error.
    let groups = pc.rules().await.unwrap();
    let all: Vec<_> = groups.iter().flat_map(|g| &g.rules).collect();
    assert_eq!(all.len(), 16, "15 Mini Market alerts and the Watchdog");
    for r in &all {
        assert_ne!(r.health, "err", "{}: {}", r.name, r.last_error);
        assert_eq!(r.for_s, 0.0, "{}: `for` rewritten", r.name);
    }
    let firing = pc.alerts().await.unwrap();
    assert!(firing.iter().any(|a| a.labels["alertname"] == "ServiceDown" && a.state == PromAlertState::Firing));
}
