//! Logs from Loki: the entry model shared by the client, the demo and the logs view, plus the pure
//! pieces of the view (level detection, the bounded ring buffer, search).

pub mod model;

pub use model::{Direction, LogEntry, LokiResult, RangeQuery};
