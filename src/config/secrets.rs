//! Secret hygiene and transport safety: warnings (never errors) about a config that works but
//! exposes something.
//!
//! - The config file holds a secret (a literal `Authorization`, `X-Api-Key`, `Cookie` or other
//!   token-like header value, a password in a backend or proxy URL) and group or others can read it.
//! - A token, password or private-key file a backend reads is readable by group or others.
//! - A backend has `insecure_skip_verify = true`.
//!
//! Permissions are only checked on unix (`mode & 0o077`). Nothing here ever reads a secret's value
//! beyond telling whether one is there.

use super::{backends, is_secret_header, ActionKind, Config};
use std::path::Path;

/// How every "verification off" warning begins (the header's badge looks for it).
pub const TLS_OFF: &str = "TLS verification is OFF";

/// What a [`Finding`] is about, for the header's short badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Concern {
    /// A backend accepts any certificate.
    TlsOff,
    /// A secret (the config file holding one, or a secret file) is readable by group or others.
    SecretReadable,
}

/// One warning, with the environment it concerns (`None` for the config file as a whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub concern: Concern,
    pub env: Option<String>,
    /// The full text: what, where, and what to do.
    pub text: String,
}

/// Every warning about `config`, as text. `config_path` is the file it was loaded from (`None` for
/// the embedded demo profile, whose permissions mean nothing).
pub fn security_warnings(config: &Config, config_path: Option<&Path>) -> Vec<String> {
    security_findings(config, config_path).into_iter().map(|f| f.text).collect()
}

/// [`security_warnings`] with what each is about and the environment it concerns.
pub fn security_findings(config: &Config, config_path: Option<&Path>) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(path) = config_path {
        let held = secrets_in_file(config);
        if let (Some(first), Some(mode)) = (held.first(), loose_mode(path)) {
            let more = match held.len() {
                1 => String::new(),
                n => format!(" and {} more", n - 1),
            };
            let file = path.display();
            out.push(Finding {
                concern: Concern::SecretReadable,
                env: None,
                text: format!(
                    "config {file} holds a secret ({first}{more}) and is readable by group/others \
                     (mode {mode:04o}): chmod 600 {file}"
                ),
            });
        }
    }
    for b in backends(config) {
        let o = &b.opts;
        let password_file = o.basic_auth.and_then(|a| a.password_file.as_deref());
        let files = [
            ("bearer_token_file", o.bearer_token_file),
            ("basic_auth.password_file", password_file),
            ("client_key", o.client_key),
        ];
        for (key, file) in files {
            let Some(file) = file else { continue };
            if let Some(mode) = loose_mode(file) {
                let f = file.display();
                out.push(Finding {
                    concern: Concern::SecretReadable,
                    env: Some(b.env.to_string()),
                    text: format!(
                        "{key} {f} of {} in environment `{}` is readable by group/others (mode {mode:04o}): chmod 600 {f}",
                        b.what, b.env
                    ),
                });
            }
        }
        if o.insecure_skip_verify {
            out.push(Finding {
                concern: Concern::TlsOff,
                env: Some(b.env.to_string()),
                text: format!(
                    "{TLS_OFF} for {} at {} in environment `{}`: anyone on the path can read and change what you see",
                    b.what,
                    crate::sources::http::redact_url(o.url),
                    b.env
                ),
            });
        }
    }
    out
}

/// Where the config itself holds a secret, in words ("header `Authorization` of Prometheus in
/// environment `prod`"), never the secret.
pub fn secrets_in_file(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    for b in backends(config) {
        let o = &b.opts;
        let at = format!("{} in environment `{}`", b.what, b.env);
        for (k, v) in o.headers {
            if is_secret_header(k) && !v.trim().is_empty() {
                out.push(format!("header `{}` of {at}", crate::sanitize::sanitize_trunc(k, 40)));
            }
        }
        if has_password(o.url) {
            out.push(format!("a password in the URL of {at}"));
        }
        if o.proxy.is_some_and(has_password) {
            out.push(format!("a password in the proxy URL of {at}"));
        }
    }
    for a in &config.actions {
        if let ActionKind::Http(h) = &a.kind {
            for (k, v) in &h.headers {
                // `{secret.NAME}` is a reference to the environment, not a secret.
                if is_secret_header(k) && !v.trim().is_empty() && !v.contains("{secret.") {
                    out.push(format!(
                        "header `{}` of action `{}`",
                        crate::sanitize::sanitize_trunc(k, 40),
                        crate::sanitize::sanitize_trunc(&a.name, 40)
                    ));
                }
            }
        }
    }
    out
}

fn has_password(url: &str) -> bool {
    reqwest::Url::parse(url).is_ok_and(|u| u.password().is_some_and(|p| !p.is_empty()))
}

/// The file's permission bits when group or others may read or write it; `None` when it is private,
/// missing, or permissions cannot be told (not unix).
#[cfg(unix)]
pub fn loose_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o7777;
    (mode & 0o077 != 0).then_some(mode)
}

/// Not unix: permissions cannot be told.
#[cfg(not(unix))]
pub fn loose_mode(_path: &Path) -> Option<u32> {
    None
}

#[cfg(all(test, unix))]
#[path = "secrets_tests.rs"]
mod tests;
