//! Dashboard variables on screen: the strip above the panels (` $job agente_negocio ▾ …  v pick`)
//! and the picker over the dashboard (key `v`): the variables, then the open one's choices.

use crate::sanitize::sanitize_trunc;
use crate::state::vars::{VarState, VarStatus};
use crate::state::{Page, State};
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// Rows the strip takes above the panels: one when the dashboard has variables to show.
pub fn strip_height(state: &State) -> u16 {
    let has = state.page == Page::Dashboards && !state.dash().vars.shown().is_empty();
    u16::from(has)
}

/// The panels' area: the body below the strip.
pub fn grid_area(state: &State, body: Rect) -> Rect {
    let h = strip_height(state).min(body.height);
    Rect { y: body.y + h, height: body.height - h, ..body }
}

fn label(v: &VarState) -> String {
    sanitize_trunc(v.spec.label.as_deref().unwrap_or(&v.spec.name), 24)
}

/// The strip: every shown variable and its selection; a failed one in the critical colour.
pub fn draw_strip(f: &mut Frame, body: Rect, state: &State, theme: &Theme) {
    if strip_height(state) == 0 || body.height == 0 {
        return;
    }
    let vars = &state.dash().vars;
    let mut spans = Vec::new();
    for i in vars.shown() {
        let v = &vars.vars[i];
        spans.push(Span::styled(format!(" {} ", label(v)), theme.style(Role::Muted)));
        let value = format!("{} ▾ ", sanitize_trunc(&v.shown(), 32));
        let role = match v.status {
            VarStatus::Failed(_) => Role::Critical,
            _ => Role::Accent,
        };
        spans.push(Span::styled(value, theme.style(role)));
    }
    spans.push(Span::styled("  v pick", theme.style(Role::Muted)));
    f.render_widget(Paragraph::new(Line::from(spans)), Rect { height: 1, ..body });
}

fn highlight(spans: &mut [Span], theme: &Theme) {
    let sel = theme.style(Role::Accent).add_modifier(Modifier::REVERSED);
    for sp in spans {
        sp.style = sp.style.patch(sel);
    }
}

/// The picker: the variables with their selection; with one open, its choices (ticked when selected).
pub fn draw_picker(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(picker) = &state.var_picker else { return };
    if state.page != Page::Dashboards {
        return;
    }
    let vars = &state.dash().vars;
    let shown = vars.shown();
    let Some(&open) = shown.get(picker.var) else { return };
    let name_w = shown.iter().map(|i| label(&vars.vars[*i]).chars().count()).max().unwrap_or(4);
    let mut lines: Vec<Line> = Vec::new();
    for (n, &i) in shown.iter().enumerate() {
        let v = &vars.vars[i];
        let mut spans = vec![
            Span::raw(format!(" {:<name_w$}  ", label(v))),
            Span::styled(sanitize_trunc(&v.shown(), 40), theme.style(Role::Accent)),
        ];
        if let VarStatus::Failed(why) = &v.status {
            spans.push(Span::styled(format!("  {}", sanitize_trunc(why, 60)), theme.style(Role::Critical)));
        }
        if n == picker.var && picker.choice.is_none() {
            highlight(&mut spans, theme);
        }
        lines.push(Line::from(spans));
    }
    let hint = if let Some(cursor) = picker.choice {
        let v = &vars.vars[open];
        let rows = v.rows();
        // Keep the cursor in sight: a window of the rows that fit.
        let room = (area.height as usize).saturating_sub(lines.len() + 6).max(3);
        let first = cursor.saturating_sub(room - 1).min(rows.len().saturating_sub(room));
        lines.push(Line::styled(format!(" ── {} ──", label(v)), theme.style(Role::Muted)));
        for (r, text) in rows.iter().enumerate().skip(first).take(room) {
            let mark = match (v.spec.multi, v.row_selected(r)) {
                (true, true) => "[x] ",
                (true, false) => "[ ] ",
                (false, true) => " ● ",
                (false, false) => "   ",
            };
            let mut spans = vec![Span::raw(format!(" {mark}{}", sanitize_trunc(text, 60)))];
            if r == cursor {
                highlight(&mut spans, theme);
            }
            lines.push(Line::from(spans));
        }
        if rows.len() > first + room {
            lines.push(Line::styled(format!("   … {} more", rows.len() - first - room), theme.style(Role::Muted)));
        }
        if v.spec.multi {
            " space tick · enter apply · esc back"
        } else {
            " enter pick · esc back"
        }
    } else {
        " ←/→ change · enter choose · esc close"
    };
    lines.push(Line::raw(""));
    lines.push(Line::styled(hint, theme.style(Role::Muted)));
    let popup = super::layout::popup_for(area, &lines);
    let block = Block::bordered().title(" variables ").border_style(theme.style(Role::Focus));
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
