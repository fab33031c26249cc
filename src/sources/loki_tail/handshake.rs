//! The tail's websocket handshake request (URL, headers, credentials) and how its failures read.

use super::ConnectError;
use crate::action::{FetchError, FetchErrorKind};
use crate::sanitize::sanitize_trunc;
use crate::sources::connect::percent_decode;
use crate::sources::http::{self, err};
use crate::sources::loki::{LokiClient, TAIL};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// The websocket handshake request: `ws(s)://…/loki/api/v1/tail?query=…&start=…&limit=…&delay_for=0` with
/// the client's headers.
pub(super) fn tail_request(client: &LokiClient, expr: &str, start_ns: i64, limit: u32) -> Result<Request, FetchError> {
    let conn = &client.conn;
    let bad = |m: String| err(FetchErrorKind::Connect, format!("{}: {m}", conn.shown));
    let mut url = reqwest::Url::parse(&conn.url(TAIL)).map_err(|e| bad(format!("invalid URL ({e})")))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "ws",
        "https" | "wss" => "wss",
        other => return Err(bad(format!("cannot tail over `{}`", sanitize_trunc(other, 20)))),
    };
    url.set_scheme(scheme).map_err(|_| bad("cannot switch the URL to a websocket".into()))?;
    url.query_pairs_mut()
        .append_pair("query", expr)
        .append_pair("start", &start_ns.to_string())
        .append_pair("limit", &limit.to_string())
        .append_pair("delay_for", "0");
    // Credentials in the URL become basic auth, as reqwest does for the HTTP requests.
    let basic = (!url.username().is_empty() || url.password().is_some()).then(|| {
        let user = percent_decode(url.username());
        let pass = percent_decode(url.password().unwrap_or(""));
        format!("Basic {}", crate::sources::health::base64(format!("{user}:{pass}")))
    });
    let _ = url.set_username("");
    let _ = url.set_password(None);
    let mut req = url.as_str().into_client_request().map_err(|e| bad(format!("invalid tail request ({e})")))?;
    let headers = req.headers_mut();
    if let Some(b) = basic {
        let mut v = http_value(&b).map_err(|_| bad("the URL's credentials cannot be sent as a header".into()))?;
        v.set_sensitive(true);
        headers.insert(reqwest::header::AUTHORIZATION, v);
    }
    for (k, v) in &conn.headers {
        headers.insert(k.clone(), v.clone());
    }
    headers.insert(reqwest::header::USER_AGENT, reqwest::header::HeaderValue::from_static(http::USER_AGENT));
    Ok(req)
}

pub(super) fn http_value(s: &str) -> Result<reqwest::header::HeaderValue, reqwest::header::InvalidHeaderValue> {
    reqwest::header::HeaderValue::from_str(s)
}

pub(super) fn handshake_error(e: tungstenite::Error, what: &str) -> ConnectError {
    use tungstenite::Error as E;
    match e {
        E::Http(resp) => {
            let status = resp.status().as_u16();
            let excerpt = http::body_excerpt(resp.body().as_deref().unwrap_or_default());
            if matches!(status, 401 | 403 | 407) {
                ConnectError::Failed(err(
                    FetchErrorKind::Http,
                    format!("{what} refused the live tail's credentials (HTTP {status}: {excerpt})"),
                ))
            } else {
                ConnectError::Refused {
                    reason: format!("the websocket upgrade was refused with HTTP {status} ({excerpt})"),
                }
            }
        }
        // A TLS 1.3 server checks the client certificate after the handshake: its refusal arrives as
        // the first read fails.
        E::Io(e) if http::tls_words(&e.to_string()).is_some() => ConnectError::Failed(err(
            FetchErrorKind::Connect,
            format!("{what}: {}", http::tls_words(&e.to_string()).unwrap_or_default()),
        )),
        E::Io(e) => ConnectError::Failed(err(
            FetchErrorKind::Connect,
            format!("{what} is unreachable: {}", http::unreachable_words(&e.to_string(), false)),
        )),
        E::Tls(e) => {
            let words = http::tls_words(&e.to_string()).unwrap_or_else(|| format!("TLS: {e}"));
            ConnectError::Failed(err(FetchErrorKind::Connect, format!("{what}: {words}")))
        }
        E::Url(e) => ConnectError::Failed(err(FetchErrorKind::Connect, format!("{what}: cannot tail this URL: {e}"))),
        e => ConnectError::Failed(err(FetchErrorKind::Http, format!("{what}: the live tail handshake failed: {e}"))),
    }
}

/// Why an established connection ended.
pub(super) fn lost_error(e: tungstenite::Error, what: &str, cap: usize) -> FetchError {
    use tungstenite::error::ProtocolError;
    use tungstenite::Error as E;
    match e {
        E::ConnectionClosed | E::AlreadyClosed => err(FetchErrorKind::Connect, format!("{what} closed the live tail")),
        E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            err(FetchErrorKind::Connect, format!("{what} dropped the live tail connection"))
        }
        E::Io(e) => err(FetchErrorKind::Connect, format!("{what}: the live tail connection broke: {e}")),
        E::Capacity(_) => err(
            FetchErrorKind::TooLarge,
            format!("{what}: a live tail frame is larger than the {} MiB cap; raise max_body_mib", cap >> 20),
        ),
        E::Utf8(e) => err(FetchErrorKind::Decode, format!("{what}: a live tail frame is not UTF-8 ({e})")),
        e => err(FetchErrorKind::Connect, format!("{what}: the live tail failed: {e}")),
    }
}

/// A close frame: Loki's reason verbatim when it closed for a reason other than a normal end.
pub(super) fn close_error(frame: Option<&CloseFrame>, what: &str) -> FetchError {
    match frame {
        Some(f) if !matches!(f.code, CloseCode::Normal | CloseCode::Away) && !f.reason.trim().is_empty() => {
            FetchError { kind: FetchErrorKind::Api, message: sanitize_trunc(f.reason.trim(), 1000) }
        }
        Some(f) if !f.reason.trim().is_empty() => {
            err(FetchErrorKind::Connect, format!("{what} ended the live tail: {}", f.reason.trim()))
        }
        Some(f) => err(FetchErrorKind::Connect, format!("{what} ended the live tail (code {})", u16::from(f.code))),
        None => err(FetchErrorKind::Connect, format!("{what} ended the live tail")),
    }
}
