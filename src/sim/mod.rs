//! The embedded demo behind `--demo`: loopback HTTP servers, started in-process, that simulate the
//! Mini Market stack with a scripted incident and speak the real APIs (each service's `/metrics` and
//! `/health`, the Prometheus HTTP API with its alerting endpoints, Alertmanager's API v2 and Loki's
//! HTTP API with its tail websocket), so the demo runs the same client code as production and tests
//! can point a real Prometheus at the simulated services.
//!
//! Layout: [`scenario`] is the world (values as functions of time, faults, restarts); [`services`]
//! serves the four services; [`prom_api`] answers PromQL for the example profile; [`alert_rules`] is
//! the stack's alerting rules and which alerts they have when; [`prom_alerts`] serves them as
//! Prometheus's `/api/v1/alerts` and `/api/v1/rules`; [`am_api`] is an Alertmanager (routing and
//! inhibition from [`am_config`], silences in [`silences`]), started twice as an HA pair that shares
//! one silence store. The logs: [`loki_logs`] generates every service's lines (and the audit log)
//! from the world, [`loki_lines`] writes their text, [`logql`] parses and runs the LogQL subset,
//! [`loki_query`] answers log and metric queries, and [`loki_api`] serves them as Loki
//! ([`loki_json`] for the shapes, [`loki_tail`] for the live tail). The runbook actions: [`deployer`]
//! restarts and rolls back the simulated services (and pretends to back up and rotate keys), the
//! endpoints `--demo` points its actions at instead of `docker` and the stack's scripts.

pub mod alert_rules;
pub mod am_api;
pub mod am_config;
pub mod deployer;
pub mod logql;
pub mod loki_api;
pub mod loki_json;
pub mod loki_lines;
pub mod loki_logs;
pub mod loki_query;
pub mod loki_tail;
pub mod prom_alerts;
pub mod prom_api;
pub mod scenario;
pub mod services;
pub mod silences;
pub mod tls_service;

pub use scenario::World;

use std::net::SocketAddr;
use std::sync::Arc;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, Default)]
pub struct DemoOptions {
    /// Scenario start, ms since the Unix epoch: the incident's clock starts here.
    pub start_unix_ms: i64,
    /// Constant values and no incident (for measuring an idle screen).
    pub frozen: bool,
}

/// One simulated service.
pub struct DemoService {
    pub job: &'static str,
    pub instance: &'static str,
    pub metrics_url: String,
    pub health_url: String,
    pub addr: SocketAddr,
}

/// The running demo. Dropping it stops the servers.
pub struct DemoHandle {
    pub prometheus_url: String,
    /// The Alertmanager HA pair's base URLs (one silence store, each lists both as peers).
    pub alertmanager_urls: Vec<String>,
    /// `https://localhost:PORT/health` of the `dashboard` service, with a certificate generated at
    /// start-up that expires in 10 days, signed by `ca_pem`.
    pub tls_health_url: String,
    pub ca_pem: String,
    /// Loki's base URL (query, labels, series and the tail websocket under `/loki/api/v1`).
    pub loki_url: String,
    /// The simulated deployer's base URL (restart, rollback, backup and key rotation under `/v1`);
    /// it wants `Authorization: Bearer` [`services::DEMO_TOKEN`].
    pub deployer_url: String,
    pub services: Vec<DemoService>,
    pub world: Arc<World>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for DemoHandle {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn bind() -> std::io::Result<(tokio::net::TcpListener, SocketAddr)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    Ok((listener, addr))
}

fn spawn(listener: tokio::net::TcpListener, addr: SocketAddr, router: axum::Router) -> JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).await {
            tracing::warn!(error = %e, %addr, "demo server stopped");
        }
    })
}

async fn serve(router: axum::Router) -> std::io::Result<(SocketAddr, JoinHandle<()>)> {
    let (listener, addr) = bind().await?;
    Ok((addr, spawn(listener, addr, router)))
}

/// Extras for soak runs (`scripts/soak.sh`): the incident on repeat, and backends that fail now and then.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Soak {
    /// Play the incident again every this long (`CENTINELA_DEMO_LOOP=5m`; at least 2 minutes).
    pub repeat_every: Option<std::time::Duration>,
    /// Prometheus, both Alertmanagers and Loki answer 503 or hang for a while, each on its own
    /// schedule (`CENTINELA_DEMO_FLAP=1`; see [`flap_at`]).
    pub flap: bool,
}

impl Soak {
    /// From `CENTINELA_DEMO_LOOP` (a duration; `1` means 5 minutes) and `CENTINELA_DEMO_FLAP`.
    pub fn from_env() -> Soak {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty() && v != "0");
        let repeat_every = var("CENTINELA_DEMO_LOOP")
            .map(|v| crate::config::parse_duration(&v).unwrap_or(std::time::Duration::from_secs(300)));
        Soak { repeat_every, flap: var("CENTINELA_DEMO_FLAP").is_some() }
    }
}

