//! The header (environment, dashboard tabs, time range, clock) and the status line.

use crate::action::Intent;
use crate::keymap::{Context, Keymap};
use crate::state::{Page, State};
use crate::theme::{Role, Theme};
use chrono::{DateTime, Local, Utc};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn clock(state: &State) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(state.now_ms).unwrap_or_default();
    if state.utc {
        t.format("%H:%M UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%H:%M").to_string()
    }
}

/// `15m`, `1h`, `7d`: the shortest exact spelling.
pub fn short_duration(d: std::time::Duration) -> String {
    let s = d.as_secs();
    for (unit, n) in [("d", 86400), ("h", 3600), ("m", 60)] {
        if s >= n && s.is_multiple_of(n) {
            return format!("{}{unit}", s / n);
        }
    }
    format!("{s}s")
}

pub fn header(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::styled(" centinela ", theme.style(Role::Header))];
    spans.push(super::envs::badge(state, theme));
    if state.demo {
        spans.push(Span::styled(" DEMO ", theme.style(Role::Info)));
    }
    if state.alerts.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.style(Role::Muted)));
    }
    spans.extend(security_badge(state, theme, area.width));
    let on_alerts = state.page == Page::Alerts;
    let on_health = state.page == Page::Health;
    // Replaying, the REPLAY banner takes the clock's place at the right (it is the recording's clock,
    // to the second), and the range's too below 100 columns.
    let banner = state.replay.as_ref().map(|r| replay_banner(state, r));
    let right = if banner.is_some() && (state.page != Page::Dashboards || area.width < 100) {
        String::new()
    } else if banner.is_some() {
        format!(" range {} ", short_duration(state.range()))
    } else if state.page != Page::Dashboards {
        format!(" {} ", clock(state))
    } else {
        format!(" range {}  {} ", short_duration(state.range()), clock(state))
    };
    let counts_full = alert_counts(state, theme, false);
    let right_w = right.chars().count() + banner.as_deref().map_or(0, unicode_width::UnicodeWidthStr::width);
    let fixed: usize = spans.iter().map(|s| s.width()).sum::<usize>() + right_w + 1;
    let counts_w: usize = counts_full.iter().map(|s| s.width()).sum();
    let full: usize = " a Alerts ".len()
        + if state.health.targets.is_empty() { 0 } else { " H Health ".len() }
        + if state.logs.unavailable.is_some() { 0 } else { " L Logs ".len() }
        + state
            .dashboards
            .iter()
            .enumerate()
            .map(|(i, d)| format!(" {} {} ", i + 1, d.spec.name).chars().count())
            .sum::<usize>();
    // Short of room, the alert counts abbreviate and inactive tabs shrink to their number, so the
    // counts, the range and the clock stay visible.
    let compact = fixed + counts_w + full > area.width as usize;
    spans.extend(if compact { alert_counts(state, theme, true) } else { counts_full });
    spans.push(Span::raw(" "));
    let alerts_label = if compact && !on_alerts { " a ".to_string() } else { " a Alerts ".to_string() };
    spans.push(Span::styled(
        alerts_label,
        if on_alerts { theme.style(Role::TabActive) } else { theme.style(Role::Tab) },
    ));
    if !state.health.targets.is_empty() || on_health {
        let label = if compact && !on_health { " H " } else { " H Health " };
        spans.push(Span::styled(label, if on_health { theme.style(Role::TabActive) } else { theme.style(Role::Tab) }));
    }
    let on_logs = state.page == Page::Logs;
    if state.logs.unavailable.is_none() || on_logs {
        let label = if compact && !on_logs { " L " } else { " L Logs " };
        spans.push(Span::styled(label, if on_logs { theme.style(Role::TabActive) } else { theme.style(Role::Tab) }));
    }
    for (i, d) in state.dashboards.iter().enumerate() {
        let active = state.page == Page::Dashboards && i == state.active;
        let label = if compact && !active {
            format!(" {} ", i + 1)
        } else {
            format!(" {} {} ", i + 1, crate::sanitize::sanitize(&d.spec.name))
        };
        let style = if active { theme.style(Role::TabActive) } else { theme.style(Role::Tab) };
        spans.push(Span::styled(label, style));
    }
    // Still too long (many alert severities on a narrow terminal): inactive dashboard numbers fold
    // into one range, so the clock never falls off the edge.
    let width = |sp: &[Span]| sp.iter().map(|s| s.width()).sum::<usize>();
    let n = state.dashboards.len();
    if width(&spans) + right_w > area.width as usize && n > 1 {
        let first_tab = spans.len() - n;
        let active = (state.page == Page::Dashboards).then_some(state.active);
        spans.truncate(first_tab);
        spans.push(Span::styled(format!(" 1-{n} "), theme.style(Role::Tab)));
        if let Some(i) = active {
            let named = format!(" {} {} ", i + 1, crate::sanitize::sanitize(&state.dashboards[i].spec.name));
            let fits = width(&spans) + named.chars().count() + right_w <= area.width as usize;
            let label = if fits { named } else { format!(" {} ", i + 1) };
            spans.push(Span::styled(label, theme.style(Role::TabActive)));
        }
    }
    let left_w = width(&spans);
    let pad = (area.width as usize).saturating_sub(left_w + right_w);
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(right, theme.style(Role::Header)));
    if let Some(b) = banner {
        spans.push(Span::styled(b, theme.style(Role::Warn)));
    }
    if let Some(bar) = super::envs::bar(state, theme) {
        super::envs::paint_bar(&mut spans, bar, theme);
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// ` REPLAY 17:42:10 ×4 ▶ `: the recording's clock (local time or UTC, as the clock is shown), the
/// speed and whether it plays.
fn replay_banner(state: &State, r: &crate::state::replay::ReplayInfo) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(r.clock_ms).unwrap_or_default();
    let clock = if state.utc {
        t.format("%H:%M:%S UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%H:%M:%S").to_string()
    };
    format!(" REPLAY {clock} {} {} ", r.speed_label(), r.symbol())
}

