//! From a key press to something the runtime can run: which actions are offered on what is selected,
//! and one action made concrete for one run (its command, the guard-rail policy, what the audit
//! trail calls the target). Pure apart from reading `{secret.NAME}` values from the process
//! environment while expanding (the only place a secret's value is read).

use super::attempt::{AttemptMeta, Command, Policy};
use super::audit::{Confirmation, Origin};
use super::run::{ExecCommand, HttpCommand};
use super::spec::{render, Rendered};
use super::template::Ctx;
use crate::alerts::model::Alert;
use crate::config::{ActionSpec, Confirm, Scope};
use std::sync::Arc;

/// What an action is started on.
#[derive(Debug, Clone, PartialEq)]
pub enum Subject {
    /// Nothing in particular (a global action).
    Global,
    /// A firing alert.
    Alert(Arc<Alert>),
    /// A health target: its name and URL.
    Target { name: String, url: String },
}

impl Subject {
    /// What the audit trail and the screen call it: `ServiceDown on agente_negocio`, `health target
    /// ml_service`, or the environment for a global action.
    pub fn describe(&self, env: &str) -> String {
        match self {
            Subject::Global => format!("environment {env}"),
            Subject::Target { name, .. } => format!("health target {name}"),
            Subject::Alert(a) => {
                let name = a.labels.get("alertname").map(String::as_str).unwrap_or("alert");
                let on = ["service", "job", "instance", "container", "name"]
                    .iter()
                    .find_map(|k| a.labels.get(*k).filter(|v| !v.is_empty()));
                match on {
                    Some(on) => format!("{name} on {on}"),
                    None => name.to_string(),
                }
            }
        }
    }

    /// Whether `spec` is offered on this subject.
    pub fn offers(&self, spec: &ActionSpec) -> bool {
        match self {
            Subject::Global => spec.scope == Scope::Global,
            Subject::Alert(a) => spec.scope == Scope::Global || spec.applies_to_alert(a),
            Subject::Target { name, .. } => spec.scope == Scope::Global || spec.applies_to_target(name),
        }
    }

    fn fingerprint(&self) -> Option<String> {
        match self {
            Subject::Alert(a) => Some(a.fingerprint.clone()),
            _ => None,
        }
    }
}

/// Where the action runs and who runs it.
#[derive(Debug, Clone)]
pub struct Place<'a> {
    pub env: &'a str,
    pub production: bool,
    /// The effective read-only flag (command line, settings or environment).
    pub read_only: bool,
    pub origin: &'a Origin,
    pub now_ms: i64,
    /// Where `{secret.NAME}` values come from.
    pub secrets: &'a super::template::Secrets,
}

/// One action ready to confirm and run.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    /// The spec's index in the config.
    pub index: usize,
    pub name: String,
    /// What it acts on, in words ([`Subject::describe`]).
    pub target: String,
    /// The whole command or request as the confirmation shows it (secrets as `<secret:NAME>`).
    pub shown: String,
    pub command: Command,
    pub confirm: Confirm,
    pub policy: Policy,
    pub alert_fingerprint: Option<String>,
    /// Runs in the terminal with the dashboard suspended.
    pub interactive: bool,
}

impl Prepared {
    /// The attempt's description for the audit trail, with the confirmation the user gave.
    pub fn meta(&self, env: &str, origin: &Origin, confirmation: Confirmation) -> AttemptMeta {
        AttemptMeta {
            attempt: String::new(),
            action: self.name.clone(),
            target: self.target.clone(),
            environment: env.to_string(),
            confirmation,
            alert_fingerprint: self.alert_fingerprint.clone(),
            origin: origin.clone(),
        }
    }
}

/// Why an action cannot run, said once on screen and once in the audit trail.
#[derive(Debug, Clone, PartialEq)]
pub struct Refused {
    pub name: String,
    pub target: String,
    pub reason: String,
    pub alert_fingerprint: Option<String>,
}

/// Expand `spec` (number `index` in the config) for `subject` at `place`.
pub fn prepare(index: usize, spec: &ActionSpec, subject: &Subject, place: &Place) -> Result<Prepared, Refused> {
    let target = subject.describe(place.env);
    let refused = |reason: String| Refused {
        name: spec.name.clone(),
        target: target.clone(),
        reason,
        alert_fingerprint: subject.fingerprint(),
    };
    if !spec.offered_in(place.env) {
        let list = spec.environments.as_deref().unwrap_or_default().join(", ");
        return Err(refused(format!("{} is offered only in: {list}", spec.name)));
    }
    let mut ctx = Ctx::new(&spec.name, place.env, &place.origin.user, place.now_ms).with_secrets(place.secrets.clone());
    match subject {
        Subject::Global => {}
        Subject::Alert(a) => ctx = ctx.with_alert(a),
        Subject::Target { name, url } => ctx = ctx.with_target(name, url),
    }
    let rendered = render(spec, &ctx).map_err(|r| refused(r.to_string()))?;
    let shown = rendered.display();
    let timeout = spec.timeout.0;
    let (command, interactive) = match rendered {
        Rendered::Exec(c) => {
            let exec = ExecCommand {
                argv: c.argv,
                cwd: c.cwd,
                env: c.env.into_iter().map(|(k, v)| (k, v.into_revealed())).collect(),
                timeout,
            };
            (if c.interactive { Command::Interactive(exec) } else { Command::Exec(exec) }, c.interactive)
        }
        Rendered::Http(r) => {
            let expect_status = match &spec.kind {
                crate::config::ActionKind::Http(h) => h.expect_status.clone(),
                crate::config::ActionKind::Exec(_) => Vec::new(),
            };
            let http = HttpCommand {
                method: r.method.as_str().to_string(),
                url: r.url.clone(),
                headers: r.headers.into_iter().map(|(k, v)| (k, v.into_revealed())).collect(),
                body: r.body.map(|b| b.reveal().to_string()),
                expect_status,
                timeout,
            };
            (Command::Http(http), false)
        }
    };
    Ok(Prepared {
        index,
        name: spec.name.clone(),
        target,
        shown,
        command,
        confirm: spec.confirm_for(place.production),
        policy: Policy {
            cooldown: spec.cooldown.map(|d| d.0).unwrap_or_default(),
            dangerous: spec.dangerous,
            read_only: place.read_only,
        },
        alert_fingerprint: subject.fingerprint(),
        interactive,
    })
}

/// The actions offered on `subject` in environment `env`, as (index, spec), in config order.
pub fn offered<'a>(specs: &'a [ActionSpec], subject: &'a Subject, env: &'a str) -> Vec<(usize, &'a ActionSpec)> {
    specs.iter().enumerate().filter(|(_, s)| s.offered_in(env) && subject.offers(s)).collect()
}

#[cfg(test)]
mod tests;
