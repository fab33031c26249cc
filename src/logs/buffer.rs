//! The bounded, time-ordered buffer behind the logs view.
//!
//! A ring of at most `cap` lines (default 100,000): when full, the oldest line goes and the
//! `dropped` count says so on screen. Lines arrive mostly in time order (a tail), sometimes older
//! (a reconnect's backlog); both keep the buffer sorted. A line equal to one already held at the
//! same nanosecond is not added twice (a tail resumed from the last seen timestamp sends it again).
//! Stream label sets are interned, so 100,000 lines from a dozen streams hold a dozen label maps.

use crate::logs::level::{self, Level};
use crate::logs::LogEntry;
use crate::sources::prometheus::Labels;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// A buffered line with what is computed once on arrival.
#[derive(Debug, Clone, PartialEq)]
pub struct LogLine {
    pub entry: LogEntry,
    pub level: Level,
}

#[derive(Debug, Clone)]
pub struct LogBuffer {
    lines: VecDeque<LogLine>,
    cap: usize,
    /// Lines pushed out by the cap since the buffer was last cleared.
    pub dropped: u64,
    /// Label sets in use (interned).
    interned: HashSet<Arc<Labels>>,
}

impl LogBuffer {
    pub fn new(cap: usize) -> LogBuffer {
        LogBuffer { lines: VecDeque::new(), cap: cap.max(1), dropped: 0, interned: HashSet::new() }
    }

