//! Runbook actions: `[[action]]` entries, each either a program to run (`exec`, an argv array, never
//! a shell) or an HTTP request to send (`http`), offered globally or on the alerts / health targets
//! its `scope` selects. Templates and their safety rules: [`crate::actions::template`].
//!
//! ```toml
//! [[action]]
//! name = "restart"
//! description = "Restart the service's container"
//! key = "R"
//! scope = { alert = 'service=~".+"' }        # or "global", or { health = ["agente_negocio"] }
//! exec = { argv = ["docker", "compose", "restart", "{labels.service}"] }
//! timeout = "2m"
//! cooldown = "5m"
//! verify = { alert_resolves = true, within = "2m" }
//! ```

use super::action_kind::{ActionKind, Exec, Http};
use super::Dur;
use crate::actions::template::{Part, Placeholder, Template};
use crate::alerts::filter::{parse_matchers, Compiled};
use crate::alerts::model::{Alert, Labels};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::time::Duration;

/// One action.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(try_from = "RawAction", into = "RawAction")]
pub struct ActionSpec {
    /// Letters, digits, `_ . -`; unique. Shown in menus and written to the audit trail.
    pub name: String,
    pub description: String,
    /// The key that starts it (`R`, `ctrl-r`), in the views its scope puts it in.
    pub key: Option<String>,
    pub scope: Scope,
    pub kind: ActionKind,
    /// The whole run (the process group is killed at the limit, or the request abandoned).
    pub timeout: Dur,
    /// Unset: [`Confirm::TypeEnv`] in production environments and for dangerous actions, [`Confirm::YesNo`]
    /// elsewhere.
    pub confirm: Option<Confirm>,
    /// Refused in read-only mode.
    pub dangerous: bool,
    /// At most one run per target within this time; unset for none.
    pub cooldown: Option<Dur>,
    /// After a successful run, watch for the recovery.
    pub verify: Option<Verify>,
    /// Safe patterns per placeholder (`"labels.service" = "agente_[a-z]+"`), replacing the default.
    pub patterns: BTreeMap<String, String>,
    /// The environments it is offered in; every one when unset.
    pub environments: Option<Vec<String>>,
    /// The alert labels its templates use (an alert lacking one is not offered the action).
    required_labels: Vec<String>,
}

/// Where an action is offered.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// From anywhere, about nothing in particular (`scope = "global"`).
    #[default]
    Global,
    /// On the alerts these Alertmanager matchers select (`scope = { alert = 'alertname="ServiceDown"' }`;
    /// an empty string selects every alert).
    Alert(AlertScope),
    /// On these health targets (`scope = { health = ["agente_negocio"] }`; an empty list: every one).
    Health(Vec<String>),
}

/// Label matchers in Alertmanager syntax, compiled once.
#[derive(Debug, Clone)]
pub struct AlertScope {
    pub text: String,
    pub matchers: Vec<Compiled>,
}

impl AlertScope {
    pub fn parse(text: &str) -> Result<AlertScope, String> {
        let matchers = parse_matchers(text)?.into_iter().map(Compiled::new).collect::<Result<_, _>>()?;
        Ok(AlertScope { text: text.to_string(), matchers })
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        self.matchers.iter().all(|m| m.matches(labels))
    }
}

impl PartialEq for AlertScope {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl<'de> Deserialize<'de> for AlertScope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AlertScope::parse(&s).map_err(|e| {
            serde::de::Error::custom(format!(
                "{e}\nhint: write Alertmanager matchers, e.g. 'alertname=\"ServiceDown\", service=~\"agente.*\"'"
            ))
        })
    }
}

impl Serialize for AlertScope {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// How a run is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Confirm {
    /// Runs at once (not allowed for dangerous actions).
    None,
    /// `y` to run.
    YesNo,
    /// The environment's name must be typed.
    TypeEnv,
}

/// What to watch after a successful run: one health target, or the alert the action started from.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Verify {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<String>,
    #[serde(default)]
    pub alert_resolves: bool,
    /// The time it has to recover in.
    pub within: Dur,
}

#[derive(Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default)]
    scope: Scope,
    #[serde(skip_serializing_if = "Option::is_none")]
    exec: Option<Exec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http: Option<Http>,
    #[serde(default = "default_timeout")]
    timeout: Dur,
    #[serde(skip_serializing_if = "Option::is_none")]
    confirm: Option<Confirm>,
    #[serde(default)]
    dangerous: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    cooldown: Option<Dur>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<Verify>,
    #[serde(default)]
    patterns: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environments: Option<Vec<String>>,
}

fn default_timeout() -> Dur {
    Dur(Duration::from_secs(60))
}

impl TryFrom<RawAction> for ActionSpec {
    type Error = String;

