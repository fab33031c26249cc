//! The config as a recording's header keeps it: every value that may be a secret replaced.

use crate::config::{is_secret_header, ActionKind, Config, PromSource};
use std::collections::BTreeMap;

/// What a removed secret reads as.
pub const REDACTED: &str = "<redacted>";

/// `config` with no secret left: header values whose name looks secret (in backends, health targets
/// and HTTP actions; `{secret.NAME}` references stay), and passwords and secret-looking query
/// parameters in backend, health, proxy and action URLs. Names of where secrets are
/// (`bearer_token_env`, `bearer_token_file`, `password_env`, `password_file`) stay.
pub fn redact_config(config: &Config) -> Config {
    let mut c = config.clone();
    for e in &mut c.environments {
        source(&mut e.prometheus);
        e.alertmanagers.iter_mut().for_each(source);
        if let Some(l) = &mut e.loki {
            source(l);
        }
        for t in &mut e.health {
            headers(&mut t.headers);
            t.url = url(&t.url);
            t.metrics_url = t.metrics_url.as_deref().map(url);
            t.proxy = t.proxy.as_deref().map(url);
        }
    }
    for a in &mut c.actions {
        if let ActionKind::Http(h) = &mut a.kind {
            for (k, v) in &mut h.headers {
                if is_secret_header(k) && !v.contains("{secret.") {
                    *v = REDACTED.into();
                }
            }
            h.url = url(&h.url);
        }
    }
    c
}

fn source(s: &mut PromSource) {
    headers(&mut s.headers);
    s.url = url(&s.url);
    s.proxy = s.proxy.as_deref().map(url);
}

fn headers(h: &mut BTreeMap<String, String>) {
    for (k, v) in h.iter_mut() {
        if is_secret_header(k) {
            *v = REDACTED.into();
        }
    }
}

/// `url` with its password and secret-looking query values replaced; unchanged (byte for byte) when
/// it has neither, or when it is not a URL (a template, say).
fn url(raw: &str) -> String {
    let Ok(mut u) = reqwest::Url::parse(raw) else { return raw.to_string() };
    let mut changed = false;
    if u.password().is_some() {
        let _ = u.set_password(Some("redacted"));
        changed = true;
    }
    let pairs: Vec<(String, String)> = u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    if pairs.iter().any(|(k, _)| is_secret_header(k)) {
        let mut q = u.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, if is_secret_header(k) { "redacted" } else { v });
        }
        drop(q);
        changed = true;
    }
    if changed {
        u.to_string()
    } else {
        raw.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_go_names_stay() {
        let text = r#"
[[environment]]
name = "p"
prometheus = { url = "https://bob:hunter2@prom.example/", headers = { "X-Api-Key" = "k-123", "X-Org" = "acme" }, bearer_token_env = "PROM_TOKEN" }
alertmanager = [{ url = "http://am:9093", proxy = "http://u:pw-9@proxy:3128" }]
health = [{ name = "api", url = "http://api/health?token=t-456&x=1", headers = { Authorization = "Bearer b-789" } }]
[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "P"
kind = "stat"
query = [{ expr = "up" }]
"#;
        let c = crate::config::load_str("t.toml", text).unwrap();
        let json = serde_json::to_string(&redact_config(&c)).unwrap();
        for secret in ["hunter2", "k-123", "pw-9", "t-456", "b-789"] {
            assert!(!json.contains(secret), "{secret} in {json}");
        }
        for kept in ["PROM_TOKEN", "acme", "x=1", "http://am:9093"] {
            assert!(json.contains(kept), "{kept} not in {json}");
        }
    }
}
