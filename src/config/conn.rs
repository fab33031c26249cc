//! Connection options every HTTP backend shares (Prometheus, Alertmanager, Loki, health targets):
//! credentials, TLS and proxy.
//!
//! The serde structs keep explicit fields (`#[serde(flatten)]` does not combine with
//! `deny_unknown_fields`); [`ConnOpts`] is the one borrowed view that the checks, the security
//! warnings and the client builders read, so the keys mean the same everywhere.
//!
//! Paths are used as written: a relative path is relative to the directory centinela is started in.
//! Without `proxy`, reqwest honours `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` for HTTP
//! requests; `proxy` replaces them for that backend. The Loki live tail's websocket goes through
//! `proxy` only (an HTTP `CONNECT` tunnel), never through the environment's proxies.

use super::validate::Seg;
use super::{Config, PromSource};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Basic auth: a user name, and where its password is (literal passwords are not accepted, so the
/// config file never has to be a secret).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuth {
    pub username: String,
    /// The environment variable holding the password.
    pub password_env: Option<String>,
    /// A file holding the password (trailing whitespace and newlines are trimmed).
    pub password_file: Option<PathBuf>,
}

impl BasicAuth {
    /// Basic auth with the password in the environment variable `var`.
    pub fn from_env(username: &str, var: &str) -> BasicAuth {
        BasicAuth { username: username.into(), password_env: Some(var.into()), password_file: None }
    }

    /// Where the password comes from, for messages: `password_env = X` or `password_file = /f`.
    pub fn password_source(&self) -> String {
        match (&self.password_env, &self.password_file) {
            (Some(v), _) => format!("password_env = {v}"),
            (None, Some(f)) => format!("password_file = {}", f.display()),
            (None, None) => "no password".into(),
        }
    }
}

/// The connection options of one backend, borrowed from a [`PromSource`] or a
/// [`super::HealthTarget`].
#[derive(Debug, Clone, Copy)]
pub struct ConnOpts<'a> {
    /// The backend's URL (credentials in it are sent as basic auth).
    pub url: &'a str,
    pub headers: &'a BTreeMap<String, String>,
    pub bearer_token_env: Option<&'a str>,
    pub bearer_token_file: Option<&'a Path>,
    pub basic_auth: Option<&'a BasicAuth>,
    pub ca_file: Option<&'a Path>,
    pub client_cert: Option<&'a Path>,
    pub client_key: Option<&'a Path>,
    pub insecure_skip_verify: bool,
    pub proxy: Option<&'a str>,
}

impl PromSource {
    /// This source's connection options.
    pub fn conn_opts(&self) -> ConnOpts<'_> {
        ConnOpts {
            url: &self.url,
            headers: &self.headers,
            bearer_token_env: self.bearer_token_env.as_deref(),
            bearer_token_file: self.bearer_token_file.as_deref(),
            basic_auth: self.basic_auth.as_ref(),
            ca_file: self.ca_file.as_deref(),
            client_cert: self.client_cert.as_deref(),
            client_key: self.client_key.as_deref(),
            insecure_skip_verify: self.insecure_skip_verify,
            proxy: self.proxy.as_deref(),
        }
    }
}

impl super::HealthTarget {
    /// This target's connection options.
    pub fn conn_opts(&self) -> ConnOpts<'_> {
        ConnOpts {
            url: &self.url,
            headers: &self.headers,
            bearer_token_env: self.bearer_token_env.as_deref(),
            bearer_token_file: self.bearer_token_file.as_deref(),
            basic_auth: self.basic_auth.as_ref(),
            ca_file: self.ca_file.as_deref(),
            client_cert: self.client_cert.as_deref(),
            client_key: self.client_key.as_deref(),
            insecure_skip_verify: self.insecure_skip_verify,
            proxy: self.proxy.as_deref(),
        }
    }
}

/// One backend of one environment, with where it sits in the config document.
#[derive(Debug, Clone)]
pub struct Backend<'a> {
    /// The environment's name.
    pub env: &'a str,
    /// "Prometheus", "Alertmanager", "Loki" or "health target `api`".
    pub what: String,
    /// The path of its table in the document (`environment.0.prometheus`).
    pub path: Vec<Seg>,
    pub opts: ConnOpts<'a>,
}

