//! The recorder's thread: serialises, compresses and writes Actions, sync-flushes every second,
//! rotates and prunes the ring's hourly files, and finishes every file when the channel closes.

use super::{ring, Entry, Header, RecordError, Target};
use crate::action::Action;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// How often new lines are flushed to disk: what a crash can lose at most.
const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// What the engine sends the thread.
pub(super) enum Msg {
    Entry(Box<Entry>),
    /// Flush now and answer.
    Flush(Sender<()>),
}

/// A file being written: gzip or plain JSON lines.
enum Enc {
    Gz(GzEncoder<BufWriter<File>>),
    Plain(BufWriter<File>),
}

impl Enc {
    fn create(path: &Path) -> Result<Enc, RecordError> {
        let mut open = std::fs::OpenOptions::new();
        open.write(true).create(true).truncate(true);
        // What was on screen is for the on-call team, not for every user of the machine.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut open, 0o600);
        let file = open.open(path).map_err(|source| RecordError::Io { path: path.to_path_buf(), source })?;
        let w = BufWriter::new(file);
        let plain = path.extension().is_some_and(|e| e == "jsonl");
        Ok(if plain { Enc::Plain(w) } else { Enc::Gz(GzEncoder::new(w, Compression::default())) })
    }

    fn line(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        let w: &mut dyn Write = match self {
            Enc::Gz(g) => g,
            Enc::Plain(p) => p,
        };
        w.write_all(bytes)?;
        w.write_all(b"\n")
    }

    /// Everything so far to the file: for gzip a sync flush, after which the bytes decode completely.
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Enc::Gz(g) => g.flush(),
            Enc::Plain(p) => p.flush(),
        }
    }

    /// The gzip trailer, and everything to the file.
    fn finish(self) -> std::io::Result<()> {
        match self {
            Enc::Gz(g) => g.finish()?.flush(),
            Enc::Plain(mut p) => p.flush(),
        }
    }
}

/// One target being written.
pub(super) struct Out {
    enc: Option<Enc>,
    path: PathBuf,
    /// The ring's rotation: its directory, how many hours it keeps, the hour (since the epoch) of the
    /// file being written, and that file's segment number.
    ring: Option<(PathBuf, u32, i64, u32)>,
}

impl Out {
    fn write(&mut self, line: &[u8], at_ms: i64, header: &Header) {
        if let Some((dir, hours, hour, segment)) = self.ring.clone() {
            if ring::hour_of(at_ms) != hour {
                self.close();
                let mut next = header.clone();
                next.segment = segment + 1;
                next.started_ms = at_ms;
                match open_ring(&dir, hours, &next) {
                    Ok(o) => *self = o,
                    Err(e) => tracing::warn!(error = %e, "recording ring: cannot start the next hour's file"),
                }
            }
        }
        if let Some(enc) = &mut self.enc {
            if let Err(e) = enc.line(line) {
                tracing::warn!(path = %self.path.display(), error = %e, "recording stopped: cannot write");
                self.enc = None;
            }
        }
    }

    fn flush(&mut self) {
        if let Some(enc) = &mut self.enc {
            if let Err(e) = enc.flush() {
                tracing::warn!(path = %self.path.display(), error = %e, "recording stopped: cannot write");
                self.enc = None;
            }
        }
    }

    fn close(&mut self) {
        if let Some(enc) = self.enc.take() {
            if let Err(e) = enc.finish() {
                tracing::warn!(path = %self.path.display(), error = %e, "recording: cannot finish the file");
            }
        }
    }
}

fn start_file(path: &Path, header: &Header) -> Result<Enc, RecordError> {
    let mut enc = Enc::create(path)?;
    let io = |source| RecordError::Io { path: path.to_path_buf(), source };
    let line = serde_json::to_vec(header).map_err(|e| io(std::io::Error::other(e)))?;
    enc.line(&line).map_err(io)?;
    enc.flush().map_err(io)?;
    Ok(enc)
}

fn open_ring(dir: &Path, hours: u32, header: &Header) -> Result<Out, RecordError> {
    std::fs::create_dir_all(dir).map_err(|source| RecordError::Io { path: dir.to_path_buf(), source })?;
    let path = dir.join(ring::file_name(header.started_ms));
    let enc = start_file(&path, header)?;
    if let Err(e) = ring::prune(dir, hours, header.started_ms) {
        tracing::warn!(dir = %dir.display(), error = %e, "recording ring: cannot delete old files");
    }
    Ok(Out {
        enc: Some(enc),
        path,
        ring: Some((dir.to_path_buf(), hours, ring::hour_of(header.started_ms), header.segment)),
    })
}

