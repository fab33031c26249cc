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

/// What a pipeline added to a line's stream labels: parsed fields and `__error__`, in the order set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Set `name` (an empty value removes it, as Loki drops empty labels).
    fn set(&mut self, name: String, value: String) {
        let at = self.0.iter().position(|(k, _)| *k == name);
        match (at, value.is_empty()) {
            (Some(i), true) => {
                self.0.remove(i);
            }
            (Some(i), false) => self.0[i].1 = value,
            (None, true) => {}
            (None, false) => self.0.push((name, value)),
        }
    }

    /// Add a parsed field: sanitised name, `_extracted` when the stream has a label of that name.
    pub(super) fn extract(&mut self, stream: &Labels, key: &str, value: String) {
        let mut name = sanitize(key);
        if name.is_empty() {
            return;
        }
        if stream.contains_key(&name) {
            name.push_str("_extracted");
        }
        self.set(name, value);
    }

    /// A field as read, to be [`extract`](Self::extract)ed once the whole line has parsed.
    pub(super) fn push_raw(&mut self, name: &str, value: String) {
        self.0.push((name.to_string(), value));
    }

    pub(super) fn into_pairs(self) -> Vec<(String, String)> {
        self.0
    }

    fn error(&mut self, kind: &str) {
        self.set(ERROR_LABEL.into(), kind.into());
    }

    /// The stream's labels with these added.
    pub fn merged(&self, stream: &Labels) -> Labels {
        let mut out = stream.clone();
        out.extend(self.0.iter().cloned());
        out
    }
}

/// A label's value as the pipeline sees it: the fields first, then the stream.
fn lookup<'a>(stream: &'a Labels, fields: &'a Fields, name: &str) -> Option<&'a str> {
    fields.get(name).or_else(|| stream.get(name).map(String::as_str))
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

    /// Run the pipeline: `None` drops the line, else what it added to the stream's labels.
    pub fn run(&self, stream: &Labels, line: &str) -> Option<Fields> {
        let mut fields = Fields::default();
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
                Stage::Json => {
                    if !super::json::extract(line, stream, &mut fields) {
                        fields.error("JSONParserErr");
                    }
                }
                Stage::Logfmt => logfmt(line, stream, &mut fields),
                Stage::Filter(pred) => match eval(pred, stream, &fields) {
                    Verdict::Keep => {}
                    Verdict::Drop => return None,
                    Verdict::Error => fields.error("LabelFilterErr"),
                },
            }
        }
        Some(fields)
    }

    /// [`run`](Self::run) with the labels merged: `None` drops the line; `Some(None)` keeps it with
    /// the stream's labels; `Some(Some(l))` with labels `l`.
    pub fn process(&self, stream: &Labels, line: &str) -> Option<Option<Labels>> {
        let fields = self.run(stream, line)?;
        Some((!fields.is_empty()).then(|| fields.merged(stream)))
    }
}

enum Verdict {
    Keep,
    Drop,
    Error,
}

fn eval(pred: &LabelPred, stream: &Labels, fields: &Fields) -> Verdict {
    let keep = |b: bool| if b { Verdict::Keep } else { Verdict::Drop };
    match pred {
        LabelPred::And(a, b) => match eval(a, stream, fields) {
            Verdict::Keep => eval(b, stream, fields),
            other => other,
        },
        LabelPred::Or(a, b) => match eval(a, stream, fields) {
            Verdict::Drop => eval(b, stream, fields),
            other => other,
        },
        LabelPred::Str(m) if m.name == ERROR_LABEL => keep(m.matches(fields.get(ERROR_LABEL).unwrap_or(""))),
        _ if fields.get(ERROR_LABEL).is_some() => Verdict::Keep,
        LabelPred::Str(m) => keep(m.matches(lookup(stream, fields, &m.name).unwrap_or(""))),
        LabelPred::Num { name, cmp, value } => match lookup(stream, fields, name) {
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

/// logfmt as go-logfmt reads it: `key=value` pairs, values bare or double-quoted with escapes.
fn logfmt(line: &str, stream: &Labels, out: &mut Fields) {
    match logfmt_pairs(line) {
        Some(pairs) => {
            for (k, v) in pairs {
                out.extract(stream, &k, v);
            }
        }
        None => out.error("LogfmtParserErr"),
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
