//! A Loki HTTP API for the demo, answering LogQL over the generated logs ([`super::loki_logs`]) in
//! the shapes a real Loki sends ([`super::loki_json`]):
//!
//! - `GET|POST /loki/api/v1/query_range`: `streams` for log queries (limit 100 and direction
//!   `backward` by default, at most 5000), `matrix` for metric queries (start and end aligned to the
//!   step, Loki's default step when none is given, at most 11,000 points);
//! - `GET|POST /loki/api/v1/query`: `vector` for metric queries; a log query is refused, as Loki does;
//! - `GET|POST /loki/api/v1/labels`, `/loki/api/v1/label/{name}/values` (optional `query`) and
//!   `/loki/api/v1/series` (`match[]`), over the streams with lines in the window (6 h by default);
//! - `GET /loki/api/v1/tail`: the websocket in [`super::loki_tail`];
//! - `GET /ready` and `GET /loki/api/v1/status/buildinfo`.
//!
//! Bad parameters and LogQL errors are HTTP 400 with Loki's plain-text message; unknown paths are 404.

use super::logql::{self, parse_duration, Query};
use super::loki_json::{self as lj, CATEGORIZE};
use super::loki_logs::streams;
use super::loki_query::{self as lq, fmt_labels};
use super::scenario::World;
use axum::extract::{Form, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

const SEC: i64 = 1_000_000_000;
const HOUR: i64 = 3600 * SEC;
/// Loki's `max_entries_limit_per_query` and `max_query_length` defaults.
pub const MAX_ENTRIES: u64 = 5000;
const MAX_QUERY_LENGTH: i64 = 721 * HOUR;

/// Request parameters, query string or form body; like Go's `Form.Get`, the first value wins.
pub struct Params(pub Vec<(String, String)>);

impl Params {
    pub fn get(&self, name: &str) -> &str {
        self.0.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
    }
}

pub fn now_ns() -> i64 {
    chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
}

/// Go's `%q`, for echoing a parameter in an error.
fn go_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn parse_int_error(value: &str, e: &std::num::ParseIntError) -> String {
    let why = match e.kind() {
        std::num::IntErrorKind::PosOverflow | std::num::IntErrorKind::NegOverflow => "value out of range",
        _ => "invalid syntax",
    };
    format!("strconv.ParseInt: parsing {}: {why}", go_quote(value))
}

/// Loki's timestamp parameter: seconds with a fraction, an integer (seconds if at most 10 digits,
/// nanoseconds otherwise) or RFC 3339.
pub fn parse_timestamp(value: &str, default: i64) -> Result<i64, String> {
    if value.is_empty() {
        return Ok(default);
    }
    if value.contains('.') {
        if let Ok(f) = value.parse::<f64>() {
            let s = f.trunc();
            let frac = ((f - s) * 1000.0).round() / 1000.0;
            return Ok(s as i64 * SEC + (frac * 1e9) as i64);
        }
    }
    match value.parse::<i64>() {
        Ok(n) if value.len() <= 10 => Ok(n.saturating_mul(SEC)),
        Ok(n) => Ok(n),
        Err(e) => chrono::DateTime::parse_from_rfc3339(value)
            .ok()
            .and_then(|d| d.timestamp_nanos_opt())
            .ok_or_else(|| parse_int_error(value, &e)),
    }
}

/// `start`/`end`/`since` as Loki reads them: `end` defaults to now, `start` to `since` (default
/// `default_since`) before the earlier of `end` and now.
pub fn bounds(p: &Params, now: i64, default_since: i64) -> Result<(i64, i64), String> {
    let since = match p.get("since") {
        "" => default_since,
        s => parse_duration(s).ok_or_else(|| {
            format!("could not parse 'since' parameter: not a valid duration string: {}", go_quote(s))
        })?,
    };
    let end = parse_timestamp(p.get("end"), now).map_err(|e| format!("could not parse 'end' parameter: {e}"))?;
    let start = parse_timestamp(p.get("start"), end.min(now) - since)
        .map_err(|e| format!("could not parse 'start' parameter: {e}"))?;
    if end < start {
        return Err("end timestamp must not be before or equal to start time".into());
    }
    Ok((start, end))
}

pub fn limit(p: &Params) -> Result<u64, String> {
    match p.get("limit") {
        "" => Ok(100),
        l => match l.parse::<i64>() {
            Ok(n) if n <= 0 => Err("limit must be a positive value".into()),
            Ok(n) => Ok(n as u64),
            Err(e) => Err(parse_int_error(l, &e).replace("ParseInt", "Atoi")),
        },
    }
}

/// Whether the query reads forward (oldest first); backward by default.
fn forward(p: &Params) -> Result<bool, String> {
    match p.get("direction").to_ascii_uppercase().as_str() {
        "" | "BACKWARD" => Ok(false),
        "FORWARD" => Ok(true),
        _ => Err(format!("invalid direction '{}'", p.get("direction"))),
    }
}

fn step(p: &Params, start: i64, end: i64) -> Result<i64, String> {
    let v = p.get("step");
    if v.is_empty() {
        return Ok(((end - start) / SEC / 250).max(1) * SEC);
    }
    if let Ok(f) = v.parse::<f64>() {
        return Ok((f * 1e9) as i64);
    }
    parse_duration(v).ok_or_else(|| format!("cannot parse {} to a valid duration", go_quote(v)))
}

/// Go's `time.Duration` text, for Loki's query-length error.
fn go_duration(ns: i64) -> String {
    let (h, m, s, frac) = (ns / HOUR, ns % HOUR / (60 * SEC), ns % (60 * SEC) / SEC, ns % SEC);
    let secs = if frac == 0 { s.to_string() } else { format!("{s}.{frac:09}").trim_end_matches('0').to_string() };
    format!("{h}h{m}m{secs}s")
}

fn bad_request(msg: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg.into()).into_response()
}

