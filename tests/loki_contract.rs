//! Contract tests of the real Loki clients ([`LokiClient`] and the live tail) against what a real Loki
//! sends.
//!
//! The recordings in `tests/fixtures/loki/` (see the README there) are served by an in-process axum
//! server that replays them: a request gets the recording with the same path, the same `query` /
//! `match[]` values and the same request headers (the closest by the other parameters when several
//! fit), with the recorded status, `Content-Type` and body; anything else gets Loki's recorded 404.
//! Every request is kept, so the tests also check what the client sent (nanosecond integers,
//! `direction`, `limit`, `X-Scope-OrgID`). Expected values are read from the same files.
//!
//! The live tail tests run a websocket server that plays `tail_frame_{1,2,3}.json` (or refuses the
//! upgrade, or drops the connection) and emulates `query_range` over the same lines for the polling
//! fallback. Every wait is bounded by a generous timeout; no test sleeps to assert.

use axum::body::Body;
use axum::extract::ws::{Message as WsMessage, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use centinela::action::{FetchError, FetchErrorKind};
use centinela::config::{Dur, PromSource};
use centinela::logs::model::{Direction, LogEntry, LokiResult, RangeQuery};
use centinela::sources::loki::{self, LokiClient};
use centinela::sources::loki_tail::{self, TailEvent, TailMode, TailOptions, Tuning};
use centinela::sources::prometheus::Labels;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// The tenant every test client sends.
const TENANT: &str = "minimarket";

/// No single wait in these tests may take longer than this.
const PATIENCE: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------------
// Fixtures

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/loki")
}

fn fixture(file: &str) -> Vec<u8> {
    std::fs::read(fixture_dir().join(file)).unwrap_or_else(|e| panic!("fixture {file}: {e}"))
}

fn fixture_json(file: &str) -> Value {
    serde_json::from_slice(&fixture(file)).unwrap_or_else(|e| panic!("fixture {file} is not JSON: {e}"))
}

/// A recorded exchange, from `NAME.request.txt` and its body file.
#[derive(Debug, Clone)]
struct Recording {
    name: String,
    path: String,
    params: Vec<(String, String)>,
    request_headers: Vec<(String, String)>,
    status: u16,
    content_type: Option<String>,
    body: Vec<u8>,
}

impl Recording {
    fn load(name: &str) -> Recording {
        let text = String::from_utf8(fixture(&format!("{name}.request.txt"))).expect("request.txt is UTF-8");
        let url = text
            .lines()
            .filter(|l| l.contains("GET "))
            .flat_map(|l| l.split_whitespace())
            .find(|t| t.starts_with("http://") || t.starts_with("ws://"))
            .unwrap_or_else(|| panic!("{name}.request.txt names no URL"));
        let url = reqwest::Url::parse(url).unwrap();
        let mut rec = Recording {
            name: name.to_string(),
            path: url.path().to_string(),
            params: url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            request_headers: Vec::new(),
            status: 0,
            content_type: None,
            body: Vec::new(),
        };
        #[derive(PartialEq)]
        enum Section {
            Other,
            RequestHeaders,
            ResponseHeaders,
        }
        let mut section = Section::Other;
        for line in text.lines() {
            if let Some(kv) = line.strip_prefix("  ") {
                if let Some((k, v)) = kv.split_once(": ") {
                    match section {
                        Section::RequestHeaders => rec.request_headers.push((k.to_string(), v.to_string())),
                        Section::ResponseHeaders if k.eq_ignore_ascii_case("content-type") => {
                            rec.content_type = Some(v.to_string())
                        }
                        _ => {}
                    }
                }
                continue;
            }
            section = match line {
                "request headers:" => Section::RequestHeaders,
                "response headers:" => Section::ResponseHeaders,
                _ => Section::Other,
            };
            if let Some(s) = line.strip_prefix("response status: ") {
                rec.status = s.trim().parse().unwrap();
            }
            if let Some(rest) = line.strip_prefix("response body: ") {
                let file = rest.split_whitespace().next().unwrap();
                rec.body = fixture(file);
            }
        }
        rec
    }

    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{} was recorded without `{name}`", self.name))
    }

    fn ns(&self, name: &str) -> i64 {
        self.param(name).parse().unwrap_or_else(|e| panic!("{}: `{name}` is not nanoseconds: {e}", self.name))
    }

    /// The query the client must send to reproduce this recording.
    fn range_query(&self) -> RangeQuery {
        let opt = |name: &str| self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        RangeQuery {
            expr: self.param("query").to_string(),
            start_ns: self.ns("start"),
            end_ns: self.ns("end"),
            limit: opt("limit").map_or(100, |l| l.parse().unwrap()),
            direction: match opt("direction") {
                Some("forward") => Direction::Forward,
                _ => Direction::Backward,
            },
            step: opt("step").map(|s| match s.parse::<u64>() {
                Ok(secs) => Duration::from_secs(secs),
                Err(_) => humantime::parse_duration(s).unwrap(),
            }),
        }
    }

    /// The recorded body as JSON, the oracle for expected values.
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{} body is not JSON: {e}", self.name))
    }

    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

/// Every recording in the fixture folder (the tail session is not an HTTP exchange).
fn recordings() -> Vec<Recording> {
    let mut names: Vec<String> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .filter_map(|e| e.unwrap().file_name().into_string().ok()?.strip_suffix(".request.txt").map(String::from))
        .filter(|n| n != "tail")
        .collect();
    names.sort();
    names.iter().map(|n| Recording::load(n)).collect()
}

