//! An imported dashboard as centinela config: a `[[dashboard]]` table that `load_str` reads back.

use crate::config::Dashboard;
use serde::Serialize;

#[derive(Serialize)]
struct Doc<'a> {
    dashboard: [&'a Dashboard; 1],
}

/// `d` as a `[[dashboard]]` TOML table.
pub fn to_toml(d: &Dashboard) -> Result<String, String> {
    toml::to_string(&Doc { dashboard: [d] }).map_err(|e| format!("cannot write the dashboard as TOML: {e}"))
}
