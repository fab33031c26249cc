//! Contract tests of the real [`PromClient`] against what a real Prometheus sends.
//!
//! The bodies in `tests/fixtures/prometheus/` were recorded from Prometheus 2.42 by
//! `scripts/record-prometheus-fixtures.sh` (see the README there) and are served verbatim, with their
//! recorded status codes, by `wiremock`; the mocks only answer the requests the client must send (form
//! POSTs with the right fields, a GET for buildinfo). Expected values are read from the same files, so a
//! re-recording keeps the tests valid. The second half injects faults (refused and hung connections, slow
//! and oversized bodies, broken JSON, HTML error pages) and checks each comes back as the right
//! [`FetchErrorKind`] with a message that names the problem.

use centinela::action::{FetchError, FetchErrorKind};
use centinela::config::{Dur, PromSource};
use centinela::sources::prometheus::{Labels, PromClient, QueryData, RangeParams};
use serde_json::Value;
use std::collections::BTreeMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{header, method, path};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

const QUERY: &str = "/api/v1/query";
const QUERY_RANGE: &str = "/api/v1/query_range";
const BUILDINFO: &str = "/api/v1/status/buildinfo";
const QUERY_FIELDS: &[&str] = &["query", "time"];
const RANGE_FIELDS: &[&str] = &["query", "start", "end", "step"];

/// No request in these tests may take longer than this, whatever the fault.
const HANG_LIMIT: Duration = Duration::from_secs(15);

// ---------------------------------------------------------------------------------------------------
// Fixtures

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/prometheus")
}

/// A recorded response: HTTP status and the body exactly as Prometheus sent it.
fn fixture(name: &str) -> (u16, Vec<u8>) {
    let dir = fixture_dir();
    let body = std::fs::read(dir.join(format!("{name}.json")))
        .unwrap_or_else(|e| panic!("fixture {name}.json: {e}; run scripts/record-prometheus-fixtures.sh"));
    let status = std::fs::read_to_string(dir.join(format!("{name}.status")))
        .unwrap_or_else(|e| panic!("fixture {name}.status: {e}"))
        .trim()
        .parse()
        .unwrap_or_else(|e| panic!("fixture {name}.status is not a status code: {e}"));
    (status, body)
}

/// The recorded body parsed independently of the client, as the oracle for expected values.
fn fixture_json(name: &str) -> Value {
    serde_json::from_slice(&fixture(name).1).unwrap_or_else(|e| panic!("fixture {name}.json is not JSON: {e}"))
}

fn labels_of(metric: &Value) -> Labels {
    metric
        .as_object()
        .expect("metric is an object")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("label values are strings").to_string()))
        .collect()
}

/// Prometheus's wire form of a sample value, parsed by the API's documented rules.
fn wire_value(v: &Value) -> f64 {
    match v.as_str().expect("sample values are strings") {
        "NaN" => f64::NAN,
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        s => s.parse().unwrap_or_else(|e| panic!("sample value `{s}`: {e}")),
    }
}

/// Equal as Prometheus values: NaN equals NaN.
fn same_value(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a == b
}

/// `(labels, points)` for every series of a recorded matrix.
fn expected_matrix(doc: &Value) -> Vec<(Labels, Vec<(f64, f64)>)> {
    assert_eq!(doc["data"]["resultType"], "matrix");
    doc["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let points =
                s["values"].as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), wire_value(&p[1]))).collect();
            (labels_of(&s["metric"]), points)
        })
        .collect()
}

/// `(labels, t, v)` for every sample of a recorded vector.
fn expected_vector(doc: &Value) -> Vec<(Labels, f64, f64)> {
    assert_eq!(doc["data"]["resultType"], "vector");
    doc["data"]["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (labels_of(&s["metric"]), s["value"][0].as_f64().unwrap(), wire_value(&s["value"][1])))
        .collect()
}

/// The evaluation time of a recorded instant query (the timestamp of its result).
fn eval_time(doc: &Value) -> f64 {
    let r = &doc["data"]["result"];
    let t = if doc["data"]["resultType"] == "vector" { &r[0]["value"][0] } else { &r[0] };
    t.as_f64().expect("a timestamp")
}

/// The range a recorded matrix covers, with its step (from the first series' timestamps).
fn range_of(doc: &Value) -> RangeParams {
    let ts: Vec<i64> =
        doc["data"]["result"][0]["values"].as_array().unwrap().iter().map(|p| p[0].as_f64().unwrap() as i64).collect();
    assert!(ts.len() >= 2, "the recorded matrix needs two points");
    RangeParams { start: ts[0], end: *ts.last().unwrap(), step: ts[1] - ts[0] }
}

// ---------------------------------------------------------------------------------------------------
// Request checks

/// Decode an `application/x-www-form-urlencoded` body; a key sent twice fails the test.
fn form(body: &[u8]) -> BTreeMap<String, String> {
    fn unescape(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::with_capacity(b.len());
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
                    let byte = hex.and_then(|h| u8::from_str_radix(h, 16).ok()).expect("a valid %XX escape");
                    out.push(byte);
                    i += 2;
                }
                c => out.push(c),
            }
            i += 1;
        }
        String::from_utf8(out).expect("form values are UTF-8")
    }
    let text = std::str::from_utf8(body).expect("the form body is ASCII");
    let mut fields = BTreeMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = unescape(k);
        assert!(fields.insert(k.clone(), unescape(v)).is_none(), "form field `{k}` sent twice: {text}");
    }
    fields
}

