//! Incidents on screen and in memory: every incident known (those read back at start-up and those
//! opened since), what the tracker has already written down, and the note being typed.

use crate::config::IncidentsSettings;
use crate::health::Level;
use crate::incidents::Incident;
use crate::state::text::LineEdit;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Default)]
pub struct IncidentsState {
    pub settings: IncidentsSettings,
    /// Oldest first.
    pub list: Vec<Incident>,
    /// Silence markers already in a timeline (`id:created`, `id:expired`).
    pub silences_seen: HashSet<String>,
    /// Each health target's last level, to record changes.
    pub health_levels: HashMap<String, Level>,
    /// The note being typed, if the note prompt is open.
    pub note: Option<LineEdit>,
    /// Selected row of the incidents view (index into `list`, newest first on screen).
    pub selected: usize,
    /// Problems reading the stored incidents (named files left as they are).
    pub problems: Vec<String>,
}

impl IncidentsState {
    pub fn new(settings: IncidentsSettings, list: Vec<Incident>) -> IncidentsState {
        IncidentsState { settings, list, ..Default::default() }
    }

    /// The open incident of environment `env`, if any.
    pub fn open(&self, env: &str) -> Option<&Incident> {
        self.list.iter().rev().find(|i| i.environment == env && i.is_open())
    }

    pub fn get(&self, id: &str) -> Option<&Incident> {
        self.list.iter().find(|i| i.id == id)
    }
}
