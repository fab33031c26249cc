//! Running fetches: the runtime half of polling (the schedule itself is decided in `update`).
//!
//! - One request at a time per task key (a panel query, an alerting feed): a request for a key that
//!   is already running waits as the single pending one, and a newer submission replaces it (newest
//!   wins), so a slow backend never piles up requests.
//! - Identical panel queries are asked once, Prometheus and Loki alike: a panel query whose
//!   expression, range and step (or evaluation time; for a logs panel also its line limit) match a
//!   request in flight joins it, and the answer goes to every panel waiting for it (two panels, or a
//!   stat and a chart, showing the same expression cost one request).
//! - At most `max_in_flight` requests to Prometheus at once, and two per Alertmanager (semaphores).
//! - Connect and total timeouts come from the clients; every request ends in exactly one action
//!   (`Query`, `Alerts` or `Write`), good or bad, so `update` always learns the outcome.
//! - Silence writes go to the first Alertmanager that accepts the connection (an HA cluster gossips
//!   them on); other failures are not retried elsewhere, so a write never lands twice.
//! - Loki: at most two queries at once; the live tail is one long-lived task (a newer tail replaces
//!   it), whose events are forwarded as `Action::Tail`, merged while the UI is busy so a fast tail
//!   costs one action per batch, not one per frame from Loki.
//! - Dropping the fetcher aborts every request and the tail (clean cancel on quit).

use crate::action::{
    Action, AlertFeed, AlertsData, AlertsResult, FetchError, FetchErrorKind, HealthResult, LogsPurpose, LogsResult,
    QueryKey, QueryResult, TailData, TailUpdate, WriteResult,
};
use crate::effect::{FetchRequest, SilenceOp};
use crate::logs::{Direction, LokiResult, RangeQuery};
use crate::sources::alertmanager::AmClient;
use crate::sources::health::HealthClient;
use crate::sources::loki::LokiClient;
use crate::sources::loki_tail::{self, TailEvent, TailMode, TailOptions};
use crate::sources::prometheus::{PromClient, QueryData};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc::UnboundedSender, Semaphore};
use tokio::task::JoinSet;

/// What runs one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TaskKey {
    Query(QueryKey),
    Feed(AlertFeed),
    Write(u64),
    Health(usize),
    Logs(LogsPurpose),
    /// A dashboard variable's choices (dashboard, variable).
    Variable(usize, usize),
}

/// One unit of work.
#[derive(Debug, Clone)]
pub enum Job {
    Query(FetchRequest),
    Feed { feed: AlertFeed, generation: u64 },
    Write { id: u64, what: String, op: SilenceOp },
    Health { target: usize, generation: u64, cert: bool },
    Logs { purpose: LogsPurpose, generation: u64, query: RangeQuery },
    Variable { dashboard: usize, var: usize, generation: u64, query: crate::variables::VarQuery, time: f64 },
}

impl Job {
    fn key(&self) -> TaskKey {
        match self {
            Job::Query(r) => TaskKey::Query(r.key),
            Job::Feed { feed, .. } => TaskKey::Feed(*feed),
            Job::Write { id, .. } => TaskKey::Write(*id),
            Job::Health { target, .. } => TaskKey::Health(*target),
            Job::Logs { purpose, .. } => TaskKey::Logs(*purpose),
            Job::Variable { dashboard, var, .. } => TaskKey::Variable(*dashboard, *var),
        }
    }
}

type Client<T> = Result<Arc<T>, String>;

/// What makes two panel queries the same request: the backend (a logs panel's line limit says Loki),
/// the expression, and the range and step, or the evaluation time (its bits) of an instant query. A
/// logs panel's range ends at its evaluation time, so both count.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SameQuery {
    loki_lines: Option<u32>,
    expr: String,
    range: Option<(i64, i64, i64)>,
    time: u64,
}

impl SameQuery {
    fn of(req: &FetchRequest) -> SameQuery {
        let range = req.range.map(|r| (r.start, r.end, r.step));
        let time = if range.is_none() || req.logs.is_some() { req.time.to_bits() } else { 0 };
        SameQuery { loki_lines: req.logs, expr: req.expr.clone(), range, time }
    }
}

