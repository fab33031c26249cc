//! The interactive runtime: terminal events, ticks and signals feed the engine's action channel; the
//! loop applies actions in batches and draws only when the state says something visible changed.

use crate::action::Action;
use crate::engine::Engine;
use crate::keymap::{Key, Keymap};
use crate::poll::now_ms;
use crate::terminal::TerminalGuard;
use crate::theme::Theme;
use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;

/// Terminal keys and resizes onto `tx`; a `Shutdown` when the terminal goes away.
pub(crate) fn spawn_input(tx: UnboundedSender<Action>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        loop {
            match events.next().await {
                Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => {
                    if let Some(key) = Key::from_event(&k) {
                        if tx.send(Action::Key { key }).is_err() {
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
    })
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

/// SIGTERM, SIGHUP and SIGINT become a `Shutdown` on `tx`.
#[cfg(unix)]
pub(crate) fn spawn_signals(tx: UnboundedSender<Action>) -> std::io::Result<()> {
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
pub(crate) fn spawn_signals(_tx: UnboundedSender<Action>) -> std::io::Result<()> {
    Ok(())
}

/// Give the terminal to an interactive action: keyboard reading stopped (the caller did), the
/// screen suspended, the attempt run (guards and audit as for any action), a key awaited so its last
/// output can be read, then the screen taken back.
async fn run_interactive(guard: &mut TerminalGuard, engine: &Engine, job: crate::engine::Interactive) {
    use std::io::Write;
    let Ok(runner) = engine.runner.clone() else { return };
    if let Err(e) = guard.suspend() {
        tracing::warn!(error = %e, "cannot suspend the screen");
        let reason = format!("not run: the screen could not be handed over ({e})");
        let _ = engine.tx.send(Action::Runbook(crate::action::RunbookEvent::Refused { id: job.id, reason }));
        return;
    }
    let shown = runner.display(&job.command);
    println!("\ncentinela: running {} on {} (interactive): {shown}\n", job.meta.action, job.meta.target);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    crate::engine::runbook::attempt(runner, tx, job.id, job.meta, job.policy, job.command).await;
    let mut end = String::from("ended");
    while let Ok(a) = rx.try_recv() {
        if let Action::Runbook(crate::action::RunbookEvent::Ended { summary, .. }) = &a {
            end = summary.clone();
        }
        if let Action::Runbook(crate::action::RunbookEvent::Refused { reason, .. }) = &a {
            end = format!("not run: {reason}");
        }
        let _ = engine.tx.send(a);
    }
    print!("\ncentinela: {end}. Press enter to return to the dashboard.");
    let _ = std::io::stdout().flush();
    let _ = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)
    })
    .await;
    if let Err(e) = guard.resume() {
        tracing::warn!(error = %e, "cannot take the screen back");
    }
}

/// How long a redraw caused by data waits for the rest of a refresh's answers.
const COALESCE: Duration = Duration::from_millis(40);

/// Run the TUI until the user quits or the terminal goes away.
///
/// Drawing: a key, resize or signal draws at once (the engineer is waiting); new data draws when the
/// last fetch in flight has answered, or 40 ms after the first answer, whichever comes first, so one
/// refresh of a dashboard's panels costs one frame, not one per panel.
pub async fn run(mut engine: Engine, theme: Theme, keymap: Keymap) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let size = guard.terminal.size()?;
    spawn_signals(engine.tx.clone())?;
    let mut input = spawn_input(engine.tx.clone());
    engine.keymap = keymap.clone();
    spawn_ticks(engine.tx.clone());
    engine.handle(Action::Resize { width: size.width, height: size.height });
    engine.handle(Action::Tick { now_ms: now_ms() });
    let mut draw_by: Option<tokio::time::Instant> = Some(tokio::time::Instant::now());
    let mut meter = crate::terminal::Meter::default();
    loop {
        let due = draw_by.is_some_and(|d| tokio::time::Instant::now() >= d) || engine.fetcher.in_flight() == 0;
        if engine.state.dirty && due {
            // The bytes/s counter moves only with a frame drawn anyway, never on its own.
            if engine.state.show_bytes_per_second {
                let written = guard.written.load(std::sync::atomic::Ordering::Relaxed);
                if let Some(bytes_per_s) = meter.sample(std::time::Instant::now(), written) {
                    engine.handle(Action::Wire { bytes_per_s });
                }
            }
            engine.state.dirty = false;
            draw_by = None;
            let state = &engine.state;
            if let Err(e) = guard.terminal.draw(|f| crate::ui::render(f, state, &theme, &keymap)) {
                // Writing to the terminal failed: it is gone. Stop rather than spin.
                tracing::warn!(error = %e, "terminal write failed; exiting");
                break;
            }
            if let Some(text) = engine.clipboard.take() {
                use std::io::Write;
                let seq = crate::clipboard::osc52(&text, crate::clipboard::in_tmux());
                let out = guard.terminal.backend_mut();
                if let Err(e) = out.write_all(seq.as_bytes()).and_then(|()| out.flush()) {
                    tracing::warn!(error = %e, "cannot write the clipboard sequence");
                }
            }
            if std::mem::take(&mut engine.bell) {
                use std::io::Write;
                let _ =
                    guard.terminal.backend_mut().write_all(b"\x07").and_then(|()| guard.terminal.backend_mut().flush());
            }
        }
        let action = match (engine.state.dirty, draw_by) {
            (true, Some(deadline)) => tokio::select! {
                a = engine.rx.recv() => a,
                _ = tokio::time::sleep_until(deadline) => continue,
            },
            _ => engine.rx.recv().await,
        };
        let Some(action) = action else { break };
        let urgent = matches!(
            action,
            Action::Key { .. }
                | Action::Intent { .. }
                | Action::Text { .. }
                | Action::Resize { .. }
                | Action::Shutdown { .. }
        );
        if !engine.handle(action) || !engine.drain() {
            break;
        }
        if let Some(job) = engine.interactive.take() {
            input.abort();
            let _ = (&mut input).await;
            run_interactive(&mut guard, &engine, job).await;
            // ctrl-c in the program reached centinela too (one process group): it was meant for the
            // program, not for the dashboard. Everything else that arrived meanwhile is kept.
            let mut kept = Vec::new();
            while let Ok(a) = engine.rx.try_recv() {
                if !matches!(&a, Action::Shutdown { reason } if reason.contains("SIGINT")) {
                    kept.push(a);
                }
            }
            for a in kept {
                let _ = engine.tx.send(a);
            }
            input = spawn_input(engine.tx.clone());
            engine.state.dirty = true;
        }
        if engine.state.dirty {
            let now = tokio::time::Instant::now();
            draw_by = Some(if urgent { now } else { draw_by.map_or(now + COALESCE, |d| d.min(now + COALESCE)) });
        }
    }
    drop(guard);
    // Audit records of the last moments (a cancel, a refusal) are written before the process ends.
    engine.flush().await;
    Ok(())
}
