use super::*;
use crate::record::{Entry, Header};

fn recording(entries: Vec<(i64, Action)>) -> Recording {
    let c = crate::config::load_str(
        "t.toml",
        "[[environment]]\nname = \"p\"\nprometheus = { url = \"http://x\" }\n[[dashboard]]\nname = \"D\"\n\
         [[dashboard.panel]]\ntitle = \"P\"\nkind = \"stat\"\nquery = [{ expr = \"up\" }]\n\
         [[dashboard]]\nname = \"E\"\n[[dashboard.panel]]\ntitle = \"Q\"\nkind = \"stat\"\nquery = [{ expr = \"up\" }]\n",
    )
    .unwrap();
    let state = State::new(&c, "p", false, 1_000);
    let header = Header::of(&state);
    Recording { header, entries: entries.into_iter().map(|(at_ms, a)| Entry { at_ms, a }).collect(), problem: None }
}

fn ticks(from: i64, n: i64) -> Vec<(i64, Action)> {
    (0..n).map(|i| (from + i * 1000, Action::Tick { now_ms: from + i * 1000 })).collect()
}

#[test]
fn plays_at_its_pace_times_the_speed() {
    let mut r = Replay::new(recording(ticks(10_000, 100)), 4.0);
    assert_eq!(r.applied(), 0);
    r.advance(std::time::Duration::from_secs(5)); // 20 s of recording
    assert_eq!(r.applied(), 21, "the first tick at 10 s, then one a second up to 30 s");
    assert_eq!(r.state().now_ms, 30_000);
    r.intent(Intent::ReplayPause);
    r.advance(std::time::Duration::from_secs(5));
    assert_eq!(r.applied(), 21, "paused");
    r.intent(Intent::ReplayFaster);
    assert_eq!(r.speed, 8.0);
    r.intent(Intent::ReplaySlower);
    r.intent(Intent::ReplaySlower);
    assert_eq!(r.speed, 2.0);
}

#[test]
fn step_goes_to_the_next_data_action_and_seek_back_rebuilds() {
    let mut e = ticks(10_000, 200);
    e.insert(50, (59_500, Action::Intent { intent: Intent::Dashboard2 }));
    let mut r = Replay::new(recording(e), 1.0);
    r.intent(Intent::ReplayStep);
    assert!(r.paused);
    assert_eq!(r.applied(), 51, "the 50 ticks before it, then the intent");
    assert_eq!(r.state().active, 1);
    r.intent(Intent::ReplayForward);
    assert_eq!(r.clock_ms(), 119_500);
    r.intent(Intent::ReplayBack);
    r.intent(Intent::ReplayBack);
    assert_eq!(r.clock_ms(), 10_000 - 500 + 500, "not before the start");
    assert_eq!(r.state().active, 0, "rebuilt from the header");
    r.intent(Intent::ReplayForward);
    assert_eq!(r.clock_ms(), 70_000);
    assert_eq!(r.state().active, 1);
}

#[test]
fn own_keys_change_the_view_not_the_recorded_state_and_writes_are_refused() {
    let mut r = Replay::new(recording(ticks(10_000, 10)), 1.0);
    r.advance(std::time::Duration::from_secs(3));
    let km = Keymap::load(None).unwrap();
    let before = r.state().next_generation;
    r.key(&km, Key::char('a'));
    assert_eq!(r.view().page, Page::Alerts);
    assert_eq!(r.state().page, Page::Dashboards, "the recorded state is untouched");
    r.advance(std::time::Duration::from_secs(3));
    assert_eq!(r.view().page, Page::Alerts, "the chosen view stays while the recording moves on");
    assert_eq!(r.state().next_generation - before, r.state().next_generation - before);
    r.key(&km, Key::char('s'));
    let status = r.view().status.unwrap();
    assert!(status.error && status.text.contains("read-only"), "{status:?}");
    r.key(&km, Key::char(' '));
    assert!(r.paused, "space is the replay's pause, not the logs view's");
    r.key(&km, Key::plain(crate::keymap::KeyCodeOrd::Backspace));
    assert_eq!(r.view().page, Page::Dashboards, "following the recording again");
    r.key(&km, Key::char('q'));
    assert!(r.quit);
}

#[test]
fn the_banner_shows_the_recording_clock() {
    let mut r = Replay::new(recording(ticks(1_700_000_000_000, 10)), 4.0);
    r.advance(std::time::Duration::from_millis(500));
    let mut s = r.view();
    s.utc = true;
    let text = crate::snapshot::to_text(&crate::snapshot::render(
        &s,
        &crate::theme::Theme::builtin_default(),
        &Keymap::load(None).unwrap(),
    ));
    assert!(text.lines().next().unwrap().contains("REPLAY 22:13:22 UTC ×4 ▶"), "{text}");
    assert!(text.contains("space pause"), "{text}");
}
