//! The `[incidents]` section: when an incident opens on its own, and the targets its numbers are
//! held against.

use super::Dur;
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentsSettings {
    /// An alert whose `severity` ranks at or above this one (in `alerts.severity_order`) opens an
    /// incident when it starts firing; later alerts of any severity join the open incident.
    pub open_severity: String,
    /// A later alert below `open_severity` joins the open incident only when one of these labels has
    /// the value it has on an alert already in it (the same service's other alerts); empty: every
    /// alert that starts during the incident joins.
    pub group_by: Vec<String>,
    /// The mean time to resolve aimed at (the Mini Market's operations plan: under 30 minutes).
    pub mttr_target: Dur,
    /// The mean time to acknowledge aimed at, if there is one.
    pub mtta_target: Option<Dur>,
}

impl Default for IncidentsSettings {
    fn default() -> Self {
        IncidentsSettings {
            open_severity: "critical".into(),
            group_by: vec!["service".into()],
            mttr_target: Dur(Duration::from_secs(30 * 60)),
            mtta_target: None,
        }
    }
}
