//! Fault tests of the health checks: the client (`HealthClient::check`) and what the health view then
//! says (`health::classify`). Transport failures are errors; any HTTP answer is a probe whose verdict
//! names what is wrong. Every misbehaving server ends in bounded time.

mod common;

use centinela::action::{FetchError, FetchErrorKind};
use centinela::config::{Dur, HealthTarget};
use centinela::health::{classify, Level, Verdict};
use centinela::sources::health::{HealthClient, Probe};
use common::faulty::{self, bounded};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(8);

fn target(url: &str) -> HealthTarget {
    let mut t = HealthTarget::new("agente_deposito", &format!("{url}/health"));
    t.timeout = Dur(Duration::from_secs(1));
    t
}

async fn check(url: &str) -> (Result<Probe, FetchError>, Verdict) {
    let t = target(url);
    let probe = bounded(LIMIT, HealthClient::new(&t).unwrap().check()).await;
    let verdict = classify(&t, &probe);
    (probe, verdict)
}

fn transport(r: (Result<Probe, FetchError>, Verdict), kind: FetchErrorKind, needles: &[&str]) {
    let (probe, verdict) = r;
    let e = probe.expect_err("a transport failure is an error");
    assert_eq!(e.kind, kind, "{e:?}");
    assert_eq!(verdict.level, Level::Down);
    common::faulty::says(&verdict.reason, needles);
}

fn down(r: (Result<Probe, FetchError>, Verdict), needles: &[&str]) -> Verdict {
    let (probe, verdict) = r;
    probe.expect("an HTTP answer is a probe");
    assert_eq!(verdict.level, Level::Down, "{verdict:?}");
    common::faulty::says(&verdict.reason, needles);
    verdict
}

#[tokio::test]
async fn connection_refused_names_the_url_and_says_what_to_check() {
    let url = faulty::refused_url().await;
    transport(
        check(&url).await,
        FetchErrorKind::Connect,
        &["agente_deposito at http://127.0.0.1:", "refused", "check"],
    );
}

