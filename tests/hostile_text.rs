//! Hostile text on every path to the screen: alert labels and annotations, log lines (and their
//! labels and fields), health bodies and transport errors, panel legends and errors, action output.
//! Each payload goes in through the same `update` the runtime uses and comes out of the normal render
//! path; no cell of the ratatui buffer may hold a control, C1, bidi or zero-width format character.

mod common;

use centinela::action::{
    Action, AlertFeed, AlertsData, AlertsResult, FetchError, FetchErrorKind, HealthResult, Intent, LogsPurpose,
    LogsResult, QueryKey, QueryResult, RunbookEvent, TextOp,
};
use centinela::alerts::model::{Alert, AmState, Labels};
use centinela::keymap::Keymap;
use centinela::logs::{LogEntry, LokiResult};
use centinela::snapshot::render;
use centinela::sources::health::Probe;
use centinela::sources::prometheus::{QueryData, Sample};
use centinela::state::{Page, State};
use centinela::theme::Theme;
use centinela::update::update;
use common::{filled, NOW_MS};
use ratatui::buffer::Buffer;
use serde_json::json;
use std::sync::Arc;

/// What a hostile backend (or a hostile label value someone set) might send.
const PAYLOADS: &[&str] = &[
    "csi\x1b[2J\x1b[Hgone",
    "osc52\x1b]52;c;cm0gLXJmIH4=\x07",
    "osc8\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
    "dcs\x1bP+q544e\x1b\\",
    "c1csi\u{9b}31mred",
    "c1osc\u{9d}0;title\u{9c}",
    "bidi\u{202E}fdp.exe",
    "isolates\u{2066}a\u{2067}b\u{2068}c\u{2069}",
    "zwj a\u{200D}b zw\u{200B}sp bom\u{FEFF} lrm\u{200E}",
    "bell\x07 bs\x08 cr\rlf\nnul\0del\x7f",
];

fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

fn assert_clean(buf: &Buffer, what: &str) {
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            assert!(!sym.chars().any(is_hostile), "{what}: cell ({x},{y}) holds {sym:?}");
        }
    }
}

fn draw(s: &State) -> Buffer {
    render(s, &Theme::builtin_default(), &Keymap::load(None).unwrap())
}

/// The payloads' visible part made it to the screen (so the test is not passing on an empty view).
fn shows(buf: &Buffer, needle: &str) -> bool {
    centinela::snapshot::to_text(buf).contains(needle)
}

fn evil_alert(i: usize, p: &str) -> Alert {
    let labels: Labels = [
        ("alertname".to_string(), format!("Evil{i}{p}")),
        ("severity".to_string(), "critical".to_string()),
        ("service".to_string(), format!("svc{p}")),
        (format!("label{p}"), p.to_string()),
    ]
    .into_iter()
    .collect();
    let annotations: Labels = [
        ("summary".to_string(), format!("summary {p}")),
        ("description".to_string(), format!("description {p}")),
        ("runbook_url".to_string(), format!("http://runbook/{p}")),
    ]
    .into_iter()
    .collect();
    Alert {
        fingerprint: format!("fp{i}{p}"),
        labels,
        annotations,
        starts_at_ms: NOW_MS - 60_000 * i as i64,
        ends_at_ms: None,
        updated_at_ms: Some(NOW_MS),
        generator_url: format!("http://prometheus/graph?{p}"),
        state: AmState::Active,
        silenced_by: vec![p.to_string()],
        inhibited_by: vec![],
        receivers: vec![p.to_string()],
    }
}

