//! What a Loki answer decodes to. Loki's own shapes (nanosecond strings, streams sorted by label set,
//! categorized labels) stop at the client; everything past it sees [`LogEntry`] values in time order.

use crate::sources::prometheus::{Labels, Sample, Series};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::time::Duration;

/// One log line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Unix time in nanoseconds (Loki's resolution).
    pub ts_ns: i64,
    /// The stream's labels, shared by every entry of the stream. With categorized labels these are
    /// the indexed labels only.
    pub labels: Arc<Labels>,
    /// Structured metadata and parsed fields when Loki sent them apart (categorize-labels); `None`
    /// otherwise (they are then merged into `labels`, as Loki does by default).
    pub fields: Option<Arc<Labels>>,
    /// The line exactly as received: untrusted, sanitised only when drawn.
    pub line: String,
}

/// Which end of the range a log query reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Newest first: what a "last N lines" view wants.
    #[default]
    Backward,
    Forward,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Backward => "backward",
            Direction::Forward => "forward",
        }
    }
}

/// A `query_range` request.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeQuery {
    pub expr: String,
    pub start_ns: i64,
    pub end_ns: i64,
    /// Most log lines returned (ignored by metric queries).
    pub limit: u32,
    pub direction: Direction,
    /// Resolution of a metric query; Loki picks one when unset.
    pub step: Option<Duration>,
}

/// A decoded Loki query answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LokiResult {
    /// Log lines from every stream merged into one list, oldest first (ties keep Loki's stream
    /// order), whatever `direction` the query used.
    Streams(Vec<LogEntry>),
    /// A metric range query: timestamps in unix seconds.
    Matrix(Vec<Series>),
    /// A metric instant query: timestamps in unix seconds.
    Vector(Vec<Sample>),
    /// An instant scalar; Loki sends its time in milliseconds, converted here to seconds.
    Scalar { t: f64, v: f64 },
}
