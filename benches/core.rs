//! Criterion benchmarks of the hot paths: rendering a big dashboard, decoding a large range
//! response, and the update + render that follows one new data point.

use centinela::action::{Action, QueryKey, QueryResult};
use centinela::config::load_str;
use centinela::keymap::Keymap;
use centinela::snapshot::render;
use centinela::sources::prometheus::{decode, QueryData, Series};
use centinela::state::State;
use centinela::theme::Theme;
use centinela::update::update;
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

const NOW_MS: i64 = 1_700_000_000_000;

fn twelve_panel_config() -> String {
    let mut s = String::from("[[environment]]\nname = \"bench\"\nprometheus = { url = \"http://127.0.0.1:9\" }\n\n[[dashboard]]\nname = \"Big\"\n");
    for i in 0..12 {
        let (x, y) = ((i % 3) * 8, (i / 3) * 6);
        s.push_str(&format!(
            "[[dashboard.panel]]\ntitle = \"Panel {i}\"\nkind = \"timeseries\"\nunit = \"ms\"\npos = {{ x = {x}, y = {y}, w = 8, h = 6 }}\nquery = [{{ expr = \"q{i}\", legend = \"{{{{instance}}}}\" }}]\n"
        ));
    }
    s
}

fn series(n: usize, points: usize, shift: f64) -> QueryData {
    let end = NOW_MS as f64 / 1000.0;
    QueryData::Matrix {
        series: (0..n)
            .map(|k| Series {
                labels: [("instance".to_string(), format!("host-{k:02}:9100"))].into(),
                points: (0..points)
                    .map(|i| {
                        let t = end - 3600.0 + 3600.0 * i as f64 / points as f64;
                        (t, 100.0 + 50.0 * ((t / 300.0) + k as f64 + shift).sin())
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn big_state() -> State {
    let c = load_str("bench.toml", &twelve_panel_config()).unwrap();
    let mut s = State::new(&c, "bench", false, NOW_MS);
    update(&mut s, Action::Resize { width: 160, height: 48 });
    update(&mut s, Action::Tick { now_ms: NOW_MS });
    for p in 0..12 {
        let key = QueryKey { dashboard: 0, panel: p, target: 0 };
        let generation = s.query(key).unwrap().issued;
        update(
            &mut s,
            Action::Query(QueryResult { key, generation, at_ms: NOW_MS, outcome: Ok(series(20, 1000, p as f64)) }),
        );
    }
    s
}

fn range_body(target_bytes: usize) -> Vec<u8> {
    let mut body = String::from(r#"{"status":"success","data":{"resultType":"matrix","result":["#);
    let mut k = 0;
    while body.len() < target_bytes {
        if k > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"{{"metric":{{"__name__":"http_requests_total","instance":"host-{k}:9100","job":"node"}},"values":["#
        ));
        for i in 0..500 {
            if i > 0 {
                body.push(',');
            }
            body.push_str(&format!(r#"[{}.5,"{}.25"]"#, 1_700_000_000 + i * 15, 1000 + (i * 7 + k) % 997));
        }
        body.push_str("]}");
        k += 1;
    }
    body.push_str("]}}");
    body.into_bytes()
}

fn benches(c: &mut Criterion) {
    let theme = Theme::builtin_default();
    let keymap = Keymap::load(None).unwrap();
    let state = big_state();
    c.bench_function("render 12 panels x 20 series x 1000 points at 160x48", |b| {
        b.iter(|| black_box(render(&state, &theme, &keymap)))
    });

    let body = range_body(5 << 20);
    c.bench_function("decode 5 MB query_range", |b| b.iter(|| black_box(decode(200, &body, "bench").unwrap())));

    let mut live = big_state();
    let key = QueryKey { dashboard: 0, panel: 0, target: 0 };
    // Two answers to alternate between, built outside the timed loop.
    let answers = [series(20, 1000, 0.5), series(20, 1000, 0.7)];
    let mut n = 0usize;
    c.bench_function("update + render after one new data point", |b| {
        b.iter(|| {
            n += 1;
            let generation = live.query(key).unwrap().issued;
            let outcome = Ok(answers[n % 2].clone());
            update(&mut live, Action::Query(QueryResult { key, generation, at_ms: NOW_MS, outcome }));
            black_box(render(&live, &theme, &keymap))
        })
    });
}

criterion_group! {
    name = core;
    config = Criterion::default().sample_size(20);
    targets = benches
}
criterion_main!(core);
