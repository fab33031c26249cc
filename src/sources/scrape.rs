//! Reading a service's own `/metrics` (Prometheus text format) with `prometheus-parse`.
//! The demo's simulated services are checked with it, and it is the base of direct-scrape panels.

use std::collections::BTreeMap;

/// One sample of a scraped exposition: metric name, labels, value.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScrapedSample {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Parse Prometheus text exposition. Histogram and summary samples are flattened the way Prometheus
/// stores them (`_bucket{le}`, `_sum`, `_count`).
pub fn parse(text: &str) -> Result<Vec<ScrapedSample>, String> {
    let lines = text.lines().map(|l| Ok(l.to_string()));
    let scrape = prometheus_parse::Scrape::parse(lines).map_err(|e| format!("not Prometheus text format: {e}"))?;
    let mut out = Vec::new();
    for s in scrape.samples {
        let labels: BTreeMap<String, String> = s.labels.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        match s.value {
            prometheus_parse::Value::Counter(v)
            | prometheus_parse::Value::Gauge(v)
            | prometheus_parse::Value::Untyped(v) => out.push(ScrapedSample { name: s.metric, labels, value: v }),
            prometheus_parse::Value::Histogram(buckets) => {
                for b in buckets {
                    let mut l = labels.clone();
                    l.insert(
                        "le".into(),
                        if b.less_than.is_infinite() { "+Inf".into() } else { b.less_than.to_string() },
                    );
                    out.push(ScrapedSample { name: format!("{}_bucket", s.metric), labels: l, value: b.count });
                }
            }
            prometheus_parse::Value::Summary(qs) => {
                for q in qs {
                    let mut l = labels.clone();
                    l.insert("quantile".into(), q.quantile.to_string());
                    out.push(ScrapedSample { name: s.metric.clone(), labels: l, value: q.count });
                }
            }
        }
    }
    Ok(out)
}

/// The samples of `samples` that a selector `name{label="v", …}` picks, as an instant vector
/// (labels without the name) at `t` (unix seconds). Errors name what is wrong with the selector.
pub fn select(
    samples: &[ScrapedSample],
    selector: &str,
    t: f64,
) -> Result<crate::sources::prometheus::QueryData, String> {
    use crate::alerts::filter::{parse_matchers, Compiled};
    let sel = selector.trim();
    let (name, rest) = match sel.find('{') {
        Some(i) => (sel[..i].trim(), &sel[i..]),
        None => (sel, ""),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
        return Err(format!(
            "`{selector}` is not a metric selector; write it like http_requests_total{{status=\"500\"}}"
        ));
    }
    let matchers = if rest.is_empty() { Vec::new() } else { parse_matchers(rest)? };
    let compiled = matchers.into_iter().map(Compiled::new).collect::<Result<Vec<_>, _>>()?;
    let out = samples
        .iter()
        .filter(|s| s.name == name && compiled.iter().all(|m| m.matches(&s.labels)))
        .map(|s| crate::sources::prometheus::Sample { labels: s.labels.clone(), t, v: s.value })
        .collect();
    Ok(crate::sources::prometheus::QueryData::Vector { samples: out })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::prometheus::QueryData;

    #[test]
    fn selectors_pick_series_from_a_scrape() {
        let text = "# TYPE up gauge\nup 1\n# TYPE reqs counter\nreqs{status=\"200\"} 10\nreqs{status=\"500\"} 2\n";
        let s = parse(text).unwrap();
        let QueryData::Vector { samples } = select(&s, r#"reqs{status=~"5.."}"#, 1.0).unwrap() else { panic!() };
        assert_eq!((samples.len(), samples[0].v), (1, 2.0));
        let QueryData::Vector { samples } = select(&s, "reqs", 1.0).unwrap() else { panic!() };
        assert_eq!(samples.len(), 2);
        assert!(select(&s, "rate(reqs[5m])", 1.0).unwrap_err().contains("not a metric selector"));
    }
}
