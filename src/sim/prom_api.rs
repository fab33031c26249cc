//! A Prometheus HTTP API for the demo: `/api/v1/query`, `/api/v1/query_range` (GET and form POST) and
//! `/api/v1/status/buildinfo`, in Prometheus's exact JSON shapes and error bodies.
//!
//! It cannot evaluate PromQL. Each expression is recognised by its metric names and shape (label
//! matchers, `by (…)`, `histogram_quantile(q, …)`, scale factors) through the rule table in
//! [`RULES`], and answered from the scenario with the labels the real query would return. An
//! expression no rule knows gets an empty success, as a real Prometheus gives for a missing metric.

use super::scenario::{self, World};
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

type Labels = BTreeMap<String, String>;

/// What a rule looks at: the expression and what was parsed out of it.
pub struct Expr<'a> {
    pub text: &'a str,
    /// `job="X"` matcher, if any.
    pub job: Option<&'a str>,
    /// `name=~"…"` matcher, if any.
    pub name_re: Option<&'a str>,
    /// `job=~"…"` matcher, if any (a dashboard variable's `(a|b)` or `.*`).
    pub job_re: Option<regex::Regex>,
    /// The first argument of `histogram_quantile`, if any.
    pub quantile: Option<f64>,
    /// `* 1000`, `* 3600`, `* 60`, or `100 *` found in the expression.
    pub scale: f64,
}

fn matcher<'a>(text: &'a str, label: &str, op: &str) -> Option<&'a str> {
    let pat = format!("{label}{op}\"");
    let start = text.find(&pat)? + pat.len();
    text[start..].split('"').next()
}

impl<'a> Expr<'a> {
    pub fn parse(text: &'a str) -> Expr<'a> {
        let quantile = text
            .split("histogram_quantile(")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .and_then(|q| q.trim().parse().ok());
        // Numeric factors next to a `*`, as whole tokens: `100 * (…)`, `(…) * 1000`, `… * 60`.
        let tokens: Vec<&str> = text.split_whitespace().collect();
        let mut scale = 1.0;
        for (i, tok) in tokens.iter().enumerate() {
            if *tok != "*" {
                continue;
            }
            let number =
                |t: Option<&&str>| t.and_then(|t| t.trim_matches(|c| c == '(' || c == ')').parse::<f64>().ok());
            if let Some(n) = number(i.checked_sub(1).and_then(|j| tokens.get(j))).or_else(|| number(tokens.get(i + 1)))
            {
                scale *= n;
            }
        }
        let job_re = matcher(text, "job", "=~").and_then(|re| regex::Regex::new(&format!("^(?:{re})$")).ok());
        Expr { text, job: matcher(text, "job", "="), name_re: matcher(text, "name", "=~"), job_re, quantile, scale }
    }

    fn has(&self, s: &str) -> bool {
        self.text.contains(s)
    }

    fn by(&self, label: &str) -> bool {
        self.text.contains(&format!("by ({label}")) || self.text.contains(&format!(", {label})"))
    }

    /// The services this expression selects: its `job="X"` or `job=~"…"`, else all of them.
    fn jobs(&self) -> Vec<&'static str> {
        scenario::SERVICES
            .iter()
            .map(|s| s.0)
            .filter(|j| self.job.is_none_or(|x| x == *j))
            .filter(|j| self.job_re.as_ref().is_none_or(|re| re.is_match(j)))
            .collect()
    }

    /// The containers whose name matches the `name=~` regex (`.*x.*` alternatives), else all.
    fn containers(&self) -> Vec<(&'static str, &'static str)> {
        scenario::SERVICES
            .iter()
            .filter(|(_, _, name)| self.name_re.is_none_or(|re| regex_lite_match(re, name)))
            .map(|(job, _, name)| (*job, *name))
            .collect()
    }
}

/// Full-match of the small regex subset the dashboards use: `|` alternatives of literals with
/// optional leading and trailing `.*`.
pub fn regex_lite_match(re: &str, s: &str) -> bool {
    re.split('|').any(|alt| {
        let (open_start, rest) = alt.strip_prefix(".*").map_or((false, alt), |r| (true, r));
        let (open_end, lit) = rest.strip_suffix(".*").map_or((false, rest), |r| (true, r));
        match (open_start, open_end) {
            (true, true) => s.contains(lit),
            (true, false) => s.ends_with(lit),
            (false, true) => s.starts_with(lit),
            (false, false) => s == lit,
        }
    })
}