#[test]
fn alert_labels_and_annotations_reach_no_cell_as_controls() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        s.page = Page::Alerts;
        let alerts: Vec<Alert> = PAYLOADS.iter().enumerate().map(|(i, p)| evil_alert(i, p)).collect();
        for i in 0..2 {
            let generation = s.next_generation;
            s.next_generation += 1;
            let outcome = Ok(AlertsData::Alerts { alerts: alerts.clone() });
            let r = AlertsResult { feed: AlertFeed::AmAlerts(i), generation, at_ms: NOW_MS, elapsed_ms: 1.0, outcome };
            update(&mut s, Action::Alerts(r));
        }
        let buf = draw(&s);
        assert_clean(&buf, "the alerts list");
        assert!(shows(&buf, "Evil"), "the alerts are listed");
        // Every alert's detail.
        update(&mut s, Intent::SelectFirst.into());
        for _ in 0..PAYLOADS.len() {
            update(&mut s, Intent::ShowDetail.into());
            assert_clean(&draw(&s), "an alert's detail");
            update(&mut s, Intent::Back.into());
            update(&mut s, Intent::SelectNext.into());
        }
    }
}

#[test]
fn log_lines_labels_and_fields_reach_no_cell_as_controls() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        update(&mut s, Intent::LogsView.into());
        assert_eq!(s.page, Page::Logs);
        let entries: Vec<LogEntry> = PAYLOADS
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let labels = Arc::new(Labels::from([("service".to_string(), format!("svc{p}"))]));
                let fields = Arc::new(Labels::from([(format!("field{p}"), p.to_string())]));
                let ts = (NOW_MS - 60_000 + i as i64 * 1000) * 1_000_000;
                [
                    LogEntry { ts_ns: ts, labels: labels.clone(), fields: Some(fields), line: format!("plain {p}") },
                    LogEntry {
                        ts_ns: ts + 1,
                        labels,
                        fields: None,
                        line: json!({"level": "error", "message": format!("json {p}"), "k": p}).to_string(),
                    },
                ]
            })
            .collect();
        let generation = s.logs.lines.issued;
        let outcome = Ok(LokiResult::Streams(entries));
        update(&mut s, Action::Logs(LogsResult { purpose: LogsPurpose::Lines, generation, at_ms: NOW_MS, outcome }));
        let buf = draw(&s);
        assert_clean(&buf, "the logs view");
        assert!(shows(&buf, "plain") || shows(&buf, "json"), "the lines are shown");
        // Search for a payload, and open each line's detail.
        update(&mut s, Intent::Search.into());
        for c in "osc".chars() {
            update(&mut s, Action::Text { op: TextOp::Insert(c) });
        }
        update(&mut s, Action::Text { op: TextOp::Submit });
        assert_clean(&draw(&s), "a search in the logs");
        for _ in 0..4 {
            update(&mut s, Intent::ShowDetail.into());
            assert_clean(&draw(&s), "a log line's detail");
            update(&mut s, Intent::Back.into());
            update(&mut s, Intent::SelectNext.into());
        }
        // A Loki error that quotes the query back.
        let generation = s.logs.lines.issued + 1;
        s.logs.lines.issued = generation;
        let outcome = Err(FetchError { kind: FetchErrorKind::Api, message: PAYLOADS.concat() });
        update(&mut s, Action::Logs(LogsResult { purpose: LogsPurpose::Lines, generation, at_ms: NOW_MS, outcome }));
        assert_clean(&draw(&s), "a Loki error");
    }
}

