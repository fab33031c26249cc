//! Dashboard variables (Grafana's templating): a value picked per dashboard that replaces `$name`,
//! `${name}` and `[[name]]` in the dashboard's queries, next to the built-in macros `$__interval`,
//! `$__rate_interval` and `$__range`.

use serde::{Deserialize, Serialize};

/// Where a variable's choices come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariableKind {
    /// Asked of Prometheus: `label_values(label)`, `label_values(metric, label)`, `label_names()`,
    /// `metrics(regex)` or `query_result(expr)`.
    Query,
    /// A fixed list in `options`.
    #[default]
    Custom,
    /// One hidden value (`default`), for sharing a string across queries.
    Constant,
    /// Time spans (`options` like `1m`, `5m`, `1h`) usable in range selectors.
    Interval,
}

/// One `[[dashboard.variable]]`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// The name used in queries as `$name`, `${name}` or `[[name]]`.
    pub name: String,
    /// Shown in the picker instead of the name.
    pub label: Option<String>,
    #[serde(default)]
    pub kind: VariableKind,
    /// For `kind = "query"`: what to ask Prometheus (see [`VariableKind::Query`]).
    pub query: Option<String>,
    /// For `kind = "query"`: keep only choices matching this regex; a capture group, if any, is the value.
    pub regex: Option<String>,
    /// For `custom` and `interval`: the choices, in order.
    #[serde(default)]
    pub options: Vec<String>,
    /// The values selected at start (the first choice when empty). `constant` uses the first one.
    #[serde(default)]
    pub default: Vec<String>,
    /// More than one value may be selected; they are joined as a regex alternative `(a|b)`.
    #[serde(default)]
    pub multi: bool,
    /// Offer "All" as a choice.
    #[serde(default)]
    pub include_all: bool,
    /// What "All" stands for (default: every choice joined as a regex alternative, or `.*` when the
    /// choices are not known yet).
    pub all_value: Option<String>,
    /// Not offered in the picker (still substituted).
    #[serde(default)]
    pub hidden: bool,
}

/// What is wrong with a variable, if anything: (the key at fault, the message, a hint).
pub fn problem(v: &Variable) -> Option<(&'static str, String, Option<&'static str>)> {
    let word = |s: &str| !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_');
    if !word(&v.name) || v.name.starts_with("__") {
        let msg = format!("variable name `{}` must be letters, digits and `_` (not starting with `__`)", v.name);
        return Some(("name", msg, Some("queries use it as $name, so write name = \"job\"")));
    }
    match v.kind {
        VariableKind::Query if v.query.as_deref().is_none_or(|q| q.trim().is_empty()) => Some((
            "query",
            format!("variable `{}` is a query variable without a `query`", v.name),
            Some("write query = \"label_values(up, job)\""),
        )),
        VariableKind::Custom | VariableKind::Interval if v.options.is_empty() => Some((
            "options",
            format!("variable `{}` has no `options` to choose from", v.name),
            Some("write options = [\"a\", \"b\"]"),
        )),
        VariableKind::Constant if v.default.is_empty() => {
            Some(("default", format!("constant `{}` has no value", v.name), Some("write default = [\"the value\"]")))
        }
        _ => v
            .regex
            .as_deref()
            .and_then(|r| crate::variables::choices_from(Vec::new(), Some(r)).err().map(|e| ("regex", e, None))),
    }
}
