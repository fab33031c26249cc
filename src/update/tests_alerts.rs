//! The alerts view's behaviour, driven through `update` with plain actions.

use super::*;
use crate::action::{AlertFeed, AlertsData, AlertsResult, FetchError, FetchErrorKind, TextOp, WriteResult};
use crate::alerts::model::{Alert, AmState, AmStatus, Labels, MatchOp, Rule, RuleGroup, Silence, SilenceState};
use crate::config::load_str;
use crate::effect::SilenceOp;
use crate::state::State;

const CFG: &str = r#"
[settings]
refresh = "30s"

[alerts]
dead_mans_switch = "Watchdog"
volatile_labels = ["pod"]

[[environment]]
name = "prod"
production = true
prometheus = { url = "http://localhost:9090" }
alertmanager = [{ url = "http://am1:9093" }, { url = "http://am2:9093" }]

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]
"#;

pub(super) const T0: i64 = 1_700_000_000_000;

pub(super) fn state() -> State {
    let c = load_str("t.toml", CFG).unwrap();
    let mut s = State::new(&c, "prod", true, T0);
    s.alerts.created_by = "ana@host".into();
    s.page = Page::Alerts;
    s
}

pub(super) fn alert(fp: &str, name: &str, sev: &str, service: &str) -> Alert {
    let labels: Labels = [("alertname", name), ("severity", sev), ("service", service), ("pod", "p-1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Alert {
        fingerprint: fp.into(),
        labels,
        annotations: Labels::new(),
        starts_at_ms: T0 - 60_000,
        ends_at_ms: None,
        updated_at_ms: Some(T0),
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    }
}

fn answer(s: &mut State, feed: AlertFeed, outcome: Result<AlertsData, FetchError>) -> Vec<Effect> {
    let generation = s.next_generation;
    s.next_generation += 1;
    update(s, Action::Alerts(AlertsResult { feed, generation, at_ms: s.now_ms, elapsed_ms: 1.0, outcome }))
}

fn status(peers: usize) -> AlertsData {
    AlertsData::Status {
        status: AmStatus {
            version: "0.25.0".into(),
            cluster_status: "ready".into(),
            cluster_name: "c".into(),
            peers: (0..peers).map(|i| format!("p{i}")).collect(),
            uptime_ms: None,
        },
    }
}

/// Both Alertmanagers answer with `alerts`, statuses with 2 peers, Prometheus with nothing pending.
pub(super) fn feed_all(s: &mut State, alerts: Vec<Alert>) -> Vec<Effect> {
    let mut eff = Vec::new();
    for i in 0..2 {
        eff.extend(answer(s, AlertFeed::AmAlerts(i), Ok(AlertsData::Alerts { alerts: alerts.clone() })));
        eff.extend(answer(s, AlertFeed::AmSilences(i), Ok(AlertsData::Silences { silences: vec![] })));
        eff.extend(answer(s, AlertFeed::AmStatus(i), Ok(status(2))));
    }
    eff.extend(answer(s, AlertFeed::PromAlerts, Ok(AlertsData::PromAlerts { alerts: vec![] })));
    eff.extend(answer(s, AlertFeed::PromRules, Ok(AlertsData::Rules { groups: vec![] })));
    eff
}

fn text(s: &mut State, t: &str) {
    for c in t.chars() {
        update(s, Action::Text { op: TextOp::Insert(c) });
    }
}

fn writes(eff: &[Effect]) -> Vec<&SilenceOp> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::WriteSilence { op, .. } => Some(op),
            _ => None,
        })
        .collect()
}

#[test]
fn every_feed_is_polled_on_every_page_and_late_answers_are_dropped() {
    let mut s = state();
    s.page = Page::Dashboards;
    let eff = update(&mut s, Action::Tick { now_ms: T0 });
    let feeds: Vec<AlertFeed> = eff
        .iter()
        .filter_map(|e| match e {
            Effect::FetchAlerts { feed, .. } => Some(*feed),
            _ => None,
        })
        .collect();
    assert_eq!(feeds.len(), 2 * 4 + 3, "alerts, groups, silences, status per Alertmanager + Prometheus's three");
    assert!(update(&mut s, Action::Tick { now_ms: T0 + 1000 })
        .iter()
        .all(|e| !matches!(e, Effect::FetchAlerts { .. })));
    // An answer older than the newest request is dropped.
    update(
        &mut s,
        Action::Alerts(AlertsResult {
            feed: AlertFeed::AmAlerts(0),
            generation: 0,
            at_ms: T0,
            elapsed_ms: 1.0,
            outcome: Ok(AlertsData::Alerts { alerts: vec![alert("f1", "A", "critical", "x")] }),
        }),
    );
    assert!(s.alerts.ams[0].alerts.data.is_none());
}

