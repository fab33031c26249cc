//! The logs view's state: the query and its history, the buffered lines, the live tail, the cursor,
//! search, and the volume sparkline.

use super::text::{History, LineEdit};
use super::Page;
use crate::action::FetchError;
use crate::config::LogsSettings;
use crate::logs::buffer::{LogBuffer, LogLine, Needle};
use crate::logs::level::Level;

/// Where the live tail stands.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum TailStatus {
    /// Not following.
    #[default]
    Off,
    /// Asked for, not yet connected.
    Connecting,
    /// Connected over the websocket.
    Live,
    /// The websocket was refused; polling `query_range` instead (why).
    Polling(String),
    /// The connection broke; retrying at `retry_at_ms`.
    Retrying { error: FetchError, retry_at_ms: i64 },
}

/// Lines per level per time bucket, for the volume sparkline.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Volume {
    /// Bucket start times (unix seconds), ascending.
    pub times: Vec<f64>,
    /// Per level, a count per bucket (same length as `times`).
    pub counts: Vec<(Level, Vec<f64>)>,
    pub at_ms: i64,
}

impl Volume {
    pub fn total(&self, level: Level) -> f64 {
        self.counts.iter().filter(|(l, _)| *l == level).flat_map(|(_, c)| c.iter()).sum()
    }
}

/// One in-flight or answered request (lines or volume).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Request {
    pub issued: u64,
    pub in_flight: bool,
    pub error: Option<FetchError>,
    pub at_ms: i64,
    /// When it is due again (volume refreshes); 0 = now.
    pub next_due_ms: i64,
}

#[derive(Debug, Clone)]
pub struct LogsState {
    pub settings: LogsSettings,
    /// Why there is no Loki to ask (no `loki` in the environment, or its client could not be built).
    pub unavailable: Option<String>,
    /// `host:port` of the environment's Loki (the health view's backends list names it).
    pub loki_name: Option<String>,
    /// The LogQL query in force.
    pub query: String,
    /// What the query was opened from ("alert ServiceDown", "panel Error rate"), shown by the query.
    pub origin: Option<String>,
    /// The range the lines were asked for: start and end (ms); `end` None = up to now.
    pub start_ms: i64,
    pub end_ms: Option<i64>,
    pub history: History,
    /// The query being edited, while the prompt has the keyboard.
    pub prompt: Option<LineEdit>,
    /// The search being typed, while the search bar has the keyboard.
    pub search_edit: Option<LineEdit>,
    pub needle: Option<Needle>,
    /// Lines matching the search (counted when it is submitted).
    pub matches: usize,
    pub buffer: LogBuffer,
    /// The line under the cursor, as an absolute sequence number (see [`LogsState::index`]); `None`
    /// = at the newest line, scrolling as lines arrive. A cursor set means paused.
    pub cursor: Option<u64>,
    /// Lines popped off the front of the buffer so far: absolute number = `popped` + index.
    pub popped: u64,
    /// Lines that arrived since the view was paused.
    pub new_since_pause: u64,
    /// Live tail wanted.
    pub follow: bool,
    pub tail: TailStatus,
    pub tail_generation: u64,
    pub wrap: bool,
    /// Show JSON lines exactly as sent (else message first, then the other fields).
    pub raw: bool,
    /// Show the cursor line in full.
    pub detail: bool,
    pub lines: Request,
    pub volume_req: Request,
    pub volume: Option<Volume>,
    /// The time axis of the volume query in flight: start, end and step (unix seconds).
    pub volume_axis: (i64, i64, i64),
    /// The page to go back to.
    pub back_to: Page,
    /// Lines Loki's tail reported as dropped (it could not keep up).
    pub tail_dropped: u64,
    /// When the view was last left for another one (ms); taken (back to `None`) when it is opened again.
    pub left_ms: Option<i64>,
}

