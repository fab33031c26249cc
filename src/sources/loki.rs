//! Loki HTTP API client: `/loki/api/v1/query_range`, `/query`, `/labels`, `/label/{name}/values` and
//! `/series`, built on the same [`http::Conn`] as the Prometheus client (so `X-Scope-OrgID`, bearer
//! tokens, timeouts and the body cap come from the same config block; the URL may carry a path
//! prefix, and credentials in it are sent as basic auth).
//!
//! Loki quirks handled here, all seen in responses recorded from a real Loki 3.x
//! (`tests/fixtures/loki/`):
//! - Log timestamps are nanosecond integers sent as JSON *strings*; they are parsed as `i64` (an `f64`
//!   would lose the last digits), and one that does not parse is a decode error naming it.
//! - Streams arrive sorted by label set, not by time, and the values inside a stream follow the query's
//!   `direction` (backward = newest first). [`decode_query`] merges every stream into one list, oldest
//!   first, whatever the direction (ties keep Loki's stream order); the entries of one stream share one
//!   `Arc` of its labels.
//! - With `X-Loki-Response-Encoding-Flags: categorize-labels` (a header that can be set in the source's
//!   `headers`), `stream` holds only the indexed labels and each value gains a third element
//!   `{"structuredMetadata":{…},"parsed":{…}}`; both maps are merged into [`LogEntry::fields`] (on a name
//!   clash, which Loki avoids with `_extracted`, structured metadata wins). Without it `fields` is `None`.
//! - Metric results use Prometheus's shapes (seconds as JSON numbers, values as strings with `NaN` and
//!   `±Inf`), except the instant *scalar*, whose time is an integer of *milliseconds*; it is converted to
//!   seconds so every result speaks the same unit.
//! - `/labels` and `/label/{name}/values` leave `data` out altogether when there is nothing to return:
//!   that is an empty list, not an error.
//! - Errors are HTTP 400 with a `text/plain` body holding the bare LogQL message; it is shown verbatim
//!   (trimmed and sanitised, not reworded) as [`FetchErrorKind::Api`]. A 404 means the URL does not
//!   point at Loki (a wrong path prefix, or another service), and says so.

