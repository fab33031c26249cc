//! Loading a config file and reporting every problem in it with its line and column.

use super::{validate, Config};
use std::path::Path;

/// One problem in a config file, located.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub col: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.file, self.line, self.col, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

pub fn load_file(path: &Path) -> Result<Config, Vec<Problem>> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => load_str(&file, &text),
        Err(e) => Err(vec![Problem {
            file,
            line: 1,
            col: 1,
            message: format!("cannot read the config file: {e}"),
            hint: Some("check the path, or run `centinela info` to see where centinela looks".into()),
        }]),
    }
}

/// Parse and validate. Every problem found is returned, not just the first.
pub fn load_str(file: &str, text: &str) -> Result<Config, Vec<Problem>> {
    let mut problems = Vec::new();
    // serde stops at the first error. To find the others, blank the offending key in a copy of the
    // text (same byte offsets, so positions stay true to the original) and parse again.
    let mut work = text.to_string();
    // (offset in `work`, bytes added there) for every placeholder longer than what it replaced.
    let mut shifts: Vec<(usize, isize)> = Vec::new();
    let original = |o: usize, shifts: &[(usize, isize)]| -> usize {
        let delta: isize = shifts.iter().filter(|(at, _)| *at < o).map(|(_, d)| *d).sum();
        (o as isize - delta).max(0) as usize
    };
    let mut parsed = None;
    let mut blanked: Vec<String> = Vec::new();
    for _ in 0..50 {
        match toml::from_str::<Config>(&work) {
            Ok(c) => {
                parsed = Some(c);
                break;
            }
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                // A required key we blanked ourselves is not a new problem.
                let m = e.message();
                if blanked.iter().any(|k| m.starts_with("missing field") && m.contains(&format!("`{k}`"))) {
                    break;
                }
                let (line, col) = line_col(text, original(span.start, &shifts));
                let (message, hint) = explain(e.message());
                problems.push(Problem { file: file.to_string(), line, col, message, hint });
                // A bad value is replaced by a valid placeholder, so the rest of its table is still
                // checked; an unknown key is blanked out.
                let fixed = placeholder(e.message())
                    .and_then(|p| replace_value_at(&mut work, span.start, &p))
                    .map(|shift| shifts.push(shift));
                if fixed.is_none() {
                    match blank_entry_at(&mut work, span.start) {
                        Some(key) => blanked.push(key),
                        None => break,
                    }
                }
            }
        }
    }
    // serde visits keys in its own order; a reader goes top to bottom.
    problems.sort_by_key(|p| (p.line, p.col));
    let Some(mut config) = parsed else { return Err(problems) };
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut semantic = super::grafana_ref::expand(file, &mut config);
    semantic.extend(validate::validate(&config));
    if semantic.is_empty() {
        return Ok(config);
    }
    Err(located(file, text, semantic))
}

/// The checks `centinela check-config` adds to [`load_str`]'s: every file named by a backend
/// (tokens, passwords, CA bundles, client certificates and keys) exists, can be read and holds what
/// it should. `text` is the config's text, for the positions.
pub fn check_files(file: &str, text: &str, config: &Config) -> Vec<Problem> {
    let found: Vec<validate::Found> = super::conn::backends(config).iter().flat_map(super::conn::check_files).collect();
    located(file, text, found)
}

fn located(file: &str, text: &str, found: Vec<validate::Found>) -> Vec<Problem> {
    found
        .into_iter()
        .map(|(path, message, hint)| {
            let (line, col) = locate(text, &path).map(|o| line_col(text, o)).unwrap_or((1, 1));
            Problem { file: file.to_string(), line, col, message, hint }
        })
        .collect()
}

/// Turn serde/toml messages into a message plus a hint ("did you mean").
fn explain(msg: &str) -> (String, Option<String>) {
    let msg = msg.trim().to_string();
    // centinela's own deserialisers put their hint on a last line.
    if let Some((m, h)) = msg.split_once("\nhint: ") {
        return (m.trim().to_string(), Some(h.trim().to_string()));
    }
    // "unknown field `refersh`, expected one of `name`, `refresh`, …"
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        if let Some((field, expected)) = rest.split_once('`') {
            let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            let hint = match super::nearest(field, options.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("valid keys here: {}", options.join(", ")),
            };
            return (format!("unknown key `{field}`"), Some(hint));
        }
    }
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        if let Some((v, expected)) = rest.split_once('`') {
            let options: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
            let hint = match super::nearest(v, options.iter().copied()) {
                Some(n) => format!("did you mean `{n}`?"),
                None => format!("one of: {}", options.join(", ")),
            };
            return (format!("unknown value `{v}`"), Some(hint));
        }
    }
    if msg.starts_with("missing field") {
        return (msg, Some("add it; see examples/minimarket.toml for a complete config".into()));
    }
    (msg, None)
}

