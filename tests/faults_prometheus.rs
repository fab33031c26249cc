//! Fault tests of the Prometheus client: every misbehaving server ends in bounded time, in one error
//! line that names the backend, what is wrong and what to do. (More byte-level cases, such as
//! Content-Length over the cap and bodies cut off mid-stream, are in `prometheus_contract.rs`.)

mod common;

use centinela::action::{FetchError, FetchErrorKind};
use centinela::config::{Dur, PromSource};
use centinela::sources::prometheus::{PromClient, QueryData};
use common::faulty::{self, bounded, failed};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(8);

fn client(url: &str) -> PromClient {
    let mut src = PromSource::new(url);
    src.timeout = Dur(Duration::from_secs(1));
    src.connect_timeout = Dur(Duration::from_secs(1));
    src.max_body_mib = 1;
    PromClient::new(&src).unwrap()
}

async fn query(url: &str) -> Result<QueryData, FetchError> {
    bounded(LIMIT, client(url).query("up", 1_700_000_000.0)).await
}

#[tokio::test]
async fn connection_refused_names_the_url_and_says_what_to_check() {
    let url = faulty::refused_url().await;
    failed(query(&url).await, FetchErrorKind::Connect, &["Prometheus at http://127.0.0.1:", "refused", "check"]);
}

#[tokio::test]
async fn a_host_that_does_not_resolve_is_named() {
    let e = failed(
        query(faulty::DNS_FAIL_URL).await,
        FetchErrorKind::Connect,
        &["centinela-fault-test.invalid", "does not resolve", "check"],
    );
    assert!(!e.message.contains('\n'));
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let url = faulty::silent().await;
    failed(query(&url).await, FetchErrorKind::Timeout, &["timed out after 1s", "timeout"]);
}

#[tokio::test]
async fn a_slow_drip_body_hits_the_total_timeout() {
    let url = faulty::slow_drip(Duration::from_millis(100)).await;
    failed(query(&url).await, FetchErrorKind::Timeout, &["timed out after 1s"]);
}

#[tokio::test]
async fn http_500_with_an_html_page_quotes_its_title() {
    let url = faulty::fixed(500, "text/html", faulty::HTML_500.into()).await;
    let e = failed(query(&url).await, FetchErrorKind::Http, &["HTTP 500", "500 Internal Server Error"]);
    assert!(!e.message.contains("<html"), "{}", e.message);
}

#[tokio::test]
async fn truncated_json_is_a_decode_error() {
    let body = br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"a"},"val"#;
    let url = faulty::fixed(200, "application/json", body.to_vec()).await;
    failed(query(&url).await, FetchErrorKind::Decode, &["not valid Prometheus API JSON", "EOF"]);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error_not_a_crash() {
    let body = faulty::latin1_body(
        r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"city":"BogotLATIN1"},"value":[1,"1"]}]}}"#,
    );
    let url = faulty::fixed(200, "application/json", body).await;
    failed(query(&url).await, FetchErrorKind::Decode, &["not valid Prometheus API JSON"]);
}

#[tokio::test]
async fn a_body_over_the_cap_is_cut_off_while_streaming() {
    let (url, seen) = faulty::endless().await;
    failed(query(&url).await, FetchErrorKind::TooLarge, &["larger than the 1 MiB cap", "max_body_mib"]);
    // The client stopped reading at the cap: the server's writes fail once the kernel buffers fill.
    faulty::eventually("the client closed the connection", || seen.closed()).await;
    assert!(seen.sent() < 16 << 20, "the server got {} bytes out before the client stopped", seen.sent());
}

#[tokio::test]
async fn a_wrong_content_type_does_not_matter_when_the_body_is_json() {
    let body = br#"{"status":"success","data":{"resultType":"scalar","result":[1,"2"]}}"#;
    let url = faulty::fixed(200, "text/html; charset=iso-8859-1", body.to_vec()).await;
    assert_eq!(query(&url).await.unwrap(), QueryData::Scalar { t: 1.0, v: 2.0 });
    // And an HTML page that says 200 is no data.
    let url = faulty::fixed(200, "text/html", faulty::HTML_500.into()).await;
    failed(query(&url).await, FetchErrorKind::Decode, &["not valid Prometheus API JSON"]);
}

