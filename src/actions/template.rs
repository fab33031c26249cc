//! Action templates: `{name.path}` placeholders in an otherwise literal text, `{{` and `}}` for
//! literal braces. Nothing is ever handed to a shell: an exec action's argv is expanded argument by
//! argument (an argument is never split or joined), and every value a placeholder brings in must
//! pass the safety rules (listed in `template/safety.rs`; [`Rule`] names the one broken) or the whole
//! action is refused with a one-line [`Refusal`].
//!
//! Placeholders: `env`, `user`, `now` (RFC 3339, UTC), `labels.<name>` (the alert's labels),
//! `alert.fingerprint`, `alert.name`, `alert.starts_at`, `target.name`, `target.url` (a health
//! target) and `secret.<ENV_VAR>` (read from the environment when the action is expanded; allowed in
//! exec `env` values, HTTP headers and bodies only, and shown as `<secret:NAME>`).

mod http;
mod safety;

pub use http::{expand_http, Body, Request};
pub use safety::{
    anchored, is_invisible, Field, Patterns, Refusal, Rule, Text, DEFAULT_PATTERN, MAX_BODY_VALUE, MAX_VALUE,
};

use crate::alerts::model::Alert;
use std::collections::BTreeMap;
use std::fmt;

/// The placeholders that take no argument, as written between the braces.
pub const FIXED: &[&str] =
    &["env", "user", "now", "alert.fingerprint", "alert.name", "alert.starts_at", "target.name", "target.url"];

/// What a `{…}` stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placeholder {
    Env,
    User,
    Now,
    Label(String),
    AlertFingerprint,
    AlertName,
    AlertStartsAt,
    TargetName,
    TargetUrl,
    Secret(String),
}

/// What a placeholder needs from the place an action is started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    Nothing,
    Alert,
    Target,
}

fn is_ident(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && it.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Placeholder {
    /// Parse the text between the braces. The error says what was meant, when it can guess.
    pub fn parse(name: &str) -> Result<Placeholder, (String, String)> {
        use Placeholder::*;
        let fixed = match name {
            "env" => Some(Env),
            "user" => Some(User),
            "now" => Some(Now),
            "alert.fingerprint" => Some(AlertFingerprint),
            "alert.name" => Some(AlertName),
            "alert.starts_at" => Some(AlertStartsAt),
            "target.name" => Some(TargetName),
            "target.url" => Some(TargetUrl),
            _ => None,
        };
        if let Some(p) = fixed {
            return Ok(p);
        }
        for (prefix, make) in [("labels.", Label as fn(String) -> Placeholder), ("secret.", Secret)] {
            if let Some(rest) = name.strip_prefix(prefix) {
                return if is_ident(rest) {
                    Ok(make(rest.to_string()))
                } else {
                    Err((
                        format!("`{{{name}}}`: `{rest}` is not a valid name"),
                        "names are letters, digits and _, not starting with a digit".into(),
                    ))
                };
            }
        }
        let hint = if let Some(rest) = name.strip_prefix("label.").or_else(|| name.strip_prefix("alert.labels.")) {
            format!("did you mean `{{labels.{rest}}}`?")
        } else if let Some(rest) = name.strip_prefix("secrets.").or_else(|| name.strip_prefix("env.")) {
            format!("did you mean `{{secret.{rest}}}`?")
        } else if let Some(n) = crate::config::nearest(name, FIXED.iter().copied()) {
            format!("did you mean `{{{n}}}`?")
        } else {
            format!(
                "placeholders: {}, labels.<name>, secret.<ENV_VAR>; write {{{{ for a literal brace",
                FIXED.join(", ")
            )
        };
        Err((format!("unknown placeholder `{{{name}}}`"), hint))
    }

    /// The name as written between the braces (and as a key of an action's `patterns`).
    pub fn key(&self) -> String {
        use Placeholder::*;
        match self {
            Label(n) => format!("labels.{n}"),
            Secret(n) => format!("secret.{n}"),
            Env => "env".into(),
            User => "user".into(),
            Now => "now".into(),
            AlertFingerprint => "alert.fingerprint".into(),
            AlertName => "alert.name".into(),
            AlertStartsAt => "alert.starts_at".into(),
            TargetName => "target.name".into(),
            TargetUrl => "target.url".into(),
        }
    }

    pub fn is_secret(&self) -> bool {
        matches!(self, Placeholder::Secret(_))
    }

    pub fn needs(&self) -> Needs {
        use Placeholder::*;
        match self {
            Label(_) | AlertFingerprint | AlertName | AlertStartsAt => Needs::Alert,
            TargetName | TargetUrl => Needs::Target,
            Env | User | Now | Secret(_) => Needs::Nothing,
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}", self.key())
    }
}

/// One piece of a template.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Lit(String),
    Ph(Placeholder),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub parts: Vec<Part>,
}

