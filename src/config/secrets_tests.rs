//! Security warnings: secrets readable by others, TLS verification off.

use super::*;
use crate::config::load_str;
use std::os::unix::fs::PermissionsExt;

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn config(prom_extra: &str) -> Config {
    let text = format!(
        r#"
[[environment]]
name = "prod"
prometheus = {{ url = "https://prom:9090"{prom_extra} }}

[[environment]]
name = "staging"
prometheus = {{ url = "http://prom-staging:9090" }}

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{{ expr = "up" }}]
"#
    );
    load_str("c.toml", &text).unwrap()
}

#[test]
fn a_config_file_holding_a_secret_must_be_private() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(&file, "x").unwrap();
    let c = config(r#", headers = { Authorization = "Bearer s3cret-token" }"#);
    chmod(&file, 0o644);
    let w = security_warnings(&c, Some(&file));
    assert_eq!(w.len(), 1, "{w:#?}");
    let f = file.display();
    assert_eq!(
        w[0],
        format!(
            "config {f} holds a secret (header `Authorization` of Prometheus in environment `prod`) and is readable \
             by group/others (mode 0644): chmod 600 {f}"
        )
    );
    assert!(!w[0].contains("s3cret"));
    chmod(&file, 0o600);
    assert!(security_warnings(&c, Some(&file)).is_empty());
    // The embedded demo profile has no file to protect.
    chmod(&file, 0o644);
    assert!(security_warnings(&c, None).is_empty());
    // No secret, no warning, whatever the mode.
    assert!(security_warnings(&config(r#", headers = { "X-Scope-OrgID" = "acme" }"#), Some(&file)).is_empty());
}

#[test]
fn passwords_in_urls_and_api_keys_count_as_secrets() {
    let c = config(r#", headers = { "X-Api-Key" = "k" }, proxy = "http://u:pw@proxy:3128""#);
    let held = secrets_in_file(&c);
    assert_eq!(
        held,
        [
            "header `X-Api-Key` of Prometheus in environment `prod`",
            "a password in the proxy URL of Prometheus in environment `prod`"
        ]
    );
    let c = config("").clone();
    let mut c2 = c.clone();
    c2.environments[1].prometheus.url = "http://admin:pw@prom:9090".into();
    assert_eq!(secrets_in_file(&c2), ["a password in the URL of Prometheus in environment `staging`"]);
    assert!(secrets_in_file(&c).is_empty());
}

#[test]
fn secret_files_must_be_private() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "abc").unwrap();
    chmod(&token, 0o640);
    let c = config(&format!(r#", bearer_token_file = "{}""#, token.display()));
    let w = security_warnings(&c, None);
    let t = token.display();
    assert_eq!(
        w,
        [format!(
            "bearer_token_file {t} of Prometheus in environment `prod` is readable by group/others (mode 0640): \
             chmod 600 {t}"
        )]
    );
    chmod(&token, 0o400);
    assert!(security_warnings(&c, None).is_empty());
}

#[test]
fn verification_off_is_always_warned_about() {
    let c = config(", insecure_skip_verify = true");
    let f = security_findings(&c, None);
    assert_eq!(f.len(), 1);
    assert_eq!((f[0].concern, f[0].env.as_deref()), (Concern::TlsOff, Some("prod")));
    assert_eq!(
        f[0].text,
        "TLS verification is OFF for Prometheus at https://prom:9090/ in environment `prod`: anyone on the path can \
         read and change what you see"
    );
}
