//! What a backend's connection options ([`ConnOpts`]) become: the request headers with their
//! credentials, and the TLS material and proxy a client is built with (reqwest for HTTP, rustls and an
//! HTTP `CONNECT` tunnel for the Loki tail's websocket).
//!
//! Secrets (tokens, passwords, secret-looking header values, the client key) are marked sensitive
//! or kept out of `Debug`, and no error message repeats one: errors name the variable, the file or
//! the header instead.

use crate::config::{is_secret_header, read_checked, ConnOpts, Pem};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The headers every request of a backend carries: its `headers` (secret-looking ones marked
/// sensitive), then the bearer token (`bearer_token_env`, or `bearer_token_file` when
/// `with_token_file`) or basic auth. `getenv` looks variables up (the process environment, or a
/// test's map).
pub fn auth_headers(
    o: &ConnOpts<'_>,
    getenv: &dyn Fn(&str) -> Option<String>,
    with_token_file: bool,
) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for (k, v) in o.headers {
        let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| format!("`{k}` is not a valid header name"))?;
        let mut value = HeaderValue::from_str(v).map_err(|_| format!("the value of header `{k}` is not valid"))?;
        value.set_sensitive(is_secret_header(k));
        headers.insert(name, value);
    }
    if o.bearer_token_env.is_some() && o.bearer_token_file.is_some() {
        return Err("set `bearer_token_env` or `bearer_token_file`, not both".into());
    }
    if let Some(var) = o.bearer_token_env {
        let token = getenv(var).ok_or_else(|| format!("environment variable `{var}` (bearer_token_env) is not set"))?;
        let v = bearer_value(&token).map_err(|e| format!("the token in environment variable `{var}` {e}"))?;
        headers.insert(AUTHORIZATION, v);
    }
    if let (Some(file), true) = (o.bearer_token_file, with_token_file) {
        headers.insert(AUTHORIZATION, read_token_file(file)?);
    }
    if let Some(b) = o.basic_auth {
        let password = match (&b.password_env, &b.password_file) {
            (Some(var), None) => getenv(var)
                .ok_or_else(|| format!("environment variable `{var}` (basic_auth.password_env) is not set"))?,
            (None, Some(file)) => {
                let bytes = read_checked(file, Pem::No).map_err(|e| format!("basic_auth.password_file {e}"))?;
                let text = String::from_utf8(bytes)
                    .map_err(|_| format!("basic_auth.password_file `{}` is not UTF-8 text", file.display()))?;
                text.trim_end_matches(['\r', '\n']).to_string()
            }
            _ => return Err("basic_auth needs exactly one of `password_env` and `password_file`".into()),
        };
        let encoded = crate::sources::health::base64(format!("{}:{password}", b.username));
        let mut v = HeaderValue::from_str(&format!("Basic {encoded}"))
            .map_err(|_| "basic_auth cannot be sent as a header".to_string())?;
        v.set_sensitive(true);
        headers.insert(AUTHORIZATION, v);
    }
    Ok(headers)
}

/// `Bearer <token>`, trimmed and marked sensitive; the error says what is wrong with it, not what it is.
pub fn bearer_value(token: &str) -> Result<HeaderValue, &'static str> {
    let token = token.trim();
    if token.is_empty() {
        return Err("is empty");
    }
    let mut v =
        HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| "holds characters a header cannot carry")?;
    v.set_sensitive(true);
    Ok(v)
}

/// Read a bearer token file (at most 1 MiB) into a sensitive header value; errors name the file.
pub fn read_token_file(file: &Path) -> Result<HeaderValue, String> {
    let shown = file.display();
    let bytes = read_checked(file, Pem::No).map_err(|e| format!("the bearer token file {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("the bearer token file `{shown}` is not UTF-8 text"))?;
    bearer_value(&text).map_err(|e| format!("the bearer token file `{shown}` {e}"))
}

/// The TLS side of a backend: extra trusted CAs, a client certificate and key, whether verification
/// is off. `Debug` never shows the key.
#[derive(Clone, Default)]
pub struct TlsMaterial {
    /// PEM bundles to trust besides the web roots (`ca_file`, and the demo's CA).
    pub roots_pem: Vec<Vec<u8>>,
    /// The client certificate chain and private key (PEM), for mutual TLS.
    pub identity: Option<(Vec<u8>, Vec<u8>)>,
    /// `insecure_skip_verify`.
    pub insecure: bool,
}

impl std::fmt::Debug for TlsMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsMaterial")
            .field("extra_ca_bundles", &self.roots_pem.len())
            .field("client_cert", &self.identity.is_some())
            .field("insecure", &self.insecure)
            .finish()
    }
}

