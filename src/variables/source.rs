//! What a `query` variable asks Prometheus, and its answer as choices.
//!
//! The functions of Grafana's Prometheus data source: `label_values(label)`,
//! `label_values(selector, label)`, `label_names()`, `metrics(regex)` and `query_result(expr)`; any
//! other text is taken as a `query_result` expression, as Grafana's classic query does.

use crate::sources::prometheus::QueryData;

/// One question for Prometheus.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VarQuery {
    /// `/api/v1/label/<label>/values`, narrowed to series matching `selector` when given.
    LabelValues { label: String, selector: Option<String> },
    /// `/api/v1/labels`.
    LabelNames,
    /// Metric names (`__name__` values) matching a regex.
    Metrics { regex: String },
    /// An instant query; each sample becomes `name{labels} value timestamp`.
    QueryResult { expr: String },
}

fn call<'a>(q: &'a str, name: &str) -> Option<&'a str> {
    let rest = q.strip_prefix(name)?.trim_start();
    rest.strip_prefix('(')?.strip_suffix(')')
}

/// Split `a, b` at its last top-level comma (selectors contain commas inside braces).
fn split_last_arg(args: &str) -> Option<(&str, &str)> {
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut last = None;
    let mut escaped = false;
    for (i, c) in args.char_indices() {
        match (quote, c) {
            (Some(_), '\\') if !escaped => {
                escaped = true;
                continue;
            }
            (Some(q), c) if c == q && !escaped => quote = None,
            (None, '"' | '\'' | '`') => quote = Some(c),
            (None, '(' | '{' | '[') => depth += 1,
            (None, ')' | '}' | ']') => depth -= 1,
            (None, ',') if depth == 0 => last = Some(i),
            _ => {}
        }
        escaped = false;
    }
    last.map(|i| (args[..i].trim(), args[i + 1..].trim()))
}

impl VarQuery {
    /// Parse a variable's `query` (already expanded); `Err` says what is wrong.
    pub fn parse(q: &str) -> Result<VarQuery, String> {
        let q = q.trim();
        if q.is_empty() {
            return Err("the query is empty: write label_values(metric, label) or a PromQL expression".into());
        }
        if let Some(args) = call(q, "label_values") {
            let (selector, label) = match split_last_arg(args) {
                Some((s, l)) => (Some(s.to_string()).filter(|s| !s.is_empty()), l),
                None => (None, args.trim()),
            };
            let label = label.trim_matches(|c| c == '"' || c == '\'');
            if label.is_empty() || !label.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                return Err(format!("`{q}`: label_values needs a label name as its last argument"));
            }
            return Ok(VarQuery::LabelValues { label: label.to_string(), selector });
        }
        if call(q, "label_names").is_some() {
            return Ok(VarQuery::LabelNames);
        }
        if let Some(re) = call(q, "metrics") {
            return Ok(VarQuery::Metrics { regex: re.trim().to_string() });
        }
        let expr = call(q, "query_result").unwrap_or(q).trim();
        if expr.is_empty() {
            return Err(format!("`{q}`: query_result needs an expression"));
        }
        Ok(VarQuery::QueryResult { expr: expr.to_string() })
    }
}

/// An instant query's answer as Grafana shows it to a variable's regex: one text per sample.
pub fn texts_of(data: &QueryData) -> Vec<String> {
    match data {
        QueryData::Vector { samples } => samples
            .iter()
            .map(|s| {
                let name = s.labels.get("__name__").map(String::as_str).unwrap_or("");
                let labels: Vec<String> = s
                    .labels
                    .iter()
                    .filter(|(k, _)| k.as_str() != "__name__")
                    .map(|(k, v)| format!("{k}=\"{v}\""))
                    .collect();
                format!("{name}{{{}}} {} {}", labels.join(","), s.v, (s.t * 1000.0).round() as i64)
            })
            .collect(),
        QueryData::Scalar { t, v } => vec![format!("{{}} {v} {}", (t * 1000.0).round() as i64)],
        QueryData::String { v, .. } => vec![v.clone()],
        _ => Vec::new(),
    }
}

