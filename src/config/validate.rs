//! Semantic checks that serde cannot express: references, ranges, required lists.

use super::{Config, PanelKind};

/// A step of a path into the config document.
#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(&'static str),
    Index(usize),
}

pub type Found = (Vec<Seg>, String, Option<String>);

pub(super) fn url_problem(url: &str) -> Option<String> {
    match reqwest::Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => None,
        // `localhost:9090` parses as scheme `localhost`: a host and port with the scheme left out.
        Ok(_) if !url.contains("://") && url.split_once(':').is_some_and(|(_, rest)| port_first(rest)) => {
            Some(format!("`{url}` has no scheme; write http://{url} (or https://)"))
        }
        Ok(u) => Some(format!("`{url}` uses the scheme `{}`; use http or https", u.scheme())),
        Err(e) => Some(format!("`{url}` is not a URL: {e}")),
    }
}

/// Whether `rest` (what follows the first `:`) starts with a port number: `9090` or `9090/prefix`.
fn port_first(rest: &str) -> bool {
    rest.split('/').next().is_some_and(|p| p.parse::<u16>().is_ok())
}

pub fn validate(c: &Config) -> Vec<Found> {
    use Seg::*;
    let mut out: Vec<Found> = Vec::new();
    let mut push = |path: Vec<Seg>, msg: String, hint: Option<&str>| out.push((path, msg, hint.map(String::from)));

    if c.settings.time_ranges.is_empty() {
        push(
            vec![Key("settings"), Key("time_ranges")],
            "`time_ranges` is empty".into(),
            Some("list a few, e.g. [\"15m\", \"1h\", \"6h\", \"24h\", \"7d\"]"),
        );
    }
    if let Some(def) = &c.settings.default_environment {
        if !c.environments.iter().any(|e| &e.name == def) {
            let names: Vec<&str> = c.environments.iter().map(|e| e.name.as_str()).collect();
            push(
                vec![Key("settings"), Key("default_environment")],
                format!("no environment is named `{def}`"),
                Some(&format!(
                    "defined environments: {}",
                    if names.is_empty() { "none".into() } else { names.join(", ") }
                )),
            );
        }
    }
    let themes = crate::theme::ThemeSet::load(crate::paths::Paths::resolve().ok().map(|p| p.themes_dir()).as_deref());
    if !themes.names().contains(&c.settings.theme) {
        push(
            vec![Key("settings"), Key("theme")],
            format!("unknown theme `{}`", c.settings.theme),
            Some(&format!("available: {}", themes.names().join(", "))),
        );
    }
    let sev = &c.incidents.open_severity;
    if !c.alerts.severity_order.iter().any(|s| s == sev) {
        push(
            vec![Key("incidents"), Key("open_severity")],
            format!("`{sev}` is not in alerts.severity_order"),
            Some(&format!("one of: {}", c.alerts.severity_order.join(", "))),
        );
    }
    if c.recording.ring_hours > super::MAX_RING_HOURS {
        push(
            vec![Key("recording"), Key("ring_hours")],
            format!("`ring_hours` is {}; at most {} (30 days) is kept", c.recording.ring_hours, super::MAX_RING_HOURS),
            Some("0 turns the ring off; 24 keeps the last day"),
        );
    }
    if c.environments.is_empty() {
        push(
            vec![],
            "no [[environment]] is defined, so there is no Prometheus to ask".into(),
            Some("add [[environment]] with name = \"production\" and prometheus = { url = \"http://localhost:9090\" }"),
        );
    }
    let mut env_names = std::collections::HashSet::new();
    for (i, e) in c.environments.iter().enumerate() {
        if !env_names.insert(e.name.as_str()) {
            push(
                vec![Key("environment"), Index(i), Key("name")],
                format!("environment `{}` is defined twice", e.name),
                None,
            );
        }
        if let Some(p) = url_problem(&e.prometheus.url) {
            push(vec![Key("environment"), Index(i), Key("prometheus"), Key("url")], p, None);
        }
        if let Some(Err(why)) = e.color.as_deref().map(crate::theme::paint::parse) {
            push(vec![Key("environment"), Index(i), Key("color")], why, Some("e.g. color = \"production\""));
        }
        if e.prometheus.max_in_flight == 0 {
            push(
                vec![Key("environment"), Index(i), Key("prometheus"), Key("max_in_flight")],
                "`max_in_flight` must be at least 1".into(),
                None,
            );
        }
    }
    if c.dashboards.is_empty() {
        push(
            vec![],
            "no [[dashboard]] is defined, so there is nothing to show".into(),
            Some("see examples/minimarket.toml"),
        );
    }
    let mut names = std::collections::HashSet::new();
    for (di, d) in c.dashboards.iter().enumerate() {
        if d.name.trim().is_empty() {
            push(vec![Key("dashboard"), Index(di), Key("name")], "dashboard name is empty".into(), None);
        } else if !names.insert(d.name.to_lowercase()) {
            push(
                vec![Key("dashboard"), Index(di), Key("name")],
                format!("dashboard `{}` is defined twice (names are compared without case)", d.name),
                None,
            );
        }
        if d.panels.is_empty() {
            push(
                vec![Key("dashboard"), Index(di)],
                format!("dashboard `{}` has no panels", d.name),
                Some("add [[dashboard.panel]] entries"),
            );
        }
        let mut var_names = std::collections::HashSet::new();
        for (vi, v) in d.variables.iter().enumerate() {
            let at = |k: &'static str| vec![Key("dashboard"), Index(di), Key("variable"), Index(vi), Key(k)];
            if let Some(why) = super::variables::problem(v) {
                push(at(why.0), why.1, why.2);
            } else if !var_names.insert(v.name.as_str()) {
                push(at("name"), format!("variable `{}` is defined twice in dashboard `{}`", v.name, d.name), None);
            }
        }
        for (pi, p) in d.panels.iter().enumerate() {
            let at = |k: &'static str| vec![Key("dashboard"), Index(di), Key("panel"), Index(pi), Key(k)];
            if p.queries.is_empty() && p.kind.has_data() {
                push(
                    at("query"),
                    format!("panel `{}` has no queries", p.title),
                    Some("add query = [{ expr = \"up\" }]"),
                );
            }
            if !p.queries.is_empty() && !p.kind.has_data() {
                push(
                    at("query"),
                    format!("panel `{}` shows no queries (text, row and unsupported panels have none)", p.title),
                    Some("remove `query`, or pick a kind that shows data (timeseries, stat, gauge, table, bar, logs)"),
                );
            }
            if p.kind == PanelKind::Text && p.content.is_none() {
                push(at("kind"), format!("text panel `{}` has no `content`", p.title), Some("add content = \"…\""));
            }
            for (qi, q) in p.queries.iter().enumerate() {
                if q.expr.trim().is_empty() {
                    push(
                        vec![Key("dashboard"), Index(di), Key("panel"), Index(pi), Key("query"), Index(qi)],
                        "empty `expr`".into(),
                        None,
                    );
                }
            }
            if let (Some(lo), Some(hi)) = (p.min, p.max) {
                if lo >= hi {
                    push(at("max"), format!("`max` ({hi}) must be above `min` ({lo})"), None);
                }
            }
            if let Some(pos) = p.pos {
                if pos.w == 0 || pos.h == 0 || pos.x + pos.w > 24 {
                    push(
                        at("pos"),
                        format!(
                            "pos {{ x = {}, w = {} }} must fit a 24-column grid with w and h above 0",
                            pos.x, pos.w
                        ),
                        None,
                    );
                }
            }
            if p.kind == PanelKind::Gauge && p.min.is_none() != p.max.is_none() {
                push(at("min"), "a gauge needs both `min` and `max`, or neither (0–100 then)".into(), None);
            }
        }
    }
    for b in super::conn::backends(c) {
        out.extend(super::conn::check(&b));
    }
    out.extend(super::action_checks::validate(c));
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_host_and_port_without_a_scheme_is_named_so() {
        let p = super::url_problem("localhost:9090").unwrap();
        assert_eq!(p, "`localhost:9090` has no scheme; write http://localhost:9090 (or https://)");
        assert!(super::url_problem("prom.internal:9090/prometheus").unwrap().contains("has no scheme"));
        assert!(super::url_problem("ftp://x/").unwrap().contains("uses the scheme `ftp`"));
        assert_eq!(super::url_problem("http://localhost:9090"), None);
    }

    use crate::config::load_str;

    const OK: &str = r#"
[[environment]]
name = "prod"
prometheus = { url = "http://localhost:9090" }

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]
"#;

    #[test]
    fn a_minimal_config_is_valid() {
        let c = load_str("ok.toml", OK).unwrap();
        assert_eq!(c.dashboards[0].panels[0].queries[0].expr, "up");
        assert_eq!(c.environment(None).unwrap().name, "prod");
    }

    #[test]
    fn semantic_problems_point_at_their_key() {
        let text = OK
            .replace("http://localhost:9090", "ftp://x")
            .replace("[[dashboard]]", "[settings]\ndefault_environment = \"staging\"\n\n[[dashboard]]");
        let p = load_str("c.toml", &text).unwrap_err();
        let shown: Vec<String> = p.iter().map(|p| p.to_string()).collect();
        assert!(shown.iter().any(|s| s.starts_with("c.toml:4:") && s.contains("scheme `ftp`")), "{shown:#?}");
        assert!(
            shown.iter().any(|s| s.starts_with("c.toml:7:1: no environment is named `staging`")
                && s.contains("defined environments: prod")),
            "{shown:#?}"
        );
    }

    #[test]
    fn environment_look_and_read_only() {
        let text = OK.replace("name = \"prod\"\n", "name = \"prod\"\nread_only = true\ncolor = \"rojo\"\n");
        let p = load_str("c.toml", &text).unwrap_err();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].line, p[0].col), (5, 1), "{p:?}");
        assert!(p[0].message.contains("`rojo` is neither a theme role nor a colour"), "{p:?}");
        let c = load_str("c.toml", &text.replace("rojo", "warn")).unwrap();
        assert!(c.environments[0].read_only);
        assert_eq!(c.environments[0].color.as_deref(), Some("warn"));
    }

    #[test]
    fn empty_query_list_is_reported() {
        let p = load_str("c.toml", &OK.replace("query = [{ expr = \"up\" }]", "query = []")).unwrap_err();
        assert!(p[0].message.contains("has no queries"), "{p:?}");
        assert_eq!(p[0].line, 11);
    }
}
