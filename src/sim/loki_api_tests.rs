use crate::sim::{start, DemoHandle, DemoOptions};
use futures_util::StreamExt;
use serde_json::Value;

async fn demo(ago_ms: i64) -> DemoHandle {
    start(DemoOptions { start_unix_ms: crate::poll::now_ms() - ago_ms, frozen: false }).await.unwrap()
}

/// GET `path?params` (values URL-encoded): status, content type and body.
async fn get(d: &DemoHandle, path: &str, params: &[(&str, &str)]) -> (u16, String, String) {
    let r = reqwest::Client::new().get(format!("{}{path}", d.loki_url)).query(params).send().await.unwrap();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (r.status().as_u16(), ct, r.text().await.unwrap())
}

async fn get_json(d: &DemoHandle, path: &str, params: &[(&str, &str)]) -> Value {
    let (status, ct, body) = get(d, path, params).await;
    assert_eq!((status, ct.as_str()), (200, "application/json; charset=UTF-8"), "{body}");
    serde_json::from_str(&body).unwrap()
}

async fn error(d: &DemoHandle, path: &str, params: &[(&str, &str)]) -> String {
    let (status, ct, body) = get(d, path, params).await;
    assert_eq!((status, ct.as_str()), (400, "text/plain; charset=utf-8"), "{body}");
    body
}

fn ns_now() -> i64 {
    super::now_ns()
}

fn label_text(stream: &Value) -> String {
    let pairs: Vec<String> =
        stream.as_object().unwrap().iter().map(|(k, v)| format!("{k}={:?}", v.as_str().unwrap())).collect();
    format!("{{{}}}", pairs.join(", "))
}

