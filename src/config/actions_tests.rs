//! `[[action]]` parsing and every problem validation reports, located and with a hint.

use crate::config::{load_str, ActionKind, Config, Confirm, Method, Problem, Scope};
use std::time::Duration;

const BASE: &str = r#"
[[environment]]
name = "production"
production = true
prometheus = { url = "http://localhost:9090" }
health = [{ name = "agente_negocio", url = "http://localhost:8002/health" }]

[[environment]]
name = "staging"
prometheus = { url = "http://localhost:9091" }
health = [{ name = "ml_service", url = "http://localhost:8003/health" }]

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]
"#;

/// The line the actions start on: after BASE and a blank line.
fn first() -> usize {
    BASE.lines().count() + 2
}

fn load(actions: &str) -> Result<Config, Vec<Problem>> {
    load_str("c.toml", &format!("{BASE}\n{actions}"))
}

/// The one problem `actions` has: (line relative to the first action line, message, hint).
fn problem(actions: &str) -> (usize, String, String) {
    let p = load(actions).expect_err("a problem");
    assert_eq!(p.len(), 1, "{p:#?}");
    let p = &p[0];
    assert!(p.hint.as_deref().is_some_and(|h| !h.is_empty()), "no hint: {p}");
    (p.line - first(), p.message.clone(), p.hint.clone().unwrap_or_default())
}

#[test]
fn every_shape_parses() {
    let c = load(
        r#"[[action]]
name = "restart"
description = "Restart the container"
key = "R"
scope = { alert = 'alertname="ServiceDown", service=~".+"' }
exec = { argv = ["docker", "compose", "restart", "{labels.service}"], cwd = "/srv", env = { TOKEN = "{secret.T}" } }
timeout = "2m"
cooldown = "5m"
verify = { alert_resolves = true, within = "2m" }
patterns = { "labels.service" = "[a-z_]+" }

[[action]]
name = "psql"
scope = "global"
exec = { argv = ["docker", "compose", "exec", "postgres", "psql"], interactive = true }
confirm = "none"
environments = ["staging"]

[[action]]
name = "flush-cache"
scope = { health = ["agente_negocio"] }
dangerous = true
verify = { health = "agente_negocio", within = "1m" }
[action.http]
url = "https://admin.example/cache/{target.name}?by={user}"
headers = { "X-Request-Id" = "{now}" }
bearer_token_env = "ADMIN_TOKEN"
body = { target = "{target.name}", hard = true, ttl = 30 }
expect_status = [200, 204]
"#,
    )
    .unwrap();
    let [restart, psql, flush] = &c.actions[..] else { panic!("{:?}", c.actions) };
    assert_eq!(restart.timeout.0, Duration::from_secs(120));
    assert_eq!(restart.cooldown.unwrap().0, Duration::from_secs(300));
    assert_eq!(restart.required_labels(), ["service"]);
    assert_eq!(restart.parsed_key().unwrap().to_string(), "R");
    assert!(matches!(&restart.scope, Scope::Alert(s) if s.matchers.len() == 2));
    let ActionKind::Exec(e) = &restart.kind else { panic!() };
    assert_eq!((e.argv.len(), e.interactive, e.env["TOKEN"].as_str()), (4, false, "{secret.T}"));
    assert_eq!((restart.confirm_for(true), restart.confirm_for(false)), (Confirm::TypeEnv, Confirm::YesNo));

    assert!(matches!(&psql.kind, ActionKind::Exec(e) if e.interactive));
    assert_eq!(psql.scope, Scope::Global);
    assert_eq!(psql.timeout.0, Duration::from_secs(60), "the default timeout");
    assert_eq!(psql.confirm_for(true), Confirm::None);
    assert!(psql.offered_in("staging") && !psql.offered_in("production"));

    let ActionKind::Http(h) = &flush.kind else { panic!() };
    assert_eq!(h.method, Method::Post, "POST by default");
    assert!(h.status_ok(204) && !h.status_ok(201));
    assert!(flush.applies_to_target("agente_negocio") && !flush.applies_to_target("ml_service"));
    assert!(flush.verify.as_ref().unwrap().health.is_some());
}