fn labels_of(v: &Value) -> Labels {
    v.as_object()
        .expect("labels are an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("label values are strings").to_string()))
        .collect()
}

/// One log line as Loki's JSON has it: (ns, stream labels, line, categorized fields).
type Line = (i64, Labels, String, Option<Labels>);

/// Every value of every stream of a streams result (or tail frame), in the order sent.
fn lines_of(streams: &Value) -> Vec<Line> {
    let mut out = Vec::new();
    for s in streams.as_array().expect("streams are an array") {
        for v in s["values"].as_array().unwrap() {
            let fields = v.get(2).map(|c| {
                let mut f = c.get("parsed").map(labels_of).unwrap_or_default();
                f.extend(c.get("structuredMetadata").map(labels_of).unwrap_or_default());
                f
            });
            out.push((
                v[0].as_str().expect("timestamps are strings").parse().unwrap(),
                labels_of(&s["stream"]),
                v[1].as_str().unwrap().to_string(),
                fields,
            ));
        }
    }
    out
}

fn line_of(e: &LogEntry) -> Line {
    (e.ts_ns, (*e.labels).clone(), e.line.clone(), e.fields.as_deref().cloned())
}

fn sorted(mut v: Vec<Line>) -> Vec<Line> {
    v.sort();
    v
}

fn streams(r: LokiResult) -> Vec<LogEntry> {
    match r {
        LokiResult::Streams(e) => e,
        other => panic!("expected streams, got {other:?}"),
    }
}

/// Loki's wire form of a sample value.
fn wire_value(v: &Value) -> f64 {
    match v.as_str().expect("sample values are strings") {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        s => s.parse().unwrap(),
    }
}

// ---------------------------------------------------------------------------------------------------
// Servers

/// One request as the server saw it.
#[derive(Debug, Clone)]
struct Seen {
    path: String,
    params: Vec<(String, String)>,
    headers: HeaderMap,
}

impl Seen {
    fn of(uri: &Uri, headers: &HeaderMap) -> Seen {
        let url = reqwest::Url::parse(&format!("http://server{uri}")).unwrap();
        Seen {
            path: uri.path().to_string(),
            params: url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect(),
            headers: headers.clone(),
        }
    }

    fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.params.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }

    /// A parameter that must be a nanosecond integer.
    fn ns(&self, name: &str) -> i64 {
        let v = self.param(name).unwrap_or_else(|| panic!("no `{name}` in {self:?}"));
        assert!(v.bytes().all(|b| b.is_ascii_digit()), "`{name}` = `{v}` is not a nanosecond integer");
        v.parse().unwrap()
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}")
}

fn respond(status: u16, content_type: Option<&str>, body: Vec<u8>) -> Response {
    let mut b = Response::builder().status(status);
    if let Some(ct) = content_type {
        b = b.header("content-type", ct);
    }
    b.body(Body::from(body)).unwrap()
}

/// The replaying Loki.
struct Replay {
    recordings: Vec<Recording>,
    not_found: Recording,
    seen: Mutex<Vec<Seen>>,
}

impl Replay {
    fn find(&self, s: &Seen) -> &Recording {
        self.recordings
            .iter()
            .filter(|r| r.path == s.path && r.status != 0)
            .filter(|r| r.params.iter().filter(|(k, _)| k == "query" || k == "match[]").all(|p| s.params.contains(p)))
            .filter(|r| r.request_headers.iter().all(|(k, v)| s.header(k) == Some(v.as_str())))
            .max_by_key(|r| {
                let same = r.params.iter().filter(|p| s.params.contains(p)).count() + r.request_headers.len();
                (same, std::cmp::Reverse(r.name.clone()))
            })
            .unwrap_or(&self.not_found)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// The one request made to `path`.
    fn only(&self, path: &str) -> Seen {
        let seen: Vec<Seen> = self.seen().into_iter().filter(|s| s.path == path).collect();
        assert_eq!(seen.len(), 1, "requests to {path}: {seen:?}");
        seen.into_iter().next().unwrap()
    }
}

async fn replay_handler(State(r): State<Arc<Replay>>, uri: Uri, headers: HeaderMap) -> Response {
    let seen = Seen::of(&uri, &headers);
    let rec = r.find(&seen);
    let resp = respond(rec.status, rec.content_type.as_deref(), rec.body.clone());
    r.seen.lock().unwrap().push(seen);
    resp
}

/// A replaying Loki and a client of it (with the tenant header set).
async fn replay() -> (Arc<Replay>, LokiClient, String) {
    let mut recordings = recordings();
    let nf = recordings.iter().position(|r| r.name == "error_not_found").expect("the 404 recording");
    let not_found = recordings.remove(nf);
    let state = Arc::new(Replay { recordings, not_found, seen: Mutex::new(Vec::new()) });
    let base = serve(Router::new().fallback(replay_handler).with_state(Arc::clone(&state))).await;
    (state, client(&base, &[]), base)
}

fn source(base: &str, extra: &[(&str, &str)]) -> PromSource {
    let mut src = PromSource::new(base);
    src.timeout = Dur(Duration::from_secs(10));
    src.headers.insert("X-Scope-OrgID".into(), TENANT.into());
    for (k, v) in extra {
        src.headers.insert(k.to_string(), v.to_string());
    }
    src
}

fn client(base: &str, extra: &[(&str, &str)]) -> LokiClient {
    LokiClient::new(&source(base, extra)).expect("a valid client")
}

/// A server answering every request with one fixed response.
async fn fixed(status: u16, content_type: &str, body: Vec<u8>) -> LokiClient {
    let ct = content_type.to_string();
    let router = Router::new().fallback(move || {
        let (ct, body) = (ct.clone(), body.clone());
        async move { respond(status, Some(&ct), body) }
    });
    client(&serve(router).await, &[])
}

// ---------------------------------------------------------------------------------------------------
// Log queries

#[tokio::test]
async fn log_streams_merge_oldest_first_keeping_nanoseconds_and_sharing_labels() {
    let (server, client, _) = replay().await;
    let rec = Recording::load("query_range_streams");
    let got = streams(client.query_range(&rec.range_query()).await.unwrap());

    let doc = rec.json();
    let result = &doc["data"]["result"];
    let want = lines_of(result);
    assert_eq!(got.len(), want.len());
    assert!(got.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns), "oldest first across streams");
    assert_eq!(sorted(got.iter().map(line_of).collect()), sorted(want.clone()), "every line, exactly as sent");
    // Loki sent these newest first within each stream and streams by label set: the merge is real.
    assert_ne!(want.iter().map(|l| l.0).collect::<Vec<_>>(), got.iter().map(|e| e.ts_ns).collect::<Vec<_>>());

