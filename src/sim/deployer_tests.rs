use super::*;
use crate::sim::scenario::NEGOCIO_DOWN_AT;

/// A deployer over a world `offset_ms` into the incident, its steps `step` apart: its base URL.
async fn deployer(offset_ms: i64, step: Duration) -> (String, Arc<World>) {
    let world = Arc::new(World::new(now_ms() - offset_ms));
    let state = Arc::new(Deployer { world: world.clone(), step });
    let (addr, _task) = crate::sim::serve(router(state)).await.unwrap();
    (format!("http://{addr}"), world)
}

async fn post(url: String, token: Option<&str>, body: &str) -> (u16, String) {
    let mut req = reqwest::Client::new().post(url).body(body.to_string());
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

fn now_s() -> f64 {
    now_ms() as f64 / 1000.0
}

#[tokio::test]
async fn a_restart_heals_the_downed_service() {
    let (base, world) = deployer(60_000, Duration::ZERO).await;
    assert!(world.is_down("agente_negocio", now_s()));
    let (status, log) =
        post(format!("{base}/v1/services/agente_negocio/restart"), Some(DEMO_TOKEN), r#"{"requested_by":"ana"}"#).await;
    assert_eq!(status, 200, "{log}");
    assert!(log.contains("restart of agente_negocio (compose service agente-negocio"), "{log}");
    assert!(log.contains("requested by ana"), "{log}");
    assert!(log.contains("agente_negocio is down: GET /health answers HTTP 503"), "{log}");
    assert!(log.contains("stopping container minimarket-agente-negocio-1"), "{log}");
    assert!(log.contains("health ok: GET /health answered HTTP 200, status healthy"), "{log}");
    assert!(log.trim_end().ends_with("restart of agente_negocio done"), "{log}");
    assert!(!world.is_down("agente_negocio", now_s()));
    assert!(world.is_down("agente_negocio", world.t0 + NEGOCIO_DOWN_AT + 1.0), "history keeps the outage");
}

#[tokio::test]
async fn a_healthy_service_is_restarted_anyway_by_any_of_its_names() {
    let (base, _) = deployer(60_000, Duration::ZERO).await;
    for name in ["ml_service", "ml-service", "minimarket-ml-service-1"] {
        let (status, log) = post(format!("{base}/v1/services/{name}/restart"), Some(DEMO_TOKEN), "").await;
        assert_eq!(status, 200, "{name}: {log}");
        assert!(log.contains("ml_service was healthy; restarted anyway"), "{log}");
        assert!(log.contains("requested by someone"), "{log}");
    }
}

#[tokio::test]
async fn unknown_services_and_missing_tokens_are_refused() {
    let (base, world) = deployer(60_000, Duration::ZERO).await;
    let (status, msg) = post(format!("{base}/v1/services/postgres/restart"), Some(DEMO_TOKEN), "").await;
    assert_eq!(status, 404);
    assert!(msg.contains("no service `postgres` here") && msg.contains("agente_negocio"), "{msg}");

    let resp = reqwest::Client::new().post(format!("{base}/v1/services/agente_negocio/restart")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(resp.headers()["www-authenticate"], "Bearer");
    assert!(resp.text().await.unwrap().contains("Authorization: Bearer"));
    for path in ["services/agente_negocio/rollback", "backups", "api-keys/rotate"] {
        assert_eq!(post(format!("{base}/v1/{path}"), Some("wrong"), "").await.0, 401, "{path}");
    }
    assert!(world.is_down("agente_negocio", now_s()), "nothing was done");

    let (status, msg) = post(format!("{base}/v1/services/agente_negocio/restart"), Some(DEMO_TOKEN), "{").await;
    assert_eq!(status, 400);
    assert!(msg.contains("not the JSON object expected"), "{msg}");
}

#[tokio::test]
async fn a_rollback_heals_and_walks_back_the_releases() {
    let (base, world) = deployer(60_000, Duration::ZERO).await;
    let url = format!("{base}/v1/services/agente-negocio/rollback");
    let (status, log) = post(url.clone(), Some(DEMO_TOKEN), r#"{"to":"previous","requested_by":"ana"}"#).await;
    assert_eq!(status, 200, "{log}");
    assert!(log.contains("from 1.4.2 to 1.4.1 requested by ana"), "{log}");
    assert!(log.contains("pulling image minimarket/agente-negocio:1.4.1"), "{log}");
    assert!(log.contains("release 1.4.1"), "{log}");
    assert!(log.contains("the errors of 1.4.2 are gone with it"), "{log}");
    assert!(!world.is_down("agente_negocio", now_s()));
    assert!(world.err_ratio("agente_negocio", now_s()) < 0.01);

    let (status, msg) = post(url.clone(), Some(DEMO_TOKEN), r#"{"to":"1.4.2"}"#).await;
    assert_eq!((status, msg.trim()), (409, "1.4.2 is not older than the running release 1.4.1 of agente_negocio"));
    let (status, msg) = post(url.clone(), Some(DEMO_TOKEN), r#"{"to":"7.0"}"#).await;
    assert_eq!(status, 404);
    assert!(msg.contains("known releases: 1.3.0, 1.4.1, 1.4.2"), "{msg}");
    let (status, log) = post(url.clone(), Some(DEMO_TOKEN), "").await;
    assert_eq!(status, 200);
    assert!(log.contains("agente_negocio was healthy; rolled back anyway") && log.contains("to 1.3.0 done"), "{log}");
    let (status, msg) = post(url, Some(DEMO_TOKEN), "").await;
    assert_eq!(status, 409);
    assert!(msg.contains("oldest known release"), "{msg}");
}

#[tokio::test]
async fn backups_and_key_rotations_only_pretend() {
    let (base, _) = deployer(60_000, Duration::ZERO).await;
    let (status, log) =
        post(format!("{base}/v1/backups"), Some(DEMO_TOKEN), r#"{"environment":"staging","requested_by":"ana"}"#).await;
    assert_eq!(status, 200, "{log}");
    assert!(log.contains("DATABASE BACKUP (simulated) of staging") && log.contains("backup complete"), "{log}");
    let (status, msg) = post(format!("{base}/v1/backups"), Some(DEMO_TOKEN), r#"{"environment":"../x"}"#).await;
    assert_eq!(status, 400, "{msg}");
    let (status, log) = post(format!("{base}/v1/api-keys/rotate"), Some(DEMO_TOKEN), "{}").await;
    assert_eq!(status, 200, "{log}");
    assert!(log.contains("rotating DASHBOARD_API_KEY of production") && log.contains("never shown"), "{log}");
}

#[tokio::test]
async fn the_log_comes_a_step_at_a_time() {
    let step = Duration::from_millis(150);
    let (base, world) = deployer(60_000, step).await;
    let start = std::time::Instant::now();
    let mut resp = reqwest::Client::new()
        .post(format!("{base}/v1/services/agente_negocio/restart"))
        .header("Authorization", format!("Bearer {DEMO_TOKEN}"))
        .send()
        .await
        .unwrap();
    let first = resp.chunk().await.unwrap().unwrap();
    assert!(start.elapsed() < 4 * step, "the first line comes at once");
    assert!(String::from_utf8_lossy(&first).contains("restart of agente_negocio"));
    assert!(world.is_down("agente_negocio", now_s()), "still down until the container has started");
    let mut chunks = 1;
    while resp.chunk().await.unwrap().is_some() {
        chunks += 1;
    }
    assert!(chunks >= 5, "{chunks} chunks");
    assert!(start.elapsed() >= 5 * step);
    assert!(!world.is_down("agente_negocio", now_s()));
}
