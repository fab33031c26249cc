use super::*;
use crate::actions::audit::Origin;
use crate::alerts::model::{AmState, Labels};

fn specs(toml: &str) -> Vec<ActionSpec> {
    let text = format!(
        "[[environment]]\nname = \"prod\"\nprometheus = {{ url = \"http://x\" }}\n\
         health = [{{ name = \"db\", url = \"http://db/health\" }}]\n\
         [[environment]]\nname = \"staging\"\nprometheus = {{ url = \"http://y\" }}\n[[dashboard]]\nname = \"D\"\n\
         [[dashboard.panel]]\ntitle = \"P\"\nkind = \"stat\"\nquery = [{{ expr = \"up\" }}]\n{toml}"
    );
    crate::config::load_str("t.toml", &text).unwrap().actions
}

fn alert(labels: &[(&str, &str)]) -> Subject {
    Subject::Alert(Arc::new(Alert {
        fingerprint: "fp".into(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Labels>(),
        annotations: Labels::new(),
        starts_at_ms: 0,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    }))
}

static ENV: crate::actions::template::Secrets = crate::actions::template::Secrets::Env;

fn place(origin: &Origin) -> Place<'_> {
    Place { env: "prod", production: true, read_only: false, origin, now_ms: 1_700_000_000_000, secrets: &ENV }
}

#[test]
fn subjects_are_named_for_people_and_the_audit_trail() {
    assert_eq!(alert(&[("alertname", "HighLatency"), ("job", "ml")]).describe("p"), "HighLatency on ml");
    assert_eq!(alert(&[("alertname", "Watchdog")]).describe("p"), "Watchdog");
    assert_eq!(Subject::Target { name: "db".into(), url: "http://db".into() }.describe("p"), "health target db");
    assert_eq!(Subject::Global.describe("prod"), "environment prod");
}

#[test]
fn http_secrets_are_sent_but_never_shown() {
    let s = specs(
        "[[action]]\nname = \"rotate\"\nscope = \"global\"\n[action.http]\nmethod = \"POST\"\n\
         url = \"https://admin.example/rotate/{env}\"\nheaders = { Authorization = \"Bearer {secret.ROT_TOKEN}\" }\n\
         body = { by = \"{user}\" }\n",
    );
    std::env::set_var("ROT_TOKEN", "s3cr3t-value");
    let origin = Origin { user: "ana".into(), host: "h".into() };
    let p = prepare(0, &s[0], &Subject::Global, &place(&origin)).unwrap();
    assert!(!p.shown.contains("s3cr3t-value"), "{}", p.shown);
    assert!(p.shown.contains("<secret:ROT_TOKEN>"), "{}", p.shown);
    let Command::Http(h) = &p.command else { panic!("http") };
    assert_eq!(h.url, "https://admin.example/rotate/prod");
    assert!(h.headers.iter().any(|(n, v)| n == "Authorization" && v == "Bearer s3cr3t-value"));
    assert_eq!(h.body.as_deref(), Some(r#"{"by":"ana"}"#));
    assert_eq!(p.confirm, Confirm::TypeEnv, "production defaults to typing the name");
    let secrets = crate::actions::setup::secret_values(&s, &ENV);
    assert_eq!(secrets, vec!["s3cr3t-value".to_string()], "the runner redacts it from every record");
}

#[test]
fn offered_follows_scope_labels_and_environments() {
    let s = specs(
        "[[action]]\nname = \"restart\"\nscope = { alert = 'service=~\".+\"' }\nexec = { argv = [\"r\", \"{labels.service}\"] }\n\
         [[action]]\nname = \"stg-only\"\nscope = \"global\"\nenvironments = [\"staging\"]\nexec = { argv = [\"x\"] }\n\
         [[action]]\nname = \"probe\"\nscope = { health = [\"db\"] }\nexec = { argv = [\"p\", \"{target.name}\"] }\n",
    );
    let names =
        |sub: &Subject, env: &str| offered(&s, sub, env).iter().map(|(_, a)| a.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&alert(&[("service", "api")]), "prod"), ["restart"]);
    assert!(names(&alert(&[("job", "api")]), "prod").is_empty(), "no service label, no restart");
    assert_eq!(names(&Subject::Global, "staging"), ["stg-only"]);
    assert_eq!(names(&Subject::Target { name: "db".into(), url: "http://db".into() }, "prod"), ["probe"]);
    let origin = Origin::default();
    let r = prepare(1, &s[1], &Subject::Global, &place(&origin)).unwrap_err();
    assert_eq!(r.reason, "stg-only is offered only in: staging");
}