    // Nanoseconds survive: this timestamp is not representable as an f64.
    let ns: i64 = result[0]["values"][0][0].as_str().unwrap().parse().unwrap();
    assert_ne!(ns as f64 as i64, ns);
    assert!(got.iter().any(|e| e.ts_ns == ns));

    // One Arc per stream, shared by its entries.
    let mut by_ptr: HashMap<*const Labels, &Labels> = HashMap::new();
    for e in &got {
        let prev = by_ptr.insert(Arc::as_ptr(&e.labels), &e.labels);
        assert!(prev.is_none_or(|p| p == &*e.labels));
    }
    assert_eq!(by_ptr.len(), result.as_array().unwrap().len());
    assert!(got.iter().all(|e| e.fields.is_none()), "no categorized fields without the header");

    // What Loki was asked.
    let seen = server.only(loki::QUERY_RANGE);
    assert_eq!(seen.param("query"), Some(rec.param("query")));
    assert_eq!(seen.ns("start"), rec.ns("start"));
    assert_eq!(seen.ns("end"), rec.ns("end"));
    assert_eq!(seen.param("limit"), Some("20"));
    assert_eq!(seen.param("direction"), Some("backward"));
    assert_eq!(seen.param("step"), None, "no step on a log query");
}

#[tokio::test]
async fn forward_and_backward_queries_both_come_oldest_first() {
    let (server, client, _) = replay().await;
    for name in ["query_range_streams_filter_json", "query_range_streams_rfc3339"] {
        let rec = Recording::load(name);
        let q = if name.ends_with("rfc3339") {
            // Recorded with RFC 3339 times; this client always sends nanoseconds (the same lines are served).
            RangeQuery {
                expr: rec.param("query").to_string(),
                start_ns: 1_795_340_915_000_000_000,
                end_ns: 1_795_344_516_000_000_000,
                limit: 3,
                direction: Direction::Backward,
                step: None,
            }
        } else {
            rec.range_query()
        };
        let got = streams(client.query_range(&q).await.unwrap());
        let want = lines_of(&rec.json()["data"]["result"]);
        assert_eq!(got.len(), want.len(), "{name}");
        assert!(got.windows(2).all(|w| w[0].ts_ns < w[1].ts_ns), "{name}: oldest first");
        assert_eq!(sorted(got.iter().map(line_of).collect()), sorted(want), "{name}");
    }
    let seen: Vec<Seen> = server.seen();
    assert_eq!(seen[0].param("direction"), Some("forward"));
    assert_eq!(seen[0].param("limit"), Some("5"));
    assert_eq!(seen[1].param("direction"), Some("backward"));
    assert_eq!(seen[1].ns("start"), 1_795_340_915_000_000_000);
}

#[tokio::test]
async fn categorized_labels_split_indexed_labels_from_fields() {
    let (server, _, base) = replay().await;
    let client = client(&base, &[("X-Loki-Response-Encoding-Flags", "categorize-labels")]);
    for name in ["query_range_streams_categorized", "query_range_streams_categorized_web"] {
        let rec = Recording::load(name);
        let got = streams(client.query_range(&rec.range_query()).await.unwrap());
        let want = lines_of(&rec.json()["data"]["result"]);
        assert!(want.iter().all(|l| l.3.is_some()), "{name} is categorized");
        assert_eq!(sorted(got.iter().map(line_of).collect()), sorted(want), "{name}");
        for e in &got {
            assert!(!e.labels.contains_key("trace_id") && !e.labels.contains_key("detected_level"), "indexed only");
            let f = e.fields.as_deref().expect("fields");
            assert!(f.contains_key("detected_level"), "structured metadata in fields: {f:?}");
        }
        if name == "query_range_streams_categorized" {
            let f = got[0].fields.as_deref().unwrap();
            assert!(f.contains_key("trace_id") && f.contains_key("msg") && f.contains_key("level_extracted"));
        }
    }
    for s in server.seen() {
        assert_eq!(s.header("x-loki-response-encoding-flags"), Some("categorize-labels"));
    }
}

#[tokio::test]
async fn an_empty_log_result_is_empty() {
    let (_, client, _) = replay().await;
    let q = Recording::load("query_range_streams_empty").range_query();
    assert_eq!(client.query_range(&q).await.unwrap(), LokiResult::Streams(Vec::new()));
}

// ---------------------------------------------------------------------------------------------------
// Metric queries

#[tokio::test]
async fn metric_range_queries_decode_including_rate_and_empty() {
    let (server, client, _) = replay().await;
    for name in ["query_range_matrix", "query_range_matrix_rate", "query_range_matrix_default_step"] {
        let rec = Recording::load(name);
        let LokiResult::Matrix(series) = client.query_range(&rec.range_query()).await.unwrap() else {
            panic!("{name}: not a matrix")
        };
        let doc = rec.json();
        let want = doc["data"]["result"].as_array().unwrap();
        assert_eq!(series.len(), want.len(), "{name}");
        for (s, w) in series.iter().zip(want) {
            assert_eq!(s.labels, labels_of(&w["metric"]), "{name}");
            let points: Vec<(f64, f64)> =
                w["values"].as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), wire_value(&p[1]))).collect();
            assert_eq!(s.points, points, "{name}");
        }
    }
    let rate = &server.seen()[1];
    assert_eq!(rate.param("step"), Some("120"), "2m goes as seconds");
    assert_eq!(server.seen()[0].param("step"), Some("60"));
    assert_eq!(server.seen()[2].param("step"), None, "Loki picks the step when unset");

    let empty = Recording::load("query_range_matrix_empty").range_query();
    assert_eq!(client.query_range(&empty).await.unwrap(), LokiResult::Matrix(Vec::new()));
}

