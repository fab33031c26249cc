//! The record format: what a caller describes ([`Entry`]), what the log writes ([`Record`]), and the
//! exact bytes of a line (see the module docs of [`super`] for the hash).

use super::{sha256_hex, ZERO_HASH};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// What happened to an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// Written before the action starts.
    Started,
    /// The action ended (whatever its exit code).
    Finished,
    /// Not run: read-only mode, a wrong confirmation, a missing secret… (`outcome` says why).
    Refused,
    /// The user cancelled at the confirmation.
    Cancelled,
    /// The action ran out of time and was stopped.
    TimedOut,
    /// Shown, not run.
    DryRun,
    /// After a successful run: whether what it was meant to fix recovered in time (`outcome` says).
    Verified,
    /// Written by the log itself after moving a torn write aside.
    Recovered,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Started => "started",
            Event::Finished => "finished",
            Event::Refused => "refused",
            Event::Cancelled => "cancelled",
            Event::TimedOut => "timed_out",
            Event::DryRun => "dry_run",
            Event::Verified => "verified",
            Event::Recovered => "recovered",
        }
    }
}

/// What the user confirmed: `none`, `yes`, or `typed:<environment name>` (written as those strings).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Confirmation {
    #[default]
    None,
    Yes,
    Typed(String),
}

impl fmt::Display for Confirmation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Confirmation::None => f.write_str("none"),
            Confirmation::Yes => f.write_str("yes"),
            Confirmation::Typed(name) => write!(f, "typed:{name}"),
        }
    }
}

impl Serialize for Confirmation {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Confirmation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.as_str() {
            "none" => Ok(Confirmation::None),
            "yes" => Ok(Confirmation::Yes),
            _ => match s.strip_prefix("typed:") {
                Some(name) => Ok(Confirmation::Typed(name.to_string())),
                None => Err(serde::de::Error::custom(format!("`{s}` is not none, yes or typed:<name>"))),
            },
        }
    }
}

/// What was (or would have been) run. Build it with [`AuditCommand::argv`] or [`AuditCommand::http`],
/// which redact secrets; [`super::AuditLog::append`] redacts again in any case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AuditCommand {
    /// The expanded argv, program first (no shell is involved).
    Argv(Vec<String>),
    /// An HTTP request; headers in the order sent.
    Http { method: String, url: String, headers: Vec<(String, String)> },
}

/// One record as the caller describes it; the log adds `seq`, `time`, `prev` and `hash`.
///
/// An attempt's later records are most easily made from its first:
/// `Entry { event: Event::Finished, exit_code: Some(0), ..started.clone() }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub event: Event,
    /// The same id on an attempt's `started` and `finished`/`timed_out` records ([`super::new_attempt_id`]).
    pub attempt: String,
    pub user: String,
    pub host: String,
    pub environment: String,
    /// The action's name in the config.
    pub action: String,
    /// A short description of what it acts on, e.g. `checkout on web-1`.
    pub target: String,
    pub command: Option<AuditCommand>,
    pub confirmation: Confirmation,
    /// What happened, in words: a refusal's reason, `exit 0`, `killed after 60s`…
    pub outcome: String,
    pub exit_code: Option<i32>,
    pub duration_ms: Option<u64>,
    /// Hex SHA-256 of the action's output (for `recovered`: of the torn bytes).
    pub output_sha256: Option<String>,
    /// The fingerprint of the alert the action was started from, if any.
    pub alert_fingerprint: Option<String>,
}

impl Entry {
    /// An entry with only its event and attempt id; every other field empty.
    pub fn new(event: Event, attempt: impl Into<String>) -> Entry {
        Entry {
            event,
            attempt: attempt.into(),
            user: String::new(),
            host: String::new(),
            environment: String::new(),
            action: String::new(),
            target: String::new(),
            command: None,
            confirmation: Confirmation::None,
            outcome: String::new(),
            exit_code: None,
            duration_ms: None,
            output_sha256: None,
            alert_fingerprint: None,
        }
    }
}