fn l(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn instance_of(job: &str) -> &'static str {
    scenario::SERVICES.iter().find(|s| s.0 == job).map_or("unknown", |s| s.1)
}

type Gen = fn(&World, &Expr, f64) -> Vec<(Labels, f64)>;

/// (all of these substrings, none of these, generator). First match wins, so specific rules go first.
pub const RULES: &[(&[&str], &[&str], Gen)] = &[
    (&["histogram_quantile", "ocr_processing_duration_seconds"], &[], |w, e, t| {
        vec![(Labels::new(), w.ocr_latency(e.quantile.unwrap_or(0.95), t) * e.scale)]
    }),
    (&["histogram_quantile", "http_request_duration_seconds"], &[], |w, e, t| {
        let by_job = e.by("job") || e.has(", job)") || e.has("(le, job)") || e.has("(job, le)");
        let by_service = e.by("service") || e.has("(service, le)");
        e.jobs()
            .into_iter()
            .map(|j| {
                let labels = if by_job {
                    l(&[("job", j)])
                } else if by_service {
                    l(&[("service", j)])
                } else {
                    Labels::new()
                };
                (labels, w.latency(j, e.quantile.unwrap_or(0.95), t) * e.scale)
            })
            .collect()
    }),
    (&["avg_over_time(up"], &[], |w, e, t| {
        e.jobs()
            .into_iter()
            .map(|j| {
                // The outage so far, over a 7-day window.
                let down = if w.is_down(j, t) { (t - w.t0 - scenario::NEGOCIO_DOWN_AT).max(0.0) } else { 0.0 };
                let base = 1.0 - 0.0004 * (1.0 + scenario::noise(scenario::id(j), w.t0)) / 2.0;
                (l(&[("instance", instance_of(j)), ("job", j), ("service", j)]), (base - down / 604_800.0) * e.scale)
            })
            .collect()
    }),
    (&["up"], &["_up", "up_", "uptime"], |w, e, t| {
        e.jobs()
            .into_iter()
            .map(|j| (l(&[("__name__", "up"), ("instance", instance_of(j)), ("job", j), ("service", j)]), w.up(j, t)))
            .collect()
    }),
    (&["http_errors_total", "http_requests_total"], &[], |w, e, t| {
        let by_job = e.by("job");
        // A downed service keeps its last ratio: rate() over 5m still sees the samples before it fell.
        e.jobs()
            .into_iter()
            .map(|j| (if by_job { l(&[("job", j)]) } else { Labels::new() }, w.err_ratio(j, t) * e.scale))
            .collect()
    }),
    (&["http_requests_total"], &[], |w, e, t| {
        let by_job = e.by("job");
        let rows: Vec<_> = e.jobs().into_iter().map(|j| (j, w.req_rate(j, t))).collect();
        if by_job || e.job.is_some() || e.job_re.is_some() {
            rows.into_iter()
                .map(|(j, r)| (if by_job { l(&[("job", j)]) } else { Labels::new() }, r * e.scale))
                .collect()
        } else {
            vec![(Labels::new(), rows.iter().map(|r| r.1).sum::<f64>() * e.scale)]
        }
    }),
    (&["audit_events_total", "rate("], &[], |w, e, t| {
        scenario::EVENT_TYPES.iter().map(|et| (l(&[("event_type", et)]), w.audit_rate(et, t) * e.scale)).collect()
    }),
    (&["audit_events_total", "user_id"], &[], |w, _, t| {
        let mut users: BTreeMap<String, f64> = BTreeMap::new();
        for (i, et) in scenario::EVENT_TYPES.iter().enumerate() {
            for (u, share) in [0.5, 0.3, 0.2].iter().enumerate() {
                let user = format!("user{:02}", (i * 5 + u * 3) % scenario::USERS + 1);
                *users.entry(user).or_default() += w.audit_total(et, t) * share;
            }
        }
        let mut rows: Vec<_> = users.into_iter().map(|(u, v)| (l(&[("user_id", &u)]), v.floor())).collect();
        rows.sort_by(|a, b| b.1.total_cmp(&a.1));
        rows.truncate(10);
        rows
    }),
    (&["audit_events_total", "status"], &[], |w, _, t| {
        let mut by: BTreeMap<&str, f64> = BTreeMap::new();
        for et in scenario::EVENT_TYPES {
            let s = match *et {
                "FAILED_AUTHENTICATION" | "ENCRYPTION_FAILURE" => "FAILURE",
                "PERMISSION_DENIED" => "DENIED",
                _ => "SUCCESS",
            };
            *by.entry(s).or_default() += w.audit_total(et, t);
        }
        by.into_iter().map(|(s, v)| (l(&[("status", s)]), v)).collect()
    }),
    (&["audit_events_total"], &[], |w, _, t| {
        vec![(Labels::new(), scenario::EVENT_TYPES.iter().map(|et| w.audit_total(et, t)).sum())]
    }),
    (&["audit_failed_auth_total"], &[], |w, e, t| audit_counter(w, e, "FAILED_AUTHENTICATION", t)),
    (&["audit_encryption_failures_total"], &[], |w, e, t| audit_counter(w, e, "ENCRYPTION_FAILURE", t)),
    (&["audit_sensitive_data_read_total"], &[], |w, e, t| audit_counter(w, e, "SENSITIVE_DATA_READ", t)),
    (&["audit_permission_denied_total"], &[], |w, e, t| audit_counter(w, e, "PERMISSION_DENIED", t)),
    (&["deposito_productos_procesados_total"], &[], |w, e, t| {
        vec![(svc("agente_deposito", "deposito_productos_procesados_total", e), w.productos_per_s(t) * e.scale)]
    }),
    (&["deposito_productos_por_categoria"], &[], |_, _, _| {
        scenario::CATEGORIES
            .iter()
            .enumerate()
            .map(|(i, c)| (l(&[("categoria", c)]), (420.0 - 55.0 * i as f64).round()))
            .collect()
    }),
    (&["negocio_stock_critico_productos"], &[], |w, e, t| {
        vec![(svc("agente_negocio", "negocio_stock_critico_productos", e), w.stock_critico(t))]
    }),
    (&["negocio_ordenes_generadas_total"], &[], |w, e, t| {
        let v = if e.has("increase(") {
            w.ordenes_per_s(t) * 3600.0
        } else {
            (w.ordenes_per_s(w.t0) * 86_400.0 + (t - w.t0).max(0.0) * w.ordenes_per_s(t)).floor()
        };
        vec![(svc("agente_negocio", "negocio_ordenes_generadas_total", e), v)]
    }),
    (&["negocio_revenue_proyectado_ars"], &[], |w, e, t| {
        vec![(svc("agente_negocio", "negocio_revenue_proyectado_ars", e), w.revenue(false, t))]
    }),
    (&["negocio_revenue_real_ars"], &[], |w, e, t| {
        vec![(svc("agente_negocio", "negocio_revenue_real_ars", e), w.revenue(true, t))]
    }),
    (&["ml_inflacion_calculada_percent"], &[], |w, e, t| {
        vec![(svc("ml_service", "ml_inflacion_calculada_percent", e), w.inflacion(false, t))]
    }),
    (&["ml_inflacion_baseline_percent"], &[], |w, e, t| {
        vec![(svc("ml_service", "ml_inflacion_baseline_percent", e), w.inflacion(true, t))]
    }),
    (&["ml_prediction_accuracy_percent"], &[], |w, e, t| {
        vec![(svc("ml_service", "ml_prediction_accuracy_percent", e), w.accuracy_pct(t))]
    }),
    (&["ml_model_drift_score"], &[], |w, e, t| vec![(svc("ml_service", "ml_model_drift_score", e), w.drift(t))]),
    (&["ml_predictions_total"], &[], |w, e, t| vec![(svc("ml_service", "", e), w.ml_rates(t)[0] * e.scale)]),
    (&["ml_cache_hits_total"], &[], |w, e, t| vec![(svc("ml_service", "", e), w.ml_rates(t)[1] * e.scale)]),
    (&["ml_cache_misses_total"], &[], |w, e, t| vec![(svc("ml_service", "", e), w.ml_rates(t)[2] * e.scale)]),
    (&["ml_errors_total"], &[], |w, e, t| vec![(svc("ml_service", "", e), w.ml_rates(t)[3] * e.scale)]),
    (&["ocr_errors_total"], &[], |w, e, t| vec![(svc("ml_service", "", e), w.ml_rates(t)[4] * e.scale)]),
    (&["ocr_timeout_events_total"], &[], |w, e, t| vec![(svc("ml_service", "", e), w.ocr_timeout_rate(t) * e.scale)]),
    (&["ml_model_version_info"], &[], |_, _, _| {
        scenario::MODELS.iter().map(|(m, _)| (l(&[("model_name", m)]), 1.0)).collect()
    }),
    (&["container_cpu_usage_seconds_total"], &[], |w, e, t| {
        e.containers()
            .into_iter()
            .map(|(j, n)| (l(&[("name", n)]), w.container_cpu_pct(j, t) * e.scale / 100.0))
            .collect()
    }),
    (&["container_memory_usage_bytes"], &[], |w, e, t| {
        e.containers()
            .into_iter()
            .map(|(j, n)| (l(&[("name", n)]), w.container_mem_pct(j, t) * e.scale / 100.0))
            .collect()
    }),
    (&["container_fs_reads_bytes_total"], &[], |w, e, t| io(w, e, t, 0)),
    (&["container_fs_writes_bytes_total"], &[], |w, e, t| io(w, e, t, 1)),
    (&["container_network_receive_bytes_total"], &[], |w, e, t| io(w, e, t, 2)),
    (&["container_network_transmit_bytes_total"], &[], |w, e, t| io(w, e, t, 3)),
    (&["pg_stat_database_numbackends"], &[], |w, _, t| {
        vec![(
            l(&[
                ("__name__", "pg_stat_database_numbackends"),
                ("datname", "minimarket"),
                ("job", "postgres"),
                ("service", "postgres"),
            ]),
            w.pg_connections(t),
        )]
    }),
    (&["pg_settings_max_connections"], &[], |_, _, _| {
        vec![(l(&[("__name__", "pg_settings_max_connections"), ("job", "postgres"), ("service", "postgres")]), 100.0)]
    }),
    (&["redis_keyspace_hits_total", "redis_keyspace_misses_total"], &[], |w, e, t| {
        vec![(l(&[("job", "redis"), ("service", "redis")]), w.redis_hit_ratio(t) * e.scale)]
    }),
    (&["redis_connected_clients"], &[], |_, _, t| {
        vec![(
            l(&[("__name__", "redis_connected_clients"), ("job", "redis")]),
            (24.0 + 4.0 * scenario::noise(42, t)).round(),
        )]
    }),
    (&["redis_db_keys"], &[], |_, _, t| {
        vec![(
            l(&[("__name__", "redis_db_keys"), ("db", "db0"), ("job", "redis")]),
            (18_250.0 + (t % 3600.0) / 10.0).round(),
        )]
    }),
];