#[tokio::test]
async fn instant_vector_and_scalar_speak_seconds() {
    let (server, client, _) = replay().await;
    let rec = Recording::load("query_instant_vector");
    let LokiResult::Vector(samples) = client.query(rec.param("query"), rec.ns("time"), 100).await.unwrap() else {
        panic!("not a vector")
    };
    let doc = rec.json();
    let want = doc["data"]["result"].as_array().unwrap();
    assert_eq!(samples.len(), want.len());
    for (s, w) in samples.iter().zip(want) {
        assert_eq!(
            (s.labels.clone(), s.t, s.v),
            (labels_of(&w["metric"]), w["value"][0].as_f64().unwrap(), wire_value(&w["value"][1]))
        );
    }

    let rec = Recording::load("query_instant_scalar");
    let got = client.query(rec.param("query"), rec.ns("time"), 100).await.unwrap();
    let result = &rec.json()["data"]["result"];
    let ms = result[0].as_i64().expect("Loki sends the scalar's time as integer milliseconds");
    assert_eq!(got, LokiResult::Scalar { t: ms as f64 / 1000.0, v: wire_value(&result[1]) });
    assert_eq!(got, LokiResult::Scalar { t: samples[0].t, v: 42.0 }, "the same instant as the vector's, in seconds");

    for s in server.seen() {
        assert_eq!(s.path, loki::QUERY);
        assert_eq!(s.ns("time"), 1_795_344_515_082_926_673);
        assert_eq!(s.param("limit"), Some("100"));
    }
}

// ---------------------------------------------------------------------------------------------------
// Labels and series

