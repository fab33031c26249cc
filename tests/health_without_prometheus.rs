//! The health issue's promise: with Prometheus stopped, `centinela snapshot --view health` still shows
//! which services are up, their latency and their certificate's expiry, and the direct-scrape
//! panels still show numbers. The services are the demo's (one behind a bearer token, one over TLS
//! with a certificate that expires in 10 days); Prometheus is a port nobody listens on.

mod common;

use common::prometheus::free_port;

fn snapshot(cfg: &std::path::Path, home: &std::path::Path, view: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("centinela")
        .unwrap()
        .env("CENTINELA_CONFIG_DIR", home)
        .env("CENTINELA_STATE_DIR", home)
        .env("CENTINELA_DATA_DIR", home)
        .env("NEGOCIO_TOKEN", centinela::sim::services::DEMO_TOKEN)
        .args(["snapshot", "--view", view, "--size", "160x48", "--wait", "10s", "--config"])
        .arg(cfg)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_direct_panels_work_with_prometheus_down() {
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: chrono::Utc::now().timestamp_millis(),
        frozen: false,
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &demo.ca_pem).unwrap();
    let svc = |job: &str| demo.services.iter().find(|s| s.job == job).unwrap();
    let cfg = format!(
        r#"
[[environment]]
name = "prod"
prometheus = {{ url = "http://127.0.0.1:{dead}", connect_timeout = "1s", timeout = "2s" }}
health = [
  {{ name = "agente_deposito", url = "{dep}", metrics_url = "{dep_m}" }},
  {{ name = "agente_negocio", url = "{neg}", bearer_token_env = "NEGOCIO_TOKEN" }},
  {{ name = "ml_service", url = "{ml}", metrics_url = "{ml_m}" }},
  {{ name = "dashboard", url = "{tls}", ca_file = "{ca}" }},
]

[[dashboard]]
name = "Direct"
[[dashboard.panel]]
title = "ML (direct)"
kind = "table"
decimals = 2
query = [{{ expr = "ml_prediction_accuracy_percent", scrape = "ml_service", legend = "accuracy" }}]
[[dashboard.panel]]
title = "Up (Prometheus)"
kind = "stat"
query = [{{ expr = "up" }}]
"#,
        dead = free_port(),
        dep = svc("agente_deposito").health_url,
        dep_m = svc("agente_deposito").metrics_url,
        neg = svc("agente_negocio").health_url,
        ml = svc("ml_service").health_url,
        ml_m = svc("ml_service").metrics_url,
        tls = demo.tls_health_url,
        ca = ca.display(),
    );
    let path = dir.path().join("centinela.toml");
    std::fs::write(&path, cfg).unwrap();

    let text = snapshot(&path, dir.path(), "health");
    // The table's row of a service (not the security lines above the table, which may name it).
    let row = |name: &str| {
        let found = text.lines().find(|l| l.contains(&format!(" {name} ")) && !l.contains("security:"));
        found.unwrap_or_else(|| panic!("no {name}:\n{text}")).to_string()
    };
    assert!(row("agente_deposito").contains("● ok"), "{text}");
    assert!(row("agente_deposito").contains(" ms "), "latency shown: {text}");
    assert!(row("agente_negocio").contains("● ok"), "the bearer token from the environment is sent: {text}");
    let dash = row("dashboard");
    assert!(dash.contains("● ok") && (dash.contains("9d left") || dash.contains("10d left")), "{dash}");
    assert!(row("Prometheus").contains("unreachable"), "{text}");

    let text = snapshot(&path, dir.path(), "direct");
    let acc = text.lines().find(|l| l.contains("accuracy")).unwrap_or_else(|| panic!("{text}"));
    assert!(acc.chars().any(|c| c.is_ascii_digit()), "the direct panel has a number: {acc}");
    assert!(text.contains("unreachable"), "the Prometheus panel says why it is empty:\n{text}");
}
