//! Runbook actions drawn by the normal render path: the confirmation (production: type the name), the
//! menu, and the output pane of a run with hostile output, at 80×24 and 160×48.

mod common;

use centinela::action::{Action, AlertFeed, AlertsData, AlertsResult, Intent, RunbookEvent};
use centinela::alerts::model::{Alert, AmState, Labels};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::state::{Page, State};
use centinela::theme::Theme;
use centinela::update::update;
use common::{profile, NOW_MS};

fn service_down() -> Alert {
    let labels: Labels = [("alertname", "ServiceDown"), ("severity", "critical"), ("service", "agente_negocio")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Alert {
        fingerprint: "f1".into(),
        labels,
        annotations: Labels::new(),
        starts_at_ms: NOW_MS - 180_000,
        ends_at_ms: None,
        updated_at_ms: Some(NOW_MS),
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    }
}

fn state(w: u16, h: u16) -> State {
    let mut s = State::new(&profile(), "production", true, NOW_MS);
    s.utc = true;
    s.width = w;
    s.height = h;
    s.page = Page::Alerts;
    s.actions.origin = centinela::actions::audit::Origin { user: "ana".into(), host: "ops".into() };
    s.actions.terminal = true;
    for i in 0..2 {
        let generation = s.next_generation;
        s.next_generation += 1;
        let outcome = Ok(AlertsData::Alerts { alerts: vec![service_down()] });
        let r = AlertsResult { feed: AlertFeed::AmAlerts(i), generation, at_ms: NOW_MS, elapsed_ms: 1.0, outcome };
        update(&mut s, Action::Alerts(r));
    }
    s
}

fn restart(s: &State) -> usize {
    s.actions.specs.iter().position(|a| a.name == "restart").expect("the profile has a restart action")
}

fn text(s: &State) -> String {
    to_text(&render(s, &Theme::builtin_default(), &Keymap::load(None).unwrap()))
}

#[test]
fn the_confirmation_shows_the_whole_command_and_asks_for_the_name() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = state(w, h);
        let index = restart(&s);
        update(&mut s, Action::RunAction { index });
        for c in "prod".chars() {
            update(&mut s, Action::Text { op: centinela::action::TextOp::Insert(c) });
        }
        let t = text(&s);
        assert!(t.contains("type production to run it: prod"), "{t}");
        insta::assert_snapshot!(format!("actions_confirm_{w}x{h}"), t);
    }
}

#[test]
fn the_menu_lists_what_is_offered_on_the_selection() {
    let mut s = state(160, 48);
    update(&mut s, Intent::ActionsMenu.into());
    let t = text(&s);
    assert!(t.contains("actions on ServiceDown on agente_negocio"), "{t}");
    insta::assert_snapshot!("actions_menu_160x48", t);
}

#[test]
fn the_output_pane_shows_a_run_with_hostile_output_harmlessly() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = state(w, h);
        let id = common::start_restart(&mut s);
        let lines = vec![
            (false, " Container minimarket-agente-negocio-1  Restarting".to_string()),
            (false, "\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\u{202e}evil".to_string()),
            (true, " Container minimarket-agente-negocio-1  Started".to_string()),
        ];
        update(&mut s, Action::Runbook(RunbookEvent::Output { id, lines }));
        s.now_ms = NOW_MS + 3_000;
        let ended = RunbookEvent::Ended {
            id,
            success: true,
            summary: "exit 0".into(),
            exit_code: Some(0),
            duration_ms: 2_400,
            audit_error: None,
            at_ms: NOW_MS + 3_000,
        };
        update(&mut s, Action::Runbook(ended));
        s.now_ms = NOW_MS + 8_000;
        let t = text(&s);
        assert!(!t.contains('\x1b') && !t.contains('\u{202e}'), "escapes reached the screen");
        assert!(t.contains("✓ exit 0 · 2.4s"), "{t}");
        insta::assert_snapshot!(format!("actions_output_{w}x{h}"), t);
    }
}
