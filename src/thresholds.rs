//! Thresholds: which semantic colour role a value gets.

use crate::theme::Role;
use serde::{Deserialize, Serialize};

/// One step: values at or above `at` take `role`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub at: f64,
    pub role: Role,
}

/// Grafana-style absolute thresholds: a base role, then ascending steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default = "default_base")]
    pub base: Role,
    #[serde(default)]
    pub steps: Vec<Step>,
}

fn default_base() -> Role {
    Role::Ok
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { base: Role::Text, steps: Vec::new() }
    }
}

impl Thresholds {
    /// The role for `v`: the last step whose `at` is ≤ `v` (steps need not be sorted), else the base.
    /// NaN has no meaningful threshold and is shown muted.
    pub fn role_for(&self, v: f64) -> Role {
        if v.is_nan() {
            return Role::Muted;
        }
        let mut best: Option<&Step> = None;
        for s in &self.steps {
            if v >= s.at && best.is_none_or(|b| s.at >= b.at) {
                best = Some(s);
            }
        }
        best.map(|s| s.role).unwrap_or(self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(base: Role, steps: &[(f64, Role)]) -> Thresholds {
        Thresholds { base, steps: steps.iter().map(|&(at, role)| Step { at, role }).collect() }
    }

    #[test]
    fn ascending_steps() {
        let th = t(Role::Ok, &[(1.0, Role::Warn), (5.0, Role::Critical)]);
        assert_eq!(th.role_for(0.5), Role::Ok);
        assert_eq!(th.role_for(1.0), Role::Warn);
        assert_eq!(th.role_for(4.99), Role::Warn);
        assert_eq!(th.role_for(5.0), Role::Critical);
        assert_eq!(th.role_for(f64::INFINITY), Role::Critical);
        assert_eq!(th.role_for(f64::NEG_INFINITY), Role::Ok);
        assert_eq!(th.role_for(f64::NAN), Role::Muted);
    }

    #[test]
    fn inverted_thresholds_like_uptime() {
        let th = t(Role::Critical, &[(99.9, Role::Ok), (99.5, Role::Warn)]);
        assert_eq!(th.role_for(98.0), Role::Critical);
        assert_eq!(th.role_for(99.6), Role::Warn);
        assert_eq!(th.role_for(99.95), Role::Ok);
    }
}
