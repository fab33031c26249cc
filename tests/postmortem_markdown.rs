//! The postmortem draft and the shift hand-off as Markdown, from hand-built incidents with known times:
//! the numbers, the escaping of hostile text, the sections that say what is missing.

use centinela::actions::audit::{Confirmation, Entry, Event as AuditEvent, Record, ZERO_HASH};
use centinela::alerts::model::{Alert, AmState, Labels, MatchOp, Matcher, Silence, SilenceState};
use centinela::incidents::handoff::{self, Answers, Handoff};
use centinela::incidents::postmortem::{self, Chart, Draft, Panels, Trail};
use centinela::incidents::{AlertSeen, Event, EventKind, Incident};
use centinela::units::Unit;
use std::time::Duration;

const MIN: i64 = 60_000;

/// 2026-11-23 10:00:00 UTC.
fn t0() -> i64 {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().and_hms_opt(10, 0, 0).unwrap().and_utc().timestamp_millis()
}

fn at(m: i64) -> i64 {
    t0() + m * MIN
}

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn ev(m: i64, kind: EventKind, text: &str, by: &str) -> Event {
    Event { at_ms: at(m), kind, text: text.into(), by: by.into() }
}

const HOSTILE: &str = "restarted | checked\nsecond line \x1b]52;c;ZXZpbA==\x07\x1b[2J done";

/// Opened 10:00 by ServiceDown, acknowledged 10:04, a restart 10:05–10:09 (ok), resolved 10:12.
fn incident() -> Incident {
    let down = labels(&[
        ("alertname", "ServiceDown"),
        ("severity", "critical"),
        ("job", "agente_negocio"),
        ("instance", "negocio"),
    ]);
    let errors = labels(&[("alertname", "HighErrorRate"), ("severity", "critical"), ("service", "agente_negocio")]);
    let mut alerts = std::collections::BTreeMap::new();
    alerts.insert(
        "a".to_string(),
        AlertSeen {
            name: "ServiceDown".into(),
            severity: "critical".into(),
            labels: down,
            starts_ms: at(0),
            ends_ms: Some(at(12)),
        },
    );
    alerts.insert(
        "b".to_string(),
        AlertSeen {
            name: "HighErrorRate".into(),
            severity: "critical".into(),
            labels: errors,
            starts_ms: at(1),
            ends_ms: Some(at(11)),
        },
    );
    let mut inc = Incident {
        id: "20261123-100000-servicedown-agente_negocio".into(),
        environment: "production".into(),
        title: "ServiceDown (critical, agente_negocio)".into(),
        severity: "critical".into(),
        opened_ms: at(0),
        closed_ms: Some(at(12)),
        opened_by_hand: false,
        closed_by_hand: false,
        alerts,
        events: Vec::new(),
    };
    for e in [
        ev(0, EventKind::Opened, "by ServiceDown (critical, agente_negocio)", ""),
        ev(1, EventKind::AlertFiring, "HighErrorRate (critical, agente_negocio)", ""),
        ev(4, EventKind::Acknowledged, "{job=\"agente_negocio\"} until 10:34 UTC: acknowledged", "ana@ops"),
        ev(5, EventKind::ActionStarted, "restart agente_negocio", "ana@ops"),
        ev(9, EventKind::ActionSucceeded, "restart agente_negocio: exit 0", "ana@ops"),
        ev(10, EventKind::Note, HOSTILE, "ana@ops"),
        ev(11, EventKind::AlertResolved, "HighErrorRate (critical, agente_negocio)", ""),
        ev(12, EventKind::AlertResolved, "ServiceDown (critical, agente_negocio)", ""),
        ev(12, EventKind::Closed, "every alert resolved", ""),
    ] {
        inc.push(e);
    }
    inc
}

/// An earlier incident in production resolved after 24 minutes (acknowledged after 6), and one in
/// staging that must not count.
fn others() -> Vec<Incident> {
    let mut a = incident();
    a.id = "20261122-080000-servicedown-agente_negocio".into();
    a.opened_ms = at(-26 * 60);
    a.closed_ms = Some(at(-26 * 60 + 24));
    a.events = vec![
        Event { at_ms: at(-26 * 60 + 6), kind: EventKind::Acknowledged, text: String::new(), by: String::new() },
        Event { at_ms: at(-26 * 60 + 24), kind: EventKind::Closed, text: String::new(), by: String::new() },
    ];
    let mut s = a.clone();
    s.id = "staging-one".into();
    s.environment = "staging".into();
    s.closed_ms = Some(at(-26 * 60 + 300));
    vec![a, s]
}

fn record(seq: u64, m: i64, event: AuditEvent, f: impl FnOnce(&mut Entry)) -> Record {
    let mut entry = Entry::new(event, "a1");
    entry.user = "ana".into();
    entry.host = "ops-laptop".into();
    entry.environment = "production".into();
    entry.action = "restart".into();
    entry.target = "agente_negocio on negocio".into();
    entry.confirmation = Confirmation::Typed("production".into());
    f(&mut entry);
    let time = centinela::alerts::model::format_time(at(m));
    Record { seq, time, entry, prev: ZERO_HASH.into(), hash: String::new() }
}

