//! The stack's alerting rules (the 15 of its `alerts.yml`, plus a `Watchdog`) and the alerts they have
//! at a given time: a deterministic function of the [`World`] and the time, which the demo Prometheus
//! (`/api/v1/alerts`, `/api/v1/rules`) and Alertmanager both answer from.
//!
//! The incident plays in seconds, not minutes, so the rules it trips carry demo-scale `for` durations:
//! `OCRTimeoutSpike` waits 30 s (long enough to be seen pending), the others fire at once. The rest keep
//! the durations of `alerts.yml`. `CPUHigh` on the dashboard is a recurring burst that never lasts its
//! 10 minutes, so it is always pending.

use super::scenario::{self, World};
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

/// The rules file, as Prometheus reports it.
pub const RULES_FILE: &str = "/etc/prometheus/alerts.yml";

/// How long the stack had been running when the demo starts (as the services' `uptime_seconds` say).
pub const UP_BEFORE_T0: f64 = 86_400.0;

/// (group name, evaluation interval in seconds).
pub const GROUPS: &[(&str, f64)] =
    &[("critical_alerts", 30.0), ("high_alerts", 60.0), ("medium_alerts", 120.0), ("meta", 30.0)];

/// One alerting rule. Annotations are Prometheus templates (`{{ $labels.x }}`, `{{ $value }}`).
#[derive(Debug)]
pub struct Rule {
    pub group: &'static str,
    pub name: &'static str,
    pub expr: &'static str,
    /// The rule's `for`, seconds.
    pub for_s: f64,
    pub labels: &'static [(&'static str, &'static str)],
    pub annotations: &'static [(&'static str, &'static str)],
}

const fn rule(
    group: &'static str,
    name: &'static str,
    expr: &'static str,
    for_s: f64,
    labels: &'static [(&'static str, &'static str)],
    annotations: &'static [(&'static str, &'static str)],
) -> Rule {
    Rule { group, name, expr, for_s, labels, annotations }
}