/// Matches a form-encoded POST carrying at least these fields.
struct FormWith(&'static [&'static str]);

impl Match for FormWith {
    fn matches(&self, req: &Request) -> bool {
        let ct = req.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        if !ct.starts_with("application/x-www-form-urlencoded") || std::str::from_utf8(&req.body).is_err() {
            return false;
        }
        let f = form(&req.body);
        self.0.iter().all(|k| f.contains_key(*k))
    }
}

fn fields_for(route: &str) -> &'static [&'static str] {
    if route.ends_with("query_range") {
        RANGE_FIELDS
    } else {
        QUERY_FIELDS
    }
}

/// Serve a recorded response at `route` (a path ending in `/api/v1/query` or `/api/v1/query_range`)
/// to form POSTs carrying the fields the API needs, once.
async fn serve_post(server: &MockServer, route: &str, name: &str) {
    let (status, body) = fixture(name);
    Mock::given(method("POST"))
        .and(path(route))
        .and(FormWith(fields_for(route)))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(server)
        .await;
}

/// Serve `body` with `status` and `content_type` to any form POST at `route`, once.
async fn serve_raw_post(server: &MockServer, route: &str, status: u16, body: Vec<u8>, content_type: &str) {
    Mock::given(method("POST"))
        .and(path(route))
        .and(FormWith(fields_for(route)))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
        .expect(1)
        .mount(server)
        .await;
}

/// The one request the server received, with its form decoded.
async fn only_request(server: &MockServer) -> (Request, BTreeMap<String, String>) {
    let mut reqs = server.received_requests().await.expect("request recording is on");
    assert_eq!(reqs.len(), 1, "expected exactly one request, got {reqs:#?}");
    let req = reqs.remove(0);
    let f = if req.method.as_str() == "POST" { form(&req.body) } else { BTreeMap::new() };
    (req, f)
}

// ---------------------------------------------------------------------------------------------------
// Clients

fn client(url: &str) -> PromClient {
    client_with(url, |_| {})
}

fn client_with(url: &str, tweak: impl FnOnce(&mut PromSource)) -> PromClient {
    let mut src = PromSource::new(url);
    tweak(&mut src);
    PromClient::new(&src).expect("a valid source")
}

/// Run `fut`, failing the test if it takes longer than [`HANG_LIMIT`]; returns its output and duration.
async fn bounded<T>(fut: impl Future<Output = T>) -> (T, Duration) {
    let t0 = Instant::now();
    let out = tokio::time::timeout(HANG_LIMIT, fut).await.expect("the request hung past every timeout");
    (out, t0.elapsed())
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

/// An instant query of `up` at an arbitrary time, for the fault tests.
async fn query_up(c: &PromClient) -> Result<QueryData, FetchError> {
    c.query("up", 1_700_000_000.0).await
}

// ---------------------------------------------------------------------------------------------------
// Raw TCP servers, for faults wiremock cannot produce

/// A loopback HTTP server that hands every accepted connection to `serve`. Returns its base URL.
async fn raw_server<F, Fut>(serve: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(serve(s));
        }
    });
    url
}

/// Read one whole request (head and Content-Length body), so closing the socket later is a clean FIN
/// rather than a reset over unread bytes.
async fn read_request(s: &mut TcpStream) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            return buf;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.unwrap_or(0);
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf
}

/// A valid matrix body of exactly `len` bytes (padded with JSON whitespace) and its number of points.
fn matrix_body(len: usize) -> (Vec<u8>, usize) {
    use std::fmt::Write;
    let mut s = String::from(
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"big"},"values":["#,
    );
    let tail = "]}]}}";
    let mut points = 0;
    while s.len() + tail.len() + 32 < len {
        if points > 0 {
            s.push(',');
        }
        write!(s, "[{},\"{points}\"]", 1_700_000_000 + points).unwrap();
        points += 1;
    }
    s.push_str(tail);
    assert!(s.len() <= len);
    let pad = len - s.len();
    s.extend(std::iter::repeat_n(' ', pad));
    (s.into_bytes(), points)
}

// ===================================================================================================
// The contract: recorded responses decode to what Prometheus meant

#[tokio::test]
async fn instant_vector_decodes_labels_time_and_value() {
    let doc = fixture_json("instant_vector");
    let server = MockServer::start().await;
    serve_post(&server, QUERY, "instant_vector").await;
    let t = eval_time(&doc);

    let got = client(&server.uri()).query("up", t).await.expect("the recorded answer decodes");

    let QueryData::Vector { samples } = got else { panic!("a vector, got {got:?}") };
    let want = expected_vector(&doc);
    assert_eq!(samples.len(), want.len());
    assert!(!samples.is_empty(), "the recording holds the self-scrape's `up`");
    for (s, (labels, t, v)) in samples.iter().zip(&want) {
        assert_eq!(&s.labels, labels);
        assert_eq!(s.t, *t);
        assert_eq!(s.v, *v);
    }
    assert_eq!(samples[0].labels["__name__"], "up");
    assert_eq!(samples[0].labels["job"], "prometheus");
    assert_eq!(samples[0].v, 1.0);

    let (req, f) = only_request(&server).await;
    assert_eq!(f["query"], "up");
    assert_eq!(f["time"].parse::<f64>().unwrap(), t, "time is sent as unix seconds: {:?}", f["time"]);
    assert_eq!(f.len(), 2, "only query and time are sent: {f:?}");
    let ua = req.headers.get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(ua.starts_with("centinela/"), "user agent {ua:?}");
}

