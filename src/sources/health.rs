//! Health endpoint client: one request to a service's `/health`, with its auth, read under a cap.
//!
//! The answer is returned as it is ([`Probe`]: status, latency, JSON body or a note saying why there is
//! none); [`crate::health::classify`] decides what it means. Only transport failures (refused, timeout,
//! DNS, a body that broke off) are errors. The bearer token file is re-read at each check, so a rotated
//! token is picked up; tokens and passwords are marked sensitive and never appear in messages.

use crate::action::{FetchError, FetchErrorKind};
use crate::config::HealthTarget;
use crate::sources::connect;
use crate::sources::http::{self, err, Timeouts};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, LOCATION};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Largest health body read (1 MiB); a longer one is refused without being read.
pub const BODY_CAP: usize = 1 << 20;
/// The most a `/metrics` scrape reads (an application's own metrics page, not a Prometheus answer).
pub const SCRAPE_CAP: usize = 16 << 20;
/// The connect timeout: the target's timeout, but at most this.
const CONNECT_MAX: Duration = Duration::from_secs(3);

/// One answer of a health endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    pub status: u16,
    /// From sending the request to the end of the body.
    pub latency_ms: f64,
    /// The body, when it is JSON.
    pub body: Option<serde_json::Value>,
    /// Why there is no body, sanitised: "not JSON: <excerpt>", "an empty body", a redirect not followed, a
    /// body over the cap.
    pub body_note: Option<String>,
}

/// A configured health target, ready to check. `Debug` shows no secret (sensitive headers print as
/// `Sensitive`; the reqwest client, which would show a proxy's credentials, is left out).
#[derive(Clone)]
pub struct HealthClient {
    http: reqwest::Client,
    url: String,
    method: reqwest::Method,
    /// "name at http://host/health" (no credentials), for messages.
    shown: String,
    /// Fixed headers, with the bearer token from the environment or the basic auth already in.
    headers: HeaderMap,
    /// Read at each check.
    token_file: Option<PathBuf>,
    timeouts: Timeouts,
}

impl std::fmt::Debug for HealthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HealthClient")
            .field("url", &http::redact_url(&self.url))
            .field("method", &self.method)
            .field("shown", &self.shown)
            .field("headers", &self.headers)
            .field("token_file", &self.token_file)
            .field("timeouts", &self.timeouts)
            .finish_non_exhaustive()
    }
}

impl HealthClient {
    /// Build the client of `target`, reading credentials from the process environment.
    pub fn new(target: &HealthTarget) -> Result<HealthClient, String> {
        HealthClient::with_env(target, |var| std::env::var(var).ok())
    }

    /// [`Self::new`], also trusting `ca_pem` (PEM certificates) for `https`.
    pub fn with_ca(target: &HealthTarget, ca_pem: Option<&[u8]>) -> Result<HealthClient, String> {
        HealthClient::build(target, |var| std::env::var(var).ok(), ca_pem)
    }

    /// As [`HealthClient::new`], with the environment given as a function (for tests).
    /// Errors name what is wrong (the header, the variable, the file), never a secret.
    pub fn with_env(target: &HealthTarget, getenv: impl Fn(&str) -> Option<String>) -> Result<HealthClient, String> {
        HealthClient::build(target, getenv, None)
    }

