//! The header (environment, dashboard tabs, time range, clock) and the status line.

use crate::action::Intent;
use crate::keymap::Keymap;
use crate::state::State;
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
    let env_style = if state.production { theme.style(Role::Production) } else { theme.style(Role::Accent) };
    let env =
        if state.production { format!(" {} ", state.env_name.to_uppercase()) } else { format!(" {} ", state.env_name) };
    spans.push(Span::styled(env, env_style));
    if state.demo {
        spans.push(Span::styled(" DEMO ", theme.style(Role::Info)));
    }
    spans.push(Span::raw(" "));
    let right = format!(" range {}  {} ", short_duration(state.range()), clock(state));
    let fixed: usize = spans.iter().map(|s| s.width()).sum::<usize>() + right.chars().count();
    let full: usize =
        state.dashboards.iter().enumerate().map(|(i, d)| format!(" {} {} ", i + 1, d.spec.name).chars().count()).sum();
    // Short of room, inactive tabs shrink to their number, so the range and the clock stay visible.
    let compact = fixed + full > area.width as usize;
    for (i, d) in state.dashboards.iter().enumerate() {
        let label = if compact && i != state.active {
            format!(" {} ", i + 1)
        } else {
            format!(" {} {} ", i + 1, crate::sanitize::sanitize(&d.spec.name))
        };
        let style = if i == state.active { theme.style(Role::TabActive) } else { theme.style(Role::Tab) };
        spans.push(Span::styled(label, style));
    }
    let left_w: usize = spans.iter().map(|s| s.width()).sum();
    let pad = (area.width as usize).saturating_sub(left_w + right.chars().count());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(right, theme.style(Role::Header)));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

pub fn status(f: &mut Frame, area: Rect, state: &State, theme: &Theme, keymap: &Keymap) {
    let (stale, failing) = counts(state);
    let mut right = Vec::new();
    if failing > 0 {
        right.push(Span::styled(format!(" {failing} failing "), theme.style(Role::Critical)));
    }
    if stale > 0 {
        right.push(Span::styled(format!(" {stale} stale "), theme.style(Role::Stale)));
    }
    let left = match &state.status {
        Some(m) => Span::styled(
            format!(" {}", crate::sanitize::sanitize(&m.text)),
            theme.style(if m.error { Role::Critical } else { Role::Accent }),
        ),
        None => Span::styled(hints(keymap), theme.style(Role::Status)),
    };
    let right_w: usize = right.iter().map(|s| s.width()).sum();
    let left_text: String = left.content.chars().take((area.width as usize).saturating_sub(right_w)).collect();
    let pad = (area.width as usize).saturating_sub(unicode_width::UnicodeWidthStr::width(left_text.as_str()) + right_w);
    let mut spans = vec![Span::styled(left_text, left.style), Span::raw(" ".repeat(pad))];
    spans.extend(right);
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Key hints from the live keymap, so a rebound key shows its new binding.
fn hints(keymap: &Keymap) -> String {
    let items = [
        (Intent::ToggleHelp, "help"),
        (Intent::NextDashboard, "next tab"),
        (Intent::ToggleFullscreen, "full screen"),
        (Intent::ZoomOut, "range"),
        (Intent::Refresh, "refresh"),
        (Intent::Quit, "quit"),
    ];
    let parts: Vec<String> =
        items.iter().filter_map(|(i, label)| keymap.key_for(*i).map(|k| format!("{k} {label}"))).collect();
    format!(" {}", parts.join(" · "))
}

/// Visible panels that are stale and that are failing.
pub fn counts(state: &State) -> (usize, usize) {
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
