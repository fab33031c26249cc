//! Checking a log: every line a record with its own hash right, `seq` counting from 0, each `prev` the
//! hash before it, and the head file (if any) matching. Reads any bytes without panicking.

use super::log::{lock_shared_briefly, read_head};
use super::record::{parse_line, Event};
use super::{head_path, MAX_LINE, ZERO_HASH};
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A log whose chain is intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    /// The last record's hash: noted elsewhere, it pins every record up to it.
    pub last_hash: Option<String>,
    pub head: HeadCheck,
    /// Attempts with a `started` record and nothing after it: centinela stopped while they ran (or
    /// one is running now).
    pub unfinished: Vec<Unfinished>,
    /// Line numbers of `recovered` records (torn writes moved aside).
    pub recovered_at: Vec<u64>,
}

/// What the head file beside the log said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadCheck {
    /// It names the last record.
    Matches,
    /// It names an earlier record (with the same hash): a crash between writing a record and the head.
    Behind { head_seq: u64 },
    /// There is none (a copied log, or one no record was appended to since it was lost), so records
    /// deleted from the end cannot be detected.
    Absent,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unfinished {
    pub line: u64,
    pub seq: u64,
    pub attempt: String,
    pub action: String,
    pub target: String,
    pub time: String,
}

/// The first problem in a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Break {
    /// 1-based; for records missing at the end, the line after the last.
    pub line: u64,
    pub seq: Option<u64>,
    pub problem: String,
    /// How many records before it are intact.
    pub intact: u64,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.seq {
            Some(seq) => write!(f, "line {} (seq {seq}): {}", self.line, self.problem),
            None => write!(f, "line {}: {}", self.line, self.problem),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Neither the log nor its head file exists: nothing was ever written there.
    #[error("no audit log at {}", path.display())]
    Missing { path: PathBuf },
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: {problem}", path.display())]
    Head { path: PathBuf, problem: String },
    #[error("{}: {brk}", path.display())]
    Broken { path: PathBuf, brk: Break },
}