fn svc(job: &str, name: &str, e: &Expr) -> Labels {
    // A raw selector returns the full label set; a function of it drops the metric name.
    let mut labels = l(&[("instance", instance_of(job)), ("job", job), ("service", job)]);
    if !name.is_empty() && e.text.trim().starts_with(name) {
        labels.insert("__name__".into(), name.into());
    }
    labels
}

fn audit_counter(w: &World, e: &Expr, event_type: &str, t: f64) -> Vec<(Labels, f64)> {
    let v = if e.has("increase(") && e.has("[1h]") {
        w.audit_rate(event_type, t) * 3600.0
    } else if e.has("rate(") {
        w.audit_rate(event_type, t) * e.scale
    } else {
        w.audit_total(event_type, t)
    };
    vec![(Labels::new(), v)]
}

fn io(w: &World, e: &Expr, t: f64, which: usize) -> Vec<(Labels, f64)> {
    e.containers().into_iter().map(|(j, n)| (l(&[("name", n)]), w.container_io(j, t)[which])).collect()
}

/// Evaluate `expr` at `t`: the series and their values, or an empty result for unknown expressions.
pub fn eval(world: &World, expr: &str, t: f64) -> Vec<(Labels, f64)> {
    let e = Expr::parse(expr);
    for (all, none, gen) in RULES {
        if all.iter().all(|s| expr.contains(s)) && !none.iter().any(|s| expr.contains(s)) {
            return gen(world, &e, t);
        }
    }
    Vec::new()
}

