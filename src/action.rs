//! The one Action enum: everything that can change the state goes through here.
//!
//! User intents are the bindable subset ([`Intent`]): each has a snake_case name used in
//! `keymaps/*.toml` and one doc comment, which is also its help text (the help overlay is generated
//! from the live keymap and these comments). Data and system events (ticks, resizes, query results,
//! signals) are not bindable. Every Action is serialisable, so a session can be recorded and replayed.

use crate::alerts::model::{Alert, AlertGroup, AmStatus, PromAlert, RuleGroup, Silence};
use crate::keymap::Key;
use crate::sources::prometheus::QueryData;
use serde::{Deserialize, Serialize};

macro_rules! intents {
    ($( $(#[doc = $doc:literal])+ $variant:ident = $name:literal, )*) => {
        /// A user intent: what a key binding asks for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Intent { $( $(#[doc = $doc])+ $variant, )* }

        impl Intent {
            /// Every intent, in help order.
            pub const ALL: &'static [Intent] = &[$(Intent::$variant),*];

            /// The name used in keymap files.
            pub fn name(self) -> &'static str {
                match self { $(Intent::$variant => $name,)* }
            }

            /// One line of help text: the variant's doc comment.
            pub fn description(self) -> &'static str {
                match self { $(Intent::$variant => [$($doc),+][0].trim(),)* }
            }
        }
    };
}

