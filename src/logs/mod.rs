//! Logs from Loki: the entry model shared by the client, the demo and the logs view, plus the pure
//! pieces of the view (level detection, the bounded ring buffer and search, the alert → logs pivot,
//! JSON pretty-printing).

pub mod buffer;
pub mod level;
pub mod model;
pub mod pivot;
pub mod pretty;

pub use model::{Direction, LogEntry, LokiResult, RangeQuery};
