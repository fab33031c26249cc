//! The entry points the fuzz targets drive, one function a target. Shared with the stable test
//! `tests/fuzz_corpus.rs` (which includes this file), so CI replays the committed corpus through the
//! very same calls without nightly.
//!
//! Each function must never panic, whatever the bytes; where there is a property to check (no control
//! or bidi character in what reaches the screen), it asserts it.

use centinela::action::FetchError;
use centinela::alerts::model::{Alert, AmState};
use centinela::sanitize::{sanitize, sanitize_trunc};
use std::collections::BTreeMap;

/// One fuzz target's entry point.
pub type Entry = fn(&[u8]);

/// Every target: its name (the `fuzz_targets/<name>.rs` binary and `corpus/<name>/` folder) and entry.
pub const TARGETS: &[(&str, Entry)] = &[
    ("prometheus_decode", prometheus_decode),
    ("alertmanager_decode", alertmanager_decode),
    ("loki_decode", loki_decode),
    ("config_load", config_load),
    ("keymap_parse", keymap_parse),
    ("theme_parse", theme_parse),
    ("action_template", action_template),
    ("health_classify", health_classify),
    ("sanitize", sanitize_text),
    ("grafana_import", grafana_import),
];

/// What must never reach a terminal cell: C0, DEL, C1, bidi controls, zero-width format characters.
/// Written out here on its own (not taken from `centinela::sanitize`) so the property is independent.
pub fn is_hostile(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}' | '\u{FEFF}')
}

fn assert_clean(what: &str, s: &str) {
    assert!(!s.chars().any(is_hostile), "{what} holds a control or bidi character: {s:?}");
}

/// A decoder's error is shown on screen as it is: it must be clean.
fn check_err<T>(r: Result<T, FetchError>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            assert_clean("an error message", &e.message);
            None
        }
    }
}

/// First two bytes: an HTTP status (folded into 100..=599), the rest: the body.
fn status_and_body(data: &[u8]) -> (u16, &[u8]) {
    match data {
        [a, b, rest @ ..] => (100 + (u16::from_be_bytes([*a, *b]) % 500), rest),
        _ => (200, data),
    }
}

/// The first byte chooses a variant, the rest is the input.
fn selector(data: &[u8]) -> (u8, &[u8]) {
    match data {
        [s, rest @ ..] => (*s, rest),
        [] => (0, data),
    }
}

pub fn prometheus_decode(data: &[u8]) {
    use centinela::sources::prometheus::{decode, parse_value};
    let (status, body) = status_and_body(data);
    check_err(decode(status, body, "Prometheus at http://p/"));
    // 2xx is the path that decodes; make sure the fuzzer reaches it whatever the first bytes say.
    check_err(decode(200, body, "Prometheus at http://p/"));
    if let Ok(s) = std::str::from_utf8(body) {
        let _ = parse_value(s);
    }
}

pub fn alertmanager_decode(data: &[u8]) {
    use centinela::sources::alertmanager::{decode_alerts, decode_groups, decode_silences, decode_status};
    let (sel, body) = selector(data);
    let what = "Alertmanager at http://am/";
    match sel % 4 {
        0 => {
            check_err(decode_alerts(body, what));
        }
        1 => {
            check_err(decode_groups(body, what));
        }
        2 => {
            check_err(decode_silences(body, what));
        }
        _ => {
            check_err(decode_status(body, what));
        }
    }
}

pub fn loki_decode(data: &[u8]) {
    use centinela::sources::loki::{decode_query, decode_series, decode_strings, decode_tail_frame};
    let (sel, rest) = selector(data);
    let (status, body) = status_and_body(rest);
    let what = "Loki at http://loki/";
    let status = if sel & 0x80 == 0 { 200 } else { status };
    match sel % 4 {
        0 => {
            if let Some(centinela::logs::model::LokiResult::Streams(entries)) =
                check_err(decode_query(status, body, what))
            {
                assert!(entries.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns), "streams merge oldest first");
            }
        }
        1 => {
            check_err(decode_strings(status, body, what));
        }
        2 => {
            check_err(decode_series(status, body, what));
        }
        _ => {
            if let Some((entries, _dropped)) = check_err(decode_tail_frame(body, what)) {
                assert!(entries.windows(2).all(|w| w[0].ts_ns <= w[1].ts_ns), "tail frames merge oldest first");
            }
        }
    }
}

pub fn config_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(problems) = centinela::config::load_str("fuzz.toml", text) {
        for p in problems {
            assert!(p.line >= 1 && p.col >= 1, "positions are 1-based: {p:?}");
            assert!(p.line <= text.lines().count().max(1) + 1, "the line is in the file: {p:?}");
        }
    }
}

pub fn keymap_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(km) = centinela::keymap::Keymap::load(Some(("fuzz.toml", text))) {
        let _ = km.bindings();
    }
    for word in text.split_whitespace().take(32) {
        let _ = centinela::keymap::Key::parse(word);
    }
}

pub fn theme_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let set = centinela::theme::ThemeSet::load(None).with_file("fuzz", text);
    for no_color in [false, true] {
        if let Ok(theme) = set.resolve("fuzz", no_color) {
            for i in 0..4 {
                let _ = theme.series(i);
            }
        }
    }
    let _ = centinela::theme::paint::parse(text);
}

