//! Configuration: serde structs, layering and validation.
//!
//! Layering: embedded defaults < config file < command-line flags. The file is TOML; every table
//! rejects unknown keys (with the nearest valid key suggested) so a typo never silently does nothing.
//! [`load`] reports every problem as `file:line:col: message` with a hint.

mod action_checks;
mod action_kind;
mod actions;
mod conn;
mod grafana_ref;
mod health;
mod incidents;
mod load;
mod logs;
mod recording;
pub mod secrets;
mod validate;
mod variables;

#[cfg(test)]
mod actions_tests;

pub use action_kind::{ActionKind, Exec, Http, Method};
pub use actions::{ActionSpec, AlertScope, Confirm, Scope, TemplateAt, Verify};
pub use conn::{backends, is_secret_header, proxy_problem, read_checked, Backend, BasicAuth, ConnOpts, Pem};
pub use health::{HealthMap, HealthTarget};
pub use incidents::IncidentsSettings;
pub use logs::{LogPivot, LogsSettings};
pub use recording::{RecordingSettings, MAX_RING_HOURS};
pub use variables::{problem as variable_problem, Variable, VariableKind};

pub use load::{check_files, load_file, load_str, Problem};

use crate::theme::Role;
use crate::thresholds::Thresholds;
use crate::units::Unit;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

/// A duration written as `30s`, `5m`, `1h`, `7d`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Dur(#[serde(serialize_with = "ser_dur")] pub Duration);

fn ser_dur<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_duration(*d).to_string())
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        parse_duration(&s).map(Dur).map_err(serde::de::Error::custom)
    }
}

/// Parse `30s`, `5m`, `1h30m`, `7d`, `2w`; zero is refused.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|_| format!("`{s}` is not a duration; write it like 30s, 5m, 1h or 7d"))?;
    if d.is_zero() {
        return Err(format!("`{s}` is zero; a duration must be positive"));
    }
    Ok(d)
}

fn d(secs: u64) -> Dur {
    Dur(Duration::from_secs(secs))
}

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub settings: Settings,
    /// Where the data comes from: one entry per environment (staging, production…).
    #[serde(default, rename = "environment")]
    pub environments: Vec<Environment>,
    /// Dashboards, one tab each, in order.
    #[serde(default, rename = "dashboard")]
    pub dashboards: Vec<Dashboard>,
    /// The alerts view: severities, grouping, silences.
    #[serde(default)]
    pub alerts: AlertsSettings,
    /// The logs view: buffer size, default query, lookback.
    #[serde(default)]
    pub logs: LogsSettings,
    /// Runbook actions (restart, roll back, back up…), offered on alerts, health targets or anywhere.
    #[serde(default, rename = "action")]
    pub actions: Vec<ActionSpec>,
    /// When incidents open on their own, and the MTTA/MTTR targets.
    #[serde(default)]
    pub incidents: IncidentsSettings,
    /// Session recording: the always-on ring of the last hours.
    #[serde(default)]
    pub recording: RecordingSettings,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Theme name: a built-in one (default, dark, light, high-contrast) or a file in the themes dir.
    pub theme: String,
    /// The environment shown at start; the first one when unset.
    pub default_environment: Option<String>,
    /// How often panels refresh unless a dashboard says otherwise.
    pub refresh: Dur,
    /// The time range dashboards open with unless they say otherwise.
    pub time_range: Dur,
    /// The ladder zoom in/out moves along.
    pub time_ranges: Vec<Dur>,
    /// Show times in UTC instead of local time.
    pub utc: bool,
    /// Refuse every write (silences, acknowledgements, actions). `--read-only` sets it too.
    pub read_only: bool,
    /// How often health targets are checked unless they say otherwise.
    pub health_interval: Dur,
    /// For slow links (`--low-bandwidth` sets it too): charts in half blocks instead of braille, the
    /// 16 ANSI colours only, nothing that redraws on its own, every refresh (panels, alerts, health)
    /// twice as long and at least 30 s, and the bytes/s written to the terminal in the status line.
    pub low_bandwidth: bool,
    /// Show the bytes/s written to the terminal in the status line (on in low-bandwidth mode). It is
    /// updated only when a frame is drawn anyway, so it never causes a redraw of its own.
    pub show_bytes_per_second: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            theme: "default".into(),
            default_environment: None,
            refresh: d(30),
            time_range: d(3600),
            time_ranges: vec![d(300), d(900), d(3600), d(6 * 3600), d(24 * 3600), d(7 * 24 * 3600)],
            utc: false,
            read_only: false,
            health_interval: d(15),
            low_bandwidth: false,
            show_bytes_per_second: false,
        }
    }
}

