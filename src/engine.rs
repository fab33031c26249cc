//! The engine: state + fetcher + the action channel. The terminal loop (`app.rs`), `snapshot` and the
//! tests all drive this same engine, so what they show is what the app shows.

use crate::action::Action;
use crate::action::{EnvSwitch, TextOp};
use crate::effect::Effect;
use crate::keymap::{Context, Key, KeyCodeOrd, Keymap};
use crate::poll::{Fetcher, Job, TaskKey};
use crate::state::State;
use crate::update::update;
use tokio::sync::mpsc::{unbounded_channel, UnboundedReceiver, UnboundedSender};
use tokio::task::JoinSet;

pub mod incident_writer;
pub mod runbook;
pub mod snapshot_saver;

/// An interactive action waiting for the terminal loop to suspend the screen and run it.
#[derive(Debug)]
pub struct Interactive {
    pub id: u64,
    pub meta: crate::actions::attempt::AttemptMeta,
    pub policy: crate::actions::attempt::Policy,
    pub command: crate::actions::attempt::Command,
}

pub struct Engine {
    pub state: State,
    pub fetcher: Fetcher,
    /// Turns keys into intents (per view) or text edits.
    pub keymap: Keymap,
    /// A bell is due (a new alert fired and `alerts.bell` is on); the terminal loop rings it.
    pub bell: bool,
    /// Text to put on the clipboard; the terminal loop writes it as OSC 52 (see [`crate::clipboard`]).
    pub clipboard: Option<String>,
    /// Saves the screen (`save_snapshot`); none in tests that do not set one.
    pub snapshots: Option<snapshot_saver::SnapshotSaver>,
    pub tx: UnboundedSender<Action>,
    pub rx: UnboundedReceiver<Action>,
    /// Runs runbook actions and writes the audit trail, or why it cannot (then every action is
    /// refused; `state.actions.unavailable` says so on screen).
    pub runner: Result<crate::actions::attempt::Runner, String>,
    /// Action runs in progress (dropping the engine stops the runs).
    pub action_tasks: JoinSet<()>,
    /// Audit records being written; [`Engine::flush`] waits for them before the app exits.
    pub audit_tasks: JoinSet<()>,
    /// An interactive action the terminal loop has to run next.
    pub interactive: Option<Interactive>,
    /// Writes changed incidents to the data dir (none in tests that do not set one).
    pub incident_writer: Option<incident_writer::IncidentWriter>,
    /// A CA to trust besides the web roots (the demo's), for the clients of the environment switched
    /// to; the environments themselves are in the state's config.
    pub extra_ca: Option<std::sync::Arc<[u8]>>,
    /// `--record FILE` and the ring: every Action `update` sees is recorded (see [`crate::record`]).
    pub recorder: Option<crate::record::Recorder>,
}

impl Engine {
    pub fn new(
        state: State,
        client: Result<crate::sources::prometheus::PromClient, String>,
        max_in_flight: usize,
    ) -> Engine {
        let (tx, rx) = unbounded_channel();
        let fetcher = Fetcher::new(client, max_in_flight, tx.clone());
        Engine {
            state,
            fetcher,
            keymap: Keymap::load(None).unwrap_or_default(),
            bell: false,
            clipboard: None,
            snapshots: None,
            tx,
            rx,
            runner: Err("no audit trail is set up".into()),
            action_tasks: JoinSet::new(),
            audit_tasks: JoinSet::new(),
            interactive: None,
            incident_writer: None,
            extra_ca: None,
            recorder: None,
        }
    }

    /// Use `runner` for runbook actions; when there is none, every action is refused and the screen
    /// says why.
    pub fn set_runner(&mut self, runner: Result<crate::actions::attempt::Runner, String>) {
        self.state.actions.unavailable = runner.as_ref().err().cloned();
        self.runner = runner;
    }

    /// Wait (up to two seconds) for the audit records still being written, so quitting loses none.
    pub async fn flush(&mut self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
        while tokio::time::timeout_at(deadline, self.audit_tasks.join_next()).await.is_ok_and(|r| r.is_some()) {}
    }

