//! The health strip (every view) and the health view: each target's own word on its health, its
//! latency, failures, version, uptime and certificate; its dependencies; and the backends
//! centinela reads (Prometheus, each Alertmanager), reachable or not, with the config's security
//! warnings (TLS verification off, secrets readable by others).

use crate::health::Level;
use crate::sanitize::{sanitize, sanitize_trunc};
use crate::state::health::TargetState;
use crate::state::State;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

use super::alerts::age;

/// A level's theme role and its mark (marks differ too, for NO_COLOR and colour-blind eyes).
pub fn look(level: Level, stale: bool) -> (Role, &'static str) {
    if stale {
        return (Role::Stale, "?");
    }
    match level {
        Level::Ok => (Role::Ok, "●"),
        Level::Warn => (Role::Warn, "◐"),
        Level::Down => (Role::Critical, "✗"),
        Level::Auth => (Role::Warn, "⚿"),
        Level::Unknown => (Role::Muted, "·"),
    }
}

fn cert_warn(t: &TargetState, now_ms: i64) -> Option<(Role, String)> {
    match &t.cert {
        Some(Ok(c)) => {
            let days = crate::sources::tls::days_left(c, now_ms);
            let untrusted = match &c.trust {
                crate::sources::tls::Trust::Trusted => None,
                crate::sources::tls::Trust::Untrusted(why) => Some(why.clone()),
            };
            let (role, mut text) = if days < 0 {
                (Role::Critical, format!("EXPIRED {}d ago", -days))
            } else if days < t.spec.cert_warn_days as i64 {
                (Role::Warn, format!("{days}d left"))
            } else {
                (Role::Ok, format!("{days}d"))
            };
            if let Some(why) = untrusted {
                text.push_str(&format!(", untrusted: {}", sanitize_trunc(&why, 30)));
                return Some((Role::Critical, text));
            }
            Some((role, text))
        }
        Some(Err(e)) => Some((Role::Critical, format!("cert: {}", sanitize_trunc(&e.message, 40)))),
        None => None,
    }
}

