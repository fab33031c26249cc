//! Record and replay (issue #9): a demo session driven headless through the engine while recording,
//! then replayed through the replay driver: the same frames after the same Actions; damaged
//! recordings replay their valid part and say `FILE:LINE`; no secret is ever in a recording; seeking
//! back and forth lands where playing straight through does.

use centinela::action::{Action, Intent};
use centinela::engine::Engine;
use centinela::keymap::{Key, Keymap};
use centinela::record::reader::{read, ReadError};
use centinela::record::{is_recorded, Recorder, Target};
use centinela::replay::Replay;
use centinela::snapshot::{render, to_text};
use centinela::state::State;
use centinela::theme::Theme;
use std::io::Read;
use std::path::{Path, PathBuf};

struct Session {
    engine: Engine,
    _demo: centinela::demo::DemoHandle,
}

/// An engine on the embedded demo, the incident `offset_s` old, as `setup` builds it.
async fn session(edit: impl FnOnce(&mut centinela::config::Config)) -> Session {
    let demo = centinela::demo::start(centinela::demo::DemoOptions {
        start_unix_ms: centinela::poll::now_ms() - 60_000,
        frozen: false,
    })
    .await
    .unwrap();
    let mut config = centinela::setup::demo_config(&demo).unwrap();
    config.settings.utc = true;
    edit(&mut config);
    let env = config.environment(None).unwrap().clone();
    let mut state = State::new(&config, &env.name, env.production, centinela::poll::now_ms());
    state.demo = true;
    let mut engine = Engine::new(state, Err("not connected".into()), 1);
    let built = centinela::setup::fetcher_for(&env, Some(demo.ca_pem.as_bytes()), engine.tx.clone());
    engine.fetcher = built.fetcher;
    engine.keymap = Keymap::load(None).unwrap();
    Session { engine, _demo: demo }
}

fn frame(state: &State) -> String {
    to_text(&render(state, &Theme::builtin_default(), &Keymap::load(None).unwrap()))
}

/// Drive the engine for `secs` (ticks every 250 ms, the engineer's `script` of actions at given
/// ticks), counting the recorded Actions and capturing a frame every `every` of them.
async fn drive(engine: &mut Engine, secs: u64, script: &[(usize, Action)], every: usize) -> Vec<(usize, String)> {
    let mut count = 0;
    let mut frames = Vec::new();
    let mut handle = |engine: &mut Engine, a: Action, frames: &mut Vec<(usize, String)>| {
        let translated = match &a {
            Action::Key { key } => centinela::engine::translate(&engine.state, &engine.keymap, *key),
            other => Some(other.clone()),
        };
        engine.handle(a);
        if translated.as_ref().is_some_and(is_recorded) {
            count += 1;
            if count % every == 0 {
                frames.push((count, frame(&engine.state)));
            }
        }
    };
    for tick in 0..secs * 4 {
        handle(engine, Action::Tick { now_ms: centinela::poll::now_ms() }, &mut frames);
        for (_, a) in script.iter().filter(|(at, _)| *at as u64 == tick) {
            handle(engine, a.clone(), &mut frames);
        }
        let until = tokio::time::Instant::now() + std::time::Duration::from_millis(250);
        while let Ok(Some(a)) = tokio::time::timeout_at(until, engine.rx.recv()).await {
            handle(engine, a, &mut frames);
        }
    }
    frames
}

fn the_script() -> Vec<(usize, Action)> {
    vec![
        (0, Action::Resize { width: 140, height: 40 }),
        (6, Action::Key { key: Key::char('a') }),
        (8, Action::Key { key: Key::char('j') }),
        (10, Intent::SelectNext.into()),
        (14, Intent::Dashboard2.into()),
        (22, Action::Key { key: Key::char('H') }),
        (26, Action::Key { key: Key::char('j') }),
        (30, Action::Key { key: Key::char('L') }),
        (38, Action::Key { key: Key::char('?') }),
        (40, Intent::ToggleHelp.into()),
        (41, Action::Key { key: Key::char('3') }),
    ]
}

