//! What the header's REPLAY banner shows while `centinela replay` plays a recording (see
//! [`crate::replay`]). `None` in a live session.

/// Where a replay stands.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplayInfo {
    /// The recording's clock: when the last action applied was recorded (ms since the Unix epoch).
    pub clock_ms: i64,
    /// Playback speed (1 = as recorded).
    pub speed: f64,
    pub paused: bool,
    /// Every recorded action has been applied.
    pub ended: bool,
}

impl ReplayInfo {
    /// `×4`, `×0.5`: the speed as the banner writes it.
    pub fn speed_label(&self) -> String {
        if self.speed.fract() == 0.0 {
            format!("×{}", self.speed as u64)
        } else {
            format!("×{}", self.speed)
        }
    }

    /// `▶` playing, `❚❚` paused, `■` at the end.
    pub fn symbol(&self) -> &'static str {
        if self.ended {
            "■ end"
        } else if self.paused {
            "❚❚"
        } else {
            "▶"
        }
    }
}
