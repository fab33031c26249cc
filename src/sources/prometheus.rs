//! Prometheus HTTP API client: `/api/v1/query`, `/api/v1/query_range`, `/api/v1/status/buildinfo`.
//!
//! Works with anything that speaks this API (Prometheus, Thanos, Mimir, VictoriaMetrics): the
//! configured URL may carry a path prefix (`http://mimir/prometheus`). Queries are sent as
//! `application/x-www-form-urlencoded` POSTs, as Grafana does, so long expressions never hit URL limits.

use crate::action::{FetchError, FetchErrorKind};
use crate::config::PromSource;
use crate::sources::http::{self, err};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

pub type Labels = BTreeMap<String, String>;

/// One series of a range query: labels and (unix seconds, value) points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub labels: Labels,
    pub points: Vec<(f64, f64)>,
}

/// One sample of an instant query.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    pub labels: Labels,
    pub t: f64,
    pub v: f64,
}

/// A decoded `data` object, for every result type the API has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueryData {
    Vector {
        samples: Vec<Sample>,
    },
    Matrix {
        series: Vec<Series>,
    },
    Scalar {
        t: f64,
        v: f64,
    },
    String {
        t: f64,
        v: String,
    },
    /// Log lines (a `logs` panel's LogQL query, read from Loki), oldest first.
    Logs {
        entries: Vec<crate::logs::LogEntry>,
    },
}

impl QueryData {
    /// Whether the result holds no data at all.
    pub fn is_empty(&self) -> bool {
        match self {
            QueryData::Vector { samples } => samples.is_empty(),
            QueryData::Matrix { series } => series.iter().all(|s| s.points.is_empty()),
            QueryData::Scalar { .. } | QueryData::String { .. } => false,
            QueryData::Logs { entries } => entries.is_empty(),
        }
    }
}

/// What `/api/v1/status/buildinfo` says.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct BuildInfo {
    pub version: String,
    #[serde(default)]
    pub revision: String,
}

/// Parse a Prometheus sample value: decimal, `NaN`, `+Inf`, `-Inf`.
pub fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok(),
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    data: Option<&'a serde_json::value::RawValue>,
    #[serde(rename = "errorType")]
    error_type: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
struct RawData<'a> {
    #[serde(rename = "resultType", borrow)]
    result_type: Cow<'a, str>,
    #[serde(borrow)]
    result: &'a serde_json::value::RawValue,
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
    value: Option<(f64, Cow<'a, str>)>,
}

fn decode_err(what: &str, e: impl std::fmt::Display) -> FetchError {
    err(FetchErrorKind::Decode, format!("{what}: the answer is not valid Prometheus API JSON ({e})"))
}

/// Decode a response body. `status` is the HTTP status; `what` names the backend for messages.
/// Prometheus's own error bodies are passed through as `errorType: error`, verbatim.
pub fn decode(status: u16, body: &[u8], what: &str) -> Result<QueryData, FetchError> {
    let env: Envelope = match serde_json::from_slice(body) {
        Ok(e) => e,
        Err(e) if (200..300).contains(&status) => return Err(decode_err(what, e)),
        Err(_) => {
            return Err(err(
                FetchErrorKind::Http,
                format!("{what} answered HTTP {status}: {}", http::body_excerpt(body)),
            ));
        }
    };
    if env.status != "success" {
        let kind = env.error_type.unwrap_or_else(|| "error".into());
        let msg = env.error.unwrap_or_else(|| format!("HTTP {status} without an error message"));
        return Err(err(FetchErrorKind::Api, format!("{kind}: {msg}")));
    }
    let raw = env.data.ok_or_else(|| decode_err(what, "no `data`"))?;
    let data: RawData = serde_json::from_str(raw.get()).map_err(|e| decode_err(what, e))?;
    let result = data.result.get();
    match data.result_type.as_ref() {
        "matrix" => {
            let raw: Vec<RawSeries> = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            let series = raw
                .into_iter()
                .map(|s| Series {
                    labels: s.metric,
                    points: s.values.iter().filter_map(|(t, v)| parse_value(v).map(|v| (*t, v))).collect(),
                })
                .collect();
            Ok(QueryData::Matrix { series })
        }
        "vector" => {
            let raw: Vec<RawSample> = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            let samples = raw
                .into_iter()
                .filter_map(|s| {
                    let (t, v) = s.value?;
                    Some(Sample { labels: s.metric, t, v: parse_value(&v)? })
                })
                .collect();
            Ok(QueryData::Vector { samples })
        }
        "scalar" => {
            let (t, v): (f64, Cow<str>) = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            let v = parse_value(&v).ok_or_else(|| decode_err(what, format!("scalar value `{v}`")))?;
            Ok(QueryData::Scalar { t, v })
        }
        "string" => {
            let (t, v): (f64, String) = serde_json::from_str(result).map_err(|e| decode_err(what, e))?;
            Ok(QueryData::String { t, v })
        }
        other => Err(decode_err(what, format!("unknown resultType `{other}`"))),
    }
}