    /// Apply one action and run its effects. Returns false when the app should stop.
    pub fn handle(&mut self, action: Action) -> bool {
        let action = match action {
            Action::Key { key } => match translate(&self.state, &self.keymap, key) {
                Some(a) => a,
                None => return true,
            },
            other => other,
        };
        if let Some(r) = &self.recorder {
            r.record(&action);
        }
        // An answer frees its key in the fetcher, unless it comes from a fetcher dropped by an
        // environment switch (the new one may be running the same key).
        if let Some(key) = task_key(&action) {
            if !crate::update::from_before_switch(&self.state, &action) {
                self.fetcher.completed(key);
            }
        }
        let mut go_on = true;
        for effect in update(&mut self.state, action) {
            match effect {
                Effect::Fetch(req) => self.fetcher.submit(req),
                Effect::FetchVariable { dashboard, var, generation, query, time } => {
                    self.fetcher.submit_job(Job::Variable { dashboard, var, generation, query, time })
                }
                Effect::FetchAlerts { feed, generation } => self.fetcher.submit_job(Job::Feed { feed, generation }),
                Effect::WriteSilence { id, what, op } => self.fetcher.submit_job(Job::Write { id, what, op }),
                Effect::CheckHealth { target, generation, cert } => {
                    self.fetcher.submit_job(Job::Health { target, generation, cert })
                }
                Effect::FetchLogs { purpose, generation, query } => {
                    self.fetcher.submit_job(Job::Logs { purpose, generation, query })
                }
                Effect::Tail { generation, expr, start_ns, limit } => {
                    self.fetcher.start_tail(generation, expr, start_ns, limit)
                }
                Effect::StopTail => self.fetcher.stop_tail(),
                Effect::RunAction { id, meta, policy, command } => match (&self.runner, command) {
                    (Ok(_), command @ crate::actions::attempt::Command::Interactive(_)) => {
                        self.interactive = Some(Interactive { id, meta, policy, command })
                    }
                    (Ok(r), command) => runbook::spawn_run(
                        &mut self.action_tasks,
                        r.clone(),
                        self.tx.clone(),
                        id,
                        meta,
                        policy,
                        command,
                    ),
                    (Err(why), _) => {
                        let reason = format!("not run: {why}");
                        let _ = self.tx.send(Action::Runbook(crate::action::RunbookEvent::Refused { id, reason }));
                    }
                },
                Effect::AuditAction { meta, command, event, outcome } => match &self.runner {
                    Ok(r) => runbook::spawn_audit(
                        &mut self.audit_tasks,
                        r.clone(),
                        self.tx.clone(),
                        meta,
                        command,
                        event,
                        outcome,
                    ),
                    Err(why) => tracing::error!(%why, action = %meta.action, "no audit trail: record lost"),
                },
                Effect::SwitchEnvironment { name } => go_on &= self.switch_environment(&name),
                Effect::SaveIncident(incident) => {
                    if let Some(w) = &self.incident_writer {
                        w.save(*incident);
                    }
                }
                Effect::Bell => self.bell = true,
                Effect::Copy { text } => self.clipboard = Some(text),
                Effect::SaveSnapshot { name } => match &self.snapshots {
                    // The screen as it is now, at the terminal's size, through the terminal's render path.
                    Some(s) => {
                        let buf = crate::snapshot::render(&self.state, &s.theme, &self.keymap);
                        s.save(&buf, &name, self.state.now_ms, self.tx.clone());
                    }
                    None => {
                        let outcome = Err("cannot save snapshot: no data dir is set up".to_string());
                        let _ = self.tx.send(Action::SnapshotSaved { outcome });
                    }
                },
                Effect::Quit => go_on = false,
            }
        }
        go_on
    }

    /// Point every client at environment `name`: a new fetcher replaces the old one (dropping it
    /// aborts its requests and the Loki tail), then the state resets through
    /// `Action::EnvironmentSwitched`. Returns false when the app should stop.
    fn switch_environment(&mut self, name: &str) -> bool {
        let config = self.state.envs.config.clone();
        let Some(env) = config.environments.iter().find(|e| e.name == name) else {
            crate::update::set_status(&mut self.state, format!("no environment named `{name}` in the config"), true);
            return true;
        };
        let built = crate::setup::fetcher_for(env, self.extra_ca.as_deref(), self.tx.clone());
        self.fetcher = built.fetcher;
        let switch = EnvSwitch {
            from: self.state.env_name.clone(),
            to: env.name.clone(),
            at_ms: self.state.now_ms,
            loki_error: built.loki_error,
        };
        self.handle(Action::EnvironmentSwitched(switch))
    }

    /// Handle everything already queued without waiting. Returns false when the app should stop.
    pub fn drain(&mut self) -> bool {
        while let Ok(a) = self.rx.try_recv() {
            if !self.handle(a) {
                return false;
            }
        }
        true
    }
}

/// The fetcher's key a result action answers.
fn task_key(action: &Action) -> Option<TaskKey> {
    Some(match action {
        Action::Query(r) => TaskKey::Query(r.key),
        Action::Alerts(r) => TaskKey::Feed(r.feed),
        Action::Write(w) => TaskKey::Write(w.id),
        Action::Health(r) => TaskKey::Health(r.target),
        Action::Logs(r) => TaskKey::Logs(r.purpose),
        Action::Variable(r) => TaskKey::Variable(r.dashboard, r.var),
        _ => return None,
    })
}