async fn record(path: &Path, secs: u64) -> Vec<(usize, String)> {
    let mut s = session(|_| {}).await;
    s.engine.recorder = Some(Recorder::start(&s.engine.state, vec![Target::File(path.to_path_buf())]).unwrap());
    let frames = drive(&mut s.engine, secs, &the_script(), 5).await;
    s.engine.recorder = None; // finishes the file
    frames
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_shows_the_frames_the_live_session_showed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl.gz");
    let live = record(&path, 12).await;
    assert!(live.len() > 5, "a few frames captured: {}", live.len());
    let recording = read(std::slice::from_ref(&path)).unwrap();
    assert_eq!(recording.problem, None);
    let mut replay = Replay::new(recording, 1.0);
    let mut pages = std::collections::HashSet::new();
    for (n, want) in &live {
        while replay.applied() < *n {
            assert!(replay.apply_next(), "the recording ends before action {n}");
        }
        pages.insert(format!("{:?}", replay.state().page));
        let got = frame(replay.state());
        assert_eq!(&got, want, "frame after {n} actions differs:\n--- live\n{want}\n--- replay\n{got}");
    }
    assert!(pages.len() >= 3, "the frames cover several views: {pages:?}");
    // With the banner, the first row says REPLAY; the rest is the same screen.
    let with_banner = frame(&replay.view());
    assert!(with_banner.lines().next().unwrap().contains("REPLAY "), "{with_banner}");
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_string(&mut out);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_recordings_replay_their_valid_part_and_say_where() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl.gz");
    let mut s = session(|_| {}).await;
    let recorder = Recorder::start(&s.engine.state, vec![Target::File(path.clone())]).unwrap();
    s.engine.recorder = Some(recorder);
    drive(&mut s.engine, 3, &the_script(), 1000).await;
    // A crash: what the recorder had flushed, without the gzip trailer.
    s.engine.recorder.as_ref().unwrap().flush();
    let crashed = dir.path().join("crashed.jsonl.gz");
    std::fs::copy(&path, &crashed).unwrap();
    s.engine.recorder = None;
    let full = read(std::slice::from_ref(&path)).unwrap();
    assert_eq!(full.problem, None);
    let r = read(std::slice::from_ref(&crashed)).unwrap();
    assert_eq!(r.entries.len(), full.entries.len(), "a sync flush loses nothing before it");
    let p = r.problem.unwrap();
    assert!(p.starts_with(&format!("{}:{}: ", crashed.display(), full.entries.len() + 2)), "{p}");
    assert!(p.contains("cut short"), "{p}");

    // Cut in the middle of the compressed stream: the lines before the cut replay.
    let bytes = std::fs::read(&path).unwrap();
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let r = read(std::slice::from_ref(&cut)).unwrap();
    let p = r.problem.clone().unwrap();
    assert!(p.starts_with(&format!("{}:", cut.display())), "{p}");
    assert!(
        !r.entries.is_empty() && r.entries.len() < full.entries.len(),
        "{} of {}",
        r.entries.len(),
        full.entries.len()
    );
    assert_eq!(r.entries[..], full.entries[..r.entries.len()]);
    let mut replay = Replay::new(r, 1.0);
    while replay.apply_next() {}
    assert!(frame(&replay.view()).contains(&cut.display().to_string()), "the status line names the damage");

    // A corrupted line 5 (plain JSON lines): the 3 actions on lines 2–4 replay.
    let text = gunzip(&bytes);
    let mut lines: Vec<&str> = text.lines().collect();
    lines[4] = r#"{"at_ms": 12, "a": {"t": "no_such_action"}}"#;
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, lines.join("\n") + "\n").unwrap();
    let r = read(std::slice::from_ref(&bad)).unwrap();
    assert_eq!(r.entries.len(), 3);
    let p = r.problem.unwrap();
    assert!(
        p.starts_with(&format!("{}:5: not a recorded action (unknown variant `no_such_action`", bad.display())),
        "{p}"
    );

    // Not a recording at all, and a recording from the future.
    let not = dir.path().join("notes.txt");
    std::fs::write(&not, "hello\n").unwrap();
    let e = read(std::slice::from_ref(&not)).unwrap_err();
    assert!(matches!(e, ReadError::NotARecording { .. }));
    assert!(e.to_string().starts_with(&format!("{} is not a centinela recording", not.display())), "{e}");
    let future = dir.path().join("future.jsonl");
    std::fs::write(&future, "{\"centinela_recording\": 9, \"version\": \"9.0.0\"}\n").unwrap();
    let e = read(std::slice::from_ref(&future)).unwrap_err().to_string();
    assert!(e.contains("recording format 9") && e.contains("newer centinela"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_is_ever_recorded() {
    const HEADER: &str = "hdr-5ecret-value-1";
    const TOKEN: &str = "tok-5ecret-value-2";
    const PASSWORD: &str = "pw-5ecret-value-3";
    std::env::set_var("CENTINELA_REPLAY_TEST_TOKEN", TOKEN);
    let mut s = session(|c| {
        for e in &mut c.environments {
            e.prometheus.headers.insert("X-Api-Key".into(), HEADER.into());
            e.prometheus.bearer_token_env = Some("CENTINELA_REPLAY_TEST_TOKEN".into());
            e.prometheus.url = e.prometheus.url.replacen("http://", &format!("http://ops:{PASSWORD}@"), 1);
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.jsonl.gz");
    s.engine.recorder = Some(Recorder::start(&s.engine.state, vec![Target::File(path.clone())]).unwrap());
    drive(&mut s.engine, 4, &the_script(), 1000).await;
    s.engine.recorder = None;
    let text = gunzip(&std::fs::read(&path).unwrap());
    assert!(text.lines().count() > 20, "{text}");
    for secret in [HEADER, TOKEN, PASSWORD, centinela::sim::services::DEMO_TOKEN] {
        assert!(!text.contains(secret), "{secret} is in the recording");
    }
    assert!(text.contains("CENTINELA_REPLAY_TEST_TOKEN"), "the variable's name stays");
    assert!(text.contains("<redacted>"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeking_lands_where_playing_straight_through_does() {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("s.jsonl.gz");
    record(&path, 10).await;
    let recording = read(std::slice::from_ref(&path)).unwrap();
    let start = recording.entries[0].at_ms;
    let target = start + 6_300;
    let mut straight = Replay::new(recording.clone(), 1.0);
    straight.play_until(target);
    let mut seeking = Replay::new(recording, 1.0);
    for delta in [4_000, 2_000, -5_000, 6_000, -700] {
        seeking.seek(delta);
    }
    assert_eq!(seeking.clock_ms(), target);
    assert_eq!(seeking.applied(), straight.applied());
    assert_eq!(frame(seeking.state()), frame(straight.state()));
    // And back to the very start: the header's state, nothing applied.
    seeking.seek(-60_000);
    assert_eq!(seeking.applied(), 0, "nothing before the first action");
}
