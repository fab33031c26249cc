//! The always-on ring: `[recording] ring_hours = N` records every session into hourly files
//! `centinela-YYYYMMDD-HHMMSS.jsonl.gz` (UTC, when the file begins) in `<state dir>/recordings/`; a
//! new file begins when the clock enters a new hour, and then every file that ended more than N hours
//! ago is deleted. Only files named that way are touched.

use std::path::{Path, PathBuf};

const HOUR_MS: i64 = 3_600_000;
const PREFIX: &str = "centinela-";
const SUFFIX: &str = ".jsonl.gz";

/// The hour (since the Unix epoch) `ms` falls in.
pub fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS)
}

/// The name of a ring file beginning at `ms`.
pub fn file_name(ms: i64) -> String {
    format!("{PREFIX}{}{SUFFIX}", super::file_stamp(ms))
}

/// When a ring file began, from its name; `None` for any other file.
pub fn began_ms(name: &str) -> Option<i64> {
    let stamp = name.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?;
    let t = chrono::NaiveDateTime::parse_from_str(stamp, "%Y%m%d-%H%M%S").ok()?;
    Some(t.and_utc().timestamp_millis())
}

/// The ring files in `dir`, oldest first.
pub fn files(dir: &Path) -> std::io::Result<Vec<(i64, PathBuf)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        if let Some(ms) = e.file_name().to_str().and_then(began_ms) {
            out.push((ms, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Delete the ring files in `dir` that ended (their hour was over) more than `hours` hours before
/// `now_ms`. Returns the files deleted.
pub fn prune(dir: &Path, hours: u32, now_ms: i64) -> std::io::Result<Vec<PathBuf>> {
    let keep_from = now_ms - i64::from(hours) * HOUR_MS;
    let mut deleted = Vec::new();
    for (began, path) in files(dir)? {
        let ended = (hour_of(began) + 1) * HOUR_MS;
        if ended <= keep_from {
            std::fs::remove_file(&path)?;
            deleted.push(path);
        }
    }
    Ok(deleted)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        let ms = 1_700_000_000_000; // 2023-11-14 22:13:20 UTC
        assert_eq!(file_name(ms), "centinela-20231114-221320.jsonl.gz");
        assert_eq!(began_ms(&file_name(ms)), Some(ms));
        assert_eq!(began_ms("notes.txt"), None);
        assert_eq!(began_ms("centinela-garbage.jsonl.gz"), None);
    }

    #[test]
    fn files_older_than_the_ring_go_others_stay() {
        let dir = tempfile::tempdir().unwrap();
        let now = 1_700_000_000_000; // 22:13:20
        let h = |n: i64| now - n * HOUR_MS;
        // Began 22:13 (now), 21:13, 20:13, 19:13, 18:00; and a file that is not the ring's.
        for ms in [h(0), h(1), h(2), h(3), hour_of(h(4)) * HOUR_MS] {
            std::fs::write(dir.path().join(file_name(ms)), b"x").unwrap();
        }
        std::fs::write(dir.path().join("mine.jsonl.gz"), b"x").unwrap();
        let deleted = prune(dir.path(), 2, now).unwrap();
        // Kept: the files that ended after 20:13:20, i.e. those of 20:xx, 21:xx and 22:xx.
        let names: Vec<String> =
            deleted.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, vec![file_name(hour_of(h(4)) * HOUR_MS), file_name(h(3))]);
        let left: Vec<i64> = files(dir.path()).unwrap().into_iter().map(|(ms, _)| ms).collect();
        assert_eq!(left, vec![h(2), h(1), h(0)]);
        assert!(dir.path().join("mine.jsonl.gz").exists(), "other files are never touched");
    }
}