#[test]
fn exec_and_http_are_exclusive_and_interactive_is_for_exec() {
    let (line, m, h) = problem("[[action]]\nname = \"a\"\nexec = { argv = [\"x\"] }\nhttp = { url = \"http://x/\" }\n");
    assert_eq!((line, m.as_str()), (0, "action `a` has both `exec` and `http`"));
    assert!(h.contains("keep one"));
    let (line, m, h) = problem("[[action]]\nname = \"a\"\n");
    assert_eq!((line, m.as_str()), (0, "missing field `exec` or `http` in action `a`"));
    assert!(h.contains("argv"));
    let (line, m, h) = problem("[[action]]\nname = \"a\"\nhttp = { url = \"http://x/\", interactive = true }\n");
    assert_eq!(line, 2);
    assert!(m.starts_with("`interactive` is for exec actions"), "{m}");
    assert!(h.contains("exec = {"), "{h}");
}

#[test]
fn serde_level_mistakes_are_located() {
    let (line, m, h) = problem("[[action]]\nname = \"a\"\nscope = \"alerts\"\nexec = { argv = [\"x\"] }\n");
    assert_eq!((line, m.as_str(), h.as_str()), (2, "unknown value `alerts`", "did you mean `alert`?"));
    let (line, m, h) = problem("[[action]]\nname = \"a\"\nscope = { alert = 'a=~\"(\"' }\nexec = { argv = [\"x\"] }\n");
    assert!(line == 2 && m.contains("not a valid regex"), "{m}");
    assert!(h.contains("Alertmanager matchers"));
    let (_, m, h) = problem("[[action]]\nname = \"a\"\nexec = { argv = [\"x\"], intractive = true }\n");
    assert_eq!((m.as_str(), h.as_str()), ("unknown key `intractive`", "did you mean `interactive`?"));
    let (_, m, h) = problem("[[action]]\nname = \"a\"\nconfirm = \"type-env\"\nexec = { argv = [\"x\"] }\n");
    assert_eq!((m.as_str(), h.as_str()), ("unknown value `type-env`", "did you mean `type_env`?"));
    let (_, m, _) = problem("[[action]]\nname = \"a\"\nhttp = { method = \"post\", url = \"http://x/\" }\n");
    assert_eq!(m, "unknown value `post`");
}

