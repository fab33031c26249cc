//! Loki live tail: the `/loki/api/v1/tail` websocket, kept alive across disconnections, with a polling
//! fallback where the websocket cannot get through.
//!
//! [`run`] connects (`http` becomes `ws`, `https` becomes `wss`; the handshake carries the same headers
//! as the HTTP client: `X-Scope-OrgID`, `Authorization`, custom headers, URL credentials as basic
//! auth; TLS uses the same `ca_file`, client certificate and `insecure_skip_verify`; a configured
//! `proxy` is crossed with an HTTP `CONNECT` tunnel, and a proxy that refuses to tunnel is treated like
//! a refused upgrade, so the tail polls; `HTTPS_PROXY` and friends are not read for the websocket) and
//! sends [`TailEvent`]s until the receiver is dropped, which it notices at once wherever it is
//! waiting (socket, backoff, poll interval, HTTP request).
//!
//! Loki quirks and failure modes handled here:
//! - Frames are `{"streams":[…],"dropped_entries":[…]}`; `dropped_entries` is left out when nothing
//!   was dropped and only counted otherwise. Streams inside a frame are merged oldest first, as in
//!   [`crate::sources::loki::decode_query`].
//! - The first frames carry the backlog since `start`: Loki reads it *backward* with `limit`, so it is
//!   the newest `limit` lines, sent oldest first in frames of up to 100 entries.
//! - Resuming: after a dropped connection the client reconnects with exponential backoff
//!   (`backoff_min` doubling up to `backoff_max`, minus up to 10 % jitter; back to `backoff_min` after a
//!   connection that delivered a frame or lasted `backoff_max`) and `start` = the newest timestamp
//!   delivered. Loki's `start` is
//!   inclusive, so lines at exactly that nanosecond come again: the (timestamp, labels, line) of every
//!   line delivered at the newest timestamp is remembered and those are not delivered twice.
//! - Because the backlog is the *newest* `limit` lines, a long disconnection could leave a hole. The
//!   backlog of a resumed connection normally begins at the resume timestamp; when its first frame
//!   begins later, the hole is read with forward `query_range` pages (at most [`Tuning::max_gap_pages`])
//!   before that frame is delivered. If that read fails, the frame is delivered anyway (a warning is
//!   logged): live lines matter more than the hole.
//! - A proxy without websocket support answers the handshake with an HTTP status instead of 101 (400,
//!   404, 405, 426, 502…). Then the tail polls `query_range` every `poll_interval` (forward from the
//!   newest timestamp delivered, `limit` lines, up to now; a full page is followed at once by the next),
//!   with the same deduplication, and reports [`TailMode::Polling`] with the status in the reason; with
//!   nothing delivered yet, the first poll reads backward, as Loki's own backlog does. The websocket is
//!   tried again every [`Tuning::websocket_retry`] and used again when it works. A refused *connection*
//!   (Loki down) is not a reason to poll: that is a [`TailEvent::Disconnected`] and a backoff, and so
//!   are 401, 403 and 407 (wrong credentials would fail the same way polling).
//! - Polling only sees lines whose timestamp is at or after the newest one delivered: a line ingested
//!   late with an older timestamp is missed while polling (the websocket delivers it live).
//! - A frame that does not decode ends the connection with a [`FetchErrorKind::Decode`] error in
//!   [`TailEvent::Disconnected`] (never a panic, never silently skipped); the reconnection resumes from
//!   the last line delivered, so nothing before it is lost.
//! - Loki closes a tail with a close frame (after `tail_max_duration`, or with an error as the reason):
//!   a reason other than a normal closure's is shown verbatim as [`FetchErrorKind::Api`].
//! - A connection that goes silent (no frame, and no answer to the pings sent every
//!   [`Tuning::ping_every`]) for [`Tuning::silence_limit`] is dropped and reconnected.