/// The panel queries waiting for one request: `None` once the answer is being sent (too late to join).
type Waiting = Arc<std::sync::Mutex<Option<Vec<(QueryKey, u64)>>>>;

/// Send one answer to every panel query waiting for it (closing the list to late joiners first).
fn deliver(waiting: &Waiting, outcome: Result<QueryData, FetchError>, tx: &UnboundedSender<Action>) {
    let at_ms = now_ms();
    let mut waiting = waiting.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take().unwrap_or_default();
    let last = waiting.pop();
    for (key, generation) in waiting {
        let _ = tx.send(Action::Query(QueryResult { key, generation, at_ms, outcome: outcome.clone() }));
    }
    if let Some((key, generation)) = last {
        let _ = tx.send(Action::Query(QueryResult { key, generation, at_ms, outcome }));
    }
}

struct Am {
    client: Client<AmClient>,
    limit: Arc<Semaphore>,
}

/// One health target: its client (or why there is none), URL, timeout and extra CA for the
/// certificate check.
pub struct HealthCheck {
    pub client: Result<HealthClient, String>,
    pub url: String,
    pub timeout: std::time::Duration,
    pub ca_pem: Option<Vec<u8>>,
    pub metrics_url: Option<String>,
}

pub struct Fetcher {
    client: Client<PromClient>,
    limit: Arc<Semaphore>,
    ams: Arc<Vec<Am>>,
    health: Arc<Vec<HealthCheck>>,
    loki: Client<LokiClient>,
    loki_limit: Arc<Semaphore>,
    /// The live tail (at most one task; aborted when replaced or dropped).
    tail: JoinSet<()>,
    running: HashSet<TaskKey>,
    pending: HashMap<TaskKey, Job>,
    /// Panel queries in flight (Prometheus and Loki), and the panel queries each answer goes to.
    shared: HashMap<SameQuery, Waiting>,
    tasks: JoinSet<()>,
    tx: UnboundedSender<Action>,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `call` on the environment's Prometheus under its concurrency limit, or why there is no Prometheus.
async fn prom_call<T, F, Fut>(client: Client<PromClient>, limit: Arc<Semaphore>, call: F) -> Result<T, FetchError>
where
    F: FnOnce(Arc<PromClient>) -> Fut,
    Fut: std::future::Future<Output = Result<T, FetchError>>,
{
    match client {
        Err(why) => Err(setup_error(&why)),
        Ok(client) => {
            let _permit = limit.acquire_owned().await;
            call(client).await
        }
    }
}

fn setup_error(why: &str) -> FetchError {
    FetchError { kind: FetchErrorKind::Connect, message: why.to_string() }
}

impl Fetcher {
    /// `client` is the current environment's Prometheus, or why it could not be set up (the reason is
    /// reported as every query's error, so the panels say it instead of the app refusing to start).
    pub fn new(client: Result<PromClient, String>, max_in_flight: usize, tx: UnboundedSender<Action>) -> Fetcher {
        Fetcher {
            client: client.map(Arc::new),
            limit: Arc::new(Semaphore::new(max_in_flight.max(1))),
            ams: Arc::new(Vec::new()),
            health: Arc::new(Vec::new()),
            loki: Err("no Loki is configured".into()),
            loki_limit: Arc::new(Semaphore::new(2)),
            tail: JoinSet::new(),
            running: HashSet::new(),
            pending: HashMap::new(),
            shared: HashMap::new(),
            tasks: JoinSet::new(),
            tx,
        }
    }

    /// The environment's Alertmanagers, in config order (feeds name them by index).
    pub fn set_alertmanagers(&mut self, ams: Vec<Result<AmClient, String>>) {
        self.ams = Arc::new(
            ams.into_iter().map(|c| Am { client: c.map(Arc::new), limit: Arc::new(Semaphore::new(2)) }).collect(),
        );
    }

    /// The environment's health targets, in config order.
    pub fn set_health(&mut self, checks: Vec<HealthCheck>) {
        self.health = Arc::new(checks);
    }

