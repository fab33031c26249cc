//! Effects: what `update` asks the runtime to do. `update` itself never does I/O.

use crate::action::{AlertFeed, LogsPurpose, QueryKey};
use crate::alerts::model::NewSilence;
use crate::logs::RangeQuery;
use crate::sources::prometheus::RangeParams;

/// One query to run against the current environment's Prometheus.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchRequest {
    pub key: QueryKey,
    pub generation: u64,
    pub expr: String,
    /// Range query parameters, or `None` for an instant query at `time`.
    pub range: Option<RangeParams>,
    /// A `logs` panel: read the newest this many lines of `expr` (LogQL) from Loki over the range.
    pub logs: Option<u32>,
    /// Evaluation time for instant queries (unix seconds).
    pub time: f64,
}

/// A write to Alertmanager. Sent to the first configured instance that accepts it (an HA cluster
/// gossips it to the others).
#[derive(Debug, Clone, PartialEq)]
pub enum SilenceOp {
    Create(NewSilence),
    Expire(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Fetch(FetchRequest),
    /// Ask Prometheus for a dashboard variable's choices; answered by `Action::Variable`.
    FetchVariable {
        dashboard: usize,
        var: usize,
        generation: u64,
        query: crate::variables::VarQuery,
        /// Evaluation time (unix seconds) for `query_result`.
        time: f64,
    },
    /// Poll one alerting feed.
    FetchAlerts {
        feed: AlertFeed,
        generation: u64,
    },
    /// Create or expire a silence; answered by `Action::Write` with this id.
    WriteSilence {
        id: u64,
        what: String,
        op: SilenceOp,
    },
    /// Check health target N; `cert` also reads its TLS certificate.
    CheckHealth {
        target: usize,
        generation: u64,
        cert: bool,
    },
    /// Run a Loki query for the logs view.
    FetchLogs {
        purpose: LogsPurpose,
        generation: u64,
        query: RangeQuery,
    },
    /// Start the live tail (replacing any running one).
    Tail {
        generation: u64,
        expr: String,
        start_ns: i64,
        limit: u32,
    },
    /// Stop the live tail.
    StopTail,
    /// Run a runbook action through the runner (guards, audit, run); answered by `Action::Runbook`
    /// events with this id.
    RunAction {
        id: u64,
        meta: crate::actions::attempt::AttemptMeta,
        policy: crate::actions::attempt::Policy,
        command: crate::actions::attempt::Command,
    },
    /// Write one audit record about an action that is not run now (refused, cancelled, dry run,
    /// verified).
    AuditAction {
        meta: crate::actions::attempt::AttemptMeta,
        command: Option<crate::actions::attempt::Command>,
        event: crate::actions::audit::Event,
        outcome: String,
    },
    /// Point every client at environment `name` (the old requests and the tail are cancelled), then
    /// answer with `Action::EnvironmentSwitched`.
    SwitchEnvironment {
        name: String,
    },
    /// Write this incident to its file (it changed).
    SaveIncident(Box<crate::incidents::Incident>),
    /// Put `text` on the clipboard of the engineer's terminal (OSC 52, written by the runtime).
    Copy {
        text: String,
    },
    /// Render the screen as it is now and save it as SVG and text, named after view `name` and the
    /// time; answered by `Action::SnapshotSaved`.
    SaveSnapshot {
        name: String,
    },
    /// Ring the terminal bell (a new alert fired and `alerts.bell` is on).
    Bell,
    Quit,
}