/// A refresh interval in low-bandwidth mode: twice as long, and at least 30 s.
pub fn low_bandwidth_refresh(d: Duration) -> Duration {
    (d * 2).max(Duration::from_secs(30))
}

/// One environment and its backends.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    pub name: String,
    /// Production environments are drawn unmistakably: the header is a full-width bar in `color`
    /// (the theme's `production` role unless set) with the environment's name and the word PRODUCTION.
    #[serde(default)]
    pub production: bool,
    /// Refuse every write in this environment (silences, acknowledgements, actions), as `--read-only`
    /// does for all of them.
    #[serde(default)]
    pub read_only: bool,
    /// The colour of this environment's header bar: a theme role (`production`, `critical`, `warn`,
    /// `info`…) or a colour (`red`, `yellow`, `#d70000`, a 0–255 index). Unset: the `production` role
    /// for production environments, a plain header for the others.
    pub color: Option<String>,
    pub prometheus: PromSource,
    /// Alertmanagers (API v2); list every instance of an HA cluster: alerts are merged by
    /// fingerprint and one instance down does not hide what the others report. The keys are the
    /// same as `prometheus`'s.
    #[serde(default, rename = "alertmanager")]
    pub alertmanagers: Vec<PromSource>,
    /// The services' own health endpoints, checked directly.
    #[serde(default, rename = "health")]
    pub health: Vec<HealthTarget>,
    /// Loki (the same keys as `prometheus`; multi-tenant Loki wants `headers = { "X-Scope-OrgID" = "…" }`).
    pub loki: Option<PromSource>,
    /// How alert, health-target and series labels become a log query.
    #[serde(default)]
    pub log_pivot: LogPivot,
}

/// A Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PromSource {
    /// Base URL including any path prefix, e.g. `http://mimir:8080/prometheus`.
    pub url: String,
    /// Time allowed to establish the connection.
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout: Dur,
    /// Time allowed for the whole request, body included.
    #[serde(default = "default_timeout")]
    pub timeout: Dur,
    /// At most this many requests in flight to this backend.
    #[serde(default = "default_in_flight")]
    pub max_in_flight: usize,
    /// Largest response body accepted, in MiB.
    #[serde(default = "default_max_body_mib")]
    pub max_body_mib: u64,
    /// Extra request headers (e.g. `X-Scope-OrgID` for Mimir). Values of secret-looking headers
    /// (`Authorization`, `X-Api-Key`, `Cookie`…) are never shown, but keeping them here makes the config
    /// file a secret: prefer `bearer_token_env` / `bearer_token_file`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Name of an environment variable holding a bearer token.
    pub bearer_token_env: Option<String>,
    /// A file holding a bearer token (read when the client is built; surrounding whitespace trimmed).
    pub bearer_token_file: Option<PathBuf>,
    /// Basic auth: user name, and `password_env` or `password_file`.
    pub basic_auth: Option<BasicAuth>,
    /// A PEM file of CA certificates to trust besides the web's roots.
    pub ca_file: Option<PathBuf>,
    /// A PEM client certificate (chain) for mutual TLS; needs `client_key`.
    pub client_cert: Option<PathBuf>,
    /// The PEM private key of `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Danger: accept any server certificate. Anyone on the path can then read and change what is
    /// shown; centinela warns about it on screen and in `check-config`.
    #[serde(default)]
    pub insecure_skip_verify: bool,
    /// An HTTP proxy for this backend (`http://proxy:3128`), instead of `HTTPS_PROXY` / `HTTP_PROXY`.
    pub proxy: Option<String>,
}

fn default_connect_timeout() -> Dur {
    d(3)
}
fn default_timeout() -> Dur {
    d(10)
}
fn default_in_flight() -> usize {
    4
}
fn default_max_body_mib() -> u64 {
    32
}

impl PromSource {
    /// A source at `url` with the default timeouts, limits and no credentials.
    pub fn new(url: impl Into<String>) -> PromSource {
        PromSource {
            url: url.into(),
            connect_timeout: default_connect_timeout(),
            timeout: default_timeout(),
            max_in_flight: default_in_flight(),
            max_body_mib: default_max_body_mib(),
            headers: BTreeMap::new(),
            bearer_token_env: None,
            bearer_token_file: None,
            basic_auth: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            insecure_skip_verify: false,
            proxy: None,
        }
    }
}

