//! Running an HTTP action: one request through the shared client builder, its body streamed as lines.

use super::output::Collector;
use super::{HttpCommand, RunEvent, RunOutcome, RunStatus, Stream};
use crate::actions::audit::is_secret_name;
use crate::sources::http::{client, redact_url, transport_error, Timeouts};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;

/// The longest a connection may take to open, within the action's timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Send the request and stream the response body as [`Stream::Stdout`] lines. It succeeds when the
/// status is in `expect_status` (any 2xx when that is empty); the status is the outcome's exit code.
/// Redirects are followed only when they keep the method and body (307, 308), as for every client.
pub async fn run_http(cmd: HttpCommand, events: UnboundedSender<RunEvent>) -> RunOutcome {
    let start = Instant::now();
    let mut out = Collector::new(events);
    let shown = format!("{} {}", cmd.method, redact_url(&cmd.url));
    let t = Timeouts { connect: CONNECT_TIMEOUT.min(cmd.timeout), total: cmd.timeout };
    let req = match build(&cmd, t) {
        Ok(req) => req,
        Err(message) => return RunOutcome::failed(message, start, &out),
    };
    let mut resp = match req.send().await {
        Ok(resp) => resp,
        Err(e) if e.is_timeout() && !e.is_connect() => return timed_out(&shown, t, start, &out),
        Err(e) => return RunOutcome::failed(transport_error(&e, &shown, t).message, start, &out),
    };
    let status = resp.status().as_u16();
    let broke_off = loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => out.push(Stream::Stdout, &chunk),
            Ok(None) => break None,
            Err(e) => break Some(e),
        }
    };
    out.finish(Stream::Stdout);
    if let Some(e) = broke_off {
        if e.is_timeout() {
            return timed_out(&shown, t, start, &out);
        }
        let summary = format!("HTTP {status}, but {}", transport_error(&e, &shown, t).message);
        let finished = RunStatus::Finished { exit_code: Some(i32::from(status)), signal: None };
        return RunOutcome::new(finished, false, summary, start, &out);
    }
    let success =
        if cmd.expect_status.is_empty() { (200..300).contains(&status) } else { cmd.expect_status.contains(&status) };
    let summary =
        if success { format!("HTTP {status}") } else { format!("HTTP {status}, expected {}", expected(&cmd)) };
    RunOutcome::new(
        RunStatus::Finished { exit_code: Some(i32::from(status)), signal: None },
        success,
        summary,
        start,
        &out,
    )
}

fn build(cmd: &HttpCommand, t: Timeouts) -> Result<reqwest::RequestBuilder, String> {
    let method = reqwest::Method::from_bytes(cmd.method.to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("`{}` is not an HTTP method", cmd.method))?;
    let url =
        reqwest::Url::parse(&cmd.url).map_err(|e| format!("`{}` is not a valid URL: {e}", redact_url(&cmd.url)))?;
    let mut req = client(t)?.request(method, url);
    for (name, value) in &cmd.headers {
        let header = reqwest::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("`{name}` is not a valid header name"))?;
        let mut v = reqwest::header::HeaderValue::from_str(value)
            .map_err(|_| format!("the value of header `{name}` holds characters a header cannot carry"))?;
        v.set_sensitive(is_secret_name(name));
        req = req.header(header, v);
    }
    if let Some(body) = &cmd.body {
        req = req.body(body.clone());
    }
    Ok(req)
}

fn timed_out(shown: &str, t: Timeouts, start: Instant, out: &Collector) -> RunOutcome {
    let summary = format!("{shown} timed out after {}", humantime::format_duration(t.total));
    RunOutcome::new(RunStatus::TimedOut, false, summary, start, out)
}

/// `2xx`, `200` or `200, 201 or 204`.
fn expected(cmd: &HttpCommand) -> String {
    match cmd.expect_status.as_slice() {
        [] => "2xx".into(),
        [only] => only.to_string(),
        [rest @ .., last] => {
            let rest: Vec<String> = rest.iter().map(u16::to_string).collect();
            format!("{} or {last}", rest.join(", "))
        }
    }
}