#[test]
fn health_bodies_and_errors_reach_no_cell_as_controls() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        let n = s.health.targets.len();
        for i in 0..n {
            let p = PAYLOADS[i % PAYLOADS.len()];
            let q = PAYLOADS[(i + 3) % PAYLOADS.len()];
            let outcome = match i % 4 {
                0 => Ok(Probe {
                    status: 200,
                    latency_ms: 3.0,
                    body: Some(
                        json!({"status": format!("ok{p}"), "version": p, "database": {"status": "down", "error": q}}),
                    ),
                    body_note: None,
                }),
                1 => Ok(Probe {
                    status: 503,
                    latency_ms: 3.0,
                    body: Some(json!({"status": p, "error": q, "services": {p: {"status": "down", "error": q}}})),
                    body_note: None,
                }),
                2 => Ok(Probe { status: 502, latency_ms: 3.0, body: None, body_note: Some(format!("not JSON: {p}")) }),
                _ => {
                    Err(FetchError { kind: FetchErrorKind::Connect, message: format!("target is unreachable: {p}{q}") })
                }
            };
            let generation = s.health.targets[i].issued;
            update(
                &mut s,
                Action::Health(HealthResult {
                    target: i,
                    generation,
                    at_ms: NOW_MS,
                    outcome,
                    cert: None,
                    metrics: None,
                }),
            );
        }
        assert_clean(&draw(&s), "the health strip on a dashboard");
        s.page = Page::Health;
        let buf = draw(&s);
        assert_clean(&buf, "the health view");
        update(&mut s, Intent::SelectFirst.into());
        for _ in 0..n {
            update(&mut s, Intent::ShowDetail.into());
            assert_clean(&draw(&s), "a health target's detail");
            update(&mut s, Intent::Back.into());
            update(&mut s, Intent::SelectNext.into());
        }
    }
}

#[test]
fn panel_legends_and_errors_reach_no_cell_as_controls() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        let panels = s.dashboards[0].panels.len();
        for p in 0..panels {
            for t in 0..s.dashboards[0].panels[p].queries.len() {
                let key = QueryKey { dashboard: 0, panel: p, target: t };
                let generation = s.dashboards[0].panels[p].queries[t].issued;
                let payload = PAYLOADS[(p + t) % PAYLOADS.len()];
                let outcome = if p % 2 == 0 {
                    let samples = PAYLOADS
                        .iter()
                        .map(|q| Sample {
                            labels: Labels::from([
                                ("job".to_string(), format!("job{q}")),
                                ("service".to_string(), q.to_string()),
                            ]),
                            t: NOW_MS as f64 / 1000.0,
                            v: 1.0,
                        })
                        .collect();
                    Ok(QueryData::Vector { samples })
                } else {
                    Err(FetchError { kind: FetchErrorKind::Api, message: format!("bad_data: {payload}") })
                };
                update(&mut s, Action::Query(QueryResult { key, generation, at_ms: NOW_MS, outcome }));
            }
        }
        assert_clean(&draw(&s), "a dashboard with hostile legends and errors");
        update(&mut s, Intent::ToggleFullscreen.into());
        assert_clean(&draw(&s), "a fullscreen panel");
    }
}

#[test]
fn action_output_reaches_no_cell_as_controls() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = filled(0, w, h);
        s.page = Page::Alerts;
        s.actions.terminal = true;
        let alert = evil_alert(0, "x");
        let mut alert = alert;
        alert.labels.insert("service".into(), "agente_negocio".into());
        alert.labels.insert("alertname".into(), "ServiceDown".into());
        for i in 0..2 {
            let generation = s.next_generation;
            s.next_generation += 1;
            let outcome = Ok(AlertsData::Alerts { alerts: vec![alert.clone()] });
            let r = AlertsResult { feed: AlertFeed::AmAlerts(i), generation, at_ms: NOW_MS, elapsed_ms: 1.0, outcome };
            update(&mut s, Action::Alerts(r));
        }
        let id = common::start_restart(&mut s);
        let lines = PAYLOADS.iter().enumerate().map(|(i, p)| (i % 2 == 0, format!("out {p}"))).collect();
        update(&mut s, Action::Runbook(RunbookEvent::Output { id, lines }));
        let buf = draw(&s);
        assert_clean(&buf, "a running action's output");
        assert!(shows(&buf, "out "), "the output is shown");
        let ended = RunbookEvent::Ended {
            id,
            success: false,
            summary: format!("exit 1: {}", PAYLOADS.concat()),
            exit_code: Some(1),
            duration_ms: 2_400,
            audit_error: Some(PAYLOADS.concat()),
            at_ms: NOW_MS + 3_000,
        };
        update(&mut s, Action::Runbook(ended));
        s.now_ms = NOW_MS + 8_000;
        assert_clean(&draw(&s), "a finished action's output and summary");
    }
}
