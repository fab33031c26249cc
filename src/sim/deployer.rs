//! The demo's deployer: the HTTP endpoints `--demo` rewires the Mini Market's runbook actions to, so
//! pressing an action's key in the demo does something real to the simulated world and never runs
//! `docker` or a script on the user's machine.
//!
//! - `POST /v1/services/{service}/restart` restarts a service ([`World::restart`]): a downed one comes
//!   back up; a healthy one is restarted anyway.
//! - `POST /v1/services/{service}/rollback` puts it on an older release ([`World::rollback`]): the one
//!   before the running one, or the body's `{"to": "1.3.0"}` (`"previous"` means the one before).
//! - `POST /v1/backups` takes a (pretend) backup of the database, as their `backup_database.sh` does.
//! - `POST /v1/api-keys/rotate` rotates the (pretend) dashboard API key.
//!
//! `{service}` is the Prometheus `job`/`service` label (`agente_negocio`), the compose service
//! (`agente-negocio`) or the container (`minimarket-agente-negocio-1`). Every request needs
//! `Authorization: Bearer` [`DEMO_TOKEN`] (401 otherwise); a JSON body is optional
//! (`requested_by`, `to`, `environment`).
//!
//! The answer is `200 text/plain`: a log of the steps, streamed a line at a time over about 2.5 s
//! (the action's output pane shows them as they come). A restart or rollback takes effect at its
//! "container started" step, decided when the request arrives, so it happens even if the client goes
//! away. Refusals are plain text too: 400 (bad body), 401, 404 (unknown service or release), 409
//! (nothing older to roll back to, or a restart already under way).

use super::scenario::{RollbackRefused, World, SERVICES};
use super::services::{health, DEMO_TOKEN};
use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

/// The pause between two steps of a log.
pub const STEP: Duration = Duration::from_millis(500);

/// The deployer's state: the world it acts on and how fast its logs go.
pub struct Deployer {
    pub world: Arc<World>,
    /// The pause between steps ([`STEP`]; zero in tests).
    pub step: Duration,
}

impl Deployer {
    /// A deployer acting on `world`, its logs [`STEP`] a line.
    pub fn new(world: Arc<World>) -> Deployer {
        Deployer { world, step: STEP }
    }
}

/// The deployer's routes.
pub fn router(state: Arc<Deployer>) -> Router {
    Router::new()
        .route("/v1/services/{service}/restart", post(restart))
        .route("/v1/services/{service}/rollback", post(rollback))
        .route("/v1/backups", post(backup))
        .route("/v1/api-keys/rotate", post(rotate_api_key))
        .with_state(state)
}

/// What a request may say; every field optional, unknown ones ignored.
#[derive(Debug, Default, Deserialize)]
struct Ask {
    requested_by: Option<String>,
    /// A rollback's release, or `previous`.
    to: Option<String>,
    environment: Option<String>,
}

/// A service by any of its names: (job, compose service, container).
fn resolve(name: &str) -> Option<(&'static str, String, &'static str)> {
    SERVICES
        .iter()
        .find(|(job, _, container)| *job == name || job.replace('_', "-") == name || *container == name)
        .map(|(job, _, container)| (*job, job.replace('_', "-"), *container))
}

/// A refused request: its status and why, in one line (sent as plain text).
#[derive(Debug)]
struct Refused(StatusCode, String);

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let mut r =
            (self.0, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{}\n", self.1)).into_response();
        if self.0 == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// The request's body, or the refusal: 401 without the token, 400 for a body that is not JSON.
fn admit(headers: &HeaderMap, body: &Bytes) -> Result<Ask, Refused> {
    let want = format!("Bearer {DEMO_TOKEN}");
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(want.as_str()) {
        let message = "missing or wrong bearer token: the demo deployer wants `Authorization: Bearer <token>` \
                       with the demo's token (centinela::sim::services::DEMO_TOKEN), which `--demo` puts in its \
                       actions' headers";
        return Err(Refused(StatusCode::UNAUTHORIZED, message.into()));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Ask::default());
    }
    serde_json::from_slice(body)
        .map_err(|e| Refused(StatusCode::BAD_REQUEST, format!("the body is not the JSON object expected: {e}")))
}