#[tokio::test]
async fn labels_and_label_values_including_the_answers_without_data() {
    let (server, client, _) = replay().await;
    let strings = |rec: &Recording| -> Vec<String> {
        rec.json()["data"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };

    let rec = Recording::load("labels");
    assert_eq!(client.labels(rec.ns("start"), rec.ns("end")).await.unwrap(), strings(&rec));
    let empty = Recording::load("labels_empty_range");
    assert!(empty.json().get("data").is_none(), "Loki leaves `data` out");
    assert_eq!(client.labels(empty.ns("start"), empty.ns("end")).await.unwrap(), Vec::<String>::new());

    for label in ["app", "level"] {
        let rec = Recording::load(&format!("label_values_{label}"));
        assert_eq!(client.label_values(label, rec.ns("start"), rec.ns("end"), None).await.unwrap(), strings(&rec));
    }
    let rec = Recording::load("label_values_level_filtered");
    let got = client.label_values("level", rec.ns("start"), rec.ns("end"), Some(rec.param("query"))).await.unwrap();
    assert_eq!(got, strings(&rec));
    let rec = Recording::load("label_values_unknown");
    let got = client.label_values("doesnotexist", rec.ns("start"), rec.ns("end"), None).await.unwrap();
    assert_eq!(got, Vec::<String>::new());

    let seen = server.seen();
    assert_eq!(seen[0].path, loki::LABELS);
    assert_eq!((seen[0].ns("start"), seen[0].ns("end")), (1_795_340_915_082_926_673, 1_795_344_515_082_926_673));
    assert_eq!(seen[3].path, "/loki/api/v1/label/level/values");
    assert_eq!(seen[3].param("query"), None);
    assert_eq!(seen[4].param("query"), Some(r#"{app="minimarket-api", env="staging"}"#));

    // A label name is one path segment, percent-encoded.
    let e = client.label_values("a b/c", 1, 2, None).await.unwrap_err();
    assert_eq!(server.seen().last().unwrap().path, "/loki/api/v1/label/a%20b%2Fc/values");
    assert_eq!(e.kind, FetchErrorKind::Http);
}

#[tokio::test]
async fn series_and_a_selector_matching_nothing() {
    let (server, client, _) = replay().await;
    let rec = Recording::load("series");
    let got = client.series(&[rec.param("match[]")], rec.ns("start"), rec.ns("end")).await.unwrap();
    let want: Vec<Labels> = rec.json()["data"].as_array().unwrap().iter().map(labels_of).collect();
    assert_eq!(got, want);

    let rec = Recording::load("series_no_match");
    let got = client.series(&[rec.param("match[]")], rec.ns("start"), rec.ns("end")).await.unwrap();
    assert_eq!(got, Vec::<Labels>::new());

    // Several matchers go as repeated match[].
    let two = [r#"{app="minimarket-api"}"#, r#"{app="minimarket-web"}"#];
    client.series(&two, 1, 2).await.unwrap();
    let seen = server.seen();
    assert!(seen.iter().all(|s| s.path == loki::SERIES));
    assert_eq!(seen[0].all("match[]"), [r#"{app="minimarket-api"}"#]);
    assert_eq!(seen[2].all("match[]"), two);
    assert_eq!((seen[2].ns("start"), seen[2].ns("end")), (1, 2));
}

// ---------------------------------------------------------------------------------------------------
// Errors

#[tokio::test]
async fn logql_errors_come_back_verbatim() {
    let (server, client, _) = replay().await;
    for name in ["error_malformed_logql_query_range", "error_empty_selector"] {
        let rec = Recording::load(name);
        assert_eq!((rec.status, rec.content_type.as_deref()), (400, Some("text/plain; charset=utf-8")));
        let e = client.query_range(&rec.range_query()).await.unwrap_err();
        assert_eq!(e, FetchError { kind: FetchErrorKind::Api, message: rec.text().trim().to_string() }, "{name}");
    }
    for name in ["error_malformed_logql_query", "query_instant_log_query"] {
        let rec = Recording::load(name);
        let e = client.query(rec.param("query"), rec.ns("time"), 3).await.unwrap_err();
        assert_eq!(e, FetchError { kind: FetchErrorKind::Api, message: rec.text().trim().to_string() }, "{name}");
    }
    assert_eq!(server.seen().len(), 4);
    assert_eq!(
        client
            .query_range(&Recording::load("error_malformed_logql_query_range").range_query())
            .await
            .unwrap_err()
            .message,
        "parse error at line 0, col 23: syntax error: unexpected |=, expecting } or ,"
    );

    // A parameter error (not producible by this client, which always sends nanoseconds) reads the same.
    let rec = Recording::load("error_bad_start");
    let e = loki::decode_query(rec.status, &rec.body, "Loki at x").unwrap_err();
    assert_eq!((e.kind, e.message), (FetchErrorKind::Api, rec.text().trim().to_string()));
}

#[tokio::test]
async fn a_url_that_is_not_loki_says_so() {
    let (server, _, base) = replay().await;
    // Pointed at the wrong path prefix: Loki (or whatever is there) answers 404.
    let client = client(&format!("{base}/prometheus"), &[]);
    let e = client.labels(1, 2).await.unwrap_err();
    assert_eq!(server.only("/prometheus/loki/api/v1/labels").ns("start"), 1);
    assert_eq!(e.kind, FetchErrorKind::Http);
    assert!(e.message.contains("404") && e.message.contains("does not look like Loki"), "{}", e.message);
    assert!(e.message.contains("path prefix") && e.message.contains("/prometheus"), "{}", e.message);
    let e = client.query_range(&Recording::load("query_range_streams").range_query()).await.unwrap_err();
    assert!(e.message.contains("does not look like Loki"), "{}", e.message);
}

#[tokio::test]
async fn a_5xx_html_page_is_an_http_error_with_its_title() {
    let html = b"<html><head><title>500 Internal Server Error</title></head><body><h1>oops</h1></body></html>";
    let client = fixed(500, "text/html", html.to_vec()).await;
    let e = client.query_range(&Recording::load("query_range_streams").range_query()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Http);
    assert!(e.message.starts_with("Loki at http://127.0.0.1:"), "{}", e.message);
    assert!(e.message.ends_with("answered HTTP 500: 500 Internal Server Error"), "{}", e.message);
    let e = fixed(502, "text/html", b"<html><title>502 Bad Gateway</title></html>".to_vec()).await.labels(1, 2).await;
    assert_eq!(e.unwrap_err().kind, FetchErrorKind::Http);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_naming_loki() {
    let body = fixture("query_range_streams.json");
    let client = fixed(200, "application/json", body[..body.len() / 2].to_vec()).await;
    let e = client.query_range(&Recording::load("query_range_streams").range_query()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Decode);
    assert!(e.message.contains("Loki") && e.message.contains("not valid Loki API JSON"), "{}", e.message);

    // A timestamp that is not nanoseconds names the value.
    let bad = String::from_utf8(body).unwrap().replacen("1795344492087801300", "1795344492.0878013", 1);
    let client = fixed(200, "application/json", bad.into_bytes()).await;
    let e = client.query_range(&Recording::load("query_range_streams").range_query()).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Decode);
    assert!(e.message.contains("`1795344492.0878013`"), "{}", e.message);
}

#[tokio::test]
async fn the_tenant_and_custom_headers_are_sent_with_every_request() {
    let (server, _, base) = replay().await;
    let client = client(&base, &[("X-Team", "payments")]);
    let q = Recording::load("query_range_streams").range_query();
    client.query_range(&q).await.unwrap();
    client.query("2 * 21", 1_795_344_515_082_926_673, 10).await.unwrap();
    client.labels(1, 2).await.unwrap();
    client.label_values("app", 1, 2, None).await.unwrap();
    client.series(&[r#"{app="minimarket-api"}"#], 1, 2).await.unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 5);
    for s in seen {
        assert_eq!(s.header("x-scope-orgid"), Some(TENANT), "{}", s.path);
        assert_eq!(s.header("x-team"), Some("payments"), "{}", s.path);
        assert!(s.header("user-agent").is_some_and(|u| u.starts_with("centinela/")));
    }
    assert_eq!(client.name(), format!("Loki at {base}/"));
}

// ---------------------------------------------------------------------------------------------------
// Live tail

/// One line of a tail frame: (ns as sent, labels, line).
#[derive(Debug, Clone)]
struct TailLine {
    ts: String,
    labels: Value,
    line: String,
}

impl TailLine {
    fn ns(&self) -> i64 {
        self.ts.parse().unwrap()
    }
}

/// The lines of `tail_frame_{n}.json`, oldest first.
fn frame_lines(n: usize) -> Vec<TailLine> {
    let doc = fixture_json(&format!("tail_frame_{n}.json"));
    assert!(doc.get("dropped_entries").is_none(), "the recorded frames dropped nothing");
    let mut out: Vec<TailLine> = doc["streams"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| {
            s["values"].as_array().unwrap().iter().map(|v| TailLine {
                ts: v[0].as_str().unwrap().to_string(),
                labels: s["stream"].clone(),
                line: v[1].as_str().unwrap().to_string(),
            })
        })
        .collect();
    out.sort_by_key(TailLine::ns);
    out
}

fn frame(n: usize) -> String {
    String::from_utf8(fixture(&format!("tail_frame_{n}.json"))).unwrap()
}

/// A frame holding these lines, one stream each (as Loki's tail sends them).
fn frame_of(lines: &[TailLine]) -> String {
    let streams: Vec<Value> = lines.iter().map(|l| json!({"stream": l.labels, "values": [[l.ts, l.line]]})).collect();
    json!({ "streams": streams }).to_string()
}

/// What one websocket connection does, by connection number (the last repeats).
#[derive(Debug, Clone)]
enum Session {
    /// Answer the upgrade with this HTTP status and body.
    Refuse(u16, &'static str),
    /// Send these text frames, then drop the connection (`true`) or keep it open.
    Frames(Vec<String>, bool),
}

struct TailServer {
    sessions: Vec<Session>,
    /// The lines `query_range` serves; with `reveal_per_poll`, poll N sees frames 1..=N only.
    log: Vec<Vec<TailLine>>,
    reveal_per_poll: bool,
    handshakes: Mutex<Vec<Seen>>,
    polls: Mutex<Vec<Seen>>,
}

impl TailServer {
    fn new(sessions: Vec<Session>) -> TailServer {
        TailServer {
            sessions,
            log: (1..=3).map(frame_lines).collect(),
            reveal_per_poll: false,
            handshakes: Mutex::new(Vec::new()),
            polls: Mutex::new(Vec::new()),
        }
    }

    fn handshakes(&self) -> Vec<Seen> {
        self.handshakes.lock().unwrap().clone()
    }

    fn polls(&self) -> Vec<Seen> {
        self.polls.lock().unwrap().clone()
    }
}

async fn tail_handler(
    State(s): State<Arc<TailServer>>,
    uri: Uri,
    headers: HeaderMap,
    ws: WebSocketUpgrade,
) -> Response {
    let n = {
        let mut h = s.handshakes.lock().unwrap();
        h.push(Seen::of(&uri, &headers));
        h.len() - 1
    };
    match s.sessions[n.min(s.sessions.len() - 1)].clone() {
        Session::Refuse(status, body) => (StatusCode::from_u16(status).unwrap(), body).into_response(),
        Session::Frames(frames, drop_after) => ws.on_upgrade(move |mut socket| async move {
            for f in frames {
                if socket.send(WsMessage::Text(f.into())).await.is_err() {
                    return;
                }
            }
            if !drop_after {
                // Hold the connection (answering pings) until the client goes.
                while let Some(Ok(_)) = socket.recv().await {}
            }
        }),
    }
}

/// `query_range` over the server's lines, as Loki answers it: `start` inclusive, `limit` lines from the
/// end `direction` names, one stream per line.
async fn tail_query_range(State(s): State<Arc<TailServer>>, uri: Uri, headers: HeaderMap) -> Response {
    let seen = Seen::of(&uri, &headers);
    let polls = {
        let mut p = s.polls.lock().unwrap();
        p.push(seen.clone());
        p.len()
    };
    let start = seen.ns("start");
    seen.ns("end");
    let limit: usize = seen.param("limit").unwrap().parse().unwrap();
    let visible = if s.reveal_per_poll { polls.min(s.log.len()) } else { s.log.len() };
    let mut hits: Vec<TailLine> = s.log[..visible].iter().flatten().filter(|l| l.ns() >= start).cloned().collect();
    hits.sort_by_key(TailLine::ns);
    if seen.param("direction") == Some("backward") {
        hits.reverse();
    }
    hits.truncate(limit);
    let result: Vec<Value> = hits.iter().map(|l| json!({"stream": l.labels, "values": [[l.ts, l.line]]})).collect();
    let body = json!({"status": "success", "data": {"resultType": "streams", "result": result}});
    respond(200, Some("application/json"), body.to_string().into_bytes())
}

async fn tail_server(server: TailServer) -> (Arc<TailServer>, LokiClient) {
    let state = Arc::new(server);
    let router = Router::new()
        .route(loki::TAIL, get(tail_handler))
        .route(loki::QUERY_RANGE, get(tail_query_range))
        .with_state(Arc::clone(&state));
    let base = serve(router).await;
    (state, client(&base, &[]))
}

/// The options of the recorded tail session, with test-sized delays.
fn tail_options() -> TailOptions {
    let rec = Recording::load("tail");
    assert_eq!(rec.path, loki::TAIL);
    TailOptions {
        expr: rec.param("query").to_string(),
        start_ns: rec.ns("start"),
        limit: rec.param("limit").parse().unwrap(),
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(50),
        poll_interval: Duration::from_millis(20),
    }
}

fn quick() -> Tuning {
    Tuning { websocket_retry: Duration::from_secs(600), ..Tuning::default() }
}

struct Tail {
    rx: mpsc::Receiver<TailEvent>,
    task: tokio::task::JoinHandle<()>,
}

fn start_tail(client: LokiClient, opts: TailOptions, tuning: Tuning) -> Tail {
    let (tx, rx) = mpsc::channel(64);
    Tail { rx, task: tokio::spawn(loki_tail::run_with(client, opts, tx, tuning)) }
}

impl Tail {
    async fn next(&mut self) -> TailEvent {
        tokio::time::timeout(PATIENCE, self.rx.recv()).await.expect("a tail event in time").expect("the tail ended")
    }

    /// Events until `n` lines have been delivered; returns the lines and every event.
    async fn lines(&mut self, n: usize) -> (Vec<LogEntry>, Vec<TailEvent>) {
        let (mut lines, mut events) = (Vec::new(), Vec::new());
        while lines.len() < n {
            let ev = self.next().await;
            if let TailEvent::Entries { entries, dropped } = &ev {
                assert_eq!(*dropped, 0);
                assert!(!entries.is_empty(), "no empty Entries events");
                assert!(entries.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns), "oldest first in each event");
                lines.extend(entries.iter().cloned());
            }
            events.push(ev);
        }
        (lines, events)
    }

    /// Drop the receiver: the task must end promptly.
    async fn stop(self) {
        drop(self.rx);
        tokio::time::timeout(Duration::from_secs(5), self.task)
            .await
            .expect("run returns promptly once the receiver is gone")
            .unwrap();
    }
}

fn same_lines(got: &[LogEntry], want: &[TailLine]) {
    let got: Vec<(i64, Labels, &str)> = got.iter().map(|e| (e.ts_ns, (*e.labels).clone(), e.line.as_str())).collect();
    let want: Vec<(i64, Labels, &str)> = want.iter().map(|l| (l.ns(), labels_of(&l.labels), l.line.as_str())).collect();
    assert_eq!(got, want);
}

fn all_frames() -> Vec<TailLine> {
    (1..=3).flat_map(frame_lines).collect()
}

/// Wait (bounded) until the server has seen `n` handshakes or polls.
async fn until(what: &str, mut f: impl FnMut() -> bool) {
    tokio::time::timeout(PATIENCE, async {
        while !f() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out waiting for {what}"));
}

#[tokio::test]
async fn tail_frames_are_delivered_in_order() {
    let (server, client) =
        tail_server(TailServer::new(vec![Session::Frames(vec![frame(1), frame(2), frame(3)], false)])).await;
    let mut tail = start_tail(client, tail_options(), quick());
    assert_eq!(tail.next().await, TailEvent::Connected { mode: TailMode::Websocket });
    for n in 1..=3 {
        match tail.next().await {
            TailEvent::Entries { entries, dropped } => {
                assert_eq!(dropped, 0);
                same_lines(&entries, &frame_lines(n));
            }
            other => panic!("frame {n}: {other:?}"),
        }
    }
    let hs = server.handshakes();
    assert_eq!(hs.len(), 1);
    let rec = Recording::load("tail");
    assert_eq!(hs[0].param("query"), Some(rec.param("query")));
    assert_eq!(hs[0].ns("start"), rec.ns("start"));
    assert_eq!(hs[0].param("limit"), Some("5"));
    assert_eq!(hs[0].param("delay_for"), Some("0"));
    assert_eq!(hs[0].header("x-scope-orgid"), Some(TENANT), "the tenant goes with the handshake");
    tail.stop().await;
}

#[tokio::test]
async fn dropped_entries_are_counted() {
    // Loki lists what it dropped for a slow reader next to the frame's streams.
    let mut with_drops = fixture_json("tail_frame_2.json");
    let lost = frame_lines(1);
    with_drops["dropped_entries"] =
        lost[..2].iter().map(|l| json!({"labels": l.labels, "timestamp": l.ts})).collect::<Vec<_>>().into();
    let only_drops = json!({"streams": [], "dropped_entries": [{"labels": lost[2].labels, "timestamp": lost[2].ts}]});
    let frames = vec![with_drops.to_string(), only_drops.to_string(), frame(3)];
    let (_, client) = tail_server(TailServer::new(vec![Session::Frames(frames, false)])).await;
    let mut tail = start_tail(client, tail_options(), quick());
    assert_eq!(tail.next().await, TailEvent::Connected { mode: TailMode::Websocket });
    match tail.next().await {
        TailEvent::Entries { entries, dropped } => {
            same_lines(&entries, &frame_lines(2));
            assert_eq!(dropped, 2);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(tail.next().await, TailEvent::Entries { entries: Vec::new(), dropped: 1 });
    match tail.next().await {
        TailEvent::Entries { entries, dropped } => {
            same_lines(&entries, &frame_lines(3));
            assert_eq!(dropped, 0);
        }
        other => panic!("{other:?}"),
    }
    tail.stop().await;
}

#[tokio::test]
async fn a_dropped_tail_resumes_from_the_last_line_without_repeating_it() {
    let boundary = frame_lines(2);
    // The second connection's backlog starts at the resume point, so it repeats frame 2's line.
    let backlog = frame_of(&[boundary.clone(), frame_lines(3)].concat());
    let sessions = vec![Session::Frames(vec![frame(1), frame(2)], true), Session::Frames(vec![backlog], false)];
    let (server, client) = tail_server(TailServer::new(sessions)).await;
    let mut tail = start_tail(client, tail_options(), quick());
    let (lines, events) = tail.lines(7).await;
    same_lines(&lines, &all_frames());

    assert!(matches!(events[0], TailEvent::Connected { mode: TailMode::Websocket }));
    let lost = events.iter().position(|e| matches!(e, TailEvent::Disconnected { .. })).expect("a disconnection");
    let TailEvent::Disconnected { error, retry_in } = &events[lost] else { unreachable!() };
    assert_eq!(error.kind, FetchErrorKind::Connect, "{error:?}");
    assert!(error.message.contains("Loki at http://127.0.0.1:"), "{}", error.message);
    assert!(*retry_in <= Duration::from_millis(20), "{retry_in:?}");
    assert_eq!(events[lost + 1], TailEvent::Connected { mode: TailMode::Websocket });
    match &events[lost + 2] {
        TailEvent::Entries { entries, .. } => same_lines(entries, &frame_lines(3)),
        other => panic!("{other:?}"),
    }

    let hs = server.handshakes();
    assert_eq!(hs.len(), 2);
    assert_eq!(hs[1].ns("start"), boundary[0].ns(), "resumes at the last line delivered");
    assert_eq!(hs[1].header("x-scope-orgid"), Some(TENANT));
    assert!(server.polls().is_empty(), "no hole to fill");
    tail.stop().await;
}

#[tokio::test]
async fn a_resumed_backlog_that_skips_lines_is_completed_from_query_range() {
    // The second backlog holds only frame 3 (as when more than `limit` lines came while away): the
    // lines in between are read with query_range before frame 3 is delivered.
    let sessions = vec![Session::Frames(vec![frame(1)], true), Session::Frames(vec![frame(3)], false)];
    let (server, client) = tail_server(TailServer::new(sessions)).await;
    let mut tail = start_tail(client, tail_options(), quick());
    let (lines, _) = tail.lines(7).await;
    same_lines(&lines, &all_frames());

    let polls = server.polls();
    assert_eq!(polls.len(), 1);
    let last_of_1 = frame_lines(1).last().unwrap().ns();
    assert_eq!(polls[0].ns("start"), last_of_1);
    assert_eq!(polls[0].ns("end"), frame_lines(3)[0].ns() + 1);
    assert_eq!(polls[0].param("direction"), Some("forward"));
    assert_eq!(polls[0].header("x-scope-orgid"), Some(TENANT));
    tail.stop().await;
}

async fn falls_back_to_polling_when_the_upgrade_is_refused(status: u16, body: &'static str) {
    let mut ts = TailServer::new(vec![Session::Refuse(status, body)]);
    ts.reveal_per_poll = true;
    let (server, client) = tail_server(ts).await;
    let opts = tail_options();
    let mut tail = start_tail(client, opts.clone(), quick());
    match tail.next().await {
        TailEvent::Connected { mode: TailMode::Polling { reason } } => {
            assert!(reason.contains(&format!("HTTP {status}")), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    let (lines, events) = tail.lines(7).await;
    same_lines(&lines, &all_frames());
    assert!(events.iter().all(|e| matches!(e, TailEvent::Entries { .. })), "{events:?}");

    // Once the server has answered a poll with nothing new and seen the next, nothing more is pending.
    until("two more polls", || server.polls().len() >= 5).await;
    while let Ok(ev) = tail.rx.try_recv() {
        assert!(!matches!(ev, TailEvent::Entries { .. }), "a line delivered twice: {ev:?}");
    }

    let polls = server.polls();
    assert_eq!(polls[0].param("direction"), Some("backward"), "the first poll reads the backlog");
    assert_eq!(polls[0].ns("start"), opts.start_ns);
    let starts: Vec<i64> = polls.iter().map(|p| p.ns("start")).collect();
    assert_eq!(starts[1], frame_lines(1).last().unwrap().ns());
    assert_eq!(starts[2], frame_lines(2)[0].ns());
    assert!(starts[..3].windows(2).all(|w| w[0] < w[1]), "start advances: {starts:?}");
    assert_eq!(starts[3], frame_lines(3)[0].ns());
    for p in &polls[1..] {
        assert_eq!(p.param("direction"), Some("forward"));
        assert_eq!(p.param("limit"), Some("5"));
        assert!(p.ns("end") >= p.ns("start"));
        assert_eq!(p.header("x-scope-orgid"), Some(TENANT));
    }
    assert_eq!(server.handshakes().len(), 1, "the websocket is not retried at once");
    tail.stop().await;
}

#[tokio::test]
async fn a_404_to_the_upgrade_switches_to_polling() {
    falls_back_to_polling_when_the_upgrade_is_refused(404, "404 page not found").await;
}

#[tokio::test]
async fn a_400_to_the_upgrade_switches_to_polling() {
    falls_back_to_polling_when_the_upgrade_is_refused(400, "<html><title>400 Bad Request</title></html>").await;
}

#[tokio::test]
async fn polling_goes_back_to_the_websocket_when_it_works_again() {
    let sessions = vec![
        Session::Refuse(502, "<html><title>502 Bad Gateway</title></html>"),
        Session::Frames(vec![frame(2)], false),
    ];
    let mut ts = TailServer::new(sessions);
    ts.log = vec![frame_lines(1)];
    let (server, client) = tail_server(ts).await;
    let tuning = Tuning { websocket_retry: Duration::from_millis(100), ..Tuning::default() };
    let mut tail = start_tail(client, tail_options(), tuning);
    let (lines, events) = tail.lines(6).await;
    same_lines(&lines, &[frame_lines(1), frame_lines(2)].concat());
    assert!(
        matches!(&events[0], TailEvent::Connected { mode: TailMode::Polling { reason } } if reason.contains("502"))
    );
    assert!(events.contains(&TailEvent::Connected { mode: TailMode::Websocket }), "{events:?}");
    let hs = server.handshakes();
    assert_eq!(hs.len(), 2);
    assert_eq!(hs[1].ns("start"), frame_lines(1).last().unwrap().ns(), "resumes where polling stopped");
    tail.stop().await;
}

#[tokio::test]
async fn a_refused_connection_backs_off_instead_of_polling() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = client(&format!("http://127.0.0.1:{port}"), &[]);
    let opts = TailOptions {
        backoff_min: Duration::from_millis(20),
        backoff_max: Duration::from_millis(80),
        ..tail_options()
    };
    let mut tail = start_tail(client, opts, quick());
    let mut delays = Vec::new();
    for _ in 0..4 {
        match tail.next().await {
            TailEvent::Disconnected { error, retry_in } => {
                assert_eq!(error.kind, FetchErrorKind::Connect, "{error:?}");
                assert!(error.message.contains("unreachable"), "{}", error.message);
                delays.push(retry_in.as_millis());
            }
            other => panic!("no polling for a backend that is down: {other:?}"),
        }
    }
    // 20, 40, 80, 80 ms, each minus at most 10 % jitter.
    for (d, want) in delays.iter().zip([20u128, 40, 80, 80]) {
        assert!(*d <= want && *d >= want * 9 / 10 - 1, "{delays:?}");
    }
    tail.stop().await;
}

#[tokio::test]
async fn an_undecodable_frame_is_a_decode_error_then_a_reconnection() {
    let sessions = vec![
        Session::Frames(vec!["{\"streams\":[{\"stream\":{},\"values\":[[\"soon\",\"x\"]]}]}".into()], false),
        Session::Frames(vec![frame(1)], false),
    ];
    let (server, client) = tail_server(TailServer::new(sessions)).await;
    let mut tail = start_tail(client, tail_options(), quick());
    assert_eq!(tail.next().await, TailEvent::Connected { mode: TailMode::Websocket });
    match tail.next().await {
        TailEvent::Disconnected { error, .. } => {
            assert_eq!(error.kind, FetchErrorKind::Decode);
            assert!(error.message.contains("Loki at") && error.message.contains("`soon`"), "{}", error.message);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(tail.next().await, TailEvent::Connected { mode: TailMode::Websocket });
    let (lines, _) = tail.lines(5).await;
    same_lines(&lines, &frame_lines(1));
    assert_eq!(server.handshakes()[1].ns("start"), tail_options().start_ns, "nothing was delivered before");
    tail.stop().await;
}

#[tokio::test]
async fn run_returns_when_the_receiver_is_dropped_wherever_it_waits() {
    // On an open, quiet socket.
    let (_, client) = tail_server(TailServer::new(vec![Session::Frames(Vec::new(), false)])).await;
    let mut tail = start_tail(client, tail_options(), quick());
    assert_eq!(tail.next().await, TailEvent::Connected { mode: TailMode::Websocket });
    tail.stop().await;

    // In a long backoff.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let opts =
        TailOptions { backoff_min: Duration::from_secs(600), backoff_max: Duration::from_secs(600), ..tail_options() };
    let mut tail = start_tail(client_for_port(port), opts, quick());
    assert!(matches!(tail.next().await, TailEvent::Disconnected { .. }));
    tail.stop().await;

    // Between polls.
    let (_, client) = tail_server(TailServer::new(vec![Session::Refuse(404, "404 page not found")])).await;
    let opts = TailOptions { poll_interval: Duration::from_secs(600), ..tail_options() };
    let mut tail = start_tail(client, opts, quick());
    assert!(matches!(tail.next().await, TailEvent::Connected { mode: TailMode::Polling { .. } }));
    assert!(matches!(tail.next().await, TailEvent::Entries { .. }));
    tail.stop().await;

    // In a handshake the server never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (accepted_tx, accepted) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (socket, _) = listener.accept().await.unwrap();
        let _ = accepted_tx.send(());
        tokio::time::sleep(Duration::from_secs(600)).await;
        drop(socket);
    });
    let tail = start_tail(client_for_port(port), tail_options(), quick());
    tokio::time::timeout(PATIENCE, accepted).await.unwrap().unwrap();
    tail.stop().await;
}

fn client_for_port(port: u16) -> LokiClient {
    let mut src = source(&format!("http://127.0.0.1:{port}"), &[]);
    src.timeout = Dur(Duration::from_secs(600));
    LokiClient::new(&src).unwrap()
}