use crate::action::{FetchError, FetchErrorKind};
use crate::logs::model::{Direction, LogEntry, LokiResult, RangeQuery};
use crate::sources::connect::{tunnel, TunnelError};
use crate::sources::http::err;
use crate::sources::loki::{decode_tail_frame, LokiClient};
use futures_util::{SinkExt, StreamExt};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::sync::mpsc::Sender;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

mod cursor;
mod handshake;

use cursor::{Backoff, Cursor};
use handshake::{close_error, handshake_error, lost_error, tail_request};

/// What to tail and how patiently.
#[derive(Debug, Clone, PartialEq)]
pub struct TailOptions {
    /// A LogQL log query (metric queries cannot be tailed).
    pub expr: String,
    /// Where the backlog starts (unix nanoseconds); later reconnections resume from the last line seen.
    pub start_ns: i64,
    /// Most lines of backlog, and lines per poll when polling.
    pub limit: u32,
    /// First delay before reconnecting (at least 10 ms).
    pub backoff_min: Duration,
    /// Longest delay before reconnecting.
    pub backoff_max: Duration,
    /// How often `query_range` is polled when the websocket is refused (at least 10 ms).
    pub poll_interval: Duration,
}

/// What the tail reports.
#[derive(Debug, Clone, PartialEq)]
pub enum TailEvent {
    /// Connected (again): entries follow. Sent at each (re)connection, and when polling, at the first
    /// successful poll after a start or a failure.
    Connected { mode: TailMode },
    /// New lines, oldest first, never one already delivered; `dropped` is how many lines Loki says it
    /// left out of this frame (the reader was too slow).
    Entries { entries: Vec<LogEntry>, dropped: u64 },
    /// The connection (or a poll) failed; the next attempt is in `retry_in`.
    Disconnected { error: FetchError, retry_in: Duration },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailMode {
    Websocket,
    /// The websocket upgrade was refused; `reason` says how (with the HTTP status).
    Polling {
        reason: String,
    },
}

/// Timings [`run`] uses that callers rarely change ([`run_with`] takes them).
#[derive(Debug, Clone, PartialEq)]
pub struct Tuning {
    /// While polling, how often the websocket is tried again.
    pub websocket_retry: Duration,
    /// How often a ping is sent on a quiet connection (at least 10 ms).
    pub ping_every: Duration,
    /// A connection that sent nothing (not even a pong) for this long is given up.
    pub silence_limit: Duration,
    /// Most `query_range` pages read to fill a hole after a reconnection.
    pub max_gap_pages: u32,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            websocket_retry: Duration::from_secs(300),
            ping_every: Duration::from_secs(30),
            silence_limit: Duration::from_secs(75),
            max_gap_pages: 10,
        }
    }
}

/// Tail `opts.expr` until `tx` is closed. See the module documentation for the behaviour.
pub async fn run(client: LokiClient, opts: TailOptions, tx: Sender<TailEvent>) {
    run_with(client, opts, tx, Tuning::default()).await
}

/// [`run`] with explicit [`Tuning`].
pub async fn run_with(client: LokiClient, opts: TailOptions, tx: Sender<TailEvent>, tuning: Tuning) {
    let mut t = Tailer {
        what: client.name().to_string(),
        cursor: Cursor::new(opts.start_ns),
        backoff: Backoff::new(opts.backoff_min, opts.backoff_max),
        limit: opts.limit.max(1),
        client,
        opts,
        tuning,
        tx,
    };
    let _stopped: Result<std::convert::Infallible, Stop> = t.run().await;
}

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The shortest delay of any kind: a zero from the caller never becomes a busy loop.
const MIN_DELAY: Duration = Duration::from_millis(10);

/// The receiver is gone: stop.
struct Stop;

enum ConnectError {
    /// The server answered the upgrade with an HTTP status: poll instead.
    Refused { reason: String },
    /// Anything else: back off and try again.
    Failed(FetchError),
}

struct Tailer {
    client: LokiClient,
    what: String,
    opts: TailOptions,
    limit: u32,
    tuning: Tuning,
    tx: Sender<TailEvent>,
    cursor: Cursor,
    backoff: Backoff,
}