/// What a flapping backend does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flap {
    Answer,
    /// 503 at once.
    Fail,
    /// Nothing for [`HANG`], then 503: longer than the clients' default timeout.
    Hang,
}

/// How long a hanging backend holds a request.
pub const HANG: std::time::Duration = std::time::Duration::from_secs(30);

/// A flapping backend's schedule, a 2-minute cycle shifted by `offset_s` per backend: it fails for
/// 10 s, answers for 50 s, hangs for 6 s, answers for the rest.
pub fn flap_at(unix_s: u64, offset_s: u64) -> Flap {
    match (unix_s + offset_s) % 120 {
        0..10 => Flap::Fail,
        60..66 => Flap::Hang,
        _ => Flap::Answer,
    }
}

async fn flapping(
    axum::extract::State(offset): axum::extract::State<u64>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let now = (crate::poll::now_ms() / 1000).max(0) as u64;
    let unavailable = (axum::http::StatusCode::SERVICE_UNAVAILABLE, "flapping (CENTINELA_DEMO_FLAP)");
    match flap_at(now, offset) {
        Flap::Answer => next.run(req).await,
        Flap::Fail => unavailable.into_response(),
        Flap::Hang => {
            tokio::time::sleep(HANG).await;
            unavailable.into_response()
        }
    }
}

fn flaps(router: axum::Router, soak: Soak, offset_s: u64) -> axum::Router {
    if soak.flap {
        router.layer(axum::middleware::from_fn_with_state(offset_s, flapping))
    } else {
        router
    }
}

/// Start the demo's servers on loopback ports chosen by the OS.
pub async fn start(opts: DemoOptions) -> std::io::Result<DemoHandle> {
    start_with(opts, Soak::default()).await
}