intents! {
    /// Quit centinela.
    Quit = "quit",
    /// Show or hide this help.
    ToggleHelp = "toggle_help",
    /// Close the overlay or the full-screen panel.
    Back = "back",
    /// Next dashboard tab.
    NextDashboard = "next_dashboard",
    /// Previous dashboard tab.
    PrevDashboard = "prev_dashboard",
    /// Go to dashboard 1.
    Dashboard1 = "dashboard_1",
    /// Go to dashboard 2.
    Dashboard2 = "dashboard_2",
    /// Go to dashboard 3.
    Dashboard3 = "dashboard_3",
    /// Go to dashboard 4.
    Dashboard4 = "dashboard_4",
    /// Go to dashboard 5.
    Dashboard5 = "dashboard_5",
    /// Go to dashboard 6.
    Dashboard6 = "dashboard_6",
    /// Go to dashboard 7.
    Dashboard7 = "dashboard_7",
    /// Go to dashboard 8.
    Dashboard8 = "dashboard_8",
    /// Go to dashboard 9.
    Dashboard9 = "dashboard_9",
    /// Focus the panel to the left.
    FocusLeft = "focus_left",
    /// Focus the panel to the right.
    FocusRight = "focus_right",
    /// Focus the panel above.
    FocusUp = "focus_up",
    /// Focus the panel below.
    FocusDown = "focus_down",
    /// Focus the next panel.
    FocusNext = "focus_next",
    /// Focus the previous panel.
    FocusPrev = "focus_prev",
    /// Open the focused panel full screen, or go back to the grid.
    ToggleFullscreen = "toggle_fullscreen",
    /// Zoom in: a shorter time range.
    ZoomIn = "zoom_in",
    /// Zoom out: a longer time range.
    ZoomOut = "zoom_out",
    /// Refresh every visible panel now.
    Refresh = "refresh",
    /// Open the alerts view, or go back to the dashboards.
    AlertsView = "alerts_view",
    /// Select the next row.
    SelectNext = "select_next",
    /// Select the previous row.
    SelectPrev = "select_prev",
    /// Select the first row.
    SelectFirst = "select_first",
    /// Select the last row.
    SelectLast = "select_last",
    /// Move the selection a page down.
    PageDown = "page_down",
    /// Move the selection a page up.
    PageUp = "page_up",
    /// Edit the filter (matchers like severity="critical", or free text).
    Filter = "filter",
    /// Silence the selected alert: edit matchers, duration and comment first.
    Silence = "silence",
    /// Acknowledge the selected alert: a short silence with an "acknowledged" comment.
    Acknowledge = "acknowledge",
    /// Show the silences, or go back to the alerts.
    SilencesView = "silences_view",
    /// Expire the selected silence (asks first).
    ExpireSilence = "expire_silence",
    /// Answer yes to the open question.
    Confirm = "confirm",
    /// Open the health view, or go back to the dashboards.
    HealthView = "health_view",
    /// Open the logs view, or go back to where you were.
    LogsView = "logs_view",
    /// Logs of what is selected: the alert's service around its start, the health target, the panel's series.
    ShowLogs = "show_logs",
    /// Edit the LogQL query (up and down browse the history).
    EditQuery = "edit_query",
    /// Search the buffered lines (n and N jump between matches).
    Search = "search",
    /// Jump to the next search match.
    SearchNext = "search_next",
    /// Jump to the previous search match.
    SearchPrev = "search_prev",
    /// Live tail on or off.
    ToggleFollow = "toggle_follow",
    /// Pause the scrolling (lines keep arriving), or resume at the newest line.
    TogglePause = "toggle_pause",
    /// Wrap long lines, or cut them at the edge.
    ToggleWrap = "toggle_wrap",
    /// Show times in UTC or local time.
    ToggleUtc = "toggle_utc",
    /// Show the selected line in full: JSON pretty-printed, logfmt one field per row, its labels.
    ShowDetail = "show_detail",
    /// Show JSON lines as sent, or as their message followed by the other fields.
    ToggleRaw = "toggle_raw",
    /// The runbook actions offered on the selection (an alert, a health target) or everywhere.
    ActionsMenu = "actions_menu",
    /// Dry run: pick an action, see its exact command or request; nothing runs.
    DryRun = "dry_run",
    /// Show or hide the output of the last runbook actions.
    ActionOutput = "action_output",
    /// Switch to another environment (staging, production…): pick it from a list.
    SwitchEnvironment = "switch_environment",
    /// Open the incidents view (timelines, MTTA and MTTR), or go back to the dashboards.
    IncidentsView = "incidents_view",
    /// Add a note to the open incident's timeline.
    IncidentNote = "incident_note",
    /// Open an incident by hand (one opens on its own when a critical alert fires).
    OpenIncident = "open_incident",
    /// Close the open incident by hand (it closes on its own when its alerts resolve).
    CloseIncident = "close_incident",
    /// Pick the values of the dashboard's variables (its `$job`, `$instance`…).
    Variables = "variables",
    /// Tick or untick the choice under the cursor (several values of one variable).
    ToggleMark = "toggle_mark",
    /// Save the screen as a picture (SVG) and as text into the data dir's snapshots folder.
    SaveSnapshot = "save_snapshot",
    /// Copy the focused panel's queries to the clipboard (OSC 52: works over SSH, and in tmux).
    CopyQuery = "copy_query",
    /// Copy the focused panel's latest values to the clipboard, with legends and units as shown.
    CopyValues = "copy_values",
    /// Copy the selected alert as an Alertmanager matcher: {alertname="X", severity="critical", …}.
    CopyMatchers = "copy_matchers",
    /// Copy the selected alert as Markdown: since when, annotations, matchers.
    CopyAlertMarkdown = "copy_alert_markdown",
    /// Copy the selected log line to the clipboard.
    CopyLine = "copy_line",
    /// Copy the selected incident's timeline as Markdown.
    CopyTimeline = "copy_timeline",
    /// Replay: pause or resume the playback.
    ReplayPause = "replay_pause",
    /// Replay: pause, then play up to the next recorded data action.
    ReplayStep = "replay_step",
    /// Replay: jump one minute forward.
    ReplayForward = "replay_forward",
    /// Replay: jump one minute back.
    ReplayBack = "replay_back",
    /// Replay: play faster.
    ReplayFaster = "replay_faster",
    /// Replay: play slower.
    ReplaySlower = "replay_slower",
    /// Replay: drop your own view changes and follow the recorded session's view again.
    ReplayFollow = "replay_follow",
}

impl Intent {
    pub fn from_name(name: &str) -> Option<Intent> {
        Intent::ALL.iter().copied().find(|i| i.name() == name)
    }

    /// The dashboard number (0-based) a `dashboard_N` intent goes to.
    pub fn dashboard_index(self) -> Option<usize> {
        use Intent::*;
        [Dashboard1, Dashboard2, Dashboard3, Dashboard4, Dashboard5, Dashboard6, Dashboard7, Dashboard8, Dashboard9]
            .iter()
            .position(|d| *d == self)
    }
}

impl Serialize for Intent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for Intent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Intent::from_name(&s).ok_or_else(|| serde::de::Error::custom(format!("unknown action `{s}`")))
    }
}