/// ` ⚠ TLS verification off ` or ` ⚠ secret readable ` when the config has security warnings (TLS
/// first: it is the graver), shortened below 100 columns; the health view lists them in full.
fn security_badge<'a>(state: &State, theme: &Theme, width: u16) -> Option<Span<'a>> {
    let tls_off = state.warnings.iter().any(|w| w.starts_with(crate::config::secrets::TLS_OFF));
    let text = match (state.warnings.is_empty(), tls_off, width >= 100) {
        (true, _, _) => return None,
        (false, true, true) => " ⚠ TLS verification off ",
        (false, true, false) => " ⚠ TLS off ",
        (false, false, true) => " ⚠ secret readable ",
        (false, false, false) => " ⚠ secret ",
    };
    Some(Span::styled(text, theme.style(Role::Warn)))
}

/// Firing alerts by severity, coloured: ` 2 critical  1 high ` (or ` 2C 1H ` when `short`), a calm
/// ` no alerts ` when nothing fires, ` alerts ? ` while no alert source has answered.
fn alert_counts<'a>(state: &State, theme: &Theme, short: bool) -> Vec<Span<'a>> {
    let a = &state.alerts;
    let any = a.ams.iter().any(|m| m.alerts.live().is_some()) || a.prom_alerts.live().is_some();
    if !any {
        let asked = a.ams.iter().any(|m| m.alerts.answered) || a.prom_alerts.answered;
        return if asked { vec![Span::styled(" alerts ? ", theme.style(Role::Stale))] } else { Vec::new() };
    }
    if a.view.firing_by_severity.is_empty() {
        return vec![Span::styled(if short { " ✓ " } else { " no alerts " }, theme.style(Role::Ok))];
    }
    a.view
        .firing_by_severity
        .iter()
        .map(|(sev, n)| {
            let text = if short {
                format!(" {n}{}", crate::sanitize::sanitize(&sev.chars().take(1).collect::<String>()).to_uppercase())
            } else {
                format!(" {n} {}", crate::sanitize::sanitize_trunc(if sev.is_empty() { "unlabelled" } else { sev }, 12))
            };
            Span::styled(text, theme.style(a.settings.role(sev)))
        })
        .collect()
}

