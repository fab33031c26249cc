//! Incidents on disk: one JSON file per incident in `<data dir>/incidents/`, rewritten whole through
//! a temporary file and a rename on every change, so a crash leaves the old version or the new one,
//! never half of one. An open incident is read back at start-up and goes on.

use super::model::Incident;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The file of incident `id` in `dir`.
pub fn file(dir: &Path, id: &str) -> PathBuf {
    dir.join(format!("{id}.json"))
}

/// Write `incident` to `dir` (created if needed).
pub fn save(dir: &Path, incident: &Incident) -> Result<(), String> {
    let fail = |what: &str, e: std::io::Error| format!("cannot {what} {}: {e}", dir.display());
    std::fs::create_dir_all(dir).map_err(|e| fail("create", e))?;
    let path = file(dir, &incident.id);
    let tmp = path.with_extension("json.tmp");
    let body =
        serde_json::to_vec_pretty(incident).map_err(|e| format!("cannot encode incident {}: {e}", incident.id))?;
    let mut f = std::fs::File::create(&tmp).map_err(|e| fail("write to", e))?;
    f.write_all(&body).and_then(|()| f.sync_all()).map_err(|e| fail("write to", e))?;
    std::fs::rename(&tmp, &path).map_err(|e| fail("write to", e))
}

/// Every incident in `dir`, oldest first, and a message per file that could not be read (it is
/// left where it is, untouched).
pub fn load_all(dir: &Path) -> (Vec<Incident>, Vec<String>) {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return (out, problems) };
    let mut paths: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "json")).collect();
    paths.sort();
    for p in paths {
        match std::fs::read(&p)
            .map_err(|e| e.to_string())
            .and_then(|b| serde_json::from_slice::<Incident>(&b).map_err(|e| e.to_string()))
        {
            Ok(i) => out.push(i),
            Err(e) => problems.push(format!("{}: {e} (left as it is)", p.display())),
        }
    }
    out.sort_by(|a, b| (a.opened_ms, &a.id).cmp(&(b.opened_ms, &b.id)));
    (out, problems)
}