#[tokio::test]
async fn range_matrix_keeps_every_series_and_point() {
    let doc = fixture_json("range_matrix");
    let server = MockServer::start().await;
    serve_post(&server, QUERY_RANGE, "range_matrix").await;
    let r = range_of(&doc);
    let expr = "rate(prometheus_http_requests_total[1m])";

    let got = client(&server.uri()).query_range(expr, r).await.expect("the recorded answer decodes");

    let QueryData::Matrix { series } = got else { panic!("a matrix, got {got:?}") };
    let want = expected_matrix(&doc);
    assert_eq!(series.len(), want.len(), "one series per handler and code");
    assert!(series.len() >= 2, "the recording holds several handlers");
    for (s, (labels, points)) in series.iter().zip(&want) {
        assert_eq!(&s.labels, labels);
        assert_eq!(s.labels["job"], "prometheus");
        assert!(s.labels.contains_key("handler") && s.labels.contains_key("code"), "{:?}", s.labels);
        assert_eq!(s.points.len(), points.len(), "every point of {:?}", s.labels);
        for (got, want) in s.points.iter().zip(points) {
            assert_eq!(got.0, want.0);
            assert!(same_value(got.1, want.1), "{got:?} != {want:?}");
            assert!(got.0 >= r.start as f64 && got.0 <= r.end as f64 && (got.0 as i64 - r.start) % r.step == 0);
        }
    }
    // A series that existed for the whole range has a point at every step.
    let full = ((r.end - r.start) / r.step + 1) as usize;
    assert!(series.iter().any(|s| s.points.len() == full), "some series has all {full} points");

    let (_, f) = only_request(&server).await;
    assert_eq!(f["query"], expr);
    assert_eq!(f["start"], r.start.to_string());
    assert_eq!(f["end"], r.end.to_string());
    assert_eq!(f["step"], r.step.to_string());
    assert_eq!(f.len(), 4, "only query, start, end and step are sent: {f:?}");
}

