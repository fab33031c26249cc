//! Where a resumed tail starts, what it must not deliver twice, and how long it waits to reconnect.

use crate::logs::model::LogEntry;
use crate::sources::prometheus::Labels;
use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use super::MIN_DELAY;

/// The newest timestamp delivered and what was delivered at exactly that timestamp.
#[derive(Debug)]
pub(super) struct Cursor {
    pub(super) start_ns: i64,
    pub(super) high: Option<i64>,
    pub(super) boundary: HashSet<(Arc<Labels>, String)>,
}

impl Cursor {
    pub(super) fn new(start_ns: i64) -> Cursor {
        Cursor { start_ns, high: None, boundary: HashSet::new() }
    }

    /// Where a (re)connection or a poll starts.
    pub(super) fn resume_from(&self) -> i64 {
        self.high.unwrap_or(self.start_ns)
    }

    /// Drop the entries already delivered and remember the rest as delivered. Entries older than the
    /// newest delivered are kept: on a live connection they are lines ingested out of order.
    pub(super) fn admit(&mut self, entries: Vec<LogEntry>) -> Vec<LogEntry> {
        let kept: Vec<LogEntry> = match self.high {
            Some(h) if !self.boundary.is_empty() => entries
                .into_iter()
                .filter(|e| e.ts_ns != h || !self.boundary.contains(&(Arc::clone(&e.labels), e.line.clone())))
                .collect(),
            _ => entries,
        };
        if let Some(max) = kept.iter().map(|e| e.ts_ns).max() {
            if self.high.is_none_or(|h| max > h) {
                self.high = Some(max);
                self.boundary.clear();
            }
            if self.high == Some(max) {
                for e in kept.iter().filter(|e| e.ts_ns == max) {
                    self.boundary.insert((Arc::clone(&e.labels), e.line.clone()));
                }
            }
        }
        kept
    }

    /// Resume after the newest timestamp rather than at it.
    pub(super) fn skip_boundary(&mut self) {
        if let Some(h) = self.high {
            self.high = Some(h.saturating_add(1));
            self.boundary.clear();
        }
    }
}

/// Exponential backoff with a little jitter.
#[derive(Debug)]
pub(super) struct Backoff {
    pub(super) min: Duration,
    pub(super) max: Duration,
    pub(super) next: Duration,
    pub(super) draws: u64,
    pub(super) seed: std::collections::hash_map::RandomState,
}

impl Backoff {
    pub(super) fn new(min: Duration, max: Duration) -> Backoff {
        let min = min.max(MIN_DELAY);
        let max = max.max(min);
        Backoff { min, max, next: min, draws: 0, seed: Default::default() }
    }

    pub(super) fn reset(&mut self) {
        self.next = self.min;
    }

    /// The delay to wait now: the current step minus up to 10 % (so clients that failed together do
    /// not retry together); the step doubles up to `max`.
    pub(super) fn next_delay(&mut self) -> Duration {
        let base = self.next;
        self.next = base.saturating_mul(2).min(self.max);
        self.draws += 1;
        let mut h = self.seed.build_hasher();
        h.write_u64(self.draws);
        let fraction = (h.finish() % 1000) as f64 / 10_000.0; // 0 ..< 0.1
        base.mul_f64(1.0 - fraction)
    }
}
