//! Loki's live tail, `GET /loki/api/v1/tail` (websocket): the first frame carries the backlog since
//! `start` (default an hour ago; the newest `limit` lines, default 100, oldest first), then every
//! second a frame with the lines logged since the previous one, honouring the query's selector and
//! pipeline. Frames are `{"streams":[…]}`, one stream object per line as Loki's tailer sends them,
//! `dropped_entries` omitted (nothing is dropped); seconds with no new line send nothing.

use super::logql::{self, LogQuery};
use super::loki_api::{categorize, limit, now_ns, parse_timestamp, Params};
use super::loki_json::tail_frame;
use super::loki_query::{log_query, Entry};
use super::scenario::World;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::time::Duration;

/// Loki's `maxDelayForInTailing`.
const MAX_DELAY_FOR: i64 = 5;
/// Most lines one poll sends; the rest follow in the next frame.
const MAX_PER_FRAME: usize = 5000;

struct Tail {
    world: Arc<World>,
    query: LogQuery,
    start: i64,
    limit: usize,
    categorize: bool,
}

fn params(p: &Params, now: i64) -> Result<(LogQuery, i64, usize), String> {
    let query = logql::parse_log(p.get("query")).map_err(|e| e.to_string())?;
    let limit = limit(p)?;
    let start = parse_timestamp(p.get("start"), now - 3_600_000_000_000)
        .map_err(|e| format!("could not parse 'start' parameter: {e}"))?;
    let delay: i64 = match p.get("delay_for") {
        "" => 0,
        d => d.parse().map_err(|_| format!("strconv.Atoi: parsing \"{d}\": invalid syntax"))?,
    };
    if delay > MAX_DELAY_FOR {
        return Err(format!("delay_for can't be greater than {MAX_DELAY_FOR}"));
    }
    Ok((query, start, limit as usize))
}

pub async fn tail(
    ws: WebSocketUpgrade,
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    match params(&Params(p), now_ns()) {
        Ok((query, start, limit)) => {
            let t = Tail { world, query, start, limit, categorize: categorize(&headers) };
            ws.on_upgrade(move |socket| run(socket, t))
        }
        Err(msg) => {
            (StatusCode::BAD_REQUEST, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], msg).into_response()
        }
    }
}

async fn send(socket: &mut WebSocket, entries: &[Entry], categorize: bool) -> bool {
    if entries.is_empty() {
        return true;
    }
    let frame = tail_frame(entries, categorize).to_string();
    socket.send(Message::Text(frame.into())).await.is_ok()
}

async fn close(socket: &mut WebSocket, reason: String) {
    let frame = CloseFrame { code: 1011, reason: reason.chars().take(120).collect::<String>().into() };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

async fn run(mut socket: WebSocket, t: Tail) {
    let t = Arc::new(t);
    let now = now_ns();
    let backlog = {
        let t = t.clone();
        tokio::task::spawn_blocking(move || log_query(&t.world, &t.query, (t.start, now, now), t.limit, false)).await
    };
    let mut entries = match backlog {
        Ok(Ok((entries, _))) => entries,
        Ok(Err(msg)) => return close(&mut socket, msg).await,
        Err(e) => return close(&mut socket, e.to_string()).await,
    };
    entries.reverse();
    if !send(&mut socket, &entries, t.categorize).await {
        return;
    }
    let mut from = now;
    let mut every = tokio::time::interval(Duration::from_secs(1));
    every.tick().await;
    loop {
        tokio::select! {
            _ = every.tick() => {
                let now = now_ns();
                let fresh = match log_query(&t.world, &t.query, (from, now, now), MAX_PER_FRAME, true) {
                    Ok((fresh, _)) => fresh,
                    Err(msg) => return close(&mut socket, msg).await,
                };
                from = match fresh.last() {
                    Some(last) if fresh.len() == MAX_PER_FRAME => last.ts_ns + 1,
                    _ => now,
                };
                if !send(&mut socket, &fresh, t.categorize).await {
                    return;
                }
            }
            msg = socket.recv() => match msg {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
