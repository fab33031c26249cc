//! Saving the screen from the TUI (`P`): the engine draws the state through the same render path as
//! the terminal and `centinela snapshot` into a buffer of the terminal's size, and this writes it as
//! `<data dir>/snapshots/centinela-<view>-<UTC time>.svg` and `.txt` on a thread of its own, then
//! answers with `Action::SnapshotSaved` (the files, or what went wrong, for the status line).

use crate::action::Action;
use crate::theme::Theme;
use ratatui::buffer::Buffer;
use std::path::{Path, PathBuf};
use tokio::sync::mpsc::UnboundedSender;

pub struct SnapshotSaver {
    pub dir: PathBuf,
    /// The theme the screen is drawn with.
    pub theme: Theme,
}

impl SnapshotSaver {
    pub fn new(dir: PathBuf, theme: Theme) -> SnapshotSaver {
        SnapshotSaver { dir, theme }
    }

    /// Write `buf` (view `name`, at `now_ms`) in the background; the answer goes to `tx`.
    pub fn save(&self, buf: &Buffer, name: &str, now_ms: i64, tx: UnboundedSender<Action>) {
        let (svg, text) = (crate::snapshot::to_svg(buf), crate::snapshot::to_text(buf));
        let (dir, stem) = (self.dir.clone(), stem(name, now_ms));
        let spawned = std::thread::Builder::new().name("snapshot-writer".into()).spawn({
            let tx = tx.clone();
            move || {
                let outcome = write(&dir, &stem, &svg, &text);
                let _ = tx.send(Action::SnapshotSaved { outcome });
            }
        });
        if let Err(e) = spawned {
            let _ = tx.send(Action::SnapshotSaved { outcome: Err(format!("cannot save snapshot: {e}")) });
        }
    }
}

/// `centinela-<name>-20261206T231500Z`.
fn stem(name: &str, now_ms: i64) -> String {
    let at = chrono::DateTime::from_timestamp_millis(now_ms)
        .map_or_else(|| now_ms.to_string(), |t| t.format("%Y%m%dT%H%M%SZ").to_string());
    format!("centinela-{name}-{at}")
}

/// Write `<stem>.svg` and `<stem>.txt` into `dir` (made when missing); a second save within the same
/// second gets `-2`, `-3`… rather than overwriting the first.
pub fn write(dir: &Path, stem: &str, svg: &str, text: &str) -> Result<Vec<String>, String> {
    let fail = |p: &Path, e: std::io::Error| format!("cannot save snapshot to {}: {}", p.display(), e.kind());
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    let free = |st: &str| !dir.join(format!("{st}.svg")).exists() && !dir.join(format!("{st}.txt")).exists();
    let stem = (1..100)
        .map(|n| if n == 1 { stem.to_string() } else { format!("{stem}-{n}") })
        .find(|st| free(st))
        .unwrap_or_else(|| format!("{stem}-100"));
    let mut written = Vec::new();
    for (ext, body) in [("svg", svg), ("txt", text)] {
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, body).map_err(|e| fail(&path, e))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_named_after_the_view_and_the_time_and_never_overwritten() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("snapshots");
        let st = stem("alerts", 1_796_603_700_000);
        assert_eq!(st, "centinela-alerts-20261207T003500Z");
        let first = write(&dir, &st, "<svg/>", "text\n").unwrap();
        assert!(first[0].ends_with("centinela-alerts-20261207T003500Z.svg"), "{first:?}");
        assert_eq!(std::fs::read_to_string(&first[1]).unwrap(), "text\n");
        let second = write(&dir, &st, "<svg/>", "again\n").unwrap();
        assert!(second[1].ends_with("centinela-alerts-20261207T003500Z-2.txt"), "{second:?}");
        assert_eq!(std::fs::read_to_string(&first[1]).unwrap(), "text\n");
    }

    #[cfg(unix)]
    #[test]
    fn a_dir_that_cannot_be_written_says_where_and_why() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("not-a-dir");
        std::fs::write(&file, "").unwrap();
        let err = write(&file.join("snapshots"), "centinela-x", "", "").unwrap_err();
        assert!(err.starts_with(&format!("cannot save snapshot to {}", file.join("snapshots").display())), "{err}");
    }
}