#[test]
fn one_instance_down_hides_nothing_the_other_reports_and_is_flagged() {
    let mut s = state();
    feed_all(&mut s, vec![alert("f1", "ServiceDown", "critical", "negocio"), alert("f2", "Slow", "high", "ml")]);
    let down =
        FetchError { kind: FetchErrorKind::Connect, message: "Alertmanager at http://am2:9093/ is unreachable".into() };
    answer(&mut s, AlertFeed::AmAlerts(1), Err(down.clone()));
    assert!(s.alerts.view.alerts.iter().all(|a| a.reported_by == [0, 1]), "one lost poll is not an outage");
    assert!(!s.alerts.warnings.iter().any(|w| w.contains("not answering")), "{:?}", s.alerts.warnings);
    answer(&mut s, AlertFeed::AmAlerts(1), Err(down));
    assert_eq!(s.alerts.view.alerts.len(), 2);
    assert!(s.alerts.view.alerts.iter().all(|a| a.reported_by == [0]));
    assert!(s.alerts.warnings.iter().any(|w| w.contains("am2:9093 is not answering")), "{:?}", s.alerts.warnings);
    assert_eq!(s.alerts.view.firing_by_severity, [("critical".to_string(), 1), ("high".to_string(), 1)]);
    // Cluster split: the first instance sees only itself.
    answer(&mut s, AlertFeed::AmStatus(0), Ok(status(1)));
    assert!(s.alerts.warnings.iter().any(|w| w.contains("may be split")));
}

#[test]
fn pipeline_self_check_names_the_dead_mans_switch_and_failing_rules() {
    let mut s = state();
    feed_all(&mut s, vec![alert("f1", "A", "high", "x")]);
    assert!(s.alerts.warnings.iter().any(|w| w.starts_with("Watchdog is not firing")));
    let rule = Rule {
        name: "HighErrorRate".into(),
        query: "a / b".into(),
        for_s: 300.0,
        labels: Labels::new(),
        alerting: true,
        health: "err".into(),
        last_error: "many-to-many matching not allowed".into(),
    };
    let groups =
        vec![RuleGroup { name: "critical_alerts".into(), file: "a.yml".into(), interval_s: 30.0, rules: vec![rule] }];
    answer(&mut s, AlertFeed::PromRules, Ok(AlertsData::Rules { groups }));
    feed_all(&mut s, vec![alert("f1", "A", "high", "x"), alert("w", "Watchdog", "none", "")]);
    assert!(!s.alerts.warnings.iter().any(|w| w.contains("Watchdog")));
    // feed_all answered the rules again with none; answer the failing group once more.
    let rule = Rule {
        name: "R".into(),
        query: "x".into(),
        for_s: 0.0,
        labels: Labels::new(),
        alerting: true,
        health: "err".into(),
        last_error: "boom".into(),
    };
    let groups = vec![RuleGroup { name: "g".into(), file: "a.yml".into(), interval_s: 30.0, rules: vec![rule] }];
    answer(&mut s, AlertFeed::PromRules, Ok(AlertsData::Rules { groups }));
    assert!(s.alerts.warnings.iter().any(|w| w == "rule R in group g fails: boom"), "{:?}", s.alerts.warnings);
    assert_eq!(s.alerts.view.firing_by_severity, [("high".to_string(), 1)], "the dead man's switch is not counted");
}

#[test]
fn a_new_firing_alert_is_announced_once_the_list_is_primed() {
    let mut s = state();
    s.alerts.settings.bell = true;
    let eff = feed_all(&mut s, vec![alert("f1", "A", "high", "x")]);
    assert!(!eff.contains(&Effect::Bell), "the first answer only primes");
    assert!(s.alerts.new_at.is_empty());
    let eff = answer(
        &mut s,
        AlertFeed::AmAlerts(0),
        Ok(AlertsData::Alerts {
            alerts: vec![alert("f1", "A", "high", "x"), alert("f2", "ServiceDown", "critical", "negocio")],
        }),
    );
    assert!(eff.contains(&Effect::Bell));
    let st = s.status.as_ref().unwrap();
    assert!(st.text.starts_with("new alert firing: ServiceDown (critical, negocio) · incident opened"), "{}", st.text);
    assert_eq!(s.alerts.new_at.len(), 1);
    // The other instance reporting the same alert does not announce it again.
    let eff = answer(
        &mut s,
        AlertFeed::AmAlerts(1),
        Ok(AlertsData::Alerts {
            alerts: vec![alert("f1", "A", "high", "x"), alert("f2", "ServiceDown", "critical", "negocio")],
        }),
    );
    assert!(!eff.contains(&Effect::Bell));
}

