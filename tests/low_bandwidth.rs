//! Low-bandwidth mode (`--low-bandwidth`, `settings.low_bandwidth`): no braille, the 16 ANSI colours
//! only, nothing that redraws on its own, longer refreshes, and the bytes/s counter in the status line.

mod common;

use centinela::action::{Action, QueryKey};
use centinela::config::PanelKind;
use centinela::effect::Effect;
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::state::State;
use centinela::theme::{ansi16, Theme, ThemeSet};
use centinela::update::update;
use common::{fill_dashboard, profile, NOW_MS};
use ratatui::buffer::Buffer;
use std::time::Duration;

/// Dashboard `d` of the profile at `w`×`h`, filled with fixed data, low bandwidth or not.
fn shown(d: usize, w: u16, h: u16, low_bandwidth: bool) -> State {
    let mut c = profile();
    if low_bandwidth {
        c.apply_low_bandwidth();
    }
    let mut s = State::new(&c, "production", true, NOW_MS);
    s.utc = true;
    update(&mut s, Action::Resize { width: w, height: h });
    s.active = d;
    update(&mut s, Action::Tick { now_ms: NOW_MS });
    fill_dashboard(&mut s, d);
    s
}

/// The dark theme: RGB colours throughout, so the mapping to 16 colours has work to do.
fn dark() -> Theme {
    ThemeSet::load(None).resolve("dark", false).unwrap()
}

fn draw(state: &State, theme: &Theme) -> Buffer {
    render(state, theme, &Keymap::load(None).unwrap())
}

fn braille(buf: &Buffer) -> usize {
    buf.content.iter().filter(|c| c.symbol().chars().any(|ch| ('\u{2800}'..='\u{28FF}').contains(&ch))).count()
}

fn beyond_16_colours(buf: &Buffer) -> usize {
    buf.content.iter().filter(|c| !ansi16::is_16(c.fg) || !ansi16::is_16(c.bg)).count()
}

#[test]
fn no_braille_and_only_16_colours_on_any_dashboard() {
    for d in 0..5 {
        let normal = draw(&shown(d, 160, 48, false), &dark());
        let low = draw(&shown(d, 160, 48, true), &dark());
        assert!(beyond_16_colours(&normal) > 0, "dashboard {d}: the dark theme draws RGB colours");
        assert_eq!(braille(&low), 0, "dashboard {d}: braille in low-bandwidth mode:\n{}", to_text(&low));
        assert_eq!(beyond_16_colours(&low), 0, "dashboard {d}: a colour beyond the 16 ANSI ones");
        if d == 0 {
            assert!(braille(&normal) > 0, "the system dashboard's charts are braille normally");
        }
    }
    // The default theme (16 colours already) too, and the other views.
    for page in [centinela::state::Page::Alerts, centinela::state::Page::Health, centinela::state::Page::Logs] {
        let mut s = shown(0, 160, 48, true);
        s.page = page;
        let buf = draw(&s, &dark());
        assert_eq!((braille(&buf), beyond_16_colours(&buf)), (0, 0), "{page:?}");
    }
}

#[test]
fn the_low_bandwidth_screen() {
    let mut s = shown(0, 160, 48, true);
    update(&mut s, Action::Wire { bytes_per_s: 1_234 });
    let buf = draw(&s, &Theme::builtin_default());
    let text = to_text(&buf);
    assert!(text.lines().last().unwrap().contains("1.2 kB/s"), "the counter in the status line");
    insta::assert_snapshot!("system_160x48_low_bandwidth", text);
}

