//! The in-memory guard rails: read-only mode, a typed confirmation for dangerous actions, one run at a
//! time per (action, target), and a cooldown after each run. Time comes in as milliseconds, so every
//! rule is testable without waiting.

use crate::actions::audit::Confirmation;
use std::collections::HashMap;
use std::time::Duration;

/// What the config says about one action, as far as the guards are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// How long after a run ends the same action on the same target is refused.
    pub cooldown: Duration,
    /// Only run after the user typed the environment's name.
    pub dangerous: bool,
    /// The environment says `read_only = true`.
    pub read_only: bool,
}

/// Which runs are going on and when each (action, target) last ended. One per app, shared by every
/// attempt (see [`super::Runner`]).
#[derive(Debug, Default)]
pub struct Guards {
    /// `--read-only` (or the settings' `read_only`).
    read_only: bool,
    /// (action, target) → when its run started.
    running: HashMap<(String, String), u64>,
    /// (action, target) → when its last run ended.
    ended: HashMap<(String, String), u64>,
}

impl Guards {
    pub fn new(read_only: bool) -> Guards {
        Guards { read_only, ..Guards::default() }
    }

    /// Why `action` on `target` may not start now, if it may not.
    pub fn check(
        &self,
        action: &str,
        target: &str,
        environment: &str,
        confirmation: &Confirmation,
        policy: &Policy,
        now_ms: u64,
    ) -> Result<(), String> {
        if self.read_only || policy.read_only {
            return Err("read-only: centinela was started with --read-only (or the environment says read_only = \
                        true); actions are refused"
                .into());
        }
        if policy.dangerous && *confirmation != Confirmation::Typed(environment.to_string()) {
            return Err(format!(
                "{action} is marked dangerous: it runs only after the environment's name `{environment}` is typed"
            ));
        }
        let key = (action.to_string(), target.to_string());
        if let Some(&started) = self.running.get(&key) {
            let ago = duration_words(now_ms.saturating_sub(started) / 1000);
            return Err(format!("{action} on {target} is already running (started {ago} ago)"));
        }
        if let Some(&ended) = self.ended.get(&key) {
            let since = now_ms.saturating_sub(ended);
            let cooldown = policy.cooldown.as_millis() as u64;
            if since < cooldown {
                return Err(format!(
                    "{action} on {target} ran {} ago; cooldown {}, try again in {}",
                    duration_words(since / 1000),
                    duration_words(cooldown.div_ceil(1000)),
                    duration_words((cooldown - since).div_ceil(1000)),
                ));
            }
        }
        Ok(())
    }

    /// [`Guards::check`], then mark the run as going on until [`Guards::end`] or [`Guards::abandon`].
    pub fn begin(
        &mut self,
        action: &str,
        target: &str,
        environment: &str,
        confirmation: &Confirmation,
        policy: &Policy,
        now_ms: u64,
    ) -> Result<(), String> {
        self.check(action, target, environment, confirmation, policy, now_ms)?;
        self.running.insert((action.to_string(), target.to_string()), now_ms);
        Ok(())
    }

    /// The run ended (however): the cooldown starts now.
    pub fn end(&mut self, action: &str, target: &str, now_ms: u64) {
        let key = (action.to_string(), target.to_string());
        self.running.remove(&key);
        self.ended.insert(key, now_ms);
    }

    /// The run never started (its audit record could not be written): no cooldown.
    pub fn abandon(&mut self, action: &str, target: &str) {
        self.running.remove(&(action.to_string(), target.to_string()));
    }

    /// The (action, target) pairs running now, with when each started.
    pub fn running(&self) -> impl Iterator<Item = (&str, &str, u64)> {
        self.running.iter().map(|((a, t), &since)| (a.as_str(), t.as_str(), since))
    }
}

/// `12 s`, `2m`, `1m20s`, `1h5m`: short, and what the messages above read best with.
pub fn duration_words(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s}s"),
        (h, 0, _) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m}m"),
    }
}

#[cfg(test)]
#[path = "guards_tests.rs"]
mod tests;
