//! The four simulated Mini Market services: `/metrics` in Prometheus text format and `/health` in the
//! shape the stack's FastAPI services answer.
//!
//! Counters are integrated from the scenario's rates at each scrape (rectangle rule), so they only
//! grow and their `rate()` in a real Prometheus matches what the scenario says, histogram buckets
//! included, even while latency changes.

use super::scenario::{self, World};
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex};

const BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
const OCR_BUCKETS: &[f64] = &[0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Counter values of one service, advanced to the time of each scrape.
#[derive(Debug, Default)]
struct Counters {
    last_t: f64,
    values: BTreeMap<String, f64>,
}

pub struct ServiceState {
    pub world: Arc<World>,
    pub job: &'static str,
    counters: Mutex<Counters>,
}

impl ServiceState {
    pub fn new(world: Arc<World>, job: &'static str) -> ServiceState {
        ServiceState { world, job, counters: Mutex::new(Counters::default()) }
    }
}

/// Fraction of an exponential latency distribution with this P95 that is at or below `le`.
fn cdf(le: f64, p95: f64) -> f64 {
    let mean = p95 / 20f64.ln();
    1.0 - (-le / mean).exp()
}

/// Every counter of `job` and its rate per second at `t`: (series text, rate).
fn counter_rates(w: &World, job: &str, t: f64) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let r = w.req_rate(job, t);
    let e = w.err_ratio(job, t);
    let p95 = w.latency(job, 0.95, t);
    out.push((
        r#"http_requests_total{method="GET",endpoint="/api/v1/items",status="200"}"#.into(),
        r * (1.0 - e) * 0.7,
    ));
    out.push((
        r#"http_requests_total{method="POST",endpoint="/api/v1/items",status="201"}"#.into(),
        r * (1.0 - e) * 0.3,
    ));
    out.push((r#"http_requests_total{method="GET",endpoint="/api/v1/items",status="500"}"#.into(), r * e));
    out.push((r#"http_errors_total{endpoint="/api/v1/items"}"#.into(), r * e));
    for le in BUCKETS {
        out.push((format!("http_request_duration_seconds_bucket{{le=\"{le}\"}}"), r * cdf(*le, p95)));
    }
    out.push(("http_request_duration_seconds_bucket{le=\"+Inf\"}".into(), r));
    out.push(("http_request_duration_seconds_sum".into(), r * p95 / 20f64.ln()));
    out.push(("http_request_duration_seconds_count".into(), r));
    out.push(("log_lines_total".into(), r * 3.0));
    match job {
        "agente_deposito" => out.push(("deposito_productos_procesados_total".into(), w.productos_per_s(t))),
        "agente_negocio" => out.push(("negocio_ordenes_generadas_total".into(), w.ordenes_per_s(t))),
        "ml_service" => {
            let [p, hits, misses, ml_err, ocr_err] = w.ml_rates(t);
            out.push(("ml_predictions_total".into(), p));
            out.push(("ml_cache_hits_total".into(), hits));
            out.push(("ml_cache_misses_total".into(), misses));
            out.push(("ml_errors_total".into(), ml_err));
            out.push(("ocr_errors_total".into(), ocr_err));
            out.push(("ocr_timeout_events_total".into(), w.ocr_timeout_rate(t)));
            let ocr_rate = p * 0.2;
            let ocr_p95 = w.ocr_latency(0.95, t);
            for le in OCR_BUCKETS {
                out.push((
                    format!("ocr_processing_duration_seconds_bucket{{le=\"{le}\"}}"),
                    ocr_rate * cdf(*le, ocr_p95),
                ));
            }
            out.push(("ocr_processing_duration_seconds_bucket{le=\"+Inf\"}".into(), ocr_rate));
            out.push(("ocr_processing_duration_seconds_sum".into(), ocr_rate * ocr_p95 / 20f64.ln()));
            out.push(("ocr_processing_duration_seconds_count".into(), ocr_rate));
        }
        _ => {
            for (i, et) in scenario::EVENT_TYPES.iter().enumerate() {
                let rate = w.audit_rate(et, t);
                let status = if *et == "FAILED_AUTHENTICATION" || *et == "ENCRYPTION_FAILURE" {
                    "FAILURE"
                } else if *et == "PERMISSION_DENIED" {
                    "DENIED"
                } else {
                    "SUCCESS"
                };
                // Spread each type over a few users, deterministically.
                for u in 0..3 {
                    let user = format!("user{:02}", (i * 5 + u * 3) % scenario::USERS + 1);
                    let share = [0.5, 0.3, 0.2][u];
                    out.push((
                        format!("audit_events_total{{event_type=\"{et}\",status=\"{status}\",user_id=\"{user}\"}}"),
                        rate * share,
                    ));
                }
            }
            out.push(("audit_failed_auth_total".into(), w.audit_rate("FAILED_AUTHENTICATION", t)));
            out.push(("audit_encryption_failures_total".into(), w.audit_rate("ENCRYPTION_FAILURE", t)));
            out.push(("audit_sensitive_data_read_total".into(), w.audit_rate("SENSITIVE_DATA_READ", t)));
            out.push(("audit_permission_denied_total".into(), w.audit_rate("PERMISSION_DENIED", t)));
        }
    }
    out
}

/// Gauges of `job` at `t`: (series text, value).
fn gauges(w: &World, job: &str, t: f64) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    match job {
        "agente_deposito" => {
            for (i, c) in scenario::CATEGORIES.iter().enumerate() {
                out.push((
                    format!("deposito_productos_por_categoria{{categoria=\"{c}\"}}"),
                    (420.0 - 55.0 * i as f64).round(),
                ));
            }
        }
        "agente_negocio" => {
            out.push(("negocio_stock_critico_productos".into(), w.stock_critico(t)));
            out.push(("negocio_revenue_proyectado_ars".into(), w.revenue(false, t).round()));
            out.push(("negocio_revenue_real_ars".into(), w.revenue(true, t).round()));
        }
        "ml_service" => {
            out.push(("ml_inflacion_calculada_percent".into(), w.inflacion(false, t)));
            out.push(("ml_inflacion_baseline_percent".into(), w.inflacion(true, t)));
            out.push(("ml_prediction_accuracy_percent".into(), w.accuracy_pct(t)));
            out.push(("ml_model_drift_score".into(), w.drift(t)));
            for (m, v) in scenario::MODELS {
                out.push((format!("ml_model_version_info{{model_name=\"{m}\",version=\"{v}\"}}"), 1.0));
            }
        }
        _ => {}
    }
    out
}

fn metric_name(series: &str) -> &str {
    let name = series.split('{').next().unwrap_or(series);
    for suffix in ["_bucket", "_sum", "_count"] {
        if let Some(base) = name.strip_suffix(suffix) {
            if base.ends_with("_seconds") {
                return base;
            }
        }
    }
    name
}

/// The exposition text of `job` at `t`, advancing its counters.
pub fn exposition(state: &ServiceState, t: f64) -> String {
    let w = &state.world;
    let rates = counter_rates(w, state.job, t);
    let mut counters = match state.counters.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    if counters.values.is_empty() {
        // A day of history at the current rates, so the counters look like a long-running service.
        counters.values = rates.iter().map(|(k, r)| (k.clone(), (r * 86_400.0).round())).collect();
    } else {
        let dt = (t - counters.last_t).max(0.0);
        for (k, r) in &rates {
            *counters.values.entry(k.clone()).or_insert(0.0) += r * dt;
        }
    }
    counters.last_t = t;
    let mut out = String::with_capacity(8 * 1024);
    let mut typed = std::collections::HashSet::new();
    for (series, _) in &rates {
        let name = metric_name(series);
        if typed.insert(name.to_string()) {
            let kind = if name.ends_with("_seconds") { "histogram" } else { "counter" };
            let _ = writeln!(out, "# HELP {name} Simulated Mini Market metric.\n# TYPE {name} {kind}");
        }
        // Not rounded: a constant rate must give a constant rate() (the frozen world relies on it).
        let v = counters.values.get(series).copied().unwrap_or(0.0);
        let _ = writeln!(out, "{series} {v}");
    }
    for (series, v) in gauges(w, state.job, t) {
        let name = metric_name(&series);
        if typed.insert(name.to_string()) {
            let _ = writeln!(out, "# HELP {name} Simulated Mini Market metric.\n# TYPE {name} gauge");
        }
        let _ = writeln!(out, "{series} {v}");
    }
    out
}

fn now_s() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

async fn metrics(State(st): State<Arc<ServiceState>>) -> Response {
    let t = now_s();
    if st.world.is_down(st.job, t) {
        return (StatusCode::SERVICE_UNAVAILABLE, "service unavailable\n").into_response();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], exposition(&st, t)).into_response()
}

/// The `/health` answer of `job` at `t`: HTTP status and JSON body.
pub fn health(w: &World, job: &str, t: f64) -> (StatusCode, serde_json::Value) {
    let ts = chrono::DateTime::from_timestamp_millis((t * 1000.0) as i64).unwrap_or_default().to_rfc3339();
    if w.is_down(job, t) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"status": "unhealthy", "service": job, "error": "database connection pool exhausted", "timestamp": ts}),
        );
    }
    let degraded = job == "ml_service" && w.ml_slowdown(t) > 2.0;
    let body = serde_json::json!({
        "status": if degraded { "degraded" } else { "healthy" },
        "service": job,
        "version": w.release(job),
        "timestamp": ts,
        "uptime_seconds": ((t - w.t0).max(0.0) * 10.0).round() / 10.0 + 86_400.0,
        "database": {"status": "connected", "latency_ms": 3.1},
    });
    (StatusCode::OK, body)
}

