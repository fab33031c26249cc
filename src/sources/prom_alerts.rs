//! Prometheus's view of alerting: `/api/v1/alerts` (pending and firing alerts with their values) and
//! `/api/v1/rules` (each rule's expression, `for`, health and last error, by group).

use crate::action::FetchError;
use crate::alerts::model::{parse_optional_time, Labels, PromAlert, PromAlertState, Rule, RuleGroup};
use crate::sources::prometheus::PromClient;
use serde::Deserialize;

#[derive(Deserialize)]
struct RawAlerts {
    #[serde(default)]
    alerts: Vec<RawAlert>,
}

#[derive(Deserialize)]
struct RawAlert {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(default)]
    state: String,
    #[serde(rename = "activeAt")]
    active_at: Option<String>,
    #[serde(default)]
    value: String,
}

#[derive(Deserialize)]
struct RawRules {
    #[serde(default)]
    groups: Vec<RawGroup>,
}

#[derive(Deserialize)]
struct RawGroup {
    #[serde(default)]
    name: String,
    #[serde(default)]
    file: String,
    #[serde(default)]
    interval: f64,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Deserialize)]
struct RawRule {
    #[serde(default)]
    name: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    duration: f64,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    health: String,
    #[serde(rename = "lastError", default)]
    last_error: String,
    #[serde(rename = "type", default)]
    kind: String,
}

fn alert(a: RawAlert) -> PromAlert {
    let state = match a.state.as_str() {
        "firing" => PromAlertState::Firing,
        "pending" => PromAlertState::Pending,
        _ => PromAlertState::Inactive,
    };
    PromAlert {
        labels: a.labels,
        annotations: a.annotations,
        state,
        active_at_ms: parse_optional_time(a.active_at.as_deref()),
        value: a.value,
    }
}

const CAP: usize = 16 << 20;

impl PromClient {
    /// Pending and firing alerts.
    pub async fn alerts(&self) -> Result<Vec<PromAlert>, FetchError> {
        let raw: RawAlerts = self.get_data("/api/v1/alerts", CAP.max(self.conn.cap)).await?;
        Ok(raw.alerts.into_iter().map(alert).collect())
    }

    /// Alerting rules by group (recording rules are left out: `type=alert`).
    pub async fn rules(&self) -> Result<Vec<RuleGroup>, FetchError> {
        let raw: RawRules = self.get_data("/api/v1/rules?type=alert", CAP.max(self.conn.cap)).await?;
        Ok(raw
            .groups
            .into_iter()
            .map(|g| RuleGroup {
                name: g.name,
                file: g.file,
                interval_s: g.interval,
                rules: g
                    .rules
                    .into_iter()
                    .map(|r| Rule {
                        alerting: r.kind == "alerting",
                        name: r.name,
                        query: r.query,
                        for_s: r.duration,
                        labels: r.labels,
                        health: r.health,
                        last_error: r.last_error,
                    })
                    .collect(),
            })
            .collect())
    }
}