fn value_str(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{v}")
    }
}

/// Prometheus's time parameter: unix seconds (float) or RFC 3339.
fn parse_time(s: &str) -> Option<f64> {
    s.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .or_else(|| chrono::DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp_millis() as f64 / 1000.0))
}

fn bad_data(msg: String) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({"status": "error", "errorType": "bad_data", "error": msg})))
        .into_response()
}

fn success(result_type: &str, result: Value) -> Response {
    axum::Json(json!({"status": "success", "data": {"resultType": result_type, "result": result}})).into_response()
}

fn now_s() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

fn query_param(p: &HashMap<String, String>) -> Result<&str, String> {
    match p.get("query").map(|q| q.trim()) {
        Some(q) if !q.is_empty() => Ok(q),
        _ => Err("invalid parameter \"query\": 1:1: parse error: no expression found in input".into()),
    }
}

fn time_param(p: &HashMap<String, String>, name: &str) -> Result<f64, String> {
    let s = p.get(name).map(String::as_str).unwrap_or("");
    parse_time(s).ok_or_else(|| format!("invalid parameter \"{name}\": cannot parse \"{s}\" to a valid timestamp"))
}

async fn query(State(w): State<Arc<World>>, Form(p): Form<HashMap<String, String>>) -> Response {
    let q = match query_param(&p) {
        Ok(q) => q,
        Err(msg) => return bad_data(msg),
    };
    let t = match p.get("time") {
        None => now_s(),
        Some(_) => match time_param(&p, "time") {
            Ok(t) => t,
            Err(msg) => return bad_data(msg),
        },
    };
    let result: Vec<Value> =
        eval(&w, q, t).into_iter().map(|(labels, v)| json!({"metric": labels, "value": [t, value_str(v)]})).collect();
    success("vector", Value::Array(result))
}