/// The choices from raw answers: the variable's regex applied (its first capture group, or a group
/// named `value`, is the choice; non-matching answers are left out), duplicates and empties dropped,
/// order kept. `Err` when the regex does not compile.
pub fn choices_from(raw: Vec<String>, regex: Option<&str>) -> Result<Vec<String>, String> {
    let re = match regex.map(str::trim).filter(|r| !r.is_empty()) {
        None => None,
        Some(r) => {
            // Grafana writes regexes as `/…/flags`.
            let body = r.strip_prefix('/').and_then(|r| r.rsplit_once('/')).map(|(b, _)| b).unwrap_or(r);
            Some(regex::Regex::new(body).map_err(|e| format!("the variable's regex `{r}` is not valid: {e}"))?)
        }
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for text in raw {
        let choice = match &re {
            None => text,
            Some(re) => match re.captures(&text) {
                None => continue,
                Some(c) => c
                    .name("value")
                    .or_else(|| c.get(1))
                    .or_else(|| c.get(0))
                    .map_or(String::new(), |m| m.as_str().to_string()),
            },
        };
        if !choice.is_empty() && seen.insert(choice.clone()) {
            out.push(choice);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_grafanas_functions() {
        assert_eq!(
            VarQuery::parse("label_values(job)").unwrap(),
            VarQuery::LabelValues { label: "job".into(), selector: None }
        );
        assert_eq!(
            VarQuery::parse(r#"label_values(up{env="a,b", x=~"(1|2)"}, instance)"#).unwrap(),
            VarQuery::LabelValues { label: "instance".into(), selector: Some(r#"up{env="a,b", x=~"(1|2)"}"#.into()) }
        );
        assert_eq!(VarQuery::parse("label_names()").unwrap(), VarQuery::LabelNames);
        assert_eq!(VarQuery::parse("metrics(http_.*)").unwrap(), VarQuery::Metrics { regex: "http_.*".into() });
        assert_eq!(
            VarQuery::parse("query_result(topk(5, up))").unwrap(),
            VarQuery::QueryResult { expr: "topk(5, up)".into() }
        );
        assert_eq!(VarQuery::parse(" sum(up) ").unwrap(), VarQuery::QueryResult { expr: "sum(up)".into() });
    }

    #[test]
    fn bad_queries_say_what_is_wrong() {
        assert!(VarQuery::parse("  ").unwrap_err().contains("empty"));
        assert!(VarQuery::parse("label_values(up, )").unwrap_err().contains("label name"));
        assert!(VarQuery::parse("label_values(up, a-b)").unwrap_err().contains("label name"));
        assert!(VarQuery::parse("query_result()").unwrap_err().contains("expression"));
    }

    #[test]
    fn regex_picks_and_filters() {
        let raw = vec!["api-1".to_string(), "api-2".into(), "db-1".into(), "api-1".into(), "".into()];
        assert_eq!(choices_from(raw.clone(), None).unwrap(), vec!["api-1", "api-2", "db-1"]);
        assert_eq!(choices_from(raw.clone(), Some("/api-(.*)/")).unwrap(), vec!["1", "2"]);
        assert_eq!(choices_from(raw.clone(), Some("db.*")).unwrap(), vec!["db-1"]);
        assert_eq!(choices_from(raw.clone(), Some("(?P<value>[a-z]+)-")).unwrap(), vec!["api", "db"]);
        assert!(choices_from(raw, Some("(")).unwrap_err().contains("not valid"));
    }

    #[test]
    fn query_results_read_like_grafanas() {
        assert!(texts_of(&QueryData::Vector { samples: vec![] }).is_empty());
        assert_eq!(texts_of(&QueryData::Scalar { t: 1.0, v: 2.0 }), vec!["{} 2 1000"]);
    }
}
