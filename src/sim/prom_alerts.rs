//! The demo Prometheus's alerting endpoints, `/api/v1/alerts` and `/api/v1/rules`, in Prometheus's
//! JSON shapes, answered from [`alert_rules`] at the time of the request.

use super::alert_rules::{self, Alert, Rule};
use super::scenario::{self, World};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

fn now_s() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

/// An alert as both endpoints list it.
pub fn alert_json(a: &Alert) -> Value {
    json!({
        "labels": a.labels,
        "annotations": a.annotations,
        "state": a.state.as_str(),
        "activeAt": alert_rules::rfc3339(a.active_at),
        "value": alert_rules::value_text(a.value),
    })
}

/// How long evaluating `rule` took at its last evaluation, seconds (small and deterministic).
fn evaluation_time(rule: &Rule, last: f64) -> f64 {
    ((0.0004 + 0.0016 * (1.0 + scenario::noise(scenario::id(rule.name), last)) / 2.0) * 1e6).round() / 1e6
}

fn rule_json(w: &World, rule: &'static Rule, t: f64) -> Value {
    let alerts = alert_rules::rule_alerts(w, rule, t);
    let state = if alerts.iter().any(|a| a.state == alert_rules::State::Firing) {
        "firing"
    } else if alerts.is_empty() {
        "inactive"
    } else {
        "pending"
    };
    let last = alert_rules::last_evaluation(rule.group, t);
    json!({
        "state": state,
        "name": rule.name,
        "query": rule.expr,
        "duration": rule.for_s,
        "labels": rule.labels.iter().copied().collect::<BTreeMap<_, _>>(),
        "annotations": rule.annotations.iter().copied().collect::<BTreeMap<_, _>>(),
        "alerts": alerts.iter().map(alert_json).collect::<Vec<_>>(),
        "health": "ok",
        "evaluationTime": evaluation_time(rule, last),
        "lastEvaluation": alert_rules::rfc3339(last),
        "type": "alerting",
    })
}

/// The `data` of `/api/v1/rules` at `t`; `alerting` false leaves the groups without rules (as
/// `?type=record` does, the demo having no recording rules).
pub fn rules_data(w: &World, t: f64, alerting: bool) -> Value {
    let groups: Vec<Value> = alert_rules::GROUPS
        .iter()
        .map(|(name, interval)| {
            let rules: Vec<&'static Rule> =
                if alerting { alert_rules::RULES.iter().filter(|r| r.group == *name).collect() } else { Vec::new() };
            let last = alert_rules::last_evaluation(name, t);
            let eval_time: f64 = rules.iter().map(|r| evaluation_time(r, last)).sum();
            json!({
                "name": name,
                "file": alert_rules::RULES_FILE,
                "rules": rules.iter().map(|r| rule_json(w, r, t)).collect::<Vec<_>>(),
                "interval": interval,
                "evaluationTime": (eval_time * 1e6).round() / 1e6 + 0.00002,
                "lastEvaluation": alert_rules::rfc3339(last),
            })
        })
        .collect();
    json!({"groups": groups})
}

async fn alerts(State(w): State<Arc<World>>) -> Response {
    let alerts: Vec<Value> = alert_rules::active_alerts(&w, now_s()).iter().map(alert_json).collect();
    axum::Json(json!({"status": "success", "data": {"alerts": alerts}})).into_response()
}

async fn rules(State(w): State<Arc<World>>, Query(p): Query<HashMap<String, String>>) -> Response {
    let alerting = match p.get("type").map(|s| s.to_lowercase()) {
        None => true,
        Some(t) if t.is_empty() || t == "alert" => true,
        Some(t) if t == "record" => false,
        Some(t) => {
            let msg = format!("invalid parameter \"type\": not supported value {t:?}");
            let body = json!({"status": "error", "errorType": "bad_data", "error": msg});
            return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
        }
    };
    axum::Json(json!({"status": "success", "data": rules_data(&w, now_s(), alerting)})).into_response()
}

