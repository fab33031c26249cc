//! Semantic checks of `[[action]]` entries: names, keys, templates and their placeholders, patterns,
//! scope, verification and environments. Each problem comes with a hint.

use super::validate::{url_problem, Found, Seg};
use super::{ActionKind, ActionSpec, Config, Confirm, Method, Scope, TemplateAt};
use crate::actions::template::{anchored, origin_problem, Needs, Part, Placeholder, Template};
use crate::keymap::{Context, Key, Keymap};
use std::collections::{BTreeSet, HashSet};

fn is_env_name(s: &str) -> bool {
    let mut it = s.chars();
    matches!(it.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && it.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The views an action's key works in.
fn views(scope: &Scope) -> &'static [Context] {
    match scope {
        Scope::Alert(_) => &[Context::Alerts],
        Scope::Health(_) => &[Context::Health],
        Scope::Global => &[Context::Alerts, Context::Health],
    }
}

fn view_name(c: Context) -> &'static str {
    match c {
        Context::Alerts => "the alerts view",
        Context::Health => "the health view",
        _ => "the dashboards",
    }
}

fn template_path(at: &TemplateAt) -> Vec<Seg> {
    use Seg::*;
    match at {
        TemplateAt::Argv(i) => vec![Key("exec"), Key("argv"), Index(*i)],
        TemplateAt::Env(_) => vec![Key("exec"), Key("env")],
        TemplateAt::Url => vec![Key("http"), Key("url")],
        TemplateAt::Header(_) => vec![Key("http"), Key("headers")],
        TemplateAt::Body => vec![Key("http"), Key("body")],
    }
}

fn listing(names: &BTreeSet<&str>) -> String {
    if names.is_empty() {
        "none".into()
    } else {
        names.iter().copied().collect::<Vec<_>>().join(", ")
    }
}

