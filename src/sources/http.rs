//! What every HTTP client shares: building a reqwest client with timeouts, reading a body under a size
//! cap, and turning transport failures into one readable line. URLs are shown without credentials.

use crate::action::{FetchError, FetchErrorKind};
use crate::sanitize::sanitize_trunc;
use crate::sources::connect::{auth_headers, TlsMaterial};
use std::sync::Arc;
use std::time::Duration;

/// Timeouts of one backend, kept together so errors can name the one that fired.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    pub total: Duration,
}

/// How centinela introduces itself to every backend (HTTP requests and the Loki tail's handshake).
pub const USER_AGENT: &str = concat!("centinela/", env!("CARGO_PKG_VERSION"));

/// A client that follows only redirects that keep the method and body (307, 308). A 301, 302 or 303
/// would turn a form POST into a GET without the query, and the backend would answer something
/// misleading ("no expression found"); those are returned as they are, for [`redirect_error`].
pub fn client(t: Timeouts) -> Result<reqwest::Client, String> {
    client_for(t, &TlsMaterial::default(), None)
}

/// [`client`] with a backend's TLS material (extra CAs, client certificate, verification off) and
/// proxy (`None`: the environment's `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` apply).
pub fn client_for(t: Timeouts, tls: &TlsMaterial, proxy: Option<&str>) -> Result<reqwest::Client, String> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else if matches!(attempt.status().as_u16(), 307 | 308) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    let mut b = tls.apply(reqwest::Client::builder())?;
    if let Some(p) = crate::sources::connect::reqwest_proxy(proxy)? {
        b = b.proxy(p);
    }
    // The error's own text may quote a PEM parse failure, never a secret.
    b.connect_timeout(t.connect)
        .timeout(t.total)
        .redirect(policy)
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(4)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

/// The URL without user name, password or query string, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.to_string()
        }
        Err(_) => "<invalid url>".into(),
    }
}

pub fn err(kind: FetchErrorKind, message: String) -> FetchError {
    FetchError { kind, message: sanitize_trunc(&message, 300) }
}

/// A redirect that was not followed, as an error that says where to point the config instead.
pub fn redirect_error(resp: &reqwest::Response, what: &str) -> FetchError {
    let to = resp.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok()).map(redact_url);
    let status = resp.status().as_u16();
    err(
        FetchErrorKind::Http,
        match to {
            Some(to) => format!("{what} redirects (HTTP {status}) to {to}; set that URL in the config"),
            None => format!("{what} answered a redirect (HTTP {status}) without a Location"),
        },
    )
}

/// Classify a reqwest failure. `what` names the backend and URL ("Prometheus at http://…").
pub fn transport_error(e: &reqwest::Error, what: &str, t: Timeouts) -> FetchError {
    if e.is_timeout() {
        let message = if e.is_connect() {
            format!(
                "{what}: connection timed out after {}; check the host and port, or raise connect_timeout",
                humantime::format_duration(t.connect)
            )
        } else {
            format!(
                "{what} timed out after {}; the backend is slow or stuck: raise timeout, or narrow the query",
                humantime::format_duration(t.total)
            )
        };
        return err(FetchErrorKind::Timeout, message);
    }
    if let Some(tls) = tls_failure(e) {
        return err(FetchErrorKind::Connect, format!("{what}: {tls}"));
    }
    if e.is_connect() {
        // The innermost cause says "Connection refused", "dns error…" and so on.
        let mut cause: &dyn std::error::Error = e;
        while let Some(s) = cause.source() {
            cause = s;
        }
        return err(FetchErrorKind::Connect, format!("{what} is unreachable: {}", connect_words(e, cause)));
    }
    if e.is_body() || e.is_decode() {
        return err(FetchErrorKind::Decode, format!("{what}: the response body broke off: {}", strip_url(e)));
    }
    err(FetchErrorKind::Connect, format!("{what}: {}", strip_url(e)))
}

