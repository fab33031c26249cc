//! `centinela postmortem` and `centinela handoff` run as a binary, on incident files written through
//! the store into a temporary data dir: by id, by default, unknown ids, none at all, a corrupt file,
//! Prometheus unreachable, and against the demo (sparklines from its Prometheus, its firing alerts).

use assert_cmd::Command;
use centinela::actions::audit::{AuditLog, Entry, Event as AuditEvent};
use centinela::incidents::{store, AlertSeen, Event, EventKind, Incident};
use std::path::PathBuf;

const MIN: i64 = 60_000;

fn centinela(home: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("centinela").unwrap();
    c.env("CENTINELA_CONFIG_DIR", home.path().join("config"))
        .env("CENTINELA_STATE_DIR", home.path().join("state"))
        .env("CENTINELA_DATA_DIR", home.path().join("data"))
        .env_remove("CENTINELA_DEMO_OFFSET")
        .env_remove("NO_COLOR");
    c
}

fn incidents_dir(home: &tempfile::TempDir) -> PathBuf {
    home.path().join("data/incidents")
}

fn run(home: &tempfile::TempDir, env: &[(&str, &str)], args: &[&str]) -> (Option<i32>, String, String) {
    let mut c = centinela(home);
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.args(args).timeout(std::time::Duration::from_secs(60)).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

/// A ServiceDown on `job` in `env`, opened at `opened`, resolved `minutes` later (open when `None`).
fn incident(env: &str, job: &str, opened: i64, minutes: Option<i64>) -> Incident {
    let labels = [("alertname", "ServiceDown"), ("severity", "critical"), ("job", job)]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let closed = minutes.map(|m| opened + m * MIN);
    let title = format!("ServiceDown (critical, {job})");
    let mut inc = Incident {
        id: centinela::incidents::model::make_id(opened, &["ServiceDown", job]),
        environment: env.into(),
        title: title.clone(),
        severity: "critical".into(),
        opened_ms: opened,
        closed_ms: closed,
        opened_by_hand: false,
        closed_by_hand: false,
        alerts: [(
            "k".to_string(),
            AlertSeen {
                name: "ServiceDown".into(),
                severity: "critical".into(),
                labels,
                starts_ms: opened,
                ends_ms: closed,
            },
        )]
        .into(),
        events: Vec::new(),
    };
    inc.push(Event { at_ms: opened, kind: EventKind::Opened, text: format!("by {title}"), by: String::new() });
    inc.push(Event {
        at_ms: opened + 2 * MIN,
        kind: EventKind::Note,
        text: "looking at the deploy".into(),
        by: "ana@ops".into(),
    });
    if let Some(c) = closed {
        inc.push(Event { at_ms: c, kind: EventKind::Closed, text: "every alert resolved".into(), by: String::new() });
    }
    inc
}

const VALID: &str = "tests/fixtures/config/valid.toml";
/// 2026-11-23 10:00 UTC.
const T0: i64 = 1_795_428_000_000;

#[test]
fn a_postmortem_by_id_and_by_default_with_prometheus_unreachable() {
    let home = tempfile::tempdir().unwrap();
    let older = incident("staging", "checkout", T0, Some(12));
    let newer = incident("staging", "payments", T0 + 60 * MIN, Some(40));
    store::save(&incidents_dir(&home), &older).unwrap();
    store::save(&incidents_dir(&home), &newer).unwrap();

    let (code, out, err) = run(&home, &[], &["postmortem", &older.id, "--config", VALID]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("# Postmortem: ServiceDown (critical, checkout)\n"), "{out}");
    assert!(out.contains(&format!("Incident `{}`", older.id)), "{out}");
    assert!(out.contains("- **Time to resolve:** 12m (target 30m: met)"), "{out}");
    assert!(out.contains("- **MTTR** 26m over 2 resolved incident(s) in staging (target 30m: met)"), "{out}");
    assert!(out.contains("Prometheus at http://127.0.0.1:1/prometheus did not answer: "), "{out}");
    assert!(out.contains("No audit trail at `"), "{out}");
    assert!(out.contains("## Follow-ups"), "the rest is there: {out}");

    // No id: the most recent; a stricter target, and a unique prefix of the id works too.
    let (code, out, err) = run(&home, &[], &["postmortem", "--config", VALID, "--mttr-target", "20m"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("# Postmortem: ServiceDown (critical, payments)\n"), "{out}");
    assert!(out.contains("- **Time to resolve:** 40m (target 20m: missed)"), "{out}");
    let prefix = &newer.id[..newer.id.len() - 3];
    let (code, out, _) = run(&home, &[], &["postmortem", prefix, "--config", VALID]);
    assert_eq!(code, Some(0));
    assert!(out.contains(&newer.id), "{out}");

    // --output writes the file instead.
    let file = home.path().join("pm.md");
    let (code, out, err) =
        run(&home, &[], &["postmortem", &older.id, "--config", VALID, "--output", file.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.is_empty() && err.contains("wrote "), "{out}{err}");
    assert!(std::fs::read_to_string(&file).unwrap().contains("## Timeline"));
}

#[test]
fn an_unknown_id_lists_the_known_ones_and_a_corrupt_file_is_named_and_skipped() {
    let home = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (0..12)
        .map(|i| {
            let inc = incident("staging", &format!("svc{i}"), T0 + i * 60 * MIN, Some(5));
            store::save(&incidents_dir(&home), &inc).unwrap();
            inc.id
        })
        .collect();
    std::fs::write(incidents_dir(&home).join("broken.json"), "{\"id\": \"half").unwrap();
    let (code, out, err) = run(&home, &[], &["postmortem", "nope", "--config", VALID]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(out.is_empty());
    assert!(err.contains("broken.json") && err.contains("skipped"), "{err}");
    assert!(err.contains("no incident `nope` in ") && err.contains("the newest are:"), "{err}");
    for id in &ids[2..] {
        assert!(err.contains(id.as_str()), "{id} in {err}");
    }
    assert!(!err.contains(&ids[0]) && err.contains("… and 2 older"), "only the newest 10: {err}");
}

#[test]
fn no_incidents_at_all_says_where_they_would_be() {
    let home = tempfile::tempdir().unwrap();
    let (code, out, err) = run(&home, &[], &["postmortem", "--config", VALID]);
    assert_eq!(code, Some(1), "{out}{err}");
    let dir = incidents_dir(&home);
    assert!(err.contains(&format!("no incidents are stored in {}", dir.display())), "{err}");
}

#[test]
fn the_demo_draws_the_key_panels_and_hands_off_its_firing_alerts() {
    let home = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    // The demo started 90 s ago; agente_negocio went down 40 s after that and is still down.
    let inc = incident("production", "agente_negocio", now - 50_000, None);
    // The demo keeps its incidents in their own folder, as it keeps its own audit trail.
    store::save(&home.path().join("data/demo-incidents"), &inc).unwrap();
    let offset = [("CENTINELA_DEMO_OFFSET", "90s")];
    // A restart in the demo's own trail, now (inside the incident), and one in another environment.
    std::fs::create_dir_all(home.path().join("state")).unwrap();
    let mut log = AuditLog::open(home.path().join("state/demo-audit.jsonl")).unwrap();
    let mut started = Entry::new(AuditEvent::Started, "a1");
    started.user = "ana".into();
    started.environment = "production".into();
    started.action = "restart".into();
    started.target = "agente_negocio".into();
    log.append(started.clone()).unwrap();
    log.append(Entry { event: AuditEvent::Finished, exit_code: Some(1), duration_ms: Some(830), ..started.clone() })
        .unwrap();
    log.append(Entry { attempt: "a2".into(), environment: "staging".into(), ..started }).unwrap();

    let (code, out, err) = run(&home, &offset, &["--demo", "postmortem"]);
    assert_eq!(code, Some(0), "{err}");
    let panels = out.split("## Key panels during the incident").nth(1).unwrap_or_else(|| panic!("{out}"));
    assert!(panels.contains("### Service Health"), "{panels}");
    let line = panels.lines().find(|l| l.starts_with("Agente Negocio")).unwrap_or_else(|| panic!("{panels}"));
    assert!(line.contains('█') && line.contains("min 0  max 1  last 0"), "up dropped to 0 and stayed: {line}");
    assert!(out.contains("demo-audit.jsonl"), "the demo's own trail: {out}");
    let rows: Vec<&str> = out.lines().filter(|l| l.contains("| restart | agente_negocio | ana |")).collect();
    assert_eq!(rows.len(), 1, "production's attempt only: {out}");
    assert!(rows[0].contains("| finished | 1 | 830 ms |"), "{}", rows[0]);

    let (code, out, err) = run(&home, &offset, &["--demo", "handoff"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("# Shift hand-off: production, "), "{out}");
    let firing = out.split("## Firing now").nth(1).unwrap().split("## Silences").next().unwrap();
    assert!(firing.contains("### critical") && firing.contains("- **ServiceDown** on agente_negocio for "), "{firing}");
    assert!(!firing.contains("Watchdog"), "the dead man's switch is not news: {firing}");
    assert!(out.contains(&format!("`{}`", inc.id)) && out.contains("looking at the deploy"), "{out}");
}
