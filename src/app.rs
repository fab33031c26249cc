//! The interactive runtime: terminal events, ticks and signals feed the engine's action channel; the
//! loop applies actions in batches and draws only when the state says something visible changed.

use crate::action::Action;
use crate::engine::Engine;
use crate::keymap::Keymap;
use crate::poll::now_ms;
use crate::terminal::TerminalGuard;
use crate::theme::Theme;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

fn spawn_input(tx: UnboundedSender<Action>, keymap: Keymap) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        loop {
            match events.next().await {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    if let Some(intent) = keymap.lookup(&k) {
                        if tx.send(intent.into()).is_err() {
                            return;
                        }
                    }
                }
                Some(Ok(Event::Resize(width, height))) => {
                    let _ = tx.send(Action::Resize { width, height });
                }
                Some(Ok(_)) => {}
                // The terminal went away (SSH dropped, pty closed): stop instead of spinning.
                Some(Err(e)) => {
                    let _ = tx.send(Action::Shutdown { reason: format!("terminal input failed: {e}") });
                    return;
                }
                None => {
                    let _ = tx.send(Action::Shutdown { reason: "terminal input closed".into() });
                    return;
                }
            }
        }
    });
}

fn spawn_ticks(tx: UnboundedSender<Action>) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(1));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            every.tick().await;
            if tx.send(Action::Tick { now_ms: now_ms() }).is_err() {
                return;
            }
        }
    });
}

#[cfg(unix)]
fn spawn_signals(tx: UnboundedSender<Action>) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    for (kind, name) in
        [(SignalKind::terminate(), "SIGTERM"), (SignalKind::hangup(), "SIGHUP"), (SignalKind::interrupt(), "SIGINT")]
    {
        let mut s = signal(kind)?;
        let tx = tx.clone();
        tokio::spawn(async move {
            if s.recv().await.is_some() {
                let _ = tx.send(Action::Shutdown { reason: format!("received {name}") });
            }
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn spawn_signals(_tx: UnboundedSender<Action>) -> std::io::Result<()> {
    Ok(())
}

/// Run the TUI until the user quits or the terminal goes away.
pub async fn run(mut engine: Engine, theme: Theme, keymap: Keymap) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    spawn_signals(engine.tx.clone())?;
    spawn_input(engine.tx.clone(), keymap.clone());
    spawn_ticks(engine.tx.clone());
    engine.handle(Action::Resize { width: size.width, height: size.height });
    engine.handle(Action::Tick { now_ms: now_ms() });
    loop {
        if engine.state.dirty {
            engine.state.dirty = false;
            let state = &engine.state;
            if let Err(e) = guard.terminal.draw(|f| crate::ui::render(f, state, &theme, &keymap)) {
                // Writing to the terminal failed: it is gone. Stop rather than spin.
                tracing::warn!(error = %e, "terminal write failed; exiting");
                break;
            }
        }
        let Some(action) = engine.rx.recv().await else { break };
        if !engine.handle(action) || !engine.drain() {
            break;
        }
    }
    drop(guard);
    Ok(())
}
