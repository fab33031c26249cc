//! Writing the log: opening it (with torn-write recovery), appending under a lock, the head file.
//! The policies are in the module docs of [`super`].

use super::record::{parse_line, Entry, Event, Record};
use super::{head_path, sha256_hex, MAX_LINE, ZERO_HASH};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot {what} {}: {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{}: another process has held the audit log's lock for {waited:?}; try again", path.display())]
    Locked { path: PathBuf, waited: Duration },
    #[error(
        "{}: {problem}. Nothing was written: run `centinela audit verify {}`, and move the log (and its .head) \
         aside to start a new one",
        path.display(),
        path.display()
    )]
    Damaged { path: PathBuf, problem: String },
    #[error("the audit record would be a line of {len} bytes, more than the {MAX_LINE}-byte limit")]
    TooLong { len: usize },
}

/// A torn write that [`AuditLog::open`] or [`AuditLog::append`] moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Where the torn bytes are now.
    pub moved_to: PathBuf,
    pub torn_bytes: u64,
    pub torn_sha256: String,
    /// The `recovered` record appended in their place.
    pub record: Record,
}

/// An append-only, hash-chained audit log (see the module docs).
pub struct AuditLog {
    path: PathBuf,
    file: File,
    secrets: Vec<String>,
    lock_wait: Duration,
    /// The end of the file as this process last saw it under the lock; `None`: read it again.
    tail: Option<Tail>,
    recoveries: Vec<Recovery>,
}

/// Without the secrets' values, which must not reach a log either.
impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("path", &self.path)
            .field("secrets", &format_args!("{} redacted", self.secrets.len()))
            .field("lock_wait", &self.lock_wait)
            .field("tail", &self.tail)
            .field("recoveries", &self.recoveries)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct Tail {
    /// File length up to and with the last complete record's newline.
    len: u64,
    next_seq: u64,
    /// The last record's hash ([`ZERO_HASH`] when there is none).
    prev: String,
}

/// The head file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Head {
    pub seq: u64,
    pub hash: String,
}

impl AuditLog {
    /// Open (or create, mode 0600, with its directories) the log at `path`, recovering a torn last
    /// write, and check that its last record is sound so the chain can go on from it.
    pub fn open(path: impl AsRef<Path>) -> Result<AuditLog, AuditError> {
        let path = path.as_ref().to_path_buf();
        let io_err = |what, source| AuditError::Io { what, path: path.clone(), source };
        let dir = parent_dir(&path);
        create_private_dir(&dir).map_err(|e| io_err("create the directory of", e))?;
        let existed = path.exists();
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| io_err("open", e))?;
        if !existed {
            sync_dir(&dir);
        }
        let mut log = AuditLog {
            path,
            file,
            secrets: Vec::new(),
            lock_wait: Duration::from_secs(5),
            tail: None,
            recoveries: Vec::new(),
        };
        log.locked(|log| log.refresh())?;
        Ok(log)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Secret values to replace with `<redacted>` wherever they appear in a record.
    pub fn set_secrets(&mut self, secrets: impl IntoIterator<Item = impl Into<String>>) {
        self.secrets = secrets.into_iter().map(Into::into).filter(|s: &String| !s.is_empty()).collect();
    }

    /// How long [`AuditLog::append`] waits for another process's lock (5 s unless set).
    pub fn set_lock_wait(&mut self, wait: Duration) {
        self.lock_wait = wait;
    }

    /// Torn writes moved aside by this log so far (normally none; the caller may show them).
    pub fn recoveries(&self) -> &[Recovery] {
        &self.recoveries
    }

    /// Redact, number, chain and write one record, then fsync it; returns it as written.
    pub fn append(&mut self, entry: Entry) -> Result<Record, AuditError> {
        let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
        let entry = entry.redacted(&secrets);
        self.locked(|log| {
            log.refresh()?;
            log.write(entry)
        })
    }

