//! The demo Alertmanager's HTTP API v2, in the shapes of Alertmanager's OpenAPI spec: alerts, alert
//! groups, silences, receivers and status.
//!
//! Its alerts are the demo Prometheus's firing alerts at the time of the request (as if Prometheus
//! sent them every evaluation), routed and grouped by [`am_config`], inhibited by its two rules and
//! muted by the silences in a [`SilenceStore`] that both instances of the demo's HA pair share.

use super::alert_rules::{self, Alert, Labels};
use super::am_config;
use super::scenario::World;
use super::silences::{Matcher, SilenceStore, Silences};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use regex::Regex;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, MutexGuard};

/// How long after its last re-send an alert resolves by itself (Prometheus sends `endsAt` this far ahead).
pub const RESOLVE_WINDOW: f64 = 240.0;

/// A member of the demo cluster.
#[derive(Debug, Clone)]
pub struct Peer {
    pub name: String,
    pub address: String,
}

/// One Alertmanager instance.
pub struct AmState {
    pub world: Arc<World>,
    pub silences: SilenceStore,
    /// Base URL of the demo Prometheus, for `generatorURL`.
    pub prometheus_url: String,
    /// This instance's peer name.
    pub name: String,
    /// Every member of the cluster, this one included.
    pub peers: Vec<Peer>,
}

/// An alert as Alertmanager holds it at some time.
#[derive(Debug, Clone)]
pub struct AmAlert {
    pub alert: Alert,
    pub fingerprint: String,
    pub receivers: Vec<&'static str>,
    pub silenced_by: Vec<String>,
    pub inhibited_by: Vec<String>,
    pub updated_at: f64,
}

impl AmAlert {
    pub fn state(&self) -> &'static str {
        if self.silenced_by.is_empty() && self.inhibited_by.is_empty() {
            "active"
        } else {
            "suppressed"
        }
    }
}

/// The alerts Alertmanager holds at `t`, sorted by fingerprint: Prometheus's firing alerts, with
/// routing, silences and inhibition applied. Resolved alerts are dropped at once.
pub fn alerts_at(world: &World, silences: &Silences, t: f64) -> Vec<AmAlert> {
    let firing: Vec<Alert> =
        alert_rules::active_alerts(world, t).into_iter().filter(|a| a.state == alert_rules::State::Firing).collect();
    let fingerprints: Vec<String> = firing.iter().map(|a| alert_rules::fingerprint(&a.labels)).collect();
    let inhibit_rules = am_config::inhibit_rules();
    let mut out: Vec<AmAlert> = firing
        .iter()
        .zip(&fingerprints)
        .map(|(a, fp)| {
            let inhibited_by = firing
                .iter()
                .zip(&fingerprints)
                .filter(|(src, src_fp)| {
                    *src_fp != fp && inhibit_rules.iter().any(|r| r.inhibits(&src.labels, &a.labels))
                })
                .map(|(_, src_fp)| src_fp.clone())
                .collect();
            let last_sent = alert_rules::last_evaluation(a.rule.group, t);
            AmAlert {
                alert: a.clone(),
                fingerprint: fp.clone(),
                receivers: am_config::receivers(&a.labels),
                silenced_by: silences.muting(&a.labels, t),
                inhibited_by,
                updated_at: last_sent.max(a.fired_at()),
            }
        })
        .collect();
    out.sort_by(|a, b| a.fingerprint.cmp(&b.fingerprint));
    out
}

/// Go's `url.QueryEscape`.
fn query_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The API's `gettableAlert`.
pub fn alert_json(a: &AmAlert, prometheus_url: &str) -> Value {
    json!({
        "labels": a.alert.labels,
        "annotations": a.alert.annotations,
        "receivers": a.receivers.iter().map(|r| json!({"name": r})).collect::<Vec<_>>(),
        "fingerprint": a.fingerprint,
        "startsAt": alert_rules::rfc3339(a.alert.fired_at()),
        "updatedAt": alert_rules::rfc3339(a.updated_at),
        "endsAt": alert_rules::rfc3339(a.updated_at + RESOLVE_WINDOW),
        "generatorURL": format!("{prometheus_url}/graph?g0.expr={}&g0.tab=1", query_escape(a.alert.rule.expr)),
        "status": {"state": a.state(), "silencedBy": a.silenced_by, "inhibitedBy": a.inhibited_by},
    })
}

