//! The timeline from scripted observations, and the arithmetic on known times.

use super::model::*;
use super::track::*;
use crate::alerts::model::{Labels, MatchOp, Matcher, Silence, SilenceState};

const T0: i64 = 1_700_000_000_000;
const MIN: i64 = 60_000;

fn labels(name: &str, sev: &str, service: &str) -> Labels {
    [("alertname", name), ("severity", sev), ("service", service)]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn rank(s: &str) -> usize {
    ["critical", "high", "medium", "low"].iter().position(|x| *x == s).unwrap_or(9)
}

static GROUP: [String; 0] = [];

fn th() -> Threshold<'static> {
    Threshold { rank: &rank, open_rank: 1, ignore: Some("Watchdog"), group_by: &GROUP }
}

fn rep<'a>(key: &str, l: &'a Labels, starts: i64) -> Reported<'a> {
    Reported { key: key.into(), labels: l, starts_ms: starts, ended_ms: None }
}

fn kinds(i: &Incident) -> Vec<EventKind> {
    i.events.iter().map(|e| e.kind).collect()
}

#[test]
fn a_critical_alert_opens_at_its_start_lower_ones_join_and_all_resolved_closes() {
    let mut list = Vec::new();
    let down = labels("ServiceDown", "critical", "agente_negocio");
    let slow = labels("HighLatency", "medium", "ml_service");
    // A medium alert alone opens nothing.
    assert!(observe_alerts(&mut list, "prod", &[rep("s", &slow, T0)], true, T0 + MIN, &th()).is_empty());
    assert!(list.is_empty());
    // The critical one opens it, at Alertmanager's startsAt, not at the poll.
    let changed = observe_alerts(
        &mut list,
        "prod",
        &[rep("s", &slow, T0), rep("d", &down, T0 + 2 * MIN)],
        true,
        T0 + 3 * MIN,
        &th(),
    );
    assert_eq!(list.len(), 1);
    assert_eq!(changed, vec![list[0].id.clone()]);
    let inc = &list[0];
    assert_eq!(inc.opened_ms, T0 + 2 * MIN);
    assert_eq!(inc.severity, "critical");
    assert!(inc.id.ends_with("-servicedown-agente_negocio"), "{}", inc.id);
    assert_eq!(inc.alerts.len(), 1, "an alert firing since before is not part of it");
    // A medium alert that starts during the incident joins it; the dead man's switch never does.
    let slow2 = labels("HighLatency", "medium", "agente_negocio");
    let watchdog = labels("Watchdog", "none", "");
    let now = [
        rep("s", &slow, T0),
        rep("d", &down, T0 + 2 * MIN),
        rep("s2", &slow2, T0 + 3 * MIN),
        rep("w", &watchdog, T0 + 3 * MIN),
    ];
    observe_alerts(&mut list, "prod", &now, true, T0 + 4 * MIN, &th());
    assert_eq!(list[0].alerts.len(), 2);
    // Polling again with the same alerts changes nothing.
    assert!(observe_alerts(&mut list, "prod", &now, true, T0 + 5 * MIN, &th()).is_empty());
    // One resolves with an endsAt from the source; the other vanishes (resolved at that poll).
    let mut ended = rep("d", &down, T0 + 2 * MIN);
    ended.ended_ms = Some(T0 + 9 * MIN);
    observe_alerts(
        &mut list,
        "prod",
        &[rep("s", &slow, T0), ended, rep("s2", &slow2, T0 + 3 * MIN)],
        true,
        T0 + 10 * MIN,
        &th(),
    );
    assert!(list[0].is_open());
    // An incomplete answer (an Alertmanager failed) resolves nothing.
    observe_alerts(&mut list, "prod", &[], false, T0 + 11 * MIN, &th());
    assert!(list[0].is_open());
    observe_alerts(&mut list, "prod", &[], true, T0 + 12 * MIN, &th());
    let inc = &list[0];
    assert_eq!(inc.closed_ms, Some(T0 + 12 * MIN));
    assert_eq!(
        kinds(inc),
        [
            EventKind::Opened,
            EventKind::AlertFiring,
            EventKind::AlertFiring,
            EventKind::AlertResolved,
            EventKind::AlertResolved,
            EventKind::Closed
        ]
    );
    assert_eq!(inc.events[3].at_ms, T0 + 9 * MIN, "the source's endsAt");
    // The next critical alert opens a new incident.
    observe_alerts(&mut list, "prod", &[rep("d2", &down, T0 + 20 * MIN)], true, T0 + 20 * MIN, &th());
    assert_eq!(list.len(), 2);
    assert!(list[1].is_open() && !list[0].is_open());
}

