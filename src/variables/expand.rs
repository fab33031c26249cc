//! Substituting variables and time macros into a query.
//!
//! Forms, as Grafana writes them: `$name`, `${name}`, `${name:format}`, `[[name]]`, `[[name:format]]`.
//! A name that is not a variable (`$1` in `label_replace`, a regex anchor `$`) is left as written.
//! Several values (multi-select or "All") become a regex alternative `(a|b)` with each value's regex
//! metacharacters escaped, which is what `=~` matchers want; formats `raw`, `csv`, `pipe`, `regex`,
//! `text` and `json` choose otherwise. Time macros: `$__interval`, `$__interval_ms`, `$__rate_interval`,
//! `$__range`, `$__range_s`, `$__range_ms`.

use std::collections::BTreeMap;

/// What one variable stands for now.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Binding {
    /// The selected values (every choice when `all`).
    pub values: Vec<String>,
    /// "All" is selected.
    pub all: bool,
    /// What "All" stands for, when the variable says (`all_value`).
    pub all_value: Option<String>,
    /// Multi-select or "All" offered: values are written as a regex alternative even when one.
    pub regex_shaped: bool,
}

/// The time macros' values for one query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Macros {
    /// The query's step (seconds).
    pub interval_s: f64,
    /// The time range shown (seconds).
    pub range_s: f64,
    /// The scrape interval `$__rate_interval` is based on (seconds; Grafana's default is 15).
    pub scrape_s: f64,
}

/// A Prometheus duration for `secs` (`90s` → `1m30s`, whole milliseconds kept as `ms`).
fn prom_duration(secs: f64) -> String {
    let ms = (secs * 1000.0).round().max(1.0) as u64;
    if !ms.is_multiple_of(1000) {
        return format!("{ms}ms");
    }
    let mut s = ms / 1000;
    let mut out = String::new();
    for (unit, n) in [("d", 86_400), ("h", 3_600), ("m", 60)] {
        if s >= n {
            out.push_str(&format!("{}{unit}", s / n));
            s %= n;
        }
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

fn macro_value(name: &str, m: &Macros) -> Option<String> {
    let rate = (m.interval_s + m.scrape_s).max(4.0 * m.scrape_s);
    Some(match name {
        "__interval" => prom_duration(m.interval_s),
        "__interval_ms" => format!("{}", (m.interval_s * 1000.0).round() as u64),
        "__rate_interval" => prom_duration(rate),
        "__range" => prom_duration(m.range_s),
        "__range_s" => format!("{}", m.range_s.round() as u64),
        "__range_ms" => format!("{}", (m.range_s * 1000.0).round() as u64),
        _ => return None,
    })
}

/// Regex metacharacters escaped, so a value matches itself in an `=~` matcher.
fn regex_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if "\\.^$*+?()[]{}|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn format_binding(b: &Binding, format: Option<&str>) -> String {
    if b.all {
        if let Some(all) = &b.all_value {
            return all.clone();
        }
        if b.values.is_empty() {
            return ".*".into();
        }
    }
    let vals = &b.values;
    match format {
        Some("raw" | "text") => vals.join(","),
        Some("csv") => vals.join(","),
        Some("pipe") => vals.join("|"),
        Some("json") => serde_json::to_string(vals).unwrap_or_default(),
        Some("regex") => alternative(vals),
        _ if b.regex_shaped || vals.len() > 1 => alternative(vals),
        _ => vals.first().cloned().unwrap_or_default(),
    }
}

fn alternative(vals: &[String]) -> String {
    let escaped: Vec<String> = vals.iter().map(|v| regex_escape(v)).collect();
    match escaped.len() {
        1 => escaped.into_iter().next().unwrap_or_default(),
        _ => format!("({})", escaped.join("|")),
    }
}

/// One reference found in a query: its byte span, the name and the format.
struct Ref<'a> {
    start: usize,
    end: usize,
    name: &'a str,
    format: Option<&'a str>,
}

fn is_word(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The reference `open`name[:format]`close` starting at byte `i` of `q`, if well formed.
fn delimited<'a>(q: &'a str, i: usize, open: &str, close: &str) -> Option<Ref<'a>> {
    let from = i + open.len();
    let len = q[from..].find(close)?;
    let inner = &q[from..from + len];
    let (name, format) = match inner.split_once(':') {
        Some((n, f)) => (n, Some(f)),
        None => (inner, None),
    };
    let word = !name.is_empty() && name.bytes().all(is_word);
    word.then_some(Ref { start: i, end: from + len + close.len(), name, format })
}

/// Every variable-shaped reference in `q`, in order.
fn refs(q: &str) -> Vec<Ref<'_>> {
    let b = q.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let found = match (b[i], b.get(i + 1)) {
            (b'$', Some(b'{')) => delimited(q, i, "${", "}"),
            (b'[', Some(b'[')) => delimited(q, i, "[[", "]]"),
            (b'$', _) => {
                let len = b[i + 1..].iter().take_while(|c| is_word(**c)).count();
                (len > 0).then(|| Ref { start: i, end: i + 1 + len, name: &q[i + 1..i + 1 + len], format: None })
            }
            _ => None,
        };
        match found {
            Some(r) => {
                i = r.end;
                out.push(r);
            }
            None => i += 1,
        }
    }
    out
}

