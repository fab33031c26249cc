//! A backend's credentials arrive as configured (a bearer token from a file, basic auth from an
//! environment variable or a file, secret headers) and never show in the client's `Debug` or in an
//! error; check-config names missing files and warns about loose permissions without failing.

use centinela::config::{BasicAuth, PromSource};
use centinela::sources::alertmanager::AmClient;
use centinela::sources::loki::LokiClient;
use centinela::sources::prometheus::PromClient;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VECTOR: &str = r#"{"status":"success","data":{"resultType":"vector","result":[]}}"#;
const TOKEN: &str = "s3cr3t-t0ken-from-file";

async fn prometheus_wanting(auth: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/query"))
        .and(header("authorization", auth))
        .respond_with(ResponseTemplate::new(200).set_body_raw(VECTOR, "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/query"))
        .respond_with(ResponseTemplate::new(401).set_body_string("unauthorized"))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn a_bearer_token_file_is_read_trimmed_and_kept_secret() {
    let server = prometheus_wanting(&format!("Bearer {TOKEN}")).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(&file, format!("  {TOKEN}\n")).unwrap();
    let src = PromSource { bearer_token_file: Some(file.clone()), ..PromSource::new(server.uri()) };
    let client = PromClient::new(&src).unwrap();
    client.query("up", 1_700_000_000.0).await.unwrap();
    assert!(!format!("{client:?}").contains(TOKEN), "{client:?}");
    // A stale token: the 401 error does not repeat it.
    std::fs::write(&file, "stale-but-secret").unwrap();
    let e = PromClient::new(&src).unwrap().query("up", 1_700_000_000.0).await.unwrap_err();
    assert!(e.message.contains("401") && !e.message.contains("stale-but-secret"), "{e:?}");
    // A missing file is named.
    std::fs::remove_file(&file).unwrap();
    let e = PromClient::new(&src).unwrap_err();
    assert!(e.contains("bearer token file") && e.contains(&file.display().to_string()), "{e}");
}

#[tokio::test]
async fn basic_auth_from_a_file_or_the_environment() {
    // "ops:pa55word" in base64.
    let server = prometheus_wanting("Basic b3BzOnBhNTV3b3Jk").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    std::fs::write(&file, "pa55word\n").unwrap();
    let from_file = BasicAuth { username: "ops".into(), password_env: None, password_file: Some(file) };
    let src = PromSource { basic_auth: Some(from_file), ..PromSource::new(server.uri()) };
    let client = PromClient::new(&src).unwrap();
    client.query("up", 1_700_000_000.0).await.unwrap();
    let shown = format!("{client:?}");
    assert!(!shown.contains("b3BzOnBhNTV3b3Jk") && !shown.contains("pa55word"), "{shown}");

    std::env::set_var("CENTINELA_TEST_BASIC_PW", "pa55word");
    let src = PromSource {
        basic_auth: Some(BasicAuth::from_env("ops", "CENTINELA_TEST_BASIC_PW")),
        ..PromSource::new(server.uri())
    };
    PromClient::new(&src).unwrap().query("up", 1_700_000_000.0).await.unwrap();
    let unset = PromSource { basic_auth: Some(BasicAuth::from_env("ops", "CENTINELA_TEST_UNSET_PW")), ..src };
    let e = PromClient::new(&unset).unwrap_err();
    assert!(e.contains("`CENTINELA_TEST_UNSET_PW` (basic_auth.password_env) is not set"), "{e}");
    assert!(e.starts_with("Prometheus at "), "the backend is named: {e}");
}

#[tokio::test]
async fn alertmanager_and_loki_send_the_same_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v2/alerts"))
        .and(header("x-api-key", "k3y"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("[]", "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/loki/api/v1/labels"))
        .and(header("x-api-key", "k3y"))
        .and(header("x-scope-orgid", "acme"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(r#"{"status":"success","data":["job"]}"#, "application/json"),
        )
        .mount(&server)
        .await;
    let mut src = PromSource::new(server.uri());
    src.headers.insert("X-Api-Key".into(), "k3y".into());
    let am = AmClient::new(&src).unwrap();
    assert!(am.alerts().await.unwrap().is_empty());
    assert!(!format!("{am:?}").contains("k3y"), "secret headers are sensitive");
    src.headers.insert("X-Scope-OrgID".into(), "acme".into());
    let loki = LokiClient::new(&src).unwrap();
    assert_eq!(loki.labels(0, 1).await.unwrap(), ["job"]);
    assert!(format!("{loki:?}").contains("acme"), "a tenant id is not a secret");
}

#[cfg(unix)]
#[test]
fn check_config_warns_about_loose_permissions_and_verification_off_but_passes() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t").unwrap();
    std::fs::set_permissions(&token, std::fs::Permissions::from_mode(0o644)).unwrap();
    let file = dir.path().join("config.toml");
    std::fs::write(
        &file,
        format!(
            r#"
[[environment]]
name = "prod"
prometheus = {{ url = "https://prom:9090", insecure_skip_verify = true, bearer_token_file = "{}" }}
alertmanager = [{{ url = "http://am:9093", headers = {{ Authorization = "Bearer literal" }} }}]

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{{ expr = "up" }}]
"#,
            token.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = assert_cmd::Command::cargo_bin("centinela")
        .unwrap()
        .env("CENTINELA_CONFIG_DIR", home.path().join("config"))
        .env("CENTINELA_STATE_DIR", home.path().join("state"))
        .arg("check-config")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let f = file.display();
    assert!(stderr.contains(&format!(
        "warning: config {f} holds a secret (header `Authorization` of Alertmanager in environment `prod`) and is \
         readable by group/others (mode 0644): chmod 600 {f}"
    )));
    assert!(stderr.contains(&format!("warning: bearer_token_file {} of Prometheus", token.display())), "{stderr}");
    assert!(stderr.contains("warning: TLS verification is OFF for Prometheus at https://prom:9090/"), "{stderr}");
    assert!(!stderr.contains("literal"), "{stderr}");

    // A file that is not there fails the check, named.
    std::fs::remove_file(&token).unwrap();
    let out = assert_cmd::Command::cargo_bin("centinela")
        .unwrap()
        .env("CENTINELA_CONFIG_DIR", home.path().join("config"))
        .env("CENTINELA_STATE_DIR", home.path().join("state"))
        .arg("check-config")
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(":4:") && stderr.contains("bearer_token_file") && stderr.contains("cannot be read"),
        "{stderr}"
    );
}