pub const RULES: &[Rule] = &[
    rule("critical_alerts", "ServiceDown", "up == 0", 0.0, &[("severity", "critical"), ("category", "availability")], &[
        ("summary", "Service {{ $labels.job }} is down"),
        ("description", "{{ $labels.job }} has been down for more than 2 minutes. Instance: {{ $labels.instance }}"),
        ("runbook", "Check service logs, verify container is running, check health endpoint"),
    ]),
    rule(
        "critical_alerts",
        "HighErrorRate",
        "(sum by (service) (rate(http_errors_total[5m])) / sum by (service) (rate(http_requests_total[5m]))) > 0.05",
        0.0,
        &[("severity", "critical"), ("category", "reliability")],
        &[
            ("summary", "High error rate on {{ $labels.service }}"),
            ("description", "{{ $labels.service }} has error rate > 5% for 5 minutes. Current: {{ $value | humanizePercentage }}"),
            ("runbook", "Check application logs for errors, verify database connectivity, check recent deployments"),
        ],
    ),
    rule("critical_alerts", "DatabaseDown", "pg_up == 0", 60.0, &[("severity", "critical"), ("category", "database")], &[
        ("summary", "PostgreSQL database is down"),
        ("description", "PostgreSQL has been unreachable for 1 minute"),
        ("runbook", "Check postgres container, verify network connectivity, check disk space"),
    ]),
    rule(
        "critical_alerts",
        "DiskSpaceCritical",
        "(node_filesystem_avail_bytes{fstype!=\"tmpfs\"} / node_filesystem_size_bytes{fstype!=\"tmpfs\"}) < 0.1",
        300.0,
        &[("severity", "critical"), ("category", "infrastructure")],
        &[
            ("summary", "Disk space critically low on {{ $labels.instance }}"),
            ("description", "Disk {{ $labels.mountpoint }} has < 10% space remaining. Current: {{ $value | humanizePercentage }}"),
            ("runbook", "Clean logs, remove old docker images, expand disk volume"),
        ],
    ),
    rule(
        "high_alerts",
        "HighLatency",
        "histogram_quantile(0.95, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5",
        0.0,
        &[("severity", "high"), ("category", "performance")],
        &[
            ("summary", "High latency on {{ $labels.service }}"),
            ("description", "P95 latency > 500ms for 10 minutes on {{ $labels.service }}. Current: {{ $value }}s"),
            ("runbook", "Check slow queries, verify cache hit rate, check CPU/memory usage"),
        ],
    ),
    rule(
        "high_alerts",
        "MemoryPressure",
        "(container_memory_usage_bytes{name=~\"agente.*|ml-service|dashboard\"} / container_spec_memory_limit_bytes{name=~\"agente.*|ml-service|dashboard\"}) > 0.85",
        300.0,
        &[("severity", "high"), ("category", "resources")],
        &[
            ("summary", "High memory usage on {{ $labels.name }}"),
            ("description", "Container {{ $labels.name }} using > 85% memory. Current: {{ $value | humanizePercentage }}"),
            ("runbook", "Check for memory leaks, verify cache limits, consider scaling up"),
        ],
    ),
    rule(
        "high_alerts",
        "CPUHigh",
        "(rate(container_cpu_usage_seconds_total{name=~\"agente.*|ml-service|dashboard\"}[5m]) / container_spec_cpu_quota{name=~\"agente.*|ml-service|dashboard\"}) > 0.8",
        600.0,
        &[("severity", "high"), ("category", "resources")],
        &[
            ("summary", "High CPU usage on {{ $labels.name }}"),
            ("description", "Container {{ $labels.name }} using > 80% CPU. Current: {{ $value | humanizePercentage }}"),
            ("runbook", "Check hot paths, verify no infinite loops, consider scaling horizontally"),
        ],
    ),
    rule("high_alerts", "StockCritico", "negocio_stock_critico_productos > 0", 300.0, &[("severity", "high"), ("category", "business")], &[
        ("summary", "Products with critical stock level"),
        ("description", "{{ $value }} products below minimum stock threshold"),
        ("runbook", "Review agente_negocio logs, trigger purchase orders, notify inventory manager"),
    ]),
    rule("high_alerts", "OCRTimeoutSpike", "rate(ocr_timeout_events_total[1h]) > 10", 30.0, &[("severity", "high"), ("category", "ml")], &[
        ("summary", "High OCR timeout rate"),
        ("description", "OCR timeouts > 10/hour. Current rate: {{ $value }}/hour"),
        ("runbook", "Check ml_service logs, verify image quality, consider increasing OCR_TIMEOUT_SECONDS"),
    ]),
    rule("high_alerts", "CacheHitRateLow", "redis_cache_hit_rate < 0.7", 900.0, &[("severity", "high"), ("category", "performance")], &[
        ("summary", "Low Redis cache hit rate"),
        ("description", "Cache hit rate < 70% for 15 minutes. Current: {{ $value | humanizePercentage }}"),
        ("runbook", "Check cache key patterns, verify TTL settings, consider cache warming"),
    ]),
    rule(
        "medium_alerts",
        "SlowRequests",
        "histogram_quantile(0.99, sum by (service, le) (rate(http_request_duration_seconds_bucket[5m]))) > 2",
        900.0,
        &[("severity", "medium"), ("category", "performance")],
        &[
            ("summary", "Slow requests detected on {{ $labels.service }}"),
            ("description", "P99 latency > 2s for 15 minutes. Current: {{ $value }}s"),
            ("runbook", "Investigate slow endpoints, check database queries, review recent changes"),
        ],
    ),
    rule(
        "medium_alerts",
        "InflacionAnomaly",
        "abs(ml_inflacion_calculada_percent - ml_inflacion_baseline_percent) > 5",
        1800.0,
        &[("severity", "medium"), ("category", "business")],
        &[
            ("summary", "Inflation calculation anomaly detected"),
            ("description", "Calculated inflation deviates > 5% from baseline. Current: {{ $value }}%"),
            ("runbook", "Review ml_service logs, verify data sources, check model drift"),
        ],
    ),
    rule("medium_alerts", "MLModelDrift", "ml_model_drift_score > 0.15", 0.0, &[("severity", "medium"), ("category", "ml")], &[
        ("summary", "ML model drift detected"),
        ("description", "Model drift score > 0.15. Current: {{ $value }}"),
        ("runbook", "Review prediction accuracy, consider model retraining, check data distribution"),
    ]),
    rule(
        "medium_alerts",
        "LogVolumeSpike",
        "rate(log_lines_total[5m]) / avg_over_time(rate(log_lines_total[5m])[1h:5m]) > 3",
        600.0,
        &[("severity", "medium"), ("category", "operations")],
        &[
            ("summary", "Unusual log volume spike"),
            ("description", "Log volume 3x normal for 10 minutes"),
            ("runbook", "Check for error floods, verify no debug logging in prod, review recent deployments"),
        ],
    ),
    rule(
        "medium_alerts",
        "DeploymentIssue",
        "increase(kube_pod_container_status_restarts_total[10m]) > 5",
        300.0,
        &[("severity", "medium"), ("category", "deployment")],
        &[
            ("summary", "Container {{ $labels.container }} restarting frequently"),
            ("description", "Container has restarted > 5 times in 10 minutes"),
            ("runbook", "Check container logs, verify resource limits, review liveness/readiness probes"),
        ],
    ),
    rule("meta", "Watchdog", "vector(1)", 0.0, &[("severity", "none")], &[
        ("summary", "An alert that should always be firing to certify that Alertmanager is working properly."),
        ("description", "This is an alert meant to ensure that the entire alerting pipeline is functional. It always fires; if it stops arriving, alerting is broken (a dead man's switch)."),
    ]),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Firing,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Firing => "firing",
        }
    }
}