impl Tailer {
    async fn run(&mut self) -> Result<std::convert::Infallible, Stop> {
        let mut ready: Option<Ws> = None;
        loop {
            let ws = match ready.take() {
                Some(ws) => ws,
                None => match self.until_closed(self.connect()).await? {
                    Ok(ws) => ws,
                    Err(ConnectError::Refused { reason }) => {
                        ready = Some(self.poll_until_websocket(reason).await?);
                        continue;
                    }
                    Err(ConnectError::Failed(error)) => {
                        self.disconnected(error).await?;
                        continue;
                    }
                },
            };
            self.send(TailEvent::Connected { mode: TailMode::Websocket }).await?;
            let since = Instant::now();
            let (error, delivered) = self.stream(ws).await?;
            // A connection that delivered, or that lasted (a quiet tail Loki ends after an hour), was healthy.
            if delivered || since.elapsed() >= self.backoff.max {
                self.backoff.reset();
            }
            self.disconnected(error).await?;
        }
    }

    /// Run `f` unless the receiver goes away first.
    async fn until_closed<F: Future>(&self, f: F) -> Result<F::Output, Stop> {
        tokio::select! {
            biased;
            _ = self.tx.closed() => Err(Stop),
            out = f => Ok(out),
        }
    }

    async fn send(&self, ev: TailEvent) -> Result<(), Stop> {
        self.tx.send(ev).await.map_err(|_| Stop)
    }

    /// Report the failure, then wait out the backoff.
    async fn disconnected(&mut self, error: FetchError) -> Result<(), Stop> {
        let retry_in = self.backoff.next_delay();
        tracing::debug!(error = %error.message, ?retry_in, "live tail disconnected");
        self.send(TailEvent::Disconnected { error, retry_in }).await?;
        self.until_closed(tokio::time::sleep(retry_in)).await
    }

    // -----------------------------------------------------------------------------------------------
    // Websocket

    async fn connect(&self) -> Result<Ws, ConnectError> {
        let req = tail_request(&self.client, &self.opts.expr, self.cursor.resume_from(), self.limit)
            .map_err(ConnectError::Failed)?;
        let cap = self.client.conn.cap;
        let config = WebSocketConfig::default().max_message_size(Some(cap)).max_frame_size(Some(cap));
        let total = self.client.conn.timeouts.total;
        match tokio::time::timeout(total, self.handshake(req, config)).await {
            Ok(Ok(ws)) => Ok(ws),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(ConnectError::Failed(err(
                FetchErrorKind::Timeout,
                format!(
                    "{}: the live tail handshake timed out after {}; the backend is slow or stuck: raise timeout",
                    self.what,
                    humantime::format_duration(total)
                ),
            ))),
        }
    }

