//! Environments: the one shown, the others one key away (the picker), whether writes are refused and
//! why, and the switches made so far (what an incident timeline shows).

use super::State;
use crate::action::EnvSwitch;
use crate::config::{Config, Environment};
use std::sync::Arc;

/// How many switches are kept (oldest dropped first).
pub const MAX_SWITCHES: usize = 100;

/// Everything about environments that is not the current environment's data.
#[derive(Debug, Clone, Default)]
pub struct EnvsState {
    /// The config the state was built from: the environments to switch between, and what a switch
    /// resets the environment's parts to. The engine rebuilds the clients from it too.
    pub config: Arc<Config>,
    /// `--read-only` or `settings.read_only`: every environment refuses writes.
    pub global_read_only: bool,
    /// The environment picker, when open: its highlighted row (an index into the environments).
    pub picker: Option<usize>,
    /// Answers to requests issued before this generation belong to an environment left since: they
    /// are dropped, however late they arrive.
    pub floor: u64,
    /// Silence writes with an id below this were sent in an environment left since.
    pub write_floor: u64,
    /// The switches so far, oldest first, at most [`MAX_SWITCHES`].
    pub switches: Vec<EnvSwitch>,
}

impl EnvsState {
    /// For `config`, showing nothing switched yet.
    pub fn new(config: &Config) -> EnvsState {
        EnvsState {
            config: Arc::new(config.clone()),
            global_read_only: config.settings.read_only,
            ..EnvsState::default()
        }
    }

    /// The configured environments, in config order.
    pub fn list(&self) -> &[Environment] {
        &self.config.environments
    }
}

impl State {
    /// Whether writes (silences, acknowledgements, runbook actions) are refused here: `--read-only`,
    /// `settings.read_only` or the environment's `read_only`. The one flag lives in the alerts state.
    pub fn read_only(&self) -> bool {
        self.alerts.read_only
    }

    /// Why writes are refused, in words for a status message; `None` when they are not.
    pub fn read_only_reason(&self) -> Option<String> {
        if !self.read_only() {
            return None;
        }
        Some(if self.envs.global_read_only {
            "started with --read-only or settings.read_only = true".to_string()
        } else if self.environment().is_some_and(|e| e.read_only) {
            format!("environment `{}` is read_only = true in the config", self.env_name)
        } else {
            "read-only mode".to_string()
        })
    }

    /// The current environment's config entry.
    pub fn environment(&self) -> Option<&Environment> {
        self.envs.list().iter().find(|e| e.name == self.env_name)
    }
}