/// Why a connection failed and what to check, from its innermost cause.
fn connect_words(e: &reqwest::Error, cause: &dyn std::error::Error) -> String {
    let dns = std::iter::successors(Some(e as &dyn std::error::Error), |c| c.source())
        .any(|c| c.to_string().starts_with("dns error"));
    unreachable_words(&cause.to_string(), dns)
}

/// [`connect_words`] for an error's text (the live tail's connection uses it too); `dns` when the
/// error is known to come from the name lookup.
pub(crate) fn unreachable_words(text: &str, dns: bool) -> String {
    if dns || text.contains("lookup address") || text.contains("Name or service not known") {
        return format!("the host name does not resolve ({text}); check the host in the url");
    }
    if text.contains("refused") {
        return format!("{text}; check that it is running and that the url's host and port are right");
    }
    format!("{text}; check the url and the network")
}

/// A TLS refusal in words that say which key to set: an untrusted server certificate, or a server
/// that wants a client certificate. `None` for anything else.
fn tls_failure(e: &reqwest::Error) -> Option<String> {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cur {
        if let Some(words) = tls_words(&c.to_string()) {
            return Some(words);
        }
        cur = c.source();
    }
    None
}

/// [`tls_failure`] for one error's text (the live tail's handshake uses it too).
pub(crate) fn tls_words(text: &str) -> Option<String> {
    let text = sanitize_trunc(text, 120);
    if text.contains("invalid peer certificate") {
        return Some(format!(
            "TLS: the server's certificate is not trusted ({text}); set ca_file to its CA bundle \
             (or, knowingly, insecure_skip_verify = true)"
        ));
    }
    if text.contains("CertificateRequired") || text.contains("certificate required") {
        return Some(format!("TLS: the server wants a client certificate ({text}); set client_cert and client_key"));
    }
    if text.contains("BadCertificate") || text.contains("UnknownCA") || text.contains("bad certificate") {
        return Some(format!(
            "TLS: the server refused the client certificate ({text}); check client_cert and client_key"
        ));
    }
    None
}

fn strip_url(e: &reqwest::Error) -> String {
    let mut s = String::new();
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    while let Some(c) = cur {
        if !s.is_empty() {
            s.push_str(": ");
        }
        match c.downcast_ref::<reqwest::Error>() {
            Some(re) if re.url().is_some() => s.push_str("request failed"),
            _ => s.push_str(&c.to_string()),
        }
        cur = c.source();
    }
    s
}

/// Read the whole body, refusing more than `cap` bytes (checked against Content-Length first, then
/// while streaming, so a huge body never sits in memory).
pub async fn read_capped(
    mut resp: reqwest::Response,
    cap: usize,
    what: &str,
    t: Timeouts,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || {
        err(
            FetchErrorKind::TooLarge,
            format!(
                "{what}: the response is larger than the {} MiB cap; narrow the query or raise max_body_mib",
                cap >> 20
            ),
        )
    };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(16 * 1024).min(cap as u64) as usize);
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(transport_error(&e, what, t)),
        }
    }
}

/// A short, safe excerpt of a non-JSON body (an HTML error page, say) for the error line.
pub fn body_excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(2048)]);
    let text = text.trim();
    if text.is_empty() {
        return "an empty body".into();
    }
    // Prefer an HTML <title> when there is one.
    let lower = text.to_ascii_lowercase();
    if let (Some(a), Some(b)) = (lower.find("<title>"), lower.find("</title>")) {
        if a + 7 <= b {
            return sanitize_trunc(text[a + 7..b].trim(), 120);
        }
    }
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    sanitize_trunc(&one_line, 120)
}