fn now_s() -> f64 {
    chrono::Utc::now().timestamp_millis() as f64 / 1000.0
}

/// Why a request failed: Alertmanager answers these in plain text.
enum ApiError {
    BadRequest(String),
    Unavailable,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::BadRequest(msg) => (StatusCode::BAD_REQUEST, msg).into_response(),
            ApiError::Unavailable => (StatusCode::INTERNAL_SERVER_ERROR, "silence store unavailable").into_response(),
        }
    }
}

fn lock(st: &AmState) -> Result<MutexGuard<'_, Silences>, ApiError> {
    st.silences.lock().map_err(|_| ApiError::Unavailable)
}

/// The query parameters of `GET /alerts` and `GET /alerts/groups`.
struct AlertQuery {
    active: bool,
    silenced: bool,
    inhibited: bool,
    unprocessed: bool,
    filter: Vec<Matcher>,
    receiver: Option<Regex>,
}

impl AlertQuery {
    fn parse(params: &[(String, String)]) -> Result<AlertQuery, String> {
        let mut q = AlertQuery {
            active: true,
            silenced: true,
            inhibited: true,
            unprocessed: true,
            filter: Vec::new(),
            receiver: None,
        };
        for (k, v) in params {
            let flag = match k.as_str() {
                "active" => &mut q.active,
                "silenced" => &mut q.silenced,
                "inhibited" => &mut q.inhibited,
                "unprocessed" => &mut q.unprocessed,
                "filter" => {
                    q.filter.push(Matcher::parse(v)?);
                    continue;
                }
                "receiver" => {
                    let re = Regex::new(&format!("^(?:{v})$"))
                        .map_err(|e| format!("failed to parse receiver param: {e}"))?;
                    q.receiver = Some(re);
                    continue;
                }
                _ => continue,
            };
            *flag = match v.as_str() {
                "" | "1" | "t" | "T" | "true" | "TRUE" | "True" => true,
                "0" | "f" | "F" | "false" | "FALSE" | "False" => false,
                _ => return Err(format!("{k} in query must be of type boolean: {v:?}")),
            };
        }
        Ok(q)
    }

    fn keeps(&self, a: &AmAlert) -> bool {
        (self.active || a.state() != "active")
            && (self.silenced || a.silenced_by.is_empty())
            && (self.inhibited || a.inhibited_by.is_empty())
            && self.filter.iter().all(|m| m.matches(&a.alert.labels))
            && self.receiver.as_ref().is_none_or(|re| a.receivers.iter().any(|r| re.is_match(r)))
    }
}

fn selected(st: &AmState, params: &[(String, String)]) -> Result<Vec<AmAlert>, ApiError> {
    let q = AlertQuery::parse(params).map_err(ApiError::BadRequest)?;
    let alerts = alerts_at(&st.world, &*lock(st)?, now_s());
    Ok(alerts.into_iter().filter(|a| q.keeps(a)).collect())
}