/// Start, end (unix seconds) and step of a range query.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RangeParams {
    pub start: i64,
    pub end: i64,
    pub step: i64,
}

const NICE_STEPS: &[i64] =
    &[1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

/// The range query for a chart `width_cells` wide showing `range` up to `now` (unix seconds).
///
/// A braille chart draws two points per cell, so at most `2 × width` points are fetched (a half-block
/// chart in low-bandwidth mode passes half its width: see `update::chart_cells`): the step is
/// the range divided by that, rounded *up* to a "nice" step (so the chart never gets more points than
/// it can draw), never below `min_step`.
///
/// The end is aligned *up*: to the next multiple of the step for steps up to 4 minutes, else to the
/// next whole minute (every nice step from a minute up is a multiple of 60 s). Prometheus evaluates
/// that point from the newest sample within its 5-minute lookback, so the last point is current;
/// aligning down (as some tools do) would hide up to a whole step of the newest data, and aligning up
/// to a long step would put the last point past the lookback, where it has no value at all. Two
/// refreshes within one alignment window ask for the same timestamps, so the chart only moves when
/// time has moved a step (or a minute), and an idle screen stays idle (the render path uses the same
/// window, see [`chart_window`]).
pub fn range_params(now: i64, range: Duration, width_cells: u16, min_step: i64) -> RangeParams {
    let range_s = range.as_secs().max(1) as i64;
    let points = (width_cells as i64 * 2).max(10);
    let raw = (range_s + points - 1) / points;
    let step = NICE_STEPS
        .iter()
        .copied()
        .find(|&s| s >= raw)
        .unwrap_or_else(|| ((raw + 86399) / 86400) * 86400)
        .max(min_step.max(1));
    let align = if step <= 240 { step } else { 60 };
    let end = (now + align - 1).div_euclid(align) * align;
    let start = end - (range_s / step) * step;
    RangeParams { start, end, step }
}

/// The x-axis window a chart `width_cells` wide draws at `now`: the same aligned window its range
/// query asked for, so the axis only moves when the data does.
pub fn chart_window(now: i64, range: Duration, width_cells: u16, min_step: i64) -> (f64, f64) {
    let r = range_params(now, range, width_cells, min_step);
    (r.end as f64 - range.as_secs() as f64, r.end as f64)
}

/// A client for one Prometheus-compatible backend.
#[derive(Debug, Clone)]
pub struct PromClient {
    pub(crate) conn: http::Conn,
}

impl PromClient {
    pub fn new(src: &PromSource) -> Result<PromClient, String> {
        Ok(PromClient { conn: http::Conn::new(src, "Prometheus")? })
    }

    /// How this backend is named in messages ("Prometheus at http://host:9090/").
    pub fn name(&self) -> &str {
        &self.conn.shown
    }

    async fn post(&self, path: &str, form: &[(&str, String)]) -> Result<QueryData, FetchError> {
        let c = &self.conn;
        let (status, body) = c.send(c.http.post(c.url(path)).form(form), c.cap).await?;
        decode(status, &body, &c.shown)
    }

    /// An instant query at `time` (unix seconds).
    pub async fn query(&self, expr: &str, time: f64) -> Result<QueryData, FetchError> {
        self.post("/api/v1/query", &[("query", expr.to_string()), ("time", fmt_time(time))]).await
    }

    /// A range query.
    pub async fn query_range(&self, expr: &str, r: RangeParams) -> Result<QueryData, FetchError> {
        self.post(
            "/api/v1/query_range",
            &[
                ("query", expr.to_string()),
                ("start", r.start.to_string()),
                ("end", r.end.to_string()),
                ("step", r.step.to_string()),
            ],
        )
        .await
    }

    /// A dashboard variable's raw choices (before its regex): label values, label names, metric names
    /// or an instant query's samples as text.
    pub async fn variable_choices(&self, q: &crate::variables::VarQuery, time: f64) -> Result<Vec<String>, FetchError> {
        use crate::variables::VarQuery;
        const CAP: usize = 8 << 20;
        let enc = |s: &str| percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string();
        match q {
            VarQuery::LabelValues { label, selector } => {
                let mut path = format!("/api/v1/label/{}/values", enc(label));
                if let Some(sel) = selector {
                    path.push_str(&format!("?match[]={}", enc(sel)));
                }
                self.get_data(&path, CAP).await
            }
            VarQuery::LabelNames => self.get_data("/api/v1/labels", CAP).await,
            VarQuery::Metrics { regex } => {
                let names: Vec<String> = self.get_data("/api/v1/label/__name__/values", CAP).await?;
                let re = regex::Regex::new(&format!("^(?:{regex})$"))
                    .map_err(|e| err(FetchErrorKind::Api, format!("metrics(`{regex}`): not a valid regex: {e}")))?;
                Ok(names.into_iter().filter(|n| re.is_match(n)).collect())
            }
            VarQuery::QueryResult { expr } => Ok(crate::variables::source::texts_of(&self.query(expr, time).await?)),
        }
    }

    pub async fn buildinfo(&self) -> Result<BuildInfo, FetchError> {
        self.get_data("/api/v1/status/buildinfo", 1 << 20).await
    }

    /// GET `path` and decode the `data` of Prometheus's `{"status": …, "data": …}` envelope as `T`;
    /// an error envelope is passed through verbatim as `errorType: error`.
    pub(crate) async fn get_data<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        cap: usize,
    ) -> Result<T, FetchError> {
        let c = &self.conn;
        let (status, body) = c.send(c.http.get(c.url(path)), cap).await?;
        #[derive(Deserialize)]
        struct Env<T> {
            status: String,
            data: Option<T>,
            #[serde(rename = "errorType")]
            error_type: Option<String>,
            error: Option<String>,
        }
        let env: Env<T> = match serde_json::from_slice(&body) {
            Ok(env) => env,
            Err(e) if (200..300).contains(&status) => return Err(decode_err(&c.shown, e)),
            Err(_) => {
                let excerpt = http::body_excerpt(&body);
                return Err(err(FetchErrorKind::Http, format!("{} answered HTTP {status}: {excerpt}", c.shown)));
            }
        };
        match (env.status.as_str(), env.data) {
            ("success", Some(d)) => Ok(d),
            ("success", None) => Err(decode_err(&c.shown, format!("{path} without `data`"))),
            _ => Err(err(
                FetchErrorKind::Api,
                format!(
                    "{}: {}",
                    env.error_type.unwrap_or_else(|| "error".into()),
                    env.error.unwrap_or_else(|| format!("HTTP {status} without an error message"))
                ),
            )),
        }
    }
}

