//! Misbehaving HTTP servers on loopback, for the fault tests of every client (`tests/faults_*.rs`).
//! Raw tokio sockets, so each one can break the protocol exactly where it means to.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A URL where nothing listens (a port bound, then released).
pub async fn refused_url() -> String {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// A host name that can never resolve (RFC 6761 reserves `.invalid`).
pub const DNS_FAIL_URL: &str = "http://centinela-fault-test.invalid:9090";

/// Read a request head (and drop it); `false` when the peer went away first.
async fn read_head(s: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 1 << 20 {
            return false;
        }
    }
    true
}

/// Start a server calling `serve` for each connection; returns its base URL.
pub async fn server<F, Fut>(serve: F) -> String
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    let serve = Arc::new(serve);
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(serve(s));
        }
    });
    url
}

/// Accepts, reads the request, never answers (the connection is held open).
pub async fn silent() -> String {
    server(|mut s| async move {
        read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(s);
    })
    .await
}

/// Answers a 200 head promising a long JSON body, then sends it one byte every `every`: the
/// connection is never idle, the body is never done.
pub async fn slow_drip(every: Duration) -> String {
    server(move |mut s| async move {
        if !read_head(&mut s).await {
            return;
        }
        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        loop {
            if s.write_all(b" ").await.is_err() || s.flush().await.is_err() {
                return;
            }
            tokio::time::sleep(every).await;
        }
    })
    .await
}

/// Answers every request with `status`, `content_type` and `body` (Content-Length set).
pub async fn fixed(status: u16, content_type: &str, body: Vec<u8>) -> String {
    let content_type = content_type.to_string();
    let body = Arc::new(body);
    server(move |mut s| {
        let (content_type, body) = (content_type.clone(), body.clone());
        async move {
            while read_head(&mut s).await {
                let head = format!(
                    "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if s.write_all(head.as_bytes()).await.is_err() || s.write_all(&body).await.is_err() {
                    return;
                }
            }
        }
    })
    .await
}

/// [`fixed`] with extra header lines (`"Date: …"`), each without its CRLF.
pub async fn fixed_with_headers(status: u16, headers: &[&str], body: Vec<u8>) -> String {
    let extra: String = headers.iter().map(|h| format!("{h}\r\n")).collect();
    let body = Arc::new(body);
    server(move |mut s| {
        let (extra, body) = (extra.clone(), body.clone());
        async move {
            while read_head(&mut s).await {
                let head = format!("HTTP/1.1 {status} X\r\n{extra}Content-Length: {}\r\n\r\n", body.len());
                if s.write_all(head.as_bytes()).await.is_err() || s.write_all(&body).await.is_err() {
                    return;
                }
            }
        }
    })
    .await
}

/// What an [`endless`] server saw.
#[derive(Clone, Default)]
pub struct Endless {
    /// Body bytes the server managed to hand to the kernel.
    pub sent: Arc<AtomicU64>,
    /// The client closed the connection (a write failed).
    pub closed: Arc<AtomicBool>,
}

impl Endless {
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::SeqCst)
    }
    pub fn closed(&self) -> bool {
        self.closed.load(Ordering::SeqCst)
    }
}

/// A 200 with a chunked JSON body that never ends (`[` then `0,` forever) and no Content-Length, so
/// only a cap checked while streaming can stop the client.
pub async fn endless() -> (String, Endless) {
    let seen = Endless::default();
    let s2 = seen.clone();
    let url = server(move |mut s| {
        let seen = s2.clone();
        async move {
            if !read_head(&mut s).await {
                return;
            }
            let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
            if s.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let mut piece = b"[".to_vec();
            piece.extend(std::iter::repeat_n(b"0,".as_slice(), 32 * 1024).flatten());
            loop {
                let chunk = format!("{:x}\r\n", piece.len());
                let ok = s.write_all(chunk.as_bytes()).await.is_ok()
                    && s.write_all(&piece).await.is_ok()
                    && s.write_all(b"\r\n").await.is_ok();
                if !ok {
                    seen.closed.store(true, Ordering::SeqCst);
                    return;
                }
                seen.sent.fetch_add(piece.len() as u64, Ordering::SeqCst);
                piece = b"0,".repeat(32 * 1024);
            }
        }
    })
    .await;
    (url, seen)
}

/// Wait (up to 10 s) until `f` holds.
pub async fn eventually(what: &str, f: impl Fn() -> bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(tokio::time::Instant::now() < deadline, "never happened: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Run `fut`, failing the test if it takes longer than `limit` (a client that hangs past its timeout).
pub async fn bounded<T>(limit: Duration, fut: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, fut).await.expect("the client hung past its own timeout")
}

/// A body that is not UTF-8: valid JSON shape with a Latin-1 byte in a label value.
pub fn latin1_body(json: &str) -> Vec<u8> {
    json.replace("LATIN1", "\u{1}").into_bytes().into_iter().map(|b| if b == 1 { 0xE9 } else { b }).collect()
}

/// A short HTML error page, as a proxy would send for a 500.
pub const HTML_500: &str =
    "<!DOCTYPE html><html><head><title>500 Internal Server Error</title></head><body><h1>oops</h1></body></html>";

/// Every one of `needles` is in `text` (the wording a user reads).
pub fn says(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "`{n}` missing from: {text}");
    }
}

/// A fault's error, checked: its kind, and every one of `needles` in its message.
pub fn failed<T: std::fmt::Debug>(
    r: Result<T, centinela::action::FetchError>,
    kind: centinela::action::FetchErrorKind,
    needles: &[&str],
) -> centinela::action::FetchError {
    let e = r.expect_err("a fault is an error");
    assert_eq!(e.kind, kind, "{e:?}");
    says(&e.message, needles);
    e
}
