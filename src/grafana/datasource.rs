//! Which backend a panel or target reads: Grafana names datasources many ways (an object
//! `{type, uid}`, a name, `${DS_X}` from `__inputs`, a datasource variable, `-- Mixed --`, null for the
//! dashboard's default). centinela has one Prometheus and one Loki per environment, so only the kind
//! matters.

use super::value::{list, str_of};
use serde_json::Value;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Ds {
    /// Prometheus (also the default datasource: the environment's Prometheus).
    Prometheus,
    Loki,
    /// `-- Mixed --`: each target says its own.
    Mixed,
    /// Anything else, by its plugin type or name.
    Other(String),
}

pub struct Resolver {
    /// `DS_PROMETHEUS` → `prometheus`, from `__inputs`; datasource variables → their plugin type.
    names: HashMap<String, String>,
}

impl Resolver {
    pub fn new(dash: &Value) -> Resolver {
        let mut names = HashMap::new();
        for input in list(dash, "__inputs") {
            if let (Some(n), Some(t)) = (str_of(input, "name"), str_of(input, "pluginId")) {
                names.insert(n.to_string(), t.to_string());
            }
        }
        let templating = dash.get("templating").unwrap_or(&Value::Null);
        for v in list(templating, "list") {
            if str_of(v, "type") == Some("datasource") {
                if let (Some(n), Some(t)) = (str_of(v, "name"), str_of(v, "query")) {
                    names.insert(n.to_string(), t.to_string());
                }
            }
        }
        Resolver { names }
    }

    /// The kind of `ds` (a panel's or a target's `datasource`); `None` when it does not say (null,
    /// missing): the panel's, or the dashboard's default.
    pub fn resolve(&self, ds: Option<&Value>) -> Option<Ds> {
        match ds? {
            Value::Null => None,
            Value::String(s) => Some(self.by_name(s)),
            Value::Object(o) => {
                let uid = o.get("uid").and_then(Value::as_str);
                match o.get("type").and_then(Value::as_str) {
                    Some("datasource") if uid == Some("-- Mixed --") => Some(Ds::Mixed),
                    Some("datasource") if uid == Some("-- Dashboard --") => Some(Ds::Other("dashboard".into())),
                    Some(t) if !t.is_empty() && !t.starts_with('$') => Some(by_type(t)),
                    _ => uid.map(|u| self.by_name(u)),
                }
            }
            _ => None,
        }
    }

    fn by_name(&self, s: &str) -> Ds {
        let s = s.trim();
        if s.is_empty() || s == "default" {
            return Ds::Prometheus;
        }
        match s {
            "-- Mixed --" => return Ds::Mixed,
            "-- Grafana --" | "grafana" => return Ds::Other("grafana".into()),
            "-- Dashboard --" => return Ds::Other("dashboard".into()),
            _ => {}
        }
        // `${DS_X}`, `$ds`, `[[ds]]`.
        let var = s.trim_start_matches('$').trim_start_matches("[[").trim_end_matches("]]");
        let var = var.trim_start_matches('{').trim_end_matches('}');
        let var = var.split(':').next().unwrap_or(var);
        if var != s || s.starts_with('$') {
            return match self.names.get(var) {
                Some(t) => by_type(t),
                // An unknown variable: most dashboards template their Prometheus.
                None => Ds::Prometheus,
            };
        }
        // A datasource's display name: guess from it.
        let lower = s.to_lowercase();
        if lower.contains("loki") {
            Ds::Loki
        } else if ["elastic", "influx", "graphite", "mysql", "postgres", "tempo", "jaeger", "cloudwatch", "testdata"]
            .iter()
            .any(|k| lower.contains(k))
        {
            Ds::Other(s.to_string())
        } else {
            Ds::Prometheus
        }
    }
}

fn by_type(t: &str) -> Ds {
    match t {
        "prometheus" => Ds::Prometheus,
        "loki" => Ds::Loki,
        other => Ds::Other(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_way_of_naming_a_datasource() {
        let dash = json!({
            "__inputs": [{"name": "DS_LOGS", "pluginId": "loki", "type": "datasource"}],
            "templating": {"list": [{"type": "datasource", "name": "ds", "query": "prometheus"}]}
        });
        let r = Resolver::new(&dash);
        assert_eq!(r.resolve(Some(&json!({"type": "prometheus", "uid": "x"}))), Some(Ds::Prometheus));
        assert_eq!(r.resolve(Some(&json!({"type": "loki", "uid": "x"}))), Some(Ds::Loki));
        assert_eq!(r.resolve(Some(&json!({"type": "elasticsearch"}))), Some(Ds::Other("elasticsearch".into())));
        assert_eq!(r.resolve(Some(&json!({"type": "datasource", "uid": "-- Mixed --"}))), Some(Ds::Mixed));
        assert_eq!(r.resolve(Some(&json!({"uid": "${DS_LOGS}"}))), Some(Ds::Loki));
        assert_eq!(r.resolve(Some(&json!("${DS_LOGS}"))), Some(Ds::Loki));
        assert_eq!(r.resolve(Some(&json!("$ds"))), Some(Ds::Prometheus));
        assert_eq!(r.resolve(Some(&json!("-- Mixed --"))), Some(Ds::Mixed));
        assert_eq!(r.resolve(Some(&json!("Loki"))), Some(Ds::Loki));
        assert_eq!(r.resolve(Some(&json!("Prometheus"))), Some(Ds::Prometheus));
        assert_eq!(r.resolve(Some(&json!("InfluxDB prod"))), Some(Ds::Other("InfluxDB prod".into())));
        assert_eq!(r.resolve(Some(&Value::Null)), None);
        assert_eq!(r.resolve(None), None);
        assert_eq!(r.resolve(Some(&json!(42))), None);
    }
}
