//! Stat: the latest value per series, coloured by threshold, with a sparkline of its recent history.

use super::panel::value_role;
use super::series::{show, Named};
use crate::config::Panel;
use crate::sanitize::sanitize_trunc;
use crate::theme::{Role, Theme};
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A one-line sparkline of the last `width` finite values.
pub fn spark(points: &[(f64, f64)], width: usize) -> String {
    let vals: Vec<f64> = points.iter().map(|p| p.1).filter(|v| v.is_finite()).collect();
    let tail = &vals[vals.len().saturating_sub(width)..];
    let (lo, hi) = tail.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    tail.iter()
        .map(|&v| {
            if (hi - lo).abs() < f64::EPSILON {
                BARS[3]
            } else {
                BARS[(((v - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, all: &[Named], theme: &Theme) {
    if all.len() == 1 && area.height >= 3 {
        let s = &all[0];
        let v = s.last();
        let value = v.map(|v| show(spec, v)).unwrap_or_else(|| "–".into());
        let role = v.map(|v| value_role(spec, v)).unwrap_or(Role::Muted);
        let top = Rect { height: 1, y: area.y + (area.height.saturating_sub(3)) / 3, ..area };
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(value, theme.style(role).add_modifier(Modifier::BOLD))))
                .alignment(Alignment::Center),
            top,
        );
        let name = Rect { y: top.y + 1, height: 1, ..area };
        f.render_widget(
            Paragraph::new(Span::styled(sanitize_trunc(&s.name, area.width as usize), theme.style(Role::Muted)))
                .alignment(Alignment::Center),
            name,
        );
        let rest = area.y + area.height - (name.y + 1);
        if rest >= 1 && s.points.len() > 1 {
            let line = Rect { y: area.y + area.height - 1, height: 1, ..area };
            f.render_widget(
                Paragraph::new(Span::styled(spark(&s.points, area.width as usize), theme.series(0)))
                    .alignment(Alignment::Center),
                line,
            );
        }
        return;
    }
    // Several series: one row each: name, sparkline, value.
    let w = area.width as usize;
    let lines: Vec<Line> = all
        .iter()
        .take(area.height as usize)
        .enumerate()
        .map(|(i, s)| {
            let v = s.last();
            let value = v.map(|v| show(spec, v)).unwrap_or_else(|| "–".into());
            let role = v.map(|v| value_role(spec, v)).unwrap_or(Role::Muted);
            let vw = value.chars().count();
            let name_w = (w.saturating_sub(vw + 1) * 3 / 5).max(1);
            let name = sanitize_trunc(&s.name, name_w);
            let nw = unicode_width::UnicodeWidthStr::width(name.as_str());
            let spark_w = w.saturating_sub(nw + vw + 3);
            let sp = if s.points.len() > 1 { spark(&s.points, spark_w) } else { String::new() };
            let pad = w.saturating_sub(nw + 1 + sp.chars().count() + 1 + vw);
            Line::from(vec![
                Span::raw(name),
                Span::raw(" "),
                Span::styled(sp, theme.series(i)),
                Span::raw(" ".repeat(pad + 1)),
                Span::styled(value, theme.style(role).add_modifier(Modifier::BOLD)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_spans_lowest_to_highest() {
        let pts: Vec<(f64, f64)> = (0..8).map(|i| (i as f64, i as f64)).collect();
        assert_eq!(spark(&pts, 8), "▁▂▃▄▅▆▇█");
        assert_eq!(spark(&pts, 3), "▁▅█");
        assert_eq!(spark(&[(0.0, 1.0), (1.0, 1.0)], 5), "▄▄");
        assert_eq!(spark(&[(0.0, f64::NAN), (1.0, 2.0)], 5), "▄");
    }
}