fn trail() -> Trail {
    Trail::Records {
        path: "/home/ana/.local/state/centinela/audit.jsonl".into(),
        records: vec![
            record(0, 5, AuditEvent::Started, |_| {}),
            record(1, 9, AuditEvent::Finished, |e| {
                e.exit_code = Some(0);
                e.duration_ms = Some(4 * MIN as u64 + 2_300);
                e.outcome = "exit 0".into();
            }),
            record(2, 12, AuditEvent::Verified, |e| e.outcome = "agente_negocio healthy again after 3m".into()),
        ],
        bad_lines: 0,
    }
}

fn charts() -> Panels {
    // As key_panels::window asks: 60 points, 28 s apart, ending 5 minutes after the close.
    let step = 28.0;
    let end = (at(17) / 1000) as f64;
    let start = end - 59.0 * step;
    let up: Vec<(f64, f64)> = (0..60)
        .map(|i| {
            let t = start + i as f64 * step;
            let down = t >= (at(0) / 1000) as f64 && t < (at(9) / 1000) as f64;
            (t, if down { 0.0 } else { 1.0 })
        })
        .collect();
    let latency: Vec<(f64, f64)> = (0..60).map(|i| (start + i as f64 * step, 120.0 + (i % 20) as f64 * 20.0)).collect();
    Panels::Charts {
        start_s: start,
        end_s: end,
        step_s: 28,
        charts: vec![
            Chart {
                title: "Service Health".into(),
                unit: Unit::Short,
                decimals: None,
                min: None,
                max: None,
                series: Ok(vec![("Agente Negocio".into(), up), ("Agente `Depósito`".into(), vec![(start, 1.0)])]),
                more: 0,
            },
            Chart {
                title: "P95 Latency".into(),
                unit: Unit::Millis,
                decimals: None,
                min: Some(0.0),
                max: None,
                series: Ok(vec![("agente_negocio P95".into(), latency)]),
                more: 3,
            },
            Chart {
                title: "Broken | panel".into(),
                unit: Unit::Short,
                decimals: None,
                min: None,
                max: None,
                series: Err("bad_data: 1:5: parse error: unexpected <EOF>".into()),
                more: 0,
            },
        ],
    }
}

fn draft(list: &[Incident], trail: Trail, panels: Panels) -> String {
    let inc = list.iter().find(|i| i.id.starts_with("20261123")).unwrap();
    postmortem::render(&Draft {
        incident: inc,
        all: list,
        targets: postmortem::targets(Duration::from_secs(30 * 60), Some(Duration::from_secs(5 * 60))),
        trail,
        panels,
        now_ms: at(60),
    })
}

#[test]
fn the_draft_of_a_known_incident() {
    let mut list = others();
    list.push(incident());
    let md = draft(&list, trail(), charts());
    insta::assert_snapshot!(md);
    // The numbers: acknowledged 10:04, mitigated by the action at 10:09, resolved 10:12.
    assert!(md.contains("- **Time to acknowledge:** 4m\n"), "{md}");
    assert!(md.contains("- **Time to mitigate:** 9m\n"), "{md}");
    assert!(md.contains("- **Time to resolve:** 12m (target 30m: met)\n"), "{md}");
    // Across production only: (4 + 6) / 2 = 5m, (12 + 24) / 2 = 18m; staging's 5 h is left out.
    assert!(md.contains("- **MTTA** 5m over 2 acknowledged incident(s) in production (target 5m: met)"), "{md}");
    assert!(md.contains("- **MTTR** 18m over 2 resolved incident(s) in production (target 30m: met)"), "{md}");
    assert!(
        md.contains(
            "| 10:05:00 | restart | agente_negocio on negocio | ana | finished: exit 0 | 0 | 4m 02s | agente_negocio \
             healthy again after 3m |"
        ),
        "one row per attempt, from its three records: {md}"
    );
}

#[test]
fn a_hostile_note_stays_in_its_cell() {
    let md = draft(&[incident()], trail(), charts());
    let row = md.lines().find(|l| l.contains("| note |")).unwrap();
    assert_eq!(row, "| 10:10:00 | note | restarted \\| checked<br>second line ␛]52;c;ZXZpbA==␇␛[2J done | ana@ops |");
    assert!(!md.contains('\x1b') && !md.contains('\x07'), "no control character reaches the document");
    // The table keeps its four columns on every row.
    let timeline = md.split("## Timeline").nth(1).unwrap().split("## Actions").next().unwrap();
    for l in timeline.lines().filter(|l| l.starts_with('|')) {
        let unescaped = l.match_indices('|').filter(|(i, _)| !l[..*i].ends_with('\\')).count();
        assert_eq!(unescaped, 5, "{l}");
    }
}