/// One active alert of a rule at some time.
#[derive(Debug, Clone)]
pub struct Alert {
    pub rule: &'static Rule,
    /// `alertname`, the series' labels and the rule's labels.
    pub labels: Labels,
    /// The rule's annotations, expanded for this alert.
    pub annotations: Labels,
    pub state: State,
    /// When the expression started to hold (Prometheus's `activeAt`), unix seconds.
    pub active_at: f64,
    pub value: f64,
}

impl Alert {
    /// When it started firing (Alertmanager's `startsAt`): `activeAt` plus the rule's `for`.
    pub fn fired_at(&self) -> f64 {
        self.active_at + self.rule.for_s
    }
}

/// The evaluation interval of a rule group (60 s for an unknown one).
pub fn group_interval(group: &str) -> f64 {
    GROUPS.iter().find(|g| g.0 == group).map_or(60.0, |g| g.1)
}

/// The last evaluation of `group` at or before `t`: groups are staggered by a stable offset, as in
/// Prometheus.
pub fn last_evaluation(group: &str, t: f64) -> f64 {
    let interval = group_interval(group);
    let offset = (scenario::id(group) % (interval as u64 * 1000)) as f64 / 1000.0;
    ((t - offset) / interval).floor() * interval + offset
}

fn target(job: &str) -> Labels {
    let instance = scenario::SERVICES.iter().find(|s| s.0 == job).map_or("unknown", |s| s.1);
    [("instance", instance), ("job", job), ("service", job)]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn service(job: &str) -> Labels {
    Labels::from([("service".to_string(), job.to_string())])
}

/// The series for which `rule`'s expression holds at `t`: (series labels, active since, value).
fn holding(w: &World, rule: &Rule, t: f64) -> Vec<(Labels, f64, f64)> {
    let since = |s: f64| w.t0_at(t) + s;
    let negocio = "agente_negocio";
    match rule.name {
        "Watchdog" => vec![(Labels::new(), w.t0 - UP_BEFORE_T0, 1.0)],
        _ if w.frozen => Vec::new(),
        "CPUHigh" => {
            // The dashboard's CPU bursts over 80 % of its quota, and every burst is over within 5 minutes.
            let burst = (t / 300.0).floor() * 300.0;
            let name = "minimarket-dashboard-1";
            let labels = [("instance", "cadvisor:8080"), ("job", "cadvisor"), ("name", name)];
            let value = 0.8 + 0.05 * (1.0 + scenario::noise(scenario::id(name), t)) / 2.0;
            vec![(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), burst, value)]
        }
        "HighLatency" => {
            let mut out = Vec::new();
            if t >= since(scenario::ML_SLOW_AT) {
                out.push((service("ml_service"), since(scenario::ML_SLOW_AT), w.latency("ml_service", 0.95, t)));
            }
            if w.is_down(negocio, t) {
                out.push((service(negocio), since(scenario::NEGOCIO_DOWN_AT), w.latency(negocio, 0.95, t)));
            }
            out
        }
        "OCRTimeoutSpike" if t >= since(scenario::ML_SLOW_AT) => {
            vec![(target("ml_service"), since(scenario::ML_SLOW_AT), w.ocr_timeout_rate(t) * 3600.0)]
        }
        "MLModelDrift" if t >= since(scenario::ML_DRIFT_AT) => {
            vec![(target("ml_service"), since(scenario::ML_DRIFT_AT), w.drift(t))]
        }
        "HighErrorRate" if t >= since(scenario::NEGOCIO_ERRORS_AT) && w.err_ratio(negocio, t) > 0.05 => {
            vec![(service(negocio), since(scenario::NEGOCIO_ERRORS_AT), w.err_ratio(negocio, t))]
        }
        "ServiceDown" if w.is_down(negocio, t) => vec![(target(negocio), since(scenario::NEGOCIO_DOWN_AT), 0.0)],
        _ => Vec::new(),
    }
}