pub fn validate(c: &Config) -> Vec<Found> {
    let mut out: Vec<Found> = Vec::new();
    let keymap = Keymap::load(None).unwrap_or_default();
    let mut names = HashSet::new();
    let mut keys: Vec<(Key, &'static [Context], &str)> = Vec::new();
    let envs: BTreeSet<&str> = c.environments.iter().map(|e| e.name.as_str()).collect();
    for (i, a) in c.actions.iter().enumerate() {
        let mut found: Vec<(Vec<Seg>, String, String)> = Vec::new();
        let mut push = |path: Vec<Seg>, msg: String, hint: String| found.push((path, msg, hint));
        let targets: BTreeSet<&str> = c
            .environments
            .iter()
            .filter(|e| a.offered_in(&e.name))
            .flat_map(|e| e.health.iter().map(|h| h.name.as_str()))
            .collect();
        let unknown_target = |n: &str| {
            let hint = match super::nearest(n, targets.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!("health targets where the action is offered: {}", listing(&targets)),
            };
            (format!("no health target is named `{n}`"), hint)
        };

        if a.name.trim().is_empty() {
            push(vec![Seg::Key("name")], "action name is empty".into(), "name it, e.g. name = \"restart\"".into());
        } else if !a.name.chars().all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '_' | '.' | '-')) {
            push(
                vec![Seg::Key("name")],
                format!("action name `{}` may hold only letters, digits and _ . -", a.name),
                "it is shown in menus and written to the audit trail; e.g. `restart-service`".into(),
            );
        } else if !names.insert(a.name.to_lowercase()) {
            push(
                vec![Seg::Key("name")],
                format!("action `{}` is defined twice (names are compared without case)", a.name),
                "rename one of them".into(),
            );
        }

        if let Some(k) = &a.key {
            match Key::parse(k) {
                Err(e) => {
                    push(vec![Seg::Key("key")], e, "write a character (R), ctrl-/alt- plus a key, or f1–f12".into())
                }
                Ok(key) => {
                    let in_views = views(&a.scope);
                    let taken = |cand: Key| {
                        in_views.iter().any(|v| keymap.resolve(*v, cand).is_some())
                            || keys.iter().any(|(k, vs, _)| *k == cand && vs.iter().any(|v| in_views.contains(v)))
                    };
                    let free: Vec<String> =
                        ('A'..='Z').map(Key::char).filter(|k| !taken(*k)).take(6).map(|k| k.to_string()).collect();
                    let hint = format!("free keys there include {}", free.join(", "));
                    if let Some((v, intent)) = in_views.iter().find_map(|v| keymap.resolve(*v, key).map(|i| (v, i))) {
                        let msg = format!("key `{key}` is already `{}` in {}", intent.name(), view_name(*v));
                        push(vec![Seg::Key("key")], msg, hint);
                    } else if let Some((_, vs, other)) =
                        keys.iter().find(|(k, vs, _)| *k == key && vs.iter().any(|v| in_views.contains(v)))
                    {
                        let v = vs.iter().find(|v| in_views.contains(v)).copied().unwrap_or(Context::Alerts);
                        let msg = format!("key `{key}` also starts action `{other}` in {}", view_name(v));
                        push(vec![Seg::Key("key")], msg, hint);
                    }
                    keys.push((key, in_views, a.name.as_str()));
                }
            }
        }

        if let Scope::Health(ts) = &a.scope {
            for t in ts.iter().filter(|t| !targets.contains(t.as_str())) {
                let (m, h) = unknown_target(t);
                push(vec![Seg::Key("scope")], m, h);
            }
        }

        check_kind(a, &mut push);
        let used = check_templates(a, &mut push);

        for (key, src) in &a.patterns {
            let at = vec![Seg::Key("patterns")];
            match Placeholder::parse(key) {
                Err((m, h)) => push(at, format!("in `patterns`: {m}"), h),
                Ok(p) if p.is_secret() => push(
                    at,
                    format!("`{key}` in `patterns`: secrets are not checked against patterns"),
                    "remove it; a secret's value is never shown or matched".into(),
                ),
                Ok(_) if !used.contains(key.as_str()) => {
                    let hint = match super::nearest(key, used.iter().map(String::as_str)) {
                        Some(n) => format!("did you mean `{n}`?"),
                        None => format!("the action uses: {}", listing(&used.iter().map(String::as_str).collect())),
                    };
                    push(at, format!("no template of action `{}` uses `{{{key}}}`", a.name), hint)
                }
                Ok(_) => {
                    if let Err(e) = anchored(src) {
                        let hint = "a pattern is a regex matched against the whole value, e.g. \"agente_[a-z]+\"";
                        push(at, e, hint.into());
                    }
                }
            }
        }

        if a.dangerous && matches!(a.confirm, Some(Confirm::None | Confirm::YesNo)) {
            push(
                vec![Seg::Key("confirm")],
                format!("action `{}` is dangerous, so the environment's name must be typed to run it", a.name),
                "use confirm = \"type_env\", or remove `confirm` (dangerous actions always ask for the name)".into(),
            );
        }

        if let Some(v) = &a.verify {
            let at = || vec![Seg::Key("verify")];
            match (&v.health, v.alert_resolves) {
                (None, false) => push(
                    at(),
                    "`verify` says neither what to watch".into(),
                    "add health = \"<target>\" or alert_resolves = true".into(),
                ),
                (Some(_), true) => push(
                    at(),
                    "`verify` has both `health` and `alert_resolves`".into(),
                    "watch one thing: keep one of them".into(),
                ),
                (None, true) if !matches!(a.scope, Scope::Alert(_)) => push(
                    at(),
                    "`alert_resolves` needs an action started from an alert".into(),
                    "scope it to alerts (scope = { alert = '…' }) or verify a health target".into(),
                ),
                (Some(t), false) if !targets.contains(t.as_str()) => {
                    let (m, h) = unknown_target(t);
                    push(at(), m, h)
                }
                _ => {}
            }
        }

        if let Some(es) = &a.environments {
            if es.is_empty() {
                push(
                    vec![Seg::Key("environments")],
                    "`environments` is empty, so the action is offered nowhere".into(),
                    "list where it is offered, or remove the key to offer it everywhere".into(),
                );
            }
            for e in es.iter().filter(|e| !envs.contains(e.as_str())) {
                push(
                    vec![Seg::Key("environments")],
                    format!("no environment is named `{e}`"),
                    format!("defined environments: {}", listing(&envs)),
                );
            }
        }

        for (path, msg, hint) in found {
            let mut full = vec![Seg::Key("action"), Seg::Index(i)];
            full.extend(path);
            out.push((full, msg, Some(hint)));
        }
    }
    out
}