/// How alerts are ordered, coloured, grouped and silenced.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsSettings {
    /// Severities from most to least urgent (the `severity` label). Unknown ones sort after these.
    pub severity_order: Vec<String>,
    /// Theme role (critical, warn, info, muted, ok, or red, yellow, blue…) per severity; severities
    /// not listed get one by their place in `severity_order`.
    pub severity_colors: BTreeMap<String, Role>,
    /// Labels to group alerts by; empty means Alertmanager's own aggregation groups.
    pub group_by: Vec<String>,
    /// How often alerts, silences and Prometheus's pending alerts are polled.
    pub refresh: Dur,
    /// Length of the silence the acknowledge key creates.
    pub ack_duration: Dur,
    /// The duration a new silence is pre-filled with.
    pub silence_duration: Dur,
    /// Labels left out of a silence's pre-filled matchers (they change on every restart).
    pub volatile_labels: Vec<String>,
    /// An alert that must always be firing (a dead man's switch such as `Watchdog`); warn when it is not.
    pub dead_mans_switch: Option<String>,
    /// Ring the terminal bell when a new alert starts firing.
    pub bell: bool,
}

impl Default for AlertsSettings {
    fn default() -> Self {
        AlertsSettings {
            severity_order: ["critical", "high", "error", "warning", "medium", "low", "info", "none"]
                .map(String::from)
                .to_vec(),
            severity_colors: BTreeMap::new(),
            group_by: Vec::new(),
            refresh: d(15),
            ack_duration: d(30 * 60),
            silence_duration: d(2 * 3600),
            volatile_labels: [
                "pod",
                "pod_name",
                "pod_template_hash",
                "container_id",
                "id",
                "uid",
                "replica",
                "prometheus_replica",
            ]
            .map(String::from)
            .to_vec(),
            dead_mans_switch: None,
            bell: false,
        }
    }
}

impl AlertsSettings {
    /// Rank of a severity: its place in `severity_order`, unknown ones after all known.
    pub fn rank(&self, severity: &str) -> usize {
        self.severity_order.iter().position(|s| s == severity).unwrap_or(self.severity_order.len())
    }

