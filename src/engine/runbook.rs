//! The runtime half of runbook actions: which key starts which action, and running attempts through
//! the [`Runner`] (guards, audit records, the run) on tasks whose reports come back as
//! `Action::Runbook` events. Interactive actions are handed to the terminal loop instead (it must
//! suspend the screen first); see [`crate::app`].

use crate::action::{Action, Intent, RunbookEvent};
use crate::actions::attempt::{AttemptError, AttemptMeta, Command, Policy, Runner};
use crate::actions::audit::{new_attempt_id, Event};
use crate::actions::run::{RunEvent, Stream};
use crate::config::Scope;
use crate::keymap::{Context, Key, KeyCodeOrd};
use crate::state::State;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};
use tokio::task::JoinSet;

/// What a key means to the actions layer: `Some(action)` when it takes the key (`Some(None)`: taken
/// and ignored), `None` when the key goes on to the keymap.
pub fn translate(state: &State, key: Key) -> Option<Option<Action>> {
    let a = &state.actions;
    if a.confirm.is_some() && !a.typing() {
        return Some(match key.code {
            KeyCodeOrd::Char('y' | 'Y') | KeyCodeOrd::Enter => Some(Intent::Confirm.into()),
            KeyCodeOrd::Char('n' | 'N') | KeyCodeOrd::Esc => Some(Intent::Back.into()),
            KeyCodeOrd::Char('c') if key.ctrl => Some(Intent::Back.into()),
            _ => None,
        });
    }
    if let Some(menu) = &a.menu {
        if let Some(index) = menu.items.iter().copied().find(|&i| a.specs[i].parsed_key() == Some(key)) {
            return Some(Some(Action::RunAction { index }));
        }
        return Some(match key.code {
            KeyCodeOrd::Char('j') | KeyCodeOrd::Down => Some(Intent::SelectNext.into()),
            KeyCodeOrd::Char('k') | KeyCodeOrd::Up => Some(Intent::SelectPrev.into()),
            KeyCodeOrd::Home | KeyCodeOrd::Char('g') => Some(Intent::SelectFirst.into()),
            KeyCodeOrd::End | KeyCodeOrd::Char('G') => Some(Intent::SelectLast.into()),
            KeyCodeOrd::Enter => Some(Intent::Confirm.into()),
            KeyCodeOrd::Char('d') => Some(Intent::DryRun.into()),
            KeyCodeOrd::Esc | KeyCodeOrd::Char('q' | 'x') => Some(Intent::Back.into()),
            KeyCodeOrd::Char('c') if key.ctrl => Some(Intent::Back.into()),
            _ => None,
        });
    }
    if a.typing() || crate::update::text_focus(state) || state.help {
        return None;
    }
    let ctx = state.key_context();
    if !matches!(ctx, Context::Alerts | Context::Health) {
        return None;
    }
    let index = a.specs.iter().position(|s| {
        let here = match &s.scope {
            Scope::Global => true,
            Scope::Alert(_) => ctx == Context::Alerts,
            Scope::Health(_) => ctx == Context::Health,
        };
        here && s.offered_in(&state.env_name) && s.parsed_key() == Some(key)
    })?;
    Some(Some(Action::RunAction { index }))
}

/// Run one attempt on a task; everything it reports goes to `tx` as `Action::Runbook` with `id`.
pub fn spawn_run(
    tasks: &mut JoinSet<()>,
    runner: Runner,
    tx: UnboundedSender<Action>,
    id: u64,
    meta: AttemptMeta,
    policy: Policy,
    command: Command,
) {
    tasks.spawn(attempt(runner, tx, id, meta, policy, command));
}

/// Run one attempt (guards, records, the run), reporting to `tx` as `Action::Runbook` with `id`.
pub async fn attempt(
    runner: Runner,
    tx: UnboundedSender<Action>,
    id: u64,
    mut meta: AttemptMeta,
    policy: Policy,
    command: Command,
) {
    {
        let (etx, mut erx) = unbounded_channel::<RunEvent>();
        meta.attempt = new_attempt_id();
        let send = |e: RunbookEvent| {
            let _ = tx.send(Action::Runbook(e));
        };
        // Lines come in batches: whatever arrived while the UI was busy is one action.
        let forward = {
            let tx = tx.clone();
            let runner = runner.clone();
            async move {
                while let Some(first) = erx.recv().await {
                    let mut lines = Vec::new();
                    let mut capped = false;
                    let mut take = |e: RunEvent| match e {
                        // A program may print a secret it was given: it never reaches the screen.
                        RunEvent::Output { stream, line } => {
                            lines.push((stream == Stream::Stderr, runner.redact(&line)))
                        }
                        RunEvent::OutputCapped { .. } => capped = true,
                        RunEvent::Stopping { after } => lines.push((
                            true,
                            format!("[centinela] timed out after {}: stopping it", humantime::format_duration(after)),
                        )),
                    };
                    take(first);
                    while let Ok(e) = erx.try_recv() {
                        take(e);
                    }
                    if !lines.is_empty() {
                        let _ = tx.send(Action::Runbook(RunbookEvent::Output { id, lines }));
                    }
                    if capped {
                        let _ = tx.send(Action::Runbook(RunbookEvent::Capped { id }));
                    }
                }
            }
        };
        let forwarder = tokio::spawn(forward);
        // Started only once the guards let it through and the start is recorded: a refused attempt is
        // never shown (nor timed in an incident) as started.
        let attempt = meta.attempt.clone();
        let announce = || send(RunbookEvent::Started { id, attempt, at_ms: crate::poll::now_ms() });
        let result = runner.run_attempt_then(meta, policy, command, etx, announce).await;
        // Every output line is forwarded before the end is reported.
        let _ = forwarder.await;
        match result {
            Ok(outcome) => send(ended(id, &outcome, None)),
            Err(AttemptError::Refused { reason, audit }) => {
                let reason = match audit {
                    Some(e) => format!("{reason} (the refusal could not be recorded: {e})"),
                    None => reason,
                };
                send(RunbookEvent::Refused { id, reason });
            }
            Err(e @ AttemptError::NotRecorded { .. }) => send(RunbookEvent::Refused { id, reason: e.to_string() }),
            Err(AttemptError::EndNotRecorded { outcome, source, .. }) => {
                send(ended(id, &outcome, Some(source.to_string())))
            }
        }
    }
}

fn ended(id: u64, o: &crate::actions::run::RunOutcome, audit_error: Option<String>) -> RunbookEvent {
    RunbookEvent::Ended {
        id,
        success: o.success,
        summary: o.summary.clone(),
        exit_code: o.exit_code(),
        duration_ms: o.duration.as_millis() as u64,
        audit_error,
        at_ms: crate::poll::now_ms(),
    }
}

/// Write one audit record on a task; a failure is reported (the screen says the trail missed it).
pub fn spawn_audit(
    tasks: &mut JoinSet<()>,
    runner: Runner,
    tx: UnboundedSender<Action>,
    meta: AttemptMeta,
    command: Option<Command>,
    event: Event,
    outcome: String,
) {
    tasks.spawn(async move {
        if let Err(e) = runner.record(&meta, command.as_ref(), event, &outcome).await {
            let error = format!("{} record of {} on {}: {e}", event.as_str(), meta.action, meta.target);
            tracing::error!(%error, "audit write failed");
            let _ = tx.send(Action::Runbook(RunbookEvent::AuditFailed { id: 0, error }));
        }
    });
}