fn check_kind(a: &ActionSpec, push: &mut impl FnMut(Vec<Seg>, String, String)) {
    use Seg::Key as K;
    match &a.kind {
        ActionKind::Exec(e) => {
            let example = "write the program and its arguments, e.g. argv = [\"docker\", \"compose\", \"restart\", \"{labels.service}\"]";
            match e.argv.first() {
                None => push(vec![K("exec"), K("argv")], "`argv` is empty".into(), example.into()),
                Some(p) if p.trim().is_empty() => push(
                    vec![K("exec"), K("argv"), Seg::Index(0)],
                    "the program (argv[0]) is empty".into(),
                    example.into(),
                ),
                Some(p) if Template::parse(p).is_ok_and(|t| t.placeholders().next().is_some()) => push(
                    vec![K("exec"), K("argv"), Seg::Index(0)],
                    format!("the program (argv[0]) `{p}` is filled from a placeholder"),
                    "write the program out; values go in the later arguments".into(),
                ),
                _ => {}
            }
            for k in e.env.keys().filter(|k| !is_env_name(k)) {
                push(
                    vec![K("exec"), K("env")],
                    format!("`{k}` is not an environment variable name"),
                    "letters, digits and _, not starting with a digit".into(),
                );
            }
        }
        ActionKind::Http(h) => {
            if let Ok(t) = Template::parse(&h.url) {
                let sample: String = t
                    .parts
                    .iter()
                    .map(|p| match p {
                        Part::Lit(l) => l.as_str(),
                        Part::Ph(_) => "x",
                    })
                    .collect();
                let problem = origin_problem(&t).or_else(|| url_problem(&sample));
                if let Some(p) = problem {
                    let hint =
                        "write the scheme and host out, e.g. url = \"https://admin.example/api/{labels.service}\"";
                    push(vec![K("http"), K("url")], p, hint.into());
                }
            }
            for name in h.headers.keys() {
                if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    push(
                        vec![K("http"), K("headers")],
                        format!("`{name}` is not a header name"),
                        "letters, digits and - are safe, e.g. X-Request-Id".into(),
                    );
                }
            }
            if let Some(var) = &h.bearer_token_env {
                if !is_env_name(var) {
                    let hint = "name the environment variable holding the token, e.g. ADMIN_TOKEN";
                    push(
                        vec![K("http"), K("bearer_token_env")],
                        format!("`{var}` is not a variable name"),
                        hint.into(),
                    );
                }
                if h.headers.keys().any(|k| k.eq_ignore_ascii_case("authorization")) {
                    push(
                        vec![K("http"), K("bearer_token_env")],
                        "both `bearer_token_env` and an Authorization header are set".into(),
                        "keep one of them".into(),
                    );
                }
            }
            if h.method == Method::Get && h.body.is_some() {
                push(
                    vec![K("http"), K("body")],
                    "a GET request has no body".into(),
                    "use POST, or drop the body".into(),
                );
            }
            for s in h.expect_status.iter().filter(|s| !(100..=599).contains(*s)) {
                push(
                    vec![K("http"), K("expect_status")],
                    format!("{s} is not an HTTP status"),
                    "statuses go from 100 to 599, e.g. [200, 204]".into(),
                );
            }
        }
    }
}

/// Parse every template, report what is wrong, and return the placeholder names used.
fn check_templates(a: &ActionSpec, push: &mut impl FnMut(Vec<Seg>, String, String)) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, text) in a.templates() {
        let t = match Template::parse(text) {
            Ok(t) => t,
            Err(e) => {
                push(template_path(&at), e.message, e.hint);
                continue;
            }
        };
        for p in t.placeholders() {
            used.insert(p.key());
            if p.is_secret() && matches!(at, TemplateAt::Argv(_) | TemplateAt::Url) {
                let (place, hint) = match at {
                    TemplateAt::Url => ("the URL", format!("send it in a header, e.g. Authorization = \"Bearer {p}\"")),
                    _ => ("argv", format!("pass it in exec.env, e.g. env = {{ TOKEN = \"{p}\" }}")),
                };
                push(template_path(&at), format!("`{p}` in {place}: it would be shown and logged"), hint);
            }
            let (needs, scope_ok) = match p.needs() {
                Needs::Nothing => continue,
                Needs::Alert => ("an alert", matches!(a.scope, Scope::Alert(_))),
                Needs::Target => ("a health target", matches!(a.scope, Scope::Health(_))),
            };
            if !scope_ok {
                let hint = match p.needs() {
                    Needs::Alert => "scope it to alerts: scope = { alert = 'alertname=\"ServiceDown\"' }",
                    _ => "scope it to health targets: scope = { health = [\"<target>\"] }",
                };
                push(
                    template_path(&at),
                    format!("`{p}` needs {needs}, and action `{}` is not started from one", a.name),
                    hint.into(),
                );
            }
        }
    }
    used
}
