//! Output of a run: bytes from stdout and stderr (or an HTTP body) cut into lines, sent as
//! [`RunEvent::Output`] in arrival order, under a per-line and a total cap.

use super::{RunEvent, Stream};
use crate::actions::audit::sha256_hex;
use tokio::sync::mpsc::UnboundedSender;

/// The longest line sent; the rest of a longer line is dropped (and counted).
pub const MAX_LINE_BYTES: usize = 8 * 1024;
/// The most output kept (and sent) per run, newlines included; later lines are counted, not sent.
pub const MAX_OUTPUT_BYTES: usize = 1 << 20;

/// Cuts bytes into lines per stream and keeps what was sent, for its hash.
pub(super) struct Collector {
    events: UnboundedSender<RunEvent>,
    /// The unfinished line of stdout (0) and stderr (1).
    pending: [Vec<u8>; 2],
    /// The current line of that stream was already cut at [`MAX_LINE_BYTES`]: drop until its newline.
    skipping: [bool; 2],
    /// Every line sent, each followed by `\n`, in the order sent.
    kept: Vec<u8>,
    dropped: u64,
    capped: bool,
}

impl Collector {
    pub(super) fn new(events: UnboundedSender<RunEvent>) -> Collector {
        Collector {
            events,
            pending: [Vec::new(), Vec::new()],
            skipping: [false, false],
            kept: Vec::new(),
            dropped: 0,
            capped: false,
        }
    }

    pub(super) fn send(&self, event: RunEvent) {
        // A closed receiver (the screen is gone) does not stop the run.
        let _ = self.events.send(event);
    }

    pub(super) fn push(&mut self, stream: Stream, mut bytes: &[u8]) {
        while let Some(i) = bytes.iter().position(|&b| b == b'\n') {
            self.take(stream, &bytes[..i]);
            if std::mem::take(&mut self.skipping[stream as usize]) {
                self.pending[stream as usize].clear();
            } else {
                self.emit(stream);
            }
            bytes = &bytes[i + 1..];
        }
        self.take(stream, bytes);
    }

    /// The stream ended: send its last line if it had no newline.
    pub(super) fn finish(&mut self, stream: Stream) {
        if !std::mem::take(&mut self.skipping[stream as usize]) && !self.pending[stream as usize].is_empty() {
            self.emit(stream);
        }
        self.pending[stream as usize].clear();
    }

    fn take(&mut self, stream: Stream, seg: &[u8]) {
        let s = stream as usize;
        if self.skipping[s] {
            self.dropped += seg.len() as u64;
            return;
        }
        let room = MAX_LINE_BYTES - self.pending[s].len();
        if seg.len() <= room {
            self.pending[s].extend_from_slice(seg);
        } else {
            self.pending[s].extend_from_slice(&seg[..room]);
            self.dropped += (seg.len() - room) as u64;
            self.emit(stream);
            self.skipping[s] = true;
        }
    }

    fn emit(&mut self, stream: Stream) {
        let raw = std::mem::take(&mut self.pending[stream as usize]);
        let line = String::from_utf8_lossy(&raw).into_owned();
        if self.capped || self.kept.len() + line.len() + 1 > MAX_OUTPUT_BYTES {
            self.dropped += raw.len() as u64 + 1;
            if !self.capped {
                self.capped = true;
                self.send(RunEvent::OutputCapped { limit: MAX_OUTPUT_BYTES });
            }
            return;
        }
        self.kept.extend_from_slice(line.as_bytes());
        self.kept.push(b'\n');
        self.send(RunEvent::Output { stream, line });
    }

    /// The hash of every line sent (each with its `\n`, in the order sent) and the bytes dropped.
    pub(super) fn summary(&self) -> (String, u64) {
        (sha256_hex(&self.kept), self.dropped)
    }
}