#[tokio::test]
async fn scalar_and_string_results_keep_their_types() {
    let server = MockServer::start().await;
    serve_post(&server, QUERY, "scalar").await;
    let doc = fixture_json("scalar");
    let t = eval_time(&doc);
    let got = client(&server.uri()).query(r#"scalar(up{job="prometheus"})"#, t).await.unwrap();
    assert_eq!(got, QueryData::Scalar { t, v: 1.0 });
    assert!(!got.is_empty());
    assert_eq!(only_request(&server).await.1["query"], r#"scalar(up{job="prometheus"})"#);

    let server = MockServer::start().await;
    serve_post(&server, QUERY, "string").await;
    let t = eval_time(&fixture_json("string"));
    let got = client(&server.uri()).query(r#""hello""#, t).await.unwrap();
    assert_eq!(got, QueryData::String { t, v: "hello".into() });
    assert!(!got.is_empty());
    assert_eq!(only_request(&server).await.1["query"], r#""hello""#);
}

#[tokio::test]
async fn empty_results_are_empty_not_errors() {
    let server = MockServer::start().await;
    serve_post(&server, QUERY, "empty_vector").await;
    let got = client(&server.uri()).query("nonexistent_metric", 1.0).await.unwrap();
    assert_eq!(got, QueryData::Vector { samples: vec![] });
    assert!(got.is_empty());

    let server = MockServer::start().await;
    serve_post(&server, QUERY_RANGE, "empty_matrix").await;
    let r = RangeParams { start: 1_700_000_000, end: 1_700_000_030, step: 2 };
    let got = client(&server.uri()).query_range("nonexistent_metric", r).await.unwrap();
    assert_eq!(got, QueryData::Matrix { series: vec![] });
    assert!(got.is_empty());
}

#[tokio::test]
async fn nan_and_infinities_survive_as_scalars() {
    for (name, expr, check) in [
        ("scalar_nan", "0/0", f64::is_nan as fn(f64) -> bool),
        ("scalar_pos_inf", "1/0", |v| v == f64::INFINITY),
        ("scalar_neg_inf", "-1/0", |v| v == f64::NEG_INFINITY),
    ] {
        let server = MockServer::start().await;
        serve_post(&server, QUERY, name).await;
        let t = eval_time(&fixture_json(name));
        let got = client(&server.uri()).query(expr, t).await.unwrap();
        let QueryData::Scalar { t: gt, v } = got else { panic!("{name}: a scalar, got {got:?}") };
        assert_eq!(gt, t, "{name}");
        assert!(check(v), "{name}: decoded {v}");
        assert_eq!(only_request(&server).await.1["query"], expr);
    }
}

#[tokio::test]
async fn nan_and_infinities_survive_in_vectors_and_matrices() {
    let server = MockServer::start().await;
    serve_post(&server, QUERY, "vector_inf").await;
    let got = client(&server.uri()).query("up/0", eval_time(&fixture_json("vector_inf"))).await.unwrap();
    let QueryData::Vector { samples } = got else { panic!("a vector, got {got:?}") };
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].v, f64::INFINITY);
    assert!(!samples[0].labels.contains_key("__name__"), "division drops the metric name");

    // One series each of +Inf, -Inf and NaN, told apart by the `v` label.
    let special = r#"label_replace(up/0, "v", "pos", "", "") or label_replace(-up/0, "v", "neg", "", "") or label_replace((up-up)/0, "v", "nan", "", "")"#;
    let expect = |label: &str, v: f64| match label {
        "pos" => v == f64::INFINITY,
        "neg" => v == f64::NEG_INFINITY,
        "nan" => v.is_nan(),
        other => panic!("unexpected series v={other}"),
    };
    let server = MockServer::start().await;
    serve_post(&server, QUERY, "vector_special").await;
    let got = client(&server.uri()).query(special, eval_time(&fixture_json("vector_special"))).await.unwrap();
    let QueryData::Vector { samples } = got else { panic!("a vector, got {got:?}") };
    let mut seen: Vec<&str> = samples.iter().map(|s| s.labels["v"].as_str()).collect();
    seen.sort();
    assert_eq!(seen, ["nan", "neg", "pos"], "no special value was dropped");
    for s in &samples {
        assert!(expect(&s.labels["v"], s.v), "{s:?}");
    }
    assert_eq!(only_request(&server).await.1["query"], special);

    let doc = fixture_json("matrix_special");
    let server = MockServer::start().await;
    serve_post(&server, QUERY_RANGE, "matrix_special").await;
    let got = client(&server.uri()).query_range(special, range_of(&doc)).await.unwrap();
    let QueryData::Matrix { series } = got else { panic!("a matrix, got {got:?}") };
    let want = expected_matrix(&doc);
    assert_eq!(series.len(), 3);
    for (s, (_, points)) in series.iter().zip(&want) {
        assert_eq!(s.points.len(), points.len(), "no special point was dropped from {:?}", s.labels);
        assert!(s.points.iter().all(|&(_, v)| expect(&s.labels["v"], v)), "{s:?}");
    }
    assert_eq!(only_request(&server).await.1["query"], special);
}

#[tokio::test]
async fn a_complex_expression_survives_form_encoding() {
    // Braces, quotes, `=~`, `!=`, `/`, `>`, `-`, spaces and parentheses, as recorded.
    let expr = r#"sum by (job, code) (rate(prometheus_http_requests_total{handler=~"/api/v1/.*", code!="500"}[1m])) > -1 and on() vector(1) == 1"#;
    let doc = fixture_json("post_form_query");
    let server = MockServer::start().await;
    serve_post(&server, QUERY, "post_form_query").await;

    let got = client(&server.uri()).query(expr, eval_time(&doc)).await.unwrap();

    let QueryData::Vector { samples } = got else { panic!("a vector, got {got:?}") };
    let want = expected_vector(&doc);
    assert_eq!(samples.len(), want.len());
    for (s, (labels, t, v)) in samples.iter().zip(&want) {
        assert_eq!((&s.labels, s.t, s.v), (labels, *t, *v));
        assert_eq!(s.labels.keys().collect::<Vec<_>>(), ["code", "job"]);
    }
    let (req, f) = only_request(&server).await;
    assert_eq!(f["query"], expr, "the expression arrives unchanged");
    assert!(req.url.query().is_none(), "nothing goes in the URL: {}", req.url);
}

#[tokio::test]
async fn buildinfo_is_a_get_and_yields_the_version() {
    let doc = fixture_json("buildinfo");
    let (status, body) = fixture("buildinfo");
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(BUILDINFO))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;

    let info = client(&server.uri()).buildinfo().await.expect("buildinfo decodes");

    assert_eq!(info.version, doc["data"]["version"].as_str().unwrap());
    assert_eq!(info.revision, doc["data"]["revision"].as_str().unwrap());
    assert!(info.version.starts_with("2."), "a Prometheus 2.x recording: {}", info.version);
    let (req, _) = only_request(&server).await;
    assert!(req.body.is_empty());
}

async fn serve_buildinfo(server: &MockServer, status: u16, body: Vec<u8>, content_type: &str) {
    Mock::given(method("GET"))
        .and(path(BUILDINFO))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, content_type))
        .expect(1)
        .mount(server)
        .await;
}