#[test]
fn numbers_and_means_on_known_times() {
    let mut list = Vec::new();
    let down = labels("ServiceDown", "critical", "a");
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0)], true, T0, &th());
    let ev = |m: i64, kind| Event { at_ms: T0 + m * MIN, kind, text: String::new(), by: "ana@ops".into() };
    record(&mut list, "prod", ev(4, EventKind::Acknowledged));
    record(&mut list, "prod", ev(7, EventKind::ActionStarted));
    record(&mut list, "prod", ev(9, EventKind::ActionSucceeded));
    observe_alerts(&mut list, "prod", &[], true, T0 + 12 * MIN, &th());
    let n = list[0].numbers();
    assert_eq!(n, Numbers { tta_ms: Some(4 * MIN), ttm_ms: Some(9 * MIN), ttr_ms: Some(12 * MIN) });
    // A second incident, acknowledged by its first action after 2 min, resolved after 30.
    observe_alerts(&mut list, "prod", &[rep("e", &down, T0 + 60 * MIN)], true, T0 + 60 * MIN, &th());
    record(&mut list, "prod", ev(62, EventKind::ActionStarted));
    observe_alerts(&mut list, "prod", &[], true, T0 + 90 * MIN, &th());
    assert_eq!(means(&list), (Some(3 * MIN), Some(21 * MIN)));
    // Events arriving late keep the timeline in time order.
    assert!(list[0].events.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
}

#[test]
fn silences_on_the_incident_are_recorded_at_their_own_times_once() {
    let mut list = Vec::new();
    let down = labels("ServiceDown", "critical", "agente_negocio");
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0)], true, T0, &th());
    let matcher = Matcher { name: "service".into(), value: "agente_negocio".into(), op: MatchOp::Eq };
    let mut ack = Silence {
        id: "s1".into(),
        matchers: vec![matcher.clone()],
        starts_at_ms: T0 + 3 * MIN,
        ends_at_ms: T0 + 33 * MIN,
        updated_at_ms: None,
        created_by: "ana@ops".into(),
        comment: "acknowledged from centinela by ana@ops".into(),
        state: SilenceState::Active,
    };
    let other = Silence { id: "s2".into(), matchers: vec![Matcher { value: "x".into(), ..matcher }], ..ack.clone() };
    let mut done = std::collections::HashSet::new();
    observe_silences(&mut list, "prod", &[&ack, &other], &mut done, T0 + 4 * MIN);
    observe_silences(&mut list, "prod", &[&ack, &other], &mut done, T0 + 5 * MIN);
    ack.state = SilenceState::Expired;
    ack.ends_at_ms = T0 + 6 * MIN;
    observe_silences(&mut list, "prod", &[&ack], &mut done, T0 + 7 * MIN);
    let inc = &list[0];
    assert_eq!(
        kinds(inc),
        [EventKind::Opened, EventKind::AlertFiring, EventKind::Acknowledged, EventKind::SilenceExpired]
    );
    assert_eq!((inc.events[2].at_ms, inc.events[2].by.as_str()), (T0 + 3 * MIN, "ana@ops"));
    assert_eq!(inc.numbers().tta_ms, Some(3 * MIN));
}

#[test]
fn by_hand_open_and_close() {
    let mut list = Vec::new();
    let id = open_by_hand(&mut list, "prod", "checkout slow, customers calling", "ana@ops", T0).unwrap();
    assert!(open_by_hand(&mut list, "prod", "again", "ana@ops", T0).unwrap_err().contains("already open"));
    // A critical alert joins the open incident instead of opening another.
    let down = labels("ServiceDown", "critical", "a");
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0 + MIN)], true, T0 + MIN, &th());
    observe_alerts(&mut list, "prod", &[], true, T0 + 2 * MIN, &th());
    assert_eq!(list.len(), 1);
    assert!(list[0].is_open(), "opened by hand: closed by hand");
    assert_eq!(close_by_hand(&mut list, "prod", "ana@ops", T0 + 5 * MIN).unwrap(), id);
    assert_eq!(list[0].numbers().ttr_ms, Some(5 * MIN));
    assert!(close_by_hand(&mut list, "prod", "ana@ops", T0).is_err());
}

#[test]
fn incidents_survive_a_restart_and_a_broken_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut list = Vec::new();
    let down = labels("ServiceDown", "critical", "a");
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0)], true, T0, &th());
    super::store::save(dir.path(), &list[0]).unwrap();
    std::fs::write(dir.path().join("broken.json"), b"{\"id\": ").unwrap();
    let (back, problems) = super::store::load_all(dir.path());
    assert_eq!(back, list);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("broken.json"), "{problems:?}");
}

#[test]
fn closing_by_hand_while_its_alert_fires_does_not_reopen_it_and_ids_stay_unique() {
    let mut list = Vec::new();
    let down = labels("ServiceDown", "critical", "a");
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0)], true, T0, &th());
    close_by_hand(&mut list, "prod", "ana@ops", T0 + MIN).unwrap();
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0)], true, T0 + 2 * MIN, &th());
    assert_eq!(list.len(), 1, "the same firing episode does not open it again");
    // It fires again later: a new incident, with its own id.
    observe_alerts(&mut list, "prod", &[], true, T0 + 3 * MIN, &th());
    observe_alerts(&mut list, "prod", &[rep("d", &down, T0 + 4 * MIN)], true, T0 + 4 * MIN, &th());
    assert_eq!(list.len(), 2);
    // The same alert in another environment in the same second: another id.
    observe_alerts(&mut list, "staging", &[rep("d", &down, T0 + 4 * MIN)], true, T0 + 4 * MIN, &th());
    assert_eq!(list.len(), 3);
    let ids: std::collections::HashSet<&str> = list.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
}
