//! HTTP actions: percent-encoded URLs that keep their host, JSON bodies built as JSON, secrets that
//! are sent but never shown.

use super::tests::NOW;
use super::*;
use crate::config::{Http, Method};

fn http(url: &str) -> Http {
    Http {
        method: Method::Post,
        url: url.into(),
        headers: Default::default(),
        bearer_token_env: None,
        body: None,
        expect_status: Vec::new(),
    }
}

fn secrets() -> Secrets {
    Secrets::Fixed([("ADMIN_TOKEN".to_string(), "tok-9f8e7d".to_string())].into())
}

fn expand(h: &Http, labels: &[(&str, &str)]) -> Result<Request, Refusal> {
    let a = test_alert(labels);
    let ctx = Ctx::new("call", "production", "ana", NOW).with_alert(&a).with_secrets(secrets());
    expand_http(h, &ctx, &Patterns::default())
}

#[test]
fn values_are_percent_encoded_in_path_segments_and_query_values() {
    let h = http("https://admin.example/api/services/{labels.path}/restart?reason={labels.path}&by={user}");
    let r = expand(&h, &[("path", "a/b?c=d&e")]).unwrap();
    assert_eq!(r.url, "https://admin.example/api/services/a%2Fb%3Fc%3Dd%26e/restart?reason=a%2Fb%3Fc%3Dd%26e&by=ana");
    let r = expand(&h, &[("path", "Depósito central #2 %41")]).unwrap();
    assert!(r.url.contains("/services/Dep%C3%B3sito%20central%20%232%20%2541/"), "{}", r.url);
    let r = expand(&h, &[("path", "x@evil.example:80")]).unwrap();
    assert_eq!(reqwest::Url::parse(&r.url).unwrap().host_str(), Some("admin.example"));
}

#[test]
fn a_value_cannot_move_the_request_elsewhere() {
    for v in ["..", "."] {
        let r = expand(&http("https://admin.example/api/{labels.x}/keys"), &[("x", v)]).unwrap_err();
        assert_eq!(r.rule, Rule::DotSegment(if v == "." { "." } else { ".." }), "{v}");
    }
    let r = expand(&http("https://{labels.host}/api"), &[("host", "evil.example")]).unwrap_err();
    assert!(matches!(r.rule, Rule::Url(ref m) if m.contains("scheme, host or port")), "{r}");
    let r = expand(&http("https://admin.example/{secret.ADMIN_TOKEN}"), &[]).unwrap_err();
    assert!(matches!(r.rule, Rule::SecretHere("the URL")), "{r}");
    let r = expand(&http("https://admin.example/{labels.x}"), &[("x", "a\nb")]).unwrap_err();
    assert_eq!(r.rule, Rule::Control('\n'));
}

#[test]
fn the_json_body_keeps_quotes_and_newlines_as_data() {
    let tricky = "he said \"stop\"\n}, \"admin\": true, {\\ \u{0}";
    let mut h = http("https://admin.example/api/notes");
    h.body = Some(
        toml::from_str("note = '{labels.summary}'\ncount = 3\nlist = ['{env}', true]\nliteral = '{{x}}'").unwrap(),
    );
    let r = expand(&h, &[("summary", tricky)]).unwrap();
    let sent = serde_json::to_string(r.body.as_ref().unwrap().reveal()).unwrap();
    let back: serde_json::Value = serde_json::from_str(&sent).unwrap();
    assert_eq!(back["note"], tricky, "the value survives intact");
    assert_eq!(back["admin"], serde_json::Value::Null, "and adds no key");
    assert_eq!(
        (back["count"].as_i64(), back["list"][0].as_str(), back["literal"].as_str()),
        (Some(3), Some("production"), Some("{x}"))
    );
    assert!(r.headers.iter().any(|(n, v)| n == "Content-Type" && v.reveal() == "application/json"));
    let r = expand(&h, &[("summary", &"x".repeat(MAX_BODY_VALUE + 1))]).unwrap_err();
    assert!(matches!(r.rule, Rule::TooLong { max: MAX_BODY_VALUE, .. }));
}

#[test]
fn secrets_are_sent_but_redacted_in_every_displayed_form() {
    let mut h = http("https://admin.example/api/keys/rotate");
    h.headers.insert("X-Admin".into(), "{secret.ADMIN_TOKEN}".into());
    h.bearer_token_env = Some("ADMIN_TOKEN".into());
    h.body = Some(toml::from_str("token = 'prefix-{secret.ADMIN_TOKEN}'\nby = '{user}'").unwrap());
    let r = expand(&h, &[]).unwrap();
    let auth = &r.headers.iter().find(|(n, _)| n == "Authorization").unwrap().1;
    assert_eq!(auth.reveal(), "Bearer tok-9f8e7d");
    assert_eq!(r.body.as_ref().unwrap().reveal()["token"], "prefix-tok-9f8e7d");
    let shown = r.display();
    assert_eq!(
        shown,
        "POST https://admin.example/api/keys/rotate\nX-Admin: <secret:ADMIN_TOKEN>\n\
         Authorization: Bearer <secret:ADMIN_TOKEN>\nContent-Type: application/json\n\n\
         {\"by\":\"ana\",\"token\":\"prefix-<secret:ADMIN_TOKEN>\"}"
    );
    for form in [shown, format!("{r:?}")] {
        assert!(!form.contains("tok-9f8e7d"), "{form}");
    }
    h.bearer_token_env = Some("UNSET_TOKEN".into());
    let e = expand(&h, &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "action `call` refused: {secret.UNSET_TOKEN}: no value: environment variable `UNSET_TOKEN` is not set"
    );
}

#[test]
fn header_values_must_be_visible_ascii() {
    let mut h = http("https://admin.example/api");
    h.headers.insert("X-Service".into(), "{labels.service}".into());
    assert_eq!(expand(&h, &[("service", "a\r\nX-Evil: 1")]).unwrap_err().rule, Rule::Control('\r'));
    let r = expand(&h, &[("service", "depósito")]).unwrap_err();
    assert!(matches!(r.rule, Rule::Header(ref m) if m.contains("`X-Service`") && m.contains("visible ASCII")), "{r}");
    assert_eq!(expand(&h, &[("service", "agente_negocio")]).unwrap().headers[0].1.reveal(), "agente_negocio");
}
