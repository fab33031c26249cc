//! Table: one row per series with its labels and latest value, highest value first.

use super::panel::value_role;
use super::series::{show, Named};
use crate::config::Panel;
use crate::theme::{Role, Theme};
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row, Table};
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, all: &[Named], theme: &Theme) {
    let mut rows: Vec<(&Named, f64)> = all.iter().map(|s| (s, s.last().unwrap_or(f64::NAN))).collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    let value_w = rows.iter().map(|(_, v)| show(spec, *v).chars().count()).max().unwrap_or(5).max(5) as u16;
    let body: Vec<Row> = rows
        .iter()
        .map(|(s, v)| {
            Row::new(vec![
                Cell::from(crate::sanitize::sanitize(&s.name).into_owned()),
                Cell::from(Span::styled(
                    format!("{:>w$}", show(spec, *v), w = value_w as usize),
                    theme.style(value_role(spec, *v)),
                )),
            ])
        })
        .collect();
    let header = Row::new(vec![Cell::from("series"), Cell::from(format!("{:>w$}", "value", w = value_w as usize))])
        .style(theme.style(Role::Muted));
    let table = Table::new(body, [Constraint::Min(4), Constraint::Length(value_w)]).header(header).column_spacing(1);
    f.render_widget(table, area);
}
