//! The embedded demo behind `--demo`: loopback HTTP servers, started in-process, that simulate the
//! Mini Market stack with a scripted incident and speak the real APIs (each service's `/metrics` and
//! `/health`, the Prometheus HTTP API with its alerting endpoints, and Alertmanager's API v2), so the
//! demo runs the same client code as production and tests can point a real Prometheus at the
//! simulated services.
//!
//! Layout: [`scenario`] is the world (values as functions of time, faults, restarts); [`services`]
//! serves the four services; [`prom_api`] answers PromQL for the example profile; [`alert_rules`] is
//! the stack's alerting rules and which alerts they have when; [`prom_alerts`] serves them as
//! Prometheus's `/api/v1/alerts` and `/api/v1/rules`; [`am_api`] is an Alertmanager (routing and
//! inhibition from [`am_config`], silences in [`silences`]), started twice as an HA pair that shares
//! one silence store. Later backends (Loki) add a module and a router here.

pub mod alert_rules;
pub mod am_api;
pub mod am_config;
pub mod logql;
pub mod loki_lines;
pub mod loki_logs;
pub mod loki_query;
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

/// Start the demo's servers on loopback ports chosen by the OS.
pub async fn start(opts: DemoOptions) -> std::io::Result<DemoHandle> {
    let world = Arc::new(if opts.frozen { World::frozen(opts.start_unix_ms) } else { World::new(opts.start_unix_ms) });
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
    let (addr, task) = serve(prom_api::router(world.clone()).merge(prom_alerts::router(world.clone()))).await?;
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
        tasks.push(spawn(listener, addr, am_api::router(Arc::new(state))));
        alertmanager_urls.push(format!("http://{addr}"));
    }
    let tls = tls_service::start(world.clone()).await?;
    tasks.push(tls.task);
    Ok(DemoHandle {
        prometheus_url,
        alertmanager_urls,
        tls_health_url: tls.url,
        ca_pem: tls.ca_pem,
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
}
