//! Gauge: one bar per series between min and max (0–100 by default), coloured by threshold.

use super::panel::value_role;
use super::series::{show, Named};
use crate::config::Panel;
use crate::sanitize::sanitize_trunc;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

/// One row: `name ███████░░░░ value`. `ratio` is clamped to 0–1.
pub fn bar_row(
    name: &str,
    ratio: f64,
    value: String,
    width: usize,
    bar_style: Style,
    value_style: Style,
    muted: Style,
) -> Line<'static> {
    let vw = value.chars().count();
    let name_w = (width / 3).max(4).min(width.saturating_sub(vw + 3));
    let name = sanitize_trunc(name, name_w);
    let nw = unicode_width::UnicodeWidthStr::width(name.as_str());
    let bar_w = width.saturating_sub(name_w + vw + 2);
    let r = if ratio.is_finite() { ratio.clamp(0.0, 1.0) } else { 0.0 };
    let filled = (r * bar_w as f64).round() as usize;
    Line::from(vec![
        Span::raw(name),
        Span::raw(" ".repeat(name_w.saturating_sub(nw) + 1)),
        Span::styled("█".repeat(filled), bar_style),
        Span::styled("░".repeat(bar_w - filled), muted),
        Span::raw(" "),
        Span::styled(value, value_style),
    ])
}

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, all: &[Named], theme: &Theme) {
    let (lo, hi) = match (spec.min, spec.max) {
        (Some(lo), Some(hi)) => (lo, hi),
        _ => (0.0, if spec.unit == crate::units::Unit::PercentUnit { 1.0 } else { 100.0 }),
    };
    let rows = all.len().min(area.height as usize);
    // Spread rows out when there is room: a blank line between gauges reads better.
    let gap = if rows > 0 && area.height as usize >= rows * 2 { 2 } else { 1 };
    let top = (area.height as usize).saturating_sub(rows * gap) / 2;
    let mut lines: Vec<Line> = vec![Line::raw(""); top];
    for s in all.iter().take(rows) {
        let v = s.last().unwrap_or(f64::NAN);
        let role = value_role(spec, v);
        let style = theme.style(role);
        lines.push(bar_row(
            &s.name,
            (v - lo) / (hi - lo),
            show(spec, v),
            area.width as usize,
            style,
            style.add_modifier(Modifier::BOLD),
            theme.style(Role::Muted),
        ));
        if gap == 2 {
            lines.push(Line::raw(""));
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}
