//! Criterion benchmarks of the alerts view with 10,000 alerts from an HA pair of Alertmanagers:
//! one new answer (update: merge, filter, group, sort) plus the frame it causes, the frame alone,
//! and a keystroke in the filter bar (filter as you type).

use centinela::action::{Action, AlertFeed, AlertsData, AlertsResult, Intent, TextOp};
use centinela::alerts::model::{Alert, AlertGroup, AmState, Labels};
use centinela::config::load_str;
use centinela::keymap::Keymap;
use centinela::snapshot::render;
use centinela::state::{Page, State};
use centinela::theme::Theme;
use centinela::update::update;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;

const NOW_MS: i64 = 1_700_000_000_000;
const N: usize = 10_000;

const CFG: &str = r#"
[[environment]]
name = "prod"
prometheus = { url = "http://localhost:9090" }
alertmanager = [{ url = "http://am1:9093" }, { url = "http://am2:9093" }]

[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "P"
kind = "stat"
query = [{ expr = "up" }]
"#;

fn alerts(n: usize, shift: i64) -> Vec<Alert> {
    (0..n)
        .map(|i| {
            let sev = ["critical", "high", "warning", "info"][i % 4];
            let labels: Labels = [
                ("alertname", format!("Alert{:03}", i % 150)),
                ("severity", sev.to_string()),
                ("service", format!("svc-{}", i % 40)),
                ("instance", format!("10.0.{}.{}:9100", i / 250, i % 250)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
            Alert {
                fingerprint: format!("{i:016x}"),
                annotations: [("summary".to_string(), format!("Something is wrong on instance {i}"))].into(),
                labels,
                starts_at_ms: NOW_MS - (i as i64 % 5000) * 60_000 - shift,
                ends_at_ms: None,
                updated_at_ms: Some(NOW_MS + shift),
                generator_url: String::new(),
                state: if i % 10 == 0 { AmState::Suppressed } else { AmState::Active },
                silenced_by: vec![],
                inhibited_by: vec![],
                receivers: vec!["team".into()],
            }
        })
        .collect()
}

fn groups(a: &[Alert]) -> Vec<AlertGroup> {
    let mut by: std::collections::BTreeMap<(String, String), Vec<String>> = Default::default();
    for x in a {
        by.entry((x.labels["alertname"].clone(), x.labels["severity"].clone()))
            .or_default()
            .push(x.fingerprint.clone());
    }
    by.into_iter()
        .map(|((n, s), fingerprints)| AlertGroup {
            labels: [("alertname".to_string(), n), ("severity".to_string(), s)].into(),
            receiver: "team".into(),
            fingerprints,
        })
        .collect()
}

fn answer(s: &mut State, feed: AlertFeed, data: AlertsData) {
    let generation = s.next_generation;
    s.next_generation += 1;
    update(s, Action::Alerts(AlertsResult { feed, generation, at_ms: NOW_MS, elapsed_ms: 1.0, outcome: Ok(data) }));
}

fn benches(c: &mut Criterion) {
    let theme = Theme::builtin_default();
    let keymap = Keymap::load(None).unwrap();
    let cfg = load_str("bench.toml", CFG).unwrap();
    let mut s = State::new(&cfg, "prod", false, NOW_MS);
    s.page = Page::Alerts;
    let a = alerts(N, 0);
    let g = groups(&a);
    for i in 0..2 {
        answer(&mut s, AlertFeed::AmAlerts(i), AlertsData::Alerts { alerts: a.clone() });
        answer(&mut s, AlertFeed::AmGroups(i), AlertsData::Groups { groups: g.clone() });
    }
    for _ in 0..40 {
        update(&mut s, Intent::SelectNext.into());
    }
    assert_eq!(s.alerts.view.total, N);

    c.bench_function("alerts view: render 10,000 alerts at 160x48", |b| {
        b.iter(|| black_box(render(&s, &theme, &keymap)))
    });

    // Two answers to alternate between (every alert updated), built outside the timed loop.
    let answers = [alerts(N, 1), alerts(N, 2)];
    let mut n = 0usize;
    c.bench_function("alerts view: update + render after a new answer with 10,000 alerts", |b| {
        // The answer arrives owned (decoded from the wire), so its copy is made outside the timing.
        b.iter_batched(
            || {
                n += 1;
                AlertsData::Alerts { alerts: answers[n % 2].clone() }
            },
            |data| {
                answer(&mut s, AlertFeed::AmAlerts(0), data);
                black_box(render(&s, &theme, &keymap))
            },
            BatchSize::LargeInput,
        )
    });

    update(&mut s, Intent::Filter.into());
    for ch in "service=~\"svc-1.*\"".chars() {
        update(&mut s, Action::Text { op: TextOp::Insert(ch) });
    }
    let mut k = 0usize;
    c.bench_function("alerts view: one filter keystroke + render with 10,000 alerts", |b| {
        b.iter(|| {
            k += 1;
            let op = if k.is_multiple_of(2) { TextOp::Backspace } else { TextOp::Insert(' ') };
            update(&mut s, Action::Text { op });
            black_box(render(&s, &theme, &keymap))
        })
    });
}

criterion_group! {
    name = alerts_view;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(alerts_view);
