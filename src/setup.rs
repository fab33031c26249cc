//! Turning command-line options into a ready engine: config (embedded demo profile or a file),
//! environment, theme, keymap and, for `--demo`, the embedded servers.
//! Layering: embedded defaults < config file < command-line flags.

mod clients;
pub use clients::{fetcher_for, EnvFetcher};

use crate::cli::Common;
use crate::config::{self, Config, PromSource};
use crate::demo::{DemoHandle, DemoOptions};
use crate::engine::Engine;
use crate::keymap::Keymap;
use crate::paths::{read_optional, Paths};
use crate::poll::now_ms;
use crate::state::State;
use crate::theme::{Theme, ThemeSet};
use anyhow::{anyhow, Context};
use std::time::Duration;

pub mod demo_actions;

/// The Mini Market profile, embedded for `--demo`.
pub const DEMO_PROFILE: &str = include_str!("../examples/minimarket.toml");

pub struct Loaded {
    pub config: Config,
    /// The environment shown at start (`--environment`, else `settings.default_environment`, else the first).
    pub env_name: String,
    /// The config file loaded (`None` for the embedded demo profile), for the security warnings.
    pub config_path: Option<std::path::PathBuf>,
    /// A CA to trust besides the web roots (the demo's generated one).
    pub extra_ca: Option<Vec<u8>>,
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
/// incident shows within a minute, pointed at the embedded servers; its runbook actions go to the
/// simulated deployer instead of `docker` and the stack's scripts (see `setup/demo_actions.rs`). Every
/// environment of the profile (production and staging) points at the same embedded servers: there is
/// one simulated stack, and switching (key E) shows the look and the flow of a switch, not other data.
pub fn demo_config(demo: &DemoHandle) -> anyhow::Result<Config> {
    let mut c = config::load_str("examples/minimarket.toml (embedded)", DEMO_PROFILE).map_err(ConfigProblems)?;
    let health = demo_health(demo);
    for e in &mut c.environments {
        e.prometheus.url = demo.prometheus_url.clone();
        e.alertmanagers = demo.alertmanager_urls.iter().map(PromSource::new).collect();
        e.health = health.clone();
        let headers = e.loki.take().map(|l| l.headers).unwrap_or_default();
        e.loki = Some(PromSource { headers, ..PromSource::new(&demo.loki_url) });
    }
    demo_actions::rewire(&mut c, demo)?;
    c.alerts.refresh = config::Dur(Duration::from_secs(5));
    c.settings.health_interval = config::Dur(Duration::from_secs(5));
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
    let mut config_path = None;
    let (config, demo) = if common.demo {
        // CENTINELA_DEMO_OFFSET=60s starts the scripted incident that far in the past (screenshots).
        let offset = std::env::var("CENTINELA_DEMO_OFFSET")
            .ok()
            .and_then(|s| config::parse_duration(&s).ok())
            .map_or(0, |d| d.as_millis() as i64);
        // CENTINELA_DEMO_LOOP / CENTINELA_DEMO_FLAP: the incident on repeat, flapping backends (soak runs).
        let soak = crate::demo::Soak::from_env();
        let handle = crate::demo::start_with(DemoOptions { start_unix_ms: now_ms() - offset, frozen: false }, soak)
            .await
            .context("cannot start the demo's loopback servers")?;
        (demo_config(&handle)?, Some(handle))
    } else {
        let file = common.config.clone().unwrap_or_else(|| paths.config_file());
        if !file.exists() {
            return Err(anyhow!(
                "no config file at {}\n  hint: try `centinela --demo`, or copy examples/minimarket.toml there and set your Prometheus URL",
                file.display()
            ));
        }
        let config = config::load_file(&file).map_err(ConfigProblems)?;
        config_path = Some(file);
        (config, None)
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
    let (theme, keymap) = look(&paths, &common.theme.clone().unwrap_or_else(|| config.settings.theme.clone()))?;
    let mut config = config;
    config.settings.read_only |= common.read_only;
    if config.settings.low_bandwidth || common.low_bandwidth {
        config.apply_low_bandwidth();
    }
    Ok(Loaded {
        env_name: env.name.clone(),
        config_path,
        extra_ca: demo.as_ref().map(|d| d.ca_pem.clone().into_bytes()),
        config,
        theme,
        keymap,
        paths,
        demo,
    })
}

/// The theme `theme_name` (plain when `NO_COLOR` is set) and the keymap (the user's file over the
/// embedded defaults).
pub fn look(paths: &Paths, theme_name: &str) -> anyhow::Result<(Theme, Keymap)> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let theme = ThemeSet::load(Some(&paths.themes_dir())).resolve(theme_name, no_color)?;
    let keymap_path = paths.keymap_file();
    let user_keys = read_optional(&keymap_path).with_context(|| format!("cannot read {}", keymap_path.display()))?;
    let keymap = Keymap::load(user_keys.as_deref().map(|t| (keymap_path.to_str().unwrap_or("keymap.toml"), t)))?;
    Ok((theme, keymap))
}

impl Loaded {
    /// The session's recorder: into `file` (`--record`) and into the ring when `[recording]
    /// ring_hours` is set; `None` when neither is asked for. Call it once the engine's state is set up
    /// (the recording's header is taken from it).
    pub fn recorder(
        &self,
        state: &State,
        file: Option<&std::path::Path>,
    ) -> anyhow::Result<Option<crate::record::Recorder>> {
        use crate::record::{ring_dir, Recorder, Target};
        let mut targets: Vec<Target> = file.map(|f| Target::File(f.to_path_buf())).into_iter().collect();
        let hours = self.config.recording.ring_hours;
        if hours > 0 {
            targets.push(Target::Ring { dir: ring_dir(&self.paths.state_dir), hours });
        }
        if targets.is_empty() {
            return Ok(None);
        }
        Ok(Some(Recorder::start(state, targets)?))
    }