/// Create every target's file and write its header.
pub(super) fn open_all(header: &Header, targets: &[Target]) -> Result<Vec<Out>, RecordError> {
    targets
        .iter()
        .map(|t| match t {
            Target::File(path) => Ok(Out { enc: Some(start_file(path, header)?), path: path.clone(), ring: None }),
            Target::Ring { dir, hours } => open_ring(dir, *hours, header),
        })
        .collect()
}

/// The thread's loop: until the channel closes, then every file is finished.
pub(super) fn run(rx: Receiver<Msg>, mut outs: Vec<Out>, mut header: Header) {
    let mut unflushed = false;
    let mut flushed_at = Instant::now();
    loop {
        match rx.recv_timeout(FLUSH_EVERY) {
            Ok(Msg::Entry(e)) => {
                if let Action::EnvironmentSwitched(sw) = &e.a {
                    // The ring's next file begins in the environment switched to.
                    header.production = header.config.environments.iter().any(|x| x.name == sw.to && x.production);
                    header.env = sw.to.clone();
                }
                match serde_json::to_vec(&e) {
                    Ok(line) => outs.iter_mut().for_each(|o| o.write(&line, e.at_ms, &header)),
                    Err(err) => tracing::warn!(error = %err, "recording: an action could not be serialised"),
                }
                unflushed = true;
            }
            Ok(Msg::Flush(ack)) => {
                outs.iter_mut().for_each(Out::flush);
                unflushed = false;
                let _ = ack.send(());
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if unflushed && flushed_at.elapsed() >= FLUSH_EVERY {
            outs.iter_mut().for_each(Out::flush);
            unflushed = false;
            flushed_at = Instant::now();
        }
    }
    outs.iter_mut().for_each(Out::close);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::State;

    #[test]
    fn the_ring_starts_a_file_each_hour_and_deletes_those_past_the_ring() {
        let dir = tempfile::tempdir().unwrap();
        let c = crate::record::test_config();
        const HOUR: i64 = 3_600_000;
        let t0 = 1_700_000_000_000; // 22:13:20 UTC
        let header = Header::of(&State::new(&c, "p", false, t0));
        let old = dir.path().join(ring::file_name(t0 - 5 * HOUR));
        std::fs::write(&old, b"x").unwrap();
        let outs = open_all(&header, &[Target::Ring { dir: dir.path().to_path_buf(), hours: 2 }]).unwrap();
        assert!(!old.exists(), "a file past the ring is deleted when recording starts");
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || run(rx, outs, header));
        let times = [t0 + 1_000, t0 + 2_000, t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR];
        for at in times {
            tx.send(Msg::Entry(Box::new(Entry { at_ms: at, a: Action::Tick { now_ms: at } }))).unwrap();
        }
        drop(tx);
        thread.join().unwrap();
        // 22:13 (ended 23:00, more than 2 h before 01:13) is gone; 23:13, 00:13 and 01:13 stay.
        let left = ring::files(dir.path()).unwrap();
        let began: Vec<i64> = left.iter().map(|(ms, _)| *ms).collect();
        assert_eq!(began, vec![t0 + HOUR, t0 + 2 * HOUR, t0 + 3 * HOUR]);
        for (i, (_, path)) in left.iter().enumerate() {
            let (h, entries, problem) = crate::record::reader::read_one(path).unwrap();
            assert_eq!(problem, None);
            assert_eq!(h.segment, i as u32 + 1);
            assert_eq!(h.started_ms, began[i]);
            assert_eq!(entries.iter().map(|e| e.at_ms).collect::<Vec<_>>(), vec![began[i]]);
        }
    }

    #[test]
    fn a_file_that_cannot_be_created_is_an_error_at_start() {
        let c = crate::record::test_config();
        let header = Header::of(&crate::state::State::new(&c, "p", false, 0));
        let e = open_all(&header, &[Target::File("/nonexistent-dir/x.jsonl.gz".into())]).err().unwrap();
        assert!(e.to_string().starts_with("cannot write the recording /nonexistent-dir/x.jsonl.gz"), "{e}");
    }
}