/// Every backend of every environment, in document order.
pub fn backends(c: &Config) -> Vec<Backend<'_>> {
    use Seg::{Index, Key};
    let mut out = Vec::new();
    for (i, e) in c.environments.iter().enumerate() {
        let env = e.name.as_str();
        let at = |rest: &[Seg]| [vec![Key("environment"), Index(i)], rest.to_vec()].concat();
        out.push(Backend {
            env,
            what: "Prometheus".into(),
            path: at(&[Key("prometheus")]),
            opts: e.prometheus.conn_opts(),
        });
        for (j, a) in e.alertmanagers.iter().enumerate() {
            out.push(Backend {
                env,
                what: "Alertmanager".into(),
                path: at(&[Key("alertmanager"), Index(j)]),
                opts: a.conn_opts(),
            });
        }
        if let Some(l) = &e.loki {
            out.push(Backend { env, what: "Loki".into(), path: at(&[Key("loki")]), opts: l.conn_opts() });
        }
        for (j, h) in e.health.iter().enumerate() {
            out.push(Backend {
                env,
                what: format!("health target `{}`", crate::sanitize::sanitize_trunc(&h.name, 40)),
                path: at(&[Key("health"), Index(j)]),
                opts: h.conn_opts(),
            });
        }
    }
    out
}

/// Headers whose values are secrets: marked sensitive when sent (so `Debug` shows `Sensitive`), and a
/// literal one makes the config file a secret.
pub fn is_secret_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    ["authorization", "cookie", "token", "secret", "key", "password", "auth"].iter().any(|w| n.contains(w))
}

/// Why a proxy URL cannot be used, or `None` when it can (`http://` or `https://` with a host).
pub fn proxy_problem(proxy: &str) -> Option<(String, String)> {
    let shown = crate::sources::http::redact_url(proxy);
    match reqwest::Url::parse(proxy) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some_and(|h| !h.is_empty()) => None,
        Ok(u) if u.scheme().starts_with("socks") => Some((
            format!("`{}://` proxies are not supported: centinela is built without SOCKS", u.scheme()),
            "use an HTTP proxy (proxy = \"http://proxy:3128\"), or an SSH tunnel with -L instead of -D".into(),
        )),
        Ok(u) => Some((
            format!("the proxy `{shown}` uses the scheme `{}`", u.scheme()),
            "write it like proxy = \"http://proxy:3128\"".into(),
        )),
        Err(e) => Some((format!("`proxy` is not a URL ({e})"), "write it like proxy = \"http://proxy:3128\"".into())),
    }
}

/// A problem found by [`check`] or [`check_files`]: the key (under the backend's path), the message
/// and a hint.
pub type ConnProblem = (Vec<Seg>, String, Option<String>);

/// The checks that need no file system: one Authorization source, complete basic auth, a client
/// certificate with its key, a proxy that can be used, valid header names and values (a value is
/// never repeated in the message).
pub fn check(b: &Backend<'_>) -> Vec<ConnProblem> {
    use Seg::Key;
    let o = &b.opts;
    let what = &b.what;
    let mut out: Vec<ConnProblem> = Vec::new();
    let mut push = |keys: &[&'static str], msg: String, hint: &str| {
        let path = [b.path.clone(), keys.iter().map(|k| Key(k)).collect()].concat();
        out.push((path, msg, (!hint.is_empty()).then(|| hint.to_string())))
    };
    if o.bearer_token_env.is_some() && o.bearer_token_file.is_some() {
        push(
            &["bearer_token_file"],
            format!("{what}: `bearer_token_env` and `bearer_token_file` are both set"),
            "keep one: the token comes from an environment variable or from a file",
        );
    }
    if o.basic_auth.is_some() && (o.bearer_token_env.is_some() || o.bearer_token_file.is_some()) {
        push(
            &["basic_auth"],
            format!("{what}: `basic_auth` and a bearer token both set the Authorization header"),
            "keep one of them",
        );
    }
    let has_auth = o.basic_auth.is_some() || o.bearer_token_env.is_some() || o.bearer_token_file.is_some();
    if has_auth && o.headers.keys().any(|k| k.eq_ignore_ascii_case("authorization")) {
        push(
            &["headers"],
            format!("{what}: an `Authorization` header is set along with bearer_token_* or basic_auth"),
            "keep one of them (bearer_token_env or bearer_token_file keeps the secret out of the config file)",
        );
    }
    if let Some(a) = o.basic_auth {
        match (&a.password_env, &a.password_file) {
            (Some(_), Some(_)) => push(
                &["basic_auth", "password_file"],
                format!("{what}: basic_auth has both `password_env` and `password_file`"),
                "keep one of them",
            ),
            (None, None) => push(
                &["basic_auth"],
                format!("{what}: basic_auth has no password source"),
                "add password_env = \"VAR\" or password_file = \"/path\" (a literal password is not accepted)",
            ),
            _ => {}
        }
    }
    match (o.client_cert, o.client_key) {
        (Some(_), None) => push(
            &["client_cert"],
            format!("{what}: `client_cert` is set without `client_key`"),
            "mutual TLS needs both: client_key = \"/path/to/client.key\"",
        ),
        (None, Some(_)) => push(
            &["client_key"],
            format!("{what}: `client_key` is set without `client_cert`"),
            "mutual TLS needs both: client_cert = \"/path/to/client.pem\"",
        ),
        _ => {}
    }
    if let Some((msg, hint)) = o.proxy.and_then(proxy_problem) {
        push(&["proxy"], format!("{what}: {msg}"), &hint);
    }
    for (k, v) in o.headers {
        if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
            push(
                &["headers"],
                format!("{what}: `{}` is not a valid header name", crate::sanitize::sanitize_trunc(k, 40)),
                "",
            );
        } else if reqwest::header::HeaderValue::from_str(v).is_err() {
            push(
                &["headers"],
                format!("{what}: the value of header `{k}` holds characters a header cannot carry"),
                "line breaks and control characters are not allowed",
            );
        }
    }
    out
}