/// The strip: one coloured cell per target, with names when there is room. Empty without targets.
pub fn strip<'a>(state: &State, theme: &Theme, room: usize) -> Vec<Span<'a>> {
    let h = &state.health;
    if h.targets.is_empty() {
        return Vec::new();
    }
    let cells: Vec<(Role, &str, &str)> = h
        .targets
        .iter()
        .map(|t| {
            let (role, mark) = look(t.level(), t.stale(state.now_ms, h.interval_of(t)));
            let role = match cert_warn(t, state.now_ms) {
                Some((Role::Critical, _)) if role == Role::Ok => Role::Warn,
                _ => role,
            };
            (role, mark, t.spec.name.as_str())
        })
        .collect();
    let named: usize = cells.iter().map(|(_, _, n)| n.chars().count().min(12) + 3).sum();
    let mut out = vec![Span::raw(" ")];
    for (role, mark, name) in cells {
        if named < room {
            out.push(Span::styled(format!("{mark}{} ", sanitize_trunc(name, 12)), theme.style(role)));
        } else {
            out.push(Span::styled(mark.to_string(), theme.style(role)));
        }
    }
    out
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let h = &state.health;
    let loki_row = state.logs.loki_name.is_some() as u16;
    let warn_rows = warning_rows(state, area.width.saturating_sub(2) as usize);
    let backends_h =
        (2 + 1 + state.alerts.ams.len() as u16 + loki_row + warn_rows).min(area.height / 3 + warn_rows.min(2)).max(3);
    let deps_h = 8u16.min(area.height / 4).max(3);
    let list_h = area.height.saturating_sub(backends_h + deps_h);
    let list_area = Rect { height: list_h, ..area };
    let deps_area = Rect { y: area.y + list_h, height: deps_h, ..area };
    let back_area = Rect { y: area.y + list_h + deps_h, height: area.height.saturating_sub(list_h + deps_h), ..area };

    let block = Block::bordered().title(" health: each service's own word ").border_style(theme.style(Role::Border));
    let inner = block.inner(list_area);
    f.render_widget(block, list_area);
    let w = inner.width as usize;
    // Below 120 columns the history, since, version and uptime columns give way to the reason.
    let wide = w >= 118;
    let heading = if wide {
        format!(
            " {:<10} {:<16} {:>8} {:<16} {:>4} {:>7} {:<10} {:>8} {:<14} {}",
            "state", "service", "latency", "last 16", "fail", "since", "version", "uptime", "certificate", "reason"
        )
    } else {
        format!(" {:<10} {:<16} {:>8} {:>4} {:<14} {}", "state", "service", "latency", "fail", "certificate", "reason")
    };
    let mut lines = vec![Line::styled(heading, theme.style(Role::Muted).add_modifier(Modifier::BOLD))];
    // The security angle: certificates near or past expiry or untrusted, and refused credentials.
    let mut security: Vec<String> = Vec::new();
    for t in &h.targets {
        if let Some((role, text)) = cert_warn(t, state.now_ms) {
            if role != Role::Ok {
                security.push(format!("certificate of {}: {text}", sanitize_trunc(&t.spec.name, 20)));
            }
        }
        if t.level() == Level::Auth {
            security.push(format!(
                "{} refuses centinela's credentials ({} check(s) in a row)",
                sanitize_trunc(&t.spec.name, 20),
                t.failures
            ));
        }
    }
    // One line each, most at three, above the table (the Security dashboard has the audit and
    // authentication panels that go with them).
    for (i, item) in security.iter().take(3).enumerate() {
        lines.insert(i, Line::styled(sanitize_trunc(&format!(" security: {item}"), w), theme.style(Role::Warn)));
    }
    if h.targets.is_empty() {
        lines.push(Line::styled(
            " no health targets are configured for this environment ([[environment.health]] in the config)",
            theme.style(Role::Muted),
        ));
    }
    for (i, t) in h.targets.iter().enumerate() {
        let stale = t.stale(state.now_ms, h.interval_of(t));
        let (role, mark) = look(t.level(), stale);
        let v = t.verdict.as_ref();
        let word = if stale { "stale" } else { t.level().label() };
        let latency = t.latency_ms.back().map_or("—".into(), |l| format!("{l:.0} ms"));
        let pts: Vec<(f64, f64)> = t.latency_ms.iter().map(|v| (0.0, *v)).collect();
        let spark = super::stat::spark(&pts, 16);
        let since = if t.verdict.is_some() { age(state.now_ms, t.since_ms) } else { String::new() };
        let version = v.and_then(|v| v.version.clone()).unwrap_or_default();
        let uptime = v.and_then(|v| v.uptime_s).map(|s| age(s as i64 * 1000, 0)).unwrap_or_default();
        let (cert_role, cert) = cert_warn(t, state.now_ms)
            .unwrap_or((Role::Muted, if t.https() { "…".into() } else { "plain http".into() }));
        let reason = v.map(|v| v.reason.as_str()).unwrap_or("waiting for the first answer");
        let head = format!(" {mark} {:<8} ", word);
        let mut spans = vec![
            Span::styled(head, theme.style(role)),
            Span::styled(
                format!("{:<16} ", sanitize_trunc(&t.spec.name, 16)),
                theme.style(Role::Text).add_modifier(Modifier::BOLD),
            ),
            Span::styled(format!("{latency:>8} "), theme.style(Role::Text)),
        ];
        if wide {
            spans.push(Span::styled(format!("{spark:<16} "), theme.style(Role::Info)));
        }
        spans.push(Span::styled(
            format!("{:>4} ", t.failures),
            theme.style(if t.failures > 0 { Role::Warn } else { Role::Muted }),
        ));
        if wide {
            spans.push(Span::styled(format!("{since:>7} "), theme.style(Role::Muted)));
            spans.push(Span::styled(format!("{:<10} ", sanitize_trunc(&version, 10)), theme.style(Role::Muted)));
            spans.push(Span::styled(format!("{uptime:>8} "), theme.style(Role::Muted)));
        }
        spans.push(Span::styled(format!("{:<14} ", sanitize_trunc(&cert, 14)), theme.style(cert_role)));
        let used: usize = spans.iter().map(|s| s.width()).sum();
        spans.push(Span::styled(sanitize_trunc(reason, w.saturating_sub(used)), theme.style(role)));
        let line = Line::from(spans);
        lines.push(if i == h.selected && state.page == crate::state::Page::Health {
            line.patch_style(Style::default().add_modifier(Modifier::REVERSED))
        } else {
            line
        });
    }
    f.render_widget(Paragraph::new(lines), inner);

    // The selected target's dependencies and full reason / certificate.
    let sel = h.targets.get(h.selected);
    let title = sel.map_or(" dependencies ".to_string(), |t| format!(" {} ", sanitize_trunc(&t.spec.name, 30)));
    let block = Block::bordered().title(title).border_style(theme.style(Role::Border));
    let mut dl = Vec::new();
    if let Some(t) = sel {
        dl.push(Line::from(vec![
            Span::styled(" url         ", theme.style(Role::Muted)),
            Span::raw(sanitize(&crate::sources::http::redact_url(&t.spec.url)).into_owned()),
        ]));
        if let Some(v) = &t.verdict {
            dl.push(Line::from(vec![
                Span::styled(" reason      ", theme.style(Role::Muted)),
                Span::styled(sanitize(&v.reason).into_owned(), theme.style(look(v.level, false).0)),
            ]));
            for d in &v.deps {
                let (role, mark) = look(d.level, false);
                dl.push(Line::from(vec![
                    Span::styled(format!(" {mark} {:<10} ", sanitize_trunc(&d.name, 10)), theme.style(role)),
                    Span::raw(sanitize(&d.detail).into_owned()),
                ]));
            }
        }
        if let Some(Ok(c)) = &t.cert {
            dl.push(Line::from(vec![
                Span::styled(" certificate ", theme.style(Role::Muted)),
                Span::raw(format!(
                    "{} issued by {}, valid until {}",
                    sanitize_trunc(&c.subject, 40),
                    sanitize_trunc(&c.issuer, 40),
                    super::alerts::clock_time(state, c.not_after_ms)
                )),
            ]));
        }
    }
    f.render_widget(Paragraph::new(dl).block(block), deps_area);

    // The backends centinela itself reads.
    let block = Block::bordered().title(" backends ").border_style(theme.style(Role::Border));
    let a = &state.alerts;
    let mut bl = Vec::new();
    let prom = match (&a.prom_build.data, a.prom_build.down(), &a.prom_build.error) {
        (_, true, Some(e)) | (None, _, Some(e)) => (Role::Critical, format!("✗ unreachable: {}", sanitize(&e.message))),
        (Some(b), _, _) => {
            (Role::Ok, format!("● answers in {:.0} ms, version {}", a.prom_build.latency_ms, sanitize(&b.version)))
        }
        _ => (Role::Muted, "· not asked yet".into()),
    };
    bl.push(Line::from(vec![
        Span::styled(format!(" {:<30}", "Prometheus"), theme.style(Role::Muted)),
        Span::styled(prom.1, theme.style(prom.0)),
    ]));
    for m in &a.ams {
        let (role, text) = match (&m.status.data, m.alerts.down(), &m.alerts.error) {
            (_, true, Some(e)) => (Role::Critical, format!("✗ unreachable: {}", sanitize(&e.message))),
            (Some(s), _, _) => (
                Role::Ok,
                format!(
                    "● answers in {:.0} ms, version {}, cluster {} with {} peer(s)",
                    m.alerts.latency_ms,
                    sanitize(&s.version),
                    sanitize(&s.cluster_status),
                    s.peers.len()
                ),
            ),
            _ => (Role::Muted, "· not asked yet".into()),
        };
        bl.push(Line::from(vec![
            Span::styled(
                format!(" {:<30}", format!("Alertmanager {}", sanitize_trunc(&m.name, 21))),
                theme.style(Role::Muted),
            ),
            Span::styled(text, theme.style(role)),
        ]));
    }
    if let Some(name) = &state.logs.loki_name {
        // Loki is asked only while the logs view (or a logs panel) is on screen: its state is what
        // the last of those saw, not a poll of its own.
        let (role, text) = loki_state(state);
        bl.push(Line::from(vec![
            Span::styled(format!(" {:<30}", format!("Loki {}", sanitize_trunc(name, 25))), theme.style(Role::Muted)),
            Span::styled(text, theme.style(role)),
        ]));
    }
    // The config's security warnings (the header's ⚠ badge), in full and wrapped: calm, but not to
    // be missed.
    let inner = block.inner(back_area);
    f.render_widget(block, back_area);
    let rows = bl.len() as u16;
    f.render_widget(Paragraph::new(bl), Rect { height: rows.min(inner.height), ..inner });
    let warn_area = Rect { y: inner.y + rows.min(inner.height), height: inner.height.saturating_sub(rows), ..inner };
    let style = theme.style(Role::Warn);
    if warn_area.height >= warning_rows(state, warn_area.width as usize) {
        let wl: Vec<Line> = state.warnings.iter().map(|w| Line::styled(format!(" ⚠ {}", sanitize(w)), style)).collect();
        f.render_widget(Paragraph::new(wl).wrap(Wrap { trim: false }), warn_area);
    } else {
        // Short of room: one line each, so every warning is at least named.
        let w = warn_area.width as usize;
        let wl: Vec<Line> =
            state.warnings.iter().map(|t| Line::styled(sanitize_trunc(&format!(" ⚠ {t}"), w), style)).collect();
        f.render_widget(Paragraph::new(wl), warn_area);
    }
}

