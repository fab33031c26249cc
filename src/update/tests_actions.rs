//! Runbook actions driven through `update`: key → confirmation → run effect, refusals, dry runs, the
//! runner's reports and the verification afterwards. Every attempt leaves an audit effect.

use super::*;
use crate::action::{Action, AlertFeed, AlertsData, AlertsResult, RunbookEvent, TextOp};
use crate::actions::attempt::Command;
use crate::alerts::model::{Alert, AmState, Labels};
use crate::config::load_str;
use crate::state::actions::{Phase, Verdict};
use crate::state::{Page, State};

const CFG: &str = r#"
[[environment]]
name = "prod"
production = true
prometheus = { url = "http://localhost:9090" }
alertmanager = [{ url = "http://am1:9093" }]

[[environment]]
name = "staging"
prometheus = { url = "http://localhost:9091" }

[[dashboard]]
name = "System"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]

[[action]]
name = "restart"
description = "Restart the container"
key = "R"
scope = { alert = 'alertname="ServiceDown"' }
exec = { argv = ["docker", "compose", "restart", "{labels.service}"] }
verify = { alert_resolves = true, within = "1m" }

[[action]]
name = "backup"
description = "Back up the database"
key = "ctrl-b"
scope = "global"
exec = { argv = ["./backup.sh", "{env}"] }
confirm = "yes_no"
"#;

const T0: i64 = 1_700_000_000_000;

fn state(production: bool) -> State {
    let c = load_str("t.toml", CFG).unwrap();
    let mut s = State::new(&c, "prod", production, T0);
    s.actions.origin = crate::actions::audit::Origin { user: "ana".into(), host: "laptop".into() };
    s.actions.terminal = true;
    s.page = Page::Alerts;
    s
}

fn alert(fp: &str, service: &str) -> Alert {
    let labels: Labels = [("alertname", "ServiceDown"), ("severity", "critical"), ("service", service)]
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

fn firing(s: &mut State, alerts: Vec<Alert>) -> Vec<Effect> {
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

fn typed(s: &mut State, t: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in t.chars() {
        out.extend(update(s, Action::Text { op: TextOp::Insert(c) }));
    }
    out.extend(update(s, Action::Text { op: TextOp::Submit }));
    out
}

fn audits(eff: &[Effect]) -> Vec<(crate::actions::audit::Event, String)> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::AuditAction { event, outcome, .. } => Some((*event, outcome.clone())),
            _ => None,
        })
        .collect()
}

fn run_effect(eff: &[Effect]) -> Option<(u64, &crate::actions::attempt::AttemptMeta, &Command)> {
    eff.iter().find_map(|e| match e {
        Effect::RunAction { id, meta, command, .. } => Some((*id, meta, command)),
        _ => None,
    })
}

#[test]
fn production_asks_for_the_environment_name_and_runs_what_it_showed() {
    let mut s = state(true);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    assert!(update(&mut s, Action::RunAction { index: 0 }).is_empty(), "nothing runs before the confirmation");
    let p = s.actions.confirm.as_ref().expect("a confirmation is open");
    assert_eq!(p.prepared.shown, "docker compose restart agente_negocio");
    assert_eq!(p.prepared.target, "ServiceDown on agente_negocio");
    assert!(crate::update::text_focus(&s), "the typed confirmation has the keyboard");

    // A wrong name keeps the question open and runs nothing.
    let eff = typed(&mut s, "production");
    assert!(run_effect(&eff).is_none());
    let p = s.actions.confirm.as_ref().expect("still asking");
    assert!(p.error.as_deref().unwrap().contains("`production` is not `prod`"), "{:?}", p.error);

    update(&mut s, Action::Text { op: TextOp::Clear });
    let eff = typed(&mut s, "prod");
    let (id, meta, command) = run_effect(&eff).expect("runs once the name is typed");
    assert_eq!(meta.confirmation, crate::actions::audit::Confirmation::Typed("prod".into()));
    assert_eq!(meta.alert_fingerprint.as_deref(), Some("fp1"));
    assert_eq!((meta.origin.user.as_str(), meta.origin.host.as_str()), ("ana", "laptop"));
    let Command::Exec(e) = command else { panic!("an exec action") };
    assert_eq!(e.argv, ["docker", "compose", "restart", "agente_negocio"]);
    assert!(s.actions.confirm.is_none());
    assert_eq!(s.actions.runs.back().map(|r| (r.id, r.phase.clone())), Some((id, Phase::Queued)));
    assert!(s.actions.output_open, "the output pane opens for the run");
}

