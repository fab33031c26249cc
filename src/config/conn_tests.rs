//! Parsing and checking the connection options of a backend.

use crate::config::{check_files, load_str, Problem};

/// A valid config whose Prometheus takes `extra` (inline-table keys) and whose Loki takes `loki`.
fn config(extra: &str, loki: &str) -> String {
    format!(
        r#"
[[environment]]
name = "prod"
prometheus = {{ url = "https://prom:9090"{extra} }}
loki = {{ url = "http://loki:3100"{loki} }}

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{{ expr = "up" }}]
"#
    )
}

fn problems(extra: &str) -> Vec<Problem> {
    load_str("c.toml", &config(extra, "")).unwrap_err()
}

#[test]
fn every_option_parses() {
    let extra = r#", bearer_token_file = "/run/secrets/prom", ca_file = "/etc/ca.pem",
        client_cert = "/etc/c.pem", client_key = "/etc/c.key", insecure_skip_verify = true,
        proxy = "http://proxy:3128", headers = { "X-Scope-OrgID" = "acme" }"#;
    let loki = r#", basic_auth = { username = "ops", password_file = "/run/secrets/pw" }"#;
    let c = load_str("c.toml", &config(&extra.replace('\n', " "), loki)).unwrap();
    let p = &c.environments[0].prometheus;
    assert_eq!(p.bearer_token_file.as_deref(), Some(std::path::Path::new("/run/secrets/prom")));
    assert!(p.insecure_skip_verify);
    assert_eq!(p.proxy.as_deref(), Some("http://proxy:3128"));
    assert_eq!(p.client_key.as_deref(), Some(std::path::Path::new("/etc/c.key")));
    let b = c.environments[0].loki.as_ref().unwrap().basic_auth.clone().unwrap();
    assert_eq!((b.username.as_str(), b.password_env), ("ops", None));
    // Defaults: verification on, no proxy.
    let c = load_str("c.toml", &config("", "")).unwrap();
    assert!(!c.environments[0].prometheus.insecure_skip_verify && c.environments[0].prometheus.proxy.is_none());
}

#[test]
fn a_literal_password_is_refused() {
    let p = load_str("c.toml", &config("", r#", basic_auth = { username = "u", password = "hunter2" }"#)).unwrap_err();
    assert!(p[0].message.contains("unknown key `password`"), "{p:?}");
    assert!(!p[0].to_string().contains("hunter2"), "{}", p[0]);
    let p = load_str("c.toml", &config("", r#", basic_auth = { username = "u" }"#)).unwrap_err();
    assert!(p[0].message.contains("no password source") && p[0].line == 5, "{p:?}");
    let both = r#", basic_auth = { username = "u", password_env = "A", password_file = "/f" }"#;
    let p = load_str("c.toml", &config("", both)).unwrap_err();
    assert!(p[0].message.contains("both `password_env` and `password_file`"), "{p:?}");
}

#[test]
fn conflicting_and_incomplete_options_are_located() {
    let p = problems(r#", bearer_token_env = "T", bearer_token_file = "/t""#);
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.contains("`bearer_token_env` and `bearer_token_file` are both set"), "{}", p[0]);
    assert_eq!(p[0].line, 4);
    assert!(p[0].message.starts_with("Prometheus:"), "{}", p[0]);

    let p = problems(r#", client_cert = "/c.pem""#);
    assert!(p[0].message.contains("`client_cert` is set without `client_key`"), "{p:?}");
    assert!(p[0].hint.as_deref().unwrap().contains("client_key ="), "{p:?}");
    let p = problems(r#", client_key = "/c.key""#);
    assert!(p[0].message.contains("`client_key` is set without `client_cert`"), "{p:?}");

    let p = problems(r#", bearer_token_env = "T", basic_auth = { username = "u", password_env = "P" }"#);
    assert!(p[0].message.contains("`basic_auth` and a bearer token"), "{p:?}");
    let p = problems(r#", bearer_token_env = "T", headers = { Authorization = "Bearer x" }"#);
    assert!(p[0].message.contains("an `Authorization` header is set along with"), "{p:?}");
}

#[test]
fn proxies_must_be_http_urls() {
    let p = problems(r#", proxy = "socks5://127.0.0.1:1080""#);
    assert!(p[0].message.contains("`socks5://` proxies are not supported"), "{p:?}");
    assert!(p[0].hint.as_deref().unwrap().contains("http://proxy:3128"), "{p:?}");
    let p = problems(r#", proxy = "proxy:3128""#);
    assert!(p[0].message.contains("scheme `proxy`") || p[0].message.contains("not a URL"), "{p:?}");
    let p = problems(r#", proxy = "not a url""#);
    assert!(p[0].message.contains("`proxy` is not a URL"), "{p:?}");
    // Credentials in the proxy URL never appear in a message.
    let p = problems(r#", proxy = "ftp://user:s3cret@proxy:21""#);
    assert!(!p[0].to_string().contains("s3cret"), "{}", p[0]);
}

#[test]
fn bad_header_values_are_named_not_shown() {
    let p = problems(r#", headers = { "X-Api-Key" = "s3cret\nmore" }"#);
    assert!(p[0].message.contains("header `X-Api-Key`") && !p[0].to_string().contains("s3cret"), "{p:?}");
    let p = problems(r#", headers = { "bad header" = "x" }"#);
    assert!(p[0].message.contains("`bad header` is not a valid header name"), "{p:?}");
}

#[test]
fn health_targets_take_the_same_options() {
    let text = config("", "").replace(
        "loki = {",
        "health = [{ name = \"api\", url = \"https://api/health\", client_cert = \"/c.pem\", \
         insecure_skip_verify = true, proxy = \"http://p:3128\" }]\nloki = {",
    );
    let p = load_str("c.toml", &text).unwrap_err();
    assert_eq!(p.len(), 1, "{p:?}");
    assert!(p[0].message.starts_with("health target `api`: `client_cert` is set without"), "{p:?}");
}

#[test]
fn check_config_reads_the_files_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.pem");
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "abc\n").unwrap();
    let extra = format!(
        r#", ca_file = "{}", client_cert = "{}", client_key = "{}", bearer_token_file = "{}""#,
        not_pem.display(),
        missing.display(),
        not_pem.display(),
        token.display()
    );
    let text = config(&extra, "");
    let c = load_str("c.toml", &text).unwrap();
    let p = check_files("c.toml", &text, &c);
    let shown: Vec<String> = p.iter().map(|p| p.to_string()).collect();
    assert_eq!(p.len(), 3, "{shown:#?}");
    assert!(
        shown[0].starts_with("c.toml:4:") && shown[0].contains("ca_file") && shown[0].contains("no PEM certificate")
    );
    assert!(shown[1].contains("client_cert") && shown[1].contains(&missing.display().to_string()));
    assert!(shown[1].contains("cannot be read") && shown[1].contains("hint:"), "{}", shown[1]);
    assert!(shown[2].contains("client_key") && shown[2].contains("no PEM private key"), "{}", shown[2]);
}
