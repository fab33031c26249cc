//! Alertmanager API v2 client: alerts, groups, silences (list, create, expire) and status.
//!
//! Errors: Alertmanager answers a bad request with a JSON string body (a 400 `"silence invalid: …"`) or a
//! `{"code","message"}` object (422), and its proxies with HTML; all become one line that quotes the
//! backend, never a decoding error.

use crate::action::{FetchError, FetchErrorKind};
use crate::alerts::model::{
    format_time, parse_optional_time, parse_time, Alert, AlertGroup, AmState, AmStatus, Labels, MatchOp, Matcher,
    NewSilence, Silence, SilenceState,
};
use crate::config::PromSource;
use crate::sources::http::{self, err};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct AmClient {
    pub(crate) conn: http::Conn,
}

#[derive(Deserialize)]
struct RawAlert {
    #[serde(default)]
    fingerprint: String,
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    annotations: Labels,
    #[serde(rename = "startsAt")]
    starts_at: Option<String>,
    #[serde(rename = "endsAt")]
    ends_at: Option<String>,
    #[serde(rename = "updatedAt")]
    updated_at: Option<String>,
    #[serde(rename = "generatorURL", default)]
    generator_url: String,
    status: RawStatus,
    #[serde(default)]
    receivers: Vec<Named>,
}

#[derive(Deserialize)]
struct RawStatus {
    state: String,
    #[serde(rename = "silencedBy", default)]
    silenced_by: Option<Vec<String>>,
    #[serde(rename = "inhibitedBy", default)]
    inhibited_by: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize)]
struct RawGroup {
    #[serde(default)]
    labels: Labels,
    receiver: Option<Named>,
    #[serde(default)]
    alerts: Vec<RawAlert>,
}

#[derive(Serialize, Deserialize)]
struct RawMatcher {
    name: String,
    value: String,
    #[serde(rename = "isRegex")]
    is_regex: bool,
    /// Absent in Alertmanager before 0.22: `true`.
    #[serde(rename = "isEqual", default = "yes")]
    is_equal: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
struct RawSilence {
    id: String,
    #[serde(default)]
    matchers: Vec<RawMatcher>,
    #[serde(rename = "startsAt")]
    starts_at: String,
    #[serde(rename = "endsAt")]
    ends_at: String,
    #[serde(rename = "updatedAt")]
    updated_at: Option<String>,
    #[serde(rename = "createdBy", default)]
    created_by: String,
    #[serde(default)]
    comment: String,
    status: RawSilenceStatus,
}

#[derive(Deserialize)]
struct RawSilenceStatus {
    state: String,
}

#[derive(Serialize)]
struct PostSilence<'a> {
    matchers: Vec<RawMatcher>,
    #[serde(rename = "startsAt")]
    starts_at: String,
    #[serde(rename = "endsAt")]
    ends_at: String,
    #[serde(rename = "createdBy")]
    created_by: &'a str,
    comment: &'a str,
}

#[derive(Deserialize)]
struct PostSilenceOk {
    #[serde(rename = "silenceID")]
    silence_id: String,
}

#[derive(Deserialize)]
struct RawAmStatus {
    #[serde(rename = "versionInfo", default)]
    version_info: Option<RawVersion>,
    cluster: Option<RawCluster>,
    uptime: Option<String>,
}

