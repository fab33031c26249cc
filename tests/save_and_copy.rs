//! The TUI's `P` (save the screen) and `y` (copy): driven through the engine, which renders the state
//! through the terminal's render path, writes the files and answers with an action the status line
//! shows; a copy waits in `engine.clipboard` for the terminal loop to write it as OSC 52.

mod common;

use centinela::action::{Action, Intent};
use centinela::engine::snapshot_saver::SnapshotSaver;
use centinela::engine::Engine;
use centinela::state::State;
use centinela::theme::Theme;

fn engine(dir: Option<std::path::PathBuf>) -> Engine {
    let config = common::profile();
    let state = State::new(&config, "production", true, common::NOW_MS);
    let mut engine = Engine::new(state, Err("offline".into()), 1);
    engine.snapshots = dir.map(|d| SnapshotSaver::new(d, Theme::builtin_default()));
    engine.handle(Action::Resize { width: 100, height: 30 });
    engine.handle(Action::Tick { now_ms: common::NOW_MS });
    engine
}

/// Wait for the snapshot's answer (other actions, like fetch failures, are handled on the way).
async fn answer(engine: &mut Engine) -> Result<Vec<String>, String> {
    loop {
        match engine.rx.recv().await.expect("the channel stays open") {
            Action::SnapshotSaved { outcome } => {
                engine.handle(Action::SnapshotSaved { outcome: outcome.clone() });
                return outcome;
            }
            other => {
                engine.handle(other);
            }
        }
    }
}

#[tokio::test]
async fn p_saves_the_screen_as_svg_and_text_and_says_where() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("snapshots");
    let mut e = engine(Some(dir.clone()));
    e.handle(Intent::AlertsView.into());
    e.handle(Intent::SaveSnapshot.into());
    let files = answer(&mut e).await.expect("saved");
    assert_eq!(files.len(), 2);
    assert!(files[0].ends_with(".svg") && files[0].contains("centinela-alerts-"), "{files:?}");
    let svg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    let text = std::fs::read_to_string(&files[1]).unwrap();
    assert_eq!(text.lines().count(), 30, "the terminal's size");
    let status = e.state.status.clone().unwrap();
    assert!(!status.error && status.text.starts_with("snapshot saved: ") && status.text.contains(&files[0]));
}

#[tokio::test]
async fn a_snapshot_that_cannot_be_written_says_where_and_why() {
    let tmp = tempfile::tempdir().unwrap();
    let blocker = tmp.path().join("file");
    std::fs::write(&blocker, "").unwrap();
    let mut e = engine(Some(blocker.join("snapshots")));
    e.handle(Intent::SaveSnapshot.into());
    let err = answer(&mut e).await.unwrap_err();
    assert!(err.starts_with("cannot save snapshot to "), "{err}");
    let status = e.state.status.clone().unwrap();
    assert!(status.error && status.text == err);
}

#[tokio::test]
async fn y_on_a_dashboard_puts_the_focused_panels_query_on_the_clipboard() {
    let mut e = engine(None);
    e.handle(Action::Key { key: centinela::keymap::Key::char('y') });
    let text = e.clipboard.take().expect("a copy for the terminal loop");
    let panel = &e.state.dash().spec.panels[e.state.dash().focus];
    assert_eq!(text, panel.queries.iter().map(|q| q.expr.trim()).collect::<Vec<_>>().join("\n"));
    assert!(e.state.status.as_ref().unwrap().text.starts_with(&format!("copied {} bytes: panel query", text.len())));
}