#[tokio::test]
async fn nan_and_infinities_are_values() {
    let body = br#"{"status":"success","data":{"resultType":"vector","result":[
        {"metric":{"v":"nan"},"value":[1,"NaN"]},{"metric":{"v":"pinf"},"value":[1,"+Inf"]},
        {"metric":{"v":"ninf"},"value":[1,"-Inf"]}]}}"#;
    let url = faulty::fixed(200, "application/json", body.to_vec()).await;
    let QueryData::Vector { samples } = query(&url).await.unwrap() else { panic!("a vector") };
    assert_eq!(samples.len(), 3);
    assert!(samples[0].v.is_nan());
    assert_eq!(samples[1].v, f64::INFINITY);
    assert_eq!(samples[2].v, f64::NEG_INFINITY);
}

#[tokio::test]
async fn a_server_date_an_hour_off_changes_nothing() {
    // The server's clock (its Date header and its sample times) runs an hour ahead: the samples keep
    // the server's timestamps, and the answer is data, not an error.
    let body =
        br#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1700003600,"5"]}]}}"#;
    let url = faulty::fixed_with_headers(
        200,
        &["Content-Type: application/json", "Date: Wed, 15 Nov 2023 00:13:20 GMT"],
        body.to_vec(),
    )
    .await;
    let QueryData::Vector { samples } = query(&url).await.unwrap() else { panic!("a vector") };
    assert_eq!(samples[0].t, 1_700_003_600.0);
}

#[test]
fn nan_and_infinities_render_as_words_in_every_panel() {
    use centinela::action::{Action, QueryKey, QueryResult};
    use centinela::sources::prometheus::{Labels, Sample, Series};
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = common::filled(0, w, h);
        let now = common::NOW_MS as f64 / 1000.0;
        for p in 0..s.dashboards[0].panels.len() {
            let range = s.dashboards[0].spec.panels[p].kind.needs_range();
            for t in 0..s.dashboards[0].panels[p].queries.len() {
                let specials = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
                let labels = |i: usize| Labels::from([("v".to_string(), ["nan", "pinf", "ninf"][i].to_string())]);
                let data = if range {
                    let series = (0..3)
                        .map(|i| Series {
                            labels: labels(i),
                            points: (0..60)
                                .map(|k| (now - 600.0 + k as f64 * 10.0, if k % 2 == 0 { 1.0 } else { specials[i] }))
                                .collect(),
                        })
                        .collect();
                    QueryData::Matrix { series }
                } else {
                    QueryData::Vector {
                        samples: (0..3).map(|i| Sample { labels: labels(i), t: now, v: specials[i] }).collect(),
                    }
                };
                let key = QueryKey { dashboard: 0, panel: p, target: t };
                let generation = s.dashboards[0].panels[p].queries[t].issued;
                centinela::update::update(
                    &mut s,
                    Action::Query(QueryResult { key, generation, at_ms: common::NOW_MS, outcome: Ok(data) }),
                );
            }
        }
        let buf = centinela::snapshot::render(
            &s,
            &centinela::theme::Theme::builtin_default(),
            &centinela::keymap::Keymap::load(None).unwrap(),
        );
        let text = centinela::snapshot::to_text(&buf);
        // Values, not errors: stat-like panels print the words Prometheus uses; nothing says "error".
        assert!(text.contains("NaN") || text.contains("+Inf") || text.contains("-Inf"), "{text}");
        assert!(!text.to_lowercase().contains("not valid"), "{text}");
        assert!(!text.contains("inf.0") && !text.contains("e308"), "no raw float formatting: {text}");
    }
}
