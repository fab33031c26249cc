//! `import` never panics: every prefix of a fixture (truncated files), and every value of a fixture
//! replaced in turn by a value of another type or an extreme number (wrong types, huge numbers).
//! A cheap stand-in until the fuzz target is pointed at it.

use serde_json::{json, Value};

const FILES: [&str; 4] = [
    "tests/fixtures/grafana/every-panel-type.json",
    "tests/fixtures/grafana/templating.json",
    "tests/fixtures/grafana/schema16-rows.json",
    "tests/fixtures/grafana/minimarket/dashboard-security-audit.json",
];

#[test]
fn every_prefix_of_a_dashboard() {
    let text = std::fs::read_to_string(FILES[0]).unwrap();
    for end in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = centinela::grafana::import(&text[..end]);
    }
}

/// Every path to a value in `v`.
fn paths(v: &Value, at: &mut Vec<Value>, out: &mut Vec<Vec<Value>>) {
    out.push(at.clone());
    match v {
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            at.push(json!(k));
            paths(x, at, out);
            at.pop();
        }),
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| {
            at.push(json!(i));
            paths(x, at, out);
            at.pop();
        }),
        _ => {}
    }
}

fn at_mut<'a>(v: &'a mut Value, path: &[Value]) -> &'a mut Value {
    path.iter().fold(v, |v, k| match k {
        Value::String(k) => &mut v[k.as_str()],
        _ => &mut v[k.as_u64().unwrap() as usize],
    })
}

#[test]
fn every_value_replaced_by_another_type() {
    let swaps = [
        Value::Null,
        json!(true),
        json!(-1),
        json!(1.7e308),
        json!(18446744073709551615u64),
        json!(""),
        json!("$__all"),
        json!([]),
        json!({}),
        json!([{"type": "row", "panels": [{}]}]),
    ];
    let mut n = 0;
    for f in FILES {
        let original: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let mut all = Vec::new();
        paths(&original, &mut Vec::new(), &mut all);
        for path in all.iter().skip(1) {
            for s in &swaps {
                let mut v = original.clone();
                *at_mut(&mut v, path) = s.clone();
                if let Ok(i) = centinela::grafana::import(&v.to_string()) {
                    // Whatever was imported fits the grid and writes as config.
                    for p in &i.dashboard.panels {
                        if let Some(g) = p.pos {
                            assert!(g.x + g.w <= 24 && g.w > 0 && g.h > 0, "{f} {path:?} = {s}: {g:?}");
                        }
                    }
                    let toml = centinela::grafana::to_toml(&i.dashboard).unwrap();
                    // …and loads back as a valid config.
                    let env = "[[environment]]\nname = \"p\"\nprometheus = { url = \"http://localhost:9090\" }\n";
                    if n % 4 != 0 {
                        // (Loading back is the slow part; a quarter of the cases cover every kind.)
                    } else if let Err(p) = centinela::config::load_str("c.toml", &format!("{env}{toml}")) {
                        panic!("{f} {path:?} = {s}: {p:#?}\n{toml}");
                    }
                }
                n += 1;
            }
        }
    }
    assert!(n > 5_000, "{n}");
}