/// A valid stand-in for a bad value, from what the error says was expected.
fn placeholder(msg: &str) -> Option<String> {
    if let Some(rest) = msg.strip_prefix("unknown variant `") {
        let expected = rest.split_once("expected one of `").or_else(|| rest.split_once("expected `"))?.1;
        return expected.split('`').next().map(|v| format!("\"{v}\""));
    }
    if msg.contains("is not a duration") || msg.contains("is zero; a duration") {
        return Some("\"1s\"".into());
    }
    let expected = msg.split("expected ").nth(1)?;
    Some(
        match expected.split_whitespace().next()? {
            "a" if expected.starts_with("a string") => "\"\"",
            "a" if expected.starts_with("a boolean") => "false",
            "a" if expected.starts_with("a sequence") => "[]",
            "u8" | "u16" | "u32" | "u64" | "usize" | "i64" | "i32" | "integer" => "0",
            "f64" | "f32" => "0.0",
            _ => return None,
        }
        .to_string(),
    )
}

/// Replace the innermost value containing `offset` with `with`. Returns where and how many bytes
/// were added (0 or more: shorter placeholders are padded with spaces).
fn replace_value_at(work: &mut String, offset: usize, with: &str) -> Option<(usize, isize)> {
    let doc = toml_edit::Document::parse(work.as_str()).ok()?;
    let mut best: Option<std::ops::Range<usize>> = None;
    find_value(doc.as_item(), offset, &mut best);
    drop(doc);
    let r = best?;
    let old_len = r.len();
    let mut new = with.to_string();
    while new.len() < old_len {
        new.push(' ');
    }
    work.replace_range(r.clone(), &new);
    Some((r.start, new.len() as isize - old_len as isize))
}

fn find_value(item: &toml_edit::Item, offset: usize, best: &mut Option<std::ops::Range<usize>>) {
    match item {
        toml_edit::Item::Value(v) => find_in_value(v, offset, best),
        toml_edit::Item::Table(t) => t.iter().for_each(|(_, i)| find_value(i, offset, best)),
        toml_edit::Item::ArrayOfTables(a) => {
            a.iter().for_each(|t| t.iter().for_each(|(_, i)| find_value(i, offset, best)))
        }
        toml_edit::Item::None => {}
    }
}

fn find_in_value(v: &toml_edit::Value, offset: usize, best: &mut Option<std::ops::Range<usize>>) {
    if let Some(r) = v.span() {
        if r.start <= offset && offset < r.end.max(r.start + 1) {
            consider(best, r);
        }
    }
    match v {
        toml_edit::Value::Array(a) => a.iter().for_each(|x| find_in_value(x, offset, best)),
        toml_edit::Value::InlineTable(t) => t.iter().for_each(|(_, x)| find_in_value(x, offset, best)),
        _ => {}
    }
}

/// Replace the key/value (or table) that contains `offset` with spaces, returning the key blanked.
/// `None` when nothing was found, which ends the search for further problems.
fn blank_entry_at(work: &mut String, offset: usize) -> Option<String> {
    let doc = toml_edit::Document::parse(work.as_str()).ok()?;
    let mut best: Option<std::ops::Range<usize>> = None;
    find_entry(doc.as_table(), offset, &mut best);
    drop(doc);
    let r = best?;
    let key: String = work[r.start..].chars().take_while(|c| *c != '=' && *c != '\n').collect();
    let key = key.trim().trim_matches(|c| c == '[' || c == ']' || c == '"').to_string();
    let mut bytes = std::mem::take(work).into_bytes();
    let end = r.end.min(bytes.len());
    for b in &mut bytes[r.start.min(end)..end] {
        if *b != b'\n' {
            *b = b' ';
        }
    }
    // Blanking whole UTF-8 sequences keeps the string valid: every byte of the range became ASCII.
    *work = String::from_utf8(bytes).unwrap_or_default();
    Some(key)
}

fn within(r: &Option<std::ops::Range<usize>>, o: usize) -> bool {
    r.as_ref().is_some_and(|r| r.start <= o && o < r.end.max(r.start + 1))
}

fn consider(best: &mut Option<std::ops::Range<usize>>, r: std::ops::Range<usize>) {
    // The innermost (shortest) entry containing the offset wins.
    if best.as_ref().is_none_or(|b| r.len() < b.len()) {
        *best = Some(r);
    }
}

fn find_entry(t: &toml_edit::Table, offset: usize, best: &mut Option<std::ops::Range<usize>>) {
    for (k, item) in t.iter() {
        let Some((key, _)) = t.get_key_value(k) else { continue };
        let kspan = key.span();
        match item {
            toml_edit::Item::Value(v) => {
                let vspan = v.span();
                if within(&kspan, offset) || within(&vspan, offset) {
                    if let (Some(ks), Some(vs)) = (kspan.clone(), vspan.clone()) {
                        consider(best, ks.start..vs.end);
                    }
                }
                if let toml_edit::Value::InlineTable(it) = v {
                    find_inline(it, offset, best);
                }
                if let toml_edit::Value::Array(a) = v {
                    for e in a.iter() {
                        if let toml_edit::Value::InlineTable(it) = e {
                            find_inline(it, offset, best);
                        }
                    }
                }
            }
            toml_edit::Item::Table(sub) => {
                if within(&sub.span(), offset) || within(&kspan, offset) {
                    blank_table(sub, kspan, best);
                }
                find_entry(sub, offset, best);
            }
            toml_edit::Item::ArrayOfTables(arr) => {
                for sub in arr.iter() {
                    if within(&sub.span(), offset) {
                        blank_table(sub, sub.span(), best);
                    }
                    find_entry(sub, offset, best);
                }
            }
            toml_edit::Item::None => {}
        }
    }
}

