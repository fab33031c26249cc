//! Rendering whole actions: the Mini Market profile's actions against a ServiceDown alert, and the
//! shell-quoted form the confirmation shows.

use super::*;
use crate::actions::template::{test_alert, Secrets};
use crate::config::{Config, Confirm};

const NOW: i64 = 1_700_000_123_456;

fn profile() -> Config {
    crate::config::load_str("minimarket.toml", include_str!("../../../examples/minimarket.toml")).unwrap()
}

fn action<'a>(c: &'a Config, name: &str) -> &'a ActionSpec {
    c.actions.iter().find(|a| a.name == name).unwrap_or_else(|| panic!("no action {name}"))
}

fn service_down() -> crate::alerts::model::Alert {
    test_alert(&[
        ("alertname", "ServiceDown"),
        ("severity", "critical"),
        ("category", "availability"),
        ("job", "agente_negocio"),
        ("instance", "negocio"),
        ("service", "agente_negocio"),
        ("cluster", "minimarket-prod"),
        ("environment", "production"),
    ])
}

fn argv(r: &Rendered) -> &[String] {
    match r {
        Rendered::Exec(c) => &c.argv,
        Rendered::Http(_) => panic!("not a program"),
    }
}

#[test]
fn the_mini_market_actions_expand_to_exactly_their_commands() {
    let c = profile();
    let alert = service_down();
    let run = |name: &str| render(action(&c, name), &Ctx::new(name, "production", "ana", NOW).with_alert(&alert));

    let restart = run("restart").unwrap();
    // Their compose file names this container agente_negocio (the compose service is agente-negocio).
    assert_eq!(argv(&restart), ["docker", "restart", "agente_negocio"]);
    assert_eq!(restart.display_argv().unwrap(), "docker restart agente_negocio");
    assert_eq!(restart.display(), "docker restart agente_negocio");

    let rollback = run("rollback").unwrap();
    assert_eq!(argv(&rollback), ["./scripts/rollback.sh", "agente_negocio", "previous"]);
    assert_eq!(
        rollback.display(),
        "./scripts/rollback.sh agente_negocio previous\n  in /opt/minimarket/inventario-retail"
    );

    let backup = render(action(&c, "backup-db"), &Ctx::new("backup-db", "production", "ana", NOW)).unwrap();
    assert_eq!(argv(&backup), ["./backup_database.sh", "production"]);
}

#[test]
fn the_mini_market_actions_are_offered_where_they_belong() {
    let c = profile();
    let alert = service_down();
    let (restart, rollback, backup, rotate) =
        (action(&c, "restart"), action(&c, "rollback"), action(&c, "backup-db"), action(&c, "rotate-api-key"));
    assert!(restart.applies_to_alert(&alert) && rollback.applies_to_alert(&alert));
    let postgres = test_alert(&[("alertname", "DatabaseDown"), ("service", "postgres")]);
    assert!(!restart.applies_to_alert(&postgres) && !rollback.applies_to_alert(&postgres));
    // The dashboard's container is retail_dashboard, not its label: no restart, but a rollback.
    let dashboard = test_alert(&[("alertname", "ServiceDown"), ("service", "dashboard")]);
    assert!(!restart.applies_to_alert(&dashboard) && rollback.applies_to_alert(&dashboard));
    let no_service = test_alert(&[("alertname", "DiskSpaceLow")]);
    assert!(!restart.applies_to_alert(&no_service));
    assert!(!backup.applies_to_alert(&alert) && !backup.applies_to_target("agente_negocio"));
    assert_eq!((restart.confirm_for(true), restart.confirm_for(false)), (Confirm::TypeEnv, Confirm::YesNo));
    assert_eq!((rollback.confirm_for(false), backup.confirm_for(true)), (Confirm::TypeEnv, Confirm::YesNo));
    assert!(rollback.dangerous && rotate.dangerous && !restart.dangerous);
    let v = restart.verify.as_ref().unwrap();
    assert!(v.alert_resolves && v.within.0 == std::time::Duration::from_secs(120));
}