/// One line of the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// 0 for the first record, then one more on each line.
    pub seq: u64,
    /// When the record was written: RFC 3339, UTC, milliseconds (`2025-03-01T09:14:07.215Z`).
    pub time: String,
    #[serde(flatten)]
    pub entry: Entry,
    /// The previous record's `hash`; [`ZERO_HASH`] for the first.
    pub prev: String,
    /// Hex SHA-256 of the body (the line without this field). Left out of the body by serialising the
    /// record with an empty `hash`, so the body and the line come from one definition.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
}

const HASH_KEY: &str = ",\"hash\":\"";

impl Record {
    /// Number a new record and compute its hash.
    pub(super) fn seal(seq: u64, time: String, entry: Entry, prev: String) -> Record {
        let mut r = Record { seq, time, entry, prev, hash: String::new() };
        r.hash = sha256_hex(r.body().as_bytes());
        r
    }

    /// The record's compact JSON without `hash`: what `hash` is the SHA-256 of.
    pub fn body(&self) -> String {
        let mut unsealed = self.clone();
        unsealed.hash.clear();
        serde_json::to_string(&unsealed).expect("a record (strings, integers, options) always serializes")
    }

    /// The line as written, without its newline: the body with `,"hash":"…"` before its closing brace.
    pub fn line(&self) -> String {
        let body = self.body();
        format!("{}{HASH_KEY}{}\"}}", &body[..body.len() - 1], self.hash)
    }

    /// Whether this is the first record's `prev`.
    pub fn is_first(&self) -> bool {
        self.prev == ZERO_HASH
    }
}

/// Why a line is not a valid record, before any chain check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum LineError {
    NotUtf8,
    NotJson,
    NoHash,
    NotARecord(String),
    HashMismatch,
}

impl LineError {
    pub(super) fn describe(&self) -> String {
        match self {
            LineError::NotUtf8 => "not UTF-8 text — a corrupted or edited line".into(),
            LineError::NotJson => "not JSON — a torn or edited line".into(),
            LineError::NoHash => "does not end with its hash — not written by centinela, or edited".into(),
            LineError::NotARecord(e) => format!("not an audit record ({e}) — an edited line"),
            LineError::HashMismatch => "hash does not match its content — the record was edited".into(),
        }
    }
}

/// Parse one line (without its newline) and check its own hash; `Err` carries the `seq` if one could
/// be read, for the message.
pub(super) fn parse_line(line: &[u8]) -> Result<Record, (LineError, Option<u64>)> {
    let text = std::str::from_utf8(line).map_err(|_| (LineError::NotUtf8, None))?;
    if serde_json::from_str::<serde::de::IgnoredAny>(text).is_err() {
        return Err((LineError::NotJson, None));
    }
    let seq = seq_of(text);
    let record: Record = serde_json::from_str(text).map_err(|e| (LineError::NotARecord(e.to_string()), seq))?;
    // The hash is the last field, in exactly this form; what comes before it plus `}` is the body.
    let suffix_len = HASH_KEY.len() + 64 + 2;
    let well_formed = line.len() > suffix_len && {
        let (before, suffix) = line.split_at(line.len() - suffix_len);
        let hash = &suffix[HASH_KEY.len()..HASH_KEY.len() + 64];
        !before.is_empty()
            && suffix.starts_with(HASH_KEY.as_bytes())
            && suffix.ends_with(b"\"}")
            && hash == record.hash.as_bytes()
            && hash.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
    };
    if !well_formed {
        return Err((LineError::NoHash, Some(record.seq)));
    }
    let mut body = Vec::with_capacity(text.len());
    body.extend_from_slice(&line[..line.len() - suffix_len]);
    body.push(b'}');
    if sha256_hex(&body) != record.hash {
        return Err((LineError::HashMismatch, Some(record.seq)));
    }
    Ok(record)
}

/// The `seq` of a line that is JSON but maybe not a record.
fn seq_of(text: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct SeqOnly {
        seq: Option<u64>,
    }
    serde_json::from_str::<SeqOnly>(text).ok().and_then(|s| s.seq)
}
