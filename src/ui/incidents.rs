//! The incidents view (the list with each incident's numbers, MTTA and MTTR against the target, and
//! the selected incident's timeline), the note prompt, and the open-incident badge of the status line.

use crate::incidents::{means, EventKind, Incident};
use crate::sanitize::sanitize;
use crate::state::actions::took;
use crate::state::State;
use crate::theme::{Role, Theme};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

fn dur(ms: Option<i64>) -> String {
    ms.map_or_else(|| "—".to_string(), |m| took(m.max(0) as u64))
}

fn clock(state: &State, ms: i64, fmt: &str) -> String {
    let t = chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default();
    if state.utc {
        t.format(fmt).to_string()
    } else {
        t.with_timezone(&chrono::Local).format(fmt).to_string()
    }
}

/// ` ⚑ incident 12m ` while the environment on screen has an open incident.
pub fn badge(state: &State, theme: &Theme) -> Option<Span<'static>> {
    let i = state.incidents.open(&state.env_name)?;
    let mins = (state.now_ms - i.opened_ms).max(0) / 60_000;
    let age = match mins {
        0 => "<1m".to_string(),
        m if m < 60 => format!("{m}m"),
        m => format!("{}h{:02}m", m / 60, m % 60),
    };
    Some(Span::styled(format!(" ⚑ incident {age} "), theme.style(Role::Critical).add_modifier(Modifier::BOLD)))
}

/// The numbers line: MTTA and MTTR across the environment's incidents, against the targets.
fn summary(state: &State, theme: &Theme) -> Line<'static> {
    let env = &state.env_name;
    let mine: Vec<&Incident> = state.incidents.list.iter().filter(|i| &i.environment == env).collect();
    let (mtta, mttr) = means(mine.iter().copied());
    let s = &state.incidents.settings;
    let target = s.mttr_target.0.as_millis() as i64;
    let (mark, role) = match mttr {
        Some(m) if m <= target => ("✓ met", Role::Ok),
        Some(_) => ("✗ missed", Role::Critical),
        None => ("", Role::Muted),
    };
    let mut spans =
        vec![Span::raw(format!(" {} incident(s) in {env} · ", mine.len())), Span::raw(format!("MTTA {}", dur(mtta)))];
    if let Some(t) = s.mtta_target {
        spans.push(Span::styled(format!(" (target {})", took(t.0.as_millis() as u64)), theme.style(Role::Muted)));
    }
    spans.push(Span::raw(format!(" · MTTR {} ", dur(mttr))));
    spans.push(Span::styled(format!("(target {}) {mark}", took(target as u64)), theme.style(role)));
    Line::from(spans)
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let list = &state.incidents.list;
    let [top, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    f.render_widget(Paragraph::new(summary(state, theme)), top);
    if list.is_empty() {
        let text = vec![
            Line::raw(""),
            Line::styled(
                format!(
                    " No incidents yet. One opens when an alert of severity {} or worse starts firing; ctrl-o opens one by hand.",
                    state.incidents.settings.open_severity
                ),
                theme.style(Role::Muted),
            ),
        ];
        f.render_widget(Paragraph::new(text).block(Block::bordered().title(" incidents ")), rest);
        return;
    }
    let list_rows = (list.len() as u16 + 2).min(rest.height / 3).max(4);
    let [list_area, timeline_area] = Layout::vertical([Constraint::Length(list_rows), Constraint::Min(0)]).areas(rest);
    let sel = state.incidents.selected.min(list.len() - 1);
    // Newest first.
    let shown: Vec<&Incident> = list.iter().rev().collect();
    let room = list_area.height.saturating_sub(2) as usize;
    let skip = sel.saturating_sub(room.saturating_sub(1));
    let mut lines = Vec::new();
    let wide = area.width >= 120;
    for (row, i) in shown.iter().enumerate().skip(skip).take(room) {
        let n = i.numbers();
        let (mark, role) = if i.is_open() { ("●", Role::Critical) } else { ("✓", Role::Ok) };
        let style = if row == sel {
            theme.style(Role::Focus).add_modifier(Modifier::REVERSED)
        } else {
            theme.style(Role::Text)
        };
        let open_for =
            if i.is_open() { format!("open {}", dur(Some(state.now_ms - i.opened_ms))) } else { String::new() };
        // Narrow: the numbers first (they are the point), the title after them.
        let numbers = format!("TTA {} · TTM {} · TTR {} {open_for}", dur(n.tta_ms), dur(n.ttm_ms), dur(n.ttr_ms));
        let mut spans = vec![Span::styled(format!(" {mark} "), theme.style(role))];
        if wide {
            spans
                .push(Span::styled(format!("{} ", clock(state, i.opened_ms, "%m-%d %H:%M")), theme.style(Role::Muted)));
            spans.push(Span::styled(format!("{:<10} ", sanitize(&i.environment)), theme.style(Role::Accent)));
            spans.push(Span::styled(sanitize(&i.title).into_owned(), style));
            spans.push(Span::styled(format!("  {numbers}"), theme.style(Role::Muted)));
        } else {
            spans.push(Span::styled(format!("{} ", clock(state, i.opened_ms, "%H:%M")), theme.style(Role::Muted)));
            spans.push(Span::styled(format!("{numbers} "), theme.style(Role::Muted)));
            spans.push(Span::styled(sanitize(&i.title).into_owned(), style));
        }
        lines.push(Line::from(spans));
    }
    f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" incidents (newest first) ")), list_area);
    timeline(f, timeline_area, state, theme, shown[sel]);
}

