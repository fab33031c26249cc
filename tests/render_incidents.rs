//! The incidents view drawn by the normal render path: an open incident with a full timeline and a
//! closed one, the numbers against the target, a hostile note shown harmless, at 80×24 and 160×48.

mod common;

use centinela::incidents::{AlertSeen, Event, EventKind, Incident};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::state::{Page, State};
use centinela::theme::Theme;
use common::{profile, NOW_MS};

const MIN: i64 = 60_000;

fn ev(at: i64, kind: EventKind, text: &str, by: &str) -> Event {
    Event { at_ms: at, kind, text: text.into(), by: by.into() }
}

fn incident(id: &str, opened: i64, closed: Option<i64>, events: Vec<Event>) -> Incident {
    let labels = [("alertname", "ServiceDown"), ("service", "agente_negocio"), ("severity", "critical")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let alert = AlertSeen {
        name: "ServiceDown".into(),
        severity: "critical".into(),
        labels,
        starts_ms: opened,
        ends_ms: closed,
    };
    Incident {
        id: id.into(),
        environment: "production".into(),
        title: "ServiceDown (critical, agente_negocio)".into(),
        severity: "critical".into(),
        opened_ms: opened,
        closed_ms: closed,
        opened_by_hand: false,
        closed_by_hand: false,
        alerts: [("k".to_string(), alert)].into(),
        events,
    }
}

fn state(w: u16, h: u16) -> State {
    let mut s = State::new(&profile(), "production", true, NOW_MS);
    s.utc = true;
    s.width = w;
    s.height = h;
    s.page = Page::Incidents;
    let t = NOW_MS - 40 * MIN;
    let closed = incident(
        "20231114-213320-servicedown-agente_negocio",
        t,
        Some(t + 12 * MIN),
        vec![
            ev(t, EventKind::Opened, "by ServiceDown (critical, agente_negocio)", ""),
            ev(t + 4 * MIN, EventKind::Acknowledged, "{service=\"agente_negocio\"} until 22:03 UTC", "ana@ops"),
            ev(
                t + 9 * MIN,
                EventKind::ActionSucceeded,
                "restart on ServiceDown on agente_negocio: exit 0 after 2.4s",
                "ana@ops",
            ),
            ev(t + 12 * MIN, EventKind::Closed, "every alert resolved", ""),
        ],
    );
    let o = NOW_MS - 6 * MIN;
    let open = incident(
        "20231114-220720-servicedown-agente_negocio",
        o,
        None,
        vec![
            ev(o, EventKind::Opened, "by ServiceDown (critical, agente_negocio)", ""),
            ev(o, EventKind::AlertFiring, "ServiceDown (critical, agente_negocio)", ""),
            ev(o + MIN, EventKind::Note, "pool exhausted \u{1b}]52;c;ZXZpbA==\u{7} | see logs", "ana@ops"),
            ev(
                o + 2 * MIN,
                EventKind::ActionStarted,
                "restart on ServiceDown on agente_negocio: POST http://deployer/v1/services/agente_negocio/restart",
                "ana@ops",
            ),
            ev(
                o + 2 * MIN + 3_000,
                EventKind::ActionFailed,
                "restart on ServiceDown on agente_negocio: HTTP 503 after 2.5s",
                "ana@ops",
            ),
        ],
    );
    s.incidents.list = vec![closed, open];
    s
}

#[test]
fn the_incidents_view_at_both_sizes() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let s = state(w, h);
        let text = to_text(&render(&s, &Theme::builtin_default(), &Keymap::load(None).unwrap()));
        assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'), "escapes reached the screen");
        assert!(text.contains("MTTA 3m00s") && text.contains("MTTR 12m00s"), "{text}");
        assert!(text.contains("⚑ incident 6m"), "{text}");
        insta::assert_snapshot!(format!("incidents_{w}x{h}"), text);
    }
}