    fn try_from(r: RawAction) -> Result<Self, String> {
        let kind = match (r.exec, r.http) {
            (Some(e), None) => ActionKind::Exec(e),
            (None, Some(h)) => ActionKind::Http(h),
            (Some(_), Some(_)) => {
                return Err(format!(
                    "action `{}` has both `exec` and `http`\nhint: an action either runs a program or sends a request; keep one",
                    r.name
                ))
            }
            (None, None) => {
                return Err(format!(
                    "missing field `exec` or `http` in action `{}`\nhint: an action runs a program or sends a request; add exec = {{ argv = [\"…\"] }} or http = {{ method = \"POST\", url = \"https://…\" }}",
                    r.name
                ))
            }
        };
        let mut spec = ActionSpec {
            name: r.name,
            description: r.description,
            key: r.key,
            scope: r.scope,
            kind,
            timeout: r.timeout,
            confirm: r.confirm,
            dangerous: r.dangerous,
            cooldown: r.cooldown,
            verify: r.verify,
            patterns: r.patterns,
            environments: r.environments,
            required_labels: Vec::new(),
        };
        let mut labels: Vec<String> = spec
            .templates()
            .filter_map(|(_, text)| Template::parse(text).ok())
            .flat_map(|t| t.parts)
            .filter_map(|p| match p {
                Part::Ph(Placeholder::Label(l)) => Some(l),
                _ => None,
            })
            .collect();
        labels.sort();
        labels.dedup();
        spec.required_labels = labels;
        Ok(spec)
    }
}

impl From<ActionSpec> for RawAction {
    fn from(s: ActionSpec) -> RawAction {
        let (exec, http) = match s.kind {
            ActionKind::Exec(e) => (Some(e), None),
            ActionKind::Http(h) => (None, Some(h)),
        };
        RawAction {
            name: s.name,
            description: s.description,
            key: s.key,
            scope: s.scope,
            exec,
            http,
            timeout: s.timeout,
            confirm: s.confirm,
            dangerous: s.dangerous,
            cooldown: s.cooldown,
            verify: s.verify,
            patterns: s.patterns,
            environments: s.environments,
        }
    }
}

/// Where a template sits in an action, for problems and for the rules that apply there.
#[derive(Debug, Clone, PartialEq)]
pub enum TemplateAt {
    Argv(usize),
    Env(String),
    Url,
    Header(String),
    /// A string in the body (its path is not tracked).
    Body,
}

impl ActionSpec {
    /// How a run is confirmed in an environment (production or not). A dangerous action always asks
    /// for the environment's name (the guards refuse it otherwise).
    pub fn confirm_for(&self, production: bool) -> Confirm {
        if self.dangerous {
            return Confirm::TypeEnv;
        }
        self.confirm.unwrap_or(if production { Confirm::TypeEnv } else { Confirm::YesNo })
    }

    /// Whether it is offered in the environment named `env`.
    pub fn offered_in(&self, env: &str) -> bool {
        self.environments.as_ref().is_none_or(|es| es.iter().any(|e| e == env))
    }

    /// Whether it applies to `alert`: an alert-scoped action whose matchers select the alert, which
    /// has every label the templates use (not empty).
    pub fn applies_to_alert(&self, alert: &Alert) -> bool {
        match &self.scope {
            Scope::Alert(s) => {
                s.matches(&alert.labels)
                    && self.required_labels.iter().all(|l| alert.labels.get(l).is_some_and(|v| !v.is_empty()))
            }
            _ => false,
        }
    }

    /// Whether it applies to the health target named `name`.
    pub fn applies_to_target(&self, name: &str) -> bool {
        matches!(&self.scope, Scope::Health(names) if names.is_empty() || names.iter().any(|n| n == name))
    }

    /// The alert labels its templates use.
    pub fn required_labels(&self) -> &[String] {
        &self.required_labels
    }

    /// The key, parsed (`None` when unset or when it does not parse; validation reports that).
    pub fn parsed_key(&self) -> Option<crate::keymap::Key> {
        self.key.as_deref().and_then(|k| crate::keymap::Key::parse(k).ok())
    }

    /// Every template of the action with where it sits (body strings in document order).
    pub fn templates(&self) -> impl Iterator<Item = (TemplateAt, &str)> {
        let mut out: Vec<(TemplateAt, &str)> = Vec::new();
        match &self.kind {
            ActionKind::Exec(e) => {
                out.extend(e.argv.iter().enumerate().map(|(i, a)| (TemplateAt::Argv(i), a.as_str())));
                out.extend(e.env.iter().map(|(k, v)| (TemplateAt::Env(k.clone()), v.as_str())));
            }
            ActionKind::Http(h) => {
                out.push((TemplateAt::Url, h.url.as_str()));
                out.extend(h.headers.iter().map(|(k, v)| (TemplateAt::Header(k.clone()), v.as_str())));
                if let Some(b) = &h.body {
                    body_strings(b, &mut out);
                }
            }
        }
        out.into_iter()
    }
}

fn body_strings<'a>(v: &'a toml::Value, out: &mut Vec<(TemplateAt, &'a str)>) {
    match v {
        toml::Value::String(s) => out.push((TemplateAt::Body, s)),
        toml::Value::Array(a) => a.iter().for_each(|x| body_strings(x, out)),
        toml::Value::Table(t) => t.values().for_each(|x| body_strings(x, out)),
        _ => {}
    }
}
