//! The application state. Plain data, owned by the runtime loop, changed only by [`crate::update`].

pub mod actions;
pub mod alerts;
pub mod envs;
pub mod health;
pub mod incidents;
pub mod logs;
pub mod replay;
pub mod text;
pub mod vars;

use crate::action::{FetchError, QueryKey};
use crate::config::{Config, Dashboard};
use crate::sources::prometheus::QueryData;
use std::time::Duration;

/// Where one query's data stands. Staleness is state, errors are data.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Slot {
    /// Nothing has arrived yet.
    #[default]
    Loading,
    Ready {
        data: QueryData,
        at_ms: i64,
    },
    /// The last fetch failed; the last good data (if any) stays on screen.
    Failed {
        error: FetchError,
        at_ms: i64,
        last_good: Option<(QueryData, i64)>,
    },
}

impl Slot {
    /// The data to draw and when it arrived, good or last-good.
    pub fn data(&self) -> Option<(&QueryData, i64)> {
        match self {
            Slot::Ready { data, at_ms } => Some((data, *at_ms)),
            Slot::Failed { last_good: Some((d, at)), .. } => Some((d, *at)),
            _ => None,
        }
    }

    pub fn error(&self) -> Option<&FetchError> {
        match self {
            Slot::Failed { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Polling bookkeeping for one query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryState {
    pub slot: Slot,
    /// When the next fetch is due (ms since epoch); 0 = now.
    pub next_due_ms: i64,
    /// Generation of the newest request issued and not yet answered.
    pub in_flight: Option<u64>,
    /// Generation of the newest request issued.
    pub issued: u64,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct PanelState {
    pub queries: Vec<QueryState>,
}

impl PanelState {
    /// The age (ms) of the oldest data drawn, if any data is drawn.
    pub fn oldest_data_ms(&self) -> Option<i64> {
        self.queries.iter().filter_map(|q| q.slot.data().map(|(_, at)| at)).min()
    }

    /// The first error among the queries.
    pub fn error(&self) -> Option<&FetchError> {
        self.queries.iter().find_map(|q| q.slot.error())
    }

    pub fn loading(&self) -> bool {
        self.queries.iter().all(|q| matches!(q.slot, Slot::Loading))
    }
}

#[derive(Debug, Clone)]
pub struct DashState {
    pub spec: Dashboard,
    pub refresh: Duration,
    /// Index into `State::time_ranges`.
    pub range_idx: usize,
    pub focus: usize,
    pub panels: Vec<PanelState>,
    /// The dashboard's variables: choices and selection.
    pub vars: vars::VarsState,
}

/// A transient message in the status line.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusMsg {
    pub text: String,
    pub at_ms: i64,
    pub error: bool,
}

/// What the body of the screen shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Page {
    #[default]
    Dashboards,
    Alerts,
    Health,
    Logs,
    /// Incidents: the list with their numbers, and the selected one's timeline.
    Incidents,
}

#[derive(Debug, Clone)]
pub struct State {
    pub page: Page,
    pub alerts: alerts::AlertsState,
    pub health: health::HealthState,
    pub logs: logs::LogsState,
    /// Runbook actions: the menu, the confirmation, the runs and their output.
    pub actions: actions::ActionsState,
    /// Incidents: their timelines and numbers.
    pub incidents: incidents::IncidentsState,
    /// How labels become a log query in this environment.
    pub log_pivot: crate::config::LogPivot,
    pub now_ms: i64,
    pub width: u16,
    pub height: u16,
    pub env_name: String,
    pub production: bool,
    /// The environments to switch between, the picker, why writes are refused, the switches made.
    pub envs: envs::EnvsState,
    /// The variable picker over the dashboard (key `v`), when open.
    pub var_picker: Option<vars::VarPicker>,
    pub dashboards: Vec<DashState>,
    pub active: usize,
    pub fullscreen: bool,
    pub help: bool,
    pub time_ranges: Vec<Duration>,
    pub utc: bool,
    /// Demo mode: shown in the header so nobody mistakes it for production.
    pub demo: bool,
    /// Security warnings about the config (TLS verification off, secrets readable by others): a badge
    /// in the header, the full text in the health view's backends section.
    pub warnings: Vec<String>,
    pub status: Option<StatusMsg>,
    pub next_generation: u64,
    pub dirty: bool,
    pub quit: bool,
    /// What the last tick-driven redraw showed (clock minute and data ages), to redraw only on change.
    pub tick_signature: u64,
    /// `centinela replay`: the recording's clock and the playback, for the header's banner.
    pub replay: Option<replay::ReplayInfo>,
    /// Low-bandwidth mode (`settings.low_bandwidth`): half-block charts, 16 colours, nothing that
    /// redraws on its own.
    pub low_bandwidth: bool,
    /// Show [`State::bytes_per_s`] in the status line.
    pub show_bytes_per_second: bool,
    /// Bytes per second written to the terminal, as measured when the last frame was drawn
    /// ([`crate::action::Action::Wire`]); `None` until measured.
    pub bytes_per_s: Option<u64>,
}

impl State {
    /// Build the initial state from a validated config and the environment to show.
    pub fn new(config: &Config, env_name: &str, production: bool, now_ms: i64) -> State {
        let ranges: Vec<Duration> = config.settings.time_ranges.iter().map(|d| d.0).collect();
        let dashboards = config
            .dashboards
            .iter()
            .map(|d| {
                let range = d.time_range.unwrap_or(config.settings.time_range).0;
                DashState {
                    spec: d.clone(),
                    refresh: d.refresh.unwrap_or(config.settings.refresh).0,
                    range_idx: nearest_range(&ranges, range),
                    focus: 0,
                    vars: vars::VarsState::new(&d.variables),
                    panels: d
                        .panels
                        .iter()
                        .map(|p| PanelState { queries: vec![QueryState::default(); p.queries.len()] })
                        .collect(),
                }
            })
            .collect();
        let env = config.environments.iter().find(|e| e.name == env_name);
        let am_names = env.map(|e| e.alertmanagers.iter().map(|a| host_port(&a.url)).collect()).unwrap_or_default();
        let targets = env.map(|e| e.health.as_slice()).unwrap_or_default();
        let no_loki = match env {
            Some(e) if e.loki.is_some() => None,
            _ => Some(format!(
                "environment `{env_name}` has no Loki: add `loki = {{ url = \"http://loki:3100\" }}` to it in the config"
            )),
        };
        let read_only = config.settings.read_only || env.is_some_and(|e| e.read_only);
        State {
            page: Page::Dashboards,
            alerts: alerts::AlertsState::new(config.alerts.clone(), am_names, read_only),
            health: health::HealthState::new(targets, config.settings.health_interval.0.as_millis() as i64),
            logs: logs::LogsState {
                loki_name: env.and_then(|e| e.loki.as_ref()).map(|l| host_port(&l.url)),
                ..logs::LogsState::new(config.logs.clone(), no_loki)
            },
            log_pivot: env.map(|e| e.log_pivot.clone()).unwrap_or_default(),
            actions: actions::ActionsState::new(config.actions.clone(), Default::default()),
            incidents: incidents::IncidentsState::new(config.incidents.clone(), Vec::new()),
            now_ms,
            width: 160,
            height: 48,
            env_name: env_name.to_string(),
            production,
            envs: envs::EnvsState::new(config),
            var_picker: None,
            dashboards,
            active: 0,
            fullscreen: false,
            help: false,
            time_ranges: ranges,
            utc: config.settings.utc,
            demo: false,
            warnings: Vec::new(),
            status: None,
            next_generation: 1,
            dirty: true,
            quit: false,
            tick_signature: 0,
            replay: None,
            low_bandwidth: config.settings.low_bandwidth,
            show_bytes_per_second: config.settings.show_bytes_per_second || config.settings.low_bandwidth,
            bytes_per_s: None,
        }
    }

    pub fn dash(&self) -> &DashState {
        &self.dashboards[self.active]
    }

    pub fn range(&self) -> Duration {
        self.time_ranges[self.dash().range_idx.min(self.time_ranges.len() - 1)]
    }

    pub fn query(&self, key: QueryKey) -> Option<&QueryState> {
        self.dashboards.get(key.dashboard)?.panels.get(key.panel)?.queries.get(key.target)
    }

    /// The keymap section in force.
    pub fn key_context(&self) -> crate::keymap::Context {
        use crate::keymap::Context;
        if self.envs.picker.is_some() {
            return Context::Environments;
        }
        if self.var_picker.is_some() && self.page == Page::Dashboards {
            return Context::Variables;
        }
        match self.page {
            Page::Dashboards => Context::Dashboard,
            Page::Alerts if self.alerts.silences_open => Context::Silences,
            Page::Alerts => Context::Alerts,
            Page::Health => Context::Health,
            Page::Logs => Context::Logs,
            Page::Incidents => Context::Incidents,
        }
    }

    /// True when every visible query has had an answer (good or bad): what `snapshot` waits for.
    pub fn visible_settled(&self) -> bool {
        match self.page {
            Page::Alerts => return self.alerts.settled(),
            Page::Health => return self.health.settled() && self.alerts.prom_build.answered,
            Page::Logs => {
                let l = &self.logs;
                let volume = l.volume_req.at_ms > 0 || l.volume_req.error.is_some() || l.lines.error.is_some();
                let tail = l.tail != logs::TailStatus::Connecting;
                return l.unavailable.is_some() || (l.lines.at_ms > 0 && volume && tail);
            }
            // The alerting answers open (or extend) the incident on screen.
            Page::Incidents => return self.alerts.settled(),
            Page::Dashboards => {}
        }
        self.dash().panels.iter().all(|p| p.queries.iter().all(|q| !matches!(q.slot, Slot::Loading)))
    }
}

fn nearest_range(ranges: &[Duration], want: Duration) -> usize {
    ranges.iter().enumerate().min_by_key(|(_, r)| r.as_secs().abs_diff(want.as_secs())).map(|(i, _)| i).unwrap_or(0)
}

/// `host:port` of a URL, how a backend instance is named on screen.
pub fn host_port(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => match (u.host_str(), u.port_or_known_default()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => crate::sources::http::redact_url(url),
        },
        Err(_) => crate::sources::http::redact_url(url),
    }
}
