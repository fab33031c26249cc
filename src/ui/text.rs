//! `text` panels (fixed Markdown, drawn as plain wrapped text) and `row` panels (a one-line section
//! title), as Grafana's text panels and rows are imported. Neither has queries, so neither shows an age.

use crate::config::Panel;
use crate::sanitize::{sanitize, sanitize_trunc};
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// A bordered box with the panel's title, holding `body` wrapped.
pub fn boxed(f: &mut Frame, area: Rect, spec: &Panel, body: Vec<Line<'static>>, theme: &Theme, focused: bool) {
    let border = if focused { theme.style(Role::Focus) } else { theme.style(Role::Border) };
    let title_w = (area.width as usize).saturating_sub(4);
    let block = Block::bordered().border_style(border).title(Line::from(Span::styled(
        format!(" {} ", sanitize_trunc(&spec.title, title_w)),
        theme.style(Role::Header),
    )));
    let inner = block.inner(area);
    f.render_widget(block, area);
    if inner.width > 0 && inner.height > 0 {
        f.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }), inner);
    }
}

/// A `text` panel: its content as plain text, Markdown markup taken out.
pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, theme: &Theme, focused: bool) {
    let text = plain(spec.content.as_deref().unwrap_or(""));
    let lines = text.lines().map(|l| Line::styled(sanitize(l).into_owned(), theme.style(Role::Text))).collect();
    boxed(f, area, spec, lines, theme, focused);
}

/// A `row` panel: `── Title ─────` across its width.
pub fn row(f: &mut Frame, area: Rect, spec: &Panel, theme: &Theme, focused: bool) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let title = sanitize_trunc(&spec.title, (area.width as usize).saturating_sub(6));
    let used = title.chars().count() + 4;
    let rule = "─".repeat((area.width as usize).saturating_sub(used));
    let style = if focused { theme.style(Role::Focus) } else { theme.style(Role::Border) };
    let line = Line::from(vec![
        Span::styled("── ", style),
        Span::styled(title, theme.style(Role::Header)),
        Span::styled(format!(" {rule}"), style),
    ]);
    f.render_widget(Paragraph::new(line), Rect { height: 1, ..area });
}

/// Markdown (and the odd HTML tag) as plain text: headings, emphasis, code marks and tags removed,
/// links kept as their text, list bullets kept.
pub fn plain(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    let mut fence = false;
    for line in md.lines() {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = !fence;
            continue;
        }
        if fence {
            out.push_str(line);
        } else {
            let t = t.trim_start_matches('#').trim_start_matches('>');
            out.push_str(&inline(if t.len() == line.trim_start().len() { line } else { t.trim_start() }));
        }
        out.push('\n');
    }
    out
}

fn inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '`' => {}
            '_' if out.is_empty() || out.ends_with(' ') || chars.peek().is_none_or(|n| !n.is_alphanumeric()) => {}
            '<' => {
                // An HTML tag: skip to its end (a lone `<` followed by nothing tag-like stays).
                let rest: String = chars.clone().collect();
                match rest.find('>') {
                    Some(end) if rest[..end].chars().next().is_some_and(|c| c.is_alphabetic() || c == '/') => {
                        for _ in 0..=rest[..end].chars().count() {
                            chars.next();
                        }
                    }
                    _ => out.push('<'),
                }
            }
            '[' => {
                // [text](url) → text
                let rest: String = chars.clone().collect();
                if let Some(close) = rest.find("](") {
                    if let Some(end) = rest[close..].find(')') {
                        out.push_str(&rest[..close]);
                        for _ in 0..rest[..close + end + 1].chars().count() {
                            chars.next();
                        }
                        continue;
                    }
                }
                out.push('[');
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::plain;

    #[test]
    fn markdown_becomes_plain_text() {
        let md = "# Runbook\n\nSee **the wiki** at [docs](https://x/y) or `kubectl get pods`.\n<b>bold</b> 2 < 3\n- one\n- snake_case_name";
        assert_eq!(
            plain(md),
            "Runbook\n\nSee the wiki at docs or kubectl get pods.\nbold 2 < 3\n- one\n- snake_case_name\n"
        );
    }
}