/// [`start`], with the soak extras.
pub async fn start_with(opts: DemoOptions, soak: Soak) -> std::io::Result<DemoHandle> {
    let world = Arc::new(match (opts.frozen, soak.repeat_every) {
        (true, _) => World::frozen(opts.start_unix_ms),
        (false, Some(every)) => World::looping(opts.start_unix_ms, every),
        (false, None) => World::new(opts.start_unix_ms),
    });
    let mut tasks = Vec::new();
    let mut services = Vec::new();
    for (job, instance, _) in scenario::SERVICES {
        let (addr, task) = serve(services::router(Arc::new(services::ServiceState::new(world.clone(), job)))).await?;
        tasks.push(task);
        services.push(DemoService {
            job,
            instance,
            metrics_url: format!("http://{addr}/metrics"),
            health_url: format!("http://{addr}/health"),
            addr,
        });
    }
    let prom = prom_api::router(world.clone()).merge(prom_alerts::router(world.clone()));
    let (addr, task) = serve(flaps(prom, soak, 0)).await?;
    tasks.push(task);
    let prometheus_url = format!("http://{addr}");
    // Both Alertmanagers' ports are known before either starts, so each can list the other as a peer.
    let listeners = [bind().await?, bind().await?];
    let peers: Vec<am_api::Peer> = listeners
        .iter()
        .enumerate()
        .map(|(i, (_, addr))| am_api::Peer {
            name: format!("01HZDEM0ALERTMANAGER0000{i:02}"),
            address: addr.to_string(),
        })
        .collect();
    let silences = silences::SilenceStore::default();
    let mut alertmanager_urls = Vec::new();
    for (i, (listener, addr)) in listeners.into_iter().enumerate() {
        let state = am_api::AmState {
            world: world.clone(),
            silences: silences.clone(),
            prometheus_url: prometheus_url.clone(),
            name: peers[i].name.clone(),
            peers: peers.clone(),
        };
        tasks.push(spawn(listener, addr, flaps(am_api::router(Arc::new(state)), soak, 30 + 20 * i as u64)));
        alertmanager_urls.push(format!("http://{addr}"));
    }
    let tls = tls_service::start(world.clone()).await?;
    tasks.push(tls.task);
    let (addr, task) = serve(flaps(loki_api::router(world.clone()), soak, 90)).await?;
    tasks.push(task);
    let loki_url = format!("http://{addr}");
    let (addr, task) = serve(deployer::router(Arc::new(deployer::Deployer::new(world.clone())))).await?;
    tasks.push(task);
    Ok(DemoHandle {
        prometheus_url,
        alertmanager_urls,
        tls_health_url: tls.url,
        ca_pem: tls.ca_pem,
        loki_url,
        deployer_url: format!("http://{addr}"),
        services,
        world,
        tasks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PromSource;
    use crate::sources::prometheus::{range_params, PromClient, QueryData};

    #[test]
    fn flapping_backends_fail_and_hang_on_their_own_schedules() {
        let fails = (0..120).filter(|s| flap_at(*s, 0) == Flap::Fail).count();
        let hangs = (0..120).filter(|s| flap_at(*s, 0) == Flap::Hang).count();
        assert_eq!((fails, hangs), (10, 6));
        assert_eq!(flap_at(1_000_000 * 120 + 5, 0), Flap::Fail);
        // Prometheus and Loki are never down at the same time.
        assert!((0..120).all(|s| flap_at(s, 0) == Flap::Answer || flap_at(s, 90) == Flap::Answer));
    }

    #[tokio::test]
    async fn a_flapping_backend_answers_503_in_its_failing_window() {
        let now = (crate::poll::now_ms() / 1000) as u64;
        // An offset that puts now 2 s into the failing window (8 s of it left).
        let offset = (122 - now % 120) % 120;
        let router = axum::Router::new().route("/x", axum::routing::get(|| async { "ok" }));
        let (addr, _task) = serve(flaps(router, Soak { flap: true, ..Soak::default() }, offset)).await.unwrap();
        let r = reqwest::get(format!("http://{addr}/x")).await.unwrap();
        assert_eq!(r.status(), 503);
    }
    #[tokio::test]
    async fn the_real_client_reads_the_demo() {
        let demo = start(DemoOptions { start_unix_ms: crate::poll::now_ms(), frozen: false }).await.unwrap();
        let client = PromClient::new(&PromSource::new(&demo.prometheus_url)).unwrap();
        let now = chrono::Utc::now().timestamp();
        let r = range_params(now, std::time::Duration::from_secs(900), 60, 5);
        let QueryData::Matrix { series } =
            client.query_range("sum by (job) (rate(http_requests_total[5m]))", r).await.unwrap()
        else {
            panic!("not a matrix")
        };
        assert_eq!(series.len(), 4);
        assert_eq!(series[0].points.len() as i64, (r.end - r.start) / r.step + 1);
        let bad = client
            .query_range("up", crate::sources::prometheus::RangeParams { start: now, end: now + 86_400, step: 1 })
            .await;
        assert!(bad.unwrap_err().message.contains("exceeded maximum resolution of 11,000 points"));
        let info = client.buildinfo().await.unwrap();
        assert!(info.version.contains("demo"));
        let body = reqwest::get(&demo.services[0].metrics_url).await.unwrap().text().await.unwrap();
        assert!(crate::sources::scrape::parse(&body).unwrap().iter().any(|s| s.name == "http_requests_total"));
    }

    /// A `query_range` of the demo's Loki: every line of the answer, oldest first.
    async fn loki_lines(demo: &DemoHandle, query: &str, from_s: f64, to_s: Option<f64>) -> Vec<(i64, String)> {
        let ns = |s: f64| ((s * 1000.0) as i64 * 1_000_000).to_string();
        let mut params = vec![("query", query.to_string()), ("start", ns(from_s)), ("limit", "5000".into())];
        params.extend(to_s.map(|t| ("end", ns(t))));
        let url = format!("{}/loki/api/v1/query_range", demo.loki_url);
        let body = reqwest::Client::new().get(url).query(&params).send().await.unwrap().text().await.unwrap();
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
        let mut lines: Vec<(i64, String)> = v["data"]["result"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["values"].as_array().unwrap().iter())
            .map(|e| (e[0].as_str().unwrap().parse().unwrap(), e[1].as_str().unwrap().to_string()))
            .collect();
        lines.sort();
        lines
    }

    #[tokio::test]
    async fn the_demo_serves_its_logs_through_loki() {
        let demo = start(DemoOptions { start_unix_ms: crate::poll::now_ms() - 120_000, frozen: false }).await.unwrap();
        let t0 = demo.world.t0;
        let negocio = r#"{service="agente_negocio", stream="stdout"}"#;
        let before = loki_lines(&demo, negocio, t0 + 30.0, Some(t0 + 40.0)).await;
        let text: Vec<&str> = before.iter().map(|(_, l)| l.as_str()).collect();
        // Errors before the silence (which ones in a 10 s window is up to the generator's draw: the
        // pool-exhaustion lines are likely, not certain, so any error line counts).
        assert!(text.iter().any(|l| l.contains(r#""level":"ERROR""#)), "{text:#?}");
        assert!(text.last().unwrap().contains("connection refused: shutting down"), "the crash comes last");
        assert!(loki_lines(&demo, negocio, t0 + 40.0, None).await.is_empty(), "silent while down");
        let slow = r#"{service="ml_service", level="warn"} |= "slow request""#;
        assert!(loki_lines(&demo, slow, t0 - 600.0, Some(t0 + 20.0)).await.is_empty());
        assert!(!loki_lines(&demo, slow, t0 + 20.0, None).await.is_empty(), "ML slows down from t0+20 s");

        let restarted = crate::poll::now_ms();
        assert!(demo.world.restart("agente_negocio", restarted));
        let mut up = Vec::new();
        for _ in 0..50 {
            up = loki_lines(&demo, negocio, restarted as f64 / 1000.0, None).await;
            if up.len() >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        assert!(
            up[0].1.contains("Started server process") && up[1].1.contains("Waiting for application startup"),
            "{up:?}"
        );
    }
}
