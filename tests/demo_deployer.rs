//! The Mini Market example's promise, in the demo: the restart action, as `--demo` rewires it, pressed
//! on the firing "service down" alert, heals the service, and the alert resolves. The action is the
//! one `demo_config` builds, rendered for the alert the demo's Alertmanager serves and sent by the
//! action runner, so the config's template is what reaches the simulated deployer.

use centinela::actions::run::{run_http, HttpCommand, RunEvent, Stream};
use centinela::actions::spec::{render, Rendered};
use centinela::actions::template::Ctx;
use centinela::config::PromSource;
use centinela::setup::demo_actions::demo_secrets;
use centinela::sources::alertmanager::AmClient;
use centinela::sources::prometheus::{PromClient, QueryData};
use std::time::{Duration, Instant};

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// `up{job="agente_negocio"}` now, from the demo's Prometheus.
async fn negocio_up(prom: &PromClient) -> f64 {
    let QueryData::Vector { samples } =
        prom.query(r#"up{job="agente_negocio"}"#, now_ms() as f64 / 1000.0).await.unwrap()
    else {
        panic!("not a vector")
    };
    assert_eq!(samples.len(), 1, "{samples:?}");
    samples[0].v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_on_the_firing_service_down_heals_it_and_the_alert_resolves() {
    // 60 s into the incident: agente_negocio has been down for 20 s.
    let demo = centinela::demo::start(centinela::demo::DemoOptions { start_unix_ms: now_ms() - 60_000, frozen: false })
        .await
        .unwrap();
    let config = centinela::setup::demo_config(&demo).unwrap();
    let env = config.environment(None).unwrap().clone();
    let am = AmClient::new(&env.alertmanagers[0]).unwrap();
    let prom = PromClient::new(&PromSource::new(&demo.prometheus_url)).unwrap();

    let alerts = am.alerts().await.unwrap();
    let down = alerts.iter().find(|a| a.name() == "ServiceDown").expect("ServiceDown fires in the demo Alertmanager");
    assert_eq!(down.labels.get("service").map(String::as_str), Some("agente_negocio"));
    assert!(down.ends_at_ms.is_none_or(|e| e > now_ms()), "firing: {down:?}");
    assert_eq!(negocio_up(&prom).await, 0.0);

    let restart = config.actions.iter().find(|a| a.name == "restart").unwrap();
    assert!(restart.applies_to_alert(down), "R is offered on the alert");
    let ctx = Ctx::new("restart", &env.name, "ana", now_ms()).with_alert(down).with_secrets(demo_secrets());
    let Rendered::Http(req) = render(restart, &ctx).unwrap() else { panic!("the demo's restart is a request") };
    assert_eq!(req.url, format!("{}/v1/services/agente_negocio/restart", demo.deployer_url));
    let cmd = HttpCommand {
        method: req.method.as_str().into(),
        url: req.url.clone(),
        headers: req.headers.iter().map(|(n, v)| (n.clone(), v.reveal().to_string())).collect(),
        body: req.body.as_ref().map(|b| b.reveal().to_string()),
        expect_status: vec![200],
        timeout: restart.timeout.0,
    };

    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let lines = tokio::spawn(async move {
        let mut lines = Vec::new();
        while let Some(e) = rx.recv().await {
            if let RunEvent::Output { stream: Stream::Stdout, line } = e {
                lines.push((Instant::now(), line));
            }
        }
        lines
    });
    let outcome = run_http(cmd, tx).await;
    let lines = lines.await.unwrap();
    let text: Vec<&str> = lines.iter().map(|(_, l)| l.as_str()).collect();
    assert!(outcome.success, "{outcome:?}\n{text:#?}");
    assert!(text[0].contains("restart of agente_negocio") && text[0].contains("requested by ana"), "{text:#?}");
    assert!(text.iter().any(|l| l.contains("agente_negocio is down")), "{text:#?}");
    assert!(text.iter().any(|l| l.contains("health ok")), "{text:#?}");
    let spread = lines.last().unwrap().0 - lines[0].0;
    assert!(spread >= Duration::from_secs(2), "the log comes step by step, not at once: {spread:?}");

    assert_eq!(negocio_up(&prom).await, 1.0);
    let alerts = am.alerts().await.unwrap();
    let still = alerts.iter().find(|a| a.name() == "ServiceDown");
    assert!(still.is_none_or(|a| a.ends_at_ms.is_some_and(|e| e <= now_ms())), "ServiceDown resolved: {still:?}");
    assert!(!alerts.iter().any(|a| a.labels.get("service").map(String::as_str) == Some("agente_negocio")));
    let rules = reqwest::get(format!("{}/api/v1/alerts", demo.prometheus_url)).await.unwrap().text().await.unwrap();
    assert!(!rules.contains("ServiceDown"), "{rules}");
    let negocio = demo.services.iter().find(|s| s.job == "agente_negocio").unwrap();
    let health = reqwest::Client::new()
        .get(&negocio.health_url)
        .header("Authorization", format!("Bearer {}", centinela::sim::services::DEMO_TOKEN))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status().as_u16(), 200);
}

#[tokio::test]
async fn the_demo_runs_no_program_and_calls_only_its_deployer() {
    let demo =
        centinela::demo::start(centinela::demo::DemoOptions { start_unix_ms: now_ms(), frozen: false }).await.unwrap();
    let config = centinela::setup::demo_config(&demo).unwrap();
    let names: Vec<&str> = config.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["restart", "rollback", "backup-db", "rotate-api-key"]);
    let profile = centinela::config::load_str("minimarket.toml", centinela::setup::DEMO_PROFILE).unwrap();
    let down = centinela::alerts::model::Alert {
        fingerprint: "0".into(),
        labels: [("alertname", "ServiceDown"), ("job", "agente_negocio"), ("service", "agente_negocio")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: Default::default(),
        starts_at_ms: 0,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: centinela::alerts::model::AmState::Active,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    };
    for a in &config.actions {
        let ctx = Ctx::new(&a.name, "production", "ana", now_ms()).with_alert(&down).with_secrets(demo_secrets());
        let Rendered::Http(req) = render(a, &ctx).unwrap() else { panic!("{} runs a program", a.name) };
        assert!(req.url.starts_with(&format!("{}/v1/", demo.deployer_url)), "{}", req.url);
        assert_eq!(req.headers[0].1.reveal(), format!("Bearer {}", centinela::sim::services::DEMO_TOKEN));
        let real = profile.actions.iter().find(|p| p.name == a.name).unwrap();
        assert_eq!(
            (&a.key, &a.scope, a.confirm, a.dangerous, a.timeout, a.cooldown, &a.patterns),
            (&real.key, &real.scope, real.confirm, real.dangerous, real.timeout, real.cooldown, &real.patterns),
            "{} keeps its guard rails",
            a.name
        );
        assert_eq!(a.required_labels(), real.required_labels(), "{}", a.name);
    }
    let rollback = config.actions.iter().find(|a| a.name == "rollback").unwrap();
    let Rendered::Http(req) =
        render(rollback, &Ctx::new("rollback", "production", "ana", 0).with_alert(&down).with_secrets(demo_secrets()))
            .unwrap()
    else {
        unreachable!()
    };
    assert_eq!(req.url, format!("{}/v1/services/agente_negocio/rollback", demo.deployer_url));
    assert_eq!(req.body.unwrap().reveal()["to"], "previous");
    let verify = config.actions[0].verify.as_ref().unwrap();
    assert!(verify.alert_resolves && verify.within.0 == Duration::from_secs(60));
}