/// A template that does not parse: what is wrong, and how to write it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateError {
    pub message: String,
    pub hint: String,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.hint)
    }
}

impl Template {
    pub fn parse(text: &str) -> Result<Template, TemplateError> {
        let err = |message: String, hint: &str| TemplateError { message, hint: hint.into() };
        let mut parts = Vec::new();
        let mut lit = String::new();
        let mut chars = text.char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|p| p.1) == Some('{') => {
                    chars.next();
                    lit.push('{');
                }
                '}' if chars.peek().map(|p| p.1) == Some('}') => {
                    chars.next();
                    lit.push('}');
                }
                '}' => return Err(err(format!("a lone `}}` in `{text}`"), "write `}}` for a literal brace")),
                '{' => {
                    let rest = &text[i + 1..];
                    let Some(end) = rest.find(['}', '{']).filter(|&e| rest.as_bytes()[e] == b'}') else {
                        return Err(err(
                            format!("a `{{` that is never closed in `{text}`"),
                            "close it, e.g. {labels.service}, or write `{{` for a literal brace",
                        ));
                    };
                    let name = &rest[..end];
                    let ph = Placeholder::parse(name).map_err(|(m, h)| TemplateError { message: m, hint: h })?;
                    if !lit.is_empty() {
                        parts.push(Part::Lit(std::mem::take(&mut lit)));
                    }
                    parts.push(Part::Ph(ph));
                    for _ in 0..name.chars().count() + 1 {
                        chars.next();
                    }
                }
                c => lit.push(c),
            }
        }
        if !lit.is_empty() {
            parts.push(Part::Lit(lit));
        }
        Ok(Template { parts })
    }

    pub fn placeholders(&self) -> impl Iterator<Item = &Placeholder> {
        self.parts.iter().filter_map(|p| match p {
            Part::Ph(ph) => Some(ph),
            Part::Lit(_) => None,
        })
    }

    /// The literal text before the first placeholder.
    pub fn prefix(&self) -> &str {
        match self.parts.first() {
            Some(Part::Lit(l)) => l,
            _ => "",
        }
    }
}

/// Why a URL template cannot be trusted to keep its destination: a placeholder before the path would
/// let a value choose the scheme or the host (and receive the headers, secrets included).
pub fn origin_problem(t: &Template) -> Option<String> {
    t.placeholders().next()?;
    let fixed = t.prefix().split_once("://").is_some_and(|(_, rest)| rest.contains(['/', '?', '#']));
    (!fixed).then(|| "a placeholder may not be in the URL's scheme, host or port".to_string())
}

/// Where secret values come from.
#[derive(Debug, Clone, Default)]
pub enum Secrets {
    /// The process environment, read when the action is expanded.
    #[default]
    Env,
    /// A fixed set (tests, or a secret store read beforehand).
    Fixed(BTreeMap<String, String>),
    /// Every secret reads `<redacted>`: a replay follows recorded runs without their secrets.
    Redacted,
}

impl Secrets {
    pub fn get(&self, name: &str) -> Option<String> {
        match self {
            Secrets::Env => std::env::var(name).ok(),
            Secrets::Fixed(m) => m.get(name).cloned(),
            Secrets::Redacted => Some(crate::actions::audit::REDACTED.to_string()),
        }
    }
}

