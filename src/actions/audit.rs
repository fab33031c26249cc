//! The tamper-evident audit trail of runbook actions: one JSON object per line in
//! `<state dir>/audit.jsonl`, each chained to the one before it by its hash.
//!
//! # Records
//!
//! Every attempt at an action is written down: an attempt that runs writes a `started` record before it
//! starts and a `finished` (or `timed_out`) record when it ends, both with the same `attempt` id; a refusal,
//! a cancellation or a dry run is a single record. Each [`AuditLog::append`] writes one line, then flushes
//! and fsyncs it before returning, so a `started` record is on disk before the action starts. A line looks
//! like this (one line in the file; wrapped here):
//!
//! ```text
//! {"seq":0,"time":"2025-03-01T09:14:07.215Z","event":"started","attempt":"9f2c41d07a3be815","user":"ana",
//!  "host":"ops-laptop","environment":"production","action":"restart","target":"checkout on web-1",
//!  "command":["systemctl","restart","checkout"],"confirmation":"typed:production","outcome":"",
//!  "exit_code":null,"duration_ms":null,"output_sha256":null,"alert_fingerprint":"5a3c9e0b1f2d4e6a",
//!  "prev":"0000000000000000000000000000000000000000000000000000000000000000",
//!  "hash":"<64 hex digits>"}
//! ```
//!
//! The fields are always all present, in this order (see [`Record`] and [`Entry`]); `command` is the
//! expanded argv, or `{"method","url","headers":[[name,value],…]}` for an HTTP request, with secrets
//! replaced by `<redacted>` (see [`redact`]). The log itself adds one event, `recovered`, after a torn
//! write (below).
//!
//! # The chain
//!
//! * The *body* of a record is its compact JSON (serde_json, no spaces, fields in the fixed order above)
//!   without the `hash` field; the line is the body with its closing `}` replaced by
//!   `,"hash":"<H>"}`, where `H = hex(sha256(body bytes))`, lower-case.
//! * `prev` is the `hash` of the record on the line before (64 zeros for the first record), and `seq`
//!   counts records from 0. Both are inside the body, so they are covered by `hash`.
//!
//! Because the hash is taken over the body's *exact bytes* as written (the verifier cuts the fixed
//! `,"hash":"…"}` suffix off the line and hashes what is left, it never re-serialises), any change to
//! a line, even a space or a different escape of the same character, changes its hash. Editing a field
//! breaks that record's hash; an editor who also recomputes the hash breaks the next record's `prev`;
//! deleting, inserting, duplicating or reordering records breaks `seq` and `prev` where it happened.
//! That leaves the end of the log: deleting the last records leaves a shorter chain that is still
//! intact. So after every append the log also writes its *head file*, `audit.jsonl.head`, holding the
//! last record's `seq` and `hash` (written through a temporary file and a rename); [`verify`] reports a
//! log that ends before its head, whose record at the head's `seq` has another hash, or that is gone
//! while its head is not (and [`AuditLog::open`] refuses to write on such a log). A head that lags
//! behind the log is fine (a crash between the two writes). Rotating the log means moving both files. None of this stops someone who can write
//! the files from rewriting the whole log and its head from the first edited record on: the chain makes
//! edits evident, it does not sign them. `centinela audit verify` prints the last hash; noting it
//! somewhere else (an incident ticket) pins everything up to it.
//!
//! # Torn writes (a crash while writing)
//!
//! A record is complete only with its newline, and an action starts only after its `started` record
//! was written and fsynced. So bytes after the file's last newline are a write that never completed:
//! [`AuditLog::open`] (and [`AuditLog::append`], if another process left them) never writes on top of
//! them. It copies them, byte for byte, to `audit.jsonl.torn-<UTC time>` (fsynced), cuts the log back to
//! its last complete record, and appends a `recovered` record naming that file and the torn bytes'
//! length and sha256 (also in `output_sha256`). Nothing is lost and the chain stays verifiable; a
//! crash during the recovery itself at worst leaves a second copy of the same torn bytes. If instead
//! the last *complete* line is not a valid record, or the head file says records were written after it,
//! that is not a crash but an edit: `open` and `append` refuse ([`AuditError::Damaged`]) and leave the
//! files as they are for `centinela audit verify` and a human.
//!
//! # Two centinela processes
//!
//! The file is opened with `O_APPEND`, and every append takes an exclusive advisory lock on it
//! (`flock(2)`, or `LockFileEx` on Windows, through the `fs4` crate: std's `File::lock` needs Rust 1.89,
//! above this crate's MSRV), re-reads the end of the file if it changed since this process last wrote,
//! and only then numbers and chains its record. Two processes therefore keep one chain, whichever
//! writes first. Waiting for the lock is bounded ([`AuditError::Locked`] after 5 s by default). Where
//! the file system does not support locks (some network file systems), the log logs a warning and
//! writes without one; `O_APPEND` still keeps lines whole, and if two writes then race, both continue
//! the same record and [`verify`] names the second as a repeated `seq`.

mod log;
mod origin;
mod record;
mod redact;
mod verify;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_format;
#[cfg(test)]
mod tests_tamper;

pub use log::{AuditError, AuditLog, Recovery};
pub use origin::{new_attempt_id, Origin};
pub use record::{AuditCommand, Confirmation, Entry, Event, Record};
pub use redact::{is_secret_name, redact, redact_argv, redact_header, redact_url, REDACTED};
pub use verify::{verify, Break, HeadCheck, Unfinished, VerifyError, VerifyReport};

use std::path::{Path, PathBuf};

/// The `prev` of the first record.
pub const ZERO_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The longest line the log writes or the verifier reads (1 MiB, the newline included).
pub const MAX_LINE: usize = 1 << 20;

/// Lower-case hex SHA-256 of `bytes`, as in `hash`, `prev` and `output_sha256`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    s
}

/// The head file beside a log: `<log>.head`, holding the last record's `seq` and `hash`.
pub fn head_path(log: &Path) -> PathBuf {
    let mut name = log.as_os_str().to_owned();
    name.push(".head");
    PathBuf::from(name)
}