#[test]
fn the_mini_market_key_rotation_sends_the_token_and_never_shows_it() {
    let c = profile();
    let secrets = Secrets::Fixed([("MINIMARKET_ADMIN_TOKEN".to_string(), "eyJhbGciOi.secret".to_string())].into());
    let ctx = Ctx::new("rotate-api-key", "production", "ana", NOW).with_secrets(secrets);
    let r = render(action(&c, "rotate-api-key"), &ctx).unwrap();
    let Rendered::Http(req) = &r else { panic!("{r:?}") };
    assert_eq!(req.headers[0].1.reveal(), "Bearer eyJhbGciOi.secret");
    assert_eq!(
        r.display(),
        "POST https://localhost:8080/admin/api-keys/rotate\nAuthorization: Bearer <secret:MINIMARKET_ADMIN_TOKEN>\n\
         Content-Type: application/json\n\n\
         {\"at\":\"2023-11-14T22:15:23Z\",\"environment\":\"production\",\"requested_by\":\"ana\"}"
    );
    assert!(!format!("{r:?}").contains("eyJ"));
    assert_eq!(r.display_argv(), None);
}

#[test]
fn a_hostile_label_on_the_mini_market_restart_is_refused() {
    let c = profile();
    let alert =
        test_alert(&[("alertname", "ServiceDown"), ("service", "agente_negocio; docker rm -f $(docker ps -q)")]);
    let e =
        render(action(&c, "restart"), &Ctx::new("restart", "production", "ana", NOW).with_alert(&alert)).unwrap_err();
    assert!(
        e.to_string().starts_with("action `restart` refused: {labels.service} = \"agente_negocio; docker rm"),
        "{e}"
    );
}

#[test]
fn the_display_is_quoted_like_a_shell_would_need() {
    let cmd = |argv: &[&str]| Command {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        env: Vec::new(),
        cwd: None,
        interactive: false,
    };
    let c = cmd(&["docker", "compose", "restart", "agente negocio", "it's", "", "--to=previous", "$(id)"]);
    assert_eq!(c.display_argv(), r#"docker compose restart 'agente negocio' 'it'\''s' '' --to=previous '$(id)'"#);
    assert_eq!(cmd(&["a=b", "x=y"]).display_argv(), "'a=b' x=y", "a first word with `=` would be an assignment");
    assert_eq!(
        cmd(&["printf", "a\nb", "tab\there", "rtl\u{202E}x"]).display_argv(),
        r"printf $'a\nb' $'tab\there' $'rtl\u202ex'"
    );
    assert_eq!(cmd(&["echo", "Depósito"]).display_argv(), "echo 'Depósito'");
}

#[test]
fn exec_env_and_options_are_shown_with_secrets_redacted() {
    let spec_toml = r#"
[[environment]]
name = "staging"
prometheus = { url = "http://localhost:9091" }
[[dashboard]]
name = "S"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]
[[action]]
name = "psql"
exec = { argv = ["psql", "-h", "db"], interactive = true, cwd = "/srv/x y", env = { PGPASSWORD = "{secret.PG}", PGAPPNAME = "centinela-{user}" } }
"#;
    let c = crate::config::load_str("c.toml", spec_toml).unwrap();
    let secrets = Secrets::Fixed([("PG".to_string(), "hunter2".to_string())].into());
    let r = render(&c.actions[0], &Ctx::new("psql", "staging", "ana", NOW).with_secrets(secrets)).unwrap();
    assert_eq!(
        r.display(),
        "psql -h db\n  env PGAPPNAME=centinela-ana\n  env PGPASSWORD='<secret:PG>'\n  in '/srv/x y'\n  \
         interactive: the dashboard is suspended while it runs"
    );
    let Rendered::Exec(cmd) = &r else { panic!() };
    assert_eq!(cmd.env[1].1.reveal(), "hunter2");
    assert!(!format!("{r:?}").contains("hunter2"));
}