#[test]
fn refreshes_are_twice_as_long_and_at_least_30_s() {
    let normal = shown(0, 160, 48, false);
    let low = shown(0, 160, 48, true);
    for (n, l) in normal.dashboards.iter().zip(&low.dashboards) {
        assert_eq!(l.refresh, (n.refresh * 2).max(Duration::from_secs(30)), "{}", n.spec.name);
        assert!(l.refresh >= Duration::from_secs(30));
    }
    assert_eq!(low.alerts.settings.refresh.0, normal.alerts.settings.refresh.0 * 2);
    // The schedule follows: after an answer, the next fetch is one (longer) refresh later.
    let mut s = shown(0, 160, 48, true);
    let key = QueryKey { dashboard: 0, panel: 0, target: 0 };
    let due = s.query(key).unwrap().next_due_ms;
    assert!(due >= NOW_MS + 30_000, "next fetch {} ms after the answer", due - NOW_MS);
    let fetches = |e: &[Effect]| e.iter().filter(|e| matches!(e, Effect::Fetch(_))).count();
    assert_eq!(fetches(&update(&mut s, Action::Tick { now_ms: NOW_MS + 29_000 })), 0);
}

#[test]
fn nothing_redraws_on_its_own_and_the_counter_never_asks_for_a_frame() {
    // Data has arrived; the first tick after it draws it.
    let settled = |low| {
        let mut s = shown(0, 160, 48, low);
        update(&mut s, Action::Tick { now_ms: NOW_MS });
        s.dirty = false;
        s
    };
    // A minute of ticks: how many redraw? (NOW_MS is 22:13:20, so the clock turns at +40 s.)
    let redraws = |s: &mut State| {
        let mut n = 0;
        for t in (1..60).map(|i| NOW_MS + i * 1_000) {
            update(s, Action::Tick { now_ms: t });
            if std::mem::take(&mut s.dirty) {
                n += 1;
            }
        }
        n
    };
    // Normal mode: the clock, and the panels' ages in tens of seconds (10 s, 20 s…).
    let normal = redraws(&mut settled(false));
    assert!(normal >= 5, "{normal}");
    // Low bandwidth: ages in minutes, so only the clock's minute and the data's (`<1m` to `1m`).
    let mut s = settled(true);
    assert_eq!(redraws(&mut s), 2);
    // The bytes/s counter: state changes, no frame, no effect (update is pure).
    let before = s.clone();
    assert!(update(&mut s, Action::Wire { bytes_per_s: 80 }).is_empty());
    assert!(!s.dirty);
    assert_eq!(s.bytes_per_s, Some(80));
    assert_eq!(before.bytes_per_s, None);
    assert!(!centinela::record::is_recorded(&Action::Wire { bytes_per_s: 80 }), "a terminal's, not the session's");
}

#[test]
fn charts_ask_for_half_as_many_points_as_half_blocks_draw_one_per_cell() {
    // The first fetches of the security dashboard (the system one waits for its `$job` variable first):
    // each range query's panel kind, step and point count.
    let asked = |low: bool| {
        let mut c = profile();
        if low {
            c.apply_low_bandwidth();
        }
        let mut s = State::new(&c, "production", true, NOW_MS);
        s.active = 1;
        let mut eff = update(&mut s, Action::Resize { width: 160, height: 48 });
        eff.extend(update(&mut s, Action::Tick { now_ms: NOW_MS }));
        let kinds: Vec<PanelKind> = s.dashboards[1].spec.panels.iter().map(|p| p.kind).collect();
        eff.iter()
            .filter_map(|e| match e {
                Effect::Fetch(f) => f.range.map(|r| (f.key, kinds[f.key.panel], r.step, (r.end - r.start) / r.step)),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    let (normal, low) = (asked(false), asked(true));
    assert_eq!(normal.len(), low.len());
    let mut charts = 0;
    for ((key, kind, step, points), (key_low, _, step_low, points_low)) in normal.iter().zip(&low) {
        assert_eq!(key, key_low);
        if *kind == PanelKind::Timeseries {
            // The step is the "nice" one at or above twice the raw braille step (600 → 900 s here), so
            // here about half the points. (Between two nice steps far apart the two can be equal.)
            charts += 1;
            assert!(*step_low > *step, "{key:?}: step {step} s normally, {step_low} s with low bandwidth");
            assert!(*points_low * 3 <= *points * 2, "{key:?}: {points} points normally, {points_low} low");
        } else {
            // A stat's sparkline draws one point a cell either way.
            assert_eq!((step, points), (step_low, points_low), "{key:?}: {kind:?}");
        }
    }
    assert!(charts > 0 && charts < normal.len(), "charts and stats both asked: {normal:?}");
}