/// `/api/v1/alerts` and `/api/v1/rules`, to merge into the demo Prometheus's router.
pub fn router(world: Arc<World>) -> Router {
    Router::new().route("/api/v1/alerts", get(alerts)).route("/api/v1/rules", get(rules)).with_state(world)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{start, DemoOptions};

    async fn get_json(url: &str) -> Value {
        serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap()
    }

    fn is_rfc3339(v: &Value) -> bool {
        v.as_str().is_some_and(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok())
    }

    #[tokio::test]
    async fn alerts_and_rules_have_prometheus_shapes_and_follow_the_script() {
        let now = crate::poll::now_ms();
        let demo = start(DemoOptions { start_unix_ms: now - 30_000, frozen: false }).await.unwrap();
        let body = get_json(&format!("{}/api/v1/alerts", demo.prometheus_url)).await;
        assert_eq!(body["status"], "success");
        let alerts = body["data"]["alerts"].as_array().unwrap();
        for a in alerts {
            assert!(a["labels"]["alertname"].is_string());
            assert!(a["annotations"].is_object());
            assert!(a["state"] == "firing" || a["state"] == "pending");
            assert!(is_rfc3339(&a["activeAt"]));
            assert!(a["value"].as_str().unwrap().parse::<f64>().is_ok());
        }
        let find = |name: &str| alerts.iter().find(|a| a["labels"]["alertname"] == name).cloned();
        let ocr = find("OCRTimeoutSpike").expect("OCR alert at t0+30 s");
        assert_eq!(ocr["state"], "pending", "pending for 30 s from t0+20 s");
        let t0 = demo.world.t0;
        assert_eq!(ocr["activeAt"], alert_rules::rfc3339(t0 + 20.0));
        assert_eq!(find("HighLatency").unwrap()["state"], "firing");
        assert_eq!(find("Watchdog").unwrap()["value"], "1e+00");
        assert!(find("ServiceDown").is_none());

        let body = get_json(&format!("{}/api/v1/rules", demo.prometheus_url)).await;
        assert_eq!(body["status"], "success");
        let groups = body["data"]["groups"].as_array().unwrap();
        let names: Vec<_> = groups.iter().map(|g| g["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["critical_alerts", "high_alerts", "medium_alerts", "meta"]);
        let mut n = 0;
        for g in groups {
            assert!(g["file"].is_string() && g["interval"].is_number() && g["evaluationTime"].is_number());
            assert!(is_rfc3339(&g["lastEvaluation"]));
            for r in g["rules"].as_array().unwrap() {
                n += 1;
                assert_eq!(r["type"], "alerting");
                assert_eq!(r["health"], "ok");
                assert!(r["name"].is_string() && r["query"].is_string() && r["duration"].is_number());
                assert!(r["labels"]["severity"].is_string() && r["annotations"]["summary"].is_string());
                assert!(r["alerts"].is_array() && r["evaluationTime"].is_number() && is_rfc3339(&r["lastEvaluation"]));
                assert!(r.get("lastError").is_none());
                let state = r["state"].as_str().unwrap();
                assert_eq!(state == "inactive", r["alerts"].as_array().unwrap().is_empty(), "{r}");
            }
        }
        assert_eq!(n, 16);
        let watchdog = &groups[3]["rules"][0];
        assert_eq!((watchdog["name"].as_str(), watchdog["state"].as_str()), (Some("Watchdog"), Some("firing")));
        assert_eq!(watchdog["query"], "vector(1)");
        let ocr_rule = &groups[1]["rules"].as_array().unwrap().iter().find(|r| r["name"] == "OCRTimeoutSpike").unwrap();
        assert_eq!((ocr_rule["state"].as_str(), ocr_rule["duration"].as_f64()), (Some("pending"), Some(30.0)));

        let record = get_json(&format!("{}/api/v1/rules?type=record", demo.prometheus_url)).await;
        assert!(record["data"]["groups"][0]["rules"].as_array().unwrap().is_empty());
        let bad = reqwest::get(format!("{}/api/v1/rules?type=nope", demo.prometheus_url)).await.unwrap();
        assert_eq!(bad.status(), 400);
        assert_eq!(serde_json::from_str::<Value>(&bad.text().await.unwrap()).unwrap()["errorType"], "bad_data");
    }

    #[tokio::test]
    async fn frozen_prometheus_has_only_the_watchdog() {
        let demo = start(DemoOptions { start_unix_ms: crate::poll::now_ms() - 60_000, frozen: true }).await.unwrap();
        let body = get_json(&format!("{}/api/v1/alerts", demo.prometheus_url)).await;
        let alerts = body["data"]["alerts"].as_array().unwrap();
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0]["labels"]["alertname"], "Watchdog");
    }
}
