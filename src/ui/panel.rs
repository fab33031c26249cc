//! A panel's frame: title, data age, staleness, the one-line error, and dispatch to the panel kind.

use super::series;
use crate::config::{Panel, PanelKind};
use crate::sanitize::sanitize_trunc;
use crate::state::{PanelState, State};
use crate::theme::{Role, Theme};
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;
use std::time::Duration;

/// Data older than this many refresh intervals is stale.
pub const STALE_FACTOR: i64 = 2;

/// The age shown in a panel's corner, in 10-second steps under a minute (so an idle screen redraws
/// at most every 10 s), then minutes and hours. Prefixed with "stale" past 2× the refresh interval.
pub fn age_label(p: &PanelState, now_ms: i64, refresh: Duration) -> String {
    age_label_in(p, now_ms, refresh, false)
}

/// [`age_label`]; in low-bandwidth mode in whole minutes (`<1m`, `2m`), so an age does not redraw
/// the panel every 10 s.
pub fn age_label_in(p: &PanelState, now_ms: i64, refresh: Duration, low_bandwidth: bool) -> String {
    let Some(at) = p.oldest_data_ms() else {
        return if p.error().is_some() { "no data".into() } else { "loading…".into() };
    };
    let age_s = ((now_ms - at).max(0) / 1000) as u64;
    let text = if low_bandwidth && age_s < 60 {
        "<1m".to_string()
    } else if age_s < 10 {
        "<10s".to_string()
    } else if age_s < 60 {
        format!("{}s", age_s / 10 * 10)
    } else if age_s < 3600 {
        format!("{}m", age_s / 60)
    } else {
        format!("{}h", age_s / 3600)
    };
    if is_stale(p, now_ms, refresh) {
        format!("stale {text}")
    } else {
        text
    }
}

pub fn is_stale(p: &PanelState, now_ms: i64, refresh: Duration) -> bool {
    match p.oldest_data_ms() {
        Some(at) => now_ms - at > STALE_FACTOR * refresh.as_millis() as i64,
        None => false,
    }
}

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, ps: &PanelState, state: &State, theme: &Theme, focused: bool) {
    match spec.kind {
        PanelKind::Text => return super::text::draw(f, area, spec, theme, focused),
        PanelKind::Row => return super::text::row(f, area, spec, theme, focused),
        PanelKind::Unsupported => return super::unsupported::draw(f, area, spec, theme, focused),
        _ => {}
    }
    let refresh = state.dash().refresh;
    let stale = is_stale(ps, state.now_ms, refresh);
    let age = age_label_in(ps, state.now_ms, refresh, state.low_bandwidth);
    let age_style = if stale { theme.style(Role::Stale) } else { theme.style(Role::Muted) };
    let title_w = (area.width as usize).saturating_sub(age.chars().count() + 6);
    let border = if focused { theme.style(Role::Focus) } else { theme.style(Role::Border) };
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(Span::styled(
            format!(" {} ", sanitize_trunc(&spec.title, title_w)),
            theme.style(Role::Header),
        )))
        .title(Line::from(Span::styled(format!(" {age} "), age_style)).alignment(Alignment::Right));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }

    if spec.kind == PanelKind::Logs {
        return logs_panel(f, inner, ps, state, theme);
    }
    let all = series::collect(spec, ps);
    let error = ps.error();
    let mut content = inner;
    if let (Some(e), true) = (error, inner.height >= 2 && !all.is_empty()) {
        // Keep the last good data on screen and say why it is not fresh in one line at the bottom.
        let line = Rect { y: inner.y + inner.height - 1, height: 1, ..inner };
        content.height -= 1;
        let text = format!("✖ {}", e.message);
        f.render_widget(
            Paragraph::new(Span::styled(sanitize_trunc(&text, line.width as usize), theme.style(Role::Critical))),
            line,
        );
    }

    if all.is_empty() {
        let (text, role) = match error {
            Some(e) => (format!("✖ {}", e.message), Role::Critical),
            None if ps.loading() => ("loading…".to_string(), Role::Muted),
            None => ("no data".to_string(), Role::Muted),
        };
        let y = content.y + content.height.saturating_sub(1) / 2;
        let r = Rect { y, height: content.height - (y - content.y), ..content };
        f.render_widget(
            Paragraph::new(Span::styled(crate::sanitize::sanitize(&text).into_owned(), theme.style(role)))
                .alignment(Alignment::Center)
                .wrap(Wrap { trim: true }),
            r,
        );
        return;
    }

    match spec.kind {
        PanelKind::Timeseries => super::timeseries::draw(f, content, spec, &all, state, theme),
        PanelKind::Stat => super::stat::draw(f, content, spec, &all, theme),
        PanelKind::Gauge => super::gauge::draw(f, content, spec, &all, theme),
        PanelKind::Table => super::table::draw(f, content, spec, &all, theme),
        PanelKind::Bar => super::bar::draw(f, content, spec, &all, theme),
        PanelKind::Logs | PanelKind::Text | PanelKind::Row | PanelKind::Unsupported => {}
    }
}

/// A `logs` panel: its lines (every query's, merged by time), or why there are none.
fn logs_panel(f: &mut Frame, area: Rect, ps: &PanelState, state: &State, theme: &Theme) {
    // Borrowed, not copied: this runs on every frame.
    let mut entries: Vec<&crate::logs::LogEntry> = Vec::new();
    for q in &ps.queries {
        if let Some((crate::sources::prometheus::QueryData::Logs { entries: e }, _)) = q.slot.data() {
            entries.extend(e.iter());
        }
    }
    entries.sort_by_key(|e| e.ts_ns);
    let mut list = area;
    if let Some(e) = ps.error() {
        let line = Rect { y: area.y + area.height - 1, height: 1, ..area };
        list.height -= 1;
        f.render_widget(
            Paragraph::new(Span::styled(
                sanitize_trunc(&format!("✖ {}", e.message), line.width as usize),
                theme.style(Role::Critical),
            )),
            line,
        );
    }
    if entries.is_empty() {
        let text = if ps.loading() {
            "loading…"
        } else if ps.error().is_some() {
            ""
        } else {
            "no log lines"
        };
        f.render_widget(
            Paragraph::new(Span::styled(text, theme.style(Role::Muted))).alignment(Alignment::Center),
            list,
        );
        return;
    }
    super::logs::panel(f, list, &entries, state, theme);
}

/// The style of a value: its threshold role, or plain text when the panel has no thresholds.
pub fn value_role(spec: &Panel, v: f64) -> Role {
    spec.thresholds.as_ref().map(|t| t.role_for(v)).unwrap_or(Role::Text)
}