/// The variable names `q` refers to (macros excluded), in order, repeated as written.
pub fn referenced(q: &str) -> Vec<&str> {
    refs(q).into_iter().map(|r| r.name).filter(|n| !n.starts_with("__")).collect()
}

/// `q` with every known variable and macro substituted; unknown names stay as written.
pub fn expand(q: &str, vars: &BTreeMap<String, Binding>, m: &Macros) -> String {
    if !q.contains('$') && !q.contains("[[") {
        return q.to_string();
    }
    let mut out = String::with_capacity(q.len() + 16);
    let mut at = 0;
    for r in refs(q) {
        let value = match vars.get(r.name) {
            Some(b) => Some(format_binding(b, r.format)),
            None => macro_value(r.name, m),
        };
        if let Some(v) = value {
            out.push_str(&q[at..r.start]);
            out.push_str(&v);
            at = r.end;
        }
    }
    out.push_str(&q[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Macros = Macros { interval_s: 30.0, range_s: 3600.0, scrape_s: 15.0 };

    fn one(v: &str) -> Binding {
        Binding { values: vec![v.into()], ..Binding::default() }
    }

    fn vars(pairs: &[(&str, Binding)]) -> BTreeMap<String, Binding> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    }

    #[test]
    fn every_form_of_a_reference() {
        let v = vars(&[("job", one("api")), ("env", one("prod"))]);
        assert_eq!(expand(r#"up{job="$job"}"#, &v, &M), r#"up{job="api"}"#);
        assert_eq!(expand(r#"up{job="${job}"}"#, &v, &M), r#"up{job="api"}"#);
        assert_eq!(expand(r#"up{job="[[job]]",env="$env"}"#, &v, &M), r#"up{job="api",env="prod"}"#);
        assert_eq!(expand("${job}_total", &v, &M), "api_total");
    }

    #[test]
    fn unknown_names_and_lone_dollars_stay() {
        let v = vars(&[("job", one("api"))]);
        let q = r#"label_replace(up, "x", "$1", "job", "(.*)$") + $nope + ${nope} + [[nope]]"#;
        assert_eq!(expand(q, &v, &M), q);
        assert_eq!(expand("$", &v, &M), "$");
        assert_eq!(expand("${unclosed", &v, &M), "${unclosed");
        assert_eq!(expand("[[unclosed", &v, &M), "[[unclosed");
    }

    #[test]
    fn several_values_are_an_escaped_alternative() {
        let b = Binding { values: vec!["a.b".into(), "c".into()], regex_shaped: true, ..Binding::default() };
        let v = vars(&[("svc", b)]);
        assert_eq!(expand(r#"up{svc=~"$svc"}"#, &v, &M), r#"up{svc=~"(a\.b|c)"}"#);
        assert_eq!(expand("${svc:csv}", &v, &M), "a.b,c");
        assert_eq!(expand("${svc:pipe}", &v, &M), "a.b|c");
        assert_eq!(expand("${svc:raw}", &v, &M), "a.b,c");
        assert_eq!(expand("[[svc:json]]", &v, &M), r#"["a.b","c"]"#);
        // One value of a multi-select is still regex-escaped.
        let b = Binding { values: vec!["a.b".into()], regex_shaped: true, ..Binding::default() };
        assert_eq!(expand("$svc", &vars(&[("svc", b)]), &M), r"a\.b");
    }

    #[test]
    fn all_uses_the_all_value_or_every_choice() {
        let b = Binding { values: vec!["x".into(), "y".into()], all: true, regex_shaped: true, all_value: None };
        assert_eq!(expand("$v", &vars(&[("v", b.clone())]), &M), "(x|y)");
        let custom = Binding { all_value: Some(".+".into()), ..b };
        assert_eq!(expand("$v", &vars(&[("v", custom)]), &M), ".+");
        let unknown = Binding { values: vec![], all: true, regex_shaped: true, all_value: None };
        assert_eq!(expand("$v", &vars(&[("v", unknown)]), &M), ".*");
    }

    #[test]
    fn time_macros() {
        let v = BTreeMap::new();
        assert_eq!(expand("rate(x[$__interval])", &v, &M), "rate(x[30s])");
        assert_eq!(expand("rate(x[$__rate_interval])", &v, &M), "rate(x[1m])");
        assert_eq!(expand("increase(x[$__range])", &v, &M), "increase(x[1h])");
        assert_eq!(expand("$__range_s $__range_ms $__interval_ms", &v, &M), "3600 3600000 30000");
        let wide = Macros { interval_s: 120.0, ..M };
        assert_eq!(expand("[$__rate_interval]", &v, &wide), "[2m15s]");
        assert_eq!(expand("[${__interval}]", &v, &Macros { interval_s: 0.25, ..M }), "[250ms]");
    }

    #[test]
    fn references_are_listed_without_macros() {
        assert_eq!(referenced(r#"up{a="$a",b="${b:csv}",c="[[c]]"}[$__interval]"#), vec!["a", "b", "c"]);
    }

    #[test]
    fn no_panic_on_odd_text() {
        let v = vars(&[("a", one("1"))]);
        for q in ["$$", "${}", "[[]]", "${:x}", "$a$a", "ñ$a€", "[[a", "${a", "\u{0}$a"] {
            let _ = expand(q, &v, &M);
        }
        assert_eq!(expand("$a$a", &v, &M), "11");
        assert_eq!(expand("ñ$a€", &v, &M), "ñ1€");
    }
}