/// A header-style table: its header and every entry below it.
fn blank_table(
    t: &toml_edit::Table,
    header: Option<std::ops::Range<usize>>,
    best: &mut Option<std::ops::Range<usize>>,
) {
    let start = t.span().or(header).map(|r| r.start);
    let end = t.get_values().iter().filter_map(|(_, v)| v.span().map(|s| s.end)).chain(t.span().map(|r| r.end)).max();
    if let (Some(s), Some(e)) = (start, end) {
        consider(best, s..e);
    }
}

fn find_inline(t: &toml_edit::InlineTable, offset: usize, best: &mut Option<std::ops::Range<usize>>) {
    for (k, v) in t.iter() {
        let Some((key, _)) = t.get_key_value(k) else { continue };
        let (kspan, vspan) = (key.span(), v.span());
        if within(&kspan, offset) || within(&vspan, offset) {
            if let (Some(ks), Some(vs)) = (kspan, vspan) {
                consider(best, ks.start..vs.end);
            }
        }
        if let toml_edit::Value::InlineTable(it) = v {
            find_inline(it, offset, best);
        }
    }
}

/// Byte offset of a path like `dashboard.2.panel.0.query` in the original text, best effort: the
/// deepest part of the path that exists.
fn locate(text: &str, path: &[validate::Seg]) -> Option<usize> {
    use toml_edit::{Item, Value};
    #[derive(Clone, Copy)]
    enum Node<'a> {
        Item(&'a Item),
        Table(&'a toml_edit::Table),
        Value(&'a Value),
    }
    let doc = toml_edit::Document::parse(text).ok()?;
    let mut node = Node::Table(doc.as_table());
    let mut pos = None;
    for seg in path {
        let next = match (node, seg) {
            (Node::Table(t) | Node::Item(Item::Table(t)), validate::Seg::Key(k)) => {
                t.get_key_value(k).map(|(key, item)| (key.span(), Node::Item(item)))
            }
            (
                Node::Item(Item::Value(Value::InlineTable(t))) | Node::Value(Value::InlineTable(t)),
                validate::Seg::Key(k),
            ) => t.get_key_value(k).map(|(key, item)| (key.span(), Node::Item(item))),
            (Node::Item(Item::ArrayOfTables(a)), validate::Seg::Index(i)) => {
                a.get(*i).map(|t| (t.span(), Node::Table(t)))
            }
            (Node::Item(Item::Value(Value::Array(a))) | Node::Value(Value::Array(a)), validate::Seg::Index(i)) => {
                a.get(*i).map(|v| (v.span(), Node::Value(v)))
            }
            _ => None,
        };
        let Some((span, n)) = next else { break };
        pos = span.map(|s| s.start).or(pos);
        node = n;
    }
    pos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let t = "a = 1\nbb = 2\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 6), (2, 1));
        assert_eq!(line_col(t, 9), (2, 4));
    }

    #[test]
    fn every_unknown_key_is_reported_with_its_position() {
        let text = r#"
[settings]
refersh = "30s"
theme = "dark"

[[environment]]
name = "prod"
prometheus = { url = "http://localhost:9090", timout = "5s" }

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
colour = "red"
query = [{ expr = "up" }]
"#;
        let problems = load_str("c.toml", text).unwrap_err();
        let shown: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        assert_eq!(problems.len(), 3, "{shown:#?}");
        assert!(shown[0].starts_with("c.toml:3:1: unknown key `refersh`"), "{}", shown[0]);
        assert!(shown[0].contains("did you mean `refresh`?"));
        assert!(
            shown.iter().any(|s| s.starts_with("c.toml:8:") && s.contains("`timout`") && s.contains("`timeout`")),
            "{shown:#?}"
        );
        assert!(shown.iter().any(|s| s.starts_with("c.toml:15:1: unknown key `colour`")), "{shown:#?}");
    }

    #[test]
    fn wrong_types_and_values_are_located() {
        let text = "[settings]\nrefresh = \"soon\"\n";
        let p = load_str("c.toml", text).unwrap_err();
        assert_eq!((p[0].line, p[0].col), (2, 11), "{p:?}");
        assert!(p[0].message.contains("not a duration"), "{}", p[0]);

        let text = "[[dashboard]]\nname = \"x\"\n[[dashboard.panel]]\ntitle = \"t\"\nkind = \"gauges\"\nquery = []\n";
        let p = load_str("c.toml", text).unwrap_err();
        assert_eq!(p[0].line, 5, "{p:?}");
        assert_eq!(p[0].hint.as_deref(), Some("did you mean `gauge`?"));
    }

    #[test]
    fn syntax_errors_are_located() {
        let p = load_str("c.toml", "[settings\ntheme = 1\n").unwrap_err();
        assert_eq!(p[0].line, 1, "{p:?}");
    }
}
