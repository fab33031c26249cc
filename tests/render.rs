//! Whole-screen snapshots of every dashboard at 80×24 and 160×48 with fixed data, drawn by the same
//! render path the terminal uses, plus cell-colour checks for thresholds and the states a panel can be
//! in (loading, failed with last good data, stale, no data).

mod common;

use centinela::action::{Action, FetchError, FetchErrorKind, Intent, QueryKey, QueryResult};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::sources::prometheus::{QueryData, Sample};
use centinela::theme::Theme;
use centinela::update::update;
use common::{filled, find, NOW_MS};
use ratatui::buffer::Buffer;
use ratatui::style::Color;

fn draw(state: &centinela::state::State) -> Buffer {
    render(state, &Theme::builtin_default(), &Keymap::load(None).unwrap())
}

#[test]
fn every_dashboard_at_both_sizes() {
    let names = ["system", "security", "business", "ml", "performance"];
    for (d, name) in names.iter().enumerate() {
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let text = to_text(&draw(&filled(d, w, h)));
            assert_eq!(text.lines().count(), h as usize);
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
        }
    }
}

/// Deliver `outcome` as the answer to the newest request for `key`, as the fetcher would.
fn answer(state: &mut centinela::state::State, key: QueryKey, outcome: Result<QueryData, FetchError>) {
    let generation = state.query(key).unwrap().issued;
    update(state, Action::Query(QueryResult { key, generation, at_ms: NOW_MS, outcome }));
}

fn set_value(state: &mut centinela::state::State, panel: usize, target: usize, v: f64) {
    let key = QueryKey { dashboard: state.active, panel, target };
    let data = QueryData::Vector { samples: vec![Sample { labels: Default::default(), t: NOW_MS as f64 / 1000.0, v }] };
    answer(state, key, Ok(data));
}

#[test]
fn thresholds_colour_values() {
    // System → Service Health: 1 maps to UP (ok, green), 0 to DOWN (critical, red).
    let mut s = filled(0, 160, 48);
    set_value(&mut s, 0, 0, 1.0);
    set_value(&mut s, 0, 1, 0.0);
    let buf = draw(&s);
    let up = find(&buf, "UP").expect("UP is shown");
    assert_eq!(buf[up].fg, Color::Green);
    let down = find(&buf, "DOWN").expect("DOWN is shown");
    assert_eq!(buf[down].fg, Color::Red);

    // System → Error Rate gauge: ok < 1 ≤ warn < 5 ≤ critical.
    set_value(&mut s, 2, 0, 0.4);
    set_value(&mut s, 2, 1, 2.5);
    set_value(&mut s, 2, 2, 7.5);
    let buf = draw(&s);
    assert_eq!(buf[find(&buf, "0.4%").unwrap()].fg, Color::Green);
    assert_eq!(buf[find(&buf, "2.5%").unwrap()].fg, Color::Yellow);
    assert_eq!(buf[find(&buf, "7.5%").unwrap()].fg, Color::Red);
}

#[test]
fn a_failed_refresh_keeps_the_data_and_says_why_in_one_line() {
    let mut s = filled(0, 160, 48);
    let key = QueryKey { dashboard: 0, panel: 1, target: 0 };
    answer(
        &mut s,
        key,
        Err(FetchError {
            kind: FetchErrorKind::Timeout,
            message: "Prometheus at http://prom:9090/ timed out after 10s".into(),
        }),
    );
    // 90 s later nothing new arrived: the panel is stale, shows its age and the error, and the chart stays.
    update(&mut s, Action::Tick { now_ms: NOW_MS + 90_000 });
    let text = to_text(&draw(&s));
    assert!(text.contains("✖ Prometheus at http://prom:9090/ timed out after 10s"), "{text}");
    assert!(text.contains("stale 1m"), "{text}");
    assert!(text.contains("agente_deposito"), "the legend of the last good data is still there:\n{text}");
    assert!(text.contains("failing"), "the status line counts failing panels:\n{text}");
}

#[test]
fn loading_and_empty_panels_say_so() {
    let mut s = centinela::state::State::new(&common::profile(), "production", true, NOW_MS);
    update(&mut s, Action::Resize { width: 160, height: 48 });
    let text = to_text(&draw(&s));
    assert!(text.contains("loading…"));
    let mut s = filled(0, 160, 48);
    let key = QueryKey { dashboard: 0, panel: 3, target: 0 };
    for t in 0..s.dashboards[0].panels[3].queries.len() {
        let key = QueryKey { target: t, ..key };
        answer(&mut s, key, Ok(QueryData::Matrix { series: vec![] }));
    }
    assert!(to_text(&draw(&s)).contains("no data"));
}

#[test]
fn hostile_label_values_render_as_visible_text() {
    let mut s = filled(1, 160, 48);
    // Security → Top 10 Active Users (table), a user_id holding escape sequences.
    let key = QueryKey { dashboard: 1, panel: 5, target: 0 };
    let labels = [("user_id".to_string(), "\x1b[2J\x1b]52;c;ZXZpbA==\x07mallory\u{202e}".to_string())].into();
    let data = QueryData::Vector { samples: vec![Sample { labels, t: 0.0, v: 5.0 }] };
    answer(&mut s, key, Ok(data));
    let buf = draw(&s);
    let all: String = buf.content().iter().map(|c| c.symbol()).collect();
    assert!(!all.contains('\x1b') && !all.contains('\x07') && !all.contains('\u{202e}'));
    assert!(to_text(&buf).contains("␛[2J␛]52;c;ZXZpbA==␇mallory<U+202E>"));
}

#[test]
fn help_is_generated_from_the_live_keymap() {
    let mut s = filled(0, 160, 48);
    update(&mut s, Intent::ToggleHelp.into());
    let km = Keymap::load(Some(("keymap.toml", "[global]\nx = \"refresh\"\nr = \"none\"\n"))).unwrap();
    let text = to_text(&render(&s, &Theme::builtin_default(), &km));
    insta::assert_snapshot!("help_160x48_rebound", text);
    assert!(text.contains("x") && text.contains("Refresh every visible panel now."));
}

#[test]
fn fullscreen_and_production_badge() {
    let mut s = filled(0, 80, 24);
    update(&mut s, Intent::FocusRight.into());
    update(&mut s, Intent::ToggleFullscreen.into());
    let buf = draw(&s);
    let text = to_text(&buf);
    assert!(text.contains("Request Rate"));
    assert!(!text.contains("Service Health"), "only the focused panel is drawn:\n{text}");
    // Production: the whole header is a red bar, the name stands out on it in red on white.
    let badge = find(&buf, "PRODUCTION").unwrap();
    assert_eq!((badge.1, buf[badge].fg, buf[badge].bg), (0, Color::Red, Color::White));
    for x in [0, 79] {
        assert_eq!(buf[(x, 0)].bg, Color::Red, "column {x} of the header");
    }
}
