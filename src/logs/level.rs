//! A log line's level: from its labels (`level`, `detected_level`, `severity`), else read from the line
//! itself, JSON (`"level":"ERROR"`) or logfmt (`level=error`), else a leading keyword (`ERROR …`,
//! `[warn] …`). Detection runs once per line as it enters the buffer, so it scans without parsing:
//! a 5,000-line/s tail must not spend its budget on JSON decoding.

use crate::logs::LogEntry;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[default]
    Unknown,
    Trace,
    Debug,
    Info,
    Warn,
    Error,
    Fatal,
}

impl Level {
    /// Every level that has a name, least to most severe.
    pub const ALL: [Level; 6] = [Level::Trace, Level::Debug, Level::Info, Level::Warn, Level::Error, Level::Fatal];

    /// A level name as services write it, any case: `WARNING`, `err`, `crit`, `E`…
    pub fn parse(s: &str) -> Level {
        let s = s.trim().trim_matches(|c: char| c == '"' || c == '\'' || c == '[' || c == ']');
        if s.len() > 9 {
            return Level::Unknown;
        }
        match s.to_ascii_lowercase().as_str() {
            "trace" | "trc" | "t" => Level::Trace,
            "debug" | "dbg" | "d" => Level::Debug,
            "info" | "inf" | "i" | "notice" | "information" => Level::Info,
            "warn" | "warning" | "wrn" | "w" => Level::Warn,
            "error" | "err" | "e" | "eror" => Level::Error,
            "fatal" | "crit" | "critical" | "panic" | "emerg" | "alert" | "f" => Level::Fatal,
            _ => Level::Unknown,
        }
    }

    /// The short badge drawn before a line.
    pub fn badge(self) -> &'static str {
        match self {
            Level::Unknown => "   ",
            Level::Trace => "TRC",
            Level::Debug => "DBG",
            Level::Info => "INF",
            Level::Warn => "WRN",
            Level::Error => "ERR",
            Level::Fatal => "FTL",
        }
    }

    /// The name used in LogQL label values and the volume legend.
    pub fn name(self) -> &'static str {
        match self {
            Level::Unknown => "unknown",
            Level::Trace => "trace",
            Level::Debug => "debug",
            Level::Info => "info",
            Level::Warn => "warn",
            Level::Error => "error",
            Level::Fatal => "fatal",
        }
    }
}

const LABELS: &[&str] = &["level", "detected_level", "severity", "lvl", "log_level", "level_extracted"];
const KEYS: &[&str] = &["level", "severity", "lvl", "log_level", "loglevel"];

/// The level of `e`, by its labels, then its fields, then its text.
pub fn detect(e: &LogEntry) -> Level {
    for name in LABELS {
        if let Some(v) = e.labels.get(*name) {
            let l = Level::parse(v);
            if l != Level::Unknown {
                return l;
            }
        }
    }
    if let Some(f) = &e.fields {
        for name in LABELS {
            if let Some(l) = f.get(*name).map(|v| Level::parse(v)).filter(|l| *l != Level::Unknown) {
                return l;
            }
        }
    }
    detect_line(&e.line)
}

/// The level written in a line of text (JSON, logfmt, or a leading keyword).
pub fn detect_line(line: &str) -> Level {
    let head = &line[..floor_boundary(line, 2048)];
    let trimmed = head.trim_start();
    if trimmed.starts_with('{') {
        if let Some(l) = json_level(trimmed) {
            return l;
        }
    }
    if let Some(l) = logfmt_level(head) {
        return l;
    }
    keyword_level(head)
}

