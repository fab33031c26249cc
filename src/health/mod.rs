//! Health verdicts: what one probe of a service's `/health` endpoint says, classified without I/O.
//!
//! [`classify`] turns the probe of [`crate::sources::health::HealthClient::check`] into a [`Verdict`]:
//! a [`Level`], a one-line reason, the version and uptime when the body has them, and dependency rows.
//! Everything read from the body is untrusted and sanitised before it lands in a string.

use crate::action::FetchError;
use crate::config::HealthTarget;
use crate::sanitize::sanitize_trunc;
use crate::sources::health::Probe;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How a service (or one of its dependencies) is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Ok,
    /// Degraded: answering, but says something is wrong.
    Warn,
    /// Not answering, answering an unexpected status, or saying it is unhealthy.
    Down,
    /// HTTP 401 or 403: the credentials were refused. An authentication problem on our side, NOT an outage:
    /// the service answered, so it is probably up.
    Auth,
    /// Not checked yet, or nothing can be said.
    Unknown,
}

impl Level {
    /// Rank for [`Level::worse`]: ok < unknown < warn < auth < down.
    fn rank(self) -> u8 {
        match self {
            Level::Ok => 0,
            Level::Unknown => 1,
            Level::Warn => 2,
            Level::Auth => 3,
            Level::Down => 4,
        }
    }

    /// The worse of two levels (ok < unknown < warn < auth < down).
    pub fn worse(self, other: Level) -> Level {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    /// A short label for the screen: "ok", "warn", "down", "auth", "?".
    pub fn label(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Down => "down",
            Level::Auth => "auth",
            Level::Unknown => "?",
        }
    }
}

/// One dependency row read from the body (`database`, or one entry of `services.*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dependency {
    pub name: String,
    pub level: Level,
    /// The dependency's own status word, with its error or latency when the body gives one.
    pub detail: String,
}

/// What one probe says about a service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub level: Level,
    /// One line: "HTTP 503: database connection pool exhausted", "degraded",
    /// "401: check the bearer token (bearer_token_env = X)".
    pub reason: String,
    pub version: Option<String>,
    pub uptime_s: Option<f64>,
    pub deps: Vec<Dependency>,
}

/// Longest reason or detail kept from a body.
const TEXT_MAX: usize = 120;
/// Most dependency rows kept from one body (a hostile body could list thousands).
const MAX_DEPS: usize = 64;

/// Classify one probe of `target`.
///
/// - a transport error (refused, timeout, DNS…) → Down, with the error;
/// - a status not in `expect_status`: 401/403 → Auth (says which credentials to check), anything else → Down
///   with the body's `error`/`message`/`detail` field, or an excerpt;
/// - an expected status: the `map.status_field` value decides (in `ok` → Ok, in `warn` → Warn, else Down);
///   without such a field (or without a JSON body) the expected status alone means Ok;
/// - dependencies from `map.dependencies` are listed; a Down dependency turns an Ok service into Warn.
pub fn classify(target: &HealthTarget, probe: &Result<Probe, FetchError>) -> Verdict {
    let p = match probe {
        Ok(p) => p,
        Err(e) => {
            return Verdict {
                level: Level::Down,
                reason: sanitize_trunc(&e.message, 300),
                version: None,
                uptime_s: None,
                deps: Vec::new(),
            }
        }
    };
    let body = p.body.as_ref();
    let deps = body.map(|b| dependencies(target, b)).unwrap_or_default();
    let version = body.and_then(|b| lookup(b, &target.map.version_field)).and_then(version_text);
    let uptime_s = body.and_then(|b| lookup(b, &target.map.uptime_field)).and_then(seconds);

    let (level, reason) = if !target.expect_status.contains(&p.status) {
        if matches!(p.status, 401 | 403) {
            (Level::Auth, format!("{}: {}", p.status, auth_hint(target)))
        } else {
            let why = body.and_then(error_text).or_else(|| body.and_then(|b| status_text(target, b)));
            let why = why.or_else(|| p.body_note.clone()).or_else(|| body.map(json_excerpt));
            match why {
                Some(w) => (Level::Down, format!("HTTP {}: {w}", p.status)),
                None => (Level::Down, format!("HTTP {}", p.status)),
            }
        }
    } else {
        match body.and_then(|b| status_text(target, b)) {
            Some(s) => {
                let level = if matches_any(&s, &target.map.ok) {
                    Level::Ok
                } else if matches_any(&s, &target.map.warn) {
                    Level::Warn
                } else {
                    Level::Down
                };
                let reason = match (level, body.and_then(error_text)) {
                    (Level::Ok, _) | (_, None) => s,
                    (_, Some(e)) => format!("{s}: {e}"),
                };
                (level, reason)
            }
            None => {
                let field = sanitize_trunc(&target.map.status_field, 40);
                match &p.body_note {
                    Some(note) => (Level::Ok, format!("HTTP {}, no {field} field ({note})", p.status)),
                    None => (Level::Ok, format!("HTTP {}, no {field} field", p.status)),
                }
            }
        }
    };

    // The service's own status stays the level, but an Ok service with a dependency down is only Warn.
    let (level, reason) = {
        let down: Vec<&str> = deps.iter().filter(|d| d.level == Level::Down).map(|d| d.name.as_str()).collect();
        match (level, down.as_slice()) {
            (Level::Ok, [one]) => (Level::Warn, format!("{reason}, but {one} is down")),
            (Level::Ok, [_, _, ..]) => {
                (Level::Warn, format!("{reason}, but {} dependencies are down: {}", down.len(), down.join(", ")))
            }
            _ => (level, reason),
        }
    };
    Verdict { level, reason: sanitize_trunc(&reason, 300), version, uptime_s, deps }
}

