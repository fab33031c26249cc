//! Fault tests of the Alertmanager client (alerts, groups, silences, status): every misbehaving server
//! ends in bounded time, in one error line that names the backend, what is wrong and what to do.

mod common;

use centinela::action::{FetchError, FetchErrorKind};
use centinela::alerts::model::Alert;
use centinela::config::{Dur, PromSource};
use centinela::sources::alertmanager::AmClient;
use common::faulty::{self, bounded};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(8);

fn client(url: &str) -> AmClient {
    let mut src = PromSource::new(url);
    src.timeout = Dur(Duration::from_secs(1));
    src.connect_timeout = Dur(Duration::from_secs(1));
    src.max_body_mib = 1;
    AmClient::new(&src).unwrap()
}

async fn alerts(url: &str) -> Result<Vec<Alert>, FetchError> {
    bounded(LIMIT, client(url).alerts()).await
}

/// Every read the client does, as one result each: alerts, groups, silences, status.
async fn every_read(url: &str) -> Vec<Result<(), FetchError>> {
    let c = client(url);
    vec![
        bounded(LIMIT, c.alerts()).await.map(drop),
        bounded(LIMIT, c.groups()).await.map(drop),
        bounded(LIMIT, c.silences()).await.map(drop),
        bounded(LIMIT, c.status()).await.map(drop),
    ]
}

fn all_failed(rs: Vec<Result<(), FetchError>>, kind: FetchErrorKind, needles: &[&str]) {
    for r in rs {
        faulty::failed(r, kind, needles);
    }
}

#[tokio::test]
async fn connection_refused_names_the_url_and_says_what_to_check() {
    let url = faulty::refused_url().await;
    all_failed(
        every_read(&url).await,
        FetchErrorKind::Connect,
        &["Alertmanager at http://127.0.0.1:", "refused", "check"],
    );
}

#[tokio::test]
async fn a_host_that_does_not_resolve_is_named() {
    all_failed(
        every_read(faulty::DNS_FAIL_URL).await,
        FetchErrorKind::Connect,
        &["centinela-fault-test.invalid", "does not resolve", "check"],
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let url = faulty::silent().await;
    all_failed(every_read(&url).await, FetchErrorKind::Timeout, &["Alertmanager at", "timed out after 1s", "timeout"]);
}

#[tokio::test]
async fn a_slow_drip_body_hits_the_total_timeout() {
    let url = faulty::slow_drip(Duration::from_millis(100)).await;
    all_failed(every_read(&url).await, FetchErrorKind::Timeout, &["timed out after 1s"]);
}

#[tokio::test]
async fn http_500_with_an_html_page_quotes_its_title() {
    let url = faulty::fixed(500, "text/html", faulty::HTML_500.into()).await;
    all_failed(every_read(&url).await, FetchErrorKind::Http, &["HTTP 500", "500 Internal Server Error"]);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let url =
        faulty::fixed(200, "application/json", br#"[{"labels":{"alertname":"Down"},"status":{"st"#.to_vec()).await;
    all_failed(every_read(&url).await, FetchErrorKind::Decode, &["not valid Alertmanager API JSON", "EOF"]);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error_not_a_crash() {
    let body = faulty::latin1_body(r#"[{"labels":{"alertname":"CaLATIN1da"},"status":{"state":"active"}}]"#);
    let url = faulty::fixed(200, "application/json", body).await;
    let e = alerts(&url).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Decode, "{e:?}");
    assert!(e.message.contains("not valid Alertmanager API JSON"), "{}", e.message);
}

#[tokio::test]
async fn a_body_over_the_cap_is_cut_off_while_streaming() {
    let (url, seen) = faulty::endless().await;
    let e = alerts(&url).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::TooLarge, "{e:?}");
    assert!(e.message.contains("larger than the 1 MiB cap") && e.message.contains("max_body_mib"), "{}", e.message);
    faulty::eventually("the client closed the connection", || seen.closed()).await;
    assert!(seen.sent() < 16 << 20, "the server got {} bytes out before the client stopped", seen.sent());
}

#[tokio::test]
async fn a_wrong_content_type_does_not_matter_when_the_body_is_json() {
    let body = br#"[{"fingerprint":"f1","labels":{"alertname":"Down"},"annotations":{},"startsAt":"2023-11-14T22:00:00Z","status":{"state":"active"}}]"#;
    let url = faulty::fixed(200, "text/plain", body.to_vec()).await;
    let got = alerts(&url).await.unwrap();
    assert_eq!(got[0].name(), "Down");
}

#[tokio::test]
async fn an_alert_from_a_clock_an_hour_ahead_is_shown_as_just_started() {
    // Alertmanager's clock (Date header and startsAt) runs an hour ahead of ours. The start time is
    // kept as sent (it is what the postmortem quotes); the age shown never goes negative: "<1m".
    let body = br#"[{"fingerprint":"f1","labels":{"alertname":"Down"},"annotations":{},"startsAt":"2023-11-14T23:13:20Z","status":{"state":"active"}}]"#;
    let url = faulty::fixed_with_headers(
        200,
        &["Content-Type: application/json", "Date: Tue, 14 Nov 2023 23:13:20 GMT"],
        body.to_vec(),
    )
    .await;
    let got = alerts(&url).await.unwrap();
    assert_eq!(got[0].starts_at_ms, common::NOW_MS + 3_600_000);
    assert_eq!(centinela::ui::alerts::age(common::NOW_MS, got[0].starts_at_ms), "<1m");
    // An hour behind is an hour old: nothing can tell it from a real hour.
    assert_eq!(centinela::ui::alerts::age(common::NOW_MS, common::NOW_MS - 3_600_000), "1h00m");
}
