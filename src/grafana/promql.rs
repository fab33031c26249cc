//! A few mistakes Grafana lets through but Prometheus refuses, found in real dashboards: the import
//! keeps the expression verbatim and says in the report how to write it.

use regex::Regex;
use std::sync::OnceLock;

struct Check {
    re: Regex,
    why: &'static str,
}

fn checks() -> &'static [Check] {
    static CHECKS: OnceLock<Vec<Check>> = OnceLock::new();
    CHECKS.get_or_init(|| {
        let c = |re: &str, why| Regex::new(re).ok().map(|re| Check { re, why });
        [
            c(
                r"\b(rate|irate|increase|delta|idelta|deriv|resets|changes|[a-z]+_over_time)\((?:[^()]|\([^()]*\))*\)\s*(by|without)\s*\(",
                "`by (…)` follows a function, but only aggregations (sum, avg, max…) take it: write `sum by (…) (rate(…))`",
            ),
            c(r"\)\s*limit\s+\d+\s*$", "`limit N` is not PromQL: write `topk(N, …)`"),
            c(r"\[[0-9a-z]+\]\s*(==|!=|>=|<=|>|<)", "a range vector `x[d]` cannot be compared: compare `avg_over_time(x[d])`"),
        ]
        .into_iter()
        .flatten()
        .collect()
    })
}

/// Why Prometheus will refuse `expr`, when it is one of the known mistakes.
pub fn mistake(expr: &str) -> Option<&'static str> {
    checks().iter().find(|c| c.re.is_match(expr)).map(|c| c.why)
}

#[cfg(test)]
mod tests {
    use super::mistake;

    #[test]
    fn the_mistakes_of_real_dashboards() {
        assert!(mistake("rate(audit_events_total[5m]) by (event_type)").unwrap().contains("sum by"));
        assert!(mistake("sum by (user_id) (audit_events_total) limit 10").unwrap().contains("topk"));
        assert!(mistake(r#"100 * (1 - (sum(rate(up{job="a"}[7d] == 0)) / sum(rate(up{job="a"}[7d]))))"#).is_some());
        for ok in [
            "sum by (event_type) (rate(audit_events_total[5m]))",
            "sum(rate(http_requests_total{job=\"x\"}[5m])) by (job)",
            "histogram_quantile(0.95, sum(rate(x_bucket[5m])) by (le))",
            "rate(x[5m]) > 0",
            "topk(10, sum by (user_id) (audit_events_total))",
        ] {
            assert_eq!(mistake(ok), None, "{ok}");
        }
    }
}
