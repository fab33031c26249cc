//! The demo Alertmanager's configuration, the stack's `alertmanager.yml`: routing by severity, grouping
//! by `alertname`, `severity` and `service`, and its two inhibition rules.

use super::alert_rules::Labels;
use super::silences::Matcher;

/// The route tree's `group_by`.
pub const GROUP_BY: &[&str] = &["alertname", "severity", "service"];

/// The root route's receiver, for alerts no child route matches.
pub const DEFAULT_RECEIVER: &str = "slack-general";

/// The child routes: (`severity` it matches, receiver, `continue`).
pub const ROUTES: &[(&str, &str, bool)] =
    &[("critical", "slack-critical", true), ("high", "slack-high", false), ("medium", "slack-medium", false)];

pub const RECEIVERS: &[&str] = &["slack-general", "slack-critical", "slack-high", "slack-medium", "null"];

/// The receivers an alert is routed to. As in Alertmanager, the root's receiver only gets alerts that
/// no child route matches (the critical route's `continue: true` only lets later siblings match too).
pub fn receivers(labels: &Labels) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (severity, receiver, cont) in ROUTES {
        if labels.get("severity").is_some_and(|s| s == severity) {
            out.push(*receiver);
            if !cont {
                break;
            }
        }
    }
    if out.is_empty() {
        out.push(DEFAULT_RECEIVER);
    }
    out
}

/// An `inhibit_rules` entry.
pub struct InhibitRule {
    pub source: Vec<Matcher>,
    pub target: Vec<Matcher>,
    pub equal: &'static [&'static str],
}

impl InhibitRule {
    /// Whether `source` inhibits `target` under this rule.
    pub fn inhibits(&self, source: &Labels, target: &Labels) -> bool {
        self.source.iter().all(|m| m.matches(source))
            && self.target.iter().all(|m| m.matches(target))
            && self.equal.iter().all(|l| source.get(*l) == target.get(*l))
    }
}

/// The two rules of `alertmanager.yml`.
pub fn inhibit_rules() -> Vec<InhibitRule> {
    let eq = Matcher::equal;
    let re = |name: &str, value: &str| Matcher::new(name, value, true, true).ok();
    vec![
        InhibitRule {
            source: vec![eq("severity", "critical"), eq("alertname", "ServiceDown")],
            target: re("severity", "high|medium").into_iter().collect(),
            equal: &["service"],
        },
        InhibitRule {
            source: vec![eq("severity", "critical"), eq("alertname", "DatabaseDown")],
            target: vec![eq("category", "database")],
            equal: &["instance"],
        },
    ]
}

/// The configuration as `GET /api/v2/status` shows it (secrets hidden, as Alertmanager does).
pub const CONFIG_YAML: &str = r#"global:
  resolve_timeout: 5m
  http_config:
    follow_redirects: true
    enable_http2: true
  slack_api_url: <secret>
route:
  receiver: slack-general
  group_by:
  - alertname
  - severity
  - service
  continue: false
  routes:
  - receiver: slack-critical
    match:
      severity: critical
    continue: true
    group_wait: 10s
    repeat_interval: 30m
  - receiver: slack-high
    match:
      severity: high
    continue: false
    group_wait: 30s
    repeat_interval: 1h
  - receiver: slack-medium
    match:
      severity: medium
    continue: false
    group_wait: 5m
    repeat_interval: 4h
  group_wait: 10s
  group_interval: 5m
  repeat_interval: 3h
inhibit_rules:
- source_match:
    alertname: ServiceDown
    severity: critical
  target_match_re:
    severity: high|medium
  equal:
  - service
- source_match:
    alertname: DatabaseDown
    severity: critical
  target_match:
    category: database
  equal:
  - instance
receivers:
- name: slack-general
  slack_configs:
  - send_resolved: true
    api_url: <secret>
    channel: '#minimarket-alerts'
    username: Prometheus
- name: slack-critical
  slack_configs:
  - send_resolved: true
    api_url: <secret>
    channel: '#minimarket-alerts-critical'
    username: Prometheus CRITICAL
- name: slack-high
  slack_configs:
  - send_resolved: true
    api_url: <secret>
    channel: '#minimarket-alerts-high'
    username: Prometheus HIGH
- name: slack-medium
  slack_configs:
  - send_resolved: true
    api_url: <secret>
    channel: '#minimarket-alerts-medium'
    username: Prometheus MEDIUM
- name: "null"
templates:
- /etc/alertmanager/templates/*.tmpl
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn l(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn routing_and_inhibition_follow_the_stacks_file() {
        assert_eq!(receivers(&l(&[("severity", "critical")])), ["slack-critical"]);
        assert_eq!(receivers(&l(&[("severity", "high")])), ["slack-high"]);
        assert_eq!(receivers(&l(&[("severity", "none")])), ["slack-general"]);
        let rules = inhibit_rules();
        let down = l(&[("alertname", "ServiceDown"), ("severity", "critical"), ("service", "a")]);
        assert!(rules[0].inhibits(&down, &l(&[("severity", "high"), ("service", "a")])));
        assert!(!rules[0].inhibits(&down, &l(&[("severity", "high"), ("service", "b")])));
        assert!(!rules[0].inhibits(&down, &l(&[("severity", "critical"), ("service", "a")])));
        let db = l(&[("alertname", "DatabaseDown"), ("severity", "critical"), ("instance", "pg")]);
        assert!(rules[1].inhibits(&db, &l(&[("category", "database"), ("instance", "pg")])));
        assert!(CONFIG_YAML.contains("inhibit_rules:"));
    }
}
