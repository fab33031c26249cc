//! Fault tests of the Loki client: `query_range` (the logs panels) and the live tail (websocket).
//! Every misbehaving server ends in bounded time, in one error line that names the backend, what is
//! wrong and what to do.

mod common;

use centinela::action::{FetchError, FetchErrorKind};
use centinela::config::{Dur, PromSource};
use centinela::logs::model::{Direction, LokiResult, RangeQuery};
use centinela::sources::loki::LokiClient;
use centinela::sources::loki_tail::{self, TailEvent, TailMode, TailOptions, Tuning};
use common::faulty::{self, bounded, failed};
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

const LIMIT: Duration = Duration::from_secs(8);

fn client(url: &str) -> LokiClient {
    let mut src = PromSource::new(url);
    src.timeout = Dur(Duration::from_secs(1));
    src.connect_timeout = Dur(Duration::from_secs(1));
    src.max_body_mib = 1;
    LokiClient::new(&src).unwrap()
}

fn range(expr: &str) -> RangeQuery {
    RangeQuery {
        expr: expr.into(),
        start_ns: 1_699_996_400_000_000_000,
        end_ns: 1_700_000_000_000_000_000,
        limit: 100,
        direction: Direction::Backward,
        step: None,
    }
}

async fn query_range(url: &str) -> Result<LokiResult, FetchError> {
    bounded(LIMIT, client(url).query_range(&range(r#"{app="agente"}"#))).await
}

// ---------------------------------------------------------------------------------------------------
// query_range

#[tokio::test]
async fn connection_refused_names_the_url_and_says_what_to_check() {
    let url = faulty::refused_url().await;
    failed(query_range(&url).await, FetchErrorKind::Connect, &["Loki at http://127.0.0.1:", "refused", "check"]);
}

#[tokio::test]
async fn a_host_that_does_not_resolve_is_named() {
    failed(
        query_range(faulty::DNS_FAIL_URL).await,
        FetchErrorKind::Connect,
        &["centinela-fault-test.invalid", "does not resolve", "check"],
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let url = faulty::silent().await;
    failed(query_range(&url).await, FetchErrorKind::Timeout, &["Loki at", "timed out after 1s", "timeout"]);
}

#[tokio::test]
async fn a_slow_drip_body_hits_the_total_timeout() {
    let url = faulty::slow_drip(Duration::from_millis(100)).await;
    failed(query_range(&url).await, FetchErrorKind::Timeout, &["timed out after 1s"]);
}

#[tokio::test]
async fn http_500_with_an_html_page_quotes_its_title() {
    let url = faulty::fixed(500, "text/html", faulty::HTML_500.into()).await;
    let e = failed(query_range(&url).await, FetchErrorKind::Http, &["HTTP 500", "500 Internal Server Error"]);
    assert!(!e.message.contains("<html"), "{}", e.message);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let body = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"a"},"values":[["17"#;
    let url = faulty::fixed(200, "application/json", body.to_vec()).await;
    failed(query_range(&url).await, FetchErrorKind::Decode, &["not valid Loki API JSON", "EOF"]);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error_not_a_crash() {
    let body = faulty::latin1_body(
        r#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"a"},"values":[["1700000000000000000","cafLATIN1"]]}]}}"#,
    );
    let url = faulty::fixed(200, "application/json", body).await;
    failed(query_range(&url).await, FetchErrorKind::Decode, &["not valid Loki API JSON"]);
}

#[tokio::test]
async fn a_body_over_the_cap_is_cut_off_while_streaming() {
    let (url, seen) = faulty::endless().await;
    failed(query_range(&url).await, FetchErrorKind::TooLarge, &["larger than the 1 MiB cap", "max_body_mib"]);
    faulty::eventually("the client closed the connection", || seen.closed()).await;
    assert!(seen.sent() < 16 << 20, "the server got {} bytes out before the client stopped", seen.sent());
}

#[tokio::test]
async fn a_wrong_content_type_does_not_matter_when_the_body_is_json() {
    let body = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"a"},"values":[["1700000000000000000","hello"]]}]}}"#;
    let url = faulty::fixed(200, "text/plain", body.to_vec()).await;
    let LokiResult::Streams(entries) = query_range(&url).await.unwrap() else { panic!("streams") };
    assert_eq!(entries[0].line, "hello");
}

#[tokio::test]
async fn nan_and_infinities_in_a_metric_query_are_values() {
    let body = br#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"NaN"],[2,"+Inf"],[3,"-Inf"]]}]}}"#;
    let url = faulty::fixed(200, "application/json", body.to_vec()).await;
    let LokiResult::Matrix(series) = query_range(&url).await.unwrap() else { panic!("a matrix") };
    let v: Vec<f64> = series[0].points.iter().map(|p| p.1).collect();
    assert!(v[0].is_nan());
    assert_eq!(v[1..], [f64::INFINITY, f64::NEG_INFINITY]);
}

#[tokio::test]
async fn log_lines_from_a_clock_an_hour_ahead_keep_their_timestamps() {
    // Loki's clock (Date header and line timestamps) runs an hour ahead: the lines keep the server's
    // nanoseconds, in order; they are data, not an error.
    let body = br#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"app":"a"},"values":[["1700003600000000001","b"],["1700003600000000000","a"]]}]}}"#;
    let url = faulty::fixed_with_headers(
        200,
        &["Content-Type: application/json", "Date: Wed, 15 Nov 2023 00:13:20 GMT"],
        body.to_vec(),
    )
    .await;
    let LokiResult::Streams(entries) = query_range(&url).await.unwrap() else { panic!("streams") };
    assert_eq!(
        entries.iter().map(|e| e.ts_ns).collect::<Vec<_>>(),
        [1_700_003_600_000_000_000, 1_700_003_600_000_000_001]
    );
}

// ---------------------------------------------------------------------------------------------------
// The live tail

fn tail_options() -> TailOptions {
    TailOptions {
        expr: r#"{app="agente"}"#.into(),
        start_ns: 1_700_000_000_000_000_000,
        limit: 100,
        backoff_min: Duration::from_millis(50),
        backoff_max: Duration::from_millis(100),
        poll_interval: Duration::from_millis(50),
    }
}

/// The first event of a tail of `url` that is not `Connected`.
async fn first_trouble(url: &str, tuning: Tuning) -> TailEvent {
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(loki_tail::run_with(client(url), tail_options(), tx, tuning));
    let ev = bounded(LIMIT, async {
        loop {
            match rx.recv().await.expect("the tail runs") {
                TailEvent::Connected { mode: TailMode::Websocket } => continue,
                ev => break ev,
            }
        }
    })
    .await;
    task.abort();
    ev
}

fn disconnected(ev: TailEvent, kind: FetchErrorKind, needles: &[&str]) {
    let TailEvent::Disconnected { error, .. } = ev else { panic!("a disconnection, got {ev:?}") };
    assert_eq!(error.kind, kind, "{error:?}");
    for n in needles {
        assert!(error.message.contains(n), "`{n}` missing from: {}", error.message);
    }
}

/// A websocket server that completes the upgrade, then writes `raw` (frame bytes) and drips `drip`
/// one byte every 100 ms.
async fn ws_server(raw: Vec<u8>, drip: Vec<u8>) -> String {
    faulty::server(move |s| {
        let (raw, drip) = (raw.clone(), drip.clone());
        async move {
            let Ok(mut ws) = tokio_tungstenite::accept_async(s).await else { return };
            let tcp = ws.get_mut();
            if tcp.write_all(&raw).await.is_err() {
                return;
            }
            for b in drip {
                if tcp.write_all(&[b]).await.is_err() {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
    })
    .await
}

#[tokio::test]
async fn tail_connection_refused_is_named() {
    let url = faulty::refused_url().await;
    disconnected(
        first_trouble(&url, Tuning::default()).await,
        FetchErrorKind::Connect,
        &["Loki at", "refused", "check"],
    );
}

#[tokio::test]
async fn tail_a_host_that_does_not_resolve_is_named() {
    disconnected(
        first_trouble(faulty::DNS_FAIL_URL, Tuning::default()).await,
        FetchErrorKind::Connect,
        &["centinela-fault-test.invalid", "does not resolve", "check"],
    );
}

#[tokio::test]
async fn tail_a_server_that_never_answers_the_upgrade_times_out() {
    let url = faulty::silent().await;
    disconnected(
        first_trouble(&url, Tuning::default()).await,
        FetchErrorKind::Timeout,
        &["handshake timed out after 1s", "timeout"],
    );
}

#[tokio::test]
async fn tail_a_frame_that_drips_is_given_up_as_silent() {
    // A text frame of 1000 bytes announced, then one byte every 100 ms: no frame ever completes.
    let url = ws_server(vec![0x81, 126, 0x03, 0xE8], vec![b'{'; 1000]).await;
    let tuning =
        Tuning { ping_every: Duration::from_millis(100), silence_limit: Duration::from_secs(1), ..Tuning::default() };
    disconnected(first_trouble(&url, tuning).await, FetchErrorKind::Timeout, &["went silent", "1s"]);
}

#[tokio::test]
async fn tail_a_frame_over_the_cap_is_refused_unread() {
    // The frame header announces 2 MiB; the cap is 1 MiB. Nothing of the payload is sent or needed.
    let mut header = vec![0x81, 127];
    header.extend_from_slice(&(2u64 << 20).to_be_bytes());
    let url = ws_server(header, Vec::new()).await;
    disconnected(
        first_trouble(&url, Tuning::default()).await,
        FetchErrorKind::TooLarge,
        &["larger than the 1 MiB cap", "max_body_mib"],
    );
}

#[tokio::test]
async fn tail_a_frame_that_is_not_utf8_is_a_decode_error() {
    let url = ws_server(vec![0x81, 3, 0xff, 0xfe, b'A'], Vec::new()).await;
    disconnected(first_trouble(&url, Tuning::default()).await, FetchErrorKind::Decode, &["not UTF-8"]);
}

#[tokio::test]
async fn tail_truncated_json_in_a_frame_is_a_decode_error() {
    let text = br#"{"streams":[{"stream":{"app":"a"},"values":[["17"#;
    let mut raw = vec![0x81, text.len() as u8];
    raw.extend_from_slice(text);
    let url = ws_server(raw, Vec::new()).await;
    disconnected(first_trouble(&url, Tuning::default()).await, FetchErrorKind::Decode, &["not valid Loki tail JSON"]);
}

#[tokio::test]
async fn tail_an_html_500_to_the_upgrade_falls_back_to_polling_and_says_why() {
    let url = faulty::fixed(500, "text/html", faulty::HTML_500.into()).await;
    let (tx, mut rx) = mpsc::channel(16);
    let task = tokio::spawn(loki_tail::run_with(client(&url), tail_options(), tx, Tuning::default()));
    let ev = bounded(LIMIT, rx.recv()).await.expect("an event");
    task.abort();
    // The upgrade is refused with a 500: the tail reports it, naming the status and the page's title,
    // whether it then polls (and the poll fails the same way) or waits to reconnect.
    let text = format!("{ev:?}");
    assert!(text.contains("500"), "{text}");
    assert!(text.contains("500 Internal Server Error"), "{text}");
}
