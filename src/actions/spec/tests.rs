//! Rendering whole actions, and the shell-quoted form the confirmation shows.

use super::*;
use crate::actions::template::Secrets;

const NOW: i64 = 1_700_000_123_456;

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