    /// The environment's Loki, or why there is none.
    pub fn set_loki(&mut self, client: Result<LokiClient, String>) {
        self.loki = client.map(Arc::new);
    }

    /// Start tailing `expr` from `start_ns`, replacing any running tail.
    pub fn start_tail(&mut self, generation: u64, expr: String, start_ns: i64, limit: u32) {
        self.tail.abort_all();
        let tx = self.tx.clone();
        let client = self.loki.clone();
        self.tail.spawn(async move {
            // Whether the app still listens.
            let send = |data: TailData| tx.send(Action::Tail(TailUpdate { generation, at_ms: now_ms(), data })).is_ok();
            let client = match client {
                Ok(c) => (*c).clone(),
                Err(why) => {
                    send(TailData::Disconnected { error: setup_error(&why), retry_in_ms: u64::MAX / 4 });
                    return;
                }
            };
            let opts = TailOptions {
                expr,
                start_ns,
                limit,
                backoff_min: std::time::Duration::from_millis(500),
                backoff_max: std::time::Duration::from_secs(30),
                poll_interval: std::time::Duration::from_secs(2),
            };
            let (etx, mut erx) = tokio::sync::mpsc::channel(256);
            let forward = async move {
                while let Some(ev) = erx.recv().await {
                    // Merge what queued up meanwhile: one action per batch of frames.
                    let mut batch = vec![ev];
                    while let Ok(more) = erx.try_recv() {
                        batch.push(more);
                    }
                    for data in merge_tail_events(batch) {
                        if !send(data) {
                            return;
                        }
                    }
                }
            };
            tokio::join!(loki_tail::run(client, opts, etx), forward);
        });
    }

    pub fn stop_tail(&mut self) {
        self.tail.abort_all();
    }

    pub fn submit(&mut self, req: FetchRequest) {
        self.submit_job(Job::Query(req));
    }

    pub fn submit_job(&mut self, job: Job) {
        let key = job.key();
        if self.running.contains(&key) {
            self.pending.insert(key, job);
        } else {
            self.spawn(job);
        }
    }

    /// Call for every result action before `update` sees it: frees the key and starts its pending job.
    pub fn completed(&mut self, key: TaskKey) {
        self.running.remove(&key);
        while self.tasks.try_join_next().is_some() {}
        self.shared.retain(|_, w| w.lock().is_ok_and(|w| w.is_some()));
        if let Some(next) = self.pending.remove(&key) {
            self.spawn(next);
        }
    }

    pub fn in_flight(&self) -> usize {
        self.running.len()
    }

    /// A panel query joins the same request already in flight (`None`: its answer will come with
    /// that one), or leads a new one, returned as the list its answer goes to.
    fn lead_or_join(&mut self, req: &FetchRequest) -> Option<Waiting> {
        let same = SameQuery::of(req);
        if let Some(waiting) = self.shared.get(&same) {
            if let Ok(Some(list)) = waiting.lock().as_deref_mut() {
                list.push((req.key, req.generation));
                return None;
            }
        }
        let waiting: Waiting = Arc::new(std::sync::Mutex::new(Some(vec![(req.key, req.generation)])));
        self.shared.insert(same, waiting.clone());
        Some(waiting)
    }

