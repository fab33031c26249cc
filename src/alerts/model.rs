//! What the alerting backends say, decoded into plain data: Alertmanager's alerts, groups, silences and
//! status, and Prometheus's alerts and rules. Times are ms since the Unix epoch. Every string here came
//! from a backend and is untrusted: it goes through [`crate::sanitize`] before it reaches the screen.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// An alert shared between the feed that reported it and the list that shows it (no deep copies
/// when 10,000 alerts are merged and regrouped on every answer).
pub type Shared = std::sync::Arc<Alert>;

/// Alertmanager's state of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AmState {
    Active,
    /// Silenced or inhibited.
    Suppressed,
    Unprocessed,
}

/// One alert as an Alertmanager reports it (`/api/v2/alerts`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub fingerprint: String,
    pub labels: Labels,
    pub annotations: Labels,
    pub starts_at_ms: i64,
    pub ends_at_ms: Option<i64>,
    pub updated_at_ms: Option<i64>,
    pub generator_url: String,
    pub state: AmState,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub receivers: Vec<String>,
}

impl Alert {
    pub fn name(&self) -> &str {
        self.labels.get("alertname").map_or("", String::as_str)
    }

    pub fn severity(&self) -> &str {
        self.labels.get("severity").map_or("", String::as_str)
    }
}

/// One aggregation group (`/api/v2/alerts/groups`): its labels and the fingerprints of its alerts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertGroup {
    pub labels: Labels,
    pub receiver: String,
    pub fingerprints: Vec<String>,
}

/// How a matcher compares a label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MatchOp {
    Eq,
    Ne,
    Re,
    NotRe,
}

impl MatchOp {
    pub fn symbol(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Ne => "!=",
            MatchOp::Re => "=~",
            MatchOp::NotRe => "!~",
        }
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Re | MatchOp::NotRe)
    }

    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Eq | MatchOp::Re)
    }

    pub fn from_flags(is_regex: bool, is_equal: bool) -> MatchOp {
        match (is_regex, is_equal) {
            (false, true) => MatchOp::Eq,
            (false, false) => MatchOp::Ne,
            (true, true) => MatchOp::Re,
            (true, false) => MatchOp::NotRe,
        }
    }
}

/// `name op "value"`, as in Alertmanager silences and filters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.symbol(), self.value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SilenceState {
    Active,
    /// Starts in the future.
    Pending,
    Expired,
}

/// A silence (`/api/v2/silences`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub updated_at_ms: Option<i64>,
    pub created_by: String,
    pub comment: String,
    pub state: SilenceState,
}

/// A silence to create (POST `/api/v2/silences`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSilence {
    pub matchers: Vec<Matcher>,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub created_by: String,
    pub comment: String,
}

/// `/api/v2/status`: version and cluster view of one Alertmanager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmStatus {
    pub version: String,
    /// `ready`, `settling` or `disabled`.
    pub cluster_status: String,
    pub cluster_name: String,
    /// Peer names (as the cluster knows them).
    pub peers: Vec<String>,
    pub uptime_ms: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromAlertState {
    Pending,
    Firing,
    Inactive,
}

/// One alert as Prometheus evaluates it (`/api/v1/alerts`): pending ones too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PromAlert {
    pub labels: Labels,
    pub annotations: Labels,
    pub state: PromAlertState,
    pub active_at_ms: Option<i64>,
    /// The expression's value when it was last evaluated, as Prometheus formats it.
    pub value: String,
}

/// One alerting or recording rule (`/api/v1/rules`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    pub query: String,
    /// The rule's `for`, in seconds.
    pub for_s: f64,
    pub labels: Labels,
    pub alerting: bool,
    /// `ok`, `err` or `unknown`.
    pub health: String,
    pub last_error: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleGroup {
    pub name: String,
    pub file: String,
    pub interval_s: f64,
    pub rules: Vec<Rule>,
}

/// Parse an RFC 3339 time into ms since the epoch.
pub fn parse_time(s: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(s).ok().map(|t| t.timestamp_millis())
}

/// Format ms since the epoch as RFC 3339 (UTC, milliseconds), as the APIs expect.
pub fn format_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Alertmanager's "zero" end time (`0001-01-01T00:00:00Z`) and anything before 1971 mean "unset".
pub fn parse_optional_time(s: Option<&str>) -> Option<i64> {
    s.and_then(parse_time).filter(|&ms| ms > 31_536_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_and_zero_is_unset() {
        let ms = parse_time("2026-11-23T10:15:30.123Z").unwrap();
        assert_eq!(format_time(ms), "2026-11-23T10:15:30.123Z");
        assert_eq!(parse_time("2026-11-23T10:15:30+01:00"), Some(ms - 123 - 3_600_000));
        assert_eq!(parse_optional_time(Some("0001-01-01T00:00:00Z")), None);
        assert_eq!(parse_optional_time(Some("yesterday")), None);
    }

    #[test]
    fn matcher_ops_map_to_alertmanager_flags() {
        for op in [MatchOp::Eq, MatchOp::Ne, MatchOp::Re, MatchOp::NotRe] {
            assert_eq!(MatchOp::from_flags(op.is_regex(), op.is_equal()), op);
        }
        let m = Matcher { name: "service".into(), op: MatchOp::Re, value: "agente.*".into() };
        assert_eq!(m.to_string(), r#"service=~"agente.*""#);
    }
}