/// Check the log at `path` (and its head file, if there is one).
pub fn verify(path: &Path) -> Result<VerifyReport, VerifyError> {
    let file = std::fs::File::open(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => match read_head(path) {
            // No log, no head: nothing was ever written here. A head without its log: the log went.
            Ok(None) => VerifyError::Missing { path: path.to_path_buf() },
            Ok(Some(h)) => {
                let problem = format!(
                    "missing — the log file is gone, but its head file {} says seq {} was written: the log was \
                     deleted or moved",
                    head_path(path).display(),
                    h.seq
                );
                VerifyError::Broken { path: path.to_path_buf(), brk: Break { line: 1, seq: None, problem, intact: 0 } }
            }
            Err(problem) => VerifyError::Head { path: path.to_path_buf(), problem },
        },
        _ => VerifyError::Io { path: path.to_path_buf(), source },
    })?;
    // Appends hold an exclusive lock while they write the line and then the head file.
    lock_shared_briefly(&file, Duration::from_secs(2));
    let head = read_head(path).map_err(|problem| VerifyError::Head { path: path.to_path_buf(), problem })?;
    let broken = |line: u64, seq: Option<u64>, problem: String, intact: u64| VerifyError::Broken {
        path: path.to_path_buf(),
        brk: Break { line, seq, problem, intact },
    };
    let mut reader = BufReader::new(file);
    let mut report = VerifyReport {
        records: 0,
        first_time: None,
        last_time: None,
        last_hash: None,
        head: HeadCheck::Absent,
        unfinished: Vec::new(),
        recovered_at: Vec::new(),
    };
    let mut open_attempts: HashMap<String, Unfinished> = HashMap::new();
    let mut prev = ZERO_HASH.to_string();
    let mut last_seq: Option<u64> = None;
    let mut line_no = 0u64;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let n = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|source| VerifyError::Io { path: path.to_path_buf(), source })?;
        if n == 0 {
            break;
        }
        line_no += 1;
        let intact = report.records;
        let terminated = buf.last() == Some(&b'\n');
        if !terminated && buf.len() > MAX_LINE {
            return Err(broken(line_no, None, "longer than 1 MiB — not an audit record".into(), intact));
        }
        if terminated {
            buf.pop();
        }
        if buf.is_empty() {
            return Err(broken(line_no, None, "empty — a record was blanked or a line break added".into(), intact));
        }
        let record = parse_line(&buf).map_err(|(e, seq)| {
            let mut problem = e.describe();
            if !terminated {
                problem.push_str(
                    " (the last line, without a newline: centinela moves a torn write aside when it next writes)",
                );
            }
            broken(line_no, seq, problem, intact)
        })?;
        let seq = record.seq;
        if !terminated {
            let problem =
                "ends without a newline — a torn write (centinela moves it aside when it next writes) or an edit";
            return Err(broken(line_no, Some(seq), problem.into(), intact));
        }
        let expected = last_seq.map_or(0, |s| s + 1);
        if seq != expected {
            let problem = match last_seq {
                None => format!("the log starts at seq {seq}, not 0 — its first record(s) were deleted"),
                Some(last) if seq == last => {
                    format!("seq {seq} repeats — a record was duplicated, or two processes wrote at once")
                }
                Some(last) if seq > last => {
                    format!("seq {seq} follows seq {last} — {} record(s) deleted or reordered", seq - last - 1)
                }
                Some(last) => format!("seq {seq} follows seq {last} — records reordered"),
            };
            return Err(broken(line_no, Some(seq), problem, intact));
        }
        if record.prev != prev {
            let problem = if last_seq.is_none() {
                "its prev is not zero though it is the first record — records before it were deleted".to_string()
            } else {
                format!(
                    "its prev is not the hash of line {} — a record before it was replaced and its hash recomputed",
                    line_no - 1
                )
            };
            return Err(broken(line_no, Some(seq), problem, intact));
        }
        if let Some(h) = head.as_ref().filter(|h| h.seq == seq && h.hash != record.hash) {
            let problem = format!(
                "does not match the head file {} (hash {}…) — the end of the log was rewritten",
                head_path(path).display(),
                &h.hash[..h.hash.len().min(12)]
            );
            return Err(broken(line_no, Some(seq), problem, intact));
        }
        match record.entry.event {
            Event::Started => {
                let e = &record.entry;
                let unfinished = Unfinished {
                    line: line_no,
                    seq,
                    attempt: e.attempt.clone(),
                    action: e.action.clone(),
                    target: e.target.clone(),
                    time: record.time.clone(),
                };
                open_attempts.insert(e.attempt.clone(), unfinished);
            }
            Event::Recovered => report.recovered_at.push(line_no),
            _ => {
                open_attempts.remove(&record.entry.attempt);
            }
        }
        report.records += 1;
        report.first_time.get_or_insert_with(|| record.time.clone());
        report.last_time = Some(record.time);
        prev = record.hash;
        last_seq = Some(seq);
    }
    report.head = match (&head, last_seq) {
        (None, _) => HeadCheck::Absent,
        (Some(h), Some(last)) if h.seq == last => HeadCheck::Matches,
        (Some(h), Some(last)) if h.seq < last => HeadCheck::Behind { head_seq: h.seq },
        (Some(h), last) => {
            let ends = last.map_or_else(|| "has no record".to_string(), |s| format!("ends at seq {s}"));
            let missing = h.seq - last.map_or(0, |s| s + 1) + 1;
            let problem = format!(
                "missing — the head file {} says seq {} was written, but the log {ends}: its last {missing} record(s) \
                 were deleted",
                head_path(path).display(),
                h.seq
            );
            return Err(broken(line_no + 1, None, problem, report.records));
        }
    };
    report.last_hash = (report.records > 0).then_some(prev);
    let mut unfinished: Vec<Unfinished> = open_attempts.into_values().collect();
    unfinished.sort_by_key(|u| u.seq);
    report.unfinished = unfinished;
    Ok(report)
}