fn unknown_service(name: &str) -> Refused {
    let jobs: Vec<&str> = SERVICES.iter().map(|s| s.0).collect();
    let shown = crate::sanitize::sanitize_trunc(name, 64);
    Refused(
        StatusCode::NOT_FOUND,
        format!(
            "no service `{shown}` here; the deployer knows {} (by job, compose service or container name)",
            jobs.join(", ")
        ),
    )
}

/// Who asked, for the log (a short, printable name).
fn who(ask: &Ask) -> String {
    match ask.requested_by.as_deref().map(|u| crate::sanitize::sanitize_trunc(u, 32)) {
        Some(u) if !u.is_empty() => u,
        _ => "someone".into(),
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// One line of a log: written as it is, or worked out when its turn comes.
enum Step {
    Line(String),
    /// The service's `/health` at that moment.
    Health(&'static str),
}

/// A streamed `200 text/plain` answer: each step after its pause, one line each.
fn stream(world: Arc<World>, steps: Vec<(Duration, Step)>) -> Response {
    let lines = futures_util::stream::unfold((steps.into_iter(), world), |(mut steps, world)| async move {
        let (pause, step) = steps.next()?;
        if !pause.is_zero() {
            tokio::time::sleep(pause).await;
        }
        let at = chrono::Utc::now();
        let line = match step {
            Step::Line(l) => l,
            Step::Health(job) => health_line(&world, job, at.timestamp_millis() as f64 / 1000.0),
        };
        let out = format!("{} {line}\n", at.format("%H:%M:%S%.3f"));
        Some((Ok::<_, Infallible>(out), (steps, world)))
    });
    let mut r = Response::new(Body::from_stream(lines));
    r.headers_mut().insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn health_line(world: &World, job: &str, t: f64) -> String {
    let (code, body) = health(world, job, t);
    let status = body["status"].as_str().unwrap_or("?");
    if code == StatusCode::OK {
        format!("health ok: GET /health answered HTTP 200, status {status}, release {}", world.release(job))
    } else {
        let why = body["error"].as_str().unwrap_or(status);
        format!("health check FAILED: GET /health answered HTTP {}: {why}", code.as_u16())
    }
}

/// How the service is before the operation, in one line.
fn state_line(world: &World, job: &str, verb: &str) -> String {
    let t = now_ms() as f64 / 1000.0;
    let (code, body) = health(world, job, t);
    if code != StatusCode::OK {
        let why = body["error"].as_str().unwrap_or("unhealthy");
        return format!("{job} is down: GET /health answers HTTP {} ({why})", code.as_u16());
    }
    let errors = world.err_ratio(job, t);
    if errors > 0.05 {
        return format!("{job} is up but failing {:.1} % of its requests", errors * 100.0);
    }
    format!("{job} was healthy; {verb} anyway")
}

/// The steps from stopping the container to its health check: (pause, step), the fourth is the moment
/// the service is back.
fn container_steps(job: &'static str, container: &str, first: String, step: Duration) -> Vec<(Duration, Step)> {
    vec![
        (step, Step::Line(first)),
        (step, Step::Line(format!("container {container} stopped"))),
        (step, Step::Line(format!("starting container {container}"))),
        (step, Step::Line(format!("container {container} started; waiting for GET /health"))),
        (step, Step::Health(job)),
    ]
}

async fn restart(
    State(st): State<Arc<Deployer>>,
    Path(service): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refused> {
    let ask = admit(&headers, &body)?;
    let (job, compose, container) = resolve(&service).ok_or_else(|| unknown_service(&service))?;
    let now = now_ms();
    let back_at = now + 4 * st.step.as_millis() as i64;
    let state = state_line(&st.world, job, "restarted");
    let was_down = st.world.is_down(job, now as f64 / 1000.0);
    if !st.world.restart(job, back_at) && was_down {
        return Err(Refused(StatusCode::CONFLICT, format!("a restart or rollback of {job} is already under way")));
    }
    let mut steps = vec![
        (
            Duration::ZERO,
            Step::Line(format!(
                "restart of {job} (compose service {compose}, container {container}) requested by {}",
                who(&ask)
            )),
        ),
        (Duration::ZERO, Step::Line(state)),
    ];
    steps.extend(container_steps(job, container, format!("stopping container {container}"), st.step));
    steps.push((Duration::ZERO, Step::Line(format!("restart of {job} done"))));
    Ok(stream(st.world.clone(), steps))
}

async fn rollback(
    State(st): State<Arc<Deployer>>,
    Path(service): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refused> {
    let ask = admit(&headers, &body)?;
    let (job, compose, container) = resolve(&service).ok_or_else(|| unknown_service(&service))?;
    let to = ask.to.as_deref().filter(|v| *v != "previous");
    let now = now_ms();
    let back_at = now + 4 * st.step.as_millis() as i64;
    let state = state_line(&st.world, job, "rolled back");
    let done = st.world.rollback(job, to, back_at).map_err(|e| {
        let status = match e {
            RollbackRefused::UnknownRelease(_) => StatusCode::NOT_FOUND,
            RollbackRefused::NotOlder(_) => StatusCode::CONFLICT,
        };
        Refused(status, e.to_string())
    })?;
    let image = format!("minimarket/{compose}:{}", done.to);
    let mut steps = vec![
        (
            Duration::ZERO,
            Step::Line(format!(
                "rollback of {job} (compose service {compose}) from {} to {} requested by {}",
                done.from,
                done.to,
                who(&ask)
            )),
        ),
        (Duration::ZERO, Step::Line(state)),
        (Duration::ZERO, Step::Line(format!("pulling image {image}"))),
    ];
    steps.extend(container_steps(
        job,
        container,
        format!("image {image} pulled; stopping container {container}"),
        st.step,
    ));
    let end = if done.fixed {
        format!("rollback of {job} to {} done; the errors of {} are gone with it", done.to, done.from)
    } else {
        format!("rollback of {job} to {} done", done.to)
    };
    steps.push((Duration::ZERO, Step::Line(end)));
    Ok(stream(st.world.clone(), steps))
}

/// An environment name fit for a file name, or a 400.
fn environment(ask: &Ask) -> Result<String, Refused> {
    let env = ask.environment.clone().unwrap_or_else(|| "production".into());
    if env.is_empty() || env.len() > 32 || !env.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        let shown = crate::sanitize::sanitize_trunc(&env, 32);
        return Err(Refused(
            StatusCode::BAD_REQUEST,
            format!("`{shown}` is not an environment name (letters, digits, - and _)"),
        ));
    }
    Ok(env)
}

async fn backup(State(st): State<Arc<Deployer>>, headers: HeaderMap, body: Bytes) -> Result<Response, Refused> {
    let ask = admit(&headers, &body)?;
    let env = environment(&ask)?;
    let stamp = chrono::Utc::now().format("%Y%m%d_%H%M%S");
    let base = format!("minimarket_{env}_{stamp}");
    let dir = "/opt/minimarket/inventario-retail/backups/database";
    let line = |pause: Duration, l: String| (pause, Step::Line(l));
    let d = st.step;
    let steps = vec![
        line(Duration::ZERO, format!("MINI MARKET DATABASE BACKUP (simulated) of {env}, requested by {}", who(&ask))),
        line(Duration::ZERO, format!("backup directory: {dir}")),
        line(d, format!("pg_dump --schema-only minimarket > {base}_schema.sql")),
        line(d, format!("pg_dump --data-only minimarket > {base}_data.sql")),
        line(d, format!("gzip: {base}_data.sql.gz (48M), {base}_schema.sql.gz (36K)")),
        line(d, format!("metadata saved in {base}_metadata.json")),
        line(d, "removed backups older than 30 days: none".into()),
        line(Duration::ZERO, format!("backup complete: {dir}/{base}_data.sql.gz")),
    ];
    Ok(stream(st.world.clone(), steps))
}

async fn rotate_api_key(State(st): State<Arc<Deployer>>, headers: HeaderMap, body: Bytes) -> Result<Response, Refused> {
    let ask = admit(&headers, &body)?;
    let env = environment(&ask)?;
    let fingerprint = &crate::actions::audit::sha256_hex(now_ms().to_string().as_bytes())[..16];
    let d = st.step;
    let steps = vec![
        (
            Duration::ZERO,
            Step::Line(format!("rotating DASHBOARD_API_KEY of {env} (simulated), requested by {}", who(&ask))),
        ),
        (
            d,
            Step::Line(format!("new key generated: sha256 fingerprint {fingerprint}… (the key itself is never shown)")),
        ),
        (d, Step::Line("dashboard reloaded its keys; the old key is accepted for 10 more minutes".into())),
        (d, Step::Line("rotation done; update the clients that use the old key".into())),
    ];
    Ok(stream(st.world.clone(), steps))
}

#[cfg(test)]
#[path = "deployer_tests.rs"]
mod tests;
