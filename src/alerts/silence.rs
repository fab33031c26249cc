//! Drafting silences: matchers pre-filled from an alert, how many alerts a draft would mute, and who
//! creates it.

use super::filter::Compiled;
use super::model::{Alert, AmState, MatchOp, Matcher};

/// Exact matchers for every label of `alert` except the volatile ones (they change on each restart,
/// so a silence on them would stop matching after the restart it was meant to cover).
pub fn prefill(alert: &Alert, volatile: &[String]) -> Vec<Matcher> {
    alert
        .labels
        .iter()
        .filter(|(k, _)| !volatile.iter().any(|v| v == *k))
        .map(|(k, v)| Matcher { name: k.clone(), op: MatchOp::Eq, value: v.clone() })
        .collect()
}

/// How many of `alerts` that fire right now (not already suppressed) the matchers would mute.
pub fn would_mute<'a>(matchers: &[Matcher], alerts: impl IntoIterator<Item = &'a Alert>) -> Result<usize, String> {
    let compiled = matchers.iter().cloned().map(Compiled::new).collect::<Result<Vec<_>, _>>()?;
    Ok(alerts
        .into_iter()
        .filter(|a| a.state == AmState::Active && compiled.iter().all(|m| m.matches(&a.labels)))
        .count())
}

/// `user@host` for `createdBy`: `$USER` (or `$LOGNAME`) at the host name.
pub fn default_created_by() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "oncall".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}")
}

/// Why a draft cannot be sent, if it cannot: Alertmanager would refuse it, or it would mute
/// everything. Matchers that match the empty string only are refused by Alertmanager too.
pub fn validate(matchers: &[Matcher], comment: &str, created_by: &str) -> Result<(), String> {
    if matchers.is_empty() {
        return Err("at least one matcher is needed; a silence without matchers would mute everything".into());
    }
    let empty = crate::alerts::model::Labels::new();
    let compiled = matchers.iter().cloned().map(Compiled::new).collect::<Result<Vec<_>, _>>()?;
    if compiled.iter().all(|m| m.matches(&empty)) {
        return Err("every matcher also matches an empty label; add one that names a value".into());
    }
    if comment.trim().is_empty() {
        return Err("a comment is required: say why, for whoever reads it next".into());
    }
    if created_by.trim().is_empty() {
        return Err("`created by` is empty".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::filter::parse_matchers;

    fn alert(labels: &[(&str, &str)], state: AmState) -> Alert {
        Alert {
            fingerprint: "f".into(),
            labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            annotations: Default::default(),
            starts_at_ms: 0,
            ends_at_ms: None,
            updated_at_ms: None,
            generator_url: String::new(),
            state,
            silenced_by: vec![],
            inhibited_by: vec![],
            receivers: vec![],
        }
    }

    #[test]
    fn prefill_leaves_out_volatile_labels() {
        let a = alert(&[("alertname", "Down"), ("pod", "x-7f9"), ("service", "negocio")], AmState::Active);
        let m = prefill(&a, &["pod".to_string()]);
        assert_eq!(crate::alerts::filter::format_matchers(&m), r#"{alertname="Down", service="negocio"}"#);
    }

    #[test]
    fn counts_only_alerts_firing_now() {
        let alerts = [
            alert(&[("service", "negocio"), ("alertname", "A")], AmState::Active),
            alert(&[("service", "negocio"), ("alertname", "B")], AmState::Active),
            alert(&[("service", "negocio"), ("alertname", "C")], AmState::Suppressed),
            alert(&[("service", "ml"), ("alertname", "D")], AmState::Active),
        ];
        assert_eq!(would_mute(&parse_matchers(r#"service="negocio""#).unwrap(), &alerts), Ok(2));
        assert_eq!(would_mute(&parse_matchers(r#"service=~"neg.*|ml""#).unwrap(), &alerts), Ok(3));
    }

    #[test]
    fn refuses_what_alertmanager_would() {
        assert!(validate(&[], "c", "u").unwrap_err().contains("at least one matcher"));
        let all = parse_matchers(r#"x=~".*""#).unwrap();
        assert!(validate(&all, "c", "u").unwrap_err().contains("empty label"));
        let ok = parse_matchers(r#"service="a""#).unwrap();
        assert!(validate(&ok, " ", "u").unwrap_err().contains("comment is required"));
        assert!(validate(&ok, "deploying fix", "u").is_ok());
        assert!(default_created_by().contains('@'));
    }
}
