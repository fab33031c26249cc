//! Recording a session, so `centinela replay` can show it again (issue #9, "Record and replay").
//!
//! # What is recorded
//! Every [`Action`] that reaches `update`, *after* the engine has translated keys: a key becomes the
//! intent, text edit or runbook key it meant in its view, so a replay does not depend on the keymap of
//! the machine replaying it. That is the ticks (the clock), resizes, every data answer (queries,
//! alerting feeds, health checks, Loki queries and the tail, silence writes, runbook events,
//! environment switches) and the engineer's intents and text edits. `update` is pure, so feeding the
//! same Actions to the same initial state rebuilds the same states: the replay's frames are the live
//! session's frames (`tests/replay.rs` compares them).
//!
//! Not recorded: untranslated keys (nothing reaches `update` from them) and `Shutdown` (the replay
//! ends where the file ends). Nothing in the process environment is read back at replay.
//!
//! # Secrets
//! - Actions carry no credential: requests' headers, tokens and passwords live in the clients, never in
//!   an Action; fetch errors are sanitised and URLs in them have their credentials cut
//!   ([`crate::sources::http::redact_url`]); runbook output lines are redacted by the runner before they
//!   become `RunbookEvent::Output` (every `{secret.NAME}` value it expanded is masked); runbook specs
//!   (with their `{secret.NAME}` references) are in the config, not in Actions.
//! - Text edits are what the engineer typed into the filter bar, the silence editor, the LogQL and
//!   search prompts and the runbook confirmation (the target's name): centinela has no prompt for a
//!   secret, so there is none to record.
//! - The header's config is the loaded config with every value that may be a secret replaced by
//!   `<redacted>` ([`redact_config`]): header values whose name looks secret
//!   ([`crate::config::is_secret_header`]) in backends, health targets and HTTP actions (a
//!   `{secret.NAME}` reference is kept: it names a variable, it is not one), and the password of every
//!   backend and proxy URL. `bearer_token_env`, `bearer_token_file` and basic auth's `password_env` /
//!   `password_file` are names of where secrets are, and stay.
//!
//! # File format
//! JSON lines, gzip-compressed unless the file name ends in `.jsonl` (plain, for reading by eye). The
//! first line is the [`Header`]: `{"centinela_recording": 1, "version", "session", "segment",
//! "started_ms", "env", "production", "start", "config"}`, enough to rebuild
//! `State::new(&config, env, production, started_ms)` without the replaying machine's config. Then one
//! line per Action: `{"at_ms": <wall clock ms>, "a": <the Action, tagged by "t">}`.
//!
//! # Writing
//! The engine hands each Action (cloned) to an unbounded channel; a std thread serialises, compresses
//! and writes, so a slow disk never stalls the screen. Every second with something new the gzip stream
//! gets a sync flush (`Z_SYNC_FLUSH`, flate2's `flush`): the bytes so far decode completely, so a crash
//! or `kill -9` loses at most about one second, at a cost of a few bytes per flush. (A gzip member per
//! second would survive the same way, but restarts the compression dictionary each time and costs
//! ~20 bytes of framing; the sync flush keeps the dictionary.) Dropping the [`Recorder`], which the
//! engine does when the app's loop ends (quit, SIGTERM, SIGHUP, a lost terminal), closes the channel
//! and joins the thread, which finishes the gzip stream: the tail is on disk before `main` shuts the
//! runtime down.
//!
//! # The ring
//! With `[recording] ring_hours = N` (N > 0) every session is also recorded into
//! `<state dir>/recordings/` in hourly files; files that ended more than N hours ago are deleted
//! ([`ring`]). A file after the first of a session carries the same header with the next `segment`
//! number and its own start, so it replays on its own from a fresh state (data fills in within one
//! refresh), or after the earlier files of its session: `centinela replay A B C`.
//!
//! # Reading
//! [`reader::read`] stops at the first line that is not a recorded Action (or where the stream is cut
//! short) and says `FILE:LINE: why`; everything before it is replayed.

pub mod reader;
pub mod redact;
pub mod ring;
mod writer;

pub use redact::redact_config;

use crate::action::Action;
use crate::config::Config;
use crate::state::State;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The recording format this build writes and reads.
pub const FORMAT: u32 = 1;

/// The first line of a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Header {
    /// The format version ([`FORMAT`]); its presence marks the file as a recording.
    pub centinela_recording: u32,
    /// The centinela version that wrote it.
    pub version: String,
    /// Identifies the session: every file of one session (the ring's hourly files) has the same.
    pub session: String,
    /// 0 for the first file of a session, then 1, 2… for the ring's next hourly files.
    pub segment: u32,
    /// The state's clock when this file begins (ms since the Unix epoch).
    pub started_ms: i64,
    /// The environment shown when this file begins.
    pub env: String,
    pub production: bool,
    /// What the runtime set on the state at start, besides the config.
    pub start: StartState,
    /// The config as loaded, secrets redacted ([`redact_config`]).
    pub config: Config,
}

/// The state the runtime sets up at start outside `State::new`: replay sets the same.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct StartState {
    /// `--demo`: the DEMO badge.
    pub demo: bool,
    /// Security warnings about the config (the header's badge, the health view).
    pub warnings: Vec<String>,
    /// Why the logs view is unavailable (no Loki, or its client could not be built).
    pub logs_unavailable: Option<String>,
    /// Why runbook actions cannot run (no audit trail).
    pub actions_unavailable: Option<String>,
    /// Runbook actions may be interactive (a terminal is there).
    pub terminal: bool,
    /// The `createdBy` of silences.
    pub created_by: String,
    /// The incidents still open at start (read back from the data dir), so the replay's timeline
    /// goes on from the same point. Notes are the engineer's own words, not secrets.
    pub open_incidents: Vec<crate::incidents::Incident>,
    /// Who runs actions and writes notes (`user`, `host`).
    pub origin: crate::actions::audit::Origin,
}

