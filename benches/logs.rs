//! Criterion benchmarks of the logs view: a frame with 1,000,000 buffered lines (only the visible
//! ones are formatted); a live tail at 5,000 lines per second, as one batch of 500 lines every 100 ms
//! (the fetcher merges queued frames) applied and drawn, with the 100,000-line ring full so every
//! batch also drops 500; a search over 100,000 lines; and decoding a Loki `query_range` answer of
//! 5,000 lines in 50 streams.

use centinela::action::{Action, Intent, LogsPurpose, LogsResult, TailData, TailUpdate, TextOp};
use centinela::config::load_str;
use centinela::keymap::Keymap;
use centinela::logs::{LogEntry, LokiResult};
use centinela::snapshot::render;
use centinela::sources::prometheus::Labels;
use centinela::state::State;
use centinela::theme::Theme;
use centinela::update::update;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use std::sync::Arc;

const NOW_MS: i64 = 1_700_000_000_000;

fn cfg(buffer: usize) -> String {
    format!(
        r#"
[logs]
buffer_lines = {buffer}

[[environment]]
name = "prod"
prometheus = {{ url = "http://localhost:9090" }}
loki = {{ url = "http://localhost:3100" }}

[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "P"
kind = "stat"
query = [{{ expr = "up" }}]
"#
    )
}

fn streams() -> Vec<Arc<Labels>> {
    (0..12)
        .map(|i| {
            Arc::new(Labels::from([
                ("service".to_string(), format!("svc-{i}")),
                ("container".to_string(), format!("minimarket-svc-{i}-1")),
                ("environment".to_string(), "production".to_string()),
            ]))
        })
        .collect()
}

/// `n` lines from `from_ns`, 200 µs apart: JSON, logfmt and plain text, a few levels.
fn lines(from_ns: i64, n: usize, labels: &[Arc<Labels>]) -> Vec<LogEntry> {
    (0..n)
        .map(|i| {
            let ts_ns = from_ns + i as i64 * 200_000;
            let line = match i % 4 {
                0 => format!(r#"{{"timestamp":"2023-11-14T22:13:20Z","level":"INFO","message":"request completed","request_id":"r-{i}","path":"/api/productos","status_code":200,"duration_ms":{}}}"#, i % 300),
                1 => format!(r#"ts=2023-11-14T22:13:20Z level=warn msg="slow request" path=/ocr duration_ms={}"#, 1000 + i % 4000),
                2 => format!(r#"{{"level":"ERROR","message":"database connection pool exhausted","request_id":"r-{i}"}}"#),
                _ => format!("GET /api/stock?page={} 200 12ms", i % 50),
            };
            LogEntry { ts_ns, labels: labels[i % labels.len()].clone(), fields: None, line }
        })
        .collect()
}

fn opened(buffer: usize, fill: usize) -> State {
    let c = load_str("b.toml", &cfg(buffer)).unwrap();
    let mut s = State::new(&c, "prod", false, NOW_MS);
    update(&mut s, Action::Resize { width: 160, height: 48 });
    update(&mut s, Intent::LogsView.into());
    let generation = s.logs.lines.issued;
    let labels = streams();
    let start = (NOW_MS - 3_600_000) * 1_000_000;
    let mut left = fill;
    let mut at = start;
    // Loaded in chunks as a tail would, so the ring's eviction is what is measured, not one big sort.
    let mut first = true;
    while left > 0 {
        let n = left.min(100_000);
        let batch = lines(at, n, &labels);
        at += n as i64 * 200_000;
        left -= n;
        if first {
            update(
                &mut s,
                Action::Logs(LogsResult {
                    purpose: LogsPurpose::Lines,
                    generation,
                    at_ms: NOW_MS,
                    outcome: Ok(LokiResult::Streams(batch)),
                }),
            );
            first = false;
        } else {
            let g = s.logs.tail_generation;
            update(
                &mut s,
                Action::Tail(TailUpdate {
                    generation: g,
                    at_ms: NOW_MS,
                    data: TailData::Entries { entries: batch, dropped: 0 },
                }),
            );
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let theme = Theme::builtin_default();
    let keymap = Keymap::load(None).unwrap();

    let big = opened(1_000_000, 1_000_000);
    assert_eq!(big.logs.buffer.len(), 1_000_000);
    c.bench_function("logs: render 160x48 with 1,000,000 buffered lines", |b| {
        b.iter(|| black_box(render(&big, &theme, &keymap)))
    });

    let full = opened(100_000, 100_000);
    let labels = streams();
    let mut live = full.clone();
    let mut next_ns = live.logs.buffer.newest_ns().unwrap() + 1;
    c.bench_function("logs: tail batch of 500 lines (5,000/s at 10 frames/s) + render, ring full", |b| {
        b.iter(|| {
            // Making the 500 lines is counted too (about a tenth of the time; see docs/PERFORMANCE.md).
            let batch = lines(next_ns, 500, &labels);
            next_ns += 500 * 200_000;
            let g = live.logs.tail_generation;
            let data = TailData::Entries { entries: batch, dropped: 0 };
            update(&mut live, Action::Tail(TailUpdate { generation: g, at_ms: NOW_MS, data }));
            black_box(render(&live, &theme, &keymap))
        })
    });
    assert_eq!(live.logs.buffer.len(), 100_000, "the ring stays at its bound");

    c.bench_function("logs: search 100,000 lines", |b| {
        b.iter_batched(
            || full.clone(),
            |mut s| {
                update(&mut s, Intent::Search.into());
                for ch in "pool".chars() {
                    update(&mut s, Action::Text { op: TextOp::Insert(ch) });
                }
                update(&mut s, Action::Text { op: TextOp::Submit });
                assert_eq!(s.logs.matches, 25_000);
                s
            },
            BatchSize::LargeInput,
        )
    });
}

/// A `query_range` answer as Loki sends it: 50 streams of 100 lines, newest first in each.
fn loki_body() -> Vec<u8> {
    let streams: Vec<serde_json::Value> = (0..50)
        .map(|s| {
            let values: Vec<serde_json::Value> = (0..100)
                .rev()
                .map(|i| {
                    let ts = 1_700_000_000_000_000_000i64 + (i * 50 + s) * 1_000_000;
                    serde_json::json!([ts.to_string(), format!(r#"{{"level":"INFO","message":"request {i} of stream {s}","path":"/api/productos","status_code":200}}"#)])
                })
                .collect();
            serde_json::json!({"stream": {"service": format!("svc-{s}"), "level": "info"}, "values": values})
        })
        .collect();
    serde_json::to_vec(
        &serde_json::json!({"status": "success", "data": {"resultType": "streams", "result": streams, "stats": {}}}),
    )
    .unwrap()
}

fn decode(c: &mut Criterion) {
    let body = loki_body();
    c.bench_function("logs: decode a Loki query_range answer (5,000 lines, 50 streams, merged by time)", |b| {
        b.iter(|| {
            let r = centinela::sources::loki::decode_query(200, black_box(&body), "Loki").unwrap();
            let LokiResult::Streams(e) = r else { panic!("streams") };
            assert_eq!(e.len(), 5_000);
            e
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench, decode
}
criterion_main!(benches);
