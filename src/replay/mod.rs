//! `centinela replay FILE…`: a recorded session shown again through the same `update` and the same
//! render, read-only, at the recorded pace times a speed (issue #9; the recording side is
//! [`crate::record`]).
//!
//! # The driver
//! [`Replay`] holds the state rebuilt from the recording's header ([`crate::record::Header::initial_state`])
//! and feeds it the recorded Actions through [`crate::update::update`]. Every [`crate::effect::Effect`]
//! `update` returns is dropped: there is no engine, no fetcher and no runner, so a replay never talks to a
//! backend, never writes a silence and never runs an action, whatever the recording holds. Because
//! `update` is pure and the Actions are the ones the live session applied (keys already translated),
//! the state after N recorded Actions is the live state after the same N, and renders the same frame
//! (`tests/replay.rs` checks it frame by frame).
//!
//! # Playback
//! A clock in recording time moves with the wall clock × `speed` unless paused; every Action recorded
//! up to it is applied. `step` pauses and plays up to the next Action that is not a tick; seeking
//! forward plays up to the target at once; seeking back rebuilds the state from the header and
//! fast-forwards to the target without drawing (simple, and exact: the same Actions in the same order).
//!
//! # The engineer's own keys
//! Keys bound in the keymap's `[replay]` section control the playback. Other keys still navigate:
//! views, dashboards, focus, selection, scrolling, help, the alerts filter, logs search. They are
//! applied to a copy of the recorded state each time it is drawn, never to the recorded state itself,
//! so they cannot change what the recording replays (a view switch there would issue requests and move
//! the generation counter the recorded answers are matched with). View switches are kept as the view
//! chosen (it stays while the recording moves on); the rest are replayed on the copy in order. Anything
//! that would fetch, write or run (silence, acknowledge, expire, actions, refresh, zoom, environment
//! switch, a new log query) is refused with a status message: a replay is read-only. `backspace`
//! (`replay_follow`) drops the engineer's changes and follows the recorded view again.

pub mod run;

use crate::action::{Action, Intent, TextOp};
use crate::keymap::{Context, Key, Keymap};
use crate::record::reader::Recording;
use crate::state::replay::ReplayInfo;
use crate::state::{Page, State, StatusMsg};
use crate::update::update;