fn json_response(v: Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json; charset=UTF-8")], v.to_string()).into_response()
}

pub fn categorize(headers: &HeaderMap) -> bool {
    headers
        .get("x-loki-response-encoding-flags")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|f| f.trim() == CATEGORIZE))
}

/// Run a query off the async threads (a refused query may have read a million lines first).
async fn blocking(f: impl FnOnce() -> Result<Value, String> + Send + 'static) -> Response {
    match tokio::task::spawn_blocking(f).await {
        Ok(Ok(v)) => json_response(v),
        Ok(Err(msg)) => bad_request(msg),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

fn range_answer(w: &World, p: &Params, categorize: bool, now: i64) -> Result<Value, String> {
    let started = Instant::now();
    let (start, end) = bounds(p, now, HOUR)?;
    let limit = limit(p)?;
    let forward = forward(p)?;
    let step = step(p, start, end)?;
    if step <= 0 {
        return Err("zero or negative query resolution step widths are not accepted. Try a positive integer".into());
    }
    if (end - start) / step > 11_000 {
        return Err("exceeded maximum resolution of 11,000 points per time series. Try increasing the value of the \
                    step parameter"
            .into());
    }
    let query = logql::parse(p.get("query")).map_err(|e| e.to_string())?;
    if end - start > MAX_QUERY_LENGTH {
        return Err(format!(
            "the query time range exceeds the limit (query length: {}, limit: 30d1h)",
            go_duration(end - start)
        ));
    }
    match query {
        Query::Log(q) => {
            if limit > MAX_ENTRIES {
                return Err(format!(
                    "max entries limit per query exceeded, limit > max_entries_limit ({limit} > {MAX_ENTRIES})"
                ));
            }
            let (entries, stats) = lq::log_query(w, &q, (start, end, now), limit as usize, forward)?;
            let st = lj::stats(&stats, started.elapsed(), entries.len());
            Ok(lj::answer("streams", lj::streams(&entries, categorize), st, categorize))
        }
        Query::Metric(m) => {
            let (first, last) = (start.div_euclid(step) * step, end.div_euclid(step) * step);
            let last = if last < end { last + step } else { last };
            let (matrix, stats) = lq::metric_range(w, &m, (first, last, step), now)?;
            let st = lj::stats(&stats, started.elapsed(), matrix.len());
            Ok(lj::answer("matrix", lj::matrix(&matrix), st, false))
        }
    }
}

async fn query_range(
    State(w): State<Arc<World>>,
    headers: HeaderMap,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    let categorize = categorize(&headers);
    blocking(move || range_answer(&w, &Params(p), categorize, now_ns())).await
}

fn instant_answer(w: &World, p: &Params, now: i64) -> Result<Value, String> {
    let started = Instant::now();
    limit(p)?;
    let t = parse_timestamp(p.get("time"), now).map_err(|e| format!("could not parse 'time' parameter: {e}"))?;
    forward(p)?;
    match logql::parse(p.get("query")).map_err(|e| e.to_string())? {
        Query::Log(_) => Err("log queries are not supported as an instant query type, please change your query to a \
                              range query type"
            .into()),
        Query::Metric(m) => {
            let (samples, stats) = lq::metric_instant(w, &m, t, now)?;
            let st = lj::stats(&stats, started.elapsed(), samples.len());
            Ok(lj::answer("vector", lj::vector(&samples, t), st, false))
        }
    }
}

async fn query(State(w): State<Arc<World>>, Form(p): Form<Vec<(String, String)>>) -> Response {
    blocking(move || instant_answer(&w, &Params(p), now_ns())).await
}

/// The streams with lines in the request's window that match its selectors (`names` of them).
fn metadata_streams(w: &World, p: &Params, names: &[&str]) -> Result<Vec<usize>, String> {
    let now = now_ns();
    let (start, end) = bounds(p, now, 6 * HOUR)?;
    let selectors = names
        .iter()
        .flat_map(|n| p.all(n))
        .filter(|s| !s.is_empty())
        .map(|s| logql::parse_selector(s).map_err(|e| e.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(lq::streams_with_data(w, &selectors, (start, end, now)))
}

/// `{"status":"success","data":[…]}`, or no `data` at all when there is nothing, as Loki answers.
fn names_answer(names: BTreeSet<&str>) -> Response {
    if names.is_empty() {
        json_response(json!({"status": "success"}))
    } else {
        json_response(json!({"status": "success", "data": names}))
    }
}

async fn labels(State(w): State<Arc<World>>, Form(p): Form<Vec<(String, String)>>) -> Response {
    match metadata_streams(&w, &Params(p), &["query"]) {
        Ok(found) => names_answer(found.iter().flat_map(|i| streams()[*i].labels.keys().map(String::as_str)).collect()),
        Err(msg) => bad_request(msg),
    }
}

async fn label_values(
    State(w): State<Arc<World>>,
    Path(name): Path<String>,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    match metadata_streams(&w, &Params(p), &["query"]) {
        Ok(found) => {
            names_answer(found.iter().filter_map(|i| streams()[*i].labels.get(&name).map(String::as_str)).collect())
        }
        Err(msg) => bad_request(msg),
    }
}

async fn series(State(w): State<Arc<World>>, Form(p): Form<Vec<(String, String)>>) -> Response {
    match metadata_streams(&w, &Params(p), &["match[]", "match"]) {
        Ok(found) => {
            let mut sets: Vec<_> = found.iter().map(|i| &streams()[*i].labels).collect();
            sets.sort_by_key(|l| fmt_labels(l));
            json_response(json!({"status": "success", "data": sets}))
        }
        Err(msg) => bad_request(msg),
    }
}

async fn buildinfo() -> Response {
    json_response(json!({
        "version": "3.5.0-centinela-demo", "revision": "demo", "branch": "demo", "buildUser": "centinela",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "n/a"
    }))
}

async fn ready() -> Response {
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "ready\n").into_response()
}

async fn not_found() -> Response {
    (StatusCode::NOT_FOUND, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], "404 page not found\n")
        .into_response()
}

pub fn router(world: Arc<World>) -> Router {
    Router::new()
        .route("/loki/api/v1/query_range", get(query_range).post(query_range))
        .route("/loki/api/v1/query", get(query).post(query))
        .route("/loki/api/v1/labels", get(labels).post(labels))
        .route("/loki/api/v1/label/{name}/values", get(label_values).post(label_values))
        .route("/loki/api/v1/series", get(series).post(series))
        .route("/loki/api/v1/tail", get(super::loki_tail::tail))
        .route("/loki/api/v1/status/buildinfo", get(buildinfo))
        .route("/ready", get(ready))
        .fallback(not_found)
        .with_state(world)
}

#[cfg(test)]
#[path = "loki_api_tests.rs"]
mod tests;
