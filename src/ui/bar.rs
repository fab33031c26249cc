//! Bar: one horizontal bar per series, largest first (what Grafana draws as a pie chart).

use super::gauge::bar_row;
use super::series::{show, Named};
use crate::config::Panel;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, all: &[Named], theme: &Theme) {
    let mut rows: Vec<(&Named, f64)> = all.iter().map(|s| (s, s.last().unwrap_or(f64::NAN))).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f64 = rows.iter().map(|r| r.1).filter(|v| v.is_finite() && *v > 0.0).sum();
    let max = rows.iter().map(|r| r.1).filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let lines: Vec<_> = rows
        .iter()
        .take(area.height as usize)
        .enumerate()
        .map(|(i, (s, v))| {
            let share =
                if total > 0.0 && v.is_finite() { format!(" {:>3.0}%", v / total * 100.0) } else { String::new() };
            let ratio = if max > 0.0 { v / max } else { 0.0 };
            bar_row(
                &s.name,
                ratio,
                format!("{}{share}", show(spec, *v)),
                area.width as usize,
                theme.series(i),
                theme.style(Role::Text),
                theme.style(Role::Muted),
            )
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}