    /// The theme role a severity is drawn with.
    pub fn role(&self, severity: &str) -> Role {
        if let Some(r) = self.severity_colors.get(severity) {
            return *r;
        }
        match severity {
            "critical" | "error" | "page" => Role::Critical,
            "high" | "warning" => Role::Warn,
            "medium" | "info" => Role::Info,
            "low" | "none" => Role::Muted,
            _ => Role::Text,
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    /// The tab's name; with `grafana`, the Grafana dashboard's title when unset.
    #[serde(default)]
    pub name: String,
    /// Read the panels (and variables) from this Grafana dashboard JSON file instead of `panel`
    /// entries; relative to the config file. See `centinela import-grafana`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grafana: Option<PathBuf>,
    /// Overrides `settings.refresh` for this dashboard.
    pub refresh: Option<Dur>,
    /// Overrides `settings.time_range` for this dashboard.
    pub time_range: Option<Dur>,
    /// Variables (Grafana templating) substituted into the queries; `v` picks their values.
    #[serde(default, rename = "variable", skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<Variable>,
    #[serde(default, rename = "panel")]
    pub panels: Vec<Panel>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelKind {
    /// Lines over time.
    Timeseries,
    /// The latest value per series, large, with a sparkline.
    Stat,
    /// The latest value per series as a bar between min and max.
    Gauge,
    /// One row per series: labels and the latest value.
    Table,
    /// One bar per series (what Grafana draws as a pie chart).
    Bar,
    /// The newest log lines of a LogQL query (from the environment's Loki).
    Logs,
    /// Fixed text (`content`, Markdown shown as plain wrapped text); no queries.
    Text,
    /// A one-line section title (Grafana's rows); no queries.
    Row,
    /// A panel centinela cannot draw (an imported Grafana panel); `reason` says why. No queries.
    Unsupported,
}

impl PanelKind {
    /// Whether the panel needs a range query (history) or only the latest values.
    pub fn needs_range(self) -> bool {
        matches!(self, PanelKind::Timeseries | PanelKind::Stat)
    }

    /// Whether the panel shows query results (every kind but text, row and unsupported).
    pub fn has_data(self) -> bool {
        !matches!(self, PanelKind::Text | PanelKind::Row | PanelKind::Unsupported)
    }
}

/// A panel's place on a 24-column grid, as in Grafana's `gridPos`; height in grid rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GridPos {
    pub x: u16,
    pub y: u16,
    pub w: u16,
    pub h: u16,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Panel {
    pub title: String,
    pub kind: PanelKind,
    #[serde(default)]
    pub unit: Unit,
    /// Digits after the decimal point; automatic when unset.
    pub decimals: Option<u8>,
    /// Lower bound for gauges and chart axes.
    pub min: Option<f64>,
    /// Upper bound for gauges and chart axes.
    pub max: Option<f64>,
    pub thresholds: Option<Thresholds>,
    /// Value mappings: the formatted raw value (e.g. "1") to a text (e.g. "UP").
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub mappings: BTreeMap<String, String>,
    pub pos: Option<GridPos>,
    #[serde(rename = "query", default, skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<Query>,
    /// For `kind = "text"`: the text shown (Markdown, drawn as plain wrapped text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// For `kind = "unsupported"`: why centinela cannot draw it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Query {
    /// The PromQL expression.
    pub expr: String,
    /// Legend: a fixed text or a template such as `{{service}} P95`. Labels are used when unset.
    pub legend: Option<String>,
    /// Read `expr` straight from this health target's `metrics_url` instead of Prometheus, so the
    /// number stays visible while Prometheus is down. `expr` is then a selector:
    /// `metric_name{label="value", …}` (every matching series is shown; counters as totals).
    pub scrape: Option<String>,
}

impl Panel {
    /// A panel of `kind` titled `title` with nothing else set (no queries, unit `short`, no bounds).
    pub fn new(title: impl Into<String>, kind: PanelKind) -> Panel {
        Panel {
            title: title.into(),
            kind,
            unit: Default::default(),
            decimals: None,
            min: None,
            max: None,
            thresholds: None,
            mappings: Default::default(),
            pos: None,
            queries: Vec::new(),
            content: None,
            reason: None,
        }
    }
}

impl Config {
    /// Low-bandwidth mode (`settings.low_bandwidth` or `--low-bandwidth`): every refresh lengthened
    /// ([`low_bandwidth_refresh`]) and the bytes/s counter shown. Called once, when the layers are
    /// merged (`setup::load`); the config then holds the intervals in force (so do recordings).
    pub fn apply_low_bandwidth(&mut self) {
        self.settings.low_bandwidth = true;
        self.settings.show_bytes_per_second = true;
        let longer = |d: &mut Dur| d.0 = low_bandwidth_refresh(d.0);
        longer(&mut self.settings.refresh);
        longer(&mut self.settings.health_interval);
        longer(&mut self.alerts.refresh);
        for d in &mut self.dashboards {
            d.refresh.as_mut().map(longer);
        }
        for e in &mut self.environments {
            for h in &mut e.health {
                h.interval.as_mut().map(longer);
            }
        }
    }

    pub fn environment(&self, name: Option<&str>) -> Option<&Environment> {
        match name.or(self.settings.default_environment.as_deref()) {
            Some(n) => self.environments.iter().find(|e| e.name == n),
            None => self.environments.first(),
        }
    }
}

/// The entry of `candidates` closest to `word`, if it is close enough to be a plausible typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(dist, _)| *dist <= limit)
        .min_by_key(|(dist, _)| *dist)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("15m").unwrap(), Duration::from_secs(900));
        assert_eq!(parse_duration("7d").unwrap(), Duration::from_secs(7 * 86400));
        assert!(parse_duration("0s").unwrap_err().contains("zero"));
        assert!(parse_duration("soon").unwrap_err().contains("30s, 5m"));
    }

    #[test]
    fn low_bandwidth_lengthens_every_refresh() {
        let mut c = load_str(
            "t.toml",
            "[settings]\nrefresh = \"10s\"\n[alerts]\nrefresh = \"20s\"\n[[environment]]\nname = \"p\"\n\
             prometheus = { url = \"http://x\" }\n[[dashboard]]\nname = \"D\"\nrefresh = \"1m\"\n\
             [[dashboard.panel]]\ntitle = \"P\"\nkind = \"stat\"\nquery = [{ expr = \"up\" }]\n",
        )
        .unwrap();
        assert!(!c.settings.low_bandwidth && !c.settings.show_bytes_per_second);
        c.apply_low_bandwidth();
        assert!(c.settings.low_bandwidth && c.settings.show_bytes_per_second);
        assert_eq!(c.settings.refresh.0, Duration::from_secs(30), "10 s doubled is 20 s: raised to 30 s");
        assert_eq!(c.alerts.refresh.0, Duration::from_secs(40));
        assert_eq!(c.dashboards[0].refresh.unwrap().0, Duration::from_secs(120));
        assert_eq!(c.settings.health_interval.0, Duration::from_secs(30));
    }

    #[test]
    fn nearest_suggests_typos_only() {
        assert_eq!(nearest("refersh", ["refresh", "time_range", "name"]), Some("refresh"));
        assert_eq!(nearest("colour", ["refresh", "time_range"]), None);
    }
}