/// What a typed key means now: a text edit while a text field has the keyboard, a yes/no while a
/// question is open, else the intent the keymap gives it in the current view.
pub fn translate(state: &State, keymap: &Keymap, key: Key) -> Option<Action> {
    use crate::action::Intent;
    if let Some(taken) = runbook::translate(state, key) {
        return taken;
    }
    if state.alerts.confirm.is_some() {
        return match key.code {
            KeyCodeOrd::Char('y' | 'Y') | KeyCodeOrd::Enter => Some(Intent::Confirm.into()),
            KeyCodeOrd::Char('n' | 'N') | KeyCodeOrd::Esc => Some(Intent::Back.into()),
            _ if key.ctrl && key.code == KeyCodeOrd::Char('c') => Some(Intent::Back.into()),
            _ => None,
        };
    }
    if crate::update::text_focus(state) {
        let op = match key.code {
            KeyCodeOrd::Char('c') if key.ctrl => TextOp::Cancel,
            KeyCodeOrd::Char('u') if key.ctrl => TextOp::Clear,
            KeyCodeOrd::Char('w') if key.ctrl => TextOp::DeleteWord,
            KeyCodeOrd::Char('a') if key.ctrl => TextOp::Home,
            KeyCodeOrd::Char('e') if key.ctrl => TextOp::End,
            // AltGr arrives as ctrl+alt: `{`, `~`, `|`, `[` on many keyboards.
            KeyCodeOrd::Char(c) if key.ctrl && key.alt => TextOp::Insert(c),
            KeyCodeOrd::Char(_) if key.ctrl || key.alt => return None,
            KeyCodeOrd::Char(c) => TextOp::Insert(c),
            KeyCodeOrd::Enter => TextOp::Submit,
            KeyCodeOrd::Esc => TextOp::Cancel,
            KeyCodeOrd::Tab => TextOp::NextField,
            KeyCodeOrd::BackTab => TextOp::PrevField,
            KeyCodeOrd::Backspace => TextOp::Backspace,
            KeyCodeOrd::Delete => TextOp::Delete,
            KeyCodeOrd::Left => TextOp::Left,
            KeyCodeOrd::Right => TextOp::Right,
            KeyCodeOrd::Home => TextOp::Home,
            KeyCodeOrd::End => TextOp::End,
            KeyCodeOrd::Up => TextOp::HistoryPrev,
            KeyCodeOrd::Down => TextOp::HistoryNext,
            _ => return None,
        };
        return Some(Action::Text { op });
    }
    let ctx: Context = state.key_context();
    keymap.resolve(ctx, key).map(Action::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::Intent;
    use crate::state::alerts::Confirm;

    fn state() -> State {
        let c = crate::config::load_str(
            "t.toml",
            "[[environment]]\nname = \"p\"\nprometheus = { url = \"http://x\" }\n[[dashboard]]\nname = \"D\"\n\
             [[dashboard.panel]]\ntitle = \"P\"\nkind = \"stat\"\nquery = [{ expr = \"up\" }]\n",
        )
        .unwrap();
        State::new(&c, "p", false, 0)
    }

    #[test]
    fn keys_mean_what_the_mode_says() {
        let km = Keymap::load(None).unwrap();
        let mut s = state();
        let k = |c: char| Key::char(c);
        // On a dashboard `j` moves focus; in the alerts view it selects the next alert.
        assert_eq!(translate(&s, &km, k('j')), Some(Intent::FocusDown.into()));
        s.page = crate::state::Page::Alerts;
        assert_eq!(translate(&s, &km, k('j')), Some(Intent::SelectNext.into()));
        assert_eq!(translate(&s, &km, k('q')), Some(Intent::Quit.into()), "global keys still work");
        // While the filter bar has the keyboard, `q` is a letter and esc cancels.
        s.alerts.bar.edit = Some(Default::default());
        assert_eq!(translate(&s, &km, k('q')), Some(Action::Text { op: TextOp::Insert('q') }));
        assert_eq!(translate(&s, &km, Key::plain(KeyCodeOrd::Esc)), Some(Action::Text { op: TextOp::Cancel }));
        let ctrl_c = Key { ctrl: true, ..k('c') };
        assert_eq!(translate(&s, &km, ctrl_c), Some(Action::Text { op: TextOp::Cancel }));
        s.alerts.bar.edit = None;
        // A question takes only yes or no.
        s.alerts.confirm = Some(Confirm::ExpireSilence { id: "x".into(), summary: "s".into() });
        assert_eq!(translate(&s, &km, k('y')), Some(Intent::Confirm.into()));
        assert_eq!(translate(&s, &km, k('n')), Some(Intent::Back.into()));
        assert_eq!(translate(&s, &km, k('q')), None);
    }
}