fn fmt_time(t: f64) -> String {
    format!("{t:.3}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_include_the_special_ones() {
        assert_eq!(parse_value("1.5"), Some(1.5));
        assert!(parse_value("NaN").unwrap().is_nan());
        assert_eq!(parse_value("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_value("-Inf"), Some(f64::NEG_INFINITY));
        assert_eq!(parse_value("1e3"), Some(1000.0));
        assert_eq!(parse_value("x"), None);
    }

    #[test]
    fn every_result_type_decodes() {
        let m = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"job":"a"},"values":[[10,"1"],[20,"NaN"],[30,"+Inf"]]}]}}"#;
        let QueryData::Matrix { series } = decode(200, m, "p").unwrap() else { panic!() };
        assert_eq!(series[0].labels["job"], "a");
        assert_eq!(series[0].points.len(), 3);
        assert!(series[0].points[1].1.is_nan());

        let v =
            br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[10.5,"-Inf"]}]}}"#;
        assert_eq!(
            decode(200, v, "p").unwrap(),
            QueryData::Vector { samples: vec![Sample { labels: Labels::new(), t: 10.5, v: f64::NEG_INFINITY }] }
        );

        let s = br#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"42"]}}"#;
        assert_eq!(decode(200, s, "p").unwrap(), QueryData::Scalar { t: 1.5, v: 42.0 });
        let st = br#"{"status":"success","data":{"resultType":"string","result":[1.5,"hello"]}}"#;
        assert_eq!(decode(200, st, "p").unwrap(), QueryData::String { t: 1.5, v: "hello".into() });

        let empty = br#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(decode(200, empty, "p").unwrap().is_empty());
    }

    #[test]
    fn prometheus_errors_are_shown_as_they_are() {
        let b = br#"{"status":"error","errorType":"bad_data","error":"invalid parameter \"query\": 1:5: parse error: unexpected <EOF>"}"#;
        let e = decode(400, b, "p").unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Api);
        assert_eq!(e.message, "bad_data: invalid parameter \"query\": 1:5: parse error: unexpected <EOF>");
    }

    #[test]
    fn broken_bodies_are_named() {
        let e = decode(500, b"<html><title>Internal Server Error</title></html>", "Prometheus at x").unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Http);
        assert_eq!(e.message, "Prometheus at x answered HTTP 500: Internal Server Error");
        let e = decode(200, br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"valu"#, "p")
            .unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Decode);
        let e = decode(200, b"\xff\xfe", "p").unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Decode);
    }

    #[test]
    fn step_never_exceeds_what_the_chart_can_draw() {
        for (range, width) in [(900, 40u16), (3600, 78), (6 * 3600, 158), (7 * 86400, 80), (86400, 20)] {
            let r = range_params(1_700_000_123, Duration::from_secs(range), width, 1);
            let points = (r.end - r.start) / r.step + 1;
            assert!(points <= width as i64 * 2 + 1, "{range}s at {width} cells: {points} points, step {}", r.step);
            assert!(points >= width as i64 / 2, "{range}s at {width} cells: only {points} points");
            let ahead = r.end - 1_700_000_123;
            assert!(
                (0..r.step.min(60)).contains(&ahead) || (0..r.step).contains(&ahead) && r.step <= 240,
                "the last point is now or just after, within Prometheus's 5 m lookback: {ahead} s ahead, step {}",
                r.step
            );
            assert!(ahead < 240);
            assert_eq!((r.end - r.start) % r.step, 0);
        }
        let r = range_params(1000, Duration::from_secs(300), 200, 15);
        assert_eq!(r.step, 15, "min_step wins over a fine step");
        // Refreshes within one step ask for the very same points.
        let a = range_params(1_700_000_101, Duration::from_secs(3600), 60, 5);
        let b = range_params(1_700_000_101 + a.step - 2, Duration::from_secs(3600), 60, 5);
        assert_eq!(a, b);
    }
}
