//! The health view's state: per target, the last verdict, latency history, consecutive failures,
//! when its level last changed, and its certificate; plus polling bookkeeping.

use crate::action::FetchError;
use crate::config::HealthTarget;
use crate::health::{Level, Verdict};
use crate::sources::tls::CertInfo;
use std::collections::VecDeque;

/// Latency samples kept for the sparkline.
pub const LATENCY_HISTORY: usize = 60;

#[derive(Debug, Clone, PartialEq)]
pub struct TargetState {
    pub spec: HealthTarget,
    pub verdict: Option<Verdict>,
    /// When the last answer (good or bad) arrived.
    pub at_ms: i64,
    pub latency_ms: VecDeque<f64>,
    /// Checks in a row that were not ok.
    pub failures: u32,
    /// When the level last changed (ms), for "down for 3m".
    pub since_ms: i64,
    /// The certificate of an `https` target, or why it could not be read.
    pub cert: Option<Result<CertInfo, FetchError>>,
    /// When the certificate was last asked for.
    pub cert_checked_ms: Option<i64>,
    pub next_due_ms: i64,
    pub in_flight: bool,
    pub issued: u64,
}

impl TargetState {
    pub fn new(spec: HealthTarget) -> TargetState {
        TargetState {
            spec,
            verdict: None,
            at_ms: 0,
            latency_ms: VecDeque::with_capacity(LATENCY_HISTORY),
            failures: 0,
            since_ms: 0,
            cert: None,
            cert_checked_ms: None,
            next_due_ms: 0,
            in_flight: false,
            issued: 0,
        }
    }

    pub fn level(&self) -> Level {
        self.verdict.as_ref().map_or(Level::Unknown, |v| v.level)
    }

    /// Stale: no answer for three intervals (the checker itself is stuck or the app was suspended).
    pub fn stale(&self, now_ms: i64, interval_ms: i64) -> bool {
        self.verdict.is_some() && now_ms - self.at_ms > 3 * interval_ms
    }

    pub fn https(&self) -> bool {
        self.spec.url.starts_with("https://")
    }

    /// Days until the certificate expires, if it was read.
    pub fn cert_days(&self, now_ms: i64) -> Option<i64> {
        match &self.cert {
            Some(Ok(c)) => Some(crate::sources::tls::days_left(c, now_ms)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct HealthState {
    pub targets: Vec<TargetState>,
    /// Default check interval (ms) for targets without their own.
    pub interval_ms: i64,
    pub selected: usize,
}

impl HealthState {
    pub fn new(targets: &[HealthTarget], interval_ms: i64) -> HealthState {
        HealthState { targets: targets.iter().cloned().map(TargetState::new).collect(), interval_ms, selected: 0 }
    }

    pub fn interval_of(&self, t: &TargetState) -> i64 {
        t.spec.interval.map_or(self.interval_ms, |d| d.0.as_millis() as i64)
    }

    /// Every target has answered once (what `snapshot --view health` waits for).
    pub fn settled(&self) -> bool {
        self.targets.iter().all(|t| t.verdict.is_some() && (!t.https() || t.cert.is_some()))
    }
}
