//! From what the engineer is looking at to a log query: an alert's labels, a health target's name or
//! a panel's series labels become a LogQL stream selector through the environment's `log_pivot` map
//! (log label ← the labels its value may come from, first present wins), plus fixed matchers.
//! Several series with different values become one regex matcher (`service=~"a|b"`).

use crate::config::LogPivot;
use crate::sources::prometheus::Labels;
use std::collections::BTreeSet;

/// A LogQL double-quoted string literal.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The stream selector for `sets` (one label set per alert or series), or `None` when no label of
/// theirs maps to a log label (the caller says so and how to configure `log_pivot`).
pub fn selector<'a>(sets: impl IntoIterator<Item = &'a Labels>, pivot: &LogPivot) -> Option<String> {
    let sets: Vec<&Labels> = sets.into_iter().collect();
    let mut matchers = Vec::new();
    for (log_label, sources) in &pivot.labels {
        let values: BTreeSet<&str> = sets
            .iter()
            .filter_map(|set| sources.iter().find_map(|src| set.get(src).filter(|v| !v.is_empty())))
            .map(String::as_str)
            .collect();
        match values.len() {
            0 => {}
            1 => matchers.push(format!("{log_label}={}", quote(values.first().expect("one value")))),
            _ => {
                let alt: Vec<String> = values.iter().map(|v| regex::escape(v)).collect();
                matchers.push(format!("{log_label}=~{}", quote(&alt.join("|"))));
            }
        }
    }
    if matchers.is_empty() {
        return None;
    }
    for (k, v) in &pivot.extra {
        if !pivot.labels.contains_key(k) {
            matchers.push(format!("{k}={}", quote(v)));
        }
    }
    Some(format!("{{{}}}", matchers.join(", ")))
}

/// Whether a LogQL query is a log query (a stream selector and pipeline) rather than a metric one.
pub fn is_log_query(q: &str) -> bool {
    q.trim_start().starts_with('{')
}

/// The volume-by-level metric query for a log query, bucketed by `step_s`.
pub fn volume_query(log_query: &str, step_s: i64) -> String {
    format!("sum by (level, detected_level) (count_over_time({} [{step_s}s]))", log_query.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn an_alert_maps_through_the_first_label_present() {
        let pivot = LogPivot::default();
        let alert = labels(&[("alertname", "ServiceDown"), ("job", "agente_negocio"), ("instance", "negocio")]);
        assert_eq!(selector([&alert], &pivot).as_deref(), Some(r#"{service="agente_negocio"}"#));
        let both = labels(&[("service", "api"), ("job", "other"), ("container", "api-1")]);
        assert_eq!(selector([&both], &pivot).as_deref(), Some(r#"{container="api-1", service="api"}"#));
        assert_eq!(selector([&labels(&[("alertname", "Watchdog")])], &pivot), None);
    }

    #[test]
    fn extra_matchers_and_several_series() {
        let mut pivot = LogPivot::default();
        pivot.extra.insert("environment".into(), "production".into());
        let a = labels(&[("service", "ml_service")]);
        let b = labels(&[("job", "agente.negocio")]);
        assert_eq!(
            selector([&a, &b, &a], &pivot).as_deref(),
            Some(r#"{service=~"agente\\.negocio|ml_service", environment="production"}"#)
        );
    }

    #[test]
    fn values_cannot_break_out_of_the_string() {
        let pivot = LogPivot::default();
        let evil = labels(&[("service", "x\"} |= \"\\\n")]);
        assert_eq!(selector([&evil], &pivot).as_deref(), Some(r#"{service="x\"} |= \"\\\n"}"#));
    }

    #[test]
    fn volume_wraps_the_whole_pipeline() {
        assert!(is_log_query(r#" {app="x"} |= "err""#));
        assert!(!is_log_query(r#"rate({app="x"}[1m])"#));
        assert_eq!(
            volume_query(r#"{app="x"} | json"#, 60),
            r#"sum by (level, detected_level) (count_over_time({app="x"} | json [60s]))"#
        );
    }
}