async fn query_range(State(w): State<Arc<World>>, Form(p): Form<HashMap<String, String>>) -> Response {
    let q = match query_param(&p) {
        Ok(q) => q,
        Err(msg) => return bad_data(msg),
    };
    let (start, end) = match (time_param(&p, "start"), time_param(&p, "end")) {
        (Ok(s), Ok(e)) => (s, e),
        (Err(msg), _) | (_, Err(msg)) => return bad_data(msg),
    };
    let step = match p.get("step").and_then(|s| s.trim_end_matches('s').parse::<f64>().ok()) {
        Some(s) if s > 0.0 && s.is_finite() => s,
        _ => return bad_data("invalid parameter \"step\": zero or negative query resolution step widths are not accepted. Try a positive integer".into()),
    };
    if end < start {
        return bad_data("invalid parameter \"end\": end timestamp must not be before start time".into());
    }
    if (end - start) / step > 11_000.0 {
        return bad_data("exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)".into());
    }
    let mut series: BTreeMap<Labels, Vec<Value>> = BTreeMap::new();
    let mut t = start;
    while t <= end + 1e-9 {
        for (labels, v) in eval(&w, q, t) {
            series.entry(labels).or_default().push(json!([t, value_str(v)]));
        }
        t += step;
    }
    let result: Vec<Value> =
        series.into_iter().map(|(labels, values)| json!({"metric": labels, "values": values})).collect();
    success("matrix", Value::Array(result))
}

async fn buildinfo() -> Response {
    axum::Json(json!({"status": "success", "data": {
        "version": "2.53.0-centinela-demo", "revision": "demo", "branch": "demo", "buildUser": "centinela",
        "buildDate": "20260101-00:00:00", "goVersion": "n/a"}}))
    .into_response()
}

/// `/api/v1/label/<name>/values` (any `match[]` is accepted and ignored): the services' jobs and
/// instances, and the metric names the demo answers.
async fn label_values(axum::extract::Path(name): axum::extract::Path<String>) -> Response {
    let values: Vec<&str> = match name.as_str() {
        "job" | "service" => scenario::SERVICES.iter().map(|s| s.0).collect(),
        "instance" => scenario::SERVICES.iter().map(|s| s.1).collect(),
        "name" => scenario::SERVICES.iter().map(|s| s.2).collect(),
        "__name__" => {
            let mut names: Vec<&str> =
                RULES.iter().flat_map(|r| r.0.iter().copied()).filter(|m| m.contains('_')).collect();
            names.sort_unstable();
            names.dedup();
            names
        }
        _ => Vec::new(),
    };
    axum::Json(json!({"status": "success", "data": values})).into_response()
}

/// `/api/v1/labels`.
async fn label_names() -> Response {
    axum::Json(json!({"status": "success", "data": ["__name__", "instance", "job", "name", "service"]})).into_response()
}