/// The checks that read the file system (`centinela check-config`): every file named exists and
/// is readable, `ca_file` and `client_cert` hold PEM certificates and `client_key` a PEM private key.
pub fn check_files(b: &Backend<'_>) -> Vec<ConnProblem> {
    use Seg::Key;
    let o = &b.opts;
    let mut out: Vec<ConnProblem> = Vec::new();
    let password_file = o.basic_auth.and_then(|a| a.password_file.as_deref());
    let files: [(&[&'static str], Option<&Path>, Pem); 5] = [
        (&["bearer_token_file"], o.bearer_token_file, Pem::No),
        (&["basic_auth", "password_file"], password_file, Pem::No),
        (&["ca_file"], o.ca_file, Pem::Certs),
        (&["client_cert"], o.client_cert, Pem::Certs),
        (&["client_key"], o.client_key, Pem::Key),
    ];
    for (keys, file, pem) in files {
        let Some(file) = file else { continue };
        let key = keys.join(".");
        if let Err(msg) = read_checked(file, pem) {
            let path = [b.path.clone(), keys.iter().map(|k| Key(k)).collect()].concat();
            let hint = match pem {
                Pem::No => "check the path (relative paths are relative to where centinela starts)",
                Pem::Certs => {
                    "it must be PEM (-----BEGIN CERTIFICATE-----); convert DER with `openssl x509 -inform der`"
                }
                Pem::Key => "it must be a PEM private key (-----BEGIN PRIVATE KEY-----, RSA or EC)",
            };
            out.push((path, format!("{}: {key} {msg}", b.what), Some(hint.into())));
        }
    }
    out
}

/// What a file named in the options must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pem {
    /// Anything (a token, a password).
    No,
    /// One or more PEM certificates.
    Certs,
    /// A PEM private key.
    Key,
}

/// Read `file` (at most 1 MiB) and check it holds what `pem` says; the error names the file, never
/// what it holds.
pub fn read_checked(file: &Path, pem: Pem) -> Result<Vec<u8>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    use std::io::Read;
    let shown = file.display();
    let mut bytes = Vec::new();
    std::fs::File::open(file)
        .and_then(|f| f.take(1 << 20).read_to_end(&mut bytes))
        .map_err(|e| format!("`{shown}` cannot be read: {e}"))?;
    match pem {
        Pem::No => Ok(bytes),
        Pem::Certs => {
            let certs: Result<Vec<_>, _> = CertificateDer::pem_slice_iter(&bytes).collect();
            match certs {
                Ok(c) if !c.is_empty() => Ok(bytes),
                Ok(_) => Err(format!("`{shown}` holds no PEM certificate")),
                Err(_) => Err(format!("`{shown}` is not valid PEM")),
            }
        }
        Pem::Key => match PrivateKeyDer::from_pem_slice(&bytes) {
            Ok(_) => Ok(bytes),
            Err(_) => Err(format!("`{shown}` holds no PEM private key")),
        },
    }
}

#[cfg(test)]
#[path = "conn_tests.rs"]
mod tests;
