//! A log line in full, for the detail pane: JSON pretty-printed (keys in the line's own order), a
//! logfmt line one `key=value` per row, anything else as it is.

/// The rows to show for `line` (not yet sanitised: the caller sanitises what it draws).
pub fn body_lines(line: &str) -> Vec<String> {
    let t = line.trim();
    if t.starts_with('{') || t.starts_with('[') {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(t) {
            if let Ok(p) = serde_json::to_string_pretty(&v) {
                return p.lines().map(str::to_string).collect();
            }
        }
    }
    let pairs = logfmt(t);
    if pairs.len() >= 2 {
        let w = pairs.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
        return pairs.into_iter().map(|(k, v)| format!("{k:<w$} = {v}")).collect();
    }
    line.split('\n').map(str::to_string).collect()
}

/// Keys whose value the list already shows (time, level) or shows first (the message).
const TIME_KEYS: &[&str] = &["timestamp", "time", "ts", "@timestamp", "t"];
const LEVEL_KEYS: &[&str] = &["level", "severity", "lvl", "log_level", "loglevel"];
const MESSAGE_KEYS: &[&str] = &["message", "msg", "error", "err", "event"];

/// A structured line (JSON object or logfmt) as one readable row: the message first, then the other
/// fields, without the time and level the list already shows. `None` for other lines.
pub fn compact(line: &str) -> Option<String> {
    compact_json(line).or_else(|| compact_logfmt(line))
}

fn push_field(out: &mut String, k: &str, v: &str) {
    if !out.is_empty() {
        out.push_str("  ");
    }
    if v.contains(char::is_whitespace) || v.is_empty() {
        out.push_str(&format!("{k}={v:?}"));
    } else {
        out.push_str(&format!("{k}={v}"));
    }
}

/// A logfmt line (every token a `key=value` pair, with a time, level or message key) compacted.
pub fn compact_logfmt(line: &str) -> Option<String> {
    let (pairs, rest) = parse_logfmt(line);
    let known = |k: &str| TIME_KEYS.contains(&k) || LEVEL_KEYS.contains(&k) || MESSAGE_KEYS.contains(&k);
    if pairs.len() < 2 || !rest.trim().is_empty() || !pairs.iter().any(|(k, _)| known(k)) {
        return None;
    }
    let msg = pairs.iter().find(|(k, _)| MESSAGE_KEYS.contains(&k.as_str()));
    let mut out = msg.map(|(_, v)| v.clone()).unwrap_or_default();
    for (k, v) in &pairs {
        if Some(k) == msg.map(|(k, _)| k) || TIME_KEYS.contains(&k.as_str()) || LEVEL_KEYS.contains(&k.as_str()) {
            continue;
        }
        push_field(&mut out, k, v);
    }
    Some(out)
}

/// A JSON object line as one readable row: its message first, then the other fields as `key=value`
/// (time and level are dropped: the list shows them). `None` when the line is not a JSON object.
pub fn compact_json(line: &str) -> Option<String> {
    let t = line.trim();
    if !t.starts_with('{') || t.len() > 64 * 1024 {
        return None;
    }
    let serde_json::Value::Object(map) = serde_json::from_str::<serde_json::Value>(t).ok()? else { return None };
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let msg_key = MESSAGE_KEYS.iter().find(|k| map.get(**k).is_some_and(|v| v.is_string()));
    let mut out = msg_key.and_then(|k| map.get(*k)).map(text).unwrap_or_default();
    for (k, v) in &map {
        if Some(&k.as_str()) == msg_key || TIME_KEYS.contains(&k.as_str()) || LEVEL_KEYS.contains(&k.as_str()) {
            continue;
        }
        push_field(&mut out, k, &text(v));
    }
    Some(out)
}

/// Parse logfmt pairs (`k=v`, `k="quoted \" value"`); stops at the first token that is not a pair.
pub fn logfmt(s: &str) -> Vec<(String, String)> {
    parse_logfmt(s).0
}

/// The pairs, and what is left from the first token that is not a pair.
fn parse_logfmt(s: &str) -> (Vec<(String, String)>, &str) {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let Some(eq) = rest.find('=') else { break };
        let key = &rest[..eq];
        if key.is_empty() || key.contains(char::is_whitespace) || key.contains('"') {
            break;
        }
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = q.char_indices();
            let mut end = q.len();
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            v.push(match n {
                                'n' => '\n',
                                't' => '\t',
                                other => other,
                            });
                        }
                    }
                    '"' => {
                        end = i + 1;
                        break;
                    }
                    c => v.push(c),
                }
            }
            (v, &q[end.min(q.len())..])
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        out.push((key.to_string(), value));
        rest = next.trim_start();
    }
    (out, rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_is_pretty_printed_in_its_own_key_order() {
        let rows = body_lines(r#"{"ts":"t","level":"error","msg":"db down","ctx":{"retries":3}}"#);
        assert_eq!(rows[0], "{");
        assert_eq!(rows[1], r#"  "ts": "t","#, "keys in the line's order (serde_json preserve_order)");
        assert!(rows.iter().any(|r| r.trim() == r#""retries": 3"#));
    }

    #[test]
    fn json_lines_read_message_first() {
        let l = r#"{"timestamp":"2026-11-23T15:13:37Z","level":"ERROR","message":"db refused","path":"/api/ordenes","status_code":503,"ctx":{"try":2},"note":"two words"}"#;
        assert_eq!(
            compact_json(l).unwrap(),
            r#"db refused  path=/api/ordenes  status_code=503  ctx={"try":2}  note="two words""#
        );
        assert_eq!(compact_json(r#"{"level":"info","n":1}"#).unwrap(), "n=1", "no message: the fields");
        assert_eq!(compact_json("level=info msg=x"), None);
        assert_eq!(compact_json("{not json"), None);
        assert_eq!(compact_json("[1,2]"), None);
    }

    #[test]
    fn logfmt_lines_read_message_first() {
        let l = r#"ts=2026-11-23T15:27:25Z level=error msg="upstream agente_negocio unreachable" err="dial tcp: refused" status=502"#;
        assert_eq!(compact(l).unwrap(), r#"upstream agente_negocio unreachable  err="dial tcp: refused"  status=502"#);
        assert_eq!(compact("GET /api a=b c=d"), None, "not every token is a pair");
        assert_eq!(compact("level=info msg=x and free text"), None, "nothing is dropped");
        assert_eq!(compact("a=1 b=2"), None, "no time, level or message: left as it is");
    }

    #[test]
    fn logfmt_one_pair_per_row() {
        let rows = body_lines(r#"ts=2026-11-22T10:48:05Z level=info msg="request \"completed\"" duration_ms=12"#);
        assert_eq!(
            rows,
            [
                "ts          = 2026-11-22T10:48:05Z",
                "level       = info",
                "msg         = request \"completed\"",
                "duration_ms = 12",
            ]
        );
        assert_eq!(body_lines("plain text line"), ["plain text line"]);
        assert_eq!(logfmt(r#"a="unterminated"#), vec![("a".to_string(), "unterminated".to_string())]);
    }
}
