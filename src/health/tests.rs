//! The classification table and its edge cases.
use super::*;
use crate::action::FetchErrorKind;
use crate::config::BasicAuth;
use serde_json::json;

fn probe(status: u16, body: Value) -> Result<Probe, FetchError> {
    Ok(Probe { status, latency_ms: 3.0, body: Some(body), body_note: None })
}

fn noted(status: u16, note: &str) -> Result<Probe, FetchError> {
    Ok(Probe { status, latency_ms: 3.0, body: None, body_note: Some(note.into()) })
}

fn target() -> HealthTarget {
    HealthTarget::new("agente_negocio", "http://127.0.0.1:8001/health")
}

fn mm_healthy(status: &str) -> Value {
    json!({"status": status, "service": "agente_negocio", "version": "1.4.2", "timestamp": "2026-11-23T10:00:00Z",
           "uptime_seconds": 86_412.5, "database": {"status": "connected", "latency_ms": 3.1}})
}

/// What, target, probe, expected level, a part of the expected reason.
type Case<'a> = (&'a str, &'a HealthTarget, Result<Probe, FetchError>, Level, &'a str);

#[test]
fn classify_table() {
    let bearer = HealthTarget { bearer_token_env: Some("MM_TOKEN".into()), ..target() };
    let file = HealthTarget { bearer_token_file: Some("/run/secrets/mm".into()), ..target() };
    let basic = HealthTarget { basic_auth: Some(BasicAuth::from_env("ops", "MM_PASS")), ..target() };
    let custom = HealthTarget {
        map: crate::config::HealthMap { status_field: "health.state".into(), ..Default::default() },
        ..target()
    };
    let plain = target();
    let also_503 = HealthTarget { expect_status: vec![200, 503], ..target() };
    let refused = Err(FetchError {
        kind: FetchErrorKind::Connect,
        message: "agente_negocio at http://127.0.0.1:8001/health is unreachable: Connection refused".into(),
    });
    let cases: Vec<Case> = vec![
        ("mini market healthy", &bearer, probe(200, mm_healthy("healthy")), Level::Ok, "healthy"),
        ("mini market degraded", &bearer, probe(200, mm_healthy("degraded")), Level::Warn, "degraded"),
        (
            "mini market unhealthy",
            &bearer,
            probe(503, json!({"status": "unhealthy", "error": "database connection pool exhausted"})),
            Level::Down,
            "HTTP 503: database connection pool exhausted",
        ),
        ("transport error", &plain, refused, Level::Down, "unreachable: Connection refused"),
        (
            "401 env",
            &bearer,
            probe(401, json!({"detail": "Not authenticated"})),
            Level::Auth,
            "401: check the bearer token (bearer_token_env = MM_TOKEN)",
        ),
        (
            "403 file",
            &file,
            noted(403, "not JSON: Forbidden"),
            Level::Auth,
            "403: check the bearer token (bearer_token_file = /run/secrets/mm)",
        ),
        ("401 basic", &basic, noted(401, "an empty body"), Level::Auth, "(username = ops, password_env = MM_PASS)"),
        ("401 nothing configured", &plain, noted(401, "an empty body"), Level::Auth, "set bearer_token_env"),
        ("500 message field", &plain, probe(500, json!({"message": "boom"})), Level::Down, "HTTP 500: boom"),
        ("500 detail field", &plain, probe(500, json!({"detail": "db gone"})), Level::Down, "HTTP 500: db gone"),
        (
            "502 html",
            &plain,
            noted(502, "not JSON: 502 Bad Gateway"),
            Level::Down,
            "HTTP 502: not JSON: 502 Bad Gateway",
        ),
        ("503 json excerpt", &plain, probe(503, json!({"x": 1})), Level::Down, r#"HTTP 503: {"x":1}"#),
        ("503 status only", &plain, probe(503, json!({"status": "unhealthy"})), Level::Down, "HTTP 503: unhealthy"),
        (
            "404 nothing",
            &plain,
            Ok(Probe { status: 404, latency_ms: 1.0, body: None, body_note: None }),
            Level::Down,
            "HTTP 404",
        ),
        (
            "302 not followed",
            &plain,
            noted(302, "redirects to http://x/login (not followed; set that URL in the config)"),
            Level::Down,
            "HTTP 302: redirects to http://x/login",
        ),
        ("503 expected, status decides", &also_503, probe(503, json!({"status": "degraded"})), Level::Warn, "degraded"),
        ("expected, unknown status word", &plain, probe(200, json!({"status": "starting"})), Level::Down, "starting"),
        (
            "expected, down word with error",
            &plain,
            probe(200, json!({"status": "fail", "error": "disk full"})),
            Level::Down,
            "fail: disk full",
        ),
        ("status ignores case", &plain, probe(200, json!({"status": "UP"})), Level::Ok, "UP"),
        ("status Healthy", &plain, probe(200, json!({"status": "Healthy"})), Level::Ok, "Healthy"),
        ("no status field", &plain, probe(200, json!({"service": "x"})), Level::Ok, "HTTP 200, no status field"),
        ("status is an object", &plain, probe(200, json!({"status": {"a": 1}})), Level::Ok, "no status field"),
        ("not JSON but 200", &plain, noted(200, "not JSON: OK"), Level::Ok, "HTTP 200, no status field (not JSON: OK)"),
        ("body is an array", &plain, probe(200, json!([1, 2])), Level::Ok, "no status field"),
        ("custom field", &custom, probe(200, json!({"health": {"state": "pass"}})), Level::Ok, "pass"),
        ("custom field warn", &custom, probe(200, json!({"health": {"state": "warning"}})), Level::Warn, "warning"),
        (
            "custom field missing",
            &custom,
            probe(200, json!({"status": "unhealthy"})),
            Level::Ok,
            "no health.state field",
        ),
        (
            "db down demotes ok",
            &plain,
            probe(200, json!({"status": "ok", "database": {"status": "disconnected"}})),
            Level::Warn,
            "ok, but database is down",
        ),
        (
            "two deps down",
            &plain,
            probe(200, json!({"status": "ok", "services": {"a": "down", "b": {"status": "error"}, "c": "up"}})),
            Level::Warn,
            "ok, but 2 dependencies are down: a, b",
        ),
        (
            "degraded dep keeps ok",
            &plain,
            probe(200, json!({"status": "ok", "database": {"status": "degraded"}})),
            Level::Ok,
            "ok",
        ),
        (
            "down dep leaves warn",
            &plain,
            probe(200, json!({"status": "degraded", "database": "down"})),
            Level::Warn,
            "degraded",
        ),
    ];
    for (what, t, p, level, reason) in cases {
        let v = classify(t, &p);
        assert_eq!(v.level, level, "{what}: {v:?}");
        assert!(v.reason.contains(reason), "{what}: {:?} lacks {reason:?}", v.reason);
        assert!(!v.reason.contains('\n'), "{what}: one line");
    }
}

#[test]
fn mini_market_version_uptime_and_database() {
    let v = classify(&target(), &probe(200, mm_healthy("healthy")));
    assert_eq!(v.version.as_deref(), Some("1.4.2"));
    assert_eq!(v.uptime_s, Some(86_412.5));
    assert_eq!(v.deps, [Dependency { name: "database".into(), level: Level::Ok, detail: "connected, 3.1 ms".into() }]);
    // The unhealthy body has no version, uptime or database.
    let v = classify(&target(), &probe(503, json!({"status": "unhealthy", "error": "x", "service": "s"})));
    assert_eq!((v.version, v.uptime_s, v.deps.len()), (None, None, 0));
}

#[test]
fn the_demo_health_bodies() {
    use crate::sim::{scenario::World, services::health};
    let w = World::new(1_700_000_000_000);
    let at = |job: &str, dt: f64| {
        let (code, body) = health(&w, job, w.t0 + dt);
        classify(&target(), &probe(code.as_u16(), body))
    };
    let v = at("agente_negocio", 5.0);
    assert_eq!((v.level, v.reason.as_str(), v.version.as_deref()), (Level::Ok, "healthy", Some("1.4.2")));
    assert_eq!(v.deps.len(), 1);
    let v = at("agente_negocio", 50.0);
    assert_eq!((v.level, v.reason.as_str()), (Level::Down, "HTTP 503: database connection pool exhausted"));
    assert_eq!(at("ml_service", 90.0).level, Level::Warn);
}

#[test]
fn services_star_expands_every_entry() {
    let body = json!({"status": "healthy", "services": {
        "auth": "up", "ml": {"status": "degraded"}, "pay": {"status": "down", "error": "timeout"},
        "odd": 42, "nostatus": {"latency_ms": 3}, "flag": false
    }});
    let v = classify(&target(), &probe(200, body));
    let mut got: Vec<(&str, Level, &str)> =
        v.deps.iter().map(|d| (d.name.as_str(), d.level, d.detail.as_str())).collect();
    got.sort_by_key(|g| g.0);
    assert_eq!(
        got,
        [
            ("auth", Level::Ok, "up"),
            ("flag", Level::Down, "false"),
            ("ml", Level::Warn, "degraded"),
            ("pay", Level::Down, "down, timeout"),
        ]
    );
    assert_eq!(v.level, Level::Warn);
    // Named in the order the service wrote them.
    assert!(v.reason.contains("2 dependencies are down: pay, flag"), "{}", v.reason);
}

#[test]
fn dependency_paths_nested_arrays_and_absent() {
    let t = HealthTarget {
        map: crate::config::HealthMap {
            dependencies: vec!["checks.*".into(), "infra.cache".into(), "missing".into(), "a.*.b".into(), "".into()],
            ..Default::default()
        },
        ..target()
    };
    let body = json!({"status": "ok",
        "checks": [{"name": "disk", "status": "pass"}, {"status": "fail"}],
        "infra": {"cache": {"status": "OK"}},
        "a": {"x": {"b": "up"}, "y": {"c": "up"}}});
    let v = classify(&t, &probe(200, body));
    let names: Vec<(&str, Level)> = v.deps.iter().map(|d| (d.name.as_str(), d.level)).collect();
    assert_eq!(names, [("disk", Level::Ok), ("1", Level::Down), ("cache", Level::Ok), ("x", Level::Ok)]);
}

#[test]
fn hostile_bodies_are_sanitised_and_bounded() {
    let long = "e".repeat(5000);
    let body = json!({"status": "\u{1b}[2Jhealthy", "version": "1.0\u{1b}]52;c;x\u{7}", "error": long,
        "uptime_seconds": "-5", "database": {"status": "connected\u{202E}"}});
    let v = classify(&target(), &probe(500, body));
    assert_eq!(v.level, Level::Down);
    assert!(v.reason.chars().count() <= 300 && !v.reason.contains('\u{1b}'), "{}", v.reason);
    assert!(!v.version.unwrap().contains('\u{1b}'));
    assert_eq!(v.uptime_s, None, "negative uptime is ignored");
    assert_eq!(v.deps[0].level, Level::Down, "a bidi override is not `connected`");
    assert!(!v.deps[0].detail.contains('\u{202E}'));

    // Thousands of dependencies are capped.
    let many: serde_json::Map<String, Value> = (0..1000).map(|i| (format!("s{i}"), json!("up"))).collect();
    let v = classify(&target(), &probe(200, json!({"status": "ok", "services": many})));
    assert_eq!(v.deps.len(), MAX_DEPS);
    // A numeric uptime string is read.
    let v = classify(&target(), &probe(200, json!({"uptime_seconds": "12.5", "version": 3})));
    assert_eq!((v.uptime_s, v.version.as_deref()), (Some(12.5), Some("3")));
}

#[test]
fn levels_order_and_labels() {
    use Level::*;
    assert_eq!(Ok.worse(Warn), Warn);
    assert_eq!(Down.worse(Auth), Down);
    assert_eq!(Auth.worse(Warn), Auth);
    assert_eq!(Unknown.worse(Ok), Unknown);
    assert_eq!(Warn.worse(Unknown), Warn);
    let labels: Vec<&str> = [Ok, Warn, Down, Auth, Unknown].iter().map(|l| l.label()).collect();
    assert_eq!(labels, ["ok", "warn", "down", "auth", "?"]);
}