/// Rows the security warnings take wrapped at `width` (at most 8).
fn warning_rows(state: &State, width: usize) -> u16 {
    let width = width.max(1);
    let rows: usize =
        state.warnings.iter().map(|w| (unicode_width::UnicodeWidthStr::width(w.as_str()) + 3).div_ceil(width)).sum();
    rows.min(8) as u16
}

fn loki_state(state: &State) -> (Role, String) {
    use crate::state::logs::TailStatus;
    let l = &state.logs;
    if let Some(why) = &l.unavailable {
        return (Role::Critical, format!("✗ {}", sanitize(why)));
    }
    match (&l.tail, &l.lines.error) {
        (TailStatus::Live, _) => (Role::Ok, "● live tail connected".into()),
        (TailStatus::Polling(why), _) => (Role::Warn, format!("◐ polling: {}", sanitize(why))),
        (TailStatus::Retrying { error, .. }, _) => {
            (Role::Critical, format!("✗ tail lost: {}", sanitize(&error.message)))
        }
        (_, Some(e)) => (Role::Critical, format!("✗ last query failed: {}", sanitize(&e.message))),
        _ if l.lines.at_ms > 0 => (Role::Ok, "● answered the last query".into()),
        _ => (Role::Muted, "· asked when the logs view is open (L)".into()),
    }
}