impl StartState {
    /// What `state` was given at start.
    pub fn of(state: &State) -> StartState {
        StartState {
            demo: state.demo,
            warnings: state.warnings.clone(),
            logs_unavailable: state.logs.unavailable.clone(),
            actions_unavailable: state.actions.unavailable.clone(),
            terminal: state.actions.terminal,
            created_by: state.alerts.created_by.clone(),
            open_incidents: state.incidents.list.iter().filter(|i| i.is_open()).cloned().collect(),
            origin: state.actions.origin.clone(),
        }
    }

    /// Give `state` what it had at start.
    pub fn apply(&self, state: &mut State) {
        state.demo = self.demo;
        state.warnings = self.warnings.clone();
        state.logs.unavailable = self.logs_unavailable.clone();
        state.actions.unavailable = self.actions_unavailable.clone();
        state.actions.terminal = self.terminal;
        state.alerts.created_by = self.created_by.clone();
        state.incidents.list = self.open_incidents.clone();
        state.actions.origin = self.origin.clone();
        // Recorded actions are expanded again to follow their runs, never run: secrets are not
        // in the recording, and not needed.
        state.actions.secrets = crate::actions::template::Secrets::Redacted;
    }
}

impl Header {
    /// The header of a recording of `state` beginning now (its config redacted).
    pub fn of(state: &State) -> Header {
        let started = state.now_ms;
        Header {
            centinela_recording: FORMAT,
            version: env!("CARGO_PKG_VERSION").to_string(),
            session: format!("{}-{}", file_stamp(started), std::process::id()),
            segment: 0,
            started_ms: started,
            env: state.env_name.clone(),
            production: state.production,
            start: StartState::of(state),
            config: redact_config(&state.envs.config),
        }
    }

    /// The state this file begins with: `State::new` from its config, plus what the runtime set.
    /// Runbook secrets all read `<redacted>`: nothing is read from the replaying machine's environment,
    /// and the recorded runs are followed, never run.
    pub fn initial_state(&self) -> State {
        let mut state = State::new(&self.config, &self.env, self.production, self.started_ms);
        self.start.apply(&mut state);
        state
    }
}

/// One recorded Action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// When it reached `update` (wall clock, ms since the Unix epoch).
    pub at_ms: i64,
    /// The Action.
    pub a: Action,
}

/// Whether `action` goes into a recording: everything `update` sees except shutdown requests and the
/// terminal's bytes/s (a property of this terminal, not of the session).
pub fn is_recorded(action: &Action) -> bool {
    !matches!(action, Action::Key { .. } | Action::Shutdown { .. } | Action::Wire { .. })
}

/// `20240501-174210`: a UTC time as file names and session ids write it.
pub fn file_stamp(ms: i64) -> String {
    chrono::DateTime::<chrono::Utc>::from_timestamp_millis(ms).unwrap_or_default().format("%Y%m%d-%H%M%S").to_string()
}

/// Where a recording goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    /// One file (`--record FILE`): gzip unless its name ends in `.jsonl`.
    File(PathBuf),
    /// The ring: hourly files in `dir`, those older than `hours` deleted.
    Ring { dir: PathBuf, hours: u32 },
}

/// Why a recording cannot start.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error("cannot write the recording {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Records the Actions it is given into its targets, on a thread of its own. Dropping it writes what
/// is left and closes the files.
pub struct Recorder {
    tx: Option<std::sync::mpsc::Sender<writer::Msg>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    /// Start recording `state`'s session into `targets` (the files are created now, so a path that
    /// cannot be written is an error here, not a silent loss later).
    pub fn start(state: &State, targets: Vec<Target>) -> Result<Recorder, RecordError> {
        let header = Header::of(state);
        let outs = writer::open_all(&header, &targets)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("recorder".into())
            .spawn(move || writer::run(rx, outs, header))
            .map_err(|source| RecordError::Io { path: PathBuf::from("(recorder thread)"), source })?;
        Ok(Recorder { tx: Some(tx), thread: Some(thread) })
    }

    /// Record `action` now, if it is one that is recorded. Never blocks.
    pub fn record(&self, action: &Action) {
        if !is_recorded(action) {
            return;
        }
        if let Some(tx) = &self.tx {
            let _ = tx.send(writer::Msg::Entry(Box::new(Entry { at_ms: crate::poll::now_ms(), a: action.clone() })));
        }
    }

    /// Write everything recorded so far and sync-flush it (tests; the thread does it every second).
    pub fn flush(&self) {
        let (ack, done) = std::sync::mpsc::channel();
        if let Some(tx) = &self.tx {
            if tx.send(writer::Msg::Flush(ack)).is_ok() {
                let _ = done.recv();
            }
        }
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Closing the channel ends the thread, which finishes every file.
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The ring's directory in the state dir.
pub fn ring_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("recordings")
}

/// A small valid config for the tests.
#[cfg(test)]
pub(crate) fn test_config() -> Config {
    crate::config::load_str(
        "t.toml",
        "[[environment]]\nname = \"p\"\nprometheus = { url = \"http://x\" }\n[[dashboard]]\nname = \"D\"\n\
         [[dashboard.panel]]\ntitle = \"P\"\nkind = \"stat\"\nquery = [{ expr = \"up\" }]\n",
    )
    .expect("the test config is valid")
}