pub fn status(f: &mut Frame, area: Rect, state: &State, theme: &Theme, keymap: &Keymap) {
    let (stale, failing) = counts(state);
    let mut right = Vec::new();
    let warnings = state.alerts.warnings.len();
    if warnings > 0 {
        let s = if warnings == 1 { "" } else { "s" };
        right.push(Span::styled(format!(" ⚠ {warnings} alerting pipeline warning{s} "), theme.style(Role::Warn)));
    }
    right.extend(super::incidents::badge(state, theme));
    if failing > 0 {
        right.push(Span::styled(format!(" {failing} failing "), theme.style(Role::Critical)));
    }
    if stale > 0 {
        right.push(Span::styled(format!(" {stale} stale "), theme.style(Role::Stale)));
    }
    if let (true, Some(rate)) = (state.show_bytes_per_second, state.bytes_per_s) {
        right.push(Span::styled(format!(" {} ", bytes_per_second(rate)), theme.style(Role::Muted)));
    }
    let left = match &state.status {
        Some(m) => Span::styled(
            format!(" {}", crate::sanitize::sanitize(&m.text)),
            theme.style(if m.error { Role::Critical } else { Role::Accent }),
        ),
        None => Span::styled(hints(keymap, state), theme.style(Role::Status)),
    };
    // The health strip, always at the right end: one cell per service.
    let used: usize = right.iter().map(|s| s.width()).sum();
    let room = (area.width as usize).saturating_sub(used + 30);
    right.extend(super::health::strip(state, theme, room));
    let right_w: usize = right.iter().map(|s| s.width()).sum();
    let left_text: String = left.content.chars().take((area.width as usize).saturating_sub(right_w)).collect();
    let pad = (area.width as usize).saturating_sub(unicode_width::UnicodeWidthStr::width(left_text.as_str()) + right_w);
    let mut spans = vec![Span::styled(left_text, left.style), Span::raw(" ".repeat(pad))];
    spans.extend(right);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// `63 B/s`, `1.2 kB/s`, `14 kB/s`: what the terminal was sent per second.
pub fn bytes_per_second(rate: u64) -> String {
    match rate {
        0..1_000 => format!("{rate} B/s"),
        1_000..10_000 => format!("{:.1} kB/s", rate as f64 / 1000.0),
        10_000..1_000_000 => format!("{} kB/s", rate / 1000),
        _ => format!("{:.1} MB/s", rate as f64 / 1e6),
    }
}

/// Key hints for the current view from the live keymap, so a rebound key shows its new binding.
fn hints(keymap: &Keymap, state: &State) -> String {
    let ctx = state.key_context();
    let items: &[(Intent, &str)] = match ctx {
        Context::Alerts if state.alerts.editor.is_some() => {
            return " enter create · tab next field · esc cancel".into()
        }
        Context::Alerts if state.alerts.bar.edit.is_some() => {
            return " enter apply · esc cancel · ↑↓ earlier filters · ctrl-u clear".into()
        }
        Context::Alerts => &[
            (Intent::ActionsMenu, "actions"),
            (Intent::Filter, "filter"),
            (Intent::Silence, "silence"),
            (Intent::Acknowledge, "ack"),
            (Intent::SilencesView, "silences"),
            (Intent::ShowLogs, "logs"),
            (Intent::ToggleFullscreen, "detail"),
            (Intent::AlertsView, "dashboards"),
            (Intent::ToggleHelp, "help"),
            (Intent::Quit, "quit"),
        ],
        Context::Health => &[
            (Intent::ActionsMenu, "actions"),
            (Intent::SelectNext, "next"),
            (Intent::Refresh, "check now"),
            (Intent::ShowLogs, "logs"),
            (Intent::HealthView, "dashboards"),
            (Intent::AlertsView, "alerts"),
            (Intent::ToggleHelp, "help"),
            (Intent::Quit, "quit"),
        ],
        Context::Logs if state.logs.typing() => {
            return " enter run · esc cancel · ↑↓ earlier queries · ctrl-u clear".into()
        }
        Context::Logs => &[
            (Intent::EditQuery, "query"),
            (Intent::Search, "search"),
            (Intent::ToggleFollow, "follow"),
            (Intent::TogglePause, "pause"),
            (Intent::ToggleWrap, "wrap"),
            (Intent::ShowDetail, "detail"),
            (Intent::LogsView, "back"),
            (Intent::ToggleHelp, "help"),
        ],
        Context::Environments => &[
            (Intent::SelectNext, "next"),
            (Intent::SelectPrev, "previous"),
            (Intent::Confirm, "switch"),
            (Intent::Back, "close"),
        ],
        Context::Incidents => &[
            (Intent::SelectNext, "next"),
            (Intent::IncidentNote, "note"),
            (Intent::CloseIncident, "close"),
            (Intent::OpenIncident, "open by hand"),
            (Intent::IncidentsView, "back"),
            (Intent::ToggleHelp, "help"),
        ],
        Context::Silences => &[
            (Intent::ExpireSilence, "expire"),
            (Intent::SilencesView, "alerts"),
            (Intent::ToggleHelp, "help"),
            (Intent::Quit, "quit"),
        ],
        _ => &[
            (Intent::ToggleHelp, "help"),
            (Intent::AlertsView, "alerts"),
            (Intent::HealthView, "health"),
            (Intent::NextDashboard, "next tab"),
            (Intent::ToggleFullscreen, "full screen"),
            (Intent::ZoomOut, "range"),
            (Intent::Refresh, "refresh"),
            (Intent::Quit, "quit"),
        ],
    };
    let mut parts: Vec<String> = Vec::new();
    if state.replay.is_some() {
        // Replaying: the playback keys, help and quit; the view's writes are refused anyway.
        let items = [(Intent::ToggleHelp, "help"), (Intent::Quit, "quit")];
        let key = |i: Intent| keymap.key_for_in(Context::Replay, i).map(|k| k.to_string());
        let playback = [
            (key(Intent::ReplayPause), None, "pause"),
            (key(Intent::ReplayStep), None, "step"),
            (key(Intent::ReplayBack), key(Intent::ReplayForward), "∓1 min"),
            (key(Intent::ReplaySlower), key(Intent::ReplayFaster), "speed"),
        ];
        parts.extend(playback.into_iter().filter_map(|(a, b, label)| match (a, b) {
            (Some(a), Some(b)) => Some(format!("{a} {b} {label}")),
            (Some(k), None) | (None, Some(k)) => Some(format!("{k} {label}")),
            (None, None) => None,
        }));
        parts.extend(items.iter().filter_map(|(i, l)| keymap.key_for_in(ctx, *i).map(|k| format!("{k} {l}"))));
        return format!(" {}", parts.join(" · "));
    }
    if matches!(ctx, Context::Alerts | Context::Health) {
        // The actions offered on the selection, by their own keys, first: that is what is urgent.
        let subject = crate::update::actions::subject(state);
        if subject != crate::actions::invoke::Subject::Global {
            let offered = crate::actions::invoke::offered(&state.actions.specs, &subject, &state.env_name);
            parts.extend(
                offered
                    .iter()
                    .filter(|(_, s)| s.scope != crate::config::Scope::Global)
                    .filter_map(|(_, s)| s.key.as_ref().map(|k| format!("{k} {}", crate::sanitize::sanitize(&s.name)))),
            );
        }
    }
    parts.extend(items.iter().filter_map(|(i, label)| keymap.key_for_in(ctx, *i).map(|k| format!("{k} {label}"))));
    format!(" {}", parts.join(" · "))
}

/// Visible panels that are stale and that are failing.
pub fn counts(state: &State) -> (usize, usize) {
    if state.page != Page::Dashboards {
        return (0, 0);
    }
    let refresh = state.dash().refresh;
    let mut stale = 0;
    let mut failing = 0;
    for p in &state.dash().panels {
        if p.error().is_some() {
            failing += 1;
        }
        if super::panel::is_stale(p, state.now_ms, refresh) {
            stale += 1;
        }
    }
    (stale, failing)
}