fn alert(value: &str) -> Alert {
    Alert {
        fingerprint: "4f2a9c1e7b3d5a60".into(),
        labels: BTreeMap::from([
            ("alertname".to_string(), "ServiceDown".to_string()),
            ("service".to_string(), value.to_string()),
            ("x".to_string(), value.to_string()),
        ]),
        annotations: BTreeMap::new(),
        starts_at_ms: 1_700_000_000_000,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    }
}

/// Input: `template \0 label value`. The template is expanded for every field with an alert whose
/// `service` and `x` labels hold the value.
pub fn action_template(data: &[u8]) {
    use centinela::actions::template::{expand_argv, expand_text, Ctx, Field, Patterns, Secrets, Template};
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (template, value) = text.split_once('\0').unwrap_or((text, "agente_deposito"));
    let _ = Template::parse(template);
    let a = alert(value);
    let secrets = Secrets::Fixed(BTreeMap::from([("TOKEN".to_string(), "s3cret".to_string())]));
    let ctx = Ctx::new("fuzz", "production", "ana", 1_700_000_000_000)
        .with_alert(&a)
        .with_target("agente_deposito", "http://127.0.0.1:8001/health")
        .with_secrets(secrets);
    let patterns = Patterns::default();
    let literal_clean = !template.chars().any(is_hostile);
    // The secret's value may only appear on screen when the input itself wrote it (a template or a
    // label value holding "s3cret" is quoted back, rightly).
    let not_written = !text.contains("s3cret");
    for field in [Field::Argv, Field::ExecEnv, Field::Url, Field::Header, Field::Body] {
        match expand_text(template, &ctx, &patterns, field) {
            Ok(t) => {
                if literal_clean && field != Field::Body {
                    assert_clean("an expanded value", t.reveal());
                }
                assert!(!not_written || !t.shown().contains("s3cret"), "a secret is shown: {:?}", t.shown());
            }
            Err(r) => assert!(!not_written || !r.to_string().contains("s3cret"), "a refusal shows a secret: {r}"),
        }
    }
    if let Ok(argv) = expand_argv(&["restart".to_string(), template.to_string()], &ctx, &patterns) {
        assert_eq!(argv.len(), 2, "an argument stays one argument");
        if literal_clean {
            assert_clean("an argv value", &argv[1]);
            assert!(!argv[1].starts_with('-') || template.starts_with('-'), "a value never becomes an option");
        }
    }
}

/// Input: two bytes of status, then the body as the health client would read it.
pub fn health_classify(data: &[u8]) {
    use centinela::config::HealthTarget;
    use centinela::sources::health::Probe;
    let (status, bytes) = status_and_body(data);
    let (body, body_note) = match serde_json::from_slice::<serde_json::Value>(bytes) {
        Ok(v) => (Some(v), None),
        Err(_) => (None, Some(format!("not JSON: {}", centinela::sources::http::body_excerpt(bytes)))),
    };
    let probe = Ok(Probe { status, latency_ms: 12.0, body, body_note });
    let target = HealthTarget::new("agente_deposito", "http://127.0.0.1:8001/health");
    let v = centinela::health::classify(&target, &probe);
    assert_clean("a health reason", &v.reason);
    for d in &v.deps {
        assert_clean("a dependency name", &d.name);
        assert_clean("a dependency detail", &d.detail);
    }
    if let Some(ver) = &v.version {
        assert_clean("a version", ver);
    }
    // The same service's `/metrics` (health targets with `metrics_url`), read by the same client.
    if let Err(e) = centinela::sources::scrape::parse(&String::from_utf8_lossy(bytes)) {
        assert_clean("a scrape error", &sanitize(&e));
    }
}

/// Property: nothing hostile survives [`sanitize`] or [`sanitize_trunc`], and text without anything
/// hostile comes back unchanged.
pub fn sanitize_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let clean = sanitize(&text);
    assert_clean("sanitize's output", &clean);
    if !text.chars().any(is_hostile) {
        assert_eq!(clean, text, "clean text is left as it is");
    }
    let max = data.first().map_or(10, |b| *b as usize);
    let cut = sanitize_trunc(&text, max);
    assert_clean("sanitize_trunc's output", &cut);
    assert!(cut.chars().count() <= max.max(1), "at most {max} characters: {cut:?}");
}

/// A Grafana dashboard JSON: imported or refused with a clean message; what is imported fits the grid,
/// its report is clean text, and it writes out as TOML.
pub fn grafana_import(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match centinela::grafana::import(text) {
        Err(e) => assert_clean("an import error", &e.to_string()),
        Ok(i) => {
            for p in &i.dashboard.panels {
                if let Some(g) = p.pos {
                    assert!(g.x + g.w <= 24 && g.w > 0 && g.h > 0, "{g:?} does not fit the grid");
                }
            }
            for n in &i.report {
                let _ = n.to_string();
            }
            centinela::grafana::to_toml(&i.dashboard).expect("an imported dashboard writes as TOML");
        }
    }
}