impl LogsState {
    pub fn new(settings: LogsSettings, unavailable: Option<String>) -> LogsState {
        let query = settings.default_query.clone();
        let cap = settings.buffer_lines;
        LogsState {
            settings,
            unavailable,
            loki_name: None,
            query,
            origin: None,
            start_ms: 0,
            end_ms: None,
            history: History::default(),
            prompt: None,
            search_edit: None,
            needle: None,
            matches: 0,
            buffer: LogBuffer::new(cap),
            cursor: None,
            popped: 0,
            new_since_pause: 0,
            follow: true,
            tail: TailStatus::Off,
            tail_generation: 0,
            wrap: false,
            raw: false,
            detail: false,
            lines: Request::default(),
            volume_req: Request::default(),
            volume: None,
            volume_axis: (0, 0, 1),
            back_to: Page::Dashboards,
            tail_dropped: 0,
            left_ms: None,
        }
    }

    /// The buffer index of an absolute line number, if that line is still buffered.
    pub fn index(&self, abs: u64) -> Option<usize> {
        let i = abs.checked_sub(self.popped)? as usize;
        (i < self.buffer.len()).then_some(i)
    }

    /// The buffer index of the cursor line (the newest line when not paused).
    pub fn cursor_index(&self) -> Option<usize> {
        match self.cursor {
            Some(abs) => Some(self.index(abs).unwrap_or(0)),
            None => self.buffer.len().checked_sub(1),
        }
    }

    pub fn cursor_line(&self) -> Option<&LogLine> {
        self.cursor_index().and_then(|i| self.buffer.get(i))
    }

    pub fn paused(&self) -> bool {
        self.cursor.is_some()
    }

    /// Move the cursor by `delta` lines (negative = older). Moving pauses; reaching the newest line
    /// while moving down resumes.
    pub fn move_cursor(&mut self, delta: isize) {
        let n = self.buffer.len();
        if n == 0 {
            return;
        }
        let at = self.cursor_index().unwrap_or(n - 1) as isize;
        let to = (at + delta).clamp(0, n as isize - 1) as usize;
        if delta > 0 && to == n - 1 {
            self.resume();
        } else {
            self.cursor = Some(self.popped + to as u64);
        }
    }

    pub fn resume(&mut self) {
        self.cursor = None;
        self.new_since_pause = 0;
    }

    /// Add lines, keeping the cursor on its line as old ones are dropped.
    pub fn add(&mut self, entries: Vec<crate::logs::LogEntry>) -> usize {
        let before_len = self.buffer.len();
        let added = self.buffer.extend(entries);
        // Every line inserted past the cap pushed one out of the front.
        let popped = (before_len + added - self.buffer.len()) as u64;
        self.popped += popped;
        if self.paused() {
            self.new_since_pause += added as u64;
        }
        if let Some(n) = &self.needle {
            // Keep the match count roughly current without rescanning the buffer.
            let fresh = self.buffer.iter().rev().take(added).filter(|l| n.matches(&l.entry.line)).count();
            self.matches += fresh;
        }
        added
    }

    /// Forget the lines (a new query).
    pub fn clear(&mut self) {
        self.popped += self.buffer.len() as u64;
        self.buffer.clear();
        self.cursor = None;
        self.new_since_pause = 0;
        self.matches = 0;
        self.tail_dropped = 0;
        self.volume = None;
    }

    /// Whether a text field of the logs view has the keyboard.
    pub fn typing(&self) -> bool {
        self.prompt.is_some() || self.search_edit.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::LogEntry;
    use std::sync::Arc;

    fn lines(from: i64, n: i64) -> Vec<LogEntry> {
        (from..from + n)
            .map(|i| LogEntry { ts_ns: i, labels: Arc::default(), fields: None, line: format!("l{i}") })
            .collect()
    }

    #[test]
    fn the_cursor_stays_on_its_line_while_old_lines_are_dropped() {
        let mut s = LogsState::new(LogsSettings { buffer_lines: 100, ..Default::default() }, None);
        s.add(lines(0, 100));
        s.move_cursor(-10);
        assert_eq!(s.cursor_line().unwrap().entry.line, "l89");
        s.add(lines(100, 30));
        assert_eq!(s.buffer.len(), 100);
        assert_eq!(s.cursor_line().unwrap().entry.line, "l89", "same line after 30 were dropped");
        assert_eq!(s.new_since_pause, 30);
        s.move_cursor(1000);
        assert!(!s.paused(), "moving to the newest line resumes");
        assert_eq!(s.cursor_line().unwrap().entry.line, "l129");
    }
}