#[test]
fn yes_no_outside_production_and_cancel_is_audited() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Action::RunAction { index: 0 });
    assert!(!crate::update::text_focus(&s), "a yes/no question, not a text field");
    let eff = update(&mut s, Intent::Back.into());
    assert_eq!(audits(&eff), vec![(crate::actions::audit::Event::Cancelled, "cancelled at the confirmation".into())]);
    assert!(run_effect(&eff).is_none());

    update(&mut s, Action::RunAction { index: 0 });
    let eff = update(&mut s, Intent::Confirm.into());
    let (_, meta, _) = run_effect(&eff).expect("y runs it");
    assert_eq!(meta.confirmation, crate::actions::audit::Confirmation::Yes);
}

#[test]
fn read_only_refuses_before_asking_and_says_why() {
    let mut s = state(true);
    s.alerts.read_only = true;
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    let eff = update(&mut s, Action::RunAction { index: 0 });
    assert!(s.actions.confirm.is_none());
    let a = audits(&eff);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].0, crate::actions::audit::Event::Refused);
    assert!(a[0].1.starts_with("read-only"), "{}", a[0].1);
    assert!(s.status.as_ref().unwrap().error);
}

#[test]
fn a_hostile_label_is_refused_and_nothing_is_prepared() {
    for service in ["x; rm -rf /", "$(id)", "`id`", "a\nb", "../../etc", "аgente", &"a".repeat(300), "-rf"] {
        let mut s = state(true);
        firing(&mut s, vec![alert("fp1", service)]);
        let eff = update(&mut s, Action::RunAction { index: 0 });
        assert!(s.actions.confirm.is_none(), "{service:?} must not reach a confirmation");
        let a = audits(&eff);
        assert_eq!(a.len(), 1, "{service:?}");
        assert_eq!(a[0].0, crate::actions::audit::Event::Refused);
        let Some(Effect::AuditAction { command, .. }) = eff.first() else { unreachable!() };
        assert!(command.is_none(), "no command exists for a refused expansion");
        assert!(s.status.as_ref().unwrap().text.starts_with("refused:"), "{:?}", s.status);
    }
}

#[test]
fn single_flight_is_refused_on_screen_while_the_first_runs() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Action::RunAction { index: 0 });
    assert!(run_effect(&update(&mut s, Intent::Confirm.into())).is_some());
    let eff = update(&mut s, Action::RunAction { index: 0 });
    assert!(s.actions.confirm.is_none());
    assert!(audits(&eff)[0].1.contains("already running"), "{:?}", audits(&eff));
}

#[test]
fn the_dry_run_key_shows_the_command_runs_nothing_and_is_audited() {
    let mut s = state(true);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Intent::DryRun.into());
    let menu = s.actions.menu.as_ref().expect("the menu opens in dry-run mode");
    assert!(menu.dry_run);
    assert_eq!(menu.items, vec![0, 1], "the alert's action and the global one");
    let eff = update(&mut s, Intent::Confirm.into());
    assert!(run_effect(&eff).is_none());
    assert_eq!(audits(&eff)[0].0, crate::actions::audit::Event::DryRun);
    let r = s.actions.runs.back().unwrap();
    assert_eq!((r.phase.clone(), r.shown.as_str()), (Phase::DryRun, "docker compose restart agente_negocio"));
    assert!(s.actions.output_open);
}

