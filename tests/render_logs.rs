//! The logs view drawn by the normal render path: insta snapshots at 80×24 and 160×48 (following,
//! paused with a search, the detail of a JSON line), level colours, hostile lines made harmless, and
//! the security dashboard's `logs` panel.

mod common;

use centinela::action::{Action, Intent, LogsPurpose, LogsResult, TailData, TailUpdate, TextOp};
use centinela::keymap::Keymap;
use centinela::logs::{LogEntry, LokiResult};
use centinela::snapshot::{render, to_text};
use centinela::sources::prometheus::{Labels, Series};
use centinela::state::{Page, State};
use centinela::theme::{Role, Theme};
use centinela::update::update;
use common::{filled, find, NOW_MS};
use std::sync::Arc;

fn labels(service: &str, level: Option<&str>) -> Arc<Labels> {
    let mut l = Labels::from([
        ("service".to_string(), service.to_string()),
        ("environment".to_string(), "production".to_string()),
    ]);
    if let Some(level) = level {
        l.insert("level".into(), level.into());
    }
    Arc::new(l)
}

/// Lines as the incident writes them: JSON from the Python services, logfmt from the dashboard, a
/// level only in the text for some, and one hostile line.
fn incident_lines() -> Vec<LogEntry> {
    let negocio = labels("agente_negocio", Some("error"));
    let ml = labels("ml_service", None);
    let dash = labels("dashboard", None);
    let base_ns = (NOW_MS - 120_000) * 1_000_000;
    let mut out = Vec::new();
    for i in 0..30i64 {
        let ts_ns = base_ns + i * 3_000_000_000;
        let (l, line) = match i % 5 {
            0 => (
                negocio.clone(),
                format!(
                    r#"{{"timestamp":"2023-11-14T22:1{}:00Z","level":"ERROR","message":"database connection pool exhausted","request_id":"r-{i}","path":"/api/ordenes","status_code":503}}"#,
                    i % 10
                ),
            ),
            1 => (
                ml.clone(),
                format!(
                    r#"{{"level":"WARNING","message":"slow request","path":"/ocr","duration_ms":{}}}"#,
                    2000 + i * 37
                ),
            ),
            2 => (
                dash.clone(),
                format!(r#"ts=2023-11-14T22:11:{:02}Z level=info msg="GET /api/stock" status=200 duration_ms=12"#, i),
            ),
            3 => (ml.clone(), "INFO:     127.0.0.1:41236 - \"GET /health HTTP/1.1\" 200 OK".to_string()),
            _ => (dash.clone(), format!("upstream agente_negocio unreachable: connection refused (attempt {i})")),
        };
        out.push(LogEntry { ts_ns, labels: l, fields: None, line });
    }
    out.push(LogEntry {
        ts_ns: base_ns + 31 * 3_000_000_000,
        labels: dash,
        fields: None,
        line: "user input: \x1b[2J\x1b]52;c;ZXZpbA==\x07 tab\there".into(),
    });
    out
}

fn volume() -> Vec<Series> {
    let t0 = (NOW_MS / 1000 - 3600) as f64;
    let series = |level: &str, f: &dyn Fn(usize) -> f64| Series {
        labels: Labels::from([("level".to_string(), level.to_string())]),
        points: (0..60).map(|i| (t0 + i as f64 * 60.0, f(i))).collect(),
    };
    vec![
        series("info", &|i| 40.0 + (i % 7) as f64),
        series("warn", &|i| if i > 40 { 12.0 } else { 1.0 }),
        series("error", &|i| if i > 50 { 25.0 } else { 0.0 }),
    ]
}

/// The logs view opened on the demo profile, lines and volume answered, the tail live.
fn logs_state(w: u16, h: u16) -> State {
    let mut s = filled(0, w, h);
    update(&mut s, Intent::LogsView.into());
    assert_eq!(s.page, Page::Logs);
    let generation = s.logs.lines.issued;
    let lines = Ok(LokiResult::Streams(incident_lines()));
    update(&mut s, Action::Logs(LogsResult { purpose: LogsPurpose::Lines, generation, at_ms: NOW_MS, outcome: lines }));
    let generation = s.logs.volume_req.issued;
    let v = Ok(LokiResult::Matrix(volume()));
    update(&mut s, Action::Logs(LogsResult { purpose: LogsPurpose::Volume, generation, at_ms: NOW_MS, outcome: v }));
    let generation = s.logs.tail_generation;
    update(&mut s, Action::Tail(TailUpdate { generation, at_ms: NOW_MS, data: TailData::Connected { polling: None } }));
    s
}

fn draw(s: &State) -> (ratatui::buffer::Buffer, String) {
    let buf = render(s, &Theme::builtin_default(), &Keymap::load(None).unwrap());
    let text = to_text(&buf);
    (buf, text)
}

#[test]
fn logs_view_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let s = logs_state(w, h);
        let (_, text) = draw(&s);
        insta::assert_snapshot!(format!("logs_{w}x{h}"), text);
        // Paused on a search match, with the line's detail open.
        let mut s = s;
        update(&mut s, Intent::Search.into());
        for c in "pool".chars() {
            update(&mut s, Action::Text { op: TextOp::Insert(c) });
        }
        update(&mut s, Action::Text { op: TextOp::Submit });
        update(&mut s, Intent::ShowDetail.into());
        let (_, text) = draw(&s);
        insta::assert_snapshot!(format!("logs_search_detail_{w}x{h}"), text);
    }
}

#[test]
fn levels_are_coloured_and_hostile_text_is_harmless() {
    let s = logs_state(160, 48);
    let (buf, text) = draw(&s);
    let theme = Theme::builtin_default();
    let (x, y) = find(&buf, "ERR ").expect("an error badge");
    assert_eq!(buf[(x, y)].fg, theme.style(Role::Critical).fg.unwrap());
    let (x, y) = find(&buf, "WRN ").expect("a warning badge");
    assert_eq!(buf[(x, y)].fg, theme.style(Role::Warn).fg.unwrap());
    // No escape or BEL byte reaches the screen; they show as visible symbols.
    assert!(!text.contains('\x1b') && !text.contains('\x07'));
    assert!(text.contains("user input: ␛[2J␛]52;c;ZXZpbA==␇ tab here"), "{text}");
    assert!(text.contains("● live"), "{text}");
    assert!(text.contains("31 lines"), "{text}");
}

#[test]
fn the_security_dashboard_has_its_logs_panel() {
    let s = filled(1, 160, 48);
    let (_, text) = draw(&s);
    assert!(text.contains("Security Events (Last 24h)"), "{text}");
    assert!(text.contains("FAILED_AUTHENTICATION"), "{text}");
}