/// Everything placeholders are filled from, for one run of one action.
#[derive(Debug, Clone)]
pub struct Ctx<'a> {
    /// The action's name, for refusals.
    pub action: &'a str,
    pub env: &'a str,
    pub user: &'a str,
    /// Fixed once, so the confirmation shows the same time the action then uses.
    pub now_ms: i64,
    pub alert: Option<&'a Alert>,
    /// A health target: its name and URL.
    pub target: Option<(&'a str, &'a str)>,
    pub secrets: Secrets,
}

impl<'a> Ctx<'a> {
    pub fn new(action: &'a str, env: &'a str, user: &'a str, now_ms: i64) -> Ctx<'a> {
        Ctx { action, env, user, now_ms, alert: None, target: None, secrets: Secrets::Env }
    }

    pub fn with_alert(mut self, alert: &'a Alert) -> Ctx<'a> {
        self.alert = Some(alert);
        self
    }

    pub fn with_target(mut self, name: &'a str, url: &'a str) -> Ctx<'a> {
        self.target = Some((name, url));
        self
    }

    pub fn with_secrets(mut self, secrets: Secrets) -> Ctx<'a> {
        self.secrets = secrets;
        self
    }

    /// The value of a placeholder here, or why there is none.
    pub fn value(&self, ph: &Placeholder) -> Result<String, Rule> {
        use Placeholder::*;
        let rfc3339 = |ms: i64| {
            chrono::DateTime::from_timestamp_millis(ms)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        };
        let alert = || self.alert.ok_or_else(|| Rule::Missing("this action was not started from an alert".into()));
        let target =
            || self.target.ok_or_else(|| Rule::Missing("this action was not started from a health target".into()));
        Ok(match ph {
            Env => self.env.to_string(),
            User => self.user.to_string(),
            Now => rfc3339(self.now_ms),
            Label(n) => {
                alert()?.labels.get(n).cloned().ok_or_else(|| Rule::Missing(format!("the alert has no label `{n}`")))?
            }
            AlertFingerprint => alert()?.fingerprint.clone(),
            AlertName => alert()?.name().to_string(),
            AlertStartsAt => rfc3339(alert()?.starts_at_ms),
            TargetName => target()?.0.to_string(),
            TargetUrl => target()?.1.to_string(),
            Secret(n) => {
                self.secrets.get(n).ok_or_else(|| Rule::Missing(format!("environment variable `{n}` is not set")))?
            }
        })
    }
}

/// Expand an exec action's argv. Each argument is expanded on its own and stays one argument; the
/// program (`argv[0]`) must be literal; every value must pass the argv rules.
pub fn expand_argv(argv: &[String], ctx: &Ctx, patterns: &Patterns) -> Result<Vec<String>, Refusal> {
    let mut out = Vec::with_capacity(argv.len());
    for (i, arg) in argv.iter().enumerate() {
        let t = Template::parse(arg).map_err(|e| Refusal::template(ctx, &e))?;
        if i == 0 {
            if let Some(ph) = t.placeholders().next() {
                return Err(Refusal::new(ctx, Some(ph), None, Rule::ProgramTemplated));
            }
        }
        out.push(safety::expand_checked(&t, ctx, patterns, Field::Argv)?.into_revealed());
    }
    Ok(out)
}

/// Expand one template for `field`: the real value and the form to show (secrets as `<secret:NAME>`).
pub fn expand_text(text: &str, ctx: &Ctx, patterns: &Patterns, field: Field) -> Result<safety::Text, Refusal> {
    let t = Template::parse(text).map_err(|e| Refusal::template(ctx, &e))?;
    safety::expand_checked(&t, ctx, patterns, field)
}

/// An alert with these labels, for tests.
#[cfg(test)]
pub(crate) fn test_alert(labels: &[(&str, &str)]) -> Alert {
    Alert {
        fingerprint: "4f2a9c1e7b3d5a60".into(),
        labels: labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        annotations: Default::default(),
        starts_at_ms: 1_700_000_000_000,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: crate::alerts::model::AmState::Active,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

#[cfg(test)]
mod http_tests;
#[cfg(test)]
mod injection_tests;
#[cfg(test)]
mod tests;