fn event_role(kind: EventKind) -> Role {
    use EventKind::*;
    match kind {
        AlertFiring | ActionFailed | ActionRefused | NotVerified | Opened => Role::Critical,
        AlertResolved | ActionSucceeded | Verified | Closed => Role::Ok,
        Silenced | Acknowledged | SilenceExpired => Role::Warn,
        Note => Role::Accent,
        _ => Role::Info,
    }
}

fn timeline(f: &mut Frame, area: Rect, state: &State, theme: &Theme, i: &Incident) {
    let firing = i.firing().count();
    let head = format!(
        " {} · {} · {} alert(s), {firing} firing ",
        sanitize(&i.id),
        if i.is_open() { "open" } else { "closed" },
        i.alerts.len()
    );
    let room = area.height.saturating_sub(2) as usize;
    // The newest events when they do not all fit.
    let skip = i.events.len().saturating_sub(room);
    let lines: Vec<Line> = i
        .events
        .iter()
        .skip(skip)
        .map(|e| {
            let by = if e.by.is_empty() { String::new() } else { format!("  — {}", sanitize(&e.by)) };
            Line::from(vec![
                Span::styled(format!(" {} ", clock(state, e.at_ms, "%H:%M:%S")), theme.style(Role::Muted)),
                Span::styled(format!("{:<14} ", e.kind.label()), theme.style(event_role(e.kind))),
                Span::raw(sanitize(&e.text).into_owned()),
                Span::styled(by, theme.style(Role::Muted)),
            ])
        })
        .collect();
    let hint = if area.width >= 100 {
        " i note · c close · ctrl-o open by hand · centinela postmortem writes the draft "
    } else {
        " i note · c close · ctrl-o open by hand "
    };
    let block = Block::bordered()
        .title(head)
        .title_bottom(Line::styled(hint, theme.style(Role::Muted)))
        .border_style(theme.style(Role::Border));
    f.render_widget(Paragraph::new(lines).block(block), area);
}

/// The note prompt: one line over the bottom of the body while a note is typed.
pub fn draw_note(f: &mut Frame, body: Rect, state: &State, theme: &Theme) {
    let Some(note) = &state.incidents.note else { return };
    if body.height < 3 {
        return;
    }
    let area = Rect { y: body.y + body.height - 3, height: 3, ..body };
    let text = sanitize(&note.text).into_owned();
    let line = Line::from(vec![Span::raw(" "), Span::raw(text), Span::styled("█", theme.style(Role::Accent))]);
    let title = match state.incidents.open(&state.env_name) {
        Some(i) => format!(" note for {} (enter add · esc cancel) ", sanitize(&i.title)),
        None => " note (enter add · esc cancel) ".to_string(),
    };
    f.render_widget(Clear, area);
    f.render_widget(
        Paragraph::new(line).block(Block::bordered().title(title).border_style(theme.style(Role::Focus))),
        area,
    );
}