    /// The TCP connection (direct, or through the configured proxy's `CONNECT` tunnel), TLS with the
    /// backend's CA, client certificate and verification, and the websocket upgrade.
    async fn handshake(&self, req: Request, config: WebSocketConfig) -> Result<Ws, ConnectError> {
        let conn = &self.client.conn;
        if conn.proxy.is_none() && conn.ws_tls.is_none() {
            return match tokio_tungstenite::connect_async_with_config(req, Some(config), true).await {
                Ok((ws, _response)) => Ok(ws),
                Err(e) => Err(handshake_error(e, &self.what)),
            };
        }
        let failed = |m: String| ConnectError::Failed(err(FetchErrorKind::Connect, m));
        let uri = req.uri();
        let host = uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
        let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("wss") { 443 } else { 80 });
        let tcp = match &conn.proxy {
            Some(proxy) => match tunnel(proxy, &host, port, conn.timeouts.connect).await {
                Ok(tcp) => tcp,
                // The proxy tunnels nowhere near Loki; the HTTP API may still get through it: poll.
                Err(TunnelError::Refused(reason)) => return Err(ConnectError::Refused { reason }),
                Err(TunnelError::Failed(why)) => return Err(failed(format!("{}: live tail: {why}", self.what))),
            },
            None => TcpStream::connect((host.as_str(), port))
                .await
                .map_err(|e| failed(format!("{} is unreachable: {e}", self.what)))?,
        };
        let _ = tcp.set_nodelay(true);
        let connector = conn.ws_tls.clone().map(tokio_tungstenite::Connector::Rustls);
        match tokio_tungstenite::client_async_tls_with_config(req, tcp, Some(config), connector).await {
            Ok((ws, _response)) => Ok(ws),
            Err(e) => Err(handshake_error(e, &self.what)),
        }
    }

    /// Read frames until the connection ends; the error says how, the flag whether a frame came.
    async fn stream(&mut self, mut ws: Ws) -> Result<(FetchError, bool), Stop> {
        let mut check_gap = self.cursor.high.is_some();
        let mut delivered = false;
        let mut last_heard = Instant::now();
        let every = self.tuning.ping_every.max(MIN_DELAY);
        let mut ping = tokio::time::interval_at(Instant::now() + every, every);
        ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            enum Next {
                Closed,
                Ping,
                Msg(Option<Result<Message, tungstenite::Error>>),
            }
            let next = tokio::select! {
                biased;
                _ = self.tx.closed() => Next::Closed,
                m = ws.next() => Next::Msg(m),
                _ = ping.tick() => Next::Ping,
            };
            let msg = match next {
                Next::Closed => {
                    // Say goodbye politely, but do not wait for the server.
                    let _ = tokio::time::timeout(Duration::from_millis(250), ws.close(None)).await;
                    return Err(Stop);
                }
                Next::Ping => {
                    if last_heard.elapsed() >= self.tuning.silence_limit {
                        let quiet = humantime::format_duration(self.tuning.silence_limit);
                        let e = format!("{}: the live tail went silent (no frame and no pong for {quiet})", self.what);
                        return Ok((err(FetchErrorKind::Timeout, e), delivered));
                    }
                    if let Err(e) = ws.send(Message::Ping(Default::default())).await {
                        return Ok((lost_error(e, &self.what, self.client.conn.cap), delivered));
                    }
                    continue;
                }
                Next::Msg(None) => {
                    return Ok((err(FetchErrorKind::Connect, format!("{} closed the live tail", self.what)), delivered))
                }
                Next::Msg(Some(Err(e))) => return Ok((lost_error(e, &self.what, self.client.conn.cap), delivered)),
                Next::Msg(Some(Ok(m))) => m,
            };
            last_heard = Instant::now();
            let frame: &[u8] = match &msg {
                Message::Text(t) => t.as_bytes(),
                Message::Binary(b) => b,
                Message::Close(f) => return Ok((close_error(f.as_ref(), &self.what), delivered)),
                // Pings are answered by tungstenite; pongs only prove the connection is alive.
                Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
            };
            let (entries, dropped) = match decode_tail_frame(frame, &self.what) {
                Ok(x) => x,
                Err(e) => return Ok((e, delivered)),
            };
            delivered = true;
            if check_gap && !entries.is_empty() {
                check_gap = false;
                if let Some(high) = self.cursor.high {
                    // A backlog that reached back to the resume point starts at it.
                    if entries[0].ts_ns > high {
                        self.fill_gap(entries[0].ts_ns).await?;
                    }
                }
            }
            let entries = self.cursor.admit(entries);
            if !entries.is_empty() || dropped > 0 {
                self.send(TailEvent::Entries { entries, dropped }).await?;
            }
        }
    }

    /// Deliver what was logged between the resume point and `until_ns` (a resumed backlog's first line).
    async fn fill_gap(&mut self, until_ns: i64) -> Result<(), Stop> {
        for _ in 0..self.tuning.max_gap_pages {
            let q = RangeQuery {
                expr: self.opts.expr.clone(),
                start_ns: self.cursor.resume_from(),
                // Inclusive of `until_ns` whichever way Loki treats `end`; duplicates are dropped.
                end_ns: until_ns.saturating_add(1),
                limit: self.limit,
                direction: Direction::Forward,
                step: None,
            };
            if q.start_ns > until_ns {
                return Ok(());
            }
            match self.until_closed(self.client.query_range(&q)).await? {
                Ok(LokiResult::Streams(entries)) => {
                    if !self.deliver_page(entries).await? {
                        return Ok(());
                    }
                }
                Ok(_) => return Ok(()),
                Err(e) => {
                    tracing::warn!(error = %e.message, "live tail: cannot read the lines missed while reconnecting");
                    return Ok(());
                }
            }
        }
        tracing::warn!(
            pages = self.tuning.max_gap_pages,
            "live tail: more lines were missed while reconnecting than read"
        );
        Ok(())
    }

    /// Deliver a forward page; whether it was full (another page may follow).
    async fn deliver_page(&mut self, entries: Vec<LogEntry>) -> Result<bool, Stop> {
        let full = entries.len() >= self.limit as usize;
        let kept = self.cursor.admit(entries);
        if kept.is_empty() {
            if full {
                // More than `limit` lines share the resume timestamp: paging cannot get past it.
                tracing::warn!(
                    limit = self.limit,
                    "live tail: more than `limit` lines share one timestamp; skipping the rest"
                );
                self.cursor.skip_boundary();
            }
        } else {
            self.send(TailEvent::Entries { entries: kept, dropped: 0 }).await?;
        }
        Ok(full)
    }

    // -----------------------------------------------------------------------------------------------
    // Polling

    /// Poll `query_range` until the websocket works again; returns the connected websocket.
    async fn poll_until_websocket(&mut self, refusal: String) -> Result<Ws, Stop> {
        let reason =
            format!("{refusal}; polling query_range every {}", humantime::format_duration(self.opts.poll_interval));
        tracing::info!(what = %self.what, %reason, "live tail falls back to polling");
        let mut announced = false;
        let mut websocket_at = Instant::now() + self.tuning.websocket_retry;
        loop {
            if Instant::now() >= websocket_at {
                websocket_at = Instant::now() + self.tuning.websocket_retry;
                match self.until_closed(self.connect()).await? {
                    Ok(ws) => return Ok(ws),
                    Err(ConnectError::Refused { reason }) => {
                        tracing::debug!(%reason, "live tail websocket still refused")
                    }
                    Err(ConnectError::Failed(e)) => {
                        tracing::debug!(error = %e.message, "live tail websocket retry failed")
                    }
                }
            }
            let first = self.cursor.high.is_none();
            let q = RangeQuery {
                expr: self.opts.expr.clone(),
                start_ns: self.cursor.resume_from(),
                end_ns: now_ns(),
                limit: self.limit,
                // With nothing delivered yet, the newest lines, like the websocket's backlog.
                direction: if first { Direction::Backward } else { Direction::Forward },
                step: None,
            };
            let result = match self.until_closed(self.client.query_range(&q)).await? {
                Ok(LokiResult::Streams(entries)) => Ok(entries),
                Ok(_) => Err(err(
                    FetchErrorKind::Api,
                    format!("{}: only log queries can be tailed; this one returns metrics", self.what),
                )),
                Err(e) => Err(e),
            };
            match result {
                Ok(entries) => {
                    self.backoff.reset();
                    if !announced {
                        self.send(TailEvent::Connected { mode: TailMode::Polling { reason: reason.clone() } }).await?;
                        announced = true;
                    }
                    let full = self.deliver_page(entries).await?;
                    if full && !first {
                        continue; // catch up at once
                    }
                    self.until_closed(tokio::time::sleep(self.opts.poll_interval.max(MIN_DELAY))).await?;
                }
                Err(e) => {
                    announced = false;
                    self.disconnected(e).await?;
                }
            }
        }
    }
}

fn now_ns() -> i64 {
    let d = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(d.as_nanos()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests;
