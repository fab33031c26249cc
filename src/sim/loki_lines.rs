//! The text of the demo's log lines: JSON for the FastAPI services and the audit log (the stack's
//! promtail parses `timestamp`, `level`, `message`, `request_id`, `method`, `path`, `status_code`,
//! `duration_ms`), logfmt for the dashboard. Every value comes from the tick's hash and the world, so a
//! line renders the same each time it is asked for.

use super::loki_logs::{job, mix, unit, Event, Kind, Tick, AUDIT};
use super::scenario::{self, World};
use std::fmt::Write;

/// (method, path) a service serves, most frequent first.
fn routes(job: &str) -> &'static [(&'static str, &'static str)] {
    match job {
        "agente_deposito" => &[
            ("GET", "/api/productos"),
            ("GET", "/api/productos/{id}"),
            ("POST", "/api/stock/movimientos"),
            ("GET", "/api/categorias"),
            ("GET", "/health"),
        ],
        "agente_negocio" => &[
            ("GET", "/api/ordenes"),
            ("POST", "/api/ordenes"),
            ("GET", "/api/precios/{id}"),
            ("GET", "/api/reportes/ventas"),
            ("GET", "/health"),
        ],
        "ml_service" => &[
            ("POST", "/api/predict/precio"),
            ("POST", "/api/ocr/ticket"),
            ("GET", "/api/inflacion"),
            ("GET", "/api/modelos"),
            ("GET", "/health"),
        ],
        _ => &[
            ("GET", "/"),
            ("GET", "/api/resumen"),
            ("GET", "/api/stock-critico"),
            ("GET", "/api/ventas"),
            ("GET", "/static/app.js"),
        ],
    }
}

fn pick<T: Copy>(items: &[T], h: u64) -> T {
    items[(h % items.len() as u64) as usize]
}

