//! `[[dashboard]]` with `grafana = "file.json"`: the panels and variables come from a Grafana
//! dashboard's JSON (see [`crate::grafana`]), read when the config is loaded. The path is relative to
//! the config file; the name defaults to the Grafana title.

use super::validate::{Found, Seg};
use super::Config;
use std::path::Path;

/// Fill every dashboard that names a Grafana file; the problems, located at its `grafana` key.
pub(super) fn expand(config_file: &str, config: &mut Config) -> Vec<Found> {
    let base = Path::new(config_file).parent().unwrap_or(Path::new(""));
    let mut found = Vec::new();
    for (i, d) in config.dashboards.iter_mut().enumerate() {
        let Some(rel) = d.grafana.take() else { continue };
        let before = found.len();
        expand_one(base, i, d, rel, &mut found);
        if found.len() > before && d.panels.is_empty() {
            // The problem is said once, at `grafana`, not again as "no panels".
            d.panels.push(stand_in());
        }
    }
    found
}

fn stand_in() -> super::Panel {
    super::Panel {
        reason: Some("the Grafana dashboard could not be read".into()),
        ..super::Panel::new("grafana", super::PanelKind::Unsupported)
    }
}

fn expand_one(base: &Path, i: usize, d: &mut super::Dashboard, rel: std::path::PathBuf, found: &mut Vec<Found>) {
    let at = vec![Seg::Key("dashboard"), Seg::Index(i), Seg::Key("grafana")];
    // Until it is read, a stand-in name keeps the check of names quiet about it.
    let named = !d.name.trim().is_empty();
    if !named {
        d.name = rel.file_stem().map_or_else(|| "grafana".into(), |s| s.to_string_lossy().into_owned());
    }
    if !d.panels.is_empty() {
        found.push((
            at,
            "a dashboard has either `grafana` or `panel` entries, not both".into(),
            Some("remove the [[dashboard.panel]] entries, or the `grafana` key".into()),
        ));
        return;
    }
    let path = base.join(&rel);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            found.push((
                at,
                format!("cannot read the Grafana dashboard {}: {e}", path.display()),
                Some("the path is relative to the config file".into()),
            ));
            return;
        }
    };
    let imported = match crate::grafana::import(&text) {
        Ok(i) => i,
        Err(e) => {
            found.push((
                at,
                format!("{}: {e}", path.display()),
                Some(format!("`centinela import-grafana {}` shows what it imports", path.display())),
            ));
            return;
        }
    };
    for note in &imported.report {
        tracing::info!(file = %path.display(), %note, "grafana import approximation");
    }
    let g = imported.dashboard;
    if !named {
        d.name = g.name;
    }
    d.refresh = d.refresh.or(g.refresh);
    d.time_range = d.time_range.or(g.time_range);
    // Variables written in the config win over the Grafana ones of the same name.
    let own: Vec<String> = d.variables.iter().map(|v| v.name.clone()).collect();
    d.variables.extend(g.variables.into_iter().filter(|v| !own.contains(&v.name)));
    d.panels = g.panels;
}