/// (action body after `name = "a"`, expected line offset, message fragment, hint fragment)
const SEMANTIC: &[(&str, usize, &str, &str)] = &[
    ("exec = { argv = [] }", 2, "`argv` is empty", "argv = ["),
    ("exec = { argv = [\"\"] }", 2, "the program (argv[0]) is empty", "argv = ["),
    ("exec = { argv = [\"{env}\", \"x\"] }", 2, "argv[0]) `{env}` is filled from a placeholder", "write the program out"),
    ("exec = { argv = [\"x\", \"{labels.service\"] }", 2, "a `{` that is never closed", "{{"),
    ("exec = { argv = [\"x\", \"a}\"] }", 2, "a lone `}`", "`}}`"),
    ("exec = { argv = [\"x\", \"{alert.fingreprint}\"] }", 2, "unknown placeholder `{alert.fingreprint}`", "did you mean `{alert.fingerprint}`?"),
    ("exec = { argv = [\"x\", \"{label.service}\"] }", 2, "unknown placeholder `{label.service}`", "did you mean `{labels.service}`?"),
    ("exec = { argv = [\"x\", \"{labels.1x}\"] }", 2, "`1x` is not a valid name", "letters, digits"),
    ("exec = { argv = [\"x\", \"{secret.TOKEN}\"] }", 2, "`{secret.TOKEN}` in argv", "exec.env"),
    ("exec = { argv = [\"x\", \"{labels.service}\"] }", 2, "`{labels.service}` needs an alert, and action `a` is not", "scope = { alert"),
    ("exec = { argv = [\"x\", \"{target.name}\"] }", 2, "`{target.name}` needs a health target", "scope = { health"),
    ("exec = { argv = [\"x\"], env = { \"1X\" = \"v\" } }", 2, "`1X` is not an environment variable name", "letters"),
    ("exec = { argv = [\"x\"], env = { T = \"{frobnicate}\" } }", 2, "unknown placeholder `{frobnicate}`", "placeholders:"),
    ("http = { url = \"ftp://x/\" }", 2, "uses the scheme `ftp`", "https://"),
    ("http = { url = \"https://{env}.example/x\" }", 2, "placeholder may not be in the URL's scheme, host or port", "https://"),
    ("http = { url = \"https://x/{secret.T}\" }", 2, "`{secret.T}` in the URL", "Authorization"),
    ("http = { url = \"https://x/\", headers = { \"Bad Name\" = \"v\" } }", 2, "`Bad Name` is not a header name", "X-Request-Id"),
    ("http = { url = \"https://x/\", bearer_token_env = \"T\", headers = { authorization = \"x\" } }", 2, "both `bearer_token_env` and an Authorization header", "keep one"),
    ("http = { url = \"https://x/\", bearer_token_env = \"A-B\" }", 2, "`A-B` is not a variable name", "environment variable"),
    ("http = { method = \"GET\", url = \"https://x/\", body = { a = 1 } }", 2, "a GET request has no body", "POST"),
    ("http = { url = \"https://x/\", expect_status = [200, 700] }", 2, "700 is not an HTTP status", "100 to 599"),
    ("http = { url = \"https://x/\", body = { a = [\"{alert.name\"] } }", 2, "never closed", "{{"),
    ("key = \"ctrl-nope\"\nexec = { argv = [\"x\"] }", 2, "is not a key", "f1"),
    ("key = \"s\"\nscope = { alert = '' }\nexec = { argv = [\"x\"] }", 2, "key `s` is already `silence` in the alerts view", "free keys there include B"),
    ("key = \"j\"\nscope = { health = [] }\nexec = { argv = [\"x\"] }", 2, "key `j` is already `select_next` in the health view", "free keys"),
    ("key = \"q\"\nexec = { argv = [\"x\"] }", 2, "key `q` is already `quit`", "free keys"),
    ("exec = { argv = [\"x\"] }\npatterns = { \"labels.x\" = \"(\" }", 3, "no template of action `a` uses `{labels.x}`", "the action uses: none"),
    ("scope = { alert = '' }\nexec = { argv = [\"x\", \"{labels.x}\"] }\npatterns = { \"labels.x\" = \"(\" }", 4, "`(` is not a valid regex", "whole value"),
    ("scope = { alert = '' }\nexec = { argv = [\"x\", \"{labels.service}\"] }\npatterns = { \"labels.servce\" = \"a\" }", 4, "uses `{labels.servce}`", "did you mean `labels.service`?"),
    ("exec = { argv = [\"x\"], env = { T = \"{secret.T}\" } }\npatterns = { \"secret.T\" = \"a\" }", 3, "secrets are not checked against patterns", "never shown"),
    ("exec = { argv = [\"x\"] }\npatterns = { \"frobnicate\" = \"a\" }", 3, "in `patterns`: unknown placeholder `{frobnicate}`", "placeholders:"),
    ("exec = { argv = [\"x\"] }\ndangerous = true\nconfirm = \"none\"", 4, "name must be typed to run it", "type_env"),
    ("exec = { argv = [\"x\"] }\ndangerous = true\nconfirm = \"yes_no\"", 4, "name must be typed to run it", "type_env"),
    ("exec = { argv = [\"x\"] }\nverify = { within = \"1m\" }", 3, "`verify` says neither what to watch", "alert_resolves"),
    ("scope = { alert = '' }\nexec = { argv = [\"x\"] }\nverify = { within = \"1m\", alert_resolves = true, health = \"ml_service\" }", 4, "both `health` and `alert_resolves`", "keep one"),
    ("exec = { argv = [\"x\"] }\nverify = { within = \"1m\", alert_resolves = true }", 3, "`alert_resolves` needs an action started from an alert", "scope"),
    ("exec = { argv = [\"x\"] }\nverify = { within = \"1m\", health = \"agente_negoci\" }", 3, "no health target is named `agente_negoci`", "did you mean `agente_negocio`?"),
    ("exec = { argv = [\"x\"] }\nenvironments = [\"staging\"]\nverify = { within = \"1m\", health = \"agente_negocio\" }", 4, "no health target is named `agente_negocio`", "offered: ml_service"),
    ("scope = { health = [\"redis\"] }\nexec = { argv = [\"x\"] }", 2, "no health target is named `redis`", "agente_negocio, ml_service"),
    ("exec = { argv = [\"x\"] }\nenvironments = []", 3, "offered nowhere", "remove the key"),
    ("exec = { argv = [\"x\"] }\nenvironments = [\"prod\"]", 3, "no environment is named `prod`", "production, staging"),
];

