//! The silences list, the silence editor and the yes/no question, all inside the alerts view.

use crate::alerts::filter::format_matchers;
use crate::alerts::model::SilenceState;
use crate::sanitize::{sanitize, sanitize_trunc};
use crate::state::alerts::{Confirm, Field};
use crate::state::State;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::alerts::age;

pub fn draw_list(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let a = &state.alerts;
    let list = a.silence_list();
    let active = list.iter().filter(|s| s.state != SilenceState::Expired).count();
    let title = format!(" silences: {active} active or pending, {} expired ", list.len() - active);
    let block = Block::bordered().title(title).border_style(theme.style(Role::Border));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if list.is_empty() {
        let text = if a.ams.is_empty() {
            " no Alertmanager is configured for this environment"
        } else if a.ams.iter().all(|m| !m.silences.answered) {
            " waiting for the first answer…"
        } else {
            " no silences"
        };
        f.render_widget(Paragraph::new(Line::styled(text, theme.style(Role::Muted))), inner);
        return;
    }
    let h = inner.height as usize;
    let w = inner.width as usize;
    let offset = a.silence_selected.saturating_sub(h / 2).min(list.len().saturating_sub(h));
    let lines: Vec<Line> = list
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, s)| {
            let (word, role, when) = match s.state {
                SilenceState::Active => ("active ", Role::Warn, format!("ends in {}", age(s.ends_at_ms, state.now_ms))),
                SilenceState::Pending => {
                    ("pending", Role::Info, format!("starts in {}", age(s.starts_at_ms, state.now_ms)))
                }
                SilenceState::Expired => {
                    ("expired", Role::Muted, format!("ended {} ago", age(state.now_ms, s.ends_at_ms)))
                }
            };
            let n = if s.state == SilenceState::Expired {
                String::new()
            } else {
                format!("mutes {}", a.silence_mutes.get(&s.id).copied().unwrap_or(0))
            };
            let head = format!(" {word}  {when:<16} {n:<9} ");
            let by = format!(" {}: {}", s.created_by, s.comment);
            let room = w.saturating_sub(head.chars().count() + 2);
            let m = sanitize_trunc(&format_matchers(&s.matchers), room.max(10) * 3 / 5);
            let rest = room.saturating_sub(unicode_width::UnicodeWidthStr::width(m.as_str()));
            let line = Line::from(vec![
                Span::styled(head, theme.style(role)),
                Span::styled(m, theme.style(Role::Text)),
                Span::styled(sanitize_trunc(&by, rest), theme.style(Role::Muted)),
            ]);
            if i == a.silence_selected {
                line.patch_style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

pub(crate) fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

pub fn draw_editor(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(e) = &state.alerts.editor else { return };
    let width = (area.width * 4 / 5).max(60);
    let matcher_rows = e.field(Field::Matchers).text.chars().count() / (width.saturating_sub(15).max(1) as usize);
    let popup = centered(area, width, 12 + matcher_rows as u16);
    let mut lines = vec![Line::raw("")];
    for field in Field::ALL {
        let edit = e.field(field);
        let focused = e.focus == field;
        let label = Span::styled(
            format!("  {:<11}", field.label()),
            if focused { theme.style(Role::Accent) } else { theme.style(Role::Muted) },
        );
        let mut spans = vec![label];
        if focused {
            let chars: Vec<char> = edit.text.chars().collect();
            let before: String = chars[..edit.cursor.min(chars.len())].iter().collect();
            let at: String = chars.get(edit.cursor).map_or(" ".into(), |c| c.to_string());
            let after: String = chars.iter().skip(edit.cursor + 1).collect();
            spans.push(Span::raw(sanitize(&before).into_owned()));
            spans.push(Span::styled(sanitize(&at).into_owned(), Style::default().add_modifier(Modifier::REVERSED)));
            spans.push(Span::raw(sanitize(&after).into_owned()));
        } else {
            spans.push(Span::raw(sanitize(&edit.text).into_owned()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    lines.push(match &e.check {
        Ok(n) => Line::styled(
            format!("  would mute {n} alert{} firing right now", if *n == 1 { "" } else { "s" }),
            theme.style(if *n == 0 { Role::Muted } else { Role::Warn }),
        ),
        Err(why) => Line::styled(format!("  ✗ {}", sanitize(why)), theme.style(Role::Critical)),
    });
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        if width >= 90 {
            "  enter create · tab/↓ next field · shift-tab/↑ previous · ctrl-u clear · esc cancel"
        } else {
            "  enter create · tab next · esc cancel"
        },
        theme.style(Role::Muted),
    ));
    let title = if state.production {
        format!(" new silence in {} ", state.env_name.to_uppercase())
    } else {
        format!(" new silence in {} ", state.env_name)
    };
    let border = if state.production { theme.style(Role::Production) } else { theme.style(Role::Focus) };
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title).border_style(border)).wrap(Wrap { trim: false }),
        popup,
    );
}

pub fn draw_confirm(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(Confirm::ExpireSilence { summary, .. }) = &state.alerts.confirm else { return };
    let text = vec![
        Line::raw(""),
        Line::from(vec![
            Span::raw("  Expire the silence "),
            Span::styled(sanitize(summary).into_owned(), theme.style(Role::Accent)),
        ]),
        Line::raw("  The alerts it mutes will notify again."),
        Line::raw(""),
        Line::styled("  y or enter: expire · n or esc: keep it", theme.style(Role::Muted)),
    ];
    let width = (area.width * 3 / 4).max(50);
    // Room for the matchers however long, so the answer keys are never cut off.
    let wrapped = (summary.chars().count() + 24) / (width.saturating_sub(4).max(1) as usize);
    let popup = centered(area, width, 7 + wrapped as u16);
    let border = if state.production { theme.style(Role::Production) } else { theme.style(Role::Warn) };
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(text)
            .block(Block::bordered().title(" expire silence? ").border_style(border))
            .wrap(Wrap { trim: false }),
        popup,
    );
}
