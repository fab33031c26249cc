//! The clients of one environment (Prometheus, Alertmanagers, health targets, Loki) in a fresh
//! fetcher: built at start-up and again on every environment switch.

use crate::action::Action;
use crate::config::Environment;
use crate::poll::Fetcher;
use crate::sources::alertmanager::AmClient;
use crate::sources::loki::LokiClient;
use crate::sources::prometheus::PromClient;
use tokio::sync::mpsc::UnboundedSender;

/// A fetcher pointed at one environment.
pub struct EnvFetcher {
    pub fetcher: Fetcher,
    /// Why the environment's Loki client could not be built (the logs view then says so).
    pub loki_error: Option<String>,
}

/// Build the clients of `env`; `extra_ca` is a CA to trust besides the web roots (the demo's).
/// A client that cannot be built is not fatal: its reason becomes its requests' error.
pub fn fetcher_for(env: &Environment, extra_ca: Option<&[u8]>, tx: UnboundedSender<Action>) -> EnvFetcher {
    let mut fetcher = Fetcher::new(PromClient::new(&env.prometheus), env.prometheus.max_in_flight, tx);
    fetcher.set_alertmanagers(env.alertmanagers.iter().map(AmClient::new).collect());
    fetcher.set_health(super::health_checks(&env.health, extra_ca));
    let mut loki_error = None;
    match env.loki.as_ref().map(LokiClient::new) {
        Some(Err(why)) => {
            loki_error = Some(why.clone());
            fetcher.set_loki(Err(why));
        }
        Some(Ok(c)) => fetcher.set_loki(Ok(c)),
        None => {}
    }
    EnvFetcher { fetcher, loki_error }
}