/// One configured HTTP backend: client, base URL, headers (auth included), body cap and timeouts.
/// Every typed client (Prometheus, Alertmanager…) sends through one of these. `Debug` shows no secret
/// (sensitive headers print as `Sensitive`; the client, its key and the proxy's credentials not at all).
#[derive(Clone)]
pub struct Conn {
    pub http: reqwest::Client,
    pub base: String,
    /// How the backend is named in messages: "Prometheus at http://host:9090/" (no credentials).
    pub shown: String,
    pub headers: reqwest::header::HeaderMap,
    pub cap: usize,
    pub timeouts: Timeouts,
    /// The websocket's TLS (Loki's live tail), when it differs from the defaults: the same CAs, client
    /// certificate and verification as `http`.
    pub ws_tls: Option<Arc<rustls::ClientConfig>>,
    /// The configured `proxy` (the live tail tunnels through it with `CONNECT`).
    pub proxy: Option<reqwest::Url>,
    /// `insecure_skip_verify` is set.
    pub insecure: bool,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn")
            .field("shown", &self.shown)
            .field("base", &redact_url(&self.base))
            .field("headers", &self.headers)
            .field("cap", &self.cap)
            .field("timeouts", &self.timeouts)
            .field("custom_tls", &self.ws_tls.is_some())
            .field("proxy", &self.proxy.as_ref().map(|p| redact_url(p.as_str())))
            .field("insecure", &self.insecure)
            .finish_non_exhaustive()
    }
}

impl Conn {
    /// `kind` names the backend in messages ("Prometheus", "Alertmanager"). Credentials come from
    /// the process environment and the files named; errors name what is wrong, never a secret.
    pub fn new(src: &crate::config::PromSource, kind: &str) -> Result<Conn, String> {
        Conn::with_env(src, kind, &|var| std::env::var(var).ok())
    }

    /// [`Conn::new`] with the environment given as a function (for tests).
    pub fn with_env(
        src: &crate::config::PromSource,
        kind: &str,
        getenv: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Conn, String> {
        let shown = format!("{kind} at {}", redact_url(&src.url));
        let fail = |e: String| format!("{shown}: {e}");
        let opts = src.conn_opts();
        let timeouts = Timeouts { connect: src.connect_timeout.0, total: src.timeout.0 };
        let headers = auth_headers(&opts, getenv, true).map_err(fail)?;
        let tls = TlsMaterial::read(&opts, None).map_err(fail)?;
        let http = client_for(timeouts, &tls, src.proxy.as_deref()).map_err(fail)?;
        let ws_tls = if tls.is_custom() { Some(tls.rustls_config().map_err(fail)?) } else { None };
        let proxy = src.proxy.as_deref().and_then(|p| reqwest::Url::parse(p).ok());
        Ok(Conn {
            http,
            base: src.url.trim_end_matches('/').to_string(),
            shown,
            headers,
            cap: (src.max_body_mib as usize).saturating_mul(1 << 20),
            timeouts,
            ws_tls,
            proxy,
            insecure: src.insecure_skip_verify,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Send a request and read its body under `cap`; redirects that were not followed are errors.
    pub async fn send(&self, req: reqwest::RequestBuilder, cap: usize) -> Result<(u16, Vec<u8>), FetchError> {
        let resp = req
            .headers(self.headers.clone())
            .send()
            .await
            .map_err(|e| transport_error(&e, &self.shown, self.timeouts))?;
        if resp.status().is_redirection() {
            return Err(redirect_error(&resp, &self.shown));
        }
        let status = resp.status().as_u16();
        Ok((status, read_capped(resp, cap, &self.shown, self.timeouts).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_queries() {
        assert_eq!(redact_url("https://bob:s3cret@prom.example:9090/p?token=x"), "https://prom.example:9090/p");
        assert_eq!(redact_url("not a url"), "<invalid url>");
    }

    #[test]
    fn html_bodies_are_summarised() {
        let b = b"<html><head><title>502 Bad Gateway</title></head><body>\x1b[2J nginx</body></html>";
        assert_eq!(body_excerpt(b), "502 Bad Gateway");
        assert_eq!(body_excerpt(b"oops\n\x1b[31mred"), "oops ␛[31mred");
    }
}