#[tokio::test]
async fn a_host_that_does_not_resolve_is_named() {
    transport(
        check(faulty::DNS_FAIL_URL).await,
        FetchErrorKind::Connect,
        &["centinela-fault-test.invalid", "does not resolve", "check"],
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let url = faulty::silent().await;
    transport(check(&url).await, FetchErrorKind::Timeout, &["timed out after 1s", "timeout"]);
}

#[tokio::test]
async fn a_slow_drip_body_hits_the_total_timeout() {
    let url = faulty::slow_drip(Duration::from_millis(100)).await;
    transport(check(&url).await, FetchErrorKind::Timeout, &["timed out after 1s"]);
}

#[tokio::test]
async fn http_500_with_an_html_page_is_down_with_its_title() {
    let url = faulty::fixed(500, "text/html", faulty::HTML_500.into()).await;
    let v = down(check(&url).await, &["HTTP 500", "500 Internal Server Error"]);
    assert!(!v.reason.contains("<html"), "{}", v.reason);
}

#[tokio::test]
async fn truncated_json_is_named_as_not_json() {
    let url = faulty::fixed(200, "application/json", br#"{"status":"ok","database":{"sta"#.to_vec()).await;
    let (probe, verdict) = check(&url).await;
    let p = probe.unwrap();
    assert!(p.body.is_none());
    assert!(p.body_note.as_deref().unwrap().starts_with("not JSON"), "{p:?}");
    // A 200 without a readable status field: the expected status alone says the service is up.
    assert_eq!(verdict.level, Level::Ok, "{verdict:?}");
}

#[tokio::test]
async fn invalid_utf8_is_not_json_and_shown_safely() {
    let url =
        faulty::fixed(503, "application/json", faulty::latin1_body(r#"{"status":"down","error":"cafLATIN1"}"#)).await;
    let v = down(check(&url).await, &["HTTP 503", "not JSON"]);
    assert!(v.reason.contains('\u{FFFD}'), "the stray byte is shown as a replacement character: {}", v.reason);
}

#[tokio::test]
async fn a_body_over_the_cap_is_cut_off_while_streaming() {
    let (url, seen) = faulty::endless().await;
    let (probe, verdict) = check(&url).await;
    let p = probe.expect("a body over the cap is a note, the status still counts");
    assert!(p.body_note.as_deref().unwrap().contains("larger than the 1 MiB cap"), "{p:?}");
    assert_eq!(verdict.level, Level::Ok, "a 200 with a huge body is up: {verdict:?}");
    faulty::eventually("the client closed the connection", || seen.closed()).await;
    assert!(seen.sent() < 16 << 20, "the server got {} bytes out before the client stopped", seen.sent());
}

#[tokio::test]
async fn a_metrics_page_over_the_cap_is_an_error_that_says_what_to_change() {
    let (url, seen) = faulty::endless().await;
    let mut t = target(&url);
    t.timeout = Dur(Duration::from_secs(5));
    let got = bounded(LIMIT, HealthClient::new(&t).unwrap().scrape(&format!("{url}/metrics"))).await;
    let e = faulty::failed(got, FetchErrorKind::TooLarge, &["/metrics", "larger than the 16 MiB cap", "metrics_url"]);
    assert!(!e.message.contains("max_body_mib"), "health targets have no max_body_mib: {e:?}");
    faulty::eventually("the client closed the connection", || seen.closed()).await;
    assert!(seen.sent() < 64 << 20, "the server got {} bytes out before the client stopped", seen.sent());
}

#[tokio::test]
async fn a_wrong_content_type_does_not_matter_when_the_body_is_json() {
    let url = faulty::fixed(200, "text/html", br#"{"status":"degraded"}"#.to_vec()).await;
    let (_, v) = check(&url).await;
    assert_eq!(v.level, Level::Warn, "{v:?}");
    assert_eq!(v.reason, "degraded");
}

#[tokio::test]
async fn nan_and_infinite_numbers_are_no_uptime_not_an_error() {
    for bad in [r#""NaN""#, r#""+Inf""#, r#""-Inf""#, "-5"] {
        let body = format!(r#"{{"status":"ok","uptime_seconds":{bad}}}"#);
        let url = faulty::fixed(200, "application/json", body.into_bytes()).await;
        let (_, v) = check(&url).await;
        assert_eq!(v.level, Level::Ok, "{bad}: {v:?}");
        assert_eq!(v.uptime_s, None, "{bad}: no uptime rather than a nonsense one");
    }
}

#[tokio::test]
async fn nan_and_infinities_in_the_metrics_scrape_are_values() {
    let body = "# TYPE a gauge\na{k=\"nan\"} NaN\na{k=\"pinf\"} +Inf\na{k=\"ninf\"} -Inf\n";
    let url = faulty::fixed(200, "text/plain; version=0.0.4", body.as_bytes().to_vec()).await;
    let t = target(&url);
    let got = bounded(LIMIT, HealthClient::new(&t).unwrap().scrape(&format!("{url}/metrics"))).await.unwrap();
    let v = |k: &str| got.iter().find(|s| s.labels["k"] == k).unwrap().value;
    assert!(v("nan").is_nan());
    assert_eq!(v("pinf"), f64::INFINITY);
    assert_eq!(v("ninf"), f64::NEG_INFINITY);
}

#[tokio::test]
async fn a_server_date_an_hour_off_changes_nothing() {
    // Health answers carry no sample times: the check's time is ours, whatever the server's Date says.
    let url = faulty::fixed_with_headers(
        200,
        &["Content-Type: application/json", "Date: Wed, 15 Nov 2023 00:13:20 GMT"],
        br#"{"status":"ok","uptime_seconds":5}"#.to_vec(),
    )
    .await;
    let (probe, v) = check(&url).await;
    assert_eq!(probe.unwrap().status, 200);
    assert_eq!((v.level, v.uptime_s), (Level::Ok, Some(5.0)));
}
