//! Grafana dashboard import: a dashboard's JSON model (schema versions 16–39, as exported from
//! Grafana, with or without the `{"dashboard": …}` wrapper of the HTTP API) becomes centinela's own
//! [`Dashboard`], plus a [report](Note) of everything that had to be approximated.
//!
//! Nothing is dropped silently: a panel centinela cannot draw becomes an `unsupported` panel that
//! names its type and why, and every approximation (a unit without an equivalent, a percentage
//! threshold, a hidden target…) is a [`Note`]. Expressions are kept verbatim, template variables
//! included. Any input, however broken, gives an [`ImportError`] or an import, never a panic.

pub mod command;
mod datasource;
mod field;
mod layout;
mod panel;
mod promql;
mod toml_out;
mod value;
mod vars;

pub use toml_out::to_toml;

use crate::config::{Dashboard, Dur};
use serde_json::Value;
use std::time::Duration;

/// What an import gives: the dashboard and what was approximated on the way.
#[derive(Debug, Clone)]
pub struct Imported {
    pub dashboard: Dashboard,
    pub report: Vec<Note>,
}

/// One approximation: the panel it concerns (`None`: the dashboard as a whole) and what was done.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub panel: Option<String>,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.panel {
            Some(p) => write!(f, "panel `{}`: {}", crate::sanitize::sanitize(p), self.message),
            None => write!(f, "dashboard: {}", self.message),
        }
    }
}

/// Why a file could not be imported at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImportError {
    /// Not JSON, or cut short.
    #[error("not valid JSON: {message} (line {line}, col {col}); export the dashboard again from Grafana (Share → Export → Save to file)")]
    Json { message: String, line: usize, col: usize },
    /// JSON, but not a dashboard.
    #[error(
        "not a Grafana dashboard: {why} (line 1, col 1); export it from Grafana with Share → Export → Save to file"
    )]
    NotADashboard { why: String },
}

impl ImportError {
    fn json(e: serde_json::Error) -> ImportError {
        let message = match e.classify() {
            serde_json::error::Category::Eof => "the file ends in the middle of the JSON (truncated?)".to_string(),
            _ => {
                // serde_json appends " at line L column C"; the position is given separately.
                let s = e.to_string();
                s.split(" at line ").next().unwrap_or(&s).to_string()
            }
        };
        ImportError::Json { message, line: e.line(), col: e.column() }
    }
}

/// What the conversion of one dashboard collects besides the panels.
pub(crate) struct Ctx {
    pub notes: Vec<Note>,
    pub ds: datasource::Resolver,
}

impl Ctx {
    pub fn note(&mut self, panel: &str, message: impl Into<String>) {
        self.notes.push(Note { panel: Some(panel.to_string()), message: message.into() });
    }
    pub fn dash_note(&mut self, message: impl Into<String>) {
        self.notes.push(Note { panel: None, message: message.into() });
    }
}

/// Import a Grafana dashboard's JSON.
pub fn import(json: &str) -> Result<Imported, ImportError> {
    let root: Value = serde_json::from_str(json).map_err(ImportError::json)?;
    let Some(top) = root.as_object() else {
        return Err(ImportError::NotADashboard { why: "the top level is not an object ({…})".into() });
    };
    let dash = match top.get("dashboard") {
        Some(d @ Value::Object(_)) => d,
        _ => &root,
    };
    let has_list = |k: &str| dash.get(k).is_some_and(Value::is_array);
    if !has_list("panels") && !has_list("rows") {
        let why = match (dash.get("panels"), dash.get("rows")) {
            (Some(_), _) => "`panels` is not a list",
            (_, Some(_)) => "`rows` is not a list",
            _ => "no `panels` or `rows`",
        };
        return Err(ImportError::NotADashboard { why: why.into() });
    }
    let mut ctx = Ctx { notes: Vec::new(), ds: datasource::Resolver::new(dash) };
    if let Some(v) = dash.get("schemaVersion").and_then(Value::as_f64) {
        if !(16.0..=39.0).contains(&v) {
            ctx.dash_note(format!(
                "schema version {v} is outside 16–39, the versions this import knows; check the result"
            ));
        }
    }
    let name = match value::str_of(dash, "title").map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => {
            ctx.dash_note("the dashboard has no title; named `Grafana`");
            "Grafana".to_string()
        }
    };
    let variables = vars::convert(dash, &mut ctx);
    let panels = layout::panels(dash, &mut ctx);
    if panels.is_empty() {
        return Err(ImportError::NotADashboard {
            why: "the dashboard has no panels, so there is nothing to import".into(),
        });
    }
    let dashboard = Dashboard {
        name,
        grafana: None,
        refresh: refresh(dash, &mut ctx),
        time_range: time_range(dash, &mut ctx),
        variables,
        panels,
    };
    Ok(Imported { dashboard, report: ctx.notes })
}

/// `refresh: "30s"` (empty or `false`: off, so the settings' refresh applies).
fn refresh(dash: &Value, ctx: &mut Ctx) -> Option<Dur> {
    let r = value::str_of(dash, "refresh")?.trim();
    if r.is_empty() {
        return None;
    }
    match crate::config::parse_duration(r) {
        Ok(d) => Some(Dur(d)),
        Err(_) => {
            ctx.dash_note(format!("refresh `{r}` is not a duration; the settings' refresh applies"));
            None
        }
    }
}

/// `time: {from: "now-6h", to: "now"}` → 6h.
fn time_range(dash: &Value, ctx: &mut Ctx) -> Option<Dur> {
    let time = dash.get("time")?;
    let from = value::str_of(time, "from")?.trim();
    if let Some(to) = value::str_of(time, "to").map(str::trim).filter(|t| *t != "now") {
        ctx.dash_note(format!("the time range ends at `{to}`; centinela's ranges end now"));
    }
    let span = from.strip_prefix("now-")?;
    let (span, rounded) = match span.split_once('/') {
        Some((s, _)) => (s, true),
        None => (span, false),
    };
    if rounded {
        ctx.dash_note(format!("time range `{from}` is rounded in Grafana; taken as the last {span}"));
    }
    let d = crate::config::parse_duration(span).ok()?;
    // The ladder of ranges goes up to weeks; more than a year is surely a mistake.
    Some(Dur(d.min(Duration::from_secs(366 * 86400))))
}