#[test]
fn the_filter_applies_as_you_type_keeps_history_and_reports_errors() {
    let mut s = state();
    feed_all(&mut s, vec![alert("f1", "ServiceDown", "critical", "negocio"), alert("f2", "Slow", "high", "ml")]);
    update(&mut s, Intent::Filter.into());
    assert!(text_focus(&s));
    text(&mut s, r#"severity="critical""#);
    assert_eq!(s.alerts.view.alerts.len(), 1);
    update(&mut s, Action::Text { op: TextOp::Submit });
    assert!(!text_focus(&s));
    assert_eq!(s.alerts.bar.history.entries, [r#"severity="critical""#]);
    // A broken filter keeps the last good one in force and says why.
    update(&mut s, Intent::Filter.into());
    update(&mut s, Action::Text { op: TextOp::Clear });
    text(&mut s, r#"service=~"ml(""#);
    assert!(s.alerts.bar.error.as_ref().unwrap().contains("not a valid regex"));
    update(&mut s, Action::Text { op: TextOp::Cancel });
    assert_eq!(s.alerts.view.alerts.len(), 1, "cancel goes back to the filter in force");
    update(&mut s, Intent::Filter.into());
    update(&mut s, Action::Text { op: TextOp::Clear });
    update(&mut s, Action::Text { op: TextOp::HistoryPrev });
    assert_eq!(s.alerts.bar.edit.as_ref().unwrap().text, r#"severity="critical""#);
    update(&mut s, Action::Text { op: TextOp::Cancel });
    // Esc (back) clears the filter.
    update(&mut s, Intent::Back.into());
    assert_eq!(s.alerts.view.alerts.len(), 2);
}

#[test]
fn silence_editor_prefills_checks_and_sends() {
    let mut s = state();
    s.now_ms = T0;
    feed_all(
        &mut s,
        vec![alert("f1", "ServiceDown", "critical", "negocio"), alert("f2", "Other", "critical", "negocio")],
    );
    update(&mut s, Intent::SelectFirst.into());
    update(&mut s, Intent::Silence.into());
    let ed = s.alerts.editor.as_ref().unwrap();
    let name = s.alerts.selected_alert().unwrap().alert.name().to_string();
    assert_eq!(
        ed.fields[0].text,
        format!(r#"{{alertname="{name}", service="negocio", severity="critical"}}"#),
        "volatile `pod` left out"
    );
    assert_eq!(ed.fields[1].text, "2h");
    assert_eq!(ed.check, Ok(1));
    // Without a comment it is refused and says why.
    let eff = update(&mut s, Action::Text { op: TextOp::Submit });
    assert!(writes(&eff).is_empty());
    assert!(s.alerts.editor.as_ref().unwrap().check.as_ref().unwrap_err().contains("comment is required"));
    text(&mut s, "deploying fix");
    // Widen the matchers: the count of what it would mute follows.
    update(&mut s, Action::Text { op: TextOp::PrevField });
    update(&mut s, Action::Text { op: TextOp::PrevField });
    update(&mut s, Action::Text { op: TextOp::Clear });
    text(&mut s, r#"service="negocio""#);
    assert_eq!(s.alerts.editor.as_ref().unwrap().check, Ok(2));
    let eff = update(&mut s, Action::Text { op: TextOp::Submit });
    let w = writes(&eff);
    let SilenceOp::Create(ns) = w[0] else { panic!("{w:?}") };
    assert_eq!(ns.matchers[0].op, MatchOp::Eq);
    assert_eq!(ns.ends_at_ms - ns.starts_at_ms, 2 * 3_600_000);
    assert_eq!((ns.comment.as_str(), ns.created_by.as_str()), ("deploying fix", "ana@host"));
    assert!(s.alerts.editor.is_none());
    // The answer is reported and silences are fetched again at once.
    let e = update(
        &mut s,
        Action::Write(WriteResult { id: 0, what: "silenced x".into(), outcome: Ok("abcdef123456".into()) }),
    );
    assert_eq!(s.status.as_ref().unwrap().text, "silenced x (silence abcdef12)");
    assert!(e.iter().any(|e| matches!(e, Effect::FetchAlerts { feed: AlertFeed::AmSilences(0), .. })));
}

#[test]
fn acknowledge_is_one_key_and_read_only_refuses_every_write() {
    let mut s = state();
    feed_all(&mut s, vec![alert("f1", "ServiceDown", "critical", "negocio")]);
    update(&mut s, Intent::SelectFirst.into());
    let eff = update(&mut s, Intent::Acknowledge.into());
    let SilenceOp::Create(ns) = writes(&eff)[0] else { panic!() };
    assert_eq!(ns.ends_at_ms - ns.starts_at_ms, 30 * 60_000);
    assert!(ns.comment.starts_with("acknowledged"));
    assert!(!ns.matchers.iter().any(|m| m.name == "pod"));

    s.alerts.read_only = true;
    s.envs.global_read_only = true;
    for i in [Intent::Acknowledge, Intent::Silence] {
        let eff = update(&mut s, i.into());
        assert!(writes(&eff).is_empty());
        let text = &s.status.as_ref().unwrap().text;
        assert!(text.starts_with("read-only: ") && text.contains("started with --read-only"), "{i:?}: {text}");
    }
    assert!(s.alerts.editor.is_none());
}

#[test]
fn expiring_a_silence_asks_first() {
    let mut s = state();
    feed_all(&mut s, vec![]);
    let sil = Silence {
        id: "s-1".into(),
        matchers: crate::alerts::filter::parse_matchers(r#"service="negocio""#).unwrap(),
        starts_at_ms: T0 - 1000,
        ends_at_ms: T0 + 3_600_000,
        updated_at_ms: None,
        created_by: "bob@host".into(),
        comment: "maintenance".into(),
        state: SilenceState::Active,
    };
    answer(&mut s, AlertFeed::AmSilences(0), Ok(AlertsData::Silences { silences: vec![sil.clone()] }));
    answer(&mut s, AlertFeed::AmSilences(1), Ok(AlertsData::Silences { silences: vec![sil] }));
    assert!(update(&mut s, Intent::ExpireSilence.into()).is_empty(), "only from the silences list");
    update(&mut s, Intent::SilencesView.into());
    assert_eq!(s.alerts.silence_list().len(), 1, "merged across instances by id");
    update(&mut s, Intent::ExpireSilence.into());
    assert!(s.alerts.confirm.is_some());
    update(&mut s, Intent::Back.into());
    assert!(s.alerts.confirm.is_none() && s.alerts.silences_open, "no keeps the silence and the list");
    update(&mut s, Intent::ExpireSilence.into());
    let eff = update(&mut s, Intent::Confirm.into());
    assert_eq!(writes(&eff), [&SilenceOp::Expire("s-1".into())]);
}

#[test]
fn nothing_is_new_when_a_silence_expires_or_a_poll_fails() {
    let mut s = state();
    let mut silenced = alert("f2", "ServiceDown", "critical", "negocio");
    silenced.state = AmState::Suppressed;
    silenced.silenced_by = vec!["s-1".into()];
    feed_all(&mut s, vec![alert("f1", "A", "high", "x"), silenced.clone()]);
    let before = s.status.clone();
    // The silence expires: the alert is active again, but it is not a new alert.
    feed_all(&mut s, vec![alert("f1", "A", "high", "x"), alert("f2", "ServiceDown", "critical", "negocio")]);
    assert_eq!(s.status, before);
    assert!(s.alerts.new_at.is_empty());
    // Both Alertmanagers fail twice: Prometheus's alerts stand in, and they are not new either.
    let down = FetchError { kind: FetchErrorKind::Connect, message: "down".into() };
    let p = crate::alerts::model::PromAlert {
        labels: alert("f1", "A", "high", "x").labels,
        annotations: Labels::new(),
        state: crate::alerts::model::PromAlertState::Firing,
        active_at_ms: Some(T0),
        value: "1".into(),
    };
    answer(&mut s, AlertFeed::PromAlerts, Ok(AlertsData::PromAlerts { alerts: vec![p] }));
    for _ in 0..2 {
        for i in 0..2 {
            answer(&mut s, AlertFeed::AmAlerts(i), Err(down.clone()));
        }
    }
    assert!(s.alerts.view.from_prometheus);
    assert!(s.alerts.new_at.is_empty(), "a change of source announces nothing");
    // And when the Alertmanagers come back, nothing is new either.
    feed_all(&mut s, vec![alert("f1", "A", "high", "x"), alert("f2", "ServiceDown", "critical", "negocio")]);
    assert!(s.alerts.new_at.is_empty());
}
