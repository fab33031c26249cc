use super::pipeline::{sanitize, Labels, ERROR_LABEL};
use super::*;

fn err(q: &str) -> String {
    match parse(q) {
        Ok(p) => panic!("`{q}` parsed: {p:?}"),
        Err(e) => e.to_string(),
    }
}

fn log(q: &str) -> LogQuery {
    match parse(q) {
        Ok(Query::Log(l)) => l,
        other => panic!("`{q}`: {other:?}"),
    }
}

fn metric(q: &str) -> MetricQuery {
    match parse(q) {
        Ok(Query::Metric(m)) => m,
        other => panic!("`{q}`: {other:?}"),
    }
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[test]
fn selectors_and_pipelines_parse() {
    let q = log(r#"{service="ml_service", level=~"warn|error", container!="x", stream!~"std.rr"}"#);
    assert_eq!(q.matchers.len(), 4);
    assert_eq!(q.matchers[1].op, MatchOp::Re);
    assert!(q.stages.is_empty());
    let q = log(
        r#"{job="audit_logs"} | json | event_type=~"(SENSITIVE_DATA_READ|FAILED_AUTHENTICATION|ENCRYPTION_FAILURE)""#,
    );
    assert!(matches!(q.stages[..], [Stage::Json, Stage::Filter(LabelPred::Str(_))]));
    let q = log(r#"{service="ml_service"} |= "slow" != "health" |~ "OCR.*" !~ `^x` | logfmt | duration_ms > 1000"#);
    assert_eq!(q.stages.len(), 6);
    assert!(matches!(q.stages[5], Stage::Filter(LabelPred::Num { cmp: Cmp::Gt, value, .. }) if value == 1000.0));
    let q = log(r#"{a="b"} | json | (status_code >= 500 or level="ERROR"), path!="/health""#);
    assert!(matches!(q.stages[1], Stage::Filter(LabelPred::And(_, _))));
    assert!(matches!(log("{a=\"\\u00e1\\t\"}").matchers[0].value.as_str(), "á\t"));
}

#[test]
fn metric_queries_parse_with_either_range_position_and_grouping() {
    let m = metric(r#"count_over_time({a="b"}[5m])"#);
    assert_eq!((m.func, m.range_ns, m.sum.clone()), (RangeFn::CountOverTime, 300_000_000_000, None));
    let m = metric(r#"sum by (level) (rate({a="b"} |= "x" | json [1h30m]))"#);
    assert_eq!((m.func, m.range_ns), (RangeFn::Rate, 5_400_000_000_000));
    assert_eq!(m.sum, Some(Sum::By(vec!["level".into()])));
    assert_eq!(m.log.stages.len(), 2);
    let m = metric(r#"sum(count_over_time({a="b"}[30s] |= "x")) without (level, stream)"#);
    assert_eq!(m.sum, Some(Sum::Without(vec!["level".into(), "stream".into()])));
    assert_eq!(m.log.stages.len(), 1);
    assert_eq!(metric(r#"sum(count_over_time({a="b"}[1m]))"#).sum, Some(Sum::By(vec![])));
}

#[test]
fn errors_are_worded_like_lokis() {
    // Both recorded from a real Loki (line 0 for a two-character operator is Loki's).
    assert_eq!(
        err(r#"sum by (level) (count_over_time({app="minimarket-api"}))"#),
        "parse error at line 1, col 55: syntax error: unexpected )"
    );
    assert_eq!(
        err(r#"{app="minimarket-api" |= "oops""#),
        "parse error at line 0, col 23: syntax error: unexpected |=, expecting } or ,"
    );
    assert_eq!(err(r#"{app=~".*"}"#), format!("parse error : {EMPTY_SELECTOR}"));
    assert_eq!(err(r#"{app!="x"}"#), format!("parse error : {EMPTY_SELECTOR}"));
    assert_eq!(err(""), "parse error at line 1, col 1: syntax error: unexpected $end");
    assert_eq!(err("up"), "parse error at line 1, col 1: syntax error: unexpected IDENTIFIER");
    assert_eq!(err(r#"{a="b"} | json [5m]"#), "parse error at line 1, col 16: syntax error: unexpected [");
    assert_eq!(err(r#"{a="b"}} "#), "parse error at line 1, col 8: syntax error: unexpected }");
    assert_eq!(err(r#"{a="b}"#), "parse error at line 1, col 4: literal not terminated");
    assert!(err(r#"{a=~"(x"}"#).starts_with("parse error at line 1, col 5: error parsing regexp: "));
    assert!(
        err(r#"{a="b"} | line_format "{{.x}}""#).contains("unexpected line_format (not in the demo's LogQL subset)")
    );
    assert!(err(r#"avg_over_time({a="b"}[5m])"#).contains("col 1: syntax error: unexpected avg_over_time"));
    assert!(err(r#"count_over_time({a="b"}[5x])"#).contains("not a valid duration string: \"5x\""));
    assert!(err(r#"{a="b"} | x > 5s"#).contains("duration and bytes filters"));
    assert!(err(r#"{a} "#).contains("col 3: syntax error: unexpected }, expecting = or != or =~ or !~"));
    assert!(err("sum(count_over_time({a=\"b\"}[1m])) > 2").contains("unexpected >"));
}

#[test]
fn durations() {
    assert_eq!(parse_duration("5m"), Some(300_000_000_000));
    assert_eq!(parse_duration("1h30m"), Some(5_400_000_000_000));
    assert_eq!(parse_duration("1.5s"), Some(1_500_000_000));
    assert_eq!(parse_duration("250ms"), Some(250_000_000));
    assert_eq!(parse_duration("1d"), Some(86_400_000_000_000));
    assert_eq!(parse_duration("5"), None);
    assert_eq!(parse_duration(""), None);
}

#[test]
fn matchers_are_anchored_and_line_filters_are_not() {
    let q = log(r#"{service=~"ml|agente"} |~ "time.ut""#);
    assert!(q.selects(&labels(&[("service", "ml")])));
    assert!(!q.selects(&labels(&[("service", "ml_service")])), "anchored");
    assert!(!q.selects(&labels(&[])));
    let stream = labels(&[("service", "ml")]);
    assert_eq!(q.process(&stream, "OCR timeout after 30s"), Some(None), "line regexes match anywhere");
    assert_eq!(q.process(&stream, "all fine"), None);
    let q = log(r#"{service="ml", missing!="x"} != "health" |= "GET""#);
    assert!(q.selects(&stream), "a missing label is empty");
    assert_eq!(q.process(&stream, "GET /api 200"), Some(None));
    assert_eq!(q.process(&stream, "GET /health 200"), None);
    assert_eq!(q.process(&stream, "POST /api 201"), None);
}

#[test]
fn json_extracts_fields_as_loki_does() {
    let stream = labels(&[("level", "error"), ("service", "x")]);
    let q = log(r#"{service="x"} | json"#);
    let line = r#"{"level":"ERROR","message":"boom","status_code":503,"ok":false,"req":{"id":"a1","path.x":"/p"},"tags":["a"],"empty":"","n":null,"1st":"y"}"#;
    let out = q.process(&stream, line).unwrap().unwrap();
    assert_eq!(out["level"], "error", "the stream label stays");
    assert_eq!(out["level_extracted"], "ERROR", "a clash gets _extracted");
    assert_eq!((out["message"].as_str(), out["status_code"].as_str(), out["ok"].as_str()), ("boom", "503", "false"));
    assert_eq!((out["req_id"].as_str(), out["req_path_x"].as_str()), ("a1", "/p"), "nested objects are flattened");
    assert_eq!(out["_1st"], "y");
    assert!(!out.contains_key("tags") && !out.contains_key("empty") && !out.contains_key("n"));
    let bad = q.process(&stream, "\u{1b}[32mINFO\u{1b}[0m:\tnot json").unwrap().unwrap();
    assert_eq!(bad[ERROR_LABEL], "JSONParserErr", "kept, with the error");
    assert_eq!(sanitize("a-b.c"), "a_b_c");
}

#[test]
fn logfmt_extracts_and_flags_what_it_cannot_read() {
    let stream = labels(&[("service", "dashboard")]);
    let q = log(r#"{service="dashboard"} | logfmt"#);
    let line = r#"ts=2026-01-01T00:00:00.000Z level=warn msg="slow upstream \"x\" response" duration_ms=12 flag"#;
    let out = q.process(&stream, line).unwrap().unwrap();
    assert_eq!((out["level"].as_str(), out["msg"].as_str()), ("warn", "slow upstream \"x\" response"));
    assert_eq!(out["duration_ms"], "12");
    assert!(!out.contains_key("flag"));
    let json = q.process(&stream, r#"{"timestamp":"x","level":"INFO"}"#).unwrap().unwrap();
    assert_eq!(json[ERROR_LABEL], "LogfmtParserErr");
    assert_eq!(q.process(&stream, r#"a="unterminated"#).unwrap().unwrap()[ERROR_LABEL], "LogfmtParserErr");
}

#[test]
fn label_filters_follow_lokis_rules() {
    let stream = labels(&[("service", "x")]);
    let slow = r#"{"message":"slow request","duration_ms":4200,"status_code":200}"#;
    let fast = r#"{"message":"request completed","duration_ms":12,"status_code":200}"#;
    let q = log(r#"{service="x"} | json | duration_ms > 1000"#);
    assert!(q.process(&stream, slow).is_some());
    assert!(q.process(&stream, fast).is_none());
    assert!(q.process(&stream, r#"{"message":"no duration"}"#).is_none(), "a missing label fails a numeric filter");
    let odd = q.process(&stream, r#"{"duration_ms":"fast"}"#).unwrap().unwrap();
    assert_eq!(odd[ERROR_LABEL], "LabelFilterErr", "a non-number is kept with an error");
    assert!(q.process(&stream, "not json").unwrap().unwrap()[ERROR_LABEL] == "JSONParserErr", "errors pass filters");
    let q = log(r#"{service="x"} | json | __error__="" | message=~"slow.*" or status_code >= 500"#);
    assert!(q.process(&stream, slow).is_some());
    assert!(q.process(&stream, fast).is_none());
    assert!(q.process(&stream, "not json").is_none(), "__error__ filters do see errors");
    let q = log(r#"{service="x"} | json | message!="slow request", status_code == 200"#);
    assert!(q.process(&stream, slow).is_none());
    assert!(q.process(&stream, fast).is_some());
}

#[test]
fn series_selectors_may_match_everything() {
    assert_eq!(parse_selector(r#"{app=~".*"}"#).unwrap().len(), 1);
    assert_eq!(parse_selector(r#"{a="b"} |= "x""#).unwrap().len(), 1);
    assert!(parse_selector(r#"{a="b""#).is_err());
}