    pub fn cap(&self) -> usize {
        self.cap
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    pub fn get(&self, i: usize) -> Option<&LogLine> {
        self.lines.get(i)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &LogLine> + ExactSizeIterator {
        self.lines.iter()
    }

    /// The newest timestamp held (ns).
    pub fn newest_ns(&self) -> Option<i64> {
        self.lines.back().map(|l| l.entry.ts_ns)
    }

    pub fn clear(&mut self) {
        self.lines.clear();
        self.interned.clear();
        self.dropped = 0;
    }

    /// Add entries (any order). Returns how many were added (duplicates are not).
    pub fn extend(&mut self, entries: impl IntoIterator<Item = LogEntry>) -> usize {
        let mut added = 0;
        let mut last: Option<(*const Labels, Arc<Labels>)> = None;
        for mut e in entries {
            // Consecutive entries of one stream share one Arc: intern it once.
            match &last {
                Some((ptr, shared)) if Arc::as_ptr(&e.labels) == *ptr => e.labels = shared.clone(),
                _ => {
                    let ptr = Arc::as_ptr(&e.labels);
                    let shared = self.intern(e.labels.clone());
                    last = Some((ptr, shared.clone()));
                    e.labels = shared;
                }
            }
            if self.push(e) {
                added += 1;
            }
        }
        if self.interned.len() > 4 * 1024 {
            // Streams come and go (a `| json` pipeline makes one per distinct field set): keep only
            // the label sets still referenced by a buffered line.
            self.interned.retain(|a| Arc::strong_count(a) > 1);
        }
        added
    }

    fn intern(&mut self, labels: Arc<Labels>) -> Arc<Labels> {
        if let Some(a) = self.interned.get(&labels) {
            return a.clone();
        }
        self.interned.insert(labels.clone());
        labels
    }

    fn push(&mut self, e: LogEntry) -> bool {
        let ts = e.ts_ns;
        // Where it goes: after every line not newer than it (stable for equal times).
        let at = match self.lines.back() {
            None => 0,
            Some(b) if b.entry.ts_ns <= ts => self.lines.len(),
            Some(_) => self.lines.partition_point(|l| l.entry.ts_ns <= ts),
        };
        // Same nanosecond, same stream, same text: already here.
        let dup = self.lines.range(..at).rev().take_while(|l| l.entry.ts_ns == ts).any(|l| same(&l.entry, &e));
        if dup {
            return false;
        }
        if self.lines.len() == self.cap {
            if at == 0 {
                // Older than everything in a full buffer: it would be dropped at once.
                self.dropped += 1;
                return false;
            }
            self.lines.pop_front();
            self.dropped += 1;
            let level = level::detect(&e);
            self.lines.insert(at - 1, LogLine { entry: e, level });
            return true;
        }
        let level = level::detect(&e);
        self.lines.insert(at, LogLine { entry: e, level });
        true
    }
}

fn same(a: &LogEntry, b: &LogEntry) -> bool {
    a.line == b.line && (Arc::ptr_eq(&a.labels, &b.labels) || a.labels == b.labels)
}

/// What to look for in the buffer: a plain substring (not a pattern), case-insensitive unless it has
/// a capital letter (smart case, as in less and vim).
#[derive(Debug, Clone)]
pub struct Needle {
    pub text: String,
    re: regex::Regex,
}

impl PartialEq for Needle {
    fn eq(&self, other: &Needle) -> bool {
        self.text == other.text
    }
}

impl Needle {
    pub fn new(text: &str) -> Needle {
        let smart = !text.chars().any(char::is_uppercase);
        let re = regex::RegexBuilder::new(&regex::escape(text))
            .case_insensitive(smart)
            .build()
            .unwrap_or_else(|_| regex::Regex::new("$^").expect("an empty pattern compiles"));
        Needle { text: text.to_string(), re }
    }

    /// Byte ranges of every match in `hay`.
    pub fn find_all(&self, hay: &str) -> Vec<(usize, usize)> {
        if self.text.is_empty() {
            return Vec::new();
        }
        self.re.find_iter(hay).map(|m| (m.start(), m.end())).collect()
    }

    pub fn matches(&self, hay: &str) -> bool {
        !self.text.is_empty() && self.re.is_match(hay)
    }

    #[cfg(test)]
    fn count_in(&self, hay: &str) -> usize {
        self.find_all(hay).len()
    }
}

impl LogBuffer {
    /// The next line at or after `from` (forward) or at or before it (backward) that matches.
    pub fn find(&self, needle: &Needle, from: usize, forward: bool) -> Option<usize> {
        if self.lines.is_empty() {
            return None;
        }
        let from = from.min(self.lines.len() - 1);
        if forward {
            (from..self.lines.len()).find(|&i| needle.matches(&self.lines[i].entry.line))
        } else {
            (0..=from).rev().find(|&i| needle.matches(&self.lines[i].entry.line))
        }
    }

    /// How many lines match (for the "3 of 120" counter).
    pub fn count(&self, needle: &Needle) -> usize {
        self.lines.iter().filter(|l| needle.matches(&l.entry.line)).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(ts: i64, line: &str) -> LogEntry {
        LogEntry {
            ts_ns: ts,
            labels: Arc::new(Labels::from([("app".into(), "a".into())])),
            fields: None,
            line: line.into(),
        }
    }

    #[test]
    fn the_cap_holds_and_counts_what_it_dropped() {
        let mut b = LogBuffer::new(1000);
        let added = b.extend((0..2500).map(|i| e(i, &format!("line {i}"))));
        assert_eq!(added, 2500);
        assert_eq!(b.len(), 1000);
        assert_eq!(b.dropped, 1500);
        assert_eq!(b.get(0).unwrap().entry.line, "line 1500", "the oldest went first");
        assert_eq!(b.newest_ns(), Some(2499));
        // An entry older than everything in a full buffer is dropped, not inserted.
        assert_eq!(b.extend([e(5, "late")]), 0);
        assert_eq!(b.dropped, 1501);
    }

    #[test]
    fn order_is_by_time_and_repeats_are_skipped() {
        let mut b = LogBuffer::new(10);
        b.extend([e(10, "a"), e(30, "c"), e(20, "b")]);
        b.extend([e(30, "c"), e(30, "c2"), e(20, "b")]);
        let lines: Vec<_> = b.iter().map(|l| l.entry.line.as_str()).collect();
        assert_eq!(lines, ["a", "b", "c", "c2"]);
        // Same time and text from another stream is another line.
        let mut other = e(30, "c");
        other.labels = Arc::new(Labels::from([("app".into(), "b".into())]));
        assert_eq!(b.extend([other]), 1);
    }

    #[test]
    fn label_sets_are_shared() {
        let mut b = LogBuffer::new(100);
        b.extend((0..50).map(|i| e(i, "x")));
        let first = &b.get(0).unwrap().entry.labels;
        assert!(b.iter().all(|l| Arc::ptr_eq(&l.entry.labels, first)));
    }

    #[test]
    fn levels_are_detected_on_arrival() {
        let mut b = LogBuffer::new(10);
        b.extend([e(1, "level=error boom"), e(2, r#"{"level":"warn"}"#)]);
        assert_eq!(b.get(0).unwrap().level, Level::Error);
        assert_eq!(b.get(1).unwrap().level, Level::Warn);
    }

    #[test]
    fn search_is_smart_case() {
        let mut b = LogBuffer::new(10);
        b.extend([e(1, "Connection refused"), e(2, "ok"), e(3, "connection reset")]);
        let n = Needle::new("connection");
        assert_eq!(b.count(&n), 2);
        assert_eq!(b.find(&n, 1, true), Some(2));
        assert_eq!(b.find(&n, 1, false), Some(0));
        assert_eq!(b.count(&Needle::new("Connection")), 1);
        assert_eq!(n.find_all("a CONNECTION b connection"), vec![(2, 12), (15, 25)]);
        assert_eq!(Needle::new("ñandú").find_all("x ÑANDÚ"), vec![(2, 9)], "beyond ASCII too");
        assert_eq!(Needle::new("a.b").count_in("axb a.b"), 1, "a plain string, not a pattern");
    }
}