    fn build(
        target: &HealthTarget,
        getenv: impl Fn(&str) -> Option<String>,
        self_ca: Option<&[u8]>,
    ) -> Result<HealthClient, String> {
        let name = &target.name;
        let url = reqwest::Url::parse(&target.url).map_err(|e| format!("health `{name}`: `url` is not a URL: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!("health `{name}`: `url` must be http:// or https://"));
        }
        let method = match target.method.to_ascii_uppercase().as_str() {
            "GET" => reqwest::Method::GET,
            "HEAD" => reqwest::Method::HEAD,
            m => return Err(format!("health `{name}`: method `{m}` is not supported (GET or HEAD)")),
        };
        let auth_sources = [target.bearer_token_env.is_some(), target.bearer_token_file.is_some()]
            .into_iter()
            .chain([target.basic_auth.is_some()])
            .filter(|x| *x)
            .count();
        if auth_sources > 1 {
            return Err(format!("health `{name}`: set only one of bearer_token_env, bearer_token_file and basic_auth"));
        }
        let fail = |e: String| format!("health `{name}`: {e}");
        let opts = target.conn_opts();
        let getenv: &dyn Fn(&str) -> Option<String> = &getenv;
        let headers = connect::auth_headers(&opts, getenv, false).map_err(fail)?;
        if let Some(file) = &target.bearer_token_file {
            // Checked now so a typo is reported at start-up; read again at each check.
            connect::read_token_file(file).map_err(fail)?;
        }
        // A private CA: the target's `ca_file`, and any extra one the caller trusts (the demo's).
        let tls = connect::TlsMaterial::read(&opts, self_ca).map_err(fail)?;
        let total = target.timeout.0;
        let timeouts = Timeouts { connect: total.min(CONNECT_MAX), total };
        Ok(HealthClient {
            http: http::client_for(timeouts, &tls, target.proxy.as_deref()).map_err(fail)?,
            url: target.url.clone(),
            method,
            shown: format!("{name} at {}", http::redact_url(&target.url)),
            headers,
            token_file: target.bearer_token_file.clone(),
            timeouts,
        })
    }

    /// Send one request and read the answer. Any HTTP status is a [`Probe`]; a redirect other than 307/308
    /// is not followed (the probe has its status and a note naming where it points).
    pub async fn check(&self) -> Result<Probe, FetchError> {
        let mut headers = self.headers.clone();
        if let Some(file) = &self.token_file {
            let v = connect::read_token_file(file)
                .map_err(|e| err(FetchErrorKind::Connect, format!("{}: {e}", self.shown)))?;
            headers.insert(AUTHORIZATION, v);
        }
        let start = Instant::now();
        let resp = self
            .http
            .request(self.method.clone(), &self.url)
            .headers(headers)
            .send()
            .await
            .map_err(|e| http::transport_error(&e, &self.shown, self.timeouts))?;
        let status = resp.status().as_u16();
        let elapsed = |start: Instant| start.elapsed().as_secs_f64() * 1000.0;
        if resp.status().is_redirection() {
            let to = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(http::redact_url);
            let note = match to {
                Some(to) => format!("redirects to {to} (not followed; set that URL in the config)"),
                None => "a redirect without a Location".to_string(),
            };
            return Ok(Probe { status, latency_ms: elapsed(start), body: None, body_note: Some(note) });
        }
        if self.method == reqwest::Method::HEAD {
            return Ok(Probe { status, latency_ms: elapsed(start), body: None, body_note: None });
        }
        let bytes = match http::read_capped(resp, BODY_CAP, &self.shown, self.timeouts).await {
            Ok(b) => b,
            Err(e) if e.kind == FetchErrorKind::TooLarge => {
                let note = format!("the body is larger than the {} MiB cap; not read", BODY_CAP >> 20);
                return Ok(Probe { status, latency_ms: elapsed(start), body: None, body_note: Some(note) });
            }
            Err(e) => return Err(e),
        };
        let latency_ms = elapsed(start);
        let (body, body_note) = if bytes.iter().all(u8::is_ascii_whitespace) {
            (None, Some("an empty body".to_string()))
        } else {
            match serde_json::from_slice::<serde_json::Value>(&bytes) {
                Ok(v) => (Some(v), None),
                Err(_) => (None, Some(format!("not JSON: {}", http::body_excerpt(&bytes)))),
            }
        };
        Ok(Probe { status, latency_ms, body, body_note })
    }
}

/// The `Authorization: Bearer …` header from `bearer_token_env`, looked up with `getenv`; `None` when the
/// target has no such variable configured. The value is marked sensitive.
pub fn bearer(target: &HealthTarget, getenv: impl Fn(&str) -> Option<String>) -> Result<Option<HeaderValue>, String> {
    let Some(var) = &target.bearer_token_env else { return Ok(None) };
    let name = &target.name;
    let token = getenv(var)
        .ok_or_else(|| format!("health `{name}`: environment variable `{var}` (bearer_token_env) is not set"))?;
    connect::bearer_value(&token)
        .map(Some)
        .map_err(|e| format!("health `{name}`: the token in environment variable `{var}` {e}"))
}

/// Standard base64 with padding (for basic auth; also used by the Loki tail handshake).
pub(crate) fn base64(s: String) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = s.into_bytes();
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl HealthClient {
    /// GET a `/metrics` URL of the same service (same headers and auth) and parse it.
    pub async fn scrape(&self, url: &str) -> Result<Vec<crate::sources::scrape::ScrapedSample>, FetchError> {
        let shown = format!("/metrics at {}", http::redact_url(url));
        let resp = self
            .http
            .get(url)
            .headers(self.headers.clone())
            .send()
            .await
            .map_err(|e| http::transport_error(&e, &shown, self.timeouts))?;
        let status = resp.status().as_u16();
        let body = match http::read_capped(resp, SCRAPE_CAP, &shown, self.timeouts).await {
            Err(e) if e.kind == FetchErrorKind::TooLarge => {
                let why = format!(
                    "{shown}: the page is larger than the {} MiB cap, so it was not read; point metrics_url at a \
                     smaller page, or drop the `scrape` queries that read it",
                    SCRAPE_CAP >> 20
                );
                return Err(err(FetchErrorKind::TooLarge, why));
            }
            other => other?,
        };
        if !(200..300).contains(&status) {
            return Err(err(
                FetchErrorKind::Http,
                format!("{shown} answered HTTP {status}: {}", http::body_excerpt(&body)),
            ));
        }
        crate::sources::scrape::parse(&String::from_utf8_lossy(&body))
            .map_err(|e| err(FetchErrorKind::Decode, format!("{shown}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BasicAuth;
    use crate::config::Dur;
    use crate::health::{classify, Level};
    use axum::http::{HeaderMap as AxHeaders, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::get;
    use std::net::SocketAddr;

    async fn serve() -> SocketAddr {
        async fn auth(h: AxHeaders) -> axum::response::Response {
            let got = h.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
            if got == "Bearer good" || got == "Basic b3BzOnMzY3JldA==" {
                axum::Json(serde_json::json!({"status": "healthy", "version": "1.4.2"})).into_response()
            } else {
                (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"detail": "Not authenticated"})))
                    .into_response()
            }
        }
        let router = axum::Router::new()
            .route("/health", get(|| async { axum::Json(serde_json::json!({"status": "healthy"})) }))
            .route(
                "/down",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        axum::Json(serde_json::json!({"status": "unhealthy", "error": "db"})),
                    )
                }),
            )
            .route("/auth", get(auth))
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    "late"
                }),
            )
            .route("/text", get(|| async { "<html><title>It \u{1b}[2Jworks</title></html>" }))
            .route("/empty", get(|| async { "" }))
            .route("/big", get(|| async { vec![b' '; 10 << 20] }))
            .route(
                "/endless",
                get(|| async {
                    let chunk = bytes_of(64 * 1024);
                    let s = futures_util::stream::repeat(chunk).map(Ok::<_, std::io::Error>);
                    axum::body::Body::from_stream(s)
                }),
            )
            .route(
                "/moved",
                get(|| async { (StatusCode::FOUND, [("location", "http://u:p@elsewhere.example/login?t=1")], "") }),
            )
            .route("/temp", get(|| async { (StatusCode::TEMPORARY_REDIRECT, [("location", "/health")], "") }));
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(l, router).await;
        });
        addr
    }

    fn bytes_of(n: usize) -> axum::body::Bytes {
        axum::body::Bytes::from(vec![b'x'; n])
    }

    use futures_util::StreamExt;

    fn target(addr: SocketAddr, path: &str) -> HealthTarget {
        HealthTarget::new("svc", &format!("http://{addr}{path}"))
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    async fn check(t: &HealthTarget) -> Result<Probe, FetchError> {
        HealthClient::with_env(t, no_env).unwrap().check().await
    }

    #[tokio::test]
    async fn healthy_and_unhealthy_answers() {
        let addr = serve().await;
        let p = check(&target(addr, "/health")).await.unwrap();
        assert_eq!(
            (p.status, p.body.clone(), p.body_note.clone()),
            (200, Some(serde_json::json!({"status": "healthy"})), None)
        );
        assert!(p.latency_ms >= 0.0);
        let t = target(addr, "/down");
        let v = classify(&t, &check(&t).await);
        assert_eq!((v.level, v.reason.as_str()), (Level::Down, "HTTP 503: db"));
        // HEAD reads no body.
        let t = HealthTarget { method: "head".into(), ..target(addr, "/health") };
        let p = check(&t).await.unwrap();
        assert_eq!((p.status, p.body, p.body_note), (200, None, None));
    }

    #[tokio::test]
    async fn bearer_from_env_and_401_is_auth() {
        let addr = serve().await;
        let t = HealthTarget { bearer_token_env: Some("CENTINELA_TEST_TOKEN".into()), ..target(addr, "/auth") };
        let env = |good: &'static str| move |k: &str| (k == "CENTINELA_TEST_TOKEN").then(|| good.to_string());
        let p = HealthClient::with_env(&t, env(" good\n")).unwrap().check().await.unwrap();
        assert_eq!(p.status, 200);
        let p = HealthClient::with_env(&t, env("stale")).unwrap().check().await;
        let v = classify(&t, &p);
        assert_eq!(v.level, Level::Auth);
        assert_eq!(v.reason, "401: check the bearer token (bearer_token_env = CENTINELA_TEST_TOKEN)");
        // The header is sensitive, and nothing prints the token.
        let c = HealthClient::with_env(&t, env("supersecret")).unwrap();
        assert!(c.headers[AUTHORIZATION].is_sensitive());
        assert!(!format!("{c:?}").contains("supersecret"));
        let e = HealthClient::with_env(&t, no_env).unwrap_err();
        assert!(e.contains("`CENTINELA_TEST_TOKEN` (bearer_token_env) is not set"), "{e}");
        let e = HealthClient::with_env(&t, env("bad\ntoken-secret")).unwrap_err();
        assert!(e.contains("CENTINELA_TEST_TOKEN") && !e.contains("token-secret"), "{e}");
        let e = HealthClient::with_env(&t, env("  ")).unwrap_err();
        assert!(e.contains("is empty"), "{e}");
        // The helper on its own.
        assert!(bearer(&target(addr, "/"), no_env).unwrap().is_none());
        let v = bearer(&t, env("abc")).unwrap().unwrap();
        assert_eq!((v.to_str().unwrap(), v.is_sensitive()), ("Bearer abc", true));
    }

    #[tokio::test]
    async fn token_file_is_reread_at_each_check() {
        let addr = serve().await;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "stale\n").unwrap();
        let t = HealthTarget { bearer_token_file: Some(file.clone()), ..target(addr, "/auth") };
        let c = HealthClient::with_env(&t, no_env).unwrap();
        assert_eq!(c.check().await.unwrap().status, 401);
        std::fs::write(&file, "good\n").unwrap();
        assert_eq!(c.check().await.unwrap().status, 200, "the rotated token is used");
        std::fs::remove_file(&file).unwrap();
        let e = c.check().await.unwrap_err();
        assert!(e.message.contains("the bearer token file") && e.message.contains("cannot be read"), "{e:?}");
        // At start-up, an unreadable file is an error naming it.
        let e = HealthClient::with_env(&t, no_env).unwrap_err();
        assert!(e.contains(&file.display().to_string()), "{e}");
    }

    #[tokio::test]
    async fn basic_auth_from_env() {
        let addr = serve().await;
        let t =
            HealthTarget { basic_auth: Some(BasicAuth::from_env("ops", "CENTINELA_TEST_PW")), ..target(addr, "/auth") };
        let c = HealthClient::with_env(&t, |k| (k == "CENTINELA_TEST_PW").then(|| "s3cret".into())).unwrap();
        assert_eq!(c.check().await.unwrap().status, 200);
        let e = HealthClient::with_env(&t, no_env).unwrap_err();
        assert!(e.contains("`CENTINELA_TEST_PW` (basic_auth.password_env) is not set"), "{e}");
        assert_eq!(base64("Aladdin:open sesame".into()), "QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
        assert_eq!([base64("a".into()), base64("ab".into()), base64("".into())], ["YQ==", "YWI=", ""]);
    }

    #[tokio::test]
    async fn bad_configs_are_named() {
        let mut t = HealthTarget::new("svc", "http://127.0.0.1:1/health");
        t.headers.insert("bad header".into(), "x".into());
        assert!(HealthClient::with_env(&t, no_env).unwrap_err().contains("`bad header` is not a valid header name"));
        t.headers.clear();
        t.headers.insert("X-Api-Key".into(), "line\nbreak".into());
        let e = HealthClient::with_env(&t, no_env).unwrap_err();
        assert!(e.contains("header `X-Api-Key`") && !e.contains("line"), "{e}");
        t.headers.clear();
        t.headers.insert("X-Api-Key".into(), "k3y".into());
        assert!(HealthClient::with_env(&t, no_env).unwrap().headers["x-api-key"].is_sensitive());
        let e = HealthClient::with_env(&HealthTarget { method: "POST".into(), ..t.clone() }, no_env).unwrap_err();
        assert!(e.contains("method `POST`"), "{e}");
        let e = HealthClient::with_env(&HealthTarget::new("svc", "ftp://h/x"), no_env).unwrap_err();
        assert!(e.contains("http://"), "{e}");
        assert!(HealthClient::with_env(&HealthTarget::new("svc", "not a url"), no_env).is_err());
        let both = HealthTarget { bearer_token_env: Some("A".into()), bearer_token_file: Some("/f".into()), ..t };
        assert!(HealthClient::with_env(&both, |_| Some("x".into())).unwrap_err().contains("only one"));
    }

    #[tokio::test]
    async fn timeout_and_refused_are_transport_errors() {
        let addr = serve().await;
        let t = HealthTarget { timeout: Dur(Duration::from_millis(300)), ..target(addr, "/slow") };
        let c = HealthClient::with_env(&t, no_env).unwrap();
        assert_eq!(c.timeouts.connect, Duration::from_millis(300));
        let e = c.check().await.unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Timeout, "{e:?}");
        assert_eq!(classify(&t, &Err(e)).level, Level::Down);
        assert_eq!(HealthClient::with_env(&target(addr, "/"), no_env).unwrap().timeouts.connect, CONNECT_MAX);

        let free = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        let t = HealthTarget::new("svc", &format!("http://user:pw@{free}/health?token=abc"));
        let e = check(&t).await.unwrap_err();
        assert_eq!(e.kind, FetchErrorKind::Connect, "{e:?}");
        assert!(e.message.contains("unreachable") && !e.message.contains("pw") && !e.message.contains("abc"), "{e:?}");
        let v = classify(&t, &Err(e));
        assert_eq!(v.level, Level::Down);
    }

    #[tokio::test]
    async fn non_json_and_empty_bodies_are_notes() {
        let addr = serve().await;
        let p = check(&target(addr, "/text")).await.unwrap();
        assert_eq!((p.status, p.body.as_ref()), (200, None));
        assert_eq!(p.body_note.as_deref(), Some("not JSON: It ␛[2Jworks"));
        let p = check(&target(addr, "/empty")).await.unwrap();
        assert_eq!(p.body_note.as_deref(), Some("an empty body"));
        let t = target(addr, "/text");
        let v = classify(&t, &check(&t).await);
        assert_eq!((v.level, v.reason.as_str()), (Level::Ok, "HTTP 200, no status field (not JSON: It ␛[2Jworks)"));
    }

    #[tokio::test]
    async fn big_bodies_are_refused_unread() {
        let addr = serve().await;
        // Content-Length says 10 MB: refused before reading.
        let p = check(&target(addr, "/big")).await.unwrap();
        assert_eq!((p.status, p.body.as_ref()), (200, None));
        assert!(p.body_note.as_deref().unwrap().contains("larger than the 1 MiB cap"), "{p:?}");
        // No length, endless stream: reading stops at the cap (this would never finish otherwise).
        let t = HealthTarget { timeout: Dur(Duration::from_secs(20)), ..target(addr, "/endless") };
        let p = tokio::time::timeout(Duration::from_secs(15), check(&t)).await.expect("stops at the cap").unwrap();
        assert!(p.body_note.as_deref().unwrap().contains("cap"), "{p:?}");
    }

    #[tokio::test]
    async fn redirects_302_are_not_followed_307_are() {
        let addr = serve().await;
        let t = target(addr, "/moved");
        let p = check(&t).await.unwrap();
        assert_eq!(p.status, 302);
        let note = p.body_note.clone().unwrap();
        assert!(
            note.contains("http://elsewhere.example/login") && !note.contains("u:p") && !note.contains("t=1"),
            "{note}"
        );
        let v = classify(&t, &Ok(p));
        assert_eq!(v.level, Level::Down);
        assert!(v.reason.starts_with("HTTP 302: redirects to http://elsewhere.example/login"), "{}", v.reason);
        let p = check(&target(addr, "/temp")).await.unwrap();
        assert_eq!((p.status, p.body), (200, Some(serde_json::json!({"status": "healthy"}))));
    }
}
