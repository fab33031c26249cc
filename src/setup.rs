//! Turning command-line options into a ready engine: config (embedded demo profile or a file),
//! environment, theme, keymap and, for `--demo`, the embedded servers.
//! Layering: embedded defaults < config file < command-line flags.

use crate::cli::Common;
use crate::config::{self, Config, PromSource};
use crate::demo::{DemoHandle, DemoOptions};
use crate::engine::Engine;
use crate::keymap::Keymap;
use crate::paths::{read_optional, Paths};
use crate::poll::now_ms;
use crate::sources::alertmanager::AmClient;
use crate::sources::prometheus::PromClient;
use crate::state::State;
use crate::theme::{Theme, ThemeSet};
use anyhow::{anyhow, Context};
use std::time::Duration;

/// The Mini Market profile, embedded for `--demo`.
pub const DEMO_PROFILE: &str = include_str!("../examples/minimarket.toml");

pub struct Loaded {
    pub config: Config,
    pub env_name: String,
    pub production: bool,
    pub source: PromSource,
    pub alertmanagers: Vec<PromSource>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub paths: Paths,
    /// Keeps the demo servers alive.
    pub demo: Option<DemoHandle>,
}

/// A config error that is already worded for the user (every problem, located).
#[derive(Debug)]
pub struct ConfigProblems(pub Vec<config::Problem>);

impl std::fmt::Display for ConfigProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for p in &self.0 {
            writeln!(f, "{p}")?;
        }
        write!(f, "{} problem(s) in the config; `centinela check-config FILE` checks it again", self.0.len())
    }
}
impl std::error::Error for ConfigProblems {}

/// The demo's config: the Mini Market profile, faster refreshes and shorter ranges so the scripted
/// incident shows within a minute, pointed at the embedded servers.
pub fn demo_config(prometheus_url: &str, alertmanager_urls: &[String]) -> anyhow::Result<Config> {
    let mut c = config::load_str("examples/minimarket.toml (embedded)", DEMO_PROFILE).map_err(ConfigProblems)?;
    for e in &mut c.environments {
        e.prometheus.url = prometheus_url.to_string();
        e.alertmanagers = alertmanager_urls.iter().map(PromSource::new).collect();
    }
    c.alerts.refresh = config::Dur(Duration::from_secs(5));
    let fast = config::Dur(Duration::from_secs(5));
    c.settings.refresh = fast;
    for d in &mut c.dashboards {
        d.refresh = Some(d.refresh.map_or(fast, |r| r.min(fast)));
        d.time_range = Some(config::Dur(Duration::from_secs(15 * 60)));
    }
    Ok(c)
}

pub async fn load(common: &Common) -> anyhow::Result<Loaded> {
    let paths = Paths::resolve().map_err(|e| anyhow!(e))?;
    let (config, demo) = if common.demo {
        // CENTINELA_DEMO_OFFSET=60s starts the scripted incident that far in the past (screenshots).
        let offset = std::env::var("CENTINELA_DEMO_OFFSET")
            .ok()
            .and_then(|s| config::parse_duration(&s).ok())
            .map_or(0, |d| d.as_millis() as i64);
        let handle = crate::demo::start(DemoOptions { start_unix_ms: now_ms() - offset, frozen: false })
            .await
            .context("cannot start the demo's loopback servers")?;
        (demo_config(&handle.prometheus_url, &handle.alertmanager_urls)?, Some(handle))
    } else {
        let file = common.config.clone().unwrap_or_else(|| paths.config_file());
        if !file.exists() {
            return Err(anyhow!(
                "no config file at {}\n  hint: try `centinela --demo`, or copy examples/minimarket.toml there and set your Prometheus URL",
                file.display()
            ));
        }
        (config::load_file(&file).map_err(ConfigProblems)?, None)
    };
    let env = config
        .environment(common.environment.as_deref())
        .ok_or_else(|| {
            let names: Vec<&str> = config.environments.iter().map(|e| e.name.as_str()).collect();
            anyhow!(
                "no environment named `{}`; defined: {}",
                common.environment.as_deref().unwrap_or("?"),
                names.join(", ")
            )
        })?
        .clone();
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme_name = common.theme.clone().unwrap_or_else(|| config.settings.theme.clone());
    let theme = ThemeSet::load(Some(&paths.themes_dir())).resolve(&theme_name, no_color)?;
    let keymap_path = paths.keymap_file();
    let user_keys = read_optional(&keymap_path).with_context(|| format!("cannot read {}", keymap_path.display()))?;
    let keymap = Keymap::load(user_keys.as_deref().map(|t| (keymap_path.to_str().unwrap_or("keymap.toml"), t)))?;
    let mut config = config;
    config.settings.read_only |= common.read_only;
    Ok(Loaded {
        env_name: env.name.clone(),
        production: env.production,
        source: env.prometheus,
        alertmanagers: env.alertmanagers,
        config,
        theme,
        keymap,
        paths,
        demo,
    })
}

impl Loaded {
    pub fn engine(&self) -> Engine {
        let mut state = State::new(&self.config, &self.env_name, self.production, now_ms());
        state.demo = self.demo.is_some();
        state.alerts.created_by = crate::alerts::silence::default_created_by();
        let mut engine = Engine::new(state, PromClient::new(&self.source), self.source.max_in_flight);
        engine.fetcher.set_alertmanagers(self.alertmanagers.iter().map(AmClient::new).collect());
        engine.keymap = self.keymap.clone();
        engine
    }
}