#[test]
fn every_semantic_problem_is_located_with_a_hint() {
    for (body, line, msg, hint) in SEMANTIC {
        let (l, m, h) = problem(&format!("[[action]]\nname = \"a\"\n{body}\n"));
        assert!(m.contains(msg), "{body}:\n  message {m:?}\n  wanted  {msg:?}");
        assert!(h.contains(hint), "{body}:\n  hint {h:?}\n  wanted {hint:?}");
        assert_eq!(l, *line, "{body}: {m}");
    }
}

#[test]
fn names_and_keys_are_unique() {
    let two = |a: &str, b: &str| {
        format!("[[action]]\n{a}\nexec = {{ argv = [\"x\"] }}\n\n[[action]]\n{b}\nexec = {{ argv = [\"y\"] }}\n")
    };
    let (line, m, _) = problem(&two("name = \"restart\"", "name = \"Restart\""));
    assert_eq!((line, m.as_str()), (5, "action `Restart` is defined twice (names are compared without case)"));
    let (_, m, h) = problem(&two("name = \"a b\"", "name = \"c\""));
    assert!(m.contains("may hold only letters, digits and _ . -"), "{m}");
    assert!(h.contains("audit trail"));
    let (line, m, h) = problem(&two("name = \"a\"\nkey = \"R\"", "name = \"b\"\nkey = \"R\""));
    assert_eq!((line, m.as_str()), (7, "key `R` also starts action `a` in the alerts view"));
    assert!(!h.contains(" R,") && h.contains("free keys"), "{h}");
    // Different views do not collide.
    let ok =
        two("name = \"a\"\nkey = \"R\"\nscope = { alert = '' }", "name = \"b\"\nkey = \"R\"\nscope = { health = [] }");
    load(&ok).unwrap();
}

#[test]
fn alert_scope_uses_alertmanager_matchers_and_the_labels_templates_need() {
    let c = load(
        r#"[[action]]
name = "restart"
scope = { alert = 'alertname="ServiceDown"' }
exec = { argv = ["docker", "compose", "restart", "{labels.service}"] }
"#,
    )
    .unwrap();
    let a = &c.actions[0];
    let alert = |pairs: &[(&str, &str)]| crate::actions::template::test_alert(pairs);
    assert!(a.applies_to_alert(&alert(&[("alertname", "ServiceDown"), ("service", "agente_negocio")])));
    assert!(!a.applies_to_alert(&alert(&[("alertname", "HighErrorRate"), ("service", "agente_negocio")])));
    assert!(!a.applies_to_alert(&alert(&[("alertname", "ServiceDown")])), "no service label");
    assert!(!a.applies_to_alert(&alert(&[("alertname", "ServiceDown"), ("service", "")])), "an empty label");
    assert!(!a.applies_to_target("agente_negocio"));
}

#[test]
fn specs_serialize_back_to_the_same_shape() {
    let c = load(
        "[[action]]\nname = \"a\"\nscope = { alert = 'x=\"1\"' }\nexec = { argv = [\"x\", \"{labels.x}\"] }\n\n\
         [[action]]\nname = \"b\"\nhttp = { url = \"https://x/\", body = { k = \"{env}\" } }\n",
    )
    .unwrap();
    let text = toml::to_string(&c).unwrap();
    let again = load_str("again.toml", &text).unwrap();
    assert_eq!(again.actions, c.actions, "{text}");
}