    fn spawn(&mut self, job: Job) {
        self.running.insert(job.key());
        let tx = self.tx.clone();
        match job {
            Job::Query(req) if req.logs.is_some() => {
                let Some(waiting) = self.lead_or_join(&req) else { return };
                let loki = self.loki.clone();
                let limit = self.loki_limit.clone();
                self.tasks.spawn(async move {
                    let now_s = req.time;
                    let start = req.range.map_or(now_s - 3600.0, |r| r.start as f64);
                    let q = RangeQuery {
                        expr: req.expr.clone(),
                        start_ns: (start * 1e9) as i64,
                        end_ns: (now_s * 1e9) as i64,
                        limit: req.logs.unwrap_or(100),
                        direction: Direction::Backward,
                        step: None,
                    };
                    let outcome = match loki_range(loki, limit, &q).await {
                        Ok(LokiResult::Streams(entries)) => Ok(QueryData::Logs { entries }),
                        Ok(_) => Err(FetchError {
                            kind: FetchErrorKind::Api,
                            message: "a logs panel needs a log query ({selector} …), not a metric query".into(),
                        }),
                        Err(e) => Err(e),
                    };
                    deliver(&waiting, outcome, &tx);
                });
            }
            Job::Logs { purpose, generation, query } => {
                let loki = self.loki.clone();
                let limit = self.loki_limit.clone();
                self.tasks.spawn(async move {
                    let outcome = loki_range(loki, limit, &query).await;
                    if let Err(e) = &outcome {
                        tracing::debug!(?purpose, error = %e.message, "Loki query failed");
                    }
                    let _ = tx.send(Action::Logs(LogsResult { purpose, generation, at_ms: now_ms(), outcome }));
                });
            }
            Job::Query(req) => {
                let Some(waiting) = self.lead_or_join(&req) else { return };
                let client = self.client.clone();
                let limit = self.limit.clone();
                self.tasks.spawn(async move {
                    let outcome = prom_call(client, limit, |c| async move {
                        match req.range {
                            Some(r) => c.query_range(&req.expr, r).await,
                            None => c.query(&req.expr, req.time).await,
                        }
                    })
                    .await;
                    if let Err(e) = &outcome {
                        tracing::debug!(key = ?req.key, error = %e.message, "query failed");
                    }
                    deliver(&waiting, outcome, &tx);
                });
            }
            Job::Variable { dashboard, var, generation, query, time } => {
                let client = self.client.clone();
                let limit = self.limit.clone();
                self.tasks.spawn(async move {
                    let outcome =
                        prom_call(client, limit, |c| async move { c.variable_choices(&query, time).await }).await;
                    let _ = tx.send(Action::Variable(crate::action::VariableResult {
                        dashboard,
                        var,
                        generation,
                        outcome,
                    }));
                });
            }
            Job::Feed { feed, generation } => {
                let prom = self.client.clone();
                let limit = self.limit.clone();
                let ams = self.ams.clone();
                self.tasks.spawn(async move {
                    let start = std::time::Instant::now();
                    let outcome = fetch_feed(feed, prom, limit, &ams).await;
                    let elapsed_ms = start.elapsed().as_secs_f64() * 1000.0;
                    if let Err(e) = &outcome {
                        tracing::debug!(?feed, error = %e.message, "alert feed failed");
                    }
                    let r = AlertsResult { feed, generation, at_ms: now_ms(), elapsed_ms, outcome };
                    let _ = tx.send(Action::Alerts(r));
                });
            }
            Job::Health { target, generation, cert } => {
                let checks = self.health.clone();
                self.tasks.spawn(async move {
                    let Some(c) = checks.get(target) else { return };
                    let probe = async {
                        match &c.client {
                            Ok(client) => client.check().await,
                            Err(why) => Err(setup_error(why)),
                        }
                    };
                    let tls = async {
                        if cert {
                            Some(crate::sources::tls::probe(&c.url, c.ca_pem.as_deref(), c.timeout).await)
                        } else {
                            None
                        }
                    };
                    let scrape = async {
                        match (&c.metrics_url, &c.client) {
                            (Some(url), Ok(client)) => Some(client.scrape(url).await),
                            (Some(_), Err(why)) => Some(Err(setup_error(why))),
                            (None, _) => None,
                        }
                    };
                    let (outcome, cert, metrics) = tokio::join!(probe, tls, scrape);
                    let r = HealthResult { target, generation, at_ms: now_ms(), outcome, cert, metrics };
                    let _ = tx.send(Action::Health(r));
                });
            }
            Job::Write { id, what, op } => {
                let ams = self.ams.clone();
                self.tasks.spawn(async move {
                    let outcome = write(&ams, &op).await;
                    match &outcome {
                        Ok(sid) => tracing::info!(%what, silence = %sid, "silence write done"),
                        Err(e) => tracing::warn!(%what, error = %e.message, "silence write failed"),
                    }
                    let _ = tx.send(Action::Write(WriteResult { id, what, outcome }));
                });
            }
        }
    }
}

async fn fetch_feed(
    feed: AlertFeed,
    prom: Client<PromClient>,
    limit: Arc<Semaphore>,
    ams: &[Am],
) -> Result<AlertsData, FetchError> {
    let am = |i: usize| -> Result<(Arc<AmClient>, Arc<Semaphore>), FetchError> {
        let am = ams.get(i).ok_or_else(|| setup_error("no such Alertmanager"))?;
        let c = am.client.clone().map_err(|why| setup_error(&why))?;
        Ok((c, am.limit.clone()))
    };
    match feed {
        AlertFeed::AmAlerts(i) | AlertFeed::AmGroups(i) | AlertFeed::AmSilences(i) | AlertFeed::AmStatus(i) => {
            let (c, limit) = am(i)?;
            let _permit = limit.acquire_owned().await;
            match feed {
                AlertFeed::AmAlerts(_) => c.alerts().await.map(|alerts| AlertsData::Alerts { alerts }),
                AlertFeed::AmGroups(_) => c.groups().await.map(|groups| AlertsData::Groups { groups }),
                AlertFeed::AmSilences(_) => c.silences().await.map(|silences| AlertsData::Silences { silences }),
                _ => c.status().await.map(|status| AlertsData::Status { status }),
            }
        }
        AlertFeed::PromAlerts | AlertFeed::PromRules | AlertFeed::PromBuild => {
            let c = prom.map_err(|why| setup_error(&why))?;
            let _permit = limit.acquire_owned().await;
            match feed {
                AlertFeed::PromAlerts => c.alerts().await.map(|alerts| AlertsData::PromAlerts { alerts }),
                AlertFeed::PromRules => c.rules().await.map(|groups| AlertsData::Rules { groups }),
                _ => c.buildinfo().await.map(|info| AlertsData::Build { info }),
            }
        }
    }
}

/// Send a silence write to each Alertmanager in turn while they refuse the connection.
async fn write(ams: &[Am], op: &SilenceOp) -> Result<String, FetchError> {
    let mut last = setup_error("no Alertmanager is configured");
    for am in ams {
        let Ok(c) = &am.client else { continue };
        let r = match op {
            SilenceOp::Create(s) => c.create_silence(s).await,
            SilenceOp::Expire(id) => c.expire_silence(id).await.map(|()| id.clone()),
        };
        match r {
            Ok(id) => return Ok(id),
            // Only a refused connection proves the write did not land; after a timeout or a 5xx
            // it may have, and sending it again elsewhere would create a second silence.
            Err(e) if e.kind == FetchErrorKind::Connect => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// One Loki `query_range` under the Loki concurrency limit (or why there is no Loki).
async fn loki_range(loki: Client<LokiClient>, limit: Arc<Semaphore>, q: &RangeQuery) -> Result<LokiResult, FetchError> {
    let c = loki.map_err(|why| setup_error(&why))?;
    let _permit = limit.acquire_owned().await;
    c.query_range(q).await
}

/// Tail events as actions, consecutive entries merged into one.
fn merge_tail_events(batch: Vec<TailEvent>) -> Vec<TailData> {
    let mut out: Vec<TailData> = Vec::new();
    for ev in batch {
        let data = match ev {
            TailEvent::Connected { mode } => TailData::Connected {
                polling: match mode {
                    TailMode::Websocket => None,
                    TailMode::Polling { reason } => Some(reason),
                },
            },
            TailEvent::Entries { entries, dropped } => {
                if let Some(TailData::Entries { entries: prev, dropped: d }) = out.last_mut() {
                    prev.extend(entries);
                    *d += dropped;
                    continue;
                }
                TailData::Entries { entries, dropped }
            }
            TailEvent::Disconnected { error, retry_in } => {
                TailData::Disconnected { error, retry_in_ms: retry_in.as_millis() as u64 }
            }
        };
        out.push(data);
    }
    out
}