use crate::action::{FetchError, FetchErrorKind};
use crate::config::PromSource;
use crate::logs::model::{LogEntry, LokiResult, RangeQuery};
use crate::sanitize::sanitize_trunc;
use crate::sources::http::{self, err};
use crate::sources::prometheus::{parse_value, Labels, Sample, Series};
use serde::de::{self, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize;
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Longest Loki error message kept (a LogQL parse error is about 200 characters; a few quote the query).
const API_MESSAGE_MAX: usize = 1000;

pub const QUERY_RANGE: &str = "/loki/api/v1/query_range";
pub const QUERY: &str = "/loki/api/v1/query";
pub const LABELS: &str = "/loki/api/v1/labels";
pub const SERIES: &str = "/loki/api/v1/series";
pub const TAIL: &str = "/loki/api/v1/tail";

/// A client for one Loki (or anything serving its HTTP API: a gateway, Grafana Cloud Logs).
#[derive(Debug, Clone)]
pub struct LokiClient {
    pub(crate) conn: http::Conn,
}

impl LokiClient {
    pub fn new(src: &PromSource) -> Result<LokiClient, String> {
        Ok(LokiClient { conn: http::Conn::new(src, "Loki")? })
    }

    /// How this backend is named in messages ("Loki at http://host:3100/").
    pub fn name(&self) -> &str {
        &self.conn.shown
    }

    async fn get(&self, url: String, params: &[(&str, String)]) -> Result<(u16, Vec<u8>), FetchError> {
        let c = &self.conn;
        c.send(c.http.get(url).query(params), c.cap).await
    }

    /// A log or metric query over a range. Log lines come back oldest first whatever the direction.
    pub async fn query_range(&self, q: &RangeQuery) -> Result<LokiResult, FetchError> {
        let mut params = vec![
            ("query", q.expr.clone()),
            ("start", q.start_ns.to_string()),
            ("end", q.end_ns.to_string()),
            ("limit", q.limit.to_string()),
            ("direction", q.direction.as_str().to_string()),
        ];
        if let Some(step) = q.step {
            params.push(("step", step_param(step)));
        }
        let (status, body) = self.get(self.conn.url(QUERY_RANGE), &params).await?;
        decode_query(status, &body, &self.conn.shown)
    }

    /// An instant query at `time_ns`. Loki refuses log selectors here (HTTP 400, shown verbatim): only
    /// metric queries have an instant form.
    pub async fn query(&self, expr: &str, time_ns: i64, limit: u32) -> Result<LokiResult, FetchError> {
        let params = [("query", expr.to_string()), ("time", time_ns.to_string()), ("limit", limit.to_string())];
        let (status, body) = self.get(self.conn.url(QUERY), &params).await?;
        decode_query(status, &body, &self.conn.shown)
    }

    /// Label names seen between `start_ns` and `end_ns`.
    pub async fn labels(&self, start_ns: i64, end_ns: i64) -> Result<Vec<String>, FetchError> {
        let params = [("start", start_ns.to_string()), ("end", end_ns.to_string())];
        let (status, body) = self.get(self.conn.url(LABELS), &params).await?;
        decode_strings(status, &body, &self.conn.shown)
    }

    /// Values of label `name` between `start_ns` and `end_ns`, optionally only in streams matching
    /// `query` (a stream selector).
    pub async fn label_values(
        &self,
        name: &str,
        start_ns: i64,
        end_ns: i64,
        query: Option<&str>,
    ) -> Result<Vec<String>, FetchError> {
        let mut params = vec![("start", start_ns.to_string()), ("end", end_ns.to_string())];
        if let Some(q) = query {
            params.push(("query", q.to_string()));
        }
        let (status, body) = self.get(self.label_values_url(name)?, &params).await?;
        decode_strings(status, &body, &self.conn.shown)
    }

    /// `…/loki/api/v1/label/{name}/values`, the name percent-encoded as one path segment.
    fn label_values_url(&self, name: &str) -> Result<String, FetchError> {
        let mut url = reqwest::Url::parse(&self.conn.url("/loki/api/v1/label"))
            .map_err(|e| err(FetchErrorKind::Connect, format!("{}: invalid URL ({e})", self.conn.shown)))?;
        url.path_segments_mut()
            .map_err(|_| err(FetchErrorKind::Connect, format!("{}: the URL cannot take a path", self.conn.shown)))?
            .push(name)
            .push("values");
        Ok(url.into())
    }

    /// The label sets of the streams matching any of `matchers` (each a stream selector).
    pub async fn series(&self, matchers: &[&str], start_ns: i64, end_ns: i64) -> Result<Vec<Labels>, FetchError> {
        let mut params: Vec<(&str, String)> = matchers.iter().map(|m| ("match[]", m.to_string())).collect();
        params.push(("start", start_ns.to_string()));
        params.push(("end", end_ns.to_string()));
        let (status, body) = self.get(self.conn.url(SERIES), &params).await?;
        decode_series(status, &body, &self.conn.shown)
    }
}

/// Loki takes a step as a duration string or a number of seconds; whole seconds go as an integer.
fn step_param(step: Duration) -> String {
    if step.subsec_nanos() == 0 {
        step.as_secs().to_string()
    } else {
        format!("{}", step.as_secs_f64())
    }
}

// ---------------------------------------------------------------------------------------------------
// Errors

fn decode_err(what: &str, e: impl fmt::Display) -> FetchError {
    err(FetchErrorKind::Decode, format!("{what}: the answer is not valid Loki API JSON ({e})"))
}

/// Turn a non-2xx answer into the error a panel shows; `Ok` for 2xx.
///
/// Loki's own errors (HTTP 400, `text/plain`, the bare LogQL message) are kept verbatim as `Api`. A 404
/// means the URL is not Loki's API. Anything else (a proxy's HTML page, a 5xx) is `Http` with an excerpt.
pub fn check_status(status: u16, body: &[u8], what: &str) -> Result<(), FetchError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    if status == 404 {
        return Err(err(
            FetchErrorKind::Http,
            format!(
                "{what} answered HTTP 404 ({}): the URL does not look like Loki; \
                 check the configured url and its path prefix",
                http::body_excerpt(body)
            ),
        ));
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if status == 400 && !text.is_empty() && !text.starts_with('<') {
        // A JSON error body (some gateways) carries the message in `error` or `message`.
        #[derive(Deserialize)]
        struct JsonError {
            error: Option<String>,
            message: Option<String>,
        }
        let message = match serde_json::from_str::<JsonError>(text) {
            Ok(JsonError { error: Some(m), .. } | JsonError { message: Some(m), .. }) => m,
            _ => text.to_string(),
        };
        return Err(FetchError { kind: FetchErrorKind::Api, message: sanitize_trunc(message.trim(), API_MESSAGE_MAX) });
    }
    Err(err(FetchErrorKind::Http, format!("{what} answered HTTP {status}: {}", http::body_excerpt(body))))
}

// ---------------------------------------------------------------------------------------------------
// Decoding

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RawData<'a> {
    #[serde(rename = "resultType", borrow)]
    result_type: Cow<'a, str>,
    #[serde(borrow)]
    result: &'a serde_json::value::RawValue,
}