    /// Run `f` holding the exclusive lock on the file.
    fn locked<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, AuditError>) -> Result<T, AuditError> {
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        let locked = loop {
            match fs4::FileExt::try_lock(&self.file) {
                Ok(()) => break true,
                Err(fs4::TryLockError::WouldBlock) if start.elapsed() < self.lock_wait => {
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(Duration::from_millis(50));
                }
                Err(fs4::TryLockError::WouldBlock) => {
                    return Err(AuditError::Locked { path: self.path.clone(), waited: start.elapsed() })
                }
                Err(fs4::TryLockError::Error(e)) => {
                    tracing::warn!(path = %self.path.display(), error = %e, "cannot lock the audit log; writing without a lock");
                    break false;
                }
            }
        };
        let result = f(self);
        if locked {
            if let Err(e) = fs4::FileExt::unlock(&self.file) {
                tracing::warn!(path = %self.path.display(), error = %e, "cannot unlock the audit log");
            }
        }
        result
    }

    /// Under the lock: make `tail` match the file, recovering a torn write first.
    fn refresh(&mut self) -> Result<(), AuditError> {
        let len = self.file.metadata().map_err(|e| self.io("read", e))?.len();
        if self.tail.as_ref().is_some_and(|t| t.len == len) {
            return Ok(());
        }
        let (last, torn) = read_tail(&mut self.file, len).map_err(|e| self.io("read", e))?;
        let last = match last {
            Some(line) => Some(
                parse_line(&line)
                    .map_err(|(e, _)| self.damaged(format!("its last record is damaged: {}", e.describe())))?,
            ),
            None => None,
        };
        let head = read_head(&self.path).map_err(|problem| self.damaged(problem))?;
        match (&head, &last) {
            (Some(h), Some(r)) if h.seq > r.seq || (h.seq == r.seq && h.hash != r.hash) => {
                return Err(self.damaged(format!(
                    "its head file says record {} was written, but the log ends at record {}: records were deleted or \
                     rewritten",
                    h.seq, r.seq
                )))
            }
            (Some(h), None) => {
                return Err(self.damaged(format!(
                    "its head file says record {} was written, but the log has no complete record",
                    h.seq
                )))
            }
            _ => {}
        }
        let next_seq = match &last {
            Some(r) => {
                r.seq.checked_add(1).ok_or_else(|| self.damaged("its last seq is the largest possible".into()))?
            }
            None => 0,
        };
        let prev = last.as_ref().map_or_else(|| ZERO_HASH.to_string(), |r| r.hash.clone());
        self.tail = Some(Tail { len: len - torn.len() as u64, next_seq, prev });
        if !torn.is_empty() {
            self.recover(torn)?;
        } else if let Some(r) = last.filter(|r| head.as_ref().is_none_or(|h| h.seq < r.seq)) {
            self.write_head(&r);
        }
        Ok(())
    }

    /// Under the lock, with `tail` read: move a torn write aside and say so in the log.
    fn recover(&mut self, torn: Vec<u8>) -> Result<(), AuditError> {
        let keep = self.tail.as_ref().map_or(0, |t| t.len);
        let now = chrono::Utc::now();
        let file_name =
            self.path.file_name().map_or_else(|| "audit.jsonl".into(), |n| n.to_string_lossy().into_owned());
        let stem = format!("{file_name}.torn-{}", now.format("%Y%m%dT%H%M%S%.3fZ"));
        let dir = parent_dir(&self.path);
        let (moved_to, mut out) = create_unique(&dir, &stem).map_err(|e| self.io("create a file in", e))?;
        out.write_all(&torn).and_then(|()| out.sync_all()).map_err(|e| self.io("write the torn tail of", e))?;
        sync_dir(&dir);
        self.file.set_len(keep).and_then(|()| self.file.sync_all()).map_err(|e| self.io("cut the torn tail of", e))?;
        let sha = sha256_hex(&torn);
        let moved_name = moved_to.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let origin = super::Origin::detect();
        let mut entry = Entry::new(Event::Recovered, "");
        entry.user = origin.user;
        entry.host = origin.host;
        entry.target = moved_name.clone();
        entry.outcome = format!(
            "a write was torn (centinela stopped while writing a record): its {} byte(s), sha256 {sha}, were moved to \
             {moved_name}; the log goes on from its last complete record",
            torn.len()
        );
        entry.output_sha256 = Some(sha.clone());
        let record = self.write(entry)?;
        tracing::warn!(log = %self.path.display(), moved_to = %moved_to.display(), bytes = torn.len(), "recovered a torn audit record");
        self.recoveries.push(Recovery { moved_to, torn_bytes: torn.len() as u64, torn_sha256: sha, record });
        Ok(())
    }

    /// Under the lock, with `tail` fresh: write one record and fsync it, then the head file.
    fn write(&mut self, entry: Entry) -> Result<Record, AuditError> {
        let tail = self.tail.clone().expect("refresh() ran under this lock");
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let record = Record::seal(tail.next_seq, time, entry, tail.prev);
        let mut line = record.line();
        line.push('\n');
        if line.len() > MAX_LINE {
            return Err(AuditError::TooLong { len: line.len() });
        }
        if let Err(e) = self.file.write_all(line.as_bytes()).and_then(|()| self.file.sync_data()) {
            // Do not leave half a line behind; if even this fails, the next append recovers it.
            self.tail = None;
            let _ = self.file.set_len(tail.len).and_then(|()| self.file.sync_data());
            return Err(self.io("write to", e));
        }
        self.tail =
            Some(Tail { len: tail.len + line.len() as u64, next_seq: record.seq + 1, prev: record.hash.clone() });
        self.write_head(&record);
        Ok(record)
    }

    /// Best effort: a head file that lags is allowed, so failing to write it only warns.
    fn write_head(&self, record: &Record) {
        let head = head_path(&self.path);
        let mut tmp = head.clone().into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        let text = serde_json::to_string(&Head { seq: record.seq, hash: record.hash.clone() })
            .expect("a head always serializes")
            + "\n";
        let written = (|| {
            let mut options = OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut f = options.open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_data()?;
            std::fs::rename(&tmp, &head)
        })();
        match written {
            Ok(()) => sync_dir(&parent_dir(&head)),
            Err(e) => tracing::warn!(head = %head.display(), error = %e, "cannot update the audit log's head file"),
        }
    }

    fn io(&self, what: &'static str, source: io::Error) -> AuditError {
        AuditError::Io { what, path: self.path.clone(), source }
    }

    fn damaged(&self, problem: String) -> AuditError {
        AuditError::Damaged { path: self.path.clone(), problem }
    }
}