#[derive(Deserialize)]
struct RawVersion {
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
struct RawCluster {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    peers: Option<Vec<Named>>,
}

fn alert(a: RawAlert) -> Alert {
    let state = match a.status.state.as_str() {
        "suppressed" => AmState::Suppressed,
        "unprocessed" => AmState::Unprocessed,
        _ => AmState::Active,
    };
    Alert {
        fingerprint: a.fingerprint,
        labels: a.labels,
        annotations: a.annotations,
        starts_at_ms: a.starts_at.as_deref().and_then(parse_time).unwrap_or(0),
        ends_at_ms: parse_optional_time(a.ends_at.as_deref()),
        updated_at_ms: parse_optional_time(a.updated_at.as_deref()),
        generator_url: a.generator_url,
        state,
        silenced_by: a.status.silenced_by.unwrap_or_default(),
        inhibited_by: a.status.inhibited_by.unwrap_or_default(),
        receivers: a.receivers.into_iter().map(|r| r.name).collect(),
    }
}

fn silence(s: RawSilence) -> Silence {
    let state = match s.status.state.as_str() {
        "active" => SilenceState::Active,
        "pending" => SilenceState::Pending,
        _ => SilenceState::Expired,
    };
    Silence {
        id: s.id,
        matchers: s
            .matchers
            .into_iter()
            .map(|m| Matcher { name: m.name, op: MatchOp::from_flags(m.is_regex, m.is_equal), value: m.value })
            .collect(),
        starts_at_ms: parse_time(&s.starts_at).unwrap_or(0),
        ends_at_ms: parse_time(&s.ends_at).unwrap_or(0),
        updated_at_ms: parse_optional_time(s.updated_at.as_deref()),
        created_by: s.created_by,
        comment: s.comment,
        state,
    }
}

/// How long the Alertmanager has been up, in ms. `uptime` is in fact the RFC 3339 *start* time in
/// Alertmanager 0.25 (the uptime is now minus that); a duration text (`1h2m3s`) is accepted too.
fn uptime_ms(s: &str) -> Option<i64> {
    match parse_time(s) {
        Some(start) => Some((chrono::Utc::now().timestamp_millis() - start).max(0)),
        None => humantime::parse_duration(s).ok().map(|d| d.as_millis() as i64),
    }
}

fn decode_json<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, FetchError> {
    serde_json::from_slice(body).map_err(|e| {
        err(FetchErrorKind::Decode, format!("{what}: the answer is not valid Alertmanager API JSON ({e})"))
    })
}

/// Decode a 2xx `/api/v2/alerts` body. `what` names the backend for messages. (The client's own
/// decoder, public so the fuzz targets reach it.)
pub fn decode_alerts(body: &[u8], what: &str) -> Result<Vec<Alert>, FetchError> {
    Ok(decode_json::<Vec<RawAlert>>(body, what)?.into_iter().map(alert).collect())
}

/// Decode a 2xx `/api/v2/alerts/groups` body.
pub fn decode_groups(body: &[u8], what: &str) -> Result<Vec<AlertGroup>, FetchError> {
    Ok(decode_json::<Vec<RawGroup>>(body, what)?
        .into_iter()
        .map(|g| AlertGroup {
            labels: g.labels,
            receiver: g.receiver.map(|r| r.name).unwrap_or_default(),
            fingerprints: g.alerts.into_iter().map(|a| a.fingerprint).collect(),
        })
        .collect())
}

/// Decode a 2xx `/api/v2/silences` body.
pub fn decode_silences(body: &[u8], what: &str) -> Result<Vec<Silence>, FetchError> {
    Ok(decode_json::<Vec<RawSilence>>(body, what)?.into_iter().map(silence).collect())
}

/// Decode a 2xx `/api/v2/status` body.
pub fn decode_status(body: &[u8], what: &str) -> Result<AmStatus, FetchError> {
    let raw: RawAmStatus = decode_json(body, what)?;
    let cluster = raw.cluster.unwrap_or(RawCluster { name: None, status: "disabled".into(), peers: None });
    Ok(AmStatus {
        version: raw.version_info.map(|v| v.version).unwrap_or_default(),
        cluster_status: cluster.status,
        cluster_name: cluster.name.unwrap_or_default(),
        peers: cluster.peers.unwrap_or_default().into_iter().map(|p| p.name).collect(),
        uptime_ms: raw.uptime.as_deref().and_then(uptime_ms),
    })
}

impl AmClient {
    pub fn new(src: &PromSource) -> Result<AmClient, String> {
        Ok(AmClient { conn: http::Conn::new(src, "Alertmanager")? })
    }

    pub fn name(&self) -> &str {
        &self.conn.shown
    }

    /// A non-2xx answer as one line: Alertmanager's own text (JSON `message`/`error` or plain text).
    fn http_error(&self, status: u16, body: &[u8]) -> FetchError {
        #[derive(Deserialize)]
        struct Msg {
            message: Option<String>,
            error: Option<String>,
        }
        // Alertmanager 0.25 sends its own 400s and 500s as a bare JSON string
        // (`"silence not found"`), its validation errors as `{"code":…,"message":…}`.
        let said = match serde_json::from_slice::<Msg>(body) {
            Ok(Msg { message: Some(m), .. } | Msg { error: Some(m), .. }) => m,
            Ok(_) | Err(_) => serde_json::from_slice::<String>(body).unwrap_or_else(|_| http::body_excerpt(body)),
        };
        let kind = if (400..500).contains(&status) { FetchErrorKind::Api } else { FetchErrorKind::Http };
        err(kind, format!("{} answered HTTP {status}: {said}", self.conn.shown))
    }

    /// The body of a 2xx answer to GET `path`; anything else is the error a panel shows.
    async fn get(&self, path: &str) -> Result<Vec<u8>, FetchError> {
        let c = &self.conn;
        let (status, body) = c.send(c.http.get(c.url(path)), c.cap).await?;
        if !(200..300).contains(&status) {
            return Err(self.http_error(status, &body));
        }
        Ok(body)
    }

