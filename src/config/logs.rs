//! Logs configuration: the `[logs]` view settings and each environment's `log_pivot` (how alert and
//! series labels map onto the log streams' labels).

use super::Dur;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// The logs view.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogsSettings {
    /// The most lines kept in memory; older ones are dropped (and counted on screen).
    pub buffer_lines: usize,
    /// How many lines a query loads before the live tail takes over.
    pub initial_lines: u32,
    /// How far back the logs view looks when opened without a pivot.
    pub lookback: Dur,
    /// The LogQL query the logs view opens with (the first one in the history).
    pub default_query: String,
    /// How often the log-volume sparkline is refreshed.
    pub volume_refresh: Dur,
    /// How many `logs` panel lines a dashboard panel fetches.
    pub panel_lines: u32,
}

impl Default for LogsSettings {
    fn default() -> Self {
        LogsSettings {
            buffer_lines: 100_000,
            initial_lines: 1_000,
            lookback: Dur(Duration::from_secs(3600)),
            default_query: r#"{service=~".+"}"#.into(),
            volume_refresh: Dur(Duration::from_secs(30)),
            panel_lines: 200,
        }
    }
}

/// How a selected alert, health target or series becomes a log query.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogPivot {
    /// Log stream label ← the alert or series labels its value is taken from, first present wins.
    /// The Mini Market's promtail labels are `service`, `container` and `environment`.
    pub labels: BTreeMap<String, Vec<String>>,
    /// Matchers always added, e.g. `{ environment = "production" }`.
    pub extra: BTreeMap<String, String>,
    /// How long before an alert's start the logs begin.
    pub before: Dur,
}

impl Default for LogPivot {
    fn default() -> Self {
        LogPivot {
            labels: BTreeMap::from([
                ("service".into(), vec!["service".into(), "job".into(), "app".into()]),
                ("container".into(), vec!["container".into()]),
            ]),
            extra: BTreeMap::new(),
            before: Dur(Duration::from_secs(300)),
        }
    }
}
