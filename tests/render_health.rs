//! The health view and the health strip drawn by the normal render path: insta snapshots at 80×24
//! and 160×48, and the strip's colours on a dashboard.

mod common;

use centinela::action::{Action, FetchError, FetchErrorKind, HealthResult};
use centinela::keymap::Keymap;
use centinela::snapshot::{render, to_text};
use centinela::sources::health::Probe;
use centinela::sources::tls::{CertInfo, Trust};
use centinela::state::{Page, State};
use centinela::theme::{Role, Theme};
use centinela::update::update;
use common::{filled, NOW_MS};
use serde_json::json;

fn probe(status: u16, body: serde_json::Value, ms: f64) -> Result<Probe, FetchError> {
    Ok(Probe { status, latency_ms: ms, body: Some(body), body_note: None })
}

/// The production environment's four targets: ok, down, degraded, and the https one with a
/// certificate that expires in 9 days; three checks each so the sparklines have points.
fn checked(mut s: State) -> State {
    s.utc = true;
    let healthy = json!({"status":"healthy","version":"1.4.2","uptime_seconds":90000,"database":{"status":"connected","latency_ms":3.1}});
    let answers: Vec<Result<Probe, FetchError>> = vec![
        probe(200, healthy.clone(), 12.0),
        probe(503, json!({"status":"unhealthy","error":"database connection pool exhausted"}), 30.0),
        probe(
            200,
            json!({"status":"degraded","version":"1.4.2","services":{"ocr":{"status":"down","error":"timeout"}}}),
            250.0,
        ),
        probe(200, healthy, 8.0),
    ];
    for round in 0..3i64 {
        for (i, a) in answers.iter().enumerate() {
            let generation = s.health.targets[i].issued;
            let cert = (i == 3).then(|| {
                Ok(CertInfo {
                    not_after_ms: NOW_MS + 9 * 86_400_000 + 3_600_000,
                    not_before_ms: NOW_MS - 86_400_000,
                    subject: "CN=localhost".into(),
                    issuer: "CN=Mini Market CA".into(),
                    dns_names: vec!["localhost".into()],
                    trust: Trust::Trusted,
                })
            });
            let mut outcome = a.clone();
            if let Ok(p) = &mut outcome {
                p.latency_ms *= 1.0 + round as f64 * 0.2;
            }
            let r = HealthResult {
                target: i,
                generation,
                at_ms: NOW_MS - (2 - round) * 15_000,
                outcome,
                cert,
                metrics: None,
            };
            update(&mut s, Action::Health(r));
        }
    }
    s
}

#[test]
fn health_view_snapshots() {
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = checked(filled(0, w, h));
        s.page = Page::Health;
        let text = to_text(&render(&s, &Theme::builtin_default(), &Keymap::load(None).unwrap()));
        insta::assert_snapshot!(format!("health_{w}x{h}"), text);
    }
}

#[test]
fn the_strip_shows_every_service_in_its_colour_on_every_view() {
    let theme = Theme::builtin_default();
    let s = checked(filled(0, 160, 48));
    let buf = render(&s, &theme, &Keymap::load(None).unwrap());
    let y = 47;
    let row: String = (0..160).map(|x| buf[(x, y)].symbol()).collect();
    for mark in ["●agente_depo", "✗agente_nego", "◐ml_service", "●dashboard"] {
        assert!(row.contains(mark), "`{mark}` missing from the status line: {row}");
    }
    let x = (0..160).find(|&x| buf[(x, y)].symbol() == "✗").unwrap();
    assert_eq!(buf[(x, y)].fg, theme.style(Role::Critical).fg.unwrap());
    // An unreachable target says so in the view's reason column.
    let mut s = checked(filled(0, 160, 48));
    let generation = s.health.targets[0].issued;
    let e = FetchError {
        kind: FetchErrorKind::Connect,
        message: "agente_deposito at http://localhost:8001/health is unreachable: Connection refused".into(),
    };
    update(
        &mut s,
        Action::Health(HealthResult {
            target: 0,
            generation,
            at_ms: NOW_MS,
            outcome: Err(e),
            cert: None,
            metrics: None,
        }),
    );
    // A refused token is an auth problem, listed with the expiring certificate under security.
    let generation = s.health.targets[1].issued;
    let refused = probe(401, json!({"detail": "Not authenticated"}), 2.0);
    update(
        &mut s,
        Action::Health(HealthResult {
            target: 1,
            generation,
            at_ms: NOW_MS,
            outcome: refused,
            cert: None,
            metrics: None,
        }),
    );
    s.page = Page::Health;
    let text = to_text(&render(&s, &theme, &Keymap::load(None).unwrap()));
    assert!(text.contains("Connection refused"), "{text}");
    assert!(text.contains("security: certificate of dashboard: 9d left"), "{text}");
    assert!(text.contains("security: agente_negocio refuses centinela's credentials (4 check(s) in a row)"), "{text}");
    assert!(text.contains("⚿ auth"), "{text}");
}

#[test]
fn security_warnings_are_a_badge_in_the_header_and_listed_under_backends() {
    let warnings = vec![
        "TLS verification is OFF for Prometheus at https://prom:9090/ in environment `production`: anyone on the \
         path can read and change what you see"
            .to_string(),
        "config /home/ops/.config/centinela/config.toml holds a secret (header `Authorization` of Alertmanager in \
         environment `production`) and is readable by group/others (mode 0644): chmod 600 \
         /home/ops/.config/centinela/config.toml"
            .to_string(),
    ];
    let theme = Theme::builtin_default();
    for (w, h) in [(80u16, 24u16), (160, 48)] {
        let mut s = checked(filled(0, w, h));
        s.warnings = warnings.clone();
        let buf = render(&s, &theme, &Keymap::load(None).unwrap());
        let header: String = (0..w).map(|x| buf[(x, 0)].symbol()).collect();
        let badge = if w >= 100 { "⚠ TLS verification off" } else { "⚠ TLS off" };
        assert!(header.contains(badge), "{header}");
        let x = header.chars().position(|c| c == '⚠').unwrap() as u16;
        assert_eq!(buf[(x, 0)].fg, theme.style(Role::Warn).fg.unwrap());
        // The clock still fits.
        assert!(header.trim_end().ends_with("22:13 UTC"), "{header}");
        s.page = Page::Health;
        let text = to_text(&render(&s, &theme, &Keymap::load(None).unwrap()));
        insta::assert_snapshot!(format!("health_warnings_{w}x{h}"), text);
    }
    // Only a secret readable: the other badge.
    let mut s = checked(filled(0, 160, 48));
    s.warnings = warnings[1..].to_vec();
    let text = to_text(&render(&s, &theme, &Keymap::load(None).unwrap()));
    assert!(text.lines().next().unwrap().contains("⚠ secret readable"), "{text}");
}