    /// Every alert: active, silenced, inhibited and unprocessed.
    pub async fn alerts(&self) -> Result<Vec<Alert>, FetchError> {
        let body = self.get("/api/v2/alerts?active=true&silenced=true&inhibited=true&unprocessed=true").await?;
        decode_alerts(&body, &self.conn.shown)
    }

    /// The aggregation groups of the routing tree, with their alerts' fingerprints.
    pub async fn groups(&self) -> Result<Vec<AlertGroup>, FetchError> {
        let body = self.get("/api/v2/alerts/groups?active=true&silenced=true&inhibited=true").await?;
        decode_groups(&body, &self.conn.shown)
    }

    pub async fn silences(&self) -> Result<Vec<Silence>, FetchError> {
        decode_silences(&self.get("/api/v2/silences").await?, &self.conn.shown)
    }

    pub async fn status(&self) -> Result<AmStatus, FetchError> {
        decode_status(&self.get("/api/v2/status").await?, &self.conn.shown)
    }

    /// Create a silence; returns its id.
    pub async fn create_silence(&self, s: &NewSilence) -> Result<String, FetchError> {
        let body = PostSilence {
            matchers: s
                .matchers
                .iter()
                .map(|m| RawMatcher {
                    name: m.name.clone(),
                    value: m.value.clone(),
                    is_regex: m.op.is_regex(),
                    is_equal: m.op.is_equal(),
                })
                .collect(),
            starts_at: format_time(s.starts_at_ms),
            ends_at: format_time(s.ends_at_ms),
            created_by: &s.created_by,
            comment: &s.comment,
        };
        let c = &self.conn;
        let json = serde_json::to_vec(&body)
            .map_err(|e| err(FetchErrorKind::Decode, format!("cannot encode the silence: {e}")))?;
        let req = c.http.post(c.url("/api/v2/silences")).header(reqwest::header::CONTENT_TYPE, "application/json");
        let (status, resp) = c.send(req.body(json), 1 << 20).await?;
        if !(200..300).contains(&status) {
            return Err(self.http_error(status, &resp));
        }
        let ok: PostSilenceOk = serde_json::from_slice(&resp).map_err(|e| {
            err(FetchErrorKind::Decode, format!("{}: the silence answer is not valid JSON ({e})", c.shown))
        })?;
        Ok(ok.silence_id)
    }

    /// Expire a silence now.
    pub async fn expire_silence(&self, id: &str) -> Result<(), FetchError> {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(err(FetchErrorKind::Api, format!("`{id}` is not a silence id")));
        }
        let c = &self.conn;
        let (status, resp) = c.send(c.http.delete(c.url(&format!("/api/v2/silence/{id}"))), 1 << 20).await?;
        if !(200..300).contains(&status) {
            return Err(self.http_error(status, &resp));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_alertmanager_shapes() {
        let a: RawAlert = serde_json::from_str(
            r#"{"annotations":{"summary":"down"},"endsAt":"2026-11-23T10:04:00.000Z","fingerprint":"0a1b2c3d4e5f6a7b",
            "receivers":[{"name":"slack-critical"}],"startsAt":"2026-11-23T10:00:00.000Z",
            "status":{"inhibitedBy":null,"silencedBy":["s1"],"state":"suppressed"},
            "updatedAt":"2026-11-23T10:00:30.000Z","generatorURL":"http://p/graph","labels":{"alertname":"ServiceDown"}}"#,
        )
        .unwrap();
        let a = alert(a);
        assert_eq!(a.state, AmState::Suppressed);
        assert_eq!(a.silenced_by, ["s1"]);
        assert!(a.inhibited_by.is_empty());
        assert_eq!(a.name(), "ServiceDown");
        assert_eq!(a.ends_at_ms.unwrap() - a.starts_at_ms, 240_000);
        assert_eq!(a.receivers, ["slack-critical"]);

        let s: RawSilence = serde_json::from_str(
            r#"{"id":"abc","status":{"state":"active"},"updatedAt":"2026-11-23T10:00:00Z","comment":"ack",
            "createdBy":"ana@host","endsAt":"2026-11-23T10:30:00Z","startsAt":"2026-11-23T10:00:00Z",
            "matchers":[{"isRegex":true,"name":"service","value":"agente.*"},{"isEqual":false,"isRegex":false,"name":"a","value":"b"}]}"#,
        )
        .unwrap();
        let s = silence(s);
        assert_eq!(s.matchers[0].op, MatchOp::Re, "isEqual absent (Alertmanager < 0.22) means equal");
        assert_eq!(s.matchers[1].op, MatchOp::Ne);
        assert_eq!(s.ends_at_ms - s.starts_at_ms, 1_800_000);
    }
}
