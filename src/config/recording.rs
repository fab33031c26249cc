//! The `[recording]` section: the always-on ring recording of the last hours (see [`crate::record`]).

use serde::{Deserialize, Serialize};

/// The longest ring allowed: 30 days of hourly files.
pub const MAX_RING_HOURS: u32 = 720;

/// Session recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordingSettings {
    /// Keep a recording of the last this many hours in `<state dir>/recordings/` (hourly files, older
    /// ones deleted); 0, the default, turns the ring off. `--record FILE` records regardless.
    pub ring_hours: u32,
}
