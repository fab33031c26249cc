//! Reading a service's own `/metrics` (Prometheus text format) with `prometheus-parse`.
//! The demo's simulated services are checked with it, and it is the base of direct-scrape panels.

use std::collections::BTreeMap;

/// One sample of a scraped exposition: metric name, labels, value.
#[derive(Debug, Clone, PartialEq)]
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