/// RFC 3339 in UTC with milliseconds, as the services print it (formatted by hand: chrono's
/// formatter is most of the cost of a line).
pub fn timestamp(ts_ns: i64) -> String {
    let ms = ts_ns.div_euclid(1_000_000);
    let (days, t) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let (y, m, d) = civil(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z", t / 3_600_000, t / 60_000 % 60, t / 1000 % 60, t % 1000)
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// A JSON string literal.
fn q(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

struct Request {
    method: &'static str,
    path: String,
    status: u16,
    duration_ms: u64,
}

fn request(w: &World, tick: Tick, h: u64, status: u16, slow: f64) -> Request {
    let (method, path) = pick(routes(job(tick.source)), h >> 8);
    let path = path.replace("{id}", &(1 + (h >> 20) % 480).to_string());
    let status = if status == 200 && method == "POST" { 201 } else { status };
    let t = tick.ts_ns as f64 / 1e9;
    let median_ms = w.latency(job(tick.source), 0.5, t) * 1000.0;
    let duration_ms = (median_ms * slow * (0.4 + 1.6 * unit(mix(h)))).round().max(1.0) as u64;
    Request { method, path, status, duration_ms }
}

/// A FastAPI service's JSON line for a request: `fields` is the middle, already JSON (`"key":value,…`),
/// or empty.
fn json_line(tick: Tick, h: u64, level: &str, message: &str, fields: &str) -> String {
    json_object(tick, Some(h), level, message, fields)
}

/// A JSON line, with a request id when it is about a request.
fn json_object(tick: Tick, request: Option<u64>, level: &str, message: &str, fields: &str) -> String {
    let mut s = String::with_capacity(256);
    let _ = write!(s, r#"{{"timestamp":"{}","level":"{level}","message":{}"#, timestamp(tick.ts_ns), q(message));
    let _ = write!(s, r#","logger":"{}""#, logger(tick));
    if let Some(h) = request {
        let _ = write!(s, r#","request_id":"{:016x}""#, mix(h ^ 0x5EED));
    }
    if !fields.is_empty() {
        s.push(',');
        s.push_str(fields);
    }
    s.push('}');
    s
}

fn logger(tick: Tick) -> &'static str {
    if tick.source == AUDIT {
        "audit"
    } else {
        "app"
    }
}

fn http_fields(r: &Request) -> String {
    format!(r#""method":"{}","path":"{}","status_code":{},"duration_ms":{}"#, r.method, r.path, r.status, r.duration_ms)
}

/// The dashboard's logfmt line.
fn logfmt_line(tick: Tick, h: u64, level: &str, msg: &str, rest: &str) -> String {
    let mut s = format!("ts={} level={level} msg={}", timestamp(tick.ts_ns), q(msg));
    if !rest.is_empty() {
        s.push(' ');
        s.push_str(rest);
    }
    let _ = write!(s, " request_id={:016x}", mix(h ^ 0x5EED));
    s
}

fn logfmt_http(r: &Request) -> String {
    format!("method={} path={} status={} duration_ms={}", r.method, r.path, r.status, r.duration_ms)
}

const STARTUP: [&str; 5] = [
    "Started server process [{pid}]",
    "Waiting for application startup.",
    "database pool ready (size=20, max_overflow=10)",
    "Application startup complete.",
    "Uvicorn running on http://0.0.0.0:8000 (Press CTRL+C to quit)",
];

/// The text of the line `ev` that `tick` emitted.
pub fn render(w: &World, tick: Tick, ev: &Event) -> String {
    let h = tick.hash();
    let job = job(tick.source);
    if let Kind::Audit { event, burst } = ev.kind {
        return audit_line(tick, h, event as usize, burst);
    }
    if job == "dashboard" {
        return dashboard_line(w, tick, h, ev.kind);
    }
    let ok = |slow: f64| request(w, tick, h, 200, slow);
    match ev.kind {
        Kind::Request | Kind::Audit { .. } => json_line(tick, h, "INFO", "request completed", &http_fields(&ok(1.0))),
        Kind::Noisy => format!(
            "\u{1b}[32mINFO\u{1b}[0m:\t172.18.0.{}:{} - \"GET /health HTTP/1.1\" \u{1b}[32m200 OK\u{1b}[0m",
            2 + h % 20,
            32768 + (h >> 8) % 28000
        ),
        Kind::Warn => {
            let (msg, extra) = match job {
                "agente_deposito" => {
                    ("stock below minimum", format!(r#""producto_id":{},"stock":{}"#, 1 + h % 480, h % 4))
                }
                "agente_negocio" => {
                    ("retrying supplier API call", format!(r#""attempt":{},"supplier":"distribuidora-sur""#, 2 + h % 2))
                }
                _ => (
                    "prediction confidence below threshold",
                    format!(r#""model":"price_forecaster","confidence":0.{}"#, 40 + h % 20),
                ),
            };
            json_line(tick, h, "WARNING", msg, &format!("{},{extra}", http_fields(&ok(1.5))))
        }
        Kind::Error => {
            let (msg, status) = match job {
                "agente_deposito" => ("failed to update stock: deadlock detected", 500),
                "agente_negocio" => ("unhandled exception in /api/reportes/ventas: KeyError: 'categoria'", 500),
                _ => ("OCR failed: image too blurry", 422),
            };
            json_line(tick, h, "ERROR", msg, &http_fields(&request(w, tick, h, status, 1.0)))
        }
        Kind::Incident => {
            let mut r = request(w, tick, h, 503, 20.0);
            r.path = "/api/ordenes".into();
            if h.is_multiple_of(2) {
                let detail =
                    r#""error":"QueuePool limit of size 20 overflow 10 reached, connection timed out, timeout 30.00""#;
                json_line(
                    tick,
                    h,
                    "ERROR",
                    "database connection pool exhausted",
                    &format!("{},{detail}", http_fields(&r)),
                )
            } else {
                r.status = 500;
                let trace = "Traceback (most recent call last):\n  File \"/app/api/ordenes.py\", line 88, in crear_orden\n    \
                             session.commit()\nsqlalchemy.exc.OperationalError: (psycopg2.OperationalError) could not obtain a connection";
                json_line(
                    tick,
                    h,
                    "ERROR",
                    "unhandled exception in /api/ordenes",
                    &format!("{},\"exc_info\":{}", http_fields(&r), q(trace)),
                )
            }
        }
        Kind::SlowDb => json_line(tick, h, "WARNING", "slow database query", &http_fields(&ok(25.0))),
        Kind::Crash(0) => json_line(
            tick,
            h,
            "ERROR",
            "database connection refused",
            r#""error":"connection to server at \"postgres\" (172.18.0.3), port 5432 failed: Connection refused","path":"/api/ordenes","status_code":500"#,
        ),
        Kind::Crash(1) => json_object(
            tick,
            None,
            "CRITICAL",
            "worker exited with code 137",
            &format!(r#""pid":{},"signal":"SIGKILL","hint":"Perhaps out of memory?""#, 7 + h % 40),
        ),
        Kind::Crash(_) => json_object(
            tick,
            None,
            "ERROR",
            "connection refused: shutting down",
            r#""detail":"Application shutdown failed. Exiting.""#,
        ),
        Kind::Startup(i) => {
            let msg = STARTUP[i as usize % STARTUP.len()].replace("{pid}", &(1 + h % 900).to_string());
            json_object(tick, None, "INFO", &msg, "")
        }
        Kind::SlowRequest => {
            let (method, path) = pick(&routes(job)[..3], h >> 8);
            let mut r =
                Request { method, path: path.into(), status: if method == "POST" { 201 } else { 200 }, duration_ms: 0 };
            r.duration_ms = (w.latency(job, 0.99, tick.ts_ns as f64 / 1e9) * 1000.0 * (1.5 + unit(mix(h ^ 3)))) as u64;
            json_line(tick, h, "WARNING", "slow request", &format!("{},\"threshold_ms\":1000", http_fields(&r)))
        }
        Kind::OcrTimeout => {
            let r =
                Request { method: "POST", path: "/api/ocr/ticket".into(), status: 504, duration_ms: 30_000 + h % 900 };
            json_line(
                tick,
                h,
                "ERROR",
                "OCR timeout",
                &format!("{},\"detail\":\"tesseract did not finish within 30s\"", http_fields(&r)),
            )
        }
        Kind::Upstream5xx => {
            json_line(tick, h, "WARNING", "upstream agente_negocio returned 503", &http_fields(&ok(4.0)))
        }
        Kind::UpstreamDown => {
            let r = Request { method: "GET", path: "/api/stock/reservas".into(), status: 502, duration_ms: 2 + h % 5 };
            let err = r#""error":"httpx.ConnectError: [Errno 111] Connection refused""#;
            json_line(tick, h, "ERROR", "upstream agente_negocio unreachable", &format!("{},{err}", http_fields(&r)))
        }
    }
}

fn dashboard_line(w: &World, tick: Tick, h: u64, kind: Kind) -> String {
    let ok = |slow: f64| logfmt_http(&request(w, tick, h, 200, slow));
    match kind {
        Kind::Noisy => format!(
            "ts={} level=info msg=\"\u{1b}[36mcache\u{1b}[0m warmed\tin {}ms\" component=cache",
            timestamp(tick.ts_ns),
            3 + h % 40
        ),
        Kind::Warn => {
            logfmt_line(tick, h, "warn", "slow upstream response", &format!("upstream=agente_deposito {}", ok(6.0)))
        }
        Kind::Error => {
            logfmt_line(tick, h, "error", "upstream request failed", &logfmt_http(&request(w, tick, h, 502, 1.0)))
        }
        Kind::Upstream5xx => logfmt_line(tick, h, "warn", "upstream agente_negocio returned 503", &ok(3.0)),
        Kind::UpstreamDown => logfmt_line(
            tick,
            h,
            "error",
            "upstream agente_negocio unreachable",
            &format!(
                "err=\"dial tcp 172.18.0.5:8000: connect: connection refused\" {}",
                logfmt_http(&Request {
                    method: "GET",
                    path: "/api/ventas".into(),
                    status: 502,
                    duration_ms: 1 + h % 4
                })
            ),
        ),
        _ => logfmt_line(tick, h, "info", "request completed", &ok(1.0)),
    }
}

fn audit_line(tick: Tick, h: u64, event: usize, burst: bool) -> String {
    let et = scenario::EVENT_TYPES.get(event).copied().unwrap_or("LOGIN");
    let status = match et {
        "FAILED_AUTHENTICATION" | "ENCRYPTION_FAILURE" => "FAILURE",
        "PERMISSION_DENIED" => "DENIED",
        _ => "SUCCESS",
    };
    let (user, ip) = if burst {
        ("admin".to_string(), format!("185.220.{}.{}", 100 + (h >> 8) % 4, 1 + (h >> 16) % 250))
    } else {
        (format!("user{:02}", 1 + h % scenario::USERS as u64), format!("10.0.3.{}", 10 + (h >> 8) % 40))
    };
    let resource = match et {
        "LOGIN" | "FAILED_AUTHENTICATION" => "/api/auth/login",
        "SENSITIVE_DATA_READ" => "/api/clientes/datos-fiscales",
        "ENCRYPTION_FAILURE" => "/api/pagos/tokenizar",
        "PERMISSION_DENIED" => "/api/admin/usuarios",
        _ => "/api/reportes/exportar",
    };
    let level = if status == "SUCCESS" { "INFO" } else { "WARNING" };
    let fields =
        format!(r#""event_type":"{et}","user":"{user}","status":"{status}","resource":"{resource}","ip":"{ip}""#);
    json_line(tick, h, level, "audit event", &fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::loki_logs::{stream_of, Level};

    fn tick(source: usize) -> Tick {
        Tick::new(source, 3_400_000_000)
    }

    #[test]
    fn json_lines_parse_and_carry_the_promtail_fields() {
        let w = World::new(1_700_000_000_000);
        let kinds = [
            Kind::Request,
            Kind::Warn,
            Kind::Error,
            Kind::Incident,
            Kind::SlowDb,
            Kind::Crash(0),
            Kind::Crash(1),
            Kind::Crash(2),
            Kind::Startup(0),
            Kind::SlowRequest,
            Kind::OcrTimeout,
            Kind::Upstream5xx,
            Kind::UpstreamDown,
        ];
        for source in 0..3 {
            for kind in kinds {
                let line = render(&w, tick(source), &Event { stream: stream_of(source, Level::Info), kind });
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
                assert!(v["timestamp"].is_string() && v["level"].is_string() && v["message"].is_string(), "{line}");
                let about_a_request = !matches!(kind, Kind::Crash(1) | Kind::Crash(2) | Kind::Startup(_));
                assert_eq!(v["request_id"].as_str().is_some_and(|r| r.len() == 16), about_a_request, "{line}");
                assert!(!line.contains('\n'), "one line: {line}");
            }
        }
        let audit = render(&w, tick(AUDIT), &Event { stream: 12, kind: Kind::Audit { event: 2, burst: true } });
        let v: serde_json::Value = serde_json::from_str(&audit).unwrap();
        assert_eq!((v["event_type"].as_str(), v["user"].as_str()), (Some("FAILED_AUTHENTICATION"), Some("admin")));
        assert_eq!(v["status"], "FAILURE");
    }

    #[test]
    fn timestamps_match_chrono() {
        let mut ts = -86_400_000_000_000i64 * 400;
        while ts < 4_000_000_000_000_000_000 {
            let want = chrono::DateTime::from_timestamp_nanos(ts).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            assert_eq!(timestamp(ts), want);
            ts += 7_654_321_987_654_321 / 97;
        }
    }

    #[test]
    fn dashboard_lines_are_logfmt_and_noisy_lines_carry_escapes() {
        let w = World::new(1_700_000_000_000);
        let dash = crate::sim::loki_logs::source_of("dashboard").unwrap();
        let line = render(&w, tick(dash), &Event { stream: 0, kind: Kind::UpstreamDown });
        assert!(line.starts_with("ts=") && line.contains(" level=error msg=\"upstream agente_negocio unreachable\""));
        assert!(line.contains(" status=502 "), "{line}");
        for source in [0, dash] {
            let noisy = render(&w, tick(source), &Event { stream: 0, kind: Kind::Noisy });
            assert!(noisy.contains("\u{1b}[") && noisy.contains('\t'), "{noisy:?}");
        }
    }
}