    /// The engine for the start-up environment. It keeps the config (in its state) and the extra CA,
    /// so it can build another environment's clients when the engineer switches.
    pub fn engine(&self) -> Engine {
        let production = self.config.environments.iter().any(|e| e.name == self.env_name && e.production);
        let mut state = State::new(&self.config, &self.env_name, production, now_ms());
        state.demo = self.demo.is_some();
        state.alerts.created_by = crate::alerts::silence::default_created_by();
        state.actions.origin = crate::actions::audit::Origin::detect();
        state.actions.secrets = self.secrets();
        let (incidents, problems) = crate::incidents::store::load_all(&self.incidents_dir());
        for p in &problems {
            tracing::warn!(problem = %p, "incident file not read");
        }
        state.incidents.list = incidents;
        state.incidents.problems = problems;
        state.warnings = security_warnings(&self.config, self.config_path.as_deref(), &self.env_name);
        let mut engine = Engine::new(state, Err("not connected yet".into()), 1);
        engine.extra_ca = self.extra_ca.clone().map(std::sync::Arc::from);
        if let Some(env) = self.config.environments.iter().find(|e| e.name == self.env_name) {
            let built = fetcher_for(env, self.extra_ca.as_deref(), engine.tx.clone());
            engine.fetcher = built.fetcher;
            if let Some(why) = built.loki_error {
                engine.state.logs.unavailable = Some(format!("Loki: {why}"));
            }
        }
        engine.keymap = self.keymap.clone();
        engine
    }

    /// The runner of runbook actions, writing the audit trail in the state dir (the demo's own file
    /// with `--demo`), or why there can be none.
    pub fn runner(&self) -> Result<crate::actions::attempt::Runner, String> {
        crate::actions::setup::runner(
            &self.paths.audit_file_for(self.demo.is_some()),
            &self.config.actions,
            self.config.settings.read_only,
            &self.secrets(),
        )
    }

    /// Where incidents are kept: the demo's own folder with `--demo`.
    pub fn incidents_dir(&self) -> std::path::PathBuf {
        self.paths.incidents_dir_for(self.demo.is_some())
    }

    /// Where `{secret.NAME}` values come from: the process environment, or the demo's own.
    pub fn secrets(&self) -> crate::actions::template::Secrets {
        match self.demo {
            Some(_) => demo_actions::demo_secrets(),
            None => crate::actions::template::Secrets::Env,
        }
    }
}

/// The security warnings worth showing while `env_name` is on screen: every secret readable by group
/// or others, and TLS verification turned off in this environment (another environment's is listed by
/// `centinela check-config`). Each is also logged.
pub fn security_warnings(config: &Config, config_path: Option<&std::path::Path>, env_name: &str) -> Vec<String> {
    config::secrets::security_findings(config, config_path)
        .into_iter()
        .filter(|f| f.concern != config::secrets::Concern::TlsOff || f.env.as_deref() == Some(env_name))
        .map(|f| {
            tracing::warn!(warning = %f.text, "security");
            f.text
        })
        .collect()
}

/// The fetcher's view of the health targets: a client each (or why not) and what the
/// certificate check needs. A CA file that cannot be read is reported as the target's error.
pub fn health_checks(
    targets: &[crate::config::HealthTarget],
    extra_ca: Option<&[u8]>,
) -> Vec<crate::poll::HealthCheck> {
    targets
        .iter()
        .map(|t| {
            let mut ca_pem = extra_ca.map(<[u8]>::to_vec);
            if let Some(Ok(pem)) = t.ca_file.as_ref().map(std::fs::read) {
                ca_pem.get_or_insert_with(Vec::new).extend(pem);
            }
            crate::poll::HealthCheck {
                // A CA file that cannot be read is the client's error, shown as the target's.
                client: crate::sources::health::HealthClient::with_ca(t, extra_ca),
                url: t.url.clone(),
                timeout: t.timeout.0,
                ca_pem,
                metrics_url: t.metrics_url.clone(),
            }
        })
        .collect()
}

/// The demo's health targets: each simulated service's `/health` and `/metrics`, the token where
/// one is needed (a header here, since the demo has no secret store; use `bearer_token_env` or
/// `bearer_token_file` for real ones).
pub fn demo_health(demo: &DemoHandle) -> Vec<config::HealthTarget> {
    demo.services
        .iter()
        .map(|s| {
            let mut t = config::HealthTarget::new(s.job, &s.health_url);
            t.metrics_url = Some(s.metrics_url.clone());
            if s.job == crate::sim::services::AUTH_JOB {
                t.headers.insert("Authorization".into(), format!("Bearer {}", crate::sim::services::DEMO_TOKEN));
            }
            if s.job == crate::sim::tls_service::JOB {
                t.url = demo.tls_health_url.clone();
            }
            t
        })
        .collect()
}
