//! The replay's terminal loop: keys and signals in, the playback clock moved every 50 ms, a frame
//! drawn when the replay says something visible changed (the banner's clock counts seconds).

use super::Replay;
use crate::action::Action;
use crate::keymap::Keymap;
use crate::terminal::TerminalGuard;
use crate::theme::Theme;
use std::time::Duration;

/// How often the playback clock moves.
const FRAME: Duration = Duration::from_millis(50);

/// Replay in the terminal until the engineer quits (or a signal, or the terminal going away).
pub async fn run(mut replay: Replay, theme: Theme, keymap: Keymap) -> anyhow::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    crate::app::spawn_signals(tx.clone())?;
    let _input = crate::app::spawn_input(tx);
    let mut every = tokio::time::interval(FRAME);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last = tokio::time::Instant::now();
    let mut redraw = true;
    loop {
        if replay.take_dirty() || redraw {
            redraw = false;
            let view = replay.view();
            if let Err(e) = guard.terminal.draw(|f| crate::ui::render(f, &view, &theme, &keymap)) {
                tracing::warn!(error = %e, "terminal write failed; exiting");
                break;
            }
        }
        tokio::select! {
            a = rx.recv() => match a {
                Some(Action::Key { key }) => replay.key(&keymap, key),
                Some(Action::Resize { .. }) => redraw = true,
                Some(Action::Shutdown { .. }) | None => break,
                Some(_) => {}
            },
            _ = every.tick() => {
                let now = tokio::time::Instant::now();
                replay.advance(now - last);
                last = now;
            }
        }
        if replay.quit {
            break;
        }
    }
    drop(guard);
    Ok(())
}
