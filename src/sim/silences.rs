//! Alertmanager's silences for the demo: label matchers (`=`, `!=`, `=~`, `!~`, regexes anchored at
//! both ends as Alertmanager does), and the in-memory store the demo's Alertmanagers share (as a
//! gossiping cluster would), with Alertmanager's validation and its error messages.

use super::alert_rules::{self, Labels};
use regex::Regex;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

/// A label matcher, as silences, filters and inhibition rules use them.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub name: String,
    pub value: String,
    pub is_regex: bool,
    pub is_equal: bool,
    re: Option<Regex>,
}

impl Matcher {
    pub fn new(name: &str, value: &str, is_regex: bool, is_equal: bool) -> Result<Matcher, String> {
        let re = if is_regex {
            Some(Regex::new(&format!("^(?:{value})$")).map_err(|e| format!("error parsing regexp: {e}"))?)
        } else {
            None
        };
        Ok(Matcher { name: name.into(), value: value.into(), is_regex, is_equal, re })
    }

    /// `name="value"`, which cannot fail.
    pub fn equal(name: &str, value: &str) -> Matcher {
        Matcher { name: name.into(), value: value.into(), is_regex: false, is_equal: true, re: None }
    }

    /// Parse `name="value"` (or `!=`, `=~`, `!~`; quotes optional), as the API's `filter` parameter.
    pub fn parse(s: &str) -> Result<Matcher, String> {
        let bad = || format!("bad matcher format: {s}");
        let s = s.trim().trim_start_matches('{').trim_end_matches('}').trim();
        let at = s.find(['=', '!']).ok_or_else(bad)?;
        let (name, rest) = (s[..at].trim(), &s[at..]);
        let (op, value) = ["=~", "!~", "!=", "="]
            .iter()
            .find_map(|op| rest.strip_prefix(op).map(|v| (*op, v.trim())))
            .ok_or_else(bad)?;
        let valid_name = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid_name {
            return Err(bad());
        }
        let value = match value.strip_prefix('"') {
            Some(v) => v.strip_suffix('"').ok_or_else(bad)?.replace("\\\"", "\""),
            None => value.to_string(),
        };
        Matcher::new(name, &value, op.ends_with('~'), op.starts_with('='))
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.name).map_or("", String::as_str);
        let hit = match &self.re {
            Some(re) => re.is_match(v),
            None => v == self.value,
        };
        hit == self.is_equal
    }

    fn matches_empty(&self) -> bool {
        self.matches(&Labels::new())
    }

    pub fn to_json(&self) -> Value {
        json!({"name": self.name, "value": self.value, "isRegex": self.is_regex, "isEqual": self.is_equal})
    }

    /// Same name, operator and value (how Alertmanager filters silences by matchers).
    fn same(&self, o: &Matcher) -> bool {
        self.name == o.name && self.value == o.value && self.is_regex == o.is_regex && self.is_equal == o.is_equal
    }
}

#[derive(Debug, Clone)]
pub struct Silence {
    pub id: String,
    pub matchers: Vec<Matcher>,
    /// Unix seconds.
    pub starts_at: f64,
    pub ends_at: f64,
    pub updated_at: f64,
    pub created_by: String,
    pub comment: String,
}

impl Silence {
    /// `expired`, `pending` or `active` at `t`.
    pub fn state(&self, t: f64) -> &'static str {
        if self.ends_at <= t {
            "expired"
        } else if self.starts_at > t {
            "pending"
        } else {
            "active"
        }
    }

    /// Whether this silence mutes an alert with `labels` at `t`.
    pub fn mutes(&self, labels: &Labels, t: f64) -> bool {
        self.state(t) == "active" && self.matchers.iter().all(|m| m.matches(labels))
    }

    /// The API's `gettableSilence`.
    pub fn to_json(&self, t: f64) -> Value {
        json!({
            "id": self.id,
            "status": {"state": self.state(t)},
            "updatedAt": alert_rules::rfc3339(self.updated_at),
            "matchers": self.matchers.iter().map(Matcher::to_json).collect::<Vec<_>>(),
            "startsAt": alert_rules::rfc3339(self.starts_at),
            "endsAt": alert_rules::rfc3339(self.ends_at),
            "createdBy": self.created_by,
            "comment": self.comment,
        })
    }
}