/// One stream of a log answer (query or tail frame).
#[derive(Deserialize)]
pub(crate) struct RawStream {
    #[serde(default)]
    stream: Labels,
    #[serde(default)]
    values: Vec<RawEntry>,
}

/// `["<ns>", "<line>"]` or `["<ns>", "<line>", {"structuredMetadata": {…}, "parsed": {…}}]`.
struct RawEntry {
    ts_ns: i64,
    line: String,
    fields: Option<Labels>,
}

#[derive(Deserialize)]
struct Categories {
    #[serde(default, rename = "structuredMetadata")]
    structured_metadata: Labels,
    #[serde(default)]
    parsed: Labels,
}

/// A nanosecond timestamp: Loki sends a string of digits; a bare integer is accepted too.
struct Ns(i64);

impl<'de> Deserialize<'de> for Ns {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Ns, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Ns;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a nanosecond timestamp")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Ns, E> {
                s.parse::<i64>().map(Ns).map_err(|_| {
                    E::custom(format_args!("timestamp `{}` is not a nanosecond count", sanitize_trunc(s, 40)))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Ns, E> {
                Ok(Ns(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Ns, E> {
                i64::try_from(v).map(Ns).map_err(|_| E::custom(format_args!("timestamp `{v}` is out of range")))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawEntry, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a [timestamp, line] pair")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawEntry, A::Error> {
                let Ns(ts_ns) = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(0, &self))?;
                let line: String = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(1, &self))?;
                let fields = seq.next_element::<Option<Categories>>()?.flatten().map(|c| {
                    let mut all = c.parsed;
                    all.extend(c.structured_metadata);
                    all
                });
                // Tolerate elements a later Loki might add.
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawEntry { ts_ns, line, fields })
            }
        }
        d.deserialize_seq(V)
    }
}

/// Every stream's entries in one list, oldest first; ties keep stream order, then the order within a
/// stream as sent (reversed first when the stream came newest first).
pub(crate) fn merge_streams(streams: Vec<RawStream>) -> Vec<LogEntry> {
    let total = streams.iter().map(|s| s.values.len()).sum();
    let mut out: Vec<LogEntry> = Vec::with_capacity(total);
    for s in streams {
        let labels = Arc::new(s.stream);
        let first = out.len();
        out.extend(s.values.into_iter().map(|v| LogEntry {
            ts_ns: v.ts_ns,
            labels: Arc::clone(&labels),
            fields: v.fields.map(Arc::new),
            line: v.line,
        }));
        let run = &mut out[first..];
        if run.len() > 1 && run[0].ts_ns > run[run.len() - 1].ts_ns {
            run.reverse();
        }
    }
    // Stable, and each stream is now an ascending run: the sort merges runs rather than sorting afresh.
    out.sort_by_key(|e| e.ts_ns);
    out
}

#[derive(Deserialize)]
struct RawSeries<'a> {
    #[serde(default)]
    metric: Labels,
    #[serde(default, borrow)]
    values: Vec<(f64, Cow<'a, str>)>,
}

#[derive(Deserialize)]
struct RawSample<'a> {
    #[serde(default)]
    metric: Labels,
    #[serde(borrow)]
    value: (f64, Cow<'a, str>),
}

fn value(what: &str, v: &str) -> Result<f64, FetchError> {
    parse_value(v).ok_or_else(|| decode_err(what, format!("sample value `{}` is not a number", sanitize_trunc(v, 40))))
}

