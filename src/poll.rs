//! Running fetches: the runtime half of polling (the schedule itself is decided in `update`).
//!
//! - One request at a time per query key: a request for a key that is already running waits as the
//!   single pending one, and a newer submission replaces it (newest wins), so a slow backend never
//!   piles up requests.
//! - At most `max_in_flight` requests to the backend at once (a semaphore).
//! - Connect and total timeouts come from the client; every request ends in exactly one
//!   `Action::Query`, good or bad, so `update` always learns the outcome.
//! - Dropping the fetcher aborts every request (clean cancel on quit).

use crate::action::{Action, FetchError, FetchErrorKind, QueryKey, QueryResult};
use crate::effect::FetchRequest;
use crate::sources::prometheus::PromClient;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use tokio::sync::{mpsc::UnboundedSender, Semaphore};
use tokio::task::JoinSet;

pub struct Fetcher {
    client: Result<Arc<PromClient>, String>,
    limit: Arc<Semaphore>,
    running: HashSet<QueryKey>,
    pending: HashMap<QueryKey, FetchRequest>,
    tasks: JoinSet<()>,
    tx: UnboundedSender<Action>,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Fetcher {
    /// `client` is the current environment's Prometheus, or why it could not be set up (the reason is
    /// reported as every query's error, so the panels say it instead of the app refusing to start).
    pub fn new(client: Result<PromClient, String>, max_in_flight: usize, tx: UnboundedSender<Action>) -> Fetcher {
        Fetcher {
            client: client.map(Arc::new),
            limit: Arc::new(Semaphore::new(max_in_flight.max(1))),
            running: HashSet::new(),
            pending: HashMap::new(),
            tasks: JoinSet::new(),
            tx,
        }
    }

    pub fn submit(&mut self, req: FetchRequest) {
        if self.running.contains(&req.key) {
            self.pending.insert(req.key, req);
        } else {
            self.spawn(req);
        }
    }

    /// Call for every `Action::Query` before `update` sees it: frees the key and starts its pending one.
    pub fn completed(&mut self, key: QueryKey) {
        self.running.remove(&key);
        while self.tasks.try_join_next().is_some() {}
        if let Some(next) = self.pending.remove(&key) {
            self.spawn(next);
        }
    }

    pub fn in_flight(&self) -> usize {
        self.running.len()
    }

    fn spawn(&mut self, req: FetchRequest) {
        self.running.insert(req.key);
        let tx = self.tx.clone();
        let client = self.client.clone();
        let limit = self.limit.clone();
        self.tasks.spawn(async move {
            let outcome = match client {
                Err(why) => Err(FetchError { kind: FetchErrorKind::Connect, message: why }),
                Ok(client) => {
                    let _permit = limit.acquire_owned().await;
                    match req.range {
                        Some(r) => client.query_range(&req.expr, r).await,
                        None => client.query(&req.expr, req.time).await,
                    }
                }
            };
            if let Err(e) = &outcome {
                tracing::debug!(key = ?req.key, error = %e.message, "query failed");
            }
            let _ = tx.send(Action::Query(QueryResult {
                key: req.key,
                generation: req.generation,
                at_ms: now_ms(),
                outcome,
            }));
        });
    }
}
