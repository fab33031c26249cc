//! Keeping secrets out of the audit trail.
//!
//! Two nets: every known secret value (from the config's secret references, given to
//! [`super::AuditLog::set_secrets`]) is replaced wherever it appears, also percent-encoded; and values
//! are replaced by *name* where a name says they are secret: HTTP headers (`authorization`,
//! `proxy-authorization`, `cookie`, `set-cookie`, `x-api-key`, and any whose name contains `token`,
//! `secret`, `password`, `passwd`, `key`, `credential` or `signature`), URL query parameters and
//! fragments with such names, the password of a URL's user info, and argv words like
//! `--password=…`, `--token …`, `TOKEN=…` or `Authorization: …`. The scheme of an `Authorization`
//! value (`Bearer`, `Basic`…) is kept, since it says how the request authenticated.

use super::{AuditCommand, Entry};

/// What a secret is replaced with.
pub const REDACTED: &str = "<redacted>";

/// Replace every occurrence of each non-empty secret (and of its percent-encoded form) with
/// [`REDACTED`]; longer secrets first, so one that contains another is replaced whole.
pub fn redact(value: &str, secrets: &[&str]) -> String {
    let mut secrets: Vec<&str> = secrets.iter().copied().filter(|s| !s.is_empty()).collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut out = value.to_string();
    for secret in secrets {
        if out.contains(secret) {
            out = out.replace(secret, REDACTED);
        }
        let encoded = percent_encode(secret);
        if encoded != secret && out.contains(&encoded) {
            out = out.replace(&encoded, REDACTED);
        }
    }
    out
}

/// Whether a header, query parameter or option with this name carries a secret value.
pub fn is_secret_name(name: &str) -> bool {
    let name = name.trim().trim_start_matches('-').to_ascii_lowercase();
    matches!(name.as_str(), "authorization" | "proxy-authorization" | "cookie" | "set-cookie" | "x-api-key")
        || ["token", "secret", "password", "passwd", "key", "credential", "signature"].iter().any(|w| name.contains(w))
}

/// A header's value as it may be written: redacted by name, else with known secrets replaced.
pub fn redact_header(name: &str, value: &str, secrets: &[&str]) -> String {
    if !is_secret_name(name) {
        return redact(value, secrets);
    }
    const SCHEMES: [&str; 7] = ["basic", "bearer", "digest", "token", "negotiate", "apikey", "aws4-hmac-sha256"];
    match value.trim().split_once(' ') {
        Some((scheme, rest)) if SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()) && !rest.trim().is_empty() => {
            format!("{scheme} {REDACTED}")
        }
        _ => REDACTED.to_string(),
    }
}

/// A URL as it may be written: the user info's password, and query or fragment parameters with a
/// secret name, redacted; then known secrets replaced.
pub fn redact_url(url: &str, secrets: &[&str]) -> String {
    let (rest, fragment) = match url.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (url, None),
    };
    let (base, query) = match rest.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (rest, None),
    };
    let mut out = String::with_capacity(url.len());
    match base.find("://") {
        Some(i) => {
            let (scheme, after) = base.split_at(i + 3);
            let end = after.find('/').unwrap_or(after.len());
            let (authority, path) = after.split_at(end);
            out.push_str(scheme);
            match authority.rsplit_once('@') {
                Some((userinfo, host)) => {
                    match userinfo.split_once(':') {
                        Some((user, _password)) => out.push_str(&format!("{user}:{REDACTED}")),
                        None => out.push_str(userinfo),
                    }
                    out.push('@');
                    out.push_str(host);
                }
                None => out.push_str(authority),
            }
            out.push_str(path);
        }
        None => out.push_str(base),
    }
    for (sep, params) in [('?', query), ('#', fragment)] {
        if let Some(params) = params {
            out.push(sep);
            let redacted: Vec<String> = params
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, v)) if is_secret_name(k) && !v.is_empty() => format!("{k}={REDACTED}"),
                    _ => p.to_string(),
                })
                .collect();
            out.push_str(&redacted.join("&"));
        }
    }
    redact(&out, secrets)
}

/// An argv as it may be written: URLs as [`redact_url`] does, `--password=x`, `TOKEN=x` and `Authorization: x` keep their name,
/// the word after a bare `--token` is redacted, and known secrets are replaced everywhere.
pub fn redact_argv(argv: &[String], secrets: &[&str]) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut value_follows = false;
    for arg in argv {
        if std::mem::take(&mut value_follows) {
            out.push(REDACTED.to_string());
            continue;
        }
        let redacted = if arg.contains("://") {
            redact_url(arg, secrets)
        } else if let Some((name, value)) = arg.split_once('=').filter(|(n, _)| is_secret_name(n)) {
            if value.is_empty() {
                arg.clone()
            } else {
                format!("{name}={REDACTED}")
            }
        } else if let Some((name, value)) = arg.split_once(':').filter(|(n, _)| is_header_name(n) && is_secret_name(n))
        {
            format!("{name}: {}", redact_header(name, value.trim_start(), secrets))
        } else if arg.starts_with('-') && is_secret_name(arg) {
            value_follows = true;
            arg.clone()
        } else {
            arg.clone()
        };
        out.push(redact(&redacted, secrets));
    }
    out
}

impl AuditCommand {
    /// An argv command, redacted.
    pub fn argv<S: AsRef<str>>(argv: &[S], secrets: &[&str]) -> AuditCommand {
        let argv: Vec<String> = argv.iter().map(|a| a.as_ref().to_string()).collect();
        AuditCommand::Argv(redact_argv(&argv, secrets))
    }

    /// An HTTP request, redacted.
    pub fn http(method: &str, url: &str, headers: &[(&str, &str)], secrets: &[&str]) -> AuditCommand {
        AuditCommand::Http {
            method: redact(method, secrets),
            url: redact_url(url, secrets),
            headers: headers.iter().map(|(n, v)| (redact(n, secrets), redact_header(n, v, secrets))).collect(),
        }
    }

    /// The same command with everything above applied (idempotent).
    pub fn redacted(&self, secrets: &[&str]) -> AuditCommand {
        match self {
            AuditCommand::Argv(argv) => AuditCommand::Argv(redact_argv(argv, secrets)),
            AuditCommand::Http { method, url, headers } => {
                let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                AuditCommand::http(method, url, &headers, secrets)
            }
        }
    }
}

impl Entry {
    /// The entry with known secrets replaced in every text field and the command redacted.
    pub(super) fn redacted(mut self, secrets: &[&str]) -> Entry {
        for field in [
            &mut self.attempt,
            &mut self.user,
            &mut self.host,
            &mut self.environment,
            &mut self.action,
            &mut self.target,
            &mut self.outcome,
        ] {
            *field = redact(field, secrets);
        }
        for field in [&mut self.output_sha256, &mut self.alert_fingerprint].into_iter().flatten() {
            *field = redact(field, secrets);
        }
        if let super::Confirmation::Typed(name) = &mut self.confirmation {
            *name = redact(name, secrets);
        }
        self.command = self.command.map(|c| c.redacted(secrets));
        self
    }
}

fn is_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