#[test]
fn an_alert_action_without_an_alert_says_to_select_one_and_a_global_one_works() {
    let mut s = state(false);
    let eff = update(&mut s, Action::RunAction { index: 0 });
    assert!(eff.is_empty());
    assert!(s.status.as_ref().unwrap().text.contains("select one first"), "{:?}", s.status);
    update(&mut s, Action::RunAction { index: 1 });
    let p = s.actions.confirm.as_ref().expect("the global action asks yes/no");
    assert_eq!((p.prepared.shown.as_str(), p.prepared.target.as_str()), ("./backup.sh prod", "environment prod"));
}

#[test]
fn output_is_sanitised_and_the_alert_resolving_verifies_the_run() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Action::RunAction { index: 0 });
    let (id, _, _) =
        run_effect(&update(&mut s, Intent::Confirm.into())).map(|(i, m, c)| (i, m.clone(), c.clone())).unwrap();
    update(&mut s, Action::Runbook(RunbookEvent::Started { id, attempt: "a1".into(), at_ms: T0 }));
    let hostile = "restarting \x1b]52;c;ZXZpbA==\x07 \x1b[31mred\x1b[0m".to_string();
    update(&mut s, Action::Runbook(RunbookEvent::Output { id, lines: vec![(false, hostile), (true, "warn".into())] }));
    let r = s.actions.runs.back().unwrap();
    assert_eq!(r.phase, Phase::Running);
    assert!(!r.lines[0].text.contains('\x1b') && !r.lines[0].text.contains('\x07'), "{:?}", r.lines[0].text);
    assert!(r.lines[1].stderr);

    s.now_ms = T0 + 2_000;
    let ended = RunbookEvent::Ended {
        id,
        success: true,
        summary: "exit 0".into(),
        exit_code: Some(0),
        duration_ms: 1_500,
        audit_error: None,
        at_ms: T0 + 2_000,
    };
    assert!(audits(&update(&mut s, Action::Runbook(ended))).is_empty(), "nothing verified before fresh data");
    assert_eq!(s.actions.runs.back().unwrap().verification.as_ref().unwrap().verdict, Verdict::Watching);

    // The next answer after the run still has it firing: keep watching.
    s.now_ms = T0 + 5_000;
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    assert!(update(&mut s, Action::Tick { now_ms: T0 + 5_000 })
        .iter()
        .all(|e| !matches!(e, Effect::AuditAction { .. })));
    // Then it is gone: verified, recorded under the run's attempt id.
    s.now_ms = T0 + 14_000;
    let mut eff = firing(&mut s, vec![]);
    eff.extend(update(&mut s, Action::Tick { now_ms: T0 + 14_000 }));
    let a = audits(&eff);
    assert_eq!(a, vec![(crate::actions::audit::Event::Verified, "the alert recovered 12s after the run".into())]);
    let Some(Effect::AuditAction { meta, .. }) = eff.iter().find(|e| matches!(e, Effect::AuditAction { .. })) else {
        unreachable!()
    };
    assert_eq!(meta.attempt, "a1");
    assert_eq!(
        s.actions.runs.back().unwrap().verification.as_ref().unwrap().verdict,
        Verdict::Recovered { after_ms: 12_000 }
    );
}

#[test]
fn a_run_that_does_not_fix_it_is_recorded_as_not_verified() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Action::RunAction { index: 0 });
    let id = run_effect(&update(&mut s, Intent::Confirm.into())).unwrap().0;
    let ended = RunbookEvent::Ended {
        id,
        success: true,
        summary: "exit 0".into(),
        exit_code: Some(0),
        duration_ms: 100,
        audit_error: None,
        at_ms: T0,
    };
    update(&mut s, Action::Runbook(ended));
    s.now_ms = T0 + 61_000;
    let mut eff = firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    eff.extend(update(&mut s, Action::Tick { now_ms: T0 + 61_000 }));
    assert_eq!(
        audits(&eff),
        vec![(crate::actions::audit::Event::Verified, "the alert did not recover within 1m00s".into())]
    );
    assert!(s.status.as_ref().unwrap().error);
}

