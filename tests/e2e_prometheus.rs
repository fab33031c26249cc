//! End to end against a real Prometheus: it scrapes the demo's simulated Mini Market services, and
//! centinela's client and `snapshot` read real query results from it.

mod common;

use centinela::action::FetchErrorKind;
use centinela::config::PromSource;
use centinela::sources::prometheus::{range_params, PromClient, QueryData};
use common::prometheus::{scrape_configs, RealPrometheus};
use std::time::Duration;

async fn wait_for(client: &PromClient, expr: &str, want_series: usize) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let now = chrono::Utc::now().timestamp() as f64;
        if let Ok(QueryData::Vector { samples }) = client.query(expr, now).await {
            if samples.len() >= want_series {
                return;
            }
        }
        assert!(tokio::time::Instant::now() < deadline, "`{expr}` never returned {want_series} series");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_prometheus_scrapes_the_demo_and_centinela_reads_it() {
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: chrono::Utc::now().timestamp_millis(),
        frozen: false,
    })
    .await
    .unwrap();
    let prom = RealPrometheus::start(&scrape_configs(&demo.services), "");
    let client = PromClient::new(&PromSource::new(&prom.url)).unwrap();

    // Every simulated service is scraped and up.
    wait_for(&client, "up == 1", 4).await;
    // Two scrapes are needed before rate() answers.
    wait_for(&client, "sum by (job) (rate(http_requests_total[5m]))", 4).await;

    let info = client.buildinfo().await.unwrap();
    assert!(info.version.starts_with('2'), "{info:?}");

    let now = chrono::Utc::now().timestamp();
    let r = range_params(now, Duration::from_secs(120), 60, 1);
    let data = client.query_range(r#"up{job="ml_service"}"#, r).await.unwrap();
    let QueryData::Matrix { series } = data else { panic!("{data:?}") };
    assert_eq!(series.len(), 1);
    assert_eq!(series[0].labels["service"], "ml_service");
    assert!(series[0].points.iter().all(|p| p.1 == 1.0));

    let e = client.query("rate(", now as f64).await.unwrap_err();
    assert_eq!(e.kind, FetchErrorKind::Api);
    assert!(e.message.starts_with("bad_data: "), "{}", e.message);

    // Precondition: every query of the System dashboard has data in Prometheus (a histogram or a
    // ratio needs a few scrapes). Then the binary must show all of it.
    let profile = centinela::config::load_str("minimarket.toml", include_str!("../examples/minimarket.toml")).unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    // Its `$job` variable at "All", as the binary starts with it, answered by this Prometheus.
    let jobs = client
        .variable_choices(&centinela::variables::VarQuery::parse("label_values(up, job)").unwrap(), 0.0)
        .await
        .unwrap();
    assert_eq!(jobs, vec!["agente_deposito", "agente_negocio", "dashboard", "ml_service"]);
    let all = centinela::variables::Binding { values: jobs, all: true, all_value: None, regex_shaped: true };
    let vars = [("job".to_string(), all)].into_iter().collect();
    let macros = centinela::variables::Macros { interval_s: 60.0, range_s: 3600.0, scrape_s: 15.0 };
    for panel in &profile.dashboards[0].panels {
        for q in &panel.queries {
            let expr = centinela::variables::expand(&q.expr, &vars, &macros);
            loop {
                let now = chrono::Utc::now().timestamp() as f64;
                match client.query(&expr, now).await {
                    Ok(d) if !d.is_empty() => break,
                    other => {
                        assert!(tokio::time::Instant::now() < deadline, "`{expr}` has no data after 60 s: {other:?}")
                    }
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }
    }

    // The System dashboard through the real binary, with real numbers in every panel.
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("minimarket.toml");
    std::fs::write(&cfg, include_str!("../examples/minimarket.toml").replace("http://localhost:9090", &prom.url))
        .unwrap();
    let out = assert_cmd::Command::cargo_bin("centinela")
        .unwrap()
        .env("CENTINELA_CONFIG_DIR", home.path())
        .env("CENTINELA_STATE_DIR", home.path())
        .args(["snapshot", "--config"])
        .arg(&cfg)
        .args(["--view", "system", "--size", "160x48", "--wait", "20s"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    println!("{text}");
    for panel in ["Service Health", "Request Rate", "Error Rate (%)", "P95 Latency per Service", "Uptime % (7 days)"] {
        assert!(text.contains(panel), "{panel} missing:\n{text}");
    }
    assert!(
        !text.contains("no data") && !text.contains('✖') && !text.contains("loading"),
        "every panel has data:\n{text}"
    );
    assert_eq!(text.matches(" UP").count(), 4, "four services UP:\n{text}");
    assert!(text.contains("req/s"), "{text}");
    assert!(text.contains(" ms"), "latency in ms:\n{text}");
}
