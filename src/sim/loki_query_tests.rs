use super::*;
use crate::sim::logql::{parse, parse_selector, Query};

const T0_MS: i64 = 1_700_000_000_000;
const NOW: i64 = s(3600);

const fn s(secs: i64) -> i64 {
    T0_MS * 1_000_000 + secs * 1_000_000_000
}

/// The scripted world, with `agente_negocio` restarted at t0+70 s.
fn world() -> World {
    let w = World::new(T0_MS);
    assert!(w.restart("agente_negocio", T0_MS + 70_000));
    w
}

fn log(q: &str) -> LogQuery {
    match parse(q) {
        Ok(Query::Log(l)) => l,
        other => panic!("{q}: {other:?}"),
    }
}

fn metric(q: &str) -> MetricQuery {
    match parse(q) {
        Ok(Query::Metric(m)) => m,
        other => panic!("{q}: {other:?}"),
    }
}

fn lines(w: &World, q: &str, from: i64, to: i64) -> Vec<Entry> {
    log_query(w, &log(q), (from, to, NOW), 100_000, true).unwrap().0
}

fn texts(entries: &[Entry]) -> Vec<&str> {
    entries.iter().map(|e| e.line.as_str()).collect()
}

#[test]
fn limit_and_direction_are_honoured() {
    let w = world();
    let q = log(r#"{environment="production"}"#);
    let all = log_query(&w, &q, (s(0), s(60), NOW), 100_000, true).unwrap().0;
    assert!(all.len() > 250, "{}", all.len());
    assert!(all.windows(2).all(|p| p[0].ts_ns < p[1].ts_ns), "oldest first");
    assert!(all.iter().all(|e| (s(0)..s(60)).contains(&e.ts_ns)));
    let oldest = log_query(&w, &q, (s(0), s(60), NOW), 10, true).unwrap().0;
    assert_eq!(oldest, all[..10]);
    let newest = log_query(&w, &q, (s(0), s(60), NOW), 10, false).unwrap().0;
    let mut expected = all[all.len() - 10..].to_vec();
    expected.reverse();
    assert_eq!(newest, expected, "newest first");
    let (few, stats) = log_query(&w, &q, (s(0), s(600), NOW), 100, false).unwrap();
    assert_eq!(few.len(), 100);
    assert!(stats.lines < 120, "the limit bounds the work: {stats:?}");
    let clipped = log_query(&w, &q, (NOW - 5_000_000_000, NOW + 60_000_000_000, NOW), 1000, true).unwrap().0;
    assert!(!clipped.is_empty() && clipped.iter().all(|e| e.ts_ns < NOW), "nothing from the future");
}

#[test]
fn the_incident_reads_right_through_logql() {
    let w = world();
    assert!(lines(&w, r#"{service="agente_negocio"}"#, s(40), s(70)).is_empty(), "silent while down");
    let before = lines(&w, r#"{service="agente_negocio", level="error"}"#, s(30), s(40));
    let text = texts(&before).join("\n");
    assert!(text.contains("database connection pool exhausted") || text.contains("unhandled exception"), "{text}");
    assert!(text.contains("worker exited with code 137") && text.contains("database connection refused"));
    assert!(lines(&w, r#"{service="agente_negocio", level="error"}"#, s(-600), s(35))
        .iter()
        .all(|e| !e.line.contains("pool exhausted")));
    let up = lines(&w, r#"{service="agente_negocio"} |= "Application startup complete""#, s(70), s(80));
    assert_eq!(up.len(), 1);
    let unreachable = r#"{service=~"dashboard|agente_deposito"} |= "upstream agente_negocio unreachable""#;
    assert!(lines(&w, unreachable, s(40), s(70)).len() >= 6);
    assert!(lines(&w, unreachable, s(70), s(600)).is_empty(), "callers recover with it");

    let slow = r#"{service="ml_service"} | json | __error__="" | message="slow request" | duration_ms > 1000"#;
    assert!(lines(&w, slow, s(-600), s(20)).is_empty());
    let late = lines(&w, slow, s(60), s(300));
    assert!(late.len() > 20, "{}", late.len());
    assert!(late
        .iter()
        .all(|e| e.labels()["level"] == "warn" && e.labels()["duration_ms"].parse::<u64>().unwrap() > 1000));
    let timeouts = lines(&w, r#"{service="ml_service", level="error"} |= "OCR timeout""#, s(80), s(600));
    assert!(timeouts.len() > 10, "{}", timeouts.len());
}

#[test]
fn metric_counts_match_the_lines() {
    let w = world();
    for q in [
        r#"{service="dashboard"} |= "GET""#,
        r#"{environment="production"}"#,
        r#"{job="audit_logs"} | json | event_type!="LOGIN""#,
        r#"{service="agente_negocio"} | json | __error__="" | status_code >= 500"#,
    ] {
        let n = lines(&w, q, s(0) + 1, s(600) + 1).len();
        assert!(n > 0, "{q}");
        let instant = metric_instant(&w, &metric(&format!("sum(count_over_time({q} [10m]))")), s(600), NOW).unwrap().0;
        assert_eq!(instant.iter().map(|(_, v)| *v).sum::<f64>(), n as f64, "{q}");
        let m = metric(&format!("sum by (level) (count_over_time({q} [1m]))"));
        let (matrix, _) = metric_range(&w, &m, (s(60), s(600), 60_000_000_000), NOW).unwrap();
        let total: f64 = matrix.iter().flat_map(|(_, p)| p.iter().map(|(_, v)| *v)).sum();
        assert_eq!(total, n as f64, "{q}: tiling 1m windows count every line once");
        assert!(matrix.iter().all(|(l, _)| l.keys().all(|k| k == "level")));
        let rate = metric(&format!("sum(rate({q} [10m]))"));
        let r = metric_instant(&w, &rate, s(600), NOW).unwrap().0;
        assert!((r[0].1 - n as f64 / 600.0).abs() < 1e-9, "{q}");
    }
    let by_stream = metric(r#"count_over_time({service="agente_negocio"}[10s])"#);
    let (matrix, _) = metric_range(&w, &by_stream, (s(0), s(120), 10_000_000_000), NOW).unwrap();
    assert!(matrix.windows(2).all(|p| p[0].0 < p[1].0), "series in label order");
    let info = &matrix.iter().find(|(l, _)| l["level"] == "info").unwrap().1;
    let times: Vec<i64> = info.iter().map(|(t, _)| *t).collect();
    assert!(times.contains(&s(40)) && times.contains(&s(80)), "{info:?}");
    assert!(!times.contains(&s(50)) && !times.contains(&s(60)), "empty steps are omitted: {info:?}");
}

#[test]
fn metric_queries_refuse_what_loki_refuses() {
    let w = world();
    let err = metric_instant(&w, &metric(r#"count_over_time({service="ml_service"} | json [1h])"#), s(3600), NOW);
    assert!(err.unwrap_err().starts_with("pipeline error: 'JSONParserErr' for series: '{__error__=\"JSONParserErr\""));
    let ok = metric(r#"sum(count_over_time({service="ml_service"} | json | __error__="" [1h]))"#);
    assert!(metric_instant(&w, &ok, s(3600), NOW).is_ok());
    let many = metric(r#"count_over_time({service="dashboard"} | logfmt [1h])"#);
    assert_eq!(
        metric_instant(&w, &many, s(3600), NOW).unwrap_err(),
        "maximum of series (500) reached for a single query"
    );
    let long = metric(r#"sum(count_over_time({service="dashboard"} |= "x" [1m]))"#);
    let far = s(-60 * 86_400);
    assert!(metric_range(&w, &long, (far, NOW, 3_600_000_000_000), NOW).unwrap_err().contains("too many lines"));
    let lazy = log_query(&w, &log(r#"{environment="production"}"#), (far, NOW, NOW), 100, false).unwrap();
    assert_eq!(lazy.0.len(), 100, "a long window is fine when the limit bounds the work");
    let needle = log_query(&w, &log(r#"{environment="production"} |= "no such text""#), (far, NOW, NOW), 100, false);
    assert!(needle.unwrap_err().contains("too many lines"));
}

#[test]
fn streams_with_data_follow_the_window_and_selector() {
    let w = world();
    let negocio = vec![parse_selector(r#"{service="agente_negocio"}"#).unwrap()];
    assert!(streams_with_data(&w, &negocio, (s(41), s(70), NOW)).is_empty(), "down");
    let up = streams_with_data(&w, &negocio, (s(0), s(30), NOW));
    assert!(up.iter().any(|i| streams()[*i].labels.get("level").is_some_and(|l| l == "info")));
    let all = streams_with_data(&w, &[], (s(0), s(3600), NOW));
    assert_eq!(all.len(), streams().len(), "every stream has lines in an hour");
    assert!(streams_with_data(&w, &[], (NOW + 1, NOW + 3_600_000_000_000, NOW)).is_empty(), "the future is empty");
    let none = vec![parse_selector(r#"{app="nope"}"#).unwrap()];
    assert!(streams_with_data(&w, &none, (s(0), s(3600), NOW)).is_empty());
}

#[test]
fn every_few_minutes_of_the_audit_stream_hold_a_sensitive_read() {
    // The security dashboard's events panel over any 15 minutes of a day (before the incident), at
    // whatever minute it is asked: never empty by chance of the draw.
    let w = World::new(T0_MS + 86_400_000);
    let q =
        r#"{job="audit_logs"} | json | event_type=~"(SENSITIVE_DATA_READ|FAILED_AUTHENTICATION|ENCRYPTION_FAILURE)""#;
    for minute in (0..24 * 60).step_by(7) {
        let end = s(minute * 60);
        let got = log_query(&w, &log(q), (end - 900 * 1_000_000_000, end, end), 1_000, true).unwrap().0;
        assert!(got.len() >= 6, "{} sensitive events in the 15 minutes up to minute {minute}", got.len());
    }
}
