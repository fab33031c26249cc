//! Grafana's `templating.list` as dashboard variables: `query`, `custom`, `constant` and `interval`
//! keep their meaning; `datasource` variables resolve to the environment's own backends; `adhoc` and
//! `textbox` have no equivalent and are reported. Queries keep `$var` verbatim: substitution happens
//! at run time.

use super::value::{bool_of, list, num_of, str_of, text};
use super::Ctx;
use crate::config::{Variable, VariableKind};
use serde_json::Value;

pub fn convert(dash: &Value, ctx: &mut Ctx) -> Vec<Variable> {
    let templating = dash.get("templating").unwrap_or(&Value::Null);
    let mut out = Vec::new();
    for v in list(templating, "list") {
        let Some(name) = str_of(v, "name").map(str::trim).filter(|n| !n.is_empty()) else {
            ctx.dash_note("a template variable without a name; left out");
            continue;
        };
        let ty = str_of(v, "type").unwrap_or("");
        let kind = match ty {
            "query" => VariableKind::Query,
            "custom" => VariableKind::Custom,
            "constant" => VariableKind::Constant,
            "interval" => VariableKind::Interval,
            "datasource" => {
                ctx.dash_note(format!("variable `${name}` picks a datasource; the environment's own is used"));
                continue;
            }
            "adhoc" => {
                ctx.dash_note(format!("ad hoc filter variable `${name}` has no equivalent; left out"));
                continue;
            }
            "textbox" => {
                ctx.dash_note(format!(
                    "text box variable `${name}` has no equivalent; left out (queries using it need a value)"
                ));
                continue;
            }
            other => {
                ctx.dash_note(format!("variable `${name}` of type `{other}` has no equivalent; left out"));
                continue;
            }
        };
        let query = match v.get("query") {
            Some(Value::String(s)) => Some(s.trim().to_string()),
            // Newer Grafana: {"query": "label_values(up, job)", "refId": "…"}.
            Some(q @ Value::Object(_)) => str_of(q, "query").map(|s| s.trim().to_string()),
            _ => None,
        }
        .or_else(|| str_of(v, "definition").map(|s| s.trim().to_string()))
        .filter(|q| !q.is_empty());
        let mut var = Variable {
            name: name.to_string(),
            label: str_of(v, "label").map(str::trim).filter(|l| !l.is_empty()).map(str::to_string),
            kind,
            query: None,
            regex: str_of(v, "regex").map(str::trim).filter(|r| !r.is_empty()).map(str::to_string),
            options: Vec::new(),
            default: current(v),
            multi: bool_of(v, "multi"),
            include_all: bool_of(v, "includeAll"),
            all_value: str_of(v, "allValue").filter(|a| !a.is_empty()).map(str::to_string),
            hidden: num_of(v, "hide") == Some(2.0),
        };
        match kind {
            VariableKind::Query => var.query = query,
            VariableKind::Constant => {
                var.default = query.into_iter().collect();
                var.hidden = true;
            }
            VariableKind::Custom | VariableKind::Interval => {
                var.options = match &query {
                    Some(q) => split_options(q),
                    None => list(v, "options").iter().filter_map(|o| o.get("value").and_then(text)).collect(),
                };
                if kind == VariableKind::Interval {
                    var.options.retain(|o| !o.starts_with('$'));
                    if bool_of(v, "auto") {
                        ctx.dash_note(format!("variable `${name}`: the `auto` interval is not offered"));
                    }
                }
            }
        }
        if kind != VariableKind::Query && var.regex.take().is_some() {
            ctx.dash_note(format!("variable `${name}`: a regex applies only to query variables; left out"));
        }
        // "All" (`$__all`) is understood when the variable offers it.
        if var.default.iter().any(|d| d == "$__all") && !var.include_all {
            var.default.clear();
            ctx.dash_note(format!(
                "variable `${name}` starts on \"All\" but does not offer it; here on its first choice"
            ));
        }
        let empty = match kind {
            VariableKind::Query => var.query.is_none().then_some("has no query"),
            VariableKind::Custom | VariableKind::Interval => var.options.is_empty().then_some("has no options"),
            VariableKind::Constant => var.default.is_empty().then_some("has no value"),
        };
        if let Some(why) = empty {
            ctx.dash_note(format!("variable `${name}` {why}; left out (queries using it will wait for it)"));
            continue;
        }
        // What the config would refuse (a name queries cannot use, a regex that does not compile, the
        // same name twice) is left out and said, so the imported TOML always loads.
        let refused = crate::config::variable_problem(&var).map(|p| p.1).or_else(|| {
            out.iter().any(|o: &Variable| o.name == var.name).then(|| format!("variable `{name}` is defined twice"))
        });
        if let Some(why) = refused {
            ctx.dash_note(format!("{why}; left out"));
            continue;
        }
        out.push(var);
    }
    out
}

/// `current.value`: a string or a list of them.
fn current(v: &Value) -> Vec<String> {
    match v.get("current").and_then(|c| c.get("value")) {
        Some(Value::Array(a)) => a.iter().filter_map(text).collect(),
        Some(x) => text(x).filter(|s| !s.is_empty()).into_iter().collect(),
        None => Vec::new(),
    }
}

/// A custom variable's `a, b, c` (commas may be escaped as `\,`; `text : value` pairs keep the value).
fn split_options(q: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = q.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&',') => {
                cur.push(',');
                chars.next();
            }
            ',' => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|o| match o.split_once(" : ") {
            Some((_, value)) => value.trim().to_string(),
            None => o.trim().to_string(),
        })
        .filter(|o| !o.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn custom_options() {
        assert_eq!(super::split_options("a, b ,c"), ["a", "b", "c"]);
        assert_eq!(super::split_options(r"x\,y,z"), ["x,y", "z"]);
        assert_eq!(super::split_options("Prod : production, Dev : dev"), ["production", "dev"]);
        assert!(super::split_options(" , ").is_empty());
    }
}
