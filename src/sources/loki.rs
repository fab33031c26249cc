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
mod tests {
    use super::*;

    const W: &str = "Loki at http://loki:3100/";

    fn streams(r: LokiResult) -> Vec<LogEntry> {
        match r {
            LokiResult::Streams(e) => e,
            other => panic!("expected streams, got {other:?}"),
        }
    }

    #[test]
    fn streams_merge_oldest_first_and_share_labels() {
        // Two streams sorted by label set, values newest first (direction=backward), a tie at 20.
        let body = br#"{"status":"success","data":{"resultType":"streams","result":[
            {"stream":{"app":"a"},"values":[["1795344492087801300","a3"],["20","a2"],["10","a1"]]},
            {"stream":{"app":"b"},"values":[["30","b2"],["20","b1"]]}],"stats":{"summary":{}}}}"#;
        let e = streams(decode_query(200, body, W).unwrap());
        let got: Vec<(i64, &str)> = e.iter().map(|e| (e.ts_ns, e.line.as_str())).collect();
        assert_eq!(got, [(10, "a1"), (20, "a2"), (20, "b1"), (30, "b2"), (1795344492087801300, "a3")]);
        assert!(Arc::ptr_eq(&e[0].labels, &e[1].labels), "one Arc per stream");
        assert!(!Arc::ptr_eq(&e[1].labels, &e[2].labels));
        assert_eq!(e[2].labels["app"], "b");
        assert!(e.iter().all(|e| e.fields.is_none()));
    }

    #[test]
    fn forward_streams_stay_oldest_first() {
        let body = br#"{"status":"success","data":{"resultType":"streams","result":[
            {"stream":{"app":"a"},"values":[["5","a1"],["7","a2"]]},
            {"stream":{"app":"b"},"values":[["1","b1"],["9","b2"]]}]}}"#;
        let e = streams(decode_query(200, body, W).unwrap());
        let ts: Vec<i64> = e.iter().map(|e| e.ts_ns).collect();
        assert_eq!(ts, [1, 5, 7, 9]);
    }

    #[test]
    fn categorized_values_carry_fields() {
        let body =
            br#"{"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":[
            {"stream":{"app":"a"},"values":[
                ["2","x",{"structuredMetadata":{"trace_id":"t1"},"parsed":{"msg":"m"}}],
                ["1","y",{"structuredMetadata":{"detected_level":"info"}}],
                ["3","z",{}]]}]}}"#;
        let e = streams(decode_query(200, body, W).unwrap());
        assert_eq!(e[0].line, "y");
        assert_eq!(e[0].fields.as_deref(), Some(&Labels::from([("detected_level".into(), "info".into())])));
        let f = e[1].fields.as_deref().unwrap();
        assert_eq!((f["trace_id"].as_str(), f["msg"].as_str()), ("t1", "m"));
        assert_eq!(e[2].fields.as_deref(), Some(&Labels::new()));
        assert_eq!(e[0].labels.len(), 1);
    }

    #[test]
    fn bad_timestamps_are_named() {
        let body = br#"{"status":"success","data":{"resultType":"streams","result":[
            {"stream":{},"values":[["12x4","line"]]}]}}"#;
        let e = decode_query(200, body, W).unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Decode);
        assert!(e.message.contains("`12x4`") && e.message.starts_with(W), "{}", e.message);
        let body = br#"{"status":"success","data":{"resultType":"streams","result":[
            {"stream":{},"values":[["99999999999999999999","line"]]}]}}"#;
        assert!(decode_query(200, body, W).unwrap_err().message.contains("99999999999999999999"));
        let body = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["1"]]}]}}"#;
        assert_eq!(decode_query(200, body, W).unwrap_err().kind, FetchErrorKind::Decode);
    }

    #[test]
    fn metric_results_decode_with_the_scalar_in_milliseconds() {
        let m = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"level":"error"},"values":[[1795343640,"1"],[1795343700,"NaN"],[1795343760,"+Inf"]]}]}}"#;
        let LokiResult::Matrix(series) = decode_query(200, m, W).unwrap() else { panic!() };
        assert_eq!(series[0].labels["level"], "error");
        assert_eq!(series[0].points[0], (1795343640.0, 1.0));
        assert!(series[0].points[1].1.is_nan());
        assert_eq!(series[0].points[2].1, f64::INFINITY);

        let v = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"level":"warn"},"value":[1795344515.082,"80"]}]}}"#;
        let LokiResult::Vector(s) = decode_query(200, v, W).unwrap() else { panic!() };
        assert_eq!((s[0].t, s[0].v), (1795344515.082, 80.0));

        let s = br#"{"status":"success","data":{"resultType":"scalar","result":[1795344515082,"42"]}}"#;
        assert_eq!(decode_query(200, s, W).unwrap(), LokiResult::Scalar { t: 1795344515.082, v: 42.0 });

        let bad =
            br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"lots"]]}]}}"#;
        let e = decode_query(200, bad, W).unwrap_err();
        assert!(e.kind == FetchErrorKind::Decode && e.message.contains("`lots`"), "{e:?}");
        let other = br#"{"status":"success","data":{"resultType":"string","result":[1,"x"]}}"#;
        assert!(decode_query(200, other, W).unwrap_err().message.contains("unknown resultType `string`"));
    }

    #[test]
    fn label_lists_without_data_are_empty() {
        assert_eq!(decode_strings(200, br#"{"status":"success"}"#, W).unwrap(), Vec::<String>::new());
        assert_eq!(decode_strings(200, br#"{"status":"success","data":["app","env"]}"#, W).unwrap(), ["app", "env"]);
        assert_eq!(decode_series(200, br#"{"status":"success","data":[]}"#, W).unwrap(), Vec::<Labels>::new());
        let s = decode_series(200, br#"{"status":"success","data":[{"app":"a"}]}"#, W).unwrap();
        assert_eq!(s[0]["app"], "a");
        assert_eq!(
            decode_strings(200, br#"{"status":"success","data":[1]}"#, W).unwrap_err().kind,
            FetchErrorKind::Decode
        );
    }

    #[test]
    fn loki_errors_are_verbatim() {
        let msg = "parse error at line 0, col 23: syntax error: unexpected |=, expecting } or ,";
        let e = decode_query(400, msg.as_bytes(), W).unwrap_err();
        assert_eq!(e, FetchError { kind: FetchErrorKind::Api, message: msg.into() });
        // Trimmed and sanitised, never cut at a usual length.
        let long = format!("{}\x1b[31m!\n", "x".repeat(400));
        let e = decode_strings(400, long.as_bytes(), W).unwrap_err();
        assert_eq!(e.message, format!("{}␛[31m!", "x".repeat(400)));
        let e = decode_query(400, br#"{"status":"error","error":"bad"}"#, W).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (FetchErrorKind::Api, "bad"));
        let e = decode_query(200, br#"{"status":"error","error":"nope"}"#, W).unwrap_err();
        assert_eq!((e.kind, e.message.as_str()), (FetchErrorKind::Api, "nope"));
    }

    #[test]
    fn not_loki_and_broken_answers_are_named() {
        let e = decode_query(404, b"404 page not found\n", W).unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Http);
        assert!(e.message.contains("does not look like Loki") && e.message.contains("path prefix"), "{}", e.message);
        let e = decode_query(502, b"<html><title>502 Bad Gateway</title></html>", W).unwrap_err();
        assert_eq!(
            (e.kind, e.message.as_str()),
            (FetchErrorKind::Http, "Loki at http://loki:3100/ answered HTTP 502: 502 Bad Gateway")
        );
        let e = decode_query(400, b"<html><title>400 Bad Request</title></html>", W).unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Http);
        let e = decode_query(200, br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a""#, W)
            .unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Decode);
        assert!(e.message.contains("not valid Loki API JSON"));
        assert_eq!(decode_query(200, br#"{"status":"success"}"#, W).unwrap_err().kind, FetchErrorKind::Decode);
    }

    #[test]
    fn tail_frames_count_dropped_entries() {
        let f =
            br#"{"streams":[{"stream":{"app":"a"},"values":[["2","b"]]},{"stream":{"app":"a"},"values":[["1","a"]]}],
            "dropped_entries":[{"labels":{"app":"a"},"timestamp":"3"},{"labels":{"app":"a"},"timestamp":"4"}]}"#;
        let (e, dropped) = decode_tail_frame(f, W).unwrap();
        assert_eq!(dropped, 2);
        assert_eq!(e.iter().map(|e| e.line.as_str()).collect::<Vec<_>>(), ["a", "b"]);
        let (e, dropped) = decode_tail_frame(br#"{"streams":[]}"#, W).unwrap();
        assert!(e.is_empty() && dropped == 0);
        assert_eq!(decode_tail_frame(b"{\"streams\":[{", W).unwrap_err().kind, FetchErrorKind::Decode);
    }

    #[test]
    fn steps_are_seconds() {
        assert_eq!(step_param(Duration::from_secs(120)), "120");
        assert_eq!(step_param(Duration::from_millis(1500)), "1.5");
    }

    #[test]
    fn large_answers_decode() {
        // About 5 MB over 50 streams, newest first as a backward query sends them.
        let mut body = String::from(r#"{"status":"success","data":{"resultType":"streams","result":["#);
        for s in 0..50 {
            if s > 0 {
                body.push(',');
            }
            body.push_str(&format!(r#"{{"stream":{{"app":"a","pod":"p{s}"}},"values":["#));
            for i in (0..1000).rev() {
                let ts = 1_795_344_000_000_000_000i64 + i * 1_000_000 + s;
                body.push_str(&format!(
                    r#"["{ts}","level=info msg=\"request {i} done\" path=/api/v1/items pad={}"]"#,
                    "x".repeat(40)
                ));
                if i > 0 {
                    body.push(',');
                }
            }
            body.push_str("]}");
        }
        body.push_str("]}}");
        assert!(body.len() > 5_000_000, "{}", body.len());
        let e = streams(decode_query(200, body.as_bytes(), W).unwrap());
        assert_eq!(e.len(), 50_000);
        assert!(e.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns));
        assert_eq!(e[0].labels["pod"], "p0");
    }
}
