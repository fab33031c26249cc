//! What every HTTP client shares: building a reqwest client with timeouts, reading a body under a size
//! cap, and turning transport failures into one readable line. URLs are shown without credentials.

use crate::action::{FetchError, FetchErrorKind};
use crate::sanitize::sanitize_trunc;
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
    client_with_roots(t, Vec::new())
}

/// [`client`], also trusting `roots` (a private CA) besides the web's.
pub fn client_with_roots(t: Timeouts, roots: Vec<reqwest::Certificate>) -> Result<reqwest::Client, String> {
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("more than 5 redirects")
        } else if matches!(attempt.status().as_u16(), 307 | 308) {
            attempt.follow()
        } else {
            attempt.stop()
        }
    });
    let mut b = reqwest::Client::builder();
    for r in roots {
        b = b.add_root_certificate(r);
    }
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
            format!("{what}: connection timed out after {}", humantime::format_duration(t.connect))
        } else {
            format!("{what} timed out after {}", humantime::format_duration(t.total))
        };
        return err(FetchErrorKind::Timeout, message);
    }
    if e.is_connect() {
        // The innermost cause says "Connection refused", "dns error…" and so on.
        let mut cause: &dyn std::error::Error = e;
        while let Some(s) = cause.source() {
            cause = s;
        }
        return err(FetchErrorKind::Connect, format!("{what} is unreachable: {cause}"));
    }
    if e.is_body() || e.is_decode() {
        return err(FetchErrorKind::Decode, format!("{what}: the response body broke off: {}", strip_url(e)));
    }
    err(FetchErrorKind::Connect, format!("{what}: {}", strip_url(e)))
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
/// Every typed client (Prometheus, Alertmanager…) sends through one of these.
#[derive(Debug, Clone)]
pub struct Conn {
    pub http: reqwest::Client,
    pub base: String,
    /// How the backend is named in messages: "Prometheus at http://host:9090/" (no credentials).
    pub shown: String,
    pub headers: reqwest::header::HeaderMap,
    pub cap: usize,
    pub timeouts: Timeouts,
}

impl Conn {
    /// `kind` names the backend in messages ("Prometheus", "Alertmanager").
    pub fn new(src: &crate::config::PromSource, kind: &str) -> Result<Conn, String> {
        let timeouts = Timeouts { connect: src.connect_timeout.0, total: src.timeout.0 };
        let http = client(timeouts)?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in &src.headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| format!("`{k}` is not a valid header name"))?;
            let value = reqwest::header::HeaderValue::from_str(v)
                .map_err(|_| format!("the value of header `{k}` is not valid"))?;
            headers.insert(name, value);
        }
        if let Some(var) = &src.bearer_token_env {
            let token = std::env::var(var)
                .map_err(|_| format!("environment variable `{var}` (bearer_token_env) is not set"))?;
            let mut v = reqwest::header::HeaderValue::from_str(&format!("Bearer {}", token.trim()))
                .map_err(|_| format!("the token in `{var}` holds characters a header cannot carry"))?;
            v.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, v);
        }
        Ok(Conn {
            http,
            base: src.url.trim_end_matches('/').to_string(),
            shown: format!("{kind} at {}", redact_url(&src.url)),
            headers,
            cap: (src.max_body_mib as usize).saturating_mul(1 << 20),
            timeouts,
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