#[tokio::test]
async fn buildinfo_failures_are_named() {
    // The URL lacks the route prefix: Prometheus's plain-text 404.
    let (status, body) = fixture("prefix_missing");
    let server = MockServer::start().await;
    serve_buildinfo(&server, status, body, "text/plain; charset=utf-8").await;
    let e = assert_kind(client(&server.uri()).buildinfo().await, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 404", "404 page not found", &server.uri()]);

    // A Prometheus-style error envelope is passed through.
    let (_, body) = fixture("error_execution");
    let server = MockServer::start().await;
    serve_buildinfo(&server, 422, body, "application/json").await;
    let e = assert_kind(client(&server.uri()).buildinfo().await, FetchErrorKind::Api);
    assert_eq!(e.message, "execution: vector cannot contain metrics with the same labelset");
}

#[tokio::test]
async fn buildinfo_decode_problems_are_decode_errors() {
    let (_, body) = fixture("buildinfo");
    for (what, body) in
        [("truncated", body[..body.len() / 2].to_vec()), ("no data", br#"{"status":"success"}"#.to_vec())]
    {
        let server = MockServer::start().await;
        serve_buildinfo(&server, 200, body, "application/json").await;

        let e = client(&server.uri()).buildinfo().await.expect_err(what);

        assert_eq!(e.kind, FetchErrorKind::Decode, "{what}: {e:?}");
        assert_mentions(&e, &[&server.uri()]);
    }
}

#[tokio::test]
async fn prometheus_errors_come_back_verbatim_as_api_errors() {
    let doc_t = eval_time(&fixture_json("instant_vector"));
    let r = range_of(&fixture_json("range_matrix"));
    let cases: [(&str, &str, &str, RangeParams); 4] = [
        ("error_syntax", QUERY, "rate(", r),
        ("error_execution", QUERY, r#"{__name__=~"up|scrape_samples_scraped"} - 0"#, r),
        ("error_bad_step", QUERY_RANGE, "up", RangeParams { step: 0, ..r }),
        ("error_too_many_points", QUERY_RANGE, "up", RangeParams { start: r.end - 86_400, end: r.end, step: 1 }),
    ];
    for (name, route, expr, range) in cases {
        let doc = fixture_json(name);
        let (status, _) = fixture(name);
        assert!(status >= 400, "{name} was recorded as an error status");
        let server = MockServer::start().await;
        serve_post(&server, route, name).await;
        let c = client(&server.uri());

        let got = if route == QUERY { c.query(expr, doc_t).await } else { c.query_range(expr, range).await };

        let e = assert_kind(got, FetchErrorKind::Api);
        let want = format!("{}: {}", doc["errorType"].as_str().unwrap(), doc["error"].as_str().unwrap());
        assert_eq!(e.message, want, "{name}: Prometheus's words, unchanged");
        let (_, f) = only_request(&server).await;
        assert_eq!(f["query"], expr, "{name}");
        if route == QUERY_RANGE {
            assert_eq!(f["step"], range.step.to_string(), "{name}");
        }
    }
}

#[tokio::test]
async fn a_path_prefix_in_the_url_is_honoured() {
    for base in ["/prom", "/prom/"] {
        let server = MockServer::start().await;
        serve_post(&server, "/prom/api/v1/query", "prefix_instant_vector").await;
        let (status, body) = fixture("prefix_buildinfo");
        Mock::given(method("GET"))
            .and(path("/prom/api/v1/status/buildinfo"))
            .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
            .expect(1)
            .mount(&server)
            .await;
        let doc = fixture_json("prefix_instant_vector");
        let c = client(&format!("{}{base}", server.uri()));

        let got = c.query("up", eval_time(&doc)).await.expect("the query goes under the prefix");
        let QueryData::Vector { samples } = got else { panic!("a vector, got {got:?}") };
        assert_eq!(samples.len(), expected_vector(&doc).len());
        assert_eq!(samples[0].labels, expected_vector(&doc)[0].0);
        let info = c.buildinfo().await.expect("buildinfo goes under the prefix");
        assert_eq!(info.version, fixture_json("prefix_buildinfo")["data"]["version"].as_str().unwrap());
        let paths: Vec<String> =
            server.received_requests().await.unwrap().iter().map(|r| r.url.path().to_string()).collect();
        assert_eq!(paths, ["/prom/api/v1/query", "/prom/api/v1/status/buildinfo"], "base {base:?}");
    }
}

#[tokio::test]
async fn a_missing_prefix_is_a_readable_http_error() {
    // What a server started with --web.route-prefix=/prom says at the unprefixed path: plain-text 404.
    let (status, body) = fixture("prefix_missing");
    assert_eq!(status, 404);
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY, status, body, "text/plain; charset=utf-8").await;

    let (got, _) = bounded(query_up(&client(&server.uri()))).await;

    let e = assert_kind(got, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 404", "404 page not found", &server.uri()]);
}

#[tokio::test]
async fn configured_headers_are_sent_with_every_request() {
    let server = MockServer::start().await;
    let (status, body) = fixture("instant_vector");
    Mock::given(method("POST"))
        .and(path(QUERY))
        .and(header("x-scope-orgid", "tenant-1"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let (status, body) = fixture("buildinfo");
    Mock::given(method("GET"))
        .and(path(BUILDINFO))
        .and(header("x-scope-orgid", "tenant-1"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = client_with(&server.uri(), |s| {
        s.headers.insert("X-Scope-OrgID".into(), "tenant-1".into());
    });
    c.query("up", 1.0).await.expect("the POST carries the header");
    c.buildinfo().await.expect("the GET carries the header");
}

#[tokio::test]
async fn credentials_in_the_url_become_basic_auth_and_are_never_shown() {
    let server = MockServer::start().await;
    let page = "<html><head><title>500 Internal Server Error</title></head></html>";
    Mock::given(method("POST"))
        .and(path(QUERY))
        .and(header("authorization", "Basic Ym9iOnMzY3JldA==")) // bob:s3cret
        .respond_with(ResponseTemplate::new(500).set_body_raw(page, "text/html"))
        .expect(1)
        .mount(&server)
        .await;
    let url = server.uri().replace("http://", "http://bob:s3cret@");
    let c = client(&url);
    assert!(!c.name().contains("s3cret"), "{}", c.name());

    let e = assert_kind(query_up(&c).await, FetchErrorKind::Http);

    assert_mentions(&e, &["HTTP 500", &server.uri()]);
    assert!(!e.message.contains("s3cret") && !e.message.contains("bob"), "credentials leaked: {}", e.message);
}

#[tokio::test]
async fn a_308_redirect_keeps_the_form_post() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(QUERY))
        .respond_with(ResponseTemplate::new(308).insert_header("location", "/prom/api/v1/query"))
        .expect(1)
        .mount(&server)
        .await;
    serve_post(&server, "/prom/api/v1/query", "prefix_instant_vector").await;

    let got = client(&server.uri()).query("up", 1.0).await.expect("the redirect is followed with the form");

    assert!(!got.is_empty());
}

#[tokio::test]
async fn a_301_redirect_does_not_lose_the_query() {
    // An http-to-https or path redirect in front of Prometheus. The redirected GET carries no form and a
    // real Prometheus answers it with the recorded `error_no_query` (400, "no expression found in input").
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(QUERY))
        .respond_with(ResponseTemplate::new(301).insert_header("location", "/prom/api/v1/query"))
        .mount(&server)
        .await;
    let (status, body) = fixture("prefix_instant_vector");
    Mock::given(method("POST"))
        .and(path("/prom/api/v1/query"))
        .and(FormWith(QUERY_FIELDS))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    let (status, body) = fixture("error_no_query");
    Mock::given(method("GET"))
        .and(path("/prom/api/v1/query"))
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;

    let (got, _) = bounded(query_up(&client(&server.uri()))).await;

    // Either the query arrives (as a POST with its form) or the error says a redirect was the problem.
    match got {
        Ok(data) => assert!(!data.is_empty()),
        Err(e) => assert_mentions(&e, &["redirect"]),
    }
}

#[tokio::test]
async fn warnings_next_to_data_are_ignored() {
    // Prometheus adds `warnings` (and Thanos/Mimir more) to successful answers; they must not break decoding.
    let mut doc = fixture_json("instant_vector");
    doc["warnings"] = Value::from(vec!["partial response: store gateway unreachable"]);
    doc["infos"] = Value::from(vec!["an informational note"]);
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY, 200, serde_json::to_vec(&doc).unwrap(), "application/json").await;
    let got = query_up(&client(&server.uri())).await.unwrap();
    assert_eq!(got.is_empty(), expected_vector(&doc).is_empty());
}

#[tokio::test]
async fn a_clock_an_hour_ahead_leaves_timestamps_unchanged() {
    // The server's clock runs an hour ahead of ours: every timestamp it sends is in our future.
    let mut doc = fixture_json("range_matrix");
    let r = range_of(&doc);
    for s in doc["data"]["result"].as_array_mut().unwrap() {
        for p in s["values"].as_array_mut().unwrap() {
            p[0] = Value::from(p[0].as_f64().unwrap() + 3600.0);
        }
    }
    let want = expected_matrix(&doc);
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY_RANGE, 200, serde_json::to_vec(&doc).unwrap(), "application/json").await;

    let got = client(&server.uri()).query_range("rate(prometheus_http_requests_total[1m])", r).await.unwrap();

    let QueryData::Matrix { series } = got else { panic!("a matrix, got {got:?}") };
    assert_eq!(series.len(), want.len());
    for (s, (labels, points)) in series.iter().zip(&want) {
        assert_eq!(&s.labels, labels);
        assert_eq!(s.points.len(), points.len(), "future points are kept");
        for (got, want) in s.points.iter().zip(points) {
            assert_eq!(got.0, want.0, "timestamps are not shifted, clamped or dropped");
            assert!(same_value(got.1, want.1));
        }
    }
    let last = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).fold(f64::MIN, f64::max);
    assert!(last >= (r.end + 3600) as f64 && last > (r.end as f64) + 3000.0);
}

// ===================================================================================================
// Faults: every failure comes back classified, named, and in bounded time

#[tokio::test]
async fn connection_refused_is_a_connect_error_naming_the_host() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // dropped: nothing listens there now
    let c = client(&format!("http://bob:s3cret@127.0.0.1:{port}/prom"));

    let (got, took) = bounded(query_up(&c)).await;

    let e = assert_kind(got, FetchErrorKind::Connect);
    assert_mentions(&e, &["unreachable", "refused", &format!("127.0.0.1:{port}/prom")]);
    assert!(!e.message.contains("s3cret") && !e.message.contains("bob"), "credentials leaked: {}", e.message);
    assert!(took < Duration::from_secs(5), "a refusal is immediate, took {took:?}");
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s); // accept, read nothing, answer nothing
        }
    });
    let c = client_with(&url, |s| s.timeout = Dur(Duration::from_secs(1)));

    let (got, took) = bounded(query_up(&c)).await;

    let e = assert_kind(got, FetchErrorKind::Timeout);
    assert_mentions(&e, &["timed out after 1s", &url]);
    assert!(took < Duration::from_secs(5), "the 1 s timeout held, took {took:?}");
}