async fn get_alerts(State(st): State<Arc<AmState>>, Query(p): Query<Vec<(String, String)>>) -> Response {
    match selected(&st, &p) {
        Ok(alerts) => {
            axum::Json(alerts.iter().map(|a| alert_json(a, &st.prometheus_url)).collect::<Vec<_>>()).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The API's `alertGroups`: one group per route and value of `group_by`.
pub fn groups_json(alerts: &[AmAlert], prometheus_url: &str) -> Value {
    let mut groups: BTreeMap<(Labels, &str), Vec<Value>> = BTreeMap::new();
    for a in alerts {
        let labels: Labels = am_config::GROUP_BY
            .iter()
            .filter_map(|l| a.alert.labels.get(*l).map(|v| (l.to_string(), v.clone())))
            .collect();
        for r in &a.receivers {
            groups.entry((labels.clone(), r)).or_default().push(alert_json(a, prometheus_url));
        }
    }
    groups
        .into_iter()
        .map(|((labels, receiver), alerts)| json!({"labels": labels, "receiver": {"name": receiver}, "alerts": alerts}))
        .collect()
}

async fn get_groups(State(st): State<Arc<AmState>>, Query(p): Query<Vec<(String, String)>>) -> Response {
    match selected(&st, &p) {
        Ok(alerts) => axum::Json(groups_json(&alerts, &st.prometheus_url)).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn get_silences(State(st): State<Arc<AmState>>, Query(p): Query<Vec<(String, String)>>) -> Response {
    let mut filter = Vec::new();
    for (k, v) in &p {
        if k == "filter" {
            match Matcher::parse(v) {
                Ok(m) => filter.push(m),
                Err(e) => return ApiError::BadRequest(e).into_response(),
            }
        }
    }
    let silences = match lock(&st) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    let t = now_s();
    let list: Vec<Value> = Silences::sorted(silences.filtered(&filter), t).iter().map(|s| s.to_json(t)).collect();
    axum::Json(list).into_response()
}

async fn post_silences(State(st): State<Arc<AmState>>, body: Bytes) -> Response {
    let mut silences = match lock(&st) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    match silences.post(&body, now_s()) {
        Ok(id) => axum::Json(json!({"silenceID": id})).into_response(),
        Err(e) => (StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST), e.message).into_response(),
    }
}

async fn get_silence(State(st): State<Arc<AmState>>, Path(id): Path<String>) -> Response {
    let silences = match lock(&st) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    match silences.get(&id) {
        Some(s) => axum::Json(s.to_json(now_s())).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn delete_silence(State(st): State<Arc<AmState>>, Path(id): Path<String>) -> Response {
    let mut silences = match lock(&st) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    if silences.expire(&id, now_s()) {
        StatusCode::OK.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn get_receivers() -> Response {
    axum::Json(am_config::RECEIVERS.iter().map(|r| json!({"name": r})).collect::<Vec<_>>()).into_response()
}

/// The API's `alertmanagerStatus`.
pub fn status_json(st: &AmState) -> Value {
    json!({
        "cluster": {
            "name": st.name,
            "status": "ready",
            "peers": st.peers.iter().map(|p| json!({"name": p.name, "address": p.address})).collect::<Vec<_>>(),
        },
        "versionInfo": {
            "version": "0.25.0-demo",
            "revision": "demo",
            "branch": "HEAD",
            "buildUser": "centinela@demo",
            "buildDate": "20260101-00:00:00",
            "goVersion": "n/a",
        },
        "config": {"original": am_config::CONFIG_YAML},
        "uptime": alert_rules::rfc3339(st.world.t0 - alert_rules::UP_BEFORE_T0),
    })
}

async fn get_status(State(st): State<Arc<AmState>>) -> Response {
    axum::Json(status_json(&st)).into_response()
}

pub fn router(state: Arc<AmState>) -> Router {
    Router::new()
        .route("/api/v2/alerts", get(get_alerts))
        .route("/api/v2/alerts/groups", get(get_groups))
        .route("/api/v2/silences", get(get_silences).post(post_silences))
        .route("/api/v2/silence/{id}", get(get_silence).delete(delete_silence))
        .route("/api/v2/receivers", get(get_receivers))
        .route("/api/v2/status", get(get_status))
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{start, DemoHandle, DemoOptions};

    async fn demo(ago_ms: i64, frozen: bool) -> DemoHandle {
        start(DemoOptions { start_unix_ms: crate::poll::now_ms() - ago_ms, frozen }).await.unwrap()
    }

    async fn get(url: String) -> (u16, String) {
        let r = reqwest::get(url).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    async fn get_json(url: String) -> Value {
        let (status, body) = get(url).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    async fn post(url: String, body: &str) -> (u16, String, String) {
        let r = reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (r.status().as_u16(), ct, r.text().await.unwrap())
    }

    fn find<'a>(alerts: &'a Value, name: &str, service: &str) -> Option<&'a Value> {
        alerts.as_array()?.iter().find(|a| a["labels"]["alertname"] == name && a["labels"]["service"] == service)
    }

    fn is_rfc3339(v: &Value) -> f64 {
        let s = v.as_str().unwrap_or_default();
        chrono::DateTime::parse_from_rfc3339(s).map(|d| d.timestamp_millis() as f64 / 1000.0).unwrap()
    }

    #[tokio::test]
    async fn alerts_groups_and_status_have_alertmanagers_shapes() {
        let d = demo(60_000, false).await;
        let am = &d.alertmanager_urls[0];
        let alerts = get_json(format!("{am}/api/v2/alerts")).await;
        for a in alerts.as_array().unwrap() {
            assert!(a["labels"]["alertname"].is_string() && a["annotations"]["summary"].is_string());
            assert!(a["receivers"][0]["name"].is_string());
            let fp = a["fingerprint"].as_str().unwrap();
            assert!(fp.len() == 16 && fp.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
            let (starts, updated, ends) =
                (is_rfc3339(&a["startsAt"]), is_rfc3339(&a["updatedAt"]), is_rfc3339(&a["endsAt"]));
            assert!(starts <= updated && (ends - updated - RESOLVE_WINDOW).abs() < 1e-6, "{a}");
            let gen = a["generatorURL"].as_str().unwrap();
            assert!(gen.starts_with(&format!("{}/graph?g0.expr=", d.prometheus_url)) && !gen.contains(' '), "{gen}");
            assert!(a["status"]["state"] == "active" || a["status"]["state"] == "suppressed");
            assert!(a["status"]["silencedBy"].is_array() && a["status"]["inhibitedBy"].is_array());
        }
        let names: Vec<_> =
            alerts.as_array().unwrap().iter().map(|a| a["labels"]["alertname"].as_str().unwrap()).collect();
        assert!(!names.contains(&"CPUHigh"), "pending alerts never reach Alertmanager");
        for sev in ["critical", "high", "medium", "none"] {
            assert!(alerts.as_array().unwrap().iter().any(|a| a["labels"]["severity"] == sev), "{sev}");
        }
        let down = find(&alerts, "ServiceDown", "agente_negocio").unwrap();
        assert_eq!(is_rfc3339(&down["startsAt"]), d.world.t0 + 40.0, "start from the script");
        assert_eq!(down["receivers"], json!([{"name": "slack-critical"}]));
        assert_eq!(down["annotations"]["summary"], "Service agente_negocio is down");
        let slow = find(&alerts, "HighLatency", "agente_negocio").unwrap();
        assert_eq!(slow["status"]["state"], "suppressed");
        assert_eq!(slow["status"]["inhibitedBy"], json!([down["fingerprint"]]));
        assert_eq!(find(&alerts, "HighLatency", "ml_service").unwrap()["status"]["state"], "active");
        assert_eq!(find(&alerts, "OCRTimeoutSpike", "ml_service").unwrap()["receivers"][0]["name"], "slack-high");

        let crit = get_json(format!("{am}/api/v2/alerts?filter=severity%3D%22critical%22")).await;
        assert_eq!(crit.as_array().unwrap().len(), 2, "{crit}");
        let two =
            get_json(format!("{am}/api/v2/alerts?filter=severity%3D%22high%22&filter=service%3Dml_service")).await;
        assert_eq!(two.as_array().unwrap().len(), 2, "HighLatency and OCRTimeoutSpike: {two}");
        let uninhibited = get_json(format!("{am}/api/v2/alerts?inhibited=false")).await;
        assert!(find(&uninhibited, "HighLatency", "agente_negocio").is_none());
        let muted = get_json(format!("{am}/api/v2/alerts?active=false")).await;
        assert_eq!(muted.as_array().unwrap().len(), 1);
        let (status, msg) = get(format!("{am}/api/v2/alerts?filter=nonsense")).await;
        assert_eq!((status, msg.as_str()), (400, "bad matcher format: nonsense"));
        assert_eq!(get(format!("{am}/api/v2/alerts?active=maybe")).await.0, 400);

        let groups = get_json(format!("{am}/api/v2/alerts/groups")).await;
        for g in groups.as_array().unwrap() {
            let labels = g["labels"].as_object().unwrap();
            assert!(labels.keys().all(|k| am_config::GROUP_BY.contains(&k.as_str())));
            assert!(g["receiver"]["name"].is_string() && !g["alerts"].as_array().unwrap().is_empty());
        }
        let watchdog = groups.as_array().unwrap().iter().find(|g| g["labels"]["alertname"] == "Watchdog").unwrap();
        assert_eq!(watchdog["labels"], json!({"alertname": "Watchdog", "severity": "none"}));
        assert_eq!(watchdog["receiver"]["name"], "slack-general");
        let medium = groups.as_array().unwrap().iter().find(|g| g["labels"]["severity"] == "medium").unwrap();
        assert_eq!(medium["receiver"]["name"], "slack-medium");

        let mut addresses = Vec::new();
        for url in &d.alertmanager_urls {
            let s = get_json(format!("{url}/api/v2/status")).await;
            assert_eq!(s["cluster"]["status"], "ready");
            assert!(s["cluster"]["name"].is_string());
            let peers = s["cluster"]["peers"].as_array().unwrap();
            assert_eq!(peers.len(), 2);
            assert!(peers.iter().all(|p| p["name"].is_string() && p["address"].is_string()));
            assert!(peers.iter().any(|p| url.ends_with(p["address"].as_str().unwrap())), "lists itself");
            addresses.push(peers.clone());
            assert_eq!(s["versionInfo"]["version"], "0.25.0-demo");
            for k in ["branch", "buildDate", "buildUser", "goVersion", "revision"] {
                assert!(s["versionInfo"][k].is_string(), "{k}");
            }
            assert!(s["config"]["original"].as_str().unwrap().contains("inhibit_rules:"));
            is_rfc3339(&s["uptime"]);
        }
        assert_eq!(addresses[0], addresses[1], "both list the same cluster");
        assert_eq!(get_json(format!("{am}/api/v2/receivers")).await.as_array().unwrap().len(), 5);
    }

    const SILENCE: &str = r#"{"matchers":[{"name":"alertname","value":"HighErrorRate","isRegex":false,"isEqual":true},
        {"name":"service","value":"agente_.*","isRegex":true}],
        "startsAt":"2020-01-01T00:00:00Z","endsAt":"2999-01-01T00:00:00Z","createdBy":"oncall","comment":"known"}"#;

    #[tokio::test]
    async fn a_silence_set_on_one_instance_mutes_on_both_until_deleted() {
        let d = demo(60_000, false).await;
        let (a, b) = (&d.alertmanager_urls[0], &d.alertmanager_urls[1]);
        let (status, _, body) = post(format!("{a}/api/v2/silences"), SILENCE).await;
        assert_eq!(status, 200, "{body}");
        let id = serde_json::from_str::<Value>(&body).unwrap()["silenceID"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 36);

        for am in [a, b] {
            let alerts = get_json(format!("{am}/api/v2/alerts")).await;
            let her = find(&alerts, "HighErrorRate", "agente_negocio").unwrap();
            assert_eq!(her["status"]["state"], "suppressed");
            assert_eq!(her["status"]["silencedBy"], json!([id]));
            assert_eq!(find(&alerts, "ServiceDown", "agente_negocio").unwrap()["status"]["state"], "active");
            let unsilenced = get_json(format!("{am}/api/v2/alerts?silenced=false")).await;
            assert!(find(&unsilenced, "HighErrorRate", "agente_negocio").is_none());
        }
        let list = get_json(format!("{b}/api/v2/silences")).await;
        assert_eq!(list.as_array().unwrap().len(), 1);
        let s = &list[0];
        assert_eq!((s["id"].as_str(), s["status"]["state"].as_str()), (Some(id.as_str()), Some("active")));
        assert_eq!(
            s["matchers"][1],
            json!({"name": "service", "value": "agente_.*", "isRegex": true, "isEqual": true})
        );
        for k in ["updatedAt", "startsAt", "endsAt"] {
            is_rfc3339(&s[k]);
        }
        assert_eq!((s["createdBy"].as_str(), s["comment"].as_str()), (Some("oncall"), Some("known")));
        let filtered = get_json(format!("{b}/api/v2/silences?filter=alertname%3DHighErrorRate")).await;
        assert_eq!(filtered.as_array().unwrap().len(), 1);
        assert_eq!(get_json(format!("{b}/api/v2/silence/{id}")).await["id"], id.as_str());

        let deleted = reqwest::Client::new().delete(format!("{b}/api/v2/silence/{id}")).send().await.unwrap();
        assert_eq!(deleted.status(), 200);
        assert_eq!(get_json(format!("{a}/api/v2/silence/{id}")).await["status"]["state"], "expired");
        let alerts = get_json(format!("{a}/api/v2/alerts")).await;
        let her = find(&alerts, "HighErrorRate", "agente_negocio").unwrap();
        assert_eq!((her["status"]["state"].as_str(), her["status"]["silencedBy"].clone()), (Some("active"), json!([])));

        let unknown = reqwest::Client::new().delete(format!("{a}/api/v2/silence/nope")).send().await.unwrap();
        assert_eq!(unknown.status(), 404);
        assert_eq!(get(format!("{a}/api/v2/silence/nope")).await.0, 404);
    }

    #[tokio::test]
    async fn bad_silences_get_a_400_with_a_message_and_updates_keep_the_id() {
        let d = demo(60_000, false).await;
        let am = &d.alertmanager_urls[1];
        let cases = [
            (SILENCE.replace("\"oncall\"", "\"\""), "createdBy in body is required"),
            (SILENCE.replace("\"known\"", "\"\""), "comment in body is required"),
            (SILENCE.replace("2999", "2019"), "Failed to create silence: start time must be before end time"),
            (
                r#"{"matchers":[],"startsAt":"2020-01-01T00:00:00Z"}"#.to_string(),
                "matchers in body should have at least 1 items",
            ),
        ];
        for (body, msg) in cases {
            let (status, ct, text) = post(format!("{am}/api/v2/silences"), &body).await;
            assert_eq!((status, text.as_str()), (400, msg));
            assert!(ct.starts_with("text/plain"), "{ct}");
        }
        assert_eq!(post(format!("{am}/api/v2/silences"), "not json").await.0, 400);
        assert!(get_json(format!("{am}/api/v2/silences")).await.as_array().unwrap().is_empty());

        let (_, _, body) = post(format!("{am}/api/v2/silences"), SILENCE).await;
        let id = serde_json::from_str::<Value>(&body).unwrap()["silenceID"].as_str().unwrap().to_string();
        let update = SILENCE.replacen('{', &format!(r#"{{"id":"{id}","#), 1).replace("known", "still known");
        let (status, _, body) = post(format!("{}/api/v2/silences", d.alertmanager_urls[0]), &update).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["silenceID"], id.as_str());
        assert_eq!(get_json(format!("{am}/api/v2/silence/{id}")).await["comment"], "still known");
        let missing = SILENCE.replacen('{', r#"{"id":"00000000-0000-4000-8000-000000000000","#, 1);
        assert_eq!(post(format!("{am}/api/v2/silences"), &missing).await.0, 404);
    }

    #[tokio::test]
    async fn a_restart_resolves_negocio_and_frozen_has_only_the_watchdog() {
        let d = demo(60_000, false).await;
        assert!(d.world.restart("agente_negocio", crate::poll::now_ms()));
        let alerts = get_json(format!("{}/api/v2/alerts", d.alertmanager_urls[0])).await;
        assert!(alerts.as_array().unwrap().iter().all(|a| a["labels"]["service"] != "agente_negocio"), "{alerts}");
        assert!(find(&alerts, "HighLatency", "ml_service").is_some());

        let d = demo(60_000, true).await;
        for am in &d.alertmanager_urls {
            let alerts = get_json(format!("{am}/api/v2/alerts")).await;
            assert_eq!(alerts.as_array().unwrap().len(), 1);
            assert_eq!(alerts[0]["labels"]["alertname"], "Watchdog");
            assert_eq!(alerts[0]["status"]["state"], "active");
        }
    }

    #[test]
    fn two_calls_at_the_same_time_agree() {
        let w = World::new(1_700_000_000_000);
        let s = Silences::default();
        let t = w.t0 + 61.0;
        let a: Vec<Value> = alerts_at(&w, &s, t).iter().map(|a| alert_json(a, "http://p")).collect();
        let b: Vec<Value> = alerts_at(&w, &s, t).iter().map(|a| alert_json(a, "http://p")).collect();
        assert_eq!(a, b);
        assert_eq!(query_escape("up == 0"), "up+%3D%3D+0");
    }
}
