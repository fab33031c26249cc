//! Running a log query's pipeline on one line, with Loki's semantics: parsers add the fields they
//! extract as labels (sanitised names, nested JSON objects joined with `_`, a clash with a stream label
//! renamed `<name>_extracted`, empty values dropped); a line a parser cannot read keeps going with
//! `__error__` set (`JSONParserErr`, `LogfmtParserErr`), label filters let such lines through unless
//! they test `__error__` itself; a numeric filter on a missing label drops the line, on a non-number
//! sets `__error__="LabelFilterErr"`.

use super::{Cmp, LabelPred, LineOp, LogQuery, Matcher, Stage};
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

pub const ERROR_LABEL: &str = "__error__";

/// Whether a label set satisfies every matcher (a missing label is the empty string).
pub fn matches_all(matchers: &[Matcher], labels: &Labels) -> bool {
    matchers.iter().all(|m| m.matches(labels.get(&m.name).map_or("", String::as_str)))
}

impl LogQuery {
    /// Whether a stream with these labels is selected.
    pub fn selects(&self, labels: &Labels) -> bool {
        matches_all(&self.matchers, labels)
    }

    /// Whether the pipeline reads lines at all (a bare selector does not).
    pub fn reads_lines(&self) -> bool {
        !self.stages.is_empty()
    }

    /// Run the pipeline: `None` drops the line; `Some(None)` keeps it with the stream's labels;
    /// `Some(Some(l))` keeps it with labels `l` (the stream's plus what the parsers extracted).
    pub fn process(&self, stream: &Labels, line: &str) -> Option<Option<Labels>> {
        let mut labels: Option<Labels> = None;
        for stage in &self.stages {
            match stage {
                Stage::Line { op, value, re } => {
                    let hit = match (op, re) {
                        (LineOp::Contains | LineOp::NotContains, _) => line.contains(value.as_str()),
                        (_, Some(re)) => re.is_match(line),
                        _ => false,
                    };
                    if hit != matches!(op, LineOp::Contains | LineOp::Match) {
                        return None;
                    }
                }
                Stage::Json => json(line, stream, labels.get_or_insert_with(|| stream.clone())),
                Stage::Logfmt => logfmt(line, stream, labels.get_or_insert_with(|| stream.clone())),
                Stage::Filter(pred) => match eval(pred, labels.as_ref().unwrap_or(stream)) {
                    Verdict::Keep => {}
                    Verdict::Drop => return None,
                    Verdict::Error => {
                        labels
                            .get_or_insert_with(|| stream.clone())
                            .insert(ERROR_LABEL.into(), "LabelFilterErr".into());
                    }
                },
            }
        }
        Some(labels)
    }
}

enum Verdict {
    Keep,
    Drop,
    Error,
}

fn label<'a>(labels: &'a Labels, name: &str) -> Option<&'a str> {
    labels.get(name).map(String::as_str)
}

fn eval(pred: &LabelPred, labels: &Labels) -> Verdict {
    let keep = |b: bool| if b { Verdict::Keep } else { Verdict::Drop };
    match pred {
        LabelPred::And(a, b) => match eval(a, labels) {
            Verdict::Keep => eval(b, labels),
            other => other,
        },
        LabelPred::Or(a, b) => match eval(a, labels) {
            Verdict::Drop => eval(b, labels),
            other => other,
        },
        LabelPred::Str(m) if m.name == ERROR_LABEL => keep(m.matches(label(labels, ERROR_LABEL).unwrap_or(""))),
        _ if labels.contains_key(ERROR_LABEL) => Verdict::Keep,
        LabelPred::Str(m) => keep(m.matches(label(labels, &m.name).unwrap_or(""))),
        LabelPred::Num { name, cmp, value } => match label(labels, name) {
            None => Verdict::Drop,
            Some(v) => match v.trim().parse::<f64>() {
                Err(_) => Verdict::Error,
                Ok(v) => keep(match cmp {
                    Cmp::Gt => v > *value,
                    Cmp::Ge => v >= *value,
                    Cmp::Lt => v < *value,
                    Cmp::Le => v <= *value,
                    Cmp::Eq => v == *value,
                    Cmp::Ne => v != *value,
                }),
            },
        },
    }
}

/// A field name as a label name: invalid characters become `_`, a leading digit gets a `_` prefix.
pub fn sanitize(key: &str) -> String {
    let mut out: String = key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn add(stream: &Labels, out: &mut Labels, key: &str, value: String) {
    let mut name = sanitize(key);
    if name.is_empty() {
        return;
    }
    if stream.contains_key(&name) {
        name.push_str("_extracted");
    }
    if value.is_empty() {
        out.remove(&name);
    } else {
        out.insert(name, value);
    }
}

fn json(line: &str, stream: &Labels, out: &mut Labels) {
    match serde_json::from_str::<serde_json::Value>(line) {
        Ok(serde_json::Value::Object(map)) => flatten("", &map, stream, out),
        _ => {
            out.insert(ERROR_LABEL.into(), "JSONParserErr".into());
        }
    }
}

fn flatten(prefix: &str, map: &serde_json::Map<String, serde_json::Value>, stream: &Labels, out: &mut Labels) {
    use serde_json::Value;
    for (k, v) in map {
        let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}_{k}") };
        match v {
            Value::Object(inner) => flatten(&key, inner, stream, out),
            Value::Array(_) => {}
            Value::String(s) => add(stream, out, &key, s.clone()),
            Value::Number(n) => add(stream, out, &key, n.to_string()),
            Value::Bool(b) => add(stream, out, &key, b.to_string()),
            Value::Null => add(stream, out, &key, String::new()),
        }
    }
}

/// logfmt as go-logfmt reads it: `key=value` pairs, values bare or double-quoted with escapes.
fn logfmt(line: &str, stream: &Labels, out: &mut Labels) {
    match logfmt_pairs(line) {
        Some(pairs) => {
            for (k, v) in pairs {
                add(stream, out, &k, v);
            }
        }
        None => {
            out.insert(ERROR_LABEL.into(), "LogfmtParserErr".into());
        }
    }
}

fn logfmt_pairs(line: &str) -> Option<Vec<(String, String)>> {
    let chars: Vec<char> = line.chars().collect();
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] <= ' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i] > ' ' && chars[i] != '=' {
            if chars[i] == '"' {
                return None;
            }
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if chars.get(i) != Some(&'=') {
            pairs.push((key, String::new()));
            continue;
        }
        i += 1;
        let mut value = String::new();
        if chars.get(i) == Some(&'"') {
            i += 1;
            loop {
                match *chars.get(i)? {
                    '"' => break,
                    '\\' => {
                        let e = *chars.get(i + 1)?;
                        value.push(match e {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            other => other,
                        });
                        i += 2;
                    }
                    c => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
            i += 1;
        } else {
            while i < chars.len() && chars[i] > ' ' {
                if chars[i] == '"' || chars[i] == '=' {
                    return None;
                }
                value.push(chars[i]);
                i += 1;
            }
        }
        pairs.push((key, value));
    }
    Some(pairs)
}