/// A loopback address whose accept queue is full, so the kernel drops new SYNs and a connect never
/// completes. Keep the returned listener and streams alive for as long as that must hold.
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
            Err(_) => return (listener, queued, addr), // this one hung: the queue is full
        }
    }
    panic!("the accept queue of a listen(0) socket never filled");
}

fn connect_timeout_client(addr: std::net::SocketAddr) -> PromClient {
    client_with(&format!("http://{addr}"), |s| {
        s.connect_timeout = Dur(Duration::from_millis(300));
        s.timeout = Dur(Duration::from_secs(10));
    })
}

#[tokio::test]
async fn a_connect_that_never_completes_is_cut_by_the_connect_timeout() {
    let (_listener, _queued, addr) = unconnectable().await;

    let (got, took) = bounded(query_up(&connect_timeout_client(addr))).await;

    let e = assert_kind(got, FetchErrorKind::Timeout);
    assert_mentions(&e, &["timed out", &addr.to_string()]);
    assert!(took < Duration::from_secs(5), "the 300 ms connect timeout applied, not the 10 s total: {took:?}");
}

#[tokio::test]
async fn a_connect_timeout_is_named_with_its_own_duration() {
    let (_listener, _queued, addr) = unconnectable().await;

    let (got, _) = bounded(query_up(&connect_timeout_client(addr))).await;

    let e = assert_kind(got, FetchErrorKind::Timeout);
    assert_mentions(&e, &["300ms"]);
    assert!(!e.message.contains("10s"), "it was not the 10 s total timeout that fired: {}", e.message);
}