#[test]
fn missing_trail_and_silent_prometheus_are_said_and_the_rest_is_there() {
    let mut open = incident();
    open.closed_ms = None;
    open.events.retain(|e| e.kind != EventKind::Closed);
    for a in open.alerts.values_mut() {
        a.ends_ms = None;
    }
    let list = vec![open];
    let md = draft(
        &list,
        Trail::Missing("/state/audit.jsonl".into()),
        Panels::Unavailable(
            "Prometheus at http://127.0.0.1:1/ did not answer: Connection refused (os error 111)".into(),
        ),
    );
    assert!(md.contains("No audit trail at `/state/audit.jsonl`"), "{md}");
    assert!(md.contains("Prometheus at http://127.0.0.1:1/ did not answer: Connection refused"), "{md}");
    assert!(md.contains("- **State:** open, 2 alert(s) still firing"), "{md}");
    assert!(md.contains("- **Time to resolve:** still open (1h 00m so far)"), "{md}");
    assert!(md.contains("- **MTTR:** no resolved incident in production yet (target 30m)"), "{md}");
    for section in ["## Root cause", "## What went well", "## What went wrong", "## Follow-ups\n\n- [ ] "] {
        assert!(md.contains(section), "{section} in {md}");
    }
}

fn alert(name: &str, sev: &str, service: &str, starts: i64, state: AmState) -> Alert {
    Alert {
        fingerprint: format!("{name}{service}"),
        labels: labels(&[("alertname", name), ("severity", sev), ("service", service)]),
        annotations: labels(&[("summary", &format!("{name} on {service}"))]),
        starts_at_ms: starts,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

fn silence(id: &str, ends: i64, comment: &str, state: SilenceState) -> Silence {
    Silence {
        id: id.into(),
        matchers: vec![Matcher { name: "service".into(), op: MatchOp::Eq, value: "ml_service".into() }],
        starts_at_ms: at(-60),
        ends_at_ms: ends,
        updated_at_ms: None,
        created_by: "ana@ops".into(),
        comment: comment.into(),
        state,
    }
}

#[test]
fn the_handoff_of_a_busy_shift() {
    let mut open = incident();
    open.closed_ms = None;
    open.events.retain(|e| e.kind != EventKind::Closed);
    open.alerts.values_mut().for_each(|a| a.ends_ms = None);
    open.events.retain(|e| e.kind != EventKind::AlertResolved);
    open.push(ev(13, EventKind::Note, "waiting for the DB team", "bea@ops"));
    open.push(ev(14, EventKind::Note, "DB failover done", "bea@ops"));
    open.push(ev(15, EventKind::Note, "watching | still", "bea@ops"));
    let order: Vec<String> = ["critical", "high", "medium"].iter().map(|s| s.to_string()).collect();
    let h = Handoff {
        environment: "production",
        now_ms: at(60),
        alerts: Answers {
            items: vec![
                alert("HighLatency", "high", "ml_service", at(20), AmState::Active),
                alert("ServiceDown", "critical", "agente_negocio", at(0), AmState::Active),
                alert("MLModelDrift", "medium", "ml_service", at(30), AmState::Suppressed),
            ],
            answered: 1,
            problems: vec!["Alertmanager at http://am-2:9093/ did not answer: Connection refused".into()],
        },
        silences: Answers {
            items: vec![
                silence("s1", at(60 + 90), "ML retrain | in progress", SilenceState::Active),
                silence("s2", at(60 + 48 * 60), "next week", SilenceState::Active),
                silence("s3", at(30), "old", SilenceState::Expired),
            ],
            answered: 1,
            problems: Vec::new(),
        },
        open: vec![&open],
        severity_order: &order,
        dead_mans_switch: Some("Watchdog"),
    };
    let md = handoff::render(&h);
    insta::assert_snapshot!(md);
    assert!(md.contains("- **ServiceDown** on agente_negocio for 1h 00m (since 10:00:00)"), "{md}");
    assert!(
        md.contains("| 12:30:00 | 1h 30m | {service=\"ml_service\"} | ana@ops | ML retrain \\| in progress |"),
        "{md}"
    );
    assert!(!md.contains("next week") && !md.contains("| old |"), "{md}");
    assert!(md.contains("Watchdog, the dead man's switch, is not firing"), "{md}");
    let notes = md.split("**Last notes**").nth(1).unwrap();
    assert!(notes.contains("watching | still") && notes.contains("DB failover") && notes.contains("waiting for"));
    assert!(!notes.contains("restarted"), "only the last three notes: {notes}");
}

#[test]
fn a_handoff_without_answers_says_so() {
    let order: Vec<String> = Vec::new();
    fn none<T>(what: &str) -> Answers<T> {
        Answers {
            items: Vec::new(),
            answered: 0,
            problems: vec![format!("Alertmanager at http://127.0.0.1:1/ did not answer: {what}")],
        }
    }
    let h = Handoff {
        environment: "staging",
        now_ms: at(0),
        alerts: none("Connection refused"),
        silences: none("Connection refused"),
        open: Vec::new(),
        severity_order: &order,
        dead_mans_switch: None,
    };
    let md = handoff::render(&h);
    assert_eq!(md.matches("Not known: no Alertmanager answered.").count(), 2, "{md}");
    assert!(md.contains("## Open incidents\n\nNone."), "{md}");
}