/// What to check after a 401/403, naming the configured credential source (never its value).
fn auth_hint(t: &HealthTarget) -> String {
    let src = if let Some(var) = &t.bearer_token_env {
        format!("check the bearer token (bearer_token_env = {var})")
    } else if let Some(file) = &t.bearer_token_file {
        format!("check the bearer token (bearer_token_file = {})", file.display())
    } else if let Some(b) = &t.basic_auth {
        format!("check the basic auth credentials (username = {}, {})", b.username, b.password_source())
    } else if t.headers.keys().any(|k| k.eq_ignore_ascii_case("authorization")) {
        "check the Authorization header in `headers`".to_string()
    } else {
        "the endpoint needs credentials; set bearer_token_env, bearer_token_file or basic_auth".to_string()
    };
    sanitize_trunc(&src, 200)
}

/// Follow a dotted path (`health.state`) through objects; an empty path or a missing step is `None`.
fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path.is_empty() {
        return None;
    }
    path.split('.').try_fold(v, |cur, key| cur.as_object()?.get(key))
}

/// A scalar as text (strings, booleans and numbers); objects, arrays and null are not a status.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(sanitize_trunc(s.trim(), TEXT_MAX)),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn status_text(t: &HealthTarget, body: &Value) -> Option<String> {
    lookup(body, &t.map.status_field).and_then(scalar_text).filter(|s| !s.is_empty())
}

/// The body's own explanation: an `error`, `message` or `detail` string.
fn error_text(body: &Value) -> Option<String> {
    ["error", "message", "detail"]
        .iter()
        .filter_map(|k| body.get(k))
        .find_map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(sanitize_trunc(s.trim(), TEXT_MAX)),
            Value::Object(_) => v.get("message").and_then(Value::as_str).map(|s| sanitize_trunc(s.trim(), TEXT_MAX)),
            _ => None,
        })
        .filter(|s| !s.is_empty())
}

fn json_excerpt(body: &Value) -> String {
    sanitize_trunc(&body.to_string(), TEXT_MAX)
}

fn matches_any(s: &str, words: &[String]) -> bool {
    words.iter().any(|w| w.eq_ignore_ascii_case(s))
}

fn version_text(v: &Value) -> Option<String> {
    scalar_text(v).map(|s| sanitize_trunc(&s, 40)).filter(|s| !s.is_empty())
}

fn seconds(v: &Value) -> Option<f64> {
    let n = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (n.is_finite() && n >= 0.0).then_some(n)
}

/// The dependency rows of a body, following `map.dependencies`; absent paths are skipped.
fn dependencies(t: &HealthTarget, body: &Value) -> Vec<Dependency> {
    let mut out = Vec::new();
    for path in &t.map.dependencies {
        let segs: Vec<&str> = path.split('.').filter(|s| !s.is_empty()).collect();
        if segs.is_empty() {
            continue;
        }
        let last = segs[segs.len() - 1];
        expand(body, &segs, None, last, t, &mut out);
    }
    out
}

/// Walk `segs` from `v`; `*` expands every entry of an object (or array). The row is named by the entry a
/// `*` last expanded to (`services.*` → `auth`), or by the path's `last` segment when there is no `*`.
fn expand(v: &Value, segs: &[&str], star: Option<String>, last: &str, t: &HealthTarget, out: &mut Vec<Dependency>) {
    if out.len() >= MAX_DEPS {
        return;
    }
    let Some((first, rest)) = segs.split_first() else {
        if let Some(dep) = dependency(star.unwrap_or_else(|| last.to_string()), v, t) {
            out.push(dep);
        }
        return;
    };
    if *first == "*" {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    expand(child, rest, Some(k.clone()), last, t, out);
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    let k = child.get("name").and_then(Value::as_str).map(str::to_string).unwrap_or(i.to_string());
                    expand(child, rest, Some(k), last, t, out);
                }
            }
            _ => {}
        }
    } else if let Some(child) = v.as_object().and_then(|m| m.get(*first)) {
        expand(child, rest, star, last, t, out);
    }
}

/// One dependency from its value: a status string, a boolean, or an object with a `status` field.
fn dependency(name: String, v: &Value, t: &HealthTarget) -> Option<Dependency> {
    let (status, extra) = match v {
        Value::String(_) | Value::Bool(_) => (scalar_text(v)?, None),
        Value::Object(_) => {
            let status = v.get("status").and_then(scalar_text)?;
            let extra = error_text(v).or_else(|| {
                let ms = v.get("latency_ms").and_then(Value::as_f64).filter(|x| x.is_finite())?;
                Some(format!("{ms} ms"))
            });
            (status, extra)
        }
        _ => return None,
    };
    let level = dep_level(&status, t);
    let detail = match extra {
        Some(e) => format!("{status}, {e}"),
        None => status,
    };
    Some(Dependency { name: sanitize_trunc(&name, 60), level, detail: sanitize_trunc(&detail, TEXT_MAX) })
}

fn dep_level(status: &str, t: &HealthTarget) -> Level {
    const OK: [&str; 6] = ["connected", "ok", "up", "healthy", "pass", "true"];
    const WARN: [&str; 3] = ["degraded", "warn", "warning"];
    if OK.iter().any(|w| w.eq_ignore_ascii_case(status)) || matches_any(status, &t.map.ok) {
        Level::Ok
    } else if WARN.iter().any(|w| w.eq_ignore_ascii_case(status)) || matches_any(status, &t.map.warn) {
        Level::Warn
    } else {
        Level::Down
    }
}

#[cfg(test)]
mod tests;