impl TlsMaterial {
    /// Read `ca_file`, `client_cert` and `client_key` of `o` (and trust `extra_ca` too, PEM).
    pub fn read(o: &ConnOpts<'_>, extra_ca: Option<&[u8]>) -> Result<TlsMaterial, String> {
        let mut roots_pem: Vec<Vec<u8>> = extra_ca.map(|c| vec![c.to_vec()]).unwrap_or_default();
        if let Some(ca) = o.ca_file {
            roots_pem.push(read_checked(ca, Pem::Certs).map_err(|e| format!("ca_file {e}"))?);
        }
        let identity = match (o.client_cert, o.client_key) {
            (Some(c), Some(k)) => Some((
                read_checked(c, Pem::Certs).map_err(|e| format!("client_cert {e}"))?,
                read_checked(k, Pem::Key).map_err(|e| format!("client_key {e}"))?,
            )),
            (None, None) => None,
            _ => return Err("`client_cert` and `client_key` go together: set both or neither".into()),
        };
        Ok(TlsMaterial { roots_pem, identity, insecure: o.insecure_skip_verify })
    }

    /// Whether anything differs from the defaults (web roots, no client certificate, verification on).
    pub fn is_custom(&self) -> bool {
        !self.roots_pem.is_empty() || self.identity.is_some() || self.insecure
    }

    /// Apply to a reqwest client builder.
    pub fn apply(&self, mut b: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        for pem in &self.roots_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| format!("the CA bundle is not PEM certificates: {e}"))?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if let Some((cert, key)) = &self.identity {
            let pem = [cert.as_slice(), b"\n", key.as_slice()].concat();
            let id = reqwest::Identity::from_pem(&pem)
                .map_err(|_| "client_cert and client_key do not make a usable identity (PEM certificate and key)")?;
            b = b.identity(id);
        }
        Ok(b.danger_accept_invalid_certs(self.insecure))
    }

    /// The rustls configuration of the websocket (the same trust, client certificate and verification
    /// as the HTTP client).
    pub fn rustls_config(&self) -> Result<Arc<rustls::ClientConfig>, String> {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?;
        let builder = if self.insecure {
            builder.dangerous().with_custom_certificate_verifier(crate::sources::tls::accept_any(provider))
        } else {
            let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
            for pem in &self.roots_pem {
                for der in CertificateDer::pem_slice_iter(pem) {
                    let der = der.map_err(|_| "the CA bundle is not valid PEM".to_string())?;
                    roots.add(der).map_err(|e| format!("a CA certificate is not usable ({e})"))?;
                }
            }
            builder.with_root_certificates(roots)
        };
        let config = match &self.identity {
            Some((cert, key)) => {
                let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert)
                    .collect::<Result<_, _>>()
                    .map_err(|_| "client_cert is not valid PEM".to_string())?;
                let key = PrivateKeyDer::from_pem_slice(key).map_err(|_| "client_key holds no PEM private key")?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| format!("client_cert and client_key do not go together ({e})"))?
            }
            None => builder.with_no_client_auth(),
        };
        Ok(Arc::new(config))
    }
}

/// Why a `CONNECT` tunnel did not open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TunnelError {
    /// The proxy answered with a status other than 2xx or 407 (it does not tunnel there).
    Refused(String),
    /// The proxy is unreachable, silent, wants credentials, or answered nonsense.
    Failed(String),
}

/// Open a TCP connection to `host:port` through the HTTP proxy `proxy` (`CONNECT`), sending the
/// proxy URL's credentials as `Proxy-Authorization`. Errors name the proxy without its credentials.
pub async fn tunnel(proxy: &reqwest::Url, host: &str, port: u16, timeout: Duration) -> Result<TcpStream, TunnelError> {
    use TunnelError::{Failed, Refused};
    let shown = crate::sources::http::redact_url(proxy.as_str());
    let work = async {
        let p_host = proxy.host_str().ok_or_else(|| Failed(format!("the proxy {shown} has no host")))?;
        let p_port = proxy.port_or_known_default().unwrap_or(3128);
        let p_host = p_host.trim_start_matches('[').trim_end_matches(']');
        let mut tcp = TcpStream::connect((p_host, p_port))
            .await
            .map_err(|e| Failed(format!("the proxy {shown} is unreachable: {e}")))?;
        let authority = if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") };
        let mut req = format!("CONNECT {authority} HTTP/1.1\r\nHost: {authority}\r\n");
        if !proxy.username().is_empty() {
            let user = percent_decode(proxy.username());
            let pass = percent_decode(proxy.password().unwrap_or(""));
            let encoded = crate::sources::health::base64(format!("{user}:{pass}"));
            req.push_str(&format!("Proxy-Authorization: Basic {encoded}\r\n"));
        }
        req.push_str(&format!("User-Agent: {}\r\n\r\n", crate::sources::http::USER_AGENT));
        tcp.write_all(req.as_bytes()).await.map_err(|e| Failed(format!("the proxy {shown}: {e}")))?;
        // Read the answer's head byte by byte, so nothing past it (the tunnel's first bytes) is taken.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            if head.len() > 16 * 1024 {
                return Err(Failed(format!("the proxy {shown} answered CONNECT with an overlong head")));
            }
            let b = tcp.read_u8().await.map_err(|e| Failed(format!("the proxy {shown} closed the CONNECT ({e})")))?;
            head.push(b);
        }
        let status_line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_string();
        let code = status_line.split_whitespace().nth(1).and_then(|c| c.parse::<u16>().ok());
        match code {
            Some(200..=299) => Ok(tcp),
            Some(407) => {
                Err(Failed(format!("the proxy {shown} wants credentials (HTTP 407): put them in the proxy URL")))
            }
            Some(_) => Err(Refused(format!(
                "the proxy {shown} refused to CONNECT to {authority}: {}",
                crate::sanitize::sanitize_trunc(&status_line, 80)
            ))),
            None => Err(Failed(format!(
                "the proxy {shown} answered CONNECT with {}",
                crate::sanitize::sanitize_trunc(&status_line, 80)
            ))),
        }
    };
    tokio::time::timeout(timeout, work).await.unwrap_or_else(|_| {
        Err(Failed(format!("the proxy {shown} did not open a tunnel within {}", humantime::format_duration(timeout))))
    })
}