/// Parse the `{"status": …, "data": …}` envelope: `Ok(None)` when `data` is absent.
fn envelope<'a>(status: u16, body: &'a [u8], what: &str) -> Result<Option<&'a str>, FetchError> {
    check_status(status, body, what)?;
    let env: Envelope = serde_json::from_slice(body).map_err(|e| decode_err(what, e))?;
    if env.status != "success" {
        let msg = env.error.unwrap_or_else(|| format!("status `{}` without an error message", env.status));
        return Err(FetchError { kind: FetchErrorKind::Api, message: sanitize_trunc(msg.trim(), API_MESSAGE_MAX) });
    }
    Ok(env.data.map(|d| d.get()))
}

/// Decode the answer of `/query_range` or `/query`. `status` is the HTTP status; `what` names the backend
/// for messages ("Loki at http://…").
pub fn decode_query(status: u16, body: &[u8], what: &str) -> Result<LokiResult, FetchError> {
    let raw = envelope(status, body, what)?.ok_or_else(|| decode_err(what, "no `data`"))?;
    let data: RawData = serde_json::from_str(raw).map_err(|e| decode_err(what, e))?;
    let result = data.result.get();
    match data.result_type.as_ref() {
        "streams" => {
            let streams: Vec<RawStream> = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            Ok(LokiResult::Streams(merge_streams(streams)))
        }
        "matrix" => {
            let raw: Vec<RawSeries> = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            let series = raw
                .into_iter()
                .map(|s| {
                    let points = s.values.iter().map(|(t, v)| Ok((*t, value(what, v)?))).collect::<Result<_, _>>()?;
                    Ok(Series { labels: s.metric, points })
                })
                .collect::<Result<_, FetchError>>()?;
            Ok(LokiResult::Matrix(series))
        }
        "vector" => {
            let raw: Vec<RawSample> = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            let samples = raw
                .into_iter()
                .map(|s| Ok(Sample { labels: s.metric, t: s.value.0, v: value(what, &s.value.1)? }))
                .collect::<Result<_, FetchError>>()?;
            Ok(LokiResult::Vector(samples))
        }
        "scalar" => {
            // Milliseconds here, unlike every other result type.
            let (t_ms, v): (f64, Cow<str>) = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            Ok(LokiResult::Scalar { t: t_ms / 1000.0, v: value(what, &v)? })
        }
        other => Err(decode_err(what, format!("unknown resultType `{}`", sanitize_trunc(other, 40)))),
    }
}

/// Decode `/labels` or `/label/{name}/values`: a list of strings, empty when `data` is left out.
pub fn decode_strings(status: u16, body: &[u8], what: &str) -> Result<Vec<String>, FetchError> {
    match envelope(status, body, what)? {
        None => Ok(Vec::new()),
        Some(raw) => {
            let list: Option<Vec<String>> = serde_json::from_str(raw).map_err(|e| decode_err(what, e))?;
            Ok(list.unwrap_or_default())
        }
    }
}

/// Decode `/series`: one label set per stream, empty when `data` is left out.
pub fn decode_series(status: u16, body: &[u8], what: &str) -> Result<Vec<Labels>, FetchError> {
    match envelope(status, body, what)? {
        None => Ok(Vec::new()),
        Some(raw) => {
            let list: Option<Vec<Labels>> = serde_json::from_str(raw).map_err(|e| decode_err(what, e))?;
            Ok(list.unwrap_or_default())
        }
    }
}

/// One frame of the live tail websocket: `{"streams": […], "dropped_entries": […]}`.
#[derive(Deserialize)]
struct TailFrame {
    #[serde(default)]
    streams: Vec<RawStream>,
    /// Left out when nothing was dropped; only the count is kept.
    #[serde(default)]
    dropped_entries: Option<Vec<IgnoredAny>>,
}

/// Decode one tail frame: its entries oldest first, and how many entries Loki says it dropped (because
/// the client was reading too slowly).
pub fn decode_tail_frame(frame: &[u8], what: &str) -> Result<(Vec<LogEntry>, u64), FetchError> {
    let f: TailFrame = serde_json::from_slice(frame).map_err(|e| {
        err(FetchErrorKind::Decode, format!("{what}: a live tail frame is not valid Loki tail JSON ({e})"))
    })?;
    let dropped = f.dropped_entries.map_or(0, |d| d.len() as u64);
    Ok((merge_streams(f.streams), dropped))
}

#[cfg(test)]
#[path = "loki_tests.rs"]
mod tests;
