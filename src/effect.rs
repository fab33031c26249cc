//! Effects: what `update` asks the runtime to do. `update` itself never does I/O.

use crate::action::QueryKey;
use crate::sources::prometheus::RangeParams;

/// One query to run against the current environment's Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchRequest {
    pub key: QueryKey,
    pub generation: u64,
    pub expr: String,
    /// Range query parameters, or `None` for an instant query at `time`.
    pub range: Option<RangeParams>,
    /// Evaluation time for instant queries (unix seconds).
    pub time: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Fetch(FetchRequest),
    Quit,
}