/// Identifies one query of one panel: the unit of polling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QueryKey {
    pub dashboard: usize,
    pub panel: usize,
    pub target: usize,
}

/// What went wrong with a fetch, classified so the UI can say it in one line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchError {
    pub kind: FetchErrorKind,
    /// Human-readable, already sanitised and short.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FetchErrorKind {
    Connect,
    Timeout,
    Http,
    /// The backend answered with its own error body (Prometheus `errorType`/`error`).
    Api,
    Decode,
    TooLarge,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The answer to one fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryResult {
    pub key: QueryKey,
    /// The generation the request was issued with; older answers than the newest applied are dropped.
    pub generation: u64,
    /// When the answer arrived (ms since the Unix epoch).
    pub at_ms: i64,
    pub outcome: Result<QueryData, FetchError>,
}

/// One polled alerting feed: which backend and which endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertFeed {
    /// `/api/v2/alerts` of Alertmanager N (in config order).
    AmAlerts(usize),
    /// `/api/v2/alerts/groups` of Alertmanager N.
    AmGroups(usize),
    /// `/api/v2/silences` of Alertmanager N.
    AmSilences(usize),
    /// `/api/v2/status` of Alertmanager N.
    AmStatus(usize),
    /// Prometheus `/api/v1/alerts`.
    PromAlerts,
    /// Prometheus `/api/v1/rules`.
    PromRules,
    /// Prometheus `/api/v1/status/buildinfo` (its version, and whether it answers at all).
    PromBuild,
}

/// What an alerting feed returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertsData {
    Alerts { alerts: Vec<Alert> },
    Groups { groups: Vec<AlertGroup> },
    Silences { silences: Vec<Silence> },
    Status { status: AmStatus },
    PromAlerts { alerts: Vec<PromAlert> },
    Rules { groups: Vec<RuleGroup> },
    Build { info: crate::sources::prometheus::BuildInfo },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertsResult {
    pub feed: AlertFeed,
    pub generation: u64,
    pub at_ms: i64,
    /// How long the request took (the backends' latency in the health view).
    #[serde(default)]
    pub elapsed_ms: f64,
    pub outcome: Result<AlertsData, FetchError>,
}

/// The answer to one health check (and, for `https` targets now and then, its certificate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthResult {
    /// Index of the target in the environment's `health` list.
    pub target: usize,
    pub generation: u64,
    pub at_ms: i64,
    pub outcome: Result<crate::sources::health::Probe, FetchError>,
    pub cert: Option<Result<crate::sources::tls::CertInfo, FetchError>>,
    /// The target's `/metrics`, scraped directly, when it has a `metrics_url`.
    pub metrics: Option<Result<Vec<crate::sources::scrape::ScrapedSample>, FetchError>>,
}

/// The answer to a silence write (create or expire).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteResult {
    pub id: u64,
    /// What was asked, in words ("silence {service=\"x\"} for 2h").
    pub what: String,
    /// The silence id on success.
    pub outcome: Result<String, FetchError>,
}

/// Which logs request answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogsPurpose {
    /// The logs view's lines.
    Lines,
    /// The logs view's volume-by-level sparkline.
    Volume,
}

/// A Loki query's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogsResult {
    pub purpose: LogsPurpose,
    pub generation: u64,
    pub at_ms: i64,
    pub outcome: Result<crate::logs::LokiResult, FetchError>,
}

/// What the live tail reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TailData {
    /// Connected; `polling` says why it polls `query_range` instead of holding a websocket.
    Connected { polling: Option<String> },
    /// New lines (oldest first) and how many Loki says it dropped.
    Entries { entries: Vec<crate::logs::LogEntry>, dropped: u64 },
    /// The connection broke; the next attempt is in `retry_in_ms`.
    Disconnected { error: FetchError, retry_in_ms: u64 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TailUpdate {
    /// The tail this belongs to; a newer tail makes older updates void.
    pub generation: u64,
    pub at_ms: i64,
    pub data: TailData,
}

/// What the runner reports about one run of a runbook action (`id` as issued by `update`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum RunbookEvent {
    /// The `started` record is on disk and the run began; `attempt` is its id in the audit trail.
    Started { id: u64, attempt: String, at_ms: i64 },
    /// Output lines as the program wrote them (`true` for stderr); sanitised before they are shown.
    Output { id: u64, lines: Vec<(bool, String)> },
    /// The output reached the runner's cap: the rest is counted and hashed, not kept.
    Capped { id: u64 },
    /// The run ended; `audit_error` when its end could not be recorded.
    Ended {
        id: u64,
        success: bool,
        summary: String,
        exit_code: Option<i32>,
        duration_ms: u64,
        audit_error: Option<String>,
        at_ms: i64,
    },
    /// Not run: a guard refused (cooldown, single flight, read-only), or the start could not be recorded.
    Refused { id: u64, reason: String },
    /// A record about the run (dry run, cancel, verification) could not be written.
    AuditFailed { id: u64, error: String },
}

