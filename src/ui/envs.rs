//! Environments on screen: the environment's badge and the header bar it paints (a production
//! environment's header is a full-width bar in its colour, so nobody mistakes it for staging), and the
//! environment picker (key `E`).

use crate::state::{host_port, State};
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// The header bar's style for the current environment, or `None` for a plain header.
pub fn bar(state: &State, theme: &Theme) -> Option<Style> {
    theme.env_bar(state.environment().and_then(|e| e.color.as_deref()), state.production)
}

/// The environment's name as the header shows it: production in capitals and always with the word
/// PRODUCTION (`PRODUCTION`, `EU-1 · PRODUCTION`).
pub fn label(state: &State) -> String {
    let name = crate::sanitize::sanitize_trunc(&state.env_name, 24);
    if !state.production {
        return format!(" {name} ");
    }
    let upper = name.to_uppercase();
    if upper.contains("PRODUCTION") {
        format!(" {upper} ")
    } else {
        format!(" {upper} · PRODUCTION ")
    }
}

/// The environment's badge: the bar's colours swapped (or bold alone without colour) on a bar,
/// the `production` or `accent` role on a plain header.
pub fn badge(state: &State, theme: &Theme) -> Span<'static> {
    let style = match bar(state, theme) {
        Some(_) if theme.no_color => Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        Some(b) => Style::default().fg(b.bg.unwrap_or(Color::Reset)).bg(b.fg.unwrap_or(Color::Reset)).bold(),
        None if state.production => theme.style(Role::Production),
        None => theme.style(Role::Accent),
    };
    Span::styled(label(state), style)
}

/// Paint the header's plain parts (filler, title, clock, inactive tabs) in the bar's style; badges
/// and counts keep their own colours on the terminal's background, so they stay readable on any bar.
pub fn paint_bar(spans: &mut [Span], bar: Style, theme: &Theme) {
    let plain = [Style::default(), theme.style(Role::Header), theme.style(Role::Tab)];
    for sp in spans.iter_mut() {
        if plain.contains(&sp.style) {
            sp.style = bar;
        } else if sp.style.bg.is_none() && !theme.no_color {
            sp.style = sp.style.bg(Color::Reset);
        }
    }
}

/// The environment picker: name, production and read-only marks, the Prometheus it reads.
pub fn draw_picker(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(selected) = state.envs.picker else { return };
    let list = state.envs.list();
    let global_ro = state.envs.global_read_only;
    let name_w = list.iter().map(|e| e.name.chars().count().min(24)).max().unwrap_or(4);
    let rows: Vec<Line> = list
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let current = e.name == state.env_name;
            let mut spans = vec![
                Span::raw(if current { " ● " } else { "   " }),
                Span::raw(format!("{:<name_w$}", crate::sanitize::sanitize_trunc(&e.name, 24))),
                if e.production {
                    Span::styled(" PRODUCTION ", theme.style(Role::Production))
                } else {
                    Span::raw(" ".repeat(12))
                },
                Span::styled(
                    if e.read_only || global_ro { " read-only " } else { "           " },
                    theme.style(Role::Muted),
                ),
                Span::styled(format!(" {}", host_port(&e.prometheus.url)), theme.style(Role::Muted)),
            ];
            if i == selected {
                let sel = theme.style(Role::Accent).add_modifier(Modifier::REVERSED);
                for sp in &mut spans {
                    sp.style = sp.style.patch(sel);
                }
            }
            Line::from(spans)
        })
        .collect();
    let mut lines = rows;
    lines.push(Line::raw(""));
    lines.push(Line::styled(" ● current · enter switch · esc close", theme.style(Role::Muted)));
    let popup = super::layout::popup_for(area, &lines);
    let block = Block::bordered().title(" switch environment ").border_style(theme.style(Role::Focus));
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