fn floor_boundary(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// `"level": "error"` anywhere in the (head of the) object.
fn json_level(s: &str) -> Option<Level> {
    for key in KEYS {
        let pat = format!("\"{key}\"");
        let mut from = 0;
        while let Some(i) = s[from..].find(&pat) {
            let rest = s[from + i + pat.len()..].trim_start();
            from += i + pat.len();
            let Some(rest) = rest.strip_prefix(':') else { continue };
            let rest = rest.trim_start();
            if let Some(v) = rest.strip_prefix('"') {
                let end = v.find('"').unwrap_or(v.len());
                let l = Level::parse(&v[..end]);
                if l != Level::Unknown {
                    return Some(l);
                }
            }
        }
    }
    None
}

/// `level=warn` or `level="warn"` as a logfmt pair (at the start or after a space).
fn logfmt_level(s: &str) -> Option<Level> {
    for key in KEYS {
        let pat = format!("{key}=");
        let mut from = 0;
        while let Some(i) = s[from..].find(&pat) {
            let at = from + i;
            from = at + pat.len();
            if at > 0 && !s.as_bytes()[at - 1].is_ascii_whitespace() {
                continue;
            }
            let v = &s[at + pat.len()..];
            let v = v.strip_prefix('"').unwrap_or(v);
            let end = v.find(|c: char| c.is_whitespace() || c == '"').unwrap_or(v.len());
            let l = Level::parse(&v[..end]);
            if l != Level::Unknown {
                return Some(l);
            }
        }
    }
    None
}

/// A level word among the first few tokens: `2026-11-23 10:00:01 ERROR db: …`, `[WARN] …`, `E1123 …`
/// is not guessed (too ambiguous).
fn keyword_level(s: &str) -> Level {
    for tok in s.split(|c: char| c.is_whitespace() || c == ':' || c == '|').filter(|t| !t.is_empty()).take(6) {
        let t = tok.trim_matches(|c: char| c == '[' || c == ']' || c == '(' || c == ')' || c == '<' || c == '>');
        if t.len() >= 3 && t.chars().all(|c| c.is_ascii_alphabetic()) {
            let l = Level::parse(t);
            if l != Level::Unknown {
                return l;
            }
        }
    }
    Level::Unknown
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn entry(labels: &[(&str, &str)], line: &str) -> LogEntry {
        LogEntry {
            ts_ns: 1,
            labels: Arc::new(labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()),
            fields: None,
            line: line.into(),
        }
    }

    #[test]
    fn labels_win_over_the_text() {
        assert_eq!(detect(&entry(&[("level", "ERROR")], "level=info all good")), Level::Error);
        assert_eq!(detect(&entry(&[("detected_level", "warn")], "x")), Level::Warn);
        // An unusable label falls through to the line.
        assert_eq!(detect(&entry(&[("level", "verbose-ish")], "level=warn x")), Level::Warn);
    }

    #[test]
    fn json_and_logfmt_lines() {
        assert_eq!(detect_line(r#"{"ts":"2026-11-22T10:48:12Z","level":"error","msg":"db refused"}"#), Level::Error);
        assert_eq!(detect_line(r#"{"severity" : "WARNING", "message": "slow"}"#), Level::Warn);
        assert_eq!(detect_line(r#"{"msg":"level=error is in the text","level":"info"}"#), Level::Info);
        assert_eq!(detect_line(r#"ts=2026-11-22T10:48:05Z level=info method=GET path=/api"#), Level::Info);
        assert_eq!(detect_line(r#"ts=x level="warn" msg="slow request""#), Level::Warn);
        assert_eq!(detect_line("loglevel=x sublevel=error msg=y"), Level::Unknown, "sublevel= is not level=");
    }

    #[test]
    fn keywords_and_nothing() {
        assert_eq!(detect_line("2026-11-23 10:00:01 ERROR db: connection refused"), Level::Error);
        assert_eq!(detect_line("[WARN] disk 91% full"), Level::Warn);
        assert_eq!(detect_line("INFO:     127.0.0.1:5000 - \"GET /health HTTP/1.1\" 200 OK"), Level::Info);
        assert_eq!(detect_line("GET /api/errors 200"), Level::Unknown, "a word containing error is not a level");
        assert_eq!(detect_line(""), Level::Unknown);
        // A long multibyte line does not split a character.
        let long = "ñ".repeat(3000);
        assert_eq!(detect_line(&long), Level::Unknown);
    }
}
