//! Unit tests of [`super`].

use super::*;
use crate::config::PromSource;
use crate::sources::prometheus::Labels;
use std::sync::Arc;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

fn entry(ts: i64, app: &str, line: &str) -> LogEntry {
    LogEntry {
        ts_ns: ts,
        labels: Arc::new(Labels::from([("app".into(), app.into())])),
        fields: None,
        line: line.into(),
    }
}

fn lines(v: &[LogEntry]) -> Vec<&str> {
    v.iter().map(|e| e.line.as_str()).collect()
}

#[test]
fn the_boundary_is_not_delivered_twice() {
    let mut c = Cursor::new(5);
    assert_eq!(c.resume_from(), 5);
    let kept = c.admit(vec![entry(10, "a", "x"), entry(20, "a", "y"), entry(20, "b", "y")]);
    assert_eq!(kept.len(), 3);
    assert_eq!(c.resume_from(), 20);
    // A reconnection's backlog starts at 20 again: the two lines at 20 are known, a third is new.
    let kept = c.admit(vec![entry(20, "a", "y"), entry(20, "b", "y"), entry(20, "a", "z"), entry(30, "a", "w")]);
    assert_eq!(lines(&kept), ["z", "w"]);
    let kept = c.admit(vec![entry(30, "a", "w"), entry(30, "a", "v")]);
    assert_eq!(lines(&kept), ["v"]);
    // Out-of-order lines on a live connection are kept.
    assert_eq!(lines(&c.admit(vec![entry(25, "c", "late")])), ["late"]);
    assert_eq!(c.resume_from(), 30);
    c.skip_boundary();
    assert_eq!(c.resume_from(), 31);
    assert_eq!(lines(&c.admit(vec![entry(31, "a", "w")])), ["w"]);
}

#[test]
fn backoff_doubles_with_jitter_and_resets() {
    let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(500));
    let mut got = Vec::new();
    for _ in 0..5 {
        got.push(b.next_delay());
    }
    for (d, want) in got.iter().zip([100u64, 200, 400, 500, 500]) {
        let want = Duration::from_millis(want);
        assert!(*d <= want && *d >= want.mul_f64(0.9), "{d:?} vs {want:?}");
    }
    b.reset();
    assert!(b.next_delay() <= Duration::from_millis(100));
    let mut z = Backoff::new(Duration::ZERO, Duration::ZERO);
    assert!(z.next_delay() >= Duration::from_millis(9), "never a busy loop");
}

#[test]
fn the_handshake_targets_the_websocket_with_the_clients_headers() {
    let mut src = PromSource::new("https://tenant%201:s%3Acret@logs.example:8443/loki-gw/");
    src.headers.insert("X-Scope-OrgID".into(), "team-a".into());
    let client = LokiClient::new(&src).unwrap();
    let req = tail_request(&client, r#"{app="a"} |= "x y""#, 1795344495184250552, 5).unwrap();
    assert_eq!(
        req.uri().to_string(),
        "wss://logs.example:8443/loki-gw/loki/api/v1/tail?query=%7Bapp%3D%22a%22%7D+%7C%3D+%22x+y%22&start=1795344495184250552&limit=5&delay_for=0"
    );
    assert_eq!(req.headers()["x-scope-orgid"], "team-a");
    assert_eq!(
        req.headers()["authorization"],
        format!("Basic {}", crate::sources::health::base64("tenant 1:s:cret".into()))
    );
    assert_eq!(req.headers()["host"], "logs.example:8443");
    let plain = LokiClient::new(&PromSource::new("http://loki:3100")).unwrap();
    let req = tail_request(&plain, "{a=\"b\"}", 1, 1).unwrap();
    assert!(req.uri().to_string().starts_with("ws://loki:3100/loki/api/v1/tail?"));
    assert!(!req.headers().contains_key("authorization"));
}

#[test]
fn close_frames_say_why() {
    let f = CloseFrame { code: CloseCode::Error, reason: "max concurrent tail requests limit exceeded".into() };
    let e = close_error(Some(&f), "Loki at x");
    assert_eq!((e.kind, e.message.as_str()), (FetchErrorKind::Api, "max concurrent tail requests limit exceeded"));
    let e = close_error(Some(&CloseFrame { code: CloseCode::Normal, reason: "".into() }), "Loki at x");
    assert_eq!((e.kind, e.message.as_str()), (FetchErrorKind::Connect, "Loki at x ended the live tail (code 1000)"));
    assert_eq!(close_error(None, "L").kind, FetchErrorKind::Connect);
}