/// Why a POST was refused: the HTTP status and Alertmanager's plain-text message.
#[derive(Debug, PartialEq, Eq)]
pub struct Refused {
    pub status: u16,
    pub message: String,
}

fn bad(message: impl Into<String>) -> Refused {
    Refused { status: 400, message: message.into() }
}

#[derive(Deserialize)]
struct PostableMatcher {
    name: Option<String>,
    value: Option<String>,
    #[serde(rename = "isRegex")]
    is_regex: Option<bool>,
    #[serde(rename = "isEqual")]
    is_equal: Option<bool>,
}

#[derive(Deserialize)]
struct PostableSilence {
    id: Option<String>,
    matchers: Option<Vec<PostableMatcher>>,
    #[serde(rename = "startsAt")]
    starts_at: Option<String>,
    #[serde(rename = "endsAt")]
    ends_at: Option<String>,
    #[serde(rename = "createdBy")]
    created_by: Option<String>,
    comment: Option<String>,
}

fn required(field: &str, v: Option<String>) -> Result<String, Refused> {
    v.filter(|s| !s.is_empty()).ok_or_else(|| bad(format!("{field} in body is required")))
}

fn time(field: &str, v: Option<String>) -> Result<f64, Refused> {
    let s = required(field, v)?;
    chrono::DateTime::parse_from_rfc3339(&s)
        .map(|d| d.timestamp_millis() as f64 / 1000.0)
        .map_err(|_| bad(format!("{field} in body must be of type date-time: {s:?}")))
}

/// The silences of the demo cluster.
#[derive(Debug, Default)]
pub struct Silences {
    list: Vec<Silence>,
    created: u64,
}

/// The store both demo Alertmanagers share.
pub type SilenceStore = Arc<Mutex<Silences>>;

impl Silences {
    pub fn all(&self) -> &[Silence] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Silence> {
        self.list.iter().find(|s| s.id == id)
    }

    /// The ids of the silences that mute `labels` at `t`.
    pub fn muting(&self, labels: &Labels, t: f64) -> Vec<String> {
        self.list.iter().filter(|s| s.mutes(labels, t)).map(|s| s.id.clone()).collect()
    }

    /// Silences whose matchers include every one of `filter` (Alertmanager's `GET /silences?filter=`).
    pub fn filtered(&self, filter: &[Matcher]) -> Vec<&Silence> {
        self.list.iter().filter(|s| filter.iter().all(|f| s.matchers.iter().any(|m| m.same(f)))).collect()
    }

    /// Expire a silence now. False for an unknown id.
    pub fn expire(&mut self, id: &str, now: f64) -> bool {
        let Some(s) = self.list.iter_mut().find(|s| s.id == id) else {
            return false;
        };
        if s.state(now) != "expired" {
            s.ends_at = now;
            s.starts_at = s.starts_at.min(now);
            s.updated_at = now;
        }
        true
    }

    fn new_id(&mut self, now: f64, seed: &str) -> String {
        self.created += 1;
        let mut h = alert_rules::fingerprint(&Labels::from([(seed.to_string(), format!("{now}/{}", self.created))]));
        h.push_str(&alert_rules::fingerprint(&Labels::from([(format!("{}", self.created), seed.to_string())])));
        // A version-4 UUID's layout: 8-4-4-4-12, version nibble 4, variant 8..b.
        let b = h.as_bytes();
        let s = |r: std::ops::Range<usize>| String::from_utf8_lossy(&b[r]).into_owned();
        let variant = ["8", "9", "a", "b"][(b[16] % 4) as usize];
        format!("{}-{}-4{}-{variant}{}-{}", s(0..8), s(8..12), s(13..16), s(17..20), s(20..32))
    }

