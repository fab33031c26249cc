//! The alerts view drawn by the normal render path: insta snapshots (empty, a few, 500 alerts) at
//! 80×24 and 160×48, cell colours per severity, the silence editor, and hostile label values that
//! must show as harmless visible text.

mod common;

use centinela::action::{Action, AlertFeed, AlertsData, AlertsResult, Intent};
use centinela::alerts::model::{
    Alert, AmState, AmStatus, Labels, PromAlert, PromAlertState, Rule, RuleGroup, Silence, SilenceState,
};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::state::{Page, State};
use centinela::theme::{Role, Theme};
use centinela::update::update;
use common::{find, profile, NOW_MS};
use ratatui::buffer::Buffer;

fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn alert(fp: &str, name: &str, sev: &str, service: &str, age_min: i64) -> Alert {
    Alert {
        fingerprint: fp.into(),
        labels: labels(&[("alertname", name), ("severity", sev), ("service", service), ("instance", "host:8000")]),
        annotations: labels(&[
            ("summary", &format!("{name} on {service}")),
            ("description", "It has been like this for a while."),
            ("runbook", "Check the service logs, then restart it"),
        ]),
        starts_at_ms: NOW_MS - age_min * 60_000,
        ends_at_ms: None,
        updated_at_ms: Some(NOW_MS),
        generator_url: "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0".into(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec!["slack-critical".into()],
    }
}

fn answer(s: &mut State, feed: AlertFeed, data: AlertsData) {
    let generation = s.next_generation;
    s.next_generation += 1;
    update(s, Action::Alerts(AlertsResult { feed, generation, at_ms: NOW_MS, elapsed_ms: 1.0, outcome: Ok(data) }));
}

/// The production environment (an HA pair) with `alerts` from both instances.
fn state_with(w: u16, h: u16, alerts: Vec<Alert>, pending: Vec<PromAlert>, silences: Vec<Silence>) -> State {
    let mut s = State::new(&profile(), "production", true, NOW_MS);
    s.utc = true;
    s.width = w;
    s.height = h;
    s.page = Page::Alerts;
    s.alerts.created_by = "ana@host".into();
    let status = AmStatus {
        version: "0.25.0".into(),
        cluster_status: "ready".into(),
        cluster_name: "c".into(),
        peers: vec!["a".into(), "b".into()],
        uptime_ms: None,
    };
    for i in 0..2 {
        answer(&mut s, AlertFeed::AmAlerts(i), AlertsData::Alerts { alerts: alerts.clone() });
        answer(&mut s, AlertFeed::AmSilences(i), AlertsData::Silences { silences: silences.clone() });
        answer(&mut s, AlertFeed::AmStatus(i), AlertsData::Status { status: status.clone() });
    }
    let rule = Rule {
        name: "ServiceDown".into(),
        query: "up == 0".into(),
        for_s: 120.0,
        labels: labels(&[("severity", "critical")]),
        alerting: true,
        health: "ok".into(),
        last_error: String::new(),
    };
    let groups = vec![RuleGroup {
        name: "critical_alerts".into(),
        file: "alerts.yml".into(),
        interval_s: 30.0,
        rules: vec![rule],
    }];
    answer(&mut s, AlertFeed::PromRules, AlertsData::Rules { groups });
    answer(&mut s, AlertFeed::PromAlerts, AlertsData::PromAlerts { alerts: pending });
    s
}

fn incident() -> (Vec<Alert>, Vec<PromAlert>, Vec<Silence>) {
    let mut inhibited = alert("f4", "HighLatency", "high", "agente_negocio", 3);
    inhibited.state = AmState::Suppressed;
    inhibited.inhibited_by = vec!["f1".into()];
    let mut silenced = alert("f5", "MLModelDrift", "medium", "ml_service", 40);
    silenced.state = AmState::Suppressed;
    silenced.silenced_by = vec!["s-1".into()];
    let alerts = vec![
        alert("f1", "ServiceDown", "critical", "agente_negocio", 3),
        alert("f2", "HighErrorRate", "critical", "agente_negocio", 4),
        alert("f3", "HighLatency", "high", "ml_service", 6),
        inhibited,
        silenced,
        alert("f6", "Watchdog", "none", "", 600),
    ];
    let pending = vec![PromAlert {
        labels: labels(&[("alertname", "CPUHigh"), ("severity", "high"), ("service", "dashboard")]),
        annotations: Labels::new(),
        state: PromAlertState::Pending,
        active_at_ms: Some(NOW_MS - 120_000),
        value: "0.91".into(),
    }];
    let silences = vec![Silence {
        id: "s-1".into(),
        matchers: centinela::alerts::filter::parse_matchers(r#"alertname="MLModelDrift""#).unwrap(),
        starts_at_ms: NOW_MS - 600_000,
        ends_at_ms: NOW_MS + 3_000_000,
        updated_at_ms: None,
        created_by: "bob@ops".into(),
        comment: "retraining tonight".into(),
        state: SilenceState::Active,
    }];
    (alerts, pending, silences)
}

fn draw(s: &State) -> Buffer {
    render(s, &Theme::builtin_default(), &Keymap::load(None).unwrap())
}

#[test]
fn alerts_view_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let empty = state_with(w, h, vec![], vec![], vec![]);
        insta::assert_snapshot!(format!("alerts_empty_{w}x{h}"), to_text(&draw(&empty)));

        let (a, p, si) = incident();
        let few = state_with(w, h, a, p, si.clone());
        insta::assert_snapshot!(format!("alerts_incident_{w}x{h}"), to_text(&draw(&few)));

        let many: Vec<Alert> = (0..500)
            .map(|i| {
                let sev = ["critical", "high", "medium", "info"][i % 4];
                alert(&format!("m{i:03}"), &format!("Alert{:02}", i % 25), sev, &format!("svc-{}", i % 7), i as i64)
            })
            .collect();
        let mut big = state_with(w, h, many, vec![], vec![]);
        for _ in 0..30 {
            update(&mut big, Intent::SelectNext.into());
        }
        insta::assert_snapshot!(format!("alerts_500_{w}x{h}"), to_text(&draw(&big)));

        let (a, p, _) = incident();
        let mut sil = state_with(w, h, a, p, si);
        update(&mut sil, Intent::SilencesView.into());
        insta::assert_snapshot!(format!("silences_{w}x{h}"), to_text(&draw(&sil)));
    }
}

