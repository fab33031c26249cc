//! Health targets: the services' own `/health` endpoints (and optionally their `/metrics`), read
//! directly so the engineer still sees which services answer when Prometheus is down.

use super::{BasicAuth, Dur};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// One service's health endpoint.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct HealthTarget {
    /// How the service is named on screen (the health strip shows one cell per target).
    pub name: String,
    /// The health URL, `http://` or `https://` (the certificate's expiry is read for `https`).
    pub url: String,
    /// HTTP method: GET (default) or HEAD.
    #[serde(default = "default_method")]
    pub method: String,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Name of an environment variable holding a bearer token.
    pub bearer_token_env: Option<String>,
    /// A file holding a bearer token (read at each check, so a rotated token is picked up).
    pub bearer_token_file: Option<PathBuf>,
    /// Basic auth: user name, and `password_env` or `password_file`.
    pub basic_auth: Option<BasicAuth>,
    /// Status codes that mean "answered" (the body then decides ok / warn / down).
    #[serde(default = "default_expect")]
    pub expect_status: Vec<u16>,
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
    /// How often to check; `settings` default when unset.
    pub interval: Option<Dur>,
    /// A Prometheus text endpoint of the same service, scraped directly for `scrape` panels.
    pub metrics_url: Option<String>,
    /// A PEM file of CA certificates to trust for `https` (besides the system's web roots).
    pub ca_file: Option<PathBuf>,
    /// A PEM client certificate for mutual TLS; needs `client_key`.
    pub client_cert: Option<PathBuf>,
    /// The PEM private key of `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Danger: accept any server certificate (warned about on screen and in `check-config`).
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// An HTTP proxy for this target (`http://proxy:3128`), instead of `HTTPS_PROXY` / `HTTP_PROXY`.
    /// The certificate-expiry probe still connects directly.
    pub proxy: Option<String>,
    /// Warn when the certificate expires within this many days.
    #[serde(default = "default_cert_warn_days")]
    pub cert_warn_days: u32,
    /// How the JSON body maps to ok / warn / down and to dependency rows.
    #[serde(default)]
    pub map: HealthMap,
}

/// The declarative mapping from a health body to a verdict.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HealthMap {
    /// The field holding the overall status (a dotted path: `status`, `health.state`).
    pub status_field: String,
    /// Values meaning ok (compared ignoring case).
    pub ok: Vec<String>,
    /// Values meaning degraded.
    pub warn: Vec<String>,
    /// Dependency rows: dotted paths to an object whose `status` (or whose own string value)
    /// says the dependency's health; `*` expands every entry of an object (`services.*`).
    pub dependencies: Vec<String>,
    /// Fields holding the version and the uptime in seconds, when the body has them.
    pub version_field: String,
    pub uptime_field: String,
}

impl Default for HealthMap {
    fn default() -> Self {
        HealthMap {
            status_field: "status".into(),
            ok: ["healthy", "ok", "up", "pass", "UP"].map(String::from).to_vec(),
            warn: ["degraded", "warn", "warning"].map(String::from).to_vec(),
            dependencies: ["database", "services.*", "checks.*", "dependencies.*"].map(String::from).to_vec(),
            version_field: "version".into(),
            uptime_field: "uptime_seconds".into(),
        }
    }
}

fn default_method() -> String {
    "GET".into()
}
fn default_expect() -> Vec<u16> {
    vec![200]
}
fn default_timeout() -> Dur {
    Dur(Duration::from_secs(5))
}
fn default_cert_warn_days() -> u32 {
    30
}

impl HealthTarget {
    pub fn new(name: &str, url: &str) -> HealthTarget {
        HealthTarget {
            name: name.into(),
            url: url.into(),
            method: default_method(),
            headers: BTreeMap::new(),
            bearer_token_env: None,
            bearer_token_file: None,
            basic_auth: None,
            expect_status: default_expect(),
            timeout: default_timeout(),
            interval: None,
            metrics_url: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            insecure_skip_verify: false,
            proxy: None,
            cert_warn_days: default_cert_warn_days(),
            map: HealthMap::default(),
        }
    }
}