    /// `POST /api/v2/silences`: create a silence, or update the one named by `id`. Returns its id.
    pub fn post(&mut self, body: &[u8], now: f64) -> Result<String, Refused> {
        let p: PostableSilence = serde_json::from_slice(body)
            .map_err(|e| bad(format!("parsing silence body from \"\" failed, because {e}")))?;
        let raw = p.matchers.ok_or_else(|| bad("matchers in body is required"))?;
        if raw.is_empty() {
            return Err(bad("matchers in body should have at least 1 items"));
        }
        let mut matchers = Vec::new();
        for (i, m) in raw.into_iter().enumerate() {
            let name = required(&format!("matchers.{i}.name"), m.name)?;
            let value = m.value.ok_or_else(|| bad(format!("matchers.{i}.value in body is required")))?;
            let is_regex = m.is_regex.ok_or_else(|| bad(format!("matchers.{i}.isRegex in body is required")))?;
            let matcher = Matcher::new(&name, &value, is_regex, m.is_equal.unwrap_or(true)).map_err(|e| {
                bad(format!("failed to convert API silence to internal silence: invalid label matcher {i}: {e}"))
            })?;
            matchers.push(matcher);
        }
        let mut starts_at = time("startsAt", p.starts_at)?;
        let ends_at = time("endsAt", p.ends_at)?;
        let created_by = required("createdBy", p.created_by)?;
        let comment = required("comment", p.comment)?;
        if starts_at >= ends_at {
            return Err(bad("Failed to create silence: start time must be before end time"));
        }
        if ends_at < now {
            return Err(bad("Failed to create silence: end time can't be in the past"));
        }
        if matchers.iter().all(Matcher::matches_empty) {
            return Err(bad("silence invalid: at least one matcher must not match the empty string"));
        }
        let existing = match p.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => match self.list.iter().position(|s| s.id == id) {
                Some(i) => Some(i),
                None => return Err(Refused { status: 404, message: "not found".into() }),
            },
            None => None,
        };
        // An active silence keeps its start when updated; anything else starts no earlier than now.
        if let Some(prev) = existing.and_then(|i| self.list.get(i)).filter(|s| s.state(now) == "active") {
            starts_at = if starts_at < now { prev.starts_at } else { starts_at };
        } else {
            starts_at = starts_at.max(now);
        }
        let mut silence =
            Silence { id: String::new(), matchers, starts_at, ends_at, updated_at: now, created_by, comment };
        match existing {
            // An expired silence cannot come back: Alertmanager makes a new one.
            Some(i) if self.list[i].state(now) != "expired" => {
                silence.id = self.list[i].id.clone();
                self.list[i] = silence;
                Ok(self.list[i].id.clone())
            }
            _ => {
                silence.id = self.new_id(now, &silence.comment);
                let id = silence.id.clone();
                self.list.push(silence);
                Ok(id)
            }
        }
    }

    /// All silences as `GET /api/v2/silences` lists them: active (next to end first), pending (next to
    /// start first), expired (most recent first).
    pub fn sorted(list: Vec<&Silence>, t: f64) -> Vec<&Silence> {
        let mut list = list;
        let rank = |s: &Silence| match s.state(t) {
            "active" => 0,
            "pending" => 1,
            _ => 2,
        };
        list.sort_by(|a, b| {
            rank(a).cmp(&rank(b)).then_with(|| match rank(a) {
                0 => a.ends_at.total_cmp(&b.ends_at),
                1 => a.starts_at.total_cmp(&b.starts_at),
                _ => b.ends_at.total_cmp(&a.ends_at),
            })
        });
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn matchers_parse_and_match_like_alertmanager() {
        let l = labels(&[("severity", "critical"), ("service", "agente_negocio")]);
        assert!(Matcher::parse(r#"severity="critical""#).unwrap().matches(&l));
        assert!(Matcher::parse("severity=critical").unwrap().matches(&l));
        assert!(!Matcher::parse(r#"severity!="critical""#).unwrap().matches(&l));
        assert!(Matcher::parse(r#"service=~"agente.*""#).unwrap().matches(&l));
        assert!(!Matcher::parse(r#"service=~"agente""#).unwrap().matches(&l), "anchored");
        assert!(!Matcher::parse(r#"service!~"agente_.*""#).unwrap().matches(&l));
        assert!(Matcher::parse(r#"{team="x"}"#).unwrap().value == "x");
        assert!(Matcher::parse(r#"missing="""#).unwrap().matches(&l), "absent label is empty");
        for bad in ["", "severity", "=x", "1a=b", r#"a="unterminated"#, r#"a=~"(""#] {
            assert!(Matcher::parse(bad).is_err(), "{bad:?}");
        }
    }

    fn body(extra: &str) -> String {
        format!(
            r#"{{"matchers":[{{"name":"service","value":"agente_negocio","isRegex":false}}],
            "startsAt":"2020-01-01T00:00:00Z","endsAt":"2999-01-01T00:00:00Z","createdBy":"me","comment":"why"{extra}}}"#
        )
    }

    #[test]
    fn post_validates_creates_updates_and_expires() {
        let now = 1_700_000_000.0;
        let mut s = Silences::default();
        let id = s.post(body("").as_bytes(), now).unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_eq!(s.get(&id).unwrap().starts_at, now, "a start in the past becomes now");
        assert_eq!(s.muting(&labels(&[("service", "agente_negocio")]), now + 1.0), std::slice::from_ref(&id));
        let same = s.post(body(&format!(r#","id":"{id}""#)).as_bytes(), now + 5.0).unwrap();
        assert_eq!(same, id);
        assert_eq!(s.all().len(), 1);
        assert_eq!(s.post(body(r#","id":"nope""#).as_bytes(), now).unwrap_err().status, 404);
        assert!(s.expire(&id, now + 10.0));
        assert_eq!(s.get(&id).unwrap().state(now + 10.0), "expired");
        assert!(s.muting(&labels(&[("service", "agente_negocio")]), now + 11.0).is_empty());
        assert!(!s.expire("unknown", now));
        let renewed = s.post(body(&format!(r#","id":"{id}""#)).as_bytes(), now + 20.0).unwrap();
        assert_ne!(renewed, id, "an expired silence is replaced, not revived");

        let refuse = |b: &str| Silences::default().post(b.as_bytes(), now).unwrap_err().message;
        assert_eq!(
            refuse("{"),
            "parsing silence body from \"\" failed, because EOF while parsing an object at line 1 column 1"
        );
        assert_eq!(refuse(&body("").replace(r#""me""#, r#""""#)), "createdBy in body is required");
        assert_eq!(refuse(&body("").replace(r#""why""#, r#""""#)), "comment in body is required");
        assert!(refuse(&body("").replace("2999", "2019")).contains("start time must be before end time"));
        assert!(refuse(r#"{"matchers":[],"startsAt":"x"}"#).contains("at least 1 items"));
        assert!(refuse(&body("").replace("false", "true").replace("agente_negocio", "("))
            .contains("invalid label matcher 0"));
        assert!(refuse(&body("").replace("agente_negocio", "")).contains("must not match the empty string"));
    }

    #[test]
    fn pending_silences_do_not_mute_yet() {
        let now = 1_700_000_000.0;
        let mut s = Silences::default();
        let b = body("").replace("2020-01-01T00:00:00Z", "2990-01-01T00:00:00Z");
        let id = s.post(b.as_bytes(), now).unwrap();
        assert_eq!(s.get(&id).unwrap().state(now), "pending");
        assert!(s.muting(&labels(&[("service", "agente_negocio")]), now).is_empty());
    }
}