#[test]
fn severities_have_their_colours_in_the_list_and_the_header() {
    let theme = Theme::builtin_default();
    let (a, p, si) = incident();
    let s = state_with(160, 48, a, p, si);
    let buf = draw(&s);
    for (needle, role) in [("critical ServiceDown", Role::Critical), ("high     HighLatency", Role::Warn)] {
        let (x, y) = find(&buf, needle).unwrap_or_else(|| panic!("`{needle}` not drawn:\n{}", to_text(&buf)));
        assert_eq!(buf[(x, y)].fg, theme.style(role).fg.unwrap(), "{needle}");
    }
    // Header counts: 2 critical, 1 high (the inhibited and the silenced alert and Watchdog do not count).
    let header: String = (0..160).map(|x| buf[(x, 0)].symbol()).collect();
    assert!(header.contains(" 2 critical 1 high "), "{header}");
    let (x, _) = find(&buf, " 2 critical").unwrap();
    assert_eq!(buf[(x + 1, 0)].fg, theme.style(Role::Critical).fg.unwrap());
    // Suppressed alerts are drawn muted.
    let (x, y) = find(&buf, "MLModelDrift").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.style(Role::Muted).fg.unwrap());
}

#[test]
fn the_detail_pane_explains_the_selected_alert() {
    let (a, p, si) = incident();
    let mut s = state_with(160, 48, a, p, si);
    update(&mut s, Intent::SelectFirst.into());
    let text = to_text(&draw(&s));
    for needle in [
        "rule         up == 0",
        "for          2m",
        "runbook      Check the service logs",
        "reported by  localhost:9093, localhost:9094",
    ] {
        assert!(text.contains(needle), "`{needle}` missing:\n{text}");
    }
    // The silenced one says by whom, and why.
    while s.alerts.selected_alert().is_some_and(|a| a.alert.name() != "MLModelDrift") {
        update(&mut s, Intent::SelectNext.into());
    }
    let text = to_text(&draw(&s));
    assert!(text.contains(r#"silenced by  {alertname="MLModelDrift"} by bob@ops:"#), "{text}");
    assert!(text.contains(r#""retraining tonight", ends 23:03:20 UTC (in 50m)"#), "{text}");
}

#[test]
fn the_silence_editor_shows_what_it_would_mute() {
    let (a, p, si) = incident();
    let mut s = state_with(80, 24, a, p, si);
    update(&mut s, Intent::SelectFirst.into());
    update(&mut s, Intent::Silence.into());
    let text = to_text(&draw(&s));
    insta::assert_snapshot!("silence_editor_80x24", text);
    assert!(text.contains("would mute 1 alert firing right now"));
    assert!(text.contains("new silence in PRODUCTION"));
}

#[test]
fn hostile_labels_render_as_harmless_visible_text() {
    let mut evil = alert("e1", "Evil\x1b[2J", "critical", "svc\x1b]52;c;cm0gLXJmIC8=\x07", 1);
    evil.annotations.insert("summary".into(), "clear\x1b[H\x1b[2Jscreen\r\nnext\u{202e}txt".into());
    evil.labels.insert("team\x1b[31m".into(), "\u{9b}31m".into());
    let mut s = state_with(160, 48, vec![evil], vec![], vec![]);
    update(&mut s, Intent::SelectFirst.into());
    let buf = draw(&s);
    for cell in buf.content() {
        assert!(
            !cell.symbol().chars().any(|c| c.is_control()),
            "a control character reached a cell: {:?}",
            cell.symbol()
        );
        assert!(!cell.symbol().contains('\u{202e}'));
    }
    let text = to_text(&buf);
    assert!(text.contains("Evil␛[2J"), "{text}");
    assert!(text.contains("svc␛]52;c;cm0gLXJmIC8=␇"), "{text}");
}