#[test]
fn quitting_while_an_action_runs_asks_for_a_second_press() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Action::RunAction { index: 0 });
    update(&mut s, Intent::Confirm.into());
    assert!(update(&mut s, Intent::Quit.into()).is_empty());
    assert!(s.status.as_ref().unwrap().text.contains("restart on ServiceDown on agente_negocio still running"));
    assert_eq!(update(&mut s, Intent::Quit.into()), vec![Effect::Quit]);
}

#[test]
fn switching_environments_drops_what_was_prepared_there_and_stops_verifying_it() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Action::RunAction { index: 0 });
    let id = run_effect(&update(&mut s, Intent::Confirm.into())).unwrap().0;
    let ended = RunbookEvent::Ended {
        id,
        success: true,
        summary: "exit 0".into(),
        exit_code: Some(0),
        duration_ms: 100,
        audit_error: None,
        at_ms: T0,
    };
    update(&mut s, Action::Runbook(ended));
    // A second confirmation is open when the environment changes under it.
    update(&mut s, Action::RunAction { index: 1 });
    assert!(s.actions.confirm.is_some());
    let sw =
        crate::action::EnvSwitch { from: "prod".into(), to: "staging".into(), at_ms: T0 + 1_000, loki_error: None };
    let eff = update(&mut s, Action::EnvironmentSwitched(sw));
    assert!(s.actions.confirm.is_none(), "a confirmation for prod cannot be answered in staging");
    let a = audits(&eff);
    assert_eq!(a[0], (crate::actions::audit::Event::Cancelled, "cancelled at the confirmation".into()));
    assert_eq!(a[1].0, crate::actions::audit::Event::Verified);
    assert!(a[1].1.starts_with("not checked: switched away from prod"), "{}", a[1].1);
    // Staging has no such alert: nothing is marked recovered there.
    s.now_ms = T0 + 5_000;
    assert!(audits(&update(&mut s, Action::Tick { now_ms: T0 + 5_000 })).is_empty());
}

#[test]
fn in_the_dry_run_menu_an_actions_own_key_only_shows_it() {
    let mut s = state(false);
    firing(&mut s, vec![alert("fp1", "agente_negocio")]);
    update(&mut s, Intent::DryRun.into());
    let eff = update(&mut s, Action::RunAction { index: 0 });
    assert!(s.actions.confirm.is_none(), "no confirmation: nothing is to run");
    assert!(run_effect(&eff).is_none());
    assert_eq!(audits(&eff)[0].0, crate::actions::audit::Event::DryRun);
}

#[test]
fn the_same_command_from_two_alerts_is_one_run_at_a_time() {
    let mut s = state(false);
    let mut other = alert("fp2", "agente_negocio");
    other.labels.insert("alertname".into(), "ServiceDown".into());
    other.labels.insert("instance".into(), "b".into());
    firing(&mut s, vec![alert("fp1", "agente_negocio"), other]);
    update(&mut s, Action::RunAction { index: 0 });
    assert!(run_effect(&update(&mut s, Intent::Confirm.into())).is_some());
    update(&mut s, Intent::SelectNext.into());
    assert_eq!(s.alerts.selected_alert().unwrap().alert.fingerprint, "fp2");
    let eff = update(&mut s, Action::RunAction { index: 0 });
    assert!(audits(&eff)[0].1.contains("already running"), "{:?}", audits(&eff));
}

#[test]
fn a_dangerous_action_asks_for_the_name_outside_production_too() {
    let c = load_str("t.toml", &CFG.replace("confirm = \"yes_no\"", "dangerous = true")).unwrap();
    let mut s = State::new(&c, "prod", false, T0);
    s.page = Page::Alerts;
    update(&mut s, Action::RunAction { index: 1 });
    let p = s.actions.confirm.as_ref().expect("it asks");
    assert_eq!(p.prepared.confirm, crate::config::Confirm::TypeEnv);
}