/// `%XX` escapes of a URL's user name or password, decoded.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The `proxy` of a backend as a reqwest proxy (`None`: the environment's `HTTPS_PROXY` and friends
/// apply, as reqwest does by default).
pub fn reqwest_proxy(proxy: Option<&str>) -> Result<Option<reqwest::Proxy>, String> {
    let Some(p) = proxy else { return Ok(None) };
    if let Some((msg, hint)) = crate::config::proxy_problem(p) {
        return Err(format!("{msg} ({hint})"));
    }
    reqwest::Proxy::all(p)
        .map(Some)
        .map_err(|_| format!("the proxy {} cannot be used", crate::sources::http::redact_url(p)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::BasicAuth;
    use std::collections::BTreeMap;

    fn opts<'a>(headers: &'a BTreeMap<String, String>) -> ConnOpts<'a> {
        ConnOpts {
            url: "http://x",
            headers,
            bearer_token_env: None,
            bearer_token_file: None,
            basic_auth: None,
            ca_file: None,
            client_cert: None,
            client_key: None,
            insecure_skip_verify: false,
            proxy: None,
        }
    }

    #[test]
    fn secret_headers_are_sensitive_and_errors_keep_secrets_out() {
        let mut h = BTreeMap::new();
        h.insert("X-Api-Key".to_string(), "k3y".to_string());
        h.insert("X-Scope-OrgID".to_string(), "tenant".to_string());
        let m = auth_headers(&opts(&h), &|_| None, true).unwrap();
        assert!(m["x-api-key"].is_sensitive() && !m["x-scope-orgid"].is_sensitive());
        assert!(!format!("{m:?}").contains("k3y"));
        h.insert("X-Api-Key".to_string(), "line\nk3y".to_string());
        let e = auth_headers(&opts(&h), &|_| None, true).unwrap_err();
        assert!(e.contains("X-Api-Key") && !e.contains("k3y"), "{e}");
    }

    #[test]
    fn basic_auth_from_a_file_is_trimmed_and_sensitive() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "s3cret\n").unwrap();
        let h = BTreeMap::new();
        let b = BasicAuth { username: "ops".into(), password_env: None, password_file: Some(f.clone()) };
        let o = ConnOpts { basic_auth: Some(&b), ..opts(&h) };
        let m = auth_headers(&o, &|_| None, true).unwrap();
        assert_eq!(m[AUTHORIZATION].to_str().unwrap(), "Basic b3BzOnMzY3JldA==");
        assert!(m[AUTHORIZATION].is_sensitive());
        std::fs::remove_file(&f).unwrap();
        let e = auth_headers(&o, &|_| None, true).unwrap_err();
        assert!(e.contains("password_file") && e.contains(&f.display().to_string()), "{e}");
    }

    #[test]
    fn tls_material_debug_hides_the_key() {
        let t =
            TlsMaterial { roots_pem: vec![], identity: Some((b"CERT".to_vec(), b"KEYBYTES".to_vec())), insecure: true };
        let d = format!("{t:?}");
        assert!(!d.contains("KEYBYTES") && d.contains("client_cert: true"), "{d}");
    }

    #[test]
    fn proxies_other_than_http_are_refused_clearly() {
        let e = reqwest_proxy(Some("socks5://127.0.0.1:1080")).unwrap_err();
        assert!(e.contains("SOCKS"), "{e}");
        assert!(reqwest_proxy(Some("http://u:pw@proxy:3128")).unwrap().is_some());
        let e = reqwest_proxy(Some("not a url")).unwrap_err();
        assert!(e.contains("not a URL"), "{e}");
        assert!(reqwest_proxy(None).unwrap().is_none());
    }
}