/// The active (pending or firing) alerts of `rule` at `t`.
pub fn rule_alerts(w: &World, rule: &'static Rule, t: f64) -> Vec<Alert> {
    holding(w, rule, t)
        .into_iter()
        .filter(|(_, active_at, _)| *active_at <= t)
        .map(|(series, active_at, value)| {
            let mut labels = series;
            labels.insert("alertname".into(), rule.name.into());
            for (k, v) in rule.labels {
                labels.insert(k.to_string(), v.to_string());
            }
            let annotations =
                rule.annotations.iter().map(|(k, v)| (k.to_string(), expand(v, &labels, value))).collect();
            let state = if t >= active_at + rule.for_s { State::Firing } else { State::Pending };
            Alert { rule, labels, annotations, state, active_at, value }
        })
        .collect()
}

/// Every active alert at `t`, in rule order.
pub fn active_alerts(w: &World, t: f64) -> Vec<Alert> {
    RULES.iter().flat_map(|r| rule_alerts(w, r, t)).collect()
}

/// Go's `%.4g`, as Prometheus's `humanize` prints.
fn sig4(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let decimals = (3 - v.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Expand the template subset the rules use: `{{ $labels.x }}`, `{{ $value }}` and
/// `{{ $value | humanizePercentage }}`.
pub fn expand(template: &str, labels: &Labels, value: f64) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        let action = rest[start + 2..start + len].trim();
        match action {
            "$value" => out.push_str(&format!("{value}")),
            "$value | humanizePercentage" => out.push_str(&format!("{}%", sig4(value * 100.0))),
            _ => {
                if let Some(name) = action.strip_prefix("$labels.") {
                    out.push_str(labels.get(name).map_or("", String::as_str));
                }
            }
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// A stable 16-hex-digit fingerprint of a label set (FNV-1a over the sorted pairs, 0xff-separated).
pub fn fingerprint(labels: &Labels) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (k, v) in labels {
        for b in k.bytes().chain([0xff]).chain(v.bytes()).chain([0xff]) {
            h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// Prometheus's sample value text in its API (`strconv.FormatFloat(v, 'e', -1, 64)`): `8e-02`.
pub fn value_text(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "NaN".into()
        } else if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let s = format!("{v:e}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let exp: i32 = exp.parse().unwrap_or(0);
            format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
        }
        None => s,
    }
}

/// RFC 3339 with milliseconds, UTC.
pub fn rfc3339(t: f64) -> String {
    chrono::DateTime::from_timestamp_millis((t * 1000.0).round() as i64)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(w: &World, dt: f64) -> Vec<(String, Option<String>, State)> {
        active_alerts(w, w.t0 + dt)
            .into_iter()
            .map(|a| (a.rule.name.to_string(), a.labels.get("service").cloned(), a.state))
            .collect()
    }

    fn has(alerts: &[(String, Option<String>, State)], name: &str, service: Option<&str>, state: State) -> bool {
        alerts.iter().any(|(n, s, st)| n == name && s.as_deref() == service && *st == state)
    }

    #[test]
    fn the_table_is_the_stacks_fifteen_rules_plus_the_watchdog() {
        assert_eq!(RULES.len(), 16);
        for g in ["critical_alerts", "high_alerts", "medium_alerts"] {
            assert!(RULES.iter().filter(|r| r.group == g).count() >= 4, "{g}");
        }
        assert!(RULES.iter().all(|r| GROUPS.iter().any(|g| g.0 == r.group)));
        let names: std::collections::BTreeSet<_> = RULES.iter().map(|r| r.name).collect();
        assert_eq!(names.len(), RULES.len());
    }

    #[test]
    fn alerts_follow_the_incident_and_a_restart_resolves_negocio() {
        let w = World::new(1_700_000_000_000);
        let idle = at(&w, 10.0);
        assert_eq!(idle.len(), 2, "{idle:?}");
        assert!(has(&idle, "Watchdog", None, State::Firing));
        assert!(has(&idle, "CPUHigh", None, State::Pending));

        let early = at(&w, 30.0);
        assert!(has(&early, "HighLatency", Some("ml_service"), State::Firing));
        assert!(has(&early, "OCRTimeoutSpike", Some("ml_service"), State::Pending));
        assert!(has(&early, "MLModelDrift", Some("ml_service"), State::Firing));
        assert!(!early.iter().any(|a| a.0 == "HighErrorRate"));

        let late = at(&w, 60.0);
        assert!(has(&late, "OCRTimeoutSpike", Some("ml_service"), State::Firing));
        assert!(has(&late, "HighErrorRate", Some("agente_negocio"), State::Firing));
        assert!(has(&late, "ServiceDown", Some("agente_negocio"), State::Firing));
        assert!(has(&late, "HighLatency", Some("agente_negocio"), State::Firing));
        assert!(has(&late, "CPUHigh", None, State::Pending));

        let down = active_alerts(&w, w.t0 + 60.0);
        let sd = down.iter().find(|a| a.rule.name == "ServiceDown").unwrap();
        assert_eq!(sd.active_at, w.t0 + 40.0, "start times come from the script, not the request");
        assert_eq!(sd.labels["job"], "agente_negocio");
        assert_eq!(sd.labels["instance"], "negocio");
        assert_eq!(sd.annotations["summary"], "Service agente_negocio is down");
        let her = down.iter().find(|a| a.rule.name == "HighErrorRate").unwrap();
        assert_eq!(her.annotations["description"], "agente_negocio has error rate > 5% for 5 minutes. Current: 8%");

        assert!(w.restart("agente_negocio", ((w.t0 + 70.0) * 1000.0) as i64));
        let healed = at(&w, 71.0);
        assert!(!healed.iter().any(|a| a.1.as_deref() == Some("agente_negocio")), "{healed:?}");
        assert!(has(&healed, "HighLatency", Some("ml_service"), State::Firing));
        assert!(has(&at(&w, 65.0), "ServiceDown", Some("agente_negocio"), State::Firing), "history keeps it");
    }

    #[test]
    fn cpu_high_never_reaches_its_for() {
        let w = World::new(1_700_000_000_000);
        for dt in (0..7200).step_by(17) {
            let cpu = RULES.iter().find(|r| r.name == "CPUHigh").unwrap();
            let a = rule_alerts(&w, cpu, w.t0 + dt as f64);
            assert_eq!(a.len(), 1);
            assert_eq!(a[0].state, State::Pending);
            assert!(a[0].value > 0.8);
        }
    }

    #[test]
    fn frozen_has_only_the_watchdog() {
        let w = World::frozen(1_700_000_000_000);
        for dt in [0.0, 30.0, 60.0, 600.0] {
            let a = active_alerts(&w, w.t0 + dt);
            assert_eq!(a.len(), 1);
            assert_eq!(a[0].rule.name, "Watchdog");
        }
    }

    #[test]
    fn formatting() {
        assert_eq!(value_text(1.0), "1e+00");
        assert_eq!(value_text(0.08), "8e-02");
        assert_eq!(value_text(0.2345), "2.345e-01");
        assert_eq!(value_text(1234.5), "1.2345e+03");
        assert_eq!(sig4(8.000001), "8");
        assert_eq!(sig4(12.3456), "12.35");
        let l = Labels::from([("job".to_string(), "x".to_string())]);
        assert_eq!(
            expand("{{ $labels.job }} at {{ $value }} ({{ $value | humanizePercentage }})", &l, 0.5),
            "x at 0.5 (50%)"
        );
        assert_eq!(expand("unclosed {{ $value", &l, 1.0), "unclosed {{ $value");
        assert_eq!(fingerprint(&l).len(), 16);
        assert_eq!(fingerprint(&l), fingerprint(&l.clone()));
        assert_eq!(rfc3339(1_700_000_000.5), "2023-11-14T22:13:20.500Z");
    }
}