/// The environment shown changed: the engine has pointed every client at `to`. A data action, so a
/// recorded session (and an incident timeline) sees when the engineer moved between environments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnvSwitch {
    pub from: String,
    pub to: String,
    /// When (ms since the Unix epoch, the state's clock).
    pub at_ms: i64,
    /// Why the new environment's Loki client could not be built, if it could not (no logs tab then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub loki_error: Option<String>,
}

/// An edit of the focused text field (the filter bar or a silence field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextOp {
    Insert(char),
    Backspace,
    Delete,
    Left,
    Right,
    Home,
    End,
    /// Clear the field (ctrl-u).
    Clear,
    /// Delete the word before the cursor (ctrl-w).
    DeleteWord,
    /// Accept (enter).
    Submit,
    /// Give up (esc).
    Cancel,
    /// Next field (tab).
    NextField,
    /// Previous field (shift-tab).
    PrevField,
    /// Older history entry (up).
    HistoryPrev,
    /// Newer history entry (down).
    HistoryNext,
}

/// Everything that can change the state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Action {
    /// A user intent from a key binding.
    Intent { intent: Intent },
    /// The clock moved (ms since the Unix epoch). Drives polling schedules and data ages.
    Tick { now_ms: i64 },
    /// The terminal was resized.
    Resize { width: u16, height: u16 },
    /// A query answered (or failed).
    Query(QueryResult),
    /// An alerting feed answered (or failed).
    Alerts(AlertsResult),
    /// A silence write finished.
    Write(WriteResult),
    /// A health check answered (or failed).
    Health(HealthResult),
    /// A Loki query answered (or failed).
    Logs(LogsResult),
    /// The live tail moved.
    Tail(TailUpdate),
    /// A key as typed; the engine turns it into an intent (through the keymap of the current view)
    /// or a text edit before `update` sees it.
    Key { key: Key },
    /// An edit of the focused text field.
    Text { op: TextOp },
    /// The environment shown changed (see [`EnvSwitch`]).
    EnvironmentSwitched(EnvSwitch),
    /// The process was asked to stop (SIGTERM, SIGHUP, the terminal went away).
    Shutdown { reason: String },
    /// The key of configured action number `index` was pressed (the engine matched it).
    RunAction { index: usize },
    /// A runbook action's run moved.
    Runbook(RunbookEvent),
    /// A dashboard variable's choices arrived (or could not be had).
    Variable(VariableResult),
    /// The engine saved a snapshot of the screen (the files written), or why it could not.
    SnapshotSaved { outcome: Result<Vec<String>, String> },
    /// Bytes per second written to the terminal, measured by the terminal loop just before a frame
    /// it draws anyway (so the counter never causes a redraw of its own). Not recorded.
    Wire { bytes_per_s: u64 },
}

/// The answer to a `query` variable's question: the raw texts, before the variable's regex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariableResult {
    pub dashboard: usize,
    pub var: usize,
    pub generation: u64,
    pub outcome: Result<Vec<String>, FetchError>,
}

impl From<Intent> for Action {
    fn from(intent: Intent) -> Self {
        Action::Intent { intent }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for i in Intent::ALL {
            assert!(seen.insert(i.name()), "duplicate name {}", i.name());
            assert_eq!(Intent::from_name(i.name()), Some(*i));
            assert!(!i.description().is_empty());
        }
        assert_eq!(Intent::Quit.description(), "Quit centinela.");
        assert_eq!(Intent::Dashboard3.dashboard_index(), Some(2));
    }
}