/// Take a shared lock on a log being read, so no append is half-way through it; give up after `wait`
/// (the reader then goes on without it). Released when `file` is closed.
pub(super) fn lock_shared_briefly(file: &File, wait: Duration) {
    let start = Instant::now();
    while let Err(fs4::TryLockError::WouldBlock) = fs4::FileExt::try_lock_shared(file) {
        if start.elapsed() >= wait {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Read the head file beside a log: `Ok(None)` if there is none, `Err` (a message) if it is unreadable.
pub(super) fn read_head(log: &Path) -> Result<Option<Head>, String> {
    let path = head_path(log);
    match crate::paths::read_optional(&path) {
        Ok(None) => Ok(None),
        Ok(Some(text)) => serde_json::from_str::<Head>(text.trim())
            .map(Some)
            .map_err(|e| format!("its head file {} is damaged ({e})", path.display())),
        Err(e) => Err(format!("cannot read its head file {}: {e}", path.display())),
    }
}

/// The last complete line (without its newline) and the torn bytes after it, reading backwards from
/// `len` no further than two maximal lines.
fn read_tail(file: &mut File, len: u64) -> io::Result<(Option<Vec<u8>>, Vec<u8>)> {
    const CHUNK: u64 = 64 * 1024;
    let limit = 2 * MAX_LINE as u64 + 2;
    let mut start = len;
    let mut buf: Vec<u8> = Vec::new();
    loop {
        if let Some(last_nl) = buf.iter().rposition(|&b| b == b'\n') {
            let torn = buf[last_nl + 1..].to_vec();
            if let Some(before) = buf[..last_nl].iter().rposition(|&b| b == b'\n') {
                return Ok((Some(buf[before + 1..last_nl].to_vec()), torn));
            }
            if start == 0 {
                return Ok((Some(buf[..last_nl].to_vec()), torn));
            }
        } else if start == 0 {
            return Ok((None, buf));
        }
        if len - start >= limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "its last 2 MiB hold no complete line; it is not an audit log, or its end was overwritten",
            ));
        }
        let n = CHUNK.min(start);
        start -= n;
        let mut chunk = vec![0; n as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        chunk.extend_from_slice(&buf);
        buf = chunk;
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Create `dir/stem`, or `dir/stem.1`, `.2`… if it exists; never overwrites.
fn create_unique(dir: &Path, stem: &str) -> io::Result<(PathBuf, File)> {
    for n in 0..1000 {
        let path = if n == 0 { dir.join(stem) } else { dir.join(format!("{stem}.{n}")) };
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(f) => return Ok((path, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::new(io::ErrorKind::AlreadyExists, format!("{stem}.* up to .999 all exist")))
}

/// Make a new directory entry durable (unix; elsewhere directories cannot be opened to sync).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::warn!(dir = %dir.display(), error = %e, "cannot sync the audit log's directory");
    }
    #[cfg(not(unix))]
    let _ = dir;
}