#[tokio::test]
async fn a_slow_drip_body_hits_the_total_timeout() {
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        for _ in 0..100 {
            // One byte every 200 ms: the connection is never idle, the body is never done.
            if s.write_all(b" ").await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    let c = client_with(&url, |s| s.timeout = Dur(Duration::from_secs(1)));

    let (got, took) = bounded(query_up(&c)).await;

    let e = got.expect_err("a body that never ends cannot succeed");
    assert!(matches!(e.kind, FetchErrorKind::Timeout | FetchErrorKind::Decode), "{e:?}");
    if e.kind == FetchErrorKind::Timeout {
        assert_mentions(&e, &["timed out after 1s"]);
    } else {
        assert_mentions(&e, &["body"]);
    }
    assert!(took < Duration::from_secs(5), "the 1 s total timeout covers the body, took {took:?}");
}

#[tokio::test]
async fn a_body_cut_off_mid_stream_is_a_decode_error() {
    let (_, body) = fixture("range_matrix");
    let url = raw_server(move |mut s| {
        let body = body.clone();
        async move {
            read_request(&mut s).await;
            let head =
                format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n", body.len());
            let _ = s.write_all(head.as_bytes()).await;
            let _ = s.write_all(&body[..body.len() / 2]).await;
            let _ = s.shutdown().await; // the connection ends before Content-Length bytes
        }
    })
    .await;

    let (got, _) = bounded(query_up(&client(&url))).await;

    let e = assert_kind(got, FetchErrorKind::Decode);
    assert_mentions(&e, &["broke off", &url]);
}

#[tokio::test]
async fn a_server_hanging_up_without_a_response_is_named() {
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let _ = s.shutdown().await;
    })
    .await;

    let (got, _) = bounded(query_up(&client(&url))).await;

    let e = got.expect_err("no response");
    assert!(matches!(e.kind, FetchErrorKind::Connect | FetchErrorKind::Decode), "{e:?}");
    assert_mentions(&e, &["closed", &url]);
}

#[tokio::test]
async fn an_html_error_page_is_an_http_error_with_its_title() {
    let page = "<!DOCTYPE html>\n<html>\n<head><title>500 Internal Server Error</title></head>\n<body>\n\
                <center><h1>500 Internal Server Error</h1></center>\n<hr><center>nginx/1.22.1</center>\n</body>\n</html>\n";
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY, 500, page.into(), "text/html").await;

    let (got, _) = bounded(query_up(&client(&server.uri()))).await;

    let e = assert_kind(got, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 500", "500 Internal Server Error", &server.uri()]);
    assert!(!e.message.contains('<'), "no markup in the message: {}", e.message);

    // A proxy's plain-text 503, and an empty 502, are named by their status too.
    let server = MockServer::start().await;
    let text = "upstream connect error or disconnect/reset before headers. reset reason: connection failure";
    serve_raw_post(&server, QUERY, 503, text.into(), "text/plain").await;
    let e = assert_kind(query_up(&client(&server.uri())).await, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 503", "upstream connect error"]);

    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY, 502, Vec::new(), "text/plain").await;
    let e = assert_kind(query_up(&client(&server.uri())).await, FetchErrorKind::Http);
    assert_mentions(&e, &["HTTP 502"]);
}