pub fn router(world: Arc<World>) -> Router {
    Router::new()
        .route("/api/v1/label/{name}/values", get(label_values))
        .route("/api/v1/labels", get(label_names).post(label_names))
        .route("/api/v1/query", get(query).post(query))
        .route("/api/v1/query_range", get(query_range).post(query_range))
        .route("/api/v1/status/buildinfo", get(buildinfo))
        .with_state(world)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_query_of_the_profile_has_data() {
        let config =
            crate::config::load_str("minimarket.toml", include_str!("../../examples/minimarket.toml")).unwrap();
        let w = World::new(1_700_000_000_000);
        let mut n = 0;
        for d in &config.dashboards {
            // Logs panels are LogQL, answered by the demo's Loki.
            for p in d.panels.iter().filter(|p| p.kind != crate::config::PanelKind::Logs) {
                // Direct-scrape queries are read from the services, not from Prometheus.
                for q in p.queries.iter().filter(|q| q.scrape.is_none()) {
                    let expr = all_values(&q.expr);
                    for dt in [-3600.0, 10.0, 60.0, 120.0] {
                        let r = eval(&w, &expr, w.t0 + dt);
                        assert!(!r.is_empty(), "{} / {}: `{}` has no data at t0{dt:+}", d.name, p.title, q.expr);
                        assert!(r.iter().all(|(_, v)| v.is_finite()), "`{}` gave {r:?}", q.expr);
                    }
                    n += 1;
                }
            }
        }
        assert_eq!(n, 64);
    }

    /// A query with its variables at "All" (every service) and its time macros at a 1-minute step.
    fn all_values(expr: &str) -> String {
        let all = crate::variables::Binding {
            values: scenario::SERVICES.iter().map(|s| s.0.to_string()).collect(),
            all: true,
            all_value: None,
            regex_shaped: true,
        };
        let vars = [("job".to_string(), all)].into_iter().collect();
        crate::variables::expand(
            expr,
            &vars,
            &crate::variables::Macros { interval_s: 60.0, range_s: 3600.0, scrape_s: 15.0 },
        )
    }

    #[test]
    fn a_job_variable_narrows_the_services() {
        let w = World::new(1_700_000_000_000);
        let q = r#"sum by (job) (rate(http_requests_total{job=~"(agente_negocio|ml_service)"}[1m]))"#;
        let jobs: Vec<String> = eval(&w, q, w.t0 + 60.0).into_iter().map(|(l, _)| l["job"].clone()).collect();
        assert_eq!(jobs, vec!["agente_negocio", "ml_service"]);
    }

    #[test]
    fn labels_are_what_the_real_query_returns() {
        let w = World::new(1_700_000_000_000);
        let r = eval(&w, r#"up{job="ml_service"}"#, w.t0);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0["instance"], "ml_service");
        let r = eval(&w, "sum by (event_type) (rate(audit_events_total[5m]))", w.t0);
        assert_eq!(r.len(), scenario::EVENT_TYPES.len());
        let r = eval(
            &w,
            r#"rate(container_fs_reads_bytes_total{name=~".*agente.*|.*ml-service.*|.*dashboard.*"}[5m])"#,
            w.t0,
        );
        assert_eq!(r.len(), 4);
        assert!(eval(&w, "some_metric_nobody_has", w.t0).is_empty());
        assert_eq!(eval(&w, r#"up{job="agente_negocio"}"#, w.t0 + 60.0)[0].1, 0.0);
    }

    #[test]
    fn scale_factors_are_whole_numbers_next_to_a_star() {
        assert_eq!(Expr::parse("histogram_quantile(0.95, sum by (le) (rate(x[5m]))) * 1000").scale, 1000.0);
        assert_eq!(Expr::parse("100 * (sum(rate(a[5m])) / sum(rate(b[5m])))").scale, 100.0);
        assert_eq!(Expr::parse("rate(x[1h]) * 3600").scale, 3600.0);
        assert_eq!(Expr::parse("a / (a + b) * 100").scale, 100.0);
        assert_eq!(Expr::parse("rate(x[5m])").scale, 1.0);
        let w = World::new(1_700_000_000_000);
        let p95 = eval(
            &w,
            r#"histogram_quantile(0.95, sum by (le, job) (rate(http_request_duration_seconds_bucket{job="agente_deposito"}[5m]))) * 1000"#,
            w.t0,
        );
        assert!((50.0..200.0).contains(&p95[0].1), "P95 in ms: {}", p95[0].1);
    }

    #[test]
    fn regex_subset() {
        assert!(regex_lite_match(".*ml-service.*", "minimarket-ml-service-1"));
        assert!(regex_lite_match("agente.*|ml-service", "agente-x"));
        assert!(!regex_lite_match("agente.*|ml-service", "minimarket-ml-service-1"));
    }
}
