//! Unit tests of [`super`].

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
    let body = br#"{"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":[
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

    let bad = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"lots"]]}]}}"#;
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
    assert_eq!(decode_strings(200, br#"{"status":"success","data":[1]}"#, W).unwrap_err().kind, FetchErrorKind::Decode);
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
    let f = br#"{"streams":[{"stream":{"app":"a"},"values":[["2","b"]]},{"stream":{"app":"a"},"values":[["1","a"]]}],
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