#[tokio::test]
async fn truncated_json_with_200_is_a_decode_error() {
    let (_, body) = fixture("range_matrix");
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY_RANGE, 200, body[..body.len() / 2].to_vec(), "application/json").await;
    let r = range_of(&fixture_json("range_matrix"));

    let (got, _) = bounded(client(&server.uri()).query_range("up", r)).await;

    let e = assert_kind(got, FetchErrorKind::Decode);
    assert_mentions(&e, &["not valid Prometheus API JSON", "EOF", &server.uri()]);

    // An empty 200 is the same problem.
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY, 200, Vec::new(), "application/json").await;
    let e = assert_kind(query_up(&client(&server.uri())).await, FetchErrorKind::Decode);
    assert_mentions(&e, &["not valid Prometheus API JSON"]);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error() {
    // A label value with a byte that is not UTF-8, inside an otherwise recorded body.
    let (_, body) = fixture("instant_vector");
    let at = body.windows(12).position(|w| w == b"\"prometheus\"").expect("the job label") + 1;
    let mut bad = body.clone();
    bad[at] = 0xff;
    // And a whole body in UTF-16 (a misconfigured proxy re-encoding it).
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain(String::from_utf8(body).unwrap().encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    for (what, body) in [("a bad byte in a label", bad), ("UTF-16", utf16)] {
        let server = MockServer::start().await;
        serve_raw_post(&server, QUERY, 200, body, "application/json").await;

        let (got, _) = bounded(query_up(&client(&server.uri()))).await;

        let e = got.expect_err(what);
        assert_eq!(e.kind, FetchErrorKind::Decode, "{what}: {e:?}");
        assert_mentions(&e, &["not valid Prometheus API JSON"]);
    }
}

#[tokio::test]
async fn a_body_over_the_cap_with_content_length_is_too_large() {
    let (body, _) = matrix_body(2 << 20);
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY_RANGE, 200, body, "application/json").await;
    let c = client_with(&server.uri(), |s| s.max_body_mib = 1);

    let (got, _) = bounded(c.query_range("up", RangeParams { start: 0, end: 60, step: 1 })).await;

    let e = assert_kind(got, FetchErrorKind::TooLarge);
    assert_mentions(&e, &["1 MiB cap", "max_body_mib", &server.uri()]);
}

#[tokio::test]
async fn content_length_over_the_cap_is_refused_before_reading_the_body() {
    // The header promises 2 MiB, then nothing comes: only a check of Content-Length can answer in time.
    let url = raw_server(|mut s| async move {
        read_request(&mut s).await;
        let head =
            format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{{", 2 << 20);
        let _ = s.write_all(head.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let c = client_with(&url, |s| {
        s.max_body_mib = 1;
        s.timeout = Dur(Duration::from_secs(5));
    });

    let (got, _) = bounded(query_up(&c)).await;

    let e = assert_kind(got, FetchErrorKind::TooLarge);
    assert_mentions(&e, &["1 MiB cap"]);
}

/// A raw server sending `body` chunked (64 KiB chunks, no Content-Length).
async fn chunked_server(body: Vec<u8>) -> String {
    raw_server(move |mut s| {
        let body = body.clone();
        async move {
            read_request(&mut s).await;
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
            if s.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            for chunk in body.chunks(64 << 10) {
                let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
                frame.extend_from_slice(chunk);
                frame.extend_from_slice(b"\r\n");
                if s.write_all(&frame).await.is_err() {
                    return; // the client gave up: expected when the cap is hit
                }
            }
            let _ = s.write_all(b"0\r\n\r\n").await;
            let _ = s.flush().await;
        }
    })
    .await
}

#[tokio::test]
async fn a_chunked_body_over_the_cap_is_too_large() {
    let (body, _) = matrix_body(2 << 20);
    let url = chunked_server(body).await;
    let c = client_with(&url, |s| s.max_body_mib = 1);

    let (got, _) = bounded(query_up(&c)).await;

    let e = assert_kind(got, FetchErrorKind::TooLarge);
    assert_mentions(&e, &["1 MiB cap", "max_body_mib", &url]);
}

#[tokio::test]
async fn a_body_of_exactly_the_cap_is_accepted_and_one_byte_more_is_not() {
    let cap = 1usize << 20;
    for chunked in [false, true] {
        for (len, fits) in [(cap, true), (cap + 1, false)] {
            let (body, points) = matrix_body(len);
            assert_eq!(body.len(), len);
            let (server, url) = if chunked {
                (None, chunked_server(body).await)
            } else {
                let server = MockServer::start().await;
                serve_raw_post(&server, QUERY, 200, body, "application/json").await;
                let url = server.uri();
                (Some(server), url)
            };
            let c = client_with(&url, |s| s.max_body_mib = 1);

            let (got, _) = bounded(query_up(&c)).await;

            let what = format!("{len} bytes, chunked: {chunked}");
            if fits {
                let got = got.unwrap_or_else(|e| panic!("{what}: {e:?}"));
                let QueryData::Matrix { series } = got else { panic!("{what}: a matrix") };
                assert_eq!(series[0].points.len(), points, "{what}");
            } else {
                assert_kind(got, FetchErrorKind::TooLarge);
            }
            drop(server);
        }
    }
}

#[tokio::test]
async fn the_content_type_does_not_matter() {
    // Proxies relabel bodies; the client decodes JSON whatever the header says.
    let doc = fixture_json("instant_vector");
    for ct in ["text/html; charset=utf-8", "text/plain", "application/octet-stream"] {
        let (_, body) = fixture("instant_vector");
        let server = MockServer::start().await;
        serve_raw_post(&server, QUERY, 200, body, ct).await;

        let got = query_up(&client(&server.uri())).await.unwrap_or_else(|e| panic!("{ct}: {e:?}"));

        let QueryData::Vector { samples } = got else { panic!("{ct}: a vector") };
        assert_eq!(samples.len(), expected_vector(&doc).len(), "{ct}");
    }
    // And an HTML *page* with a 200 (the URL points at a web UI) is still a decode error, not data.
    let server = MockServer::start().await;
    serve_raw_post(&server, QUERY, 200, b"<html><title>Grafana</title></html>".to_vec(), "text/html").await;
    let e = assert_kind(query_up(&client(&server.uri())).await, FetchErrorKind::Decode);
    assert_mentions(&e, &["not valid Prometheus API JSON"]);
}
