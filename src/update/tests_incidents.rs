//! Incidents through `update`: opened by the alerting answers, fed by actions, notes and switches,
//! closed when the alerts resolve; every change is a save effect.

use super::*;
use crate::action::{AlertFeed, AlertsData, AlertsResult, RunbookEvent, TextOp};
use crate::alerts::model::{Alert, AmState, Labels};
use crate::config::load_str;
use crate::incidents::EventKind;

const CFG: &str = r#"
[[environment]]
name = "prod"
production = false
prometheus = { url = "http://localhost:9090" }
alertmanager = [{ url = "http://am1:9093" }]
[[environment]]
name = "staging"
prometheus = { url = "http://localhost:9091" }
[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]
[[action]]
name = "restart"
key = "R"
scope = { alert = 'alertname="ServiceDown"' }
exec = { argv = ["true", "{labels.service}"] }
"#;

const T0: i64 = 1_700_000_000_000;

fn alert(name: &str, sev: &str, starts: i64) -> Alert {
    let labels: Labels = [("alertname", name), ("severity", sev), ("service", "agente_negocio")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Alert {
        fingerprint: format!("fp-{name}"),
        labels,
        annotations: Labels::new(),
        starts_at_ms: starts,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    }
}

fn answer(s: &mut State, alerts: Vec<Alert>) -> Vec<Effect> {
    let generation = s.next_generation;
    s.next_generation += 1;
    let outcome = Ok(AlertsData::Alerts { alerts });
    update(
        s,
        Action::Alerts(AlertsResult {
            feed: AlertFeed::AmAlerts(0),
            generation,
            at_ms: s.now_ms,
            elapsed_ms: 1.0,
            outcome,
        }),
    )
}

fn saved(eff: &[Effect]) -> usize {
    eff.iter().filter(|e| matches!(e, Effect::SaveIncident(_))).count()
}

#[test]
fn the_incident_follows_the_alerts_the_action_the_note_and_closes_itself() {
    let c = load_str("t.toml", CFG).unwrap();
    let mut s = State::new(&c, "prod", false, T0);
    s.actions.origin = crate::actions::audit::Origin { user: "ana".into(), host: "ops".into() };
    s.actions.terminal = true;
    s.page = Page::Alerts;
    s.now_ms = T0 + 60_000;
    let eff = answer(&mut s, vec![alert("ServiceDown", "critical", T0 + 40_000)]);
    assert_eq!(saved(&eff), 1, "opened and saved");
    assert!(s.status.as_ref().unwrap().text.contains("incident opened: ServiceDown"), "{:?}", s.status);
    let id = s.incidents.list[0].id.clone();
    assert_eq!(s.incidents.list[0].opened_ms, T0 + 40_000, "at startsAt");

    // The restart, its end and a note land in the timeline.
    update(&mut s, Action::RunAction { index: 0 });
    let eff = update(&mut s, Intent::Confirm.into());
    let run_id = eff.iter().find_map(|e| if let Effect::RunAction { id, .. } = e { Some(*id) } else { None }).unwrap();
    let eff =
        update(&mut s, Action::Runbook(RunbookEvent::Started { id: run_id, attempt: "a1".into(), at_ms: T0 + 70_000 }));
    assert_eq!(saved(&eff), 1);
    let ended = RunbookEvent::Ended {
        id: run_id,
        success: true,
        summary: "exit 0".into(),
        exit_code: Some(0),
        duration_ms: 900,
        audit_error: None,
        at_ms: T0 + 71_000,
    };
    update(&mut s, Action::Runbook(ended));
    s.now_ms = T0 + 80_000;
    update(&mut s, Intent::IncidentNote.into());
    assert!(crate::update::text_focus(&s));
    for c in "db pool exhausted".chars() {
        update(&mut s, Action::Text { op: TextOp::Insert(c) });
    }
    assert_eq!(saved(&update(&mut s, Action::Text { op: TextOp::Submit })), 1);

    // The alert resolves: closed at that answer.
    s.now_ms = T0 + 90_000;
    let eff = answer(&mut s, vec![]);
    assert_eq!(saved(&eff), 1);
    let inc = s.incidents.get(&id).unwrap();
    assert_eq!(inc.closed_ms, Some(T0 + 90_000));
    let kinds: Vec<EventKind> = inc.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            EventKind::Opened,
            EventKind::AlertFiring,
            EventKind::ActionStarted,
            EventKind::ActionSucceeded,
            EventKind::Note,
            EventKind::AlertResolved,
            EventKind::Closed
        ]
    );
    let note = &inc.events[4];
    assert_eq!((note.text.as_str(), note.by.as_str()), ("db pool exhausted", "ana@ops"));
    let n = inc.numbers();
    assert_eq!((n.tta_ms, n.ttm_ms, n.ttr_ms), (Some(30_000), Some(31_000), Some(50_000)));
}

#[test]
fn a_note_without_an_open_incident_says_how_to_open_one_and_by_hand_works() {
    let c = load_str("t.toml", CFG).unwrap();
    let mut s = State::new(&c, "prod", false, T0);
    update(&mut s, Intent::IncidentNote.into());
    assert!(s.incidents.note.is_none());
    assert!(s.status.as_ref().unwrap().text.contains("no incident is open in prod"));
    let eff = update(&mut s, Intent::OpenIncident.into());
    assert_eq!(saved(&eff), 1);
    assert!(s.incidents.note.is_some(), "opening by hand asks for a first note");
    update(&mut s, Action::Text { op: TextOp::Cancel });
    // A low-severity alert joins it; switching environments is written into it.
    s.now_ms = T0 + 10_000;
    answer(&mut s, vec![alert("HighLatency", "warning", T0 + 5_000)]);
    let sw =
        crate::action::EnvSwitch { from: "prod".into(), to: "staging".into(), at_ms: T0 + 20_000, loki_error: None };
    update(&mut s, Action::EnvironmentSwitched(sw));
    let kinds: Vec<EventKind> = s.incidents.list[0].events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Opened, EventKind::AlertFiring, EventKind::EnvironmentSwitched]);
    assert!(s.incidents.list[0].is_open(), "an incident opened by hand closes by hand");
}

#[test]
fn an_open_incident_resumes_after_a_restart_without_repeating_itself() {
    let c = load_str("t.toml", CFG).unwrap();
    let mut s = State::new(&c, "prod", false, T0);
    s.now_ms = T0 + 60_000;
    answer(&mut s, vec![alert("ServiceDown", "critical", T0 + 40_000)]);
    let dir = tempfile::tempdir().unwrap();
    crate::incidents::store::save(dir.path(), &s.incidents.list[0]).unwrap();

    // centinela restarts: the incident is read back, the alert still fires.
    let mut s = State::new(&c, "prod", false, T0 + 120_000);
    s.incidents.list = crate::incidents::store::load_all(dir.path()).0;
    s.now_ms = T0 + 120_000;
    assert_eq!(saved(&answer(&mut s, vec![alert("ServiceDown", "critical", T0 + 40_000)])), 0, "nothing new");
    assert_eq!(s.incidents.list.len(), 1);
    assert_eq!(s.incidents.list[0].events.len(), 2, "opened and firing, once");
    s.now_ms = T0 + 180_000;
    answer(&mut s, vec![]);
    assert_eq!(s.incidents.list[0].closed_ms, Some(T0 + 180_000));
    assert_eq!(s.incidents.list[0].numbers().ttr_ms, Some(140_000));
}
