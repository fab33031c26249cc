//! Template parsing and expansion: every placeholder kind, escapes, missing values, patterns, secrets.

use super::*;

/// 2023-11-14T22:15:23.456Z
pub(super) const NOW: i64 = 1_700_000_123_456;

pub(super) fn strings(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

fn expand(argv: &[&str], ctx: &Ctx) -> Result<Vec<String>, Refusal> {
    expand_argv(&strings(argv), ctx, &Patterns::default())
}

#[test]
fn every_placeholder_kind_expands() {
    let a = test_alert(&[("alertname", "ServiceDown"), ("service", "agente_negocio")]);
    let ctx = Ctx::new("restart", "production", "ana", NOW).with_alert(&a);
    let got = expand(
        &[
            "echo",
            "{env}",
            "{user}",
            "{now}",
            "{labels.service}",
            "{alert.fingerprint}",
            "{alert.name}",
            "{alert.starts_at}",
        ],
        &ctx,
    )
    .unwrap();
    assert_eq!(
        got,
        [
            "echo",
            "production",
            "ana",
            "2023-11-14T22:15:23Z",
            "agente_negocio",
            "4f2a9c1e7b3d5a60",
            "ServiceDown",
            "2023-11-14T22:13:20Z"
        ]
    );
    let ctx = Ctx::new("probe", "staging", "ana", NOW).with_target("ml_service", "http://localhost:8003/health");
    assert_eq!(
        expand(&["curl", "-f", "{target.url}", "--user-agent=centinela/{target.name}"], &ctx).unwrap(),
        ["curl", "-f", "http://localhost:8003/health", "--user-agent=centinela/ml_service"]
    );
}

#[test]
fn braces_escape_by_doubling_and_literals_pass_untouched() {
    let ctx = Ctx::new("a", "production", "ana", NOW);
    let got = expand(&["printf", "{{literal}}", "a{{{env}}}b", "x }} y", "it's \"quoted\" $HOME"], &ctx).unwrap();
    assert_eq!(got, ["printf", "{literal}", "a{production}b", "x } y", "it's \"quoted\" $HOME"]);
}

#[test]
fn an_argument_is_never_split_or_joined() {
    let a = test_alert(&[("service", "agente_negocio"), ("team", "core")]);
    let ctx = Ctx::new("a", "prod", "ana", NOW).with_alert(&a);
    let got =
        expand(&["tool", "--service={labels.service}", "{labels.team}/{labels.service}", "two words"], &ctx).unwrap();
    assert_eq!(got, ["tool", "--service=agente_negocio", "core/agente_negocio", "two words"]);
}

#[test]
fn parse_errors_say_how_to_write_it() {
    let err = |t: &str| Template::parse(t).unwrap_err();
    assert!(err("{labels.service").message.contains("never closed"));
    assert!(err("{a{b}").message.contains("never closed"));
    assert!(err("a}b").message.contains("lone `}`"));
    assert_eq!(err("{}").message, "unknown placeholder `{}`");
    assert_eq!(err("{alert.fingreprint}").hint, "did you mean `{alert.fingerprint}`?");
    assert_eq!(err("{label.service}").hint, "did you mean `{labels.service}`?");
    assert_eq!(err("{env.TOKEN}").hint, "did you mean `{secret.TOKEN}`?");
    assert!(err("{secret.}").message.contains("not a valid name"));
    assert!(err("{labels.a-b}").message.contains("not a valid name"));
    let t = Template::parse("x{env}y{secret.T}").unwrap();
    assert_eq!(t.placeholders().map(|p| p.to_string()).collect::<Vec<_>>(), ["{env}", "{secret.T}"]);
    assert_eq!(t.prefix(), "x");
}

#[test]
fn missing_values_are_refused_with_the_reason() {
    let a = test_alert(&[("alertname", "ServiceDown")]);
    let ctx = Ctx::new("restart", "production", "ana", NOW).with_alert(&a);
    let r = expand(&["docker", "compose", "restart", "{labels.service}"], &ctx).unwrap_err();
    assert_eq!(r.to_string(), "action `restart` refused: {labels.service}: no value: the alert has no label `service`");
    let ctx = Ctx::new("restart", "production", "ana", NOW);
    let r = expand(&["x", "{alert.name}"], &ctx).unwrap_err();
    assert_eq!(r.rule, Rule::Missing("this action was not started from an alert".into()));
    let r = expand(&["x", "{target.name}"], &ctx).unwrap_err();
    assert_eq!(r.rule, Rule::Missing("this action was not started from a health target".into()));
    let a = test_alert(&[("service", "x")]);
    let r = expand(&["x", "{alert.name}"], &Ctx::new("a", "p", "u", NOW).with_alert(&a)).unwrap_err();
    assert_eq!(r.rule, Rule::Empty, "an alert without alertname");
}

#[test]
fn the_program_is_never_a_placeholder() {
    let ctx = Ctx::new("a", "production", "ana", NOW);
    let r = expand(&["{env}", "x"], &ctx).unwrap_err();
    assert_eq!(r.rule, Rule::ProgramTemplated);
    let r = expand(&["./scripts/{env}.sh"], &ctx).unwrap_err();
    assert_eq!(r.rule, Rule::ProgramTemplated);
}

#[test]
fn a_custom_pattern_replaces_the_default_and_is_anchored() {
    let map = [("labels.service".to_string(), "agente_[a-z]+".to_string())].into();
    let p = Patterns::compile(&map).unwrap();
    let run = |service: &str| {
        let a = test_alert(&[("service", service)]);
        let ctx = Ctx::new("rollback", "production", "ana", NOW).with_alert(&a);
        expand_argv(&strings(&["deploy", "{labels.service}"]), &ctx, &p)
    };
    assert_eq!(run("agente_negocio").unwrap()[1], "agente_negocio");
    assert_eq!(run("ml_service").unwrap_err().rule, Rule::Pattern("agente_[a-z]+".into()));
    assert!(run("xagente_negocio").is_err() && run("agente_negocio2").is_err(), "anchored at both ends");
    let e = run("ml_service").unwrap_err().to_string();
    assert!(e.contains("does not match ^(?:agente_[a-z]+)$, the action's pattern for it"), "{e}");
    let bad = [("env".to_string(), "(".to_string())].into();
    let (key, e) = Patterns::compile(&bad).unwrap_err();
    assert_eq!(key, "env");
    assert!(e.contains("not a valid regex"), "{e}");
}

#[test]
fn secrets_fill_env_values_shown_redacted_and_never_argv() {
    let secrets = Secrets::Fixed([("TOKEN".to_string(), "s3cr3t-value".to_string())].into());
    let ctx = Ctx::new("a", "production", "ana", NOW).with_secrets(secrets);
    let t = expand_text("Bearer {secret.TOKEN}", &ctx, &Patterns::default(), Field::ExecEnv).unwrap();
    assert_eq!((t.reveal(), t.shown()), ("Bearer s3cr3t-value", "Bearer <secret:TOKEN>"));
    assert!(t.has_secret());
    assert_eq!(format!("{t} {t:?}"), "Bearer <secret:TOKEN> \"Bearer <secret:TOKEN>\"");
    let r = expand(&["x", "{secret.TOKEN}"], &ctx).unwrap_err();
    assert!(matches!(r.rule, Rule::SecretHere("argv")), "{r}");
    assert!(!r.to_string().contains("s3cr3t"), "{r}");
    let r = expand_text("{secret.OTHER}", &ctx, &Patterns::default(), Field::ExecEnv).unwrap_err();
    assert_eq!(r.to_string(), "action `a` refused: {secret.OTHER}: no value: environment variable `OTHER` is not set");
    let bad = Secrets::Fixed([("T".to_string(), "x\r\nEvil: 1".to_string())].into());
    let ctx = Ctx::new("a", "production", "ana", NOW).with_secrets(bad);
    let r = expand_text("{secret.T}", &ctx, &Patterns::default(), Field::Header).unwrap_err();
    assert_eq!(r.rule, Rule::Control('\r'));
    assert_eq!(r.value, None, "a secret's value is never quoted");
}

#[test]
fn env_values_follow_the_argv_rules_but_no_leading_dash_rule() {
    let a = test_alert(&[("service", "-v"), ("bad", "a;b")]);
    let ctx = Ctx::new("a", "production", "ana", NOW).with_alert(&a);
    let p = Patterns::default();
    assert_eq!(expand_text("{labels.service}", &ctx, &p, Field::ExecEnv).unwrap().reveal(), "-v");
    assert_eq!(expand_text("{labels.bad}", &ctx, &p, Field::ExecEnv).unwrap_err().rule, Rule::NotAllowed(';'));
}