/// Check a `streams` answer's shape; its entries' timestamps, stream by stream.
fn streams_shape(v: &Value) -> Vec<Vec<i64>> {
    assert_eq!(v["status"], "success");
    let data = v["data"].as_object().unwrap();
    let mut keys: Vec<_> = data.keys().collect();
    keys.sort();
    assert_eq!(keys, ["result", "resultType", "stats"]);
    assert_eq!(data["resultType"], "streams");
    let summary = data["stats"]["summary"].as_object().unwrap();
    for k in ["bytesProcessedPerSecond", "linesProcessedPerSecond", "totalBytesProcessed", "totalLinesProcessed"] {
        assert!(summary[k].is_u64(), "{k}");
    }
    assert!(summary["execTime"].is_f64() && summary["totalEntriesReturned"].is_u64());
    assert_eq!(summary.len(), 12);
    for k in ["querier", "ingester", "cache", "index"] {
        assert!(data["stats"][k].is_object(), "{k}");
    }
    assert!(data["stats"]["ingester"]["store"]["chunk"]["headChunkLines"].is_u64());
    let result = data["result"].as_array().unwrap();
    let keys: Vec<String> = result.iter().map(|s| label_text(&s["stream"])).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "streams sorted by label set: {keys:#?}");
    result
        .iter()
        .map(|s| {
            assert_eq!(s.as_object().unwrap().len(), 2);
            assert!(s["stream"].as_object().unwrap().values().all(Value::is_string));
            s["values"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    let pair = e.as_array().unwrap();
                    assert_eq!(pair.len(), 2);
                    let ts = pair[0].as_str().unwrap();
                    assert!(ts.len() == 19 && ts.bytes().all(|b| b.is_ascii_digit()), "{ts}");
                    assert!(pair[1].is_string());
                    ts.parse().unwrap()
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn log_queries_answer_in_lokis_stream_shape() {
    let d = demo(120_000).await;
    let q = r#"{service="agente_deposito"}"#;
    let v = get_json(&d, "/loki/api/v1/query_range", &[("query", q)]).await;
    let stamps = streams_shape(&v);
    assert_eq!(stamps.iter().map(Vec::len).sum::<usize>(), 100, "default limit");
    assert!(stamps.iter().all(|s| s.windows(2).all(|w| w[0] > w[1])), "backward by default");
    assert_eq!(v["data"]["stats"]["summary"]["totalEntriesReturned"], 100);
    let start = (ns_now() - 60_000_000_000).to_string();
    let v = get_json(
        &d,
        "/loki/api/v1/query_range",
        &[("query", q), ("start", &start), ("limit", "20"), ("direction", "forward")],
    )
    .await;
    let stamps = streams_shape(&v);
    let all: Vec<i64> = stamps.concat();
    assert_eq!(all.len(), 20);
    assert!(stamps.iter().all(|s| s.windows(2).all(|w| w[0] < w[1])), "forward");
    let first = *all.iter().min().unwrap();
    assert!(
        first >= start.parse::<i64>().unwrap() && first < start.parse::<i64>().unwrap() + 3_000_000_000,
        "the oldest"
    );
    // The same window in each of the start/end formats Loki takes.
    let (s, e) = ((ns_now() / 1_000_000_000 - 50) * 1_000_000_000, (ns_now() / 1_000_000_000 - 20) * 1_000_000_000);
    let rfc = |ns: i64| chrono::DateTime::from_timestamp_nanos(ns).to_rfc3339();
    let mut answers = Vec::new();
    for (a, b) in [
        (s.to_string(), e.to_string()),
        ((s / 1_000_000_000).to_string(), (e / 1_000_000_000).to_string()),
        (format!("{}.000", s / 1_000_000_000), format!("{}.0", e / 1_000_000_000)),
        (rfc(s), rfc(e)),
    ] {
        let v =
            get_json(&d, "/loki/api/v1/query_range", &[("query", q), ("start", &a), ("end", &b), ("limit", "1000")])
                .await;
        answers.push(v["data"]["result"].clone());
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "ns, seconds, fractional seconds and RFC 3339 agree");
    let categorized = reqwest::Client::new()
        .get(format!("{}/loki/api/v1/query_range", d.loki_url))
        .header("X-Loki-Response-Encoding-Flags", "categorize-labels")
        .query(&[("query", r#"{service="ml_service", level="info"} | json"#), ("limit", "3")])
        .send()
        .await
        .unwrap();
    let v: Value = serde_json::from_str(&categorized.text().await.unwrap()).unwrap();
    assert_eq!(v["data"]["encodingFlags"], serde_json::json!(["categorize-labels"]));
    let s0 = &v["data"]["result"][0];
    assert_eq!(s0["stream"]["level"], "info");
    assert!(s0["stream"].get("message").is_none(), "parsed fields stay out of the stream");
    let third = &s0["values"][0][2];
    assert!(
        third["parsed"]["level_extracted"].is_string() || third["parsed"]["__error__"] == "JSONParserErr",
        "{third}"
    );
}

#[tokio::test]
async fn metric_queries_answer_matrix_and_vector_consistent_with_the_lines() {
    let d = demo(120_000).await;
    let now_s = ns_now() / 1_000_000_000;
    // Whole minutes in the past, so both queries below see the same lines.
    let last = (now_s - 70) / 60 * 60;
    let first = last - 600;
    let (start, end) = (first.to_string(), last.to_string());
    let q = r#"{service=~"dashboard|ml_service"} |= "GET""#;
    let m = get_json(
        &d,
        "/loki/api/v1/query_range",
        &[
            ("query", &format!("sum by (level) (count_over_time({q} [1m]))")),
            ("start", &start),
            ("end", &end),
            ("step", "60"),
        ],
    )
    .await;
    assert_eq!(m["data"]["resultType"], "matrix");
    let series = m["data"]["result"].as_array().unwrap();
    assert!(!series.is_empty());
    let mut total = 0.0;
    for s in series {
        assert_eq!(s["metric"].as_object().unwrap().keys().collect::<Vec<_>>(), ["level"]);
        for p in s["values"].as_array().unwrap() {
            let t = p[0].as_i64().expect("whole seconds as a JSON number");
            assert_eq!(t % 60, 0, "aligned to the step");
            total += p[1].as_str().unwrap().parse::<f64>().unwrap();
        }
    }
    // The windows (T-1m, T] tile (first-1m, last]; the same lines through a log query:
    let (a, b) = (((first - 60) * 1_000_000_000 + 1).to_string(), (last * 1_000_000_000 + 1).to_string());
    let lines =
        get_json(&d, "/loki/api/v1/query_range", &[("query", q), ("start", &a), ("end", &b), ("limit", "5000")]).await;
    let n: usize = streams_shape(&lines).iter().map(Vec::len).sum();
    assert!(n > 100 && n < 5000, "{n}");
    assert_eq!(total, n as f64);

    let t = format!("{}.250", now_s - 5);
    let v = get_json(&d, "/loki/api/v1/query", &[("query", &format!("sum(rate({q} [5m]))")), ("time", &t)]).await;
    assert_eq!(v["data"]["resultType"], "vector");
    let sample = &v["data"]["result"][0];
    assert_eq!(sample["metric"], serde_json::json!({}));
    assert_eq!(sample["value"][0].as_f64().unwrap(), (now_s - 5) as f64 + 0.25);
    assert!(sample["value"][1].as_str().unwrap().parse::<f64>().unwrap() > 0.5);
    let empty = get_json(&d, "/loki/api/v1/query_range", &[("query", r#"count_over_time({app="nope"}[1m])"#)]).await;
    assert_eq!(empty["data"]["result"], serde_json::json!([]));
}

#[tokio::test]
async fn errors_are_lokis_plain_text() {
    let d = demo(120_000).await;
    let qr = "/loki/api/v1/query_range";
    let sel = r#"{app="minimarket-api"}"#;
    // Recorded from a real Loki, word for word.
    assert_eq!(
        error(&d, qr, &[("query", sel), ("start", "yesterday")]).await,
        "could not parse 'start' parameter: strconv.ParseInt: parsing \"yesterday\": invalid syntax"
    );
    assert!(error(&d, qr, &[("query", r#"{app=~".*"}"#)])
        .await
        .starts_with("parse error : queries require at least one"));
    assert_eq!(
        error(&d, "/loki/api/v1/query", &[("query", r#"sum by (level) (count_over_time({app="minimarket-api"}))"#)])
            .await,
        "parse error at line 1, col 55: syntax error: unexpected )"
    );
    assert_eq!(
        error(&d, qr, &[("query", r#"{app="minimarket-api" |= "oops""#)]).await,
        "parse error at line 0, col 23: syntax error: unexpected |=, expecting } or ,"
    );
    assert_eq!(
        error(&d, "/loki/api/v1/query", &[("query", r#"{app="minimarket-api", level="warn"}"#), ("limit", "3")]).await,
        "log queries are not supported as an instant query type, please change your query to a range query type"
    );
    assert_eq!(
        error(&d, qr, &[("query", sel), ("limit", "10000")]).await,
        "max entries limit per query exceeded, limit > max_entries_limit (10000 > 5000)"
    );
    assert_eq!(error(&d, qr, &[("query", sel), ("limit", "0")]).await, "limit must be a positive value");
    assert_eq!(error(&d, qr, &[("query", sel), ("direction", "sideways")]).await, "invalid direction 'sideways'");
    assert!(error(&d, qr, &[("query", sel), ("step", "1"), ("start", "1"), ("end", "100000")])
        .await
        .starts_with("exceeded maximum resolution"));
    assert!(error(&d, qr, &[("query", sel), ("start", "10"), ("end", "5")])
        .await
        .starts_with("end timestamp must not be before"));
    assert!(error(&d, qr, &[("query", sel), ("start", "1")])
        .await
        .starts_with("the query time range exceeds the limit (query length: "));
    let (status, ct, body) = get(&d, "/loki/api/v1/nope", &[]).await;
    assert_eq!((status, ct.as_str(), body.as_str()), (404, "text/plain; charset=utf-8", "404 page not found\n"));
    let (status, _, body) = get(&d, "/ready", &[]).await;
    assert_eq!((status, body.as_str()), (200, "ready\n"));
    let info = get_json(&d, "/loki/api/v1/status/buildinfo", &[]).await;
    assert!(info["version"].as_str().unwrap().contains("demo"));
    for k in ["revision", "branch", "buildUser", "buildDate", "goVersion"] {
        assert!(info[k].is_string(), "{k}");
    }
}

#[tokio::test]
async fn labels_values_and_series() {
    let d = demo(120_000).await;
    let labels = get_json(&d, "/loki/api/v1/labels", &[]).await;
    assert_eq!(
        labels,
        serde_json::json!({"status": "success", "data": ["container", "environment", "job", "level", "service", "service_name", "stream"]})
    );
    let levels = get_json(&d, "/loki/api/v1/label/level/values", &[]).await;
    assert_eq!(levels["data"], serde_json::json!(["error", "info", "warn"]));
    let services = get_json(&d, "/loki/api/v1/label/service/values", &[("query", r#"{job="audit_logs"}"#)]).await;
    assert_eq!(services["data"], serde_json::json!(["agente_negocio"]));
    let (_, _, unknown) = get(&d, "/loki/api/v1/label/doesnotexist/values", &[]).await;
    assert_eq!(unknown, r#"{"status":"success"}"#, "no data key, as Loki");
    let future = (ns_now() + 3_600_000_000_000).to_string();
    let (_, _, none) = get(&d, "/loki/api/v1/labels", &[("start", &future)]).await;
    assert!(none.contains("end timestamp") || none == r#"{"status":"success"}"#, "{none}");
    let (start, end) = ((ns_now() + 1_000_000_000_000).to_string(), (ns_now() + 2_000_000_000_000).to_string());
    assert_eq!(get(&d, "/loki/api/v1/labels", &[("start", &start), ("end", &end)]).await.2, r#"{"status":"success"}"#);
    let series = get_json(&d, "/loki/api/v1/series", &[("match[]", r#"{service="ml_service"}"#)]).await;
    let sets = series["data"].as_array().unwrap();
    assert_eq!(sets.len(), 3);
    assert!(sets.iter().all(|s| s["service"] == "ml_service" && s["container"] == "minimarket-ml-service-1"));
    let none = get_json(&d, "/loki/api/v1/series", &[("match[]", r#"{app="does-not-exist"}"#)]).await;
    assert_eq!(none, serde_json::json!({"status": "success", "data": []}));
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next(ws: &mut Ws) -> tokio_tungstenite::tungstenite::Message {
    tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await.expect("a frame").unwrap().unwrap()
}

#[tokio::test]
async fn tail_sends_the_backlog_then_new_lines() {
    let d = demo(120_000).await;
    let start = (ns_now() - 20_000_000_000).to_string();
    let base = d.loki_url.replace("http://", "ws://");
    let q = r#"{environment="production"} != "no such text""#;
    let url = reqwest::Url::parse_with_params(
        &format!("{base}/loki/api/v1/tail"),
        &[("query", q), ("start", &start), ("limit", "5")],
    )
    .unwrap();
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await.unwrap();
    let frame = |m: tokio_tungstenite::tungstenite::Message| -> Vec<(i64, Value)> {
        let v: Value = serde_json::from_str(m.to_text().unwrap()).unwrap();
        assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["streams"], "no dropped_entries");
        v["streams"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let values = s["values"].as_array().unwrap();
                assert_eq!(values.len(), 1, "one stream object per line");
                (values[0][0].as_str().unwrap().parse().unwrap(), s["stream"].clone())
            })
            .collect()
    };
    let backlog = frame(next(&mut ws).await);
    assert_eq!(backlog.len(), 5, "the newest `limit` lines");
    assert!(backlog.windows(2).all(|w| w[0].0 < w[1].0), "oldest first");
    assert!(backlog[0].0 > ns_now() - 20_000_000_000);
    let fresh = frame(next(&mut ws).await);
    assert!(!fresh.is_empty() && fresh[0].0 > backlog[4].0, "new lines follow the backlog");
    assert!(fresh.iter().all(|(_, s)| s["environment"] == "production"));
    ws.close(None).await.unwrap();
    let bad = format!("{base}/loki/api/v1/tail?query=count_over_time(%7Ba%3D%22b%22%7D%5B1m%5D)");
    let refused = tokio_tungstenite::connect_async(bad).await.unwrap_err();
    assert!(refused.to_string().contains("400"), "{refused}");
}
