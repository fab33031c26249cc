//! The demo's runbook actions. The Mini Market profile's actions run `docker` and the stack's
//! scripts, or call its admin endpoint on `localhost`: on the machine of someone trying `--demo`,
//! that would restart *their* containers or run whatever sits at those paths. So the demo rewires
//! each action it knows into an HTTP request to the simulated deployer ([`crate::sim::deployer`]),
//! keeping its key, scope, confirmation, danger, timeout, cooldown, patterns and verification, and
//! drops every other action.

use crate::config::{ActionSpec, Config};
use crate::demo::DemoHandle;
use crate::sim::services::DEMO_TOKEN;

/// The name the demo's deployer token goes by in action templates.
pub const DEMO_SECRET: &str = "CENTINELA_DEMO_TOKEN";

/// The demo's secrets: the deployer's token, by [`DEMO_SECRET`].
pub fn demo_secrets() -> crate::actions::template::Secrets {
    crate::actions::template::Secrets::Fixed([(DEMO_SECRET.to_string(), DEMO_TOKEN.to_string())].into())
}
use anyhow::{anyhow, Context};

/// Where each known action goes on the deployer, and the JSON body it sends (string values are
/// templates).
fn route(name: &str) -> Option<(&'static str, toml::Table)> {
    let body = |pairs: &[(&str, &str)]| -> toml::Table {
        pairs.iter().map(|(k, v)| (k.to_string(), toml::Value::String(v.to_string()))).collect()
    };
    Some(match name {
        "restart" => ("/v1/services/{labels.service}/restart", body(&[("requested_by", "{user}")])),
        "rollback" => {
            ("/v1/services/{labels.service}/rollback", body(&[("to", "previous"), ("requested_by", "{user}")]))
        }
        "backup-db" => ("/v1/backups", body(&[("environment", "{env}"), ("requested_by", "{user}")])),
        "rotate-api-key" => {
            ("/v1/api-keys/rotate", body(&[("environment", "{env}"), ("requested_by", "{user}"), ("at", "{now}")]))
        }
        _ => return None,
    })
}

/// Rewire `c`'s actions to the demo's deployer (see the module docs); the others are dropped.
///
/// The deployer's token is a `{secret.CENTINELA_DEMO_TOKEN}` placeholder like a real profile's, so
/// it is shown as `<secret:…>` and redacted from the audit trail; the demo has no environment to
/// read it from, so [`demo_secrets`] hands its value (the public constant [`DEMO_TOKEN`]) to the
/// expansion directly.
pub fn rewire(c: &mut Config, demo: &DemoHandle) -> anyhow::Result<()> {
    let mut kept = Vec::new();
    for a in c.actions.drain(..) {
        let Some((path, body)) = route(&a.name) else {
            tracing::info!(action = %a.name, "the demo drops an action it has no simulated endpoint for");
            continue;
        };
        kept.push(to_http(&a, &format!("{}{path}", demo.deployer_url), body)?);
    }
    c.actions = kept;
    Ok(())
}

/// `a` as a POST of `body` to `url` (expecting 200), through its TOML form so the spec is checked
/// and its required labels worked out again as when it is loaded. The restart verifies that the
/// alert resolves within a minute (the demo's alerts refresh every 5 s).
fn to_http(a: &ActionSpec, url: &str, body: toml::Table) -> anyhow::Result<ActionSpec> {
    let name = a.name.clone();
    let mut v = toml::Value::try_from(a.clone()).with_context(|| format!("action `{name}`"))?;
    let t = v.as_table_mut().ok_or_else(|| anyhow!("action `{name}` is not a table"))?;
    t.remove("exec");
    let mut http = toml::Table::new();
    http.insert("method".into(), "POST".into());
    http.insert("url".into(), url.into());
    let mut headers = toml::Table::new();
    headers.insert("Authorization".into(), format!("Bearer {{secret.{DEMO_SECRET}}}").into());
    http.insert("headers".into(), headers.into());
    http.insert("body".into(), body.into());
    http.insert("expect_status".into(), toml::Value::Array(vec![200.into()]));
    t.insert("http".into(), http.into());
    if name == "restart" {
        let mut verify = toml::Table::new();
        verify.insert("alert_resolves".into(), true.into());
        verify.insert("within".into(), "60s".into());
        t.insert("verify".into(), verify.into());
    }
    v.try_into().map_err(|e| anyhow!("the demo's action `{name}` does not load: {e}"))
}