/// The bearer token `agente_negocio`'s `/health` requires, as the Mini Market's authenticated
/// endpoints do (a JWT in the real stack).
pub const DEMO_TOKEN: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjZW50aW5lbGEtZGVtbyJ9.ZGVtbw";

/// The service whose `/health` needs the token.
pub const AUTH_JOB: &str = "agente_negocio";

async fn health_handler(State(st): State<Arc<ServiceState>>, headers: axum::http::HeaderMap) -> Response {
    if st.job == AUTH_JOB {
        let want = format!("Bearer {DEMO_TOKEN}");
        if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(want.as_str()) {
            let body = serde_json::json!({"detail": "Not authenticated"});
            return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], axum::Json(body))
                .into_response();
        }
    }
    let (code, body) = health(&st.world, st.job, now_s());
    (code, axum::Json(body)).into_response()
}

pub fn router(state: Arc<ServiceState>) -> Router {
    Router::new().route("/metrics", get(metrics)).route("/health", get(health_handler)).with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expositions_parse_and_counters_only_grow() {
        let world = Arc::new(World::new(1_700_000_000_000));
        for (job, _, _) in scenario::SERVICES {
            let st = ServiceState::new(world.clone(), job);
            let mut last: Option<Vec<crate::sources::scrape::ScrapedSample>> = None;
            for dt in [0.0, 5.0, 25.0, 45.0, 90.0] {
                let text = exposition(&st, world.t0 + dt);
                let samples = crate::sources::scrape::parse(&text).unwrap_or_else(|e| panic!("{job}: {e}\n{text}"));
                assert!(samples.iter().any(|s| s.name == "http_requests_total"), "{job}");
                assert!(samples.iter().any(|s| s.name == "http_request_duration_seconds_bucket"), "{job}");
                if let Some(prev) = &last {
                    for s in samples.iter().filter(|s| s.name.ends_with("_total") || s.name.ends_with("_bucket")) {
                        if let Some(p) = prev.iter().find(|p| p.name == s.name && p.labels == s.labels) {
                            assert!(s.value >= p.value, "{job} {} went down: {} -> {}", s.name, p.value, s.value);
                        }
                    }
                }
                last = Some(samples);
            }
        }
    }

    #[test]
    fn health_follows_the_incident() {
        let w = World::new(1_700_000_000_000);
        let (code, body) = health(&w, "agente_negocio", w.t0 + 5.0);
        assert_eq!((code, body["status"].as_str()), (StatusCode::OK, Some("healthy")));
        let (code, body) = health(&w, "agente_negocio", w.t0 + 50.0);
        assert_eq!(code, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "unhealthy");
        assert_eq!(health(&w, "ml_service", w.t0 + 90.0).1["status"], "degraded");
    }
}