/// The speeds `+` and `-` step through.
pub const SPEEDS: &[f64] = &[0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// How far `]` and `[` jump.
pub const SEEK_MS: i64 = 60_000;

/// The most view changes of the engineer's kept (the oldest are dropped).
const MAX_LOCAL: usize = 256;

/// One of the engineer's own view changes during a replay.
#[derive(Debug, Clone, PartialEq)]
enum Local {
    Intent(Intent),
    Text(TextOp),
    /// The view chosen: it stays while the recording moves on.
    View {
        page: Page,
        active: usize,
        silences_open: bool,
    },
}

/// A recording being replayed: the recorded state, where the playback stands, and the engineer's own
/// view changes.
#[derive(Debug)]
pub struct Replay {
    recording: Recording,
    state: State,
    /// The next entry to apply.
    pos: usize,
    clock_ms: i64,
    /// Playback speed (1 = as recorded).
    pub speed: f64,
    pub paused: bool,
    local: Vec<Local>,
    status: Option<StatusMsg>,
    /// The engineer asked to quit.
    pub quit: bool,
    /// Something visible changed since the last [`Replay::take_dirty`].
    dirty: bool,
}

impl Replay {
    /// Ready to play `recording` from its beginning at `speed`.
    pub fn new(recording: Recording, speed: f64) -> Replay {
        let state = recording.header.initial_state();
        let clock_ms = start_ms(&recording);
        let status = recording.problem.as_ref().map(|p| StatusMsg { text: p.clone(), at_ms: clock_ms, error: true });
        Replay {
            recording,
            state,
            pos: 0,
            clock_ms,
            speed,
            paused: false,
            local: Vec::new(),
            status,
            quit: false,
            dirty: true,
        }
    }

    /// The state as recorded (without the engineer's view changes or the banner).
    pub fn state(&self) -> &State {
        &self.state
    }

    /// How many recorded Actions have been applied.
    pub fn applied(&self) -> usize {
        self.pos
    }

    /// How many recorded Actions there are.
    pub fn len(&self) -> usize {
        self.recording.entries.len()
    }

    /// Whether the recording holds no Action at all.
    pub fn is_empty(&self) -> bool {
        self.recording.entries.is_empty()
    }

    /// Why the recording was read only in part (`FILE:LINE: why`), if it was.
    pub fn problem(&self) -> Option<&str> {
        self.recording.problem.as_deref()
    }

    /// The recording's clock.
    pub fn clock_ms(&self) -> i64 {
        self.clock_ms
    }

    /// Every Action has been applied.
    pub fn ended(&self) -> bool {
        self.pos >= self.recording.entries.len()
    }

    /// What the banner shows.
    pub fn info(&self) -> ReplayInfo {
        ReplayInfo { clock_ms: self.clock_ms, speed: self.speed, paused: self.paused, ended: self.ended() }
    }

    /// Whether something visible changed since the last call.
    pub fn take_dirty(&mut self) -> bool {
        std::mem::take(&mut self.dirty)
    }

    /// What to draw: the recorded state, with the engineer's view changes, the banner and the status.
    pub fn view(&self) -> State {
        let mut s = self.state.clone();
        for step in &self.local {
            apply_local(&mut s, step);
        }
        s.replay = Some(self.info());
        if let Some(st) = &self.status {
            s.status = Some(st.clone());
        }
        s
    }

    /// Apply the next recorded Action (its effects are dropped). False at the end.
    pub fn apply_next(&mut self) -> bool {
        let Some(e) = self.recording.entries.get(self.pos) else { return false };
        let (at, action) = (e.at_ms, e.a.clone());
        let _ = update(&mut self.state, action);
        self.state.dirty = false;
        self.pos += 1;
        self.clock_ms = self.clock_ms.max(at);
        self.dirty = true;
        if self.ended() {
            if let Some(p) = &self.recording.problem {
                self.status = Some(StatusMsg { text: p.clone(), at_ms: self.clock_ms, error: true });
            }
        }
        true
    }

    /// Apply every Action recorded up to `t_ms`, and move the clock there (not past the last Action).
    pub fn play_until(&mut self, t_ms: i64) {
        while self.recording.entries.get(self.pos).is_some_and(|e| e.at_ms <= t_ms) {
            self.apply_next();
        }
        let last = self.recording.entries.last().map_or(self.clock_ms, |e| e.at_ms);
        let to = t_ms.min(last).max(self.clock_ms);
        if to / 1000 != self.clock_ms / 1000 {
            self.dirty = true;
        }
        self.clock_ms = to;
    }

    /// Let `real` wall-clock time pass: the clock moves by `real × speed` unless paused.
    pub fn advance(&mut self, real: std::time::Duration) {
        if self.paused || self.ended() {
            return;
        }
        let by = (real.as_secs_f64() * 1000.0 * self.speed).round() as i64;
        self.play_until(self.clock_ms + by);
    }

    /// Pause, then play up to and including the next Action that is not a tick.
    pub fn step(&mut self) {
        self.paused = true;
        while let Some(e) = self.recording.entries.get(self.pos) {
            let tick = matches!(e.a, Action::Tick { .. });
            self.apply_next();
            if !tick {
                break;
            }
        }
        self.dirty = true;
    }

    /// Jump `delta_ms` in recording time: forward plays up to there at once, back rebuilds the state
    /// from the header and plays up to there without drawing.
    pub fn seek(&mut self, delta_ms: i64) {
        let target = self.clock_ms + delta_ms;
        if delta_ms < 0 {
            self.state = self.recording.header.initial_state();
            self.pos = 0;
            self.clock_ms = start_ms(&self.recording);
        }
        self.play_until(target);
        self.dirty = true;
    }

    /// A key typed during the replay: playback keys first, then the view's keys, applied locally.
    pub fn key(&mut self, keymap: &Keymap, key: Key) {
        let view = self.view();
        // The engineer typing into a field they opened: keys are text. A field open in the recording
        // is the recorded engineer's: playback keys still work, and typing does not edit it.
        let recorded_typing = crate::update::text_focus(&self.state) || self.state.alerts.confirm.is_some();
        let local_typing = !recorded_typing && (crate::update::text_focus(&view) || view.alerts.confirm.is_some());
        if !local_typing {
            if let Some(i) = keymap.resolve(Context::Replay, key).filter(|i| is_playback(*i)) {
                self.intent(i);
                return;
            }
        }
        match crate::engine::translate(&view, keymap, key) {
            Some(Action::Intent { intent }) => self.intent(intent),
            Some(Action::Text { op }) if local_typing => self.push(Local::Text(op)),
            Some(Action::Text { .. }) | None => {}
            Some(_) => self.refuse("a runbook action"),
        }
    }

    /// An intent during the replay: playback, quit, or a local view change (or refused).
    pub fn intent(&mut self, intent: Intent) {
        use Intent::*;
        self.dirty = true;
        match intent {
            Quit => self.quit = true,
            ReplayPause => self.paused = !self.paused,
            ReplayStep => self.step(),
            ReplayForward => self.seek(SEEK_MS),
            ReplayBack => self.seek(-SEEK_MS),
            ReplayFaster => self.speed = SPEEDS.iter().copied().find(|s| *s > self.speed).unwrap_or(self.speed),
            ReplaySlower => self.speed = SPEEDS.iter().rev().copied().find(|s| *s < self.speed).unwrap_or(self.speed),
            ReplayFollow => {
                self.local.clear();
                self.say("following the recorded view again".into(), false);
            }
            AlertsView | HealthView | LogsView | SilencesView | IncidentsView | NextDashboard | PrevDashboard
            | Dashboard1 | Dashboard2 | Dashboard3 | Dashboard4 | Dashboard5 | Dashboard6 | Dashboard7 | Dashboard8
            | Dashboard9 => {
                let mut s = self.view();
                let _ = update(&mut s, intent.into());
                self.push(Local::View { page: s.page, active: s.active, silences_open: s.alerts.silences_open });
            }
            ToggleHelp | Back | FocusLeft | FocusRight | FocusUp | FocusDown | FocusNext | FocusPrev
            | ToggleFullscreen | SelectNext | SelectPrev | SelectFirst | SelectLast | PageDown | PageUp | Filter
            | Search | SearchNext | SearchPrev | TogglePause | ToggleWrap | ToggleUtc | ShowDetail | ToggleRaw
            | ActionOutput => self.push(Local::Intent(intent)),
            other => self.refuse(&format!("`{}`", other.name())),
        }
    }

    fn push(&mut self, step: Local) {
        self.dirty = true;
        if matches!((self.local.last(), &step), (Some(Local::View { .. }), Local::View { .. })) {
            self.local.pop();
        }
        self.local.push(step);
        if self.local.len() > MAX_LOCAL {
            self.local.remove(0);
        }
    }

    fn refuse(&mut self, what: &str) {
        self.say(format!("replay is read-only: {what} is not available (nothing is fetched, written or run)"), true);
    }

    fn say(&mut self, text: String, error: bool) {
        self.status = Some(StatusMsg { text, at_ms: self.clock_ms, error });
        self.dirty = true;
    }
}

/// Where the recording's clock begins: its first Action, else its header.
fn start_ms(r: &Recording) -> i64 {
    r.entries.first().map_or(r.header.started_ms, |e| e.at_ms)
}

/// Whether `intent` controls the playback.
pub fn is_playback(intent: Intent) -> bool {
    use Intent::*;
    matches!(intent, ReplayPause | ReplayStep | ReplayForward | ReplayBack | ReplayFaster | ReplaySlower | ReplayFollow)
}

fn apply_local(s: &mut State, step: &Local) {
    match step {
        Local::Intent(i) => {
            let _ = update(s, (*i).into());
        }
        Local::Text(op) => {
            let _ = update(s, Action::Text { op: *op });
        }
        Local::View { page, active, silences_open } => {
            if s.page != *page || s.active != *active {
                s.fullscreen = false;
            }
            s.page = *page;
            s.active = (*active).min(s.dashboards.len().saturating_sub(1));
            s.alerts.silences_open = *silences_open;
        }
    }
}

#[cfg(test)]
mod tests;
