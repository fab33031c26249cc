//! Runbook actions on screen: the menu of actions offered on the selection, the confirmation (the
//! whole command or request, the policy, the typed environment name), and the output pane of the
//! latest run (its command, streamed output, outcome, duration and verification).

use super::silences::centered;
use crate::config::Confirm;
use crate::sanitize::sanitize;
use crate::state::actions::{took, Phase, Run, Verdict, Watch};
use crate::state::State;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Rows the output pane takes at the bottom of the body: a third of it, at least 6.
pub fn output_height(body: Rect) -> u16 {
    (body.height / 3).max(6).min(body.height.saturating_sub(4))
}

fn border(state: &State, theme: &Theme, role: Role) -> Style {
    if state.production {
        theme.style(Role::Production)
    } else {
        theme.style(role)
    }
}

pub fn draw_menu(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(menu) = &state.actions.menu else { return };
    let specs = &state.actions.specs;
    let mut lines = vec![Line::raw("")];
    for (row, &i) in menu.items.iter().enumerate() {
        let s = &specs[i];
        let key = s.key.as_deref().unwrap_or("");
        let mark = if s.dangerous { "⚠ " } else { "  " };
        let style = if row == menu.selected {
            theme.style(Role::Focus).add_modifier(Modifier::REVERSED)
        } else {
            theme.style(Role::Text)
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {key:>7}  "), theme.style(Role::Accent)),
            Span::styled(format!("{mark}{:<16}", s.name), style),
            Span::styled(format!(" {}", sanitize(&s.description)), theme.style(Role::Muted)),
        ]));
    }
    lines.push(Line::raw(""));
    let hint = if menu.dry_run {
        "  enter show the command (dry run, nothing runs) · esc close"
    } else {
        "  enter run · d dry run (show, do not run) · esc close"
    };
    lines.push(Line::styled(hint, theme.style(Role::Muted)));
    let what = if menu.dry_run { "dry run" } else { "actions" };
    let title = format!(" {what} on {} ", sanitize(&menu.subject.describe(&state.env_name)));
    // As wide as the longest description needs, within the screen.
    let widest = menu.items.iter().map(|&i| specs[i].description.chars().count()).max().unwrap_or(0);
    let width = ((widest + 32) as u16).clamp(50, 120).min(area.width);
    let popup = centered(area, width, menu.items.len() as u16 + 5);
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines).block(Block::bordered().title(title).border_style(border(state, theme, Role::Focus))),
        popup,
    );
}

pub fn draw_confirm(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(p) = &state.actions.confirm else { return };
    let pr = &p.prepared;
    let width = (area.width * 4 / 5).clamp(44, 110);
    let inner = width.saturating_sub(4).max(1) as usize;
    let env = if state.production {
        Span::styled(format!(" {} ", state.env_name.to_uppercase()), theme.style(Role::Production))
    } else {
        Span::styled(state.env_name.clone(), theme.style(Role::Accent))
    };
    let mut lines = vec![
        Line::from(vec![
            Span::raw(" on   "),
            Span::styled(sanitize(&pr.target).into_owned(), theme.style(Role::Accent)),
        ]),
        Line::from(vec![Span::raw(" in   "), env]),
        Line::raw(""),
    ];
    let mut rows = 3usize;
    for l in pr.shown.lines() {
        let l = sanitize(l).into_owned();
        rows += 1 + l.chars().count() / inner;
        lines.push(Line::styled(format!(" {l}"), theme.style(Role::Text).add_modifier(Modifier::BOLD)));
    }
    lines.push(Line::raw(""));
    let mut facts = Vec::new();
    if pr.policy.dangerous {
        facts.push("⚠ dangerous".to_string());
    }
    facts.push(format!("timeout {}", took(command_timeout(&pr.command))));
    if !pr.policy.cooldown.is_zero() {
        facts.push(format!("cooldown {}", took(pr.policy.cooldown.as_millis() as u64)));
    }
    lines.push(Line::styled(format!(" {}", facts.join(" · ")), theme.style(Role::Warn)));
    lines.push(Line::raw(""));
    match pr.confirm {
        Confirm::TypeEnv => {
            let typed = sanitize(&p.typed.text).into_owned();
            lines.push(Line::from(vec![
                Span::raw(" type "),
                Span::styled(state.env_name.clone(), theme.style(Role::Accent).add_modifier(Modifier::BOLD)),
                Span::raw(" to run it: "),
                Span::styled(format!("{typed}█"), theme.style(Role::Text)),
            ]));
            lines.push(match &p.error {
                Some(e) => Line::styled(format!(" ✗ {}", sanitize(e)), theme.style(Role::Critical)),
                None => Line::styled(" enter run · esc cancel", theme.style(Role::Muted)),
            });
        }
        Confirm::YesNo | Confirm::None => {
            lines.push(Line::styled(" y or enter: run · n or esc: cancel", theme.style(Role::Muted)));
        }
    }
    let height = (rows + 7) as u16;
    let popup = centered(area, width, height.min(area.height));
    let title = format!(" run {}? ", sanitize(&pr.name));
    f.render_widget(Clear, popup);
    f.render_widget(
        Paragraph::new(lines)
            .block(Block::bordered().title(title).border_style(border(state, theme, Role::Warn)))
            .wrap(Wrap { trim: false }),
        popup,
    );
}

fn command_timeout(c: &crate::actions::attempt::Command) -> u64 {
    use crate::actions::attempt::Command::*;
    match c {
        Exec(e) | Interactive(e) => e.timeout.as_millis() as u64,
        Http(h) => h.timeout.as_millis() as u64,
    }
}

/// A summary short enough for a title: `exit 0`, `HTTP 503`; the whole of it is shown in the pane.
fn short(summary: &str) -> String {
    if summary.chars().count() <= 24 {
        summary.to_string()
    } else {
        "failed".to_string()
    }
}

/// The title of a run: what, on what, and how it went.
fn run_title(r: &Run, now_ms: i64) -> (String, Role) {
    let (how, role) = match &r.phase {
        Phase::Queued => ("starting".to_string(), Role::Info),
        Phase::Running => (format!("running {}", took((now_ms - r.started_ms).max(0) as u64)), Role::Info),
        Phase::Finished { success: true, summary, duration_ms, .. } => {
            (format!("✓ {} · {}", short(summary), took(*duration_ms)), Role::Ok)
        }
        Phase::Finished { summary, duration_ms, .. } => {
            (format!("✗ {} · {}", short(summary), took(*duration_ms)), Role::Critical)
        }
        Phase::Refused(_) => ("refused".to_string(), Role::Critical),
        Phase::DryRun => ("dry run: not run".to_string(), Role::Accent),
    };
    (format!(" {} · {} · {how} ", r.name, r.target), role)
}

fn verification_line(r: &Run, now_ms: i64, theme: &Theme) -> Option<Line<'static>> {
    let v = r.verification.as_ref()?;
    let what = match &v.watch {
        Watch::Alert { .. } => "the alert resolves".to_string(),
        Watch::Health { name } => format!("{name} checks ok"),
    };
    let (text, role) = match v.verdict {
        Verdict::Watching => {
            let waited = r.ended_ms.map_or(0, |e| (now_ms - e).max(0) as u64);
            (format!("verifying: {what} within {} ({} so far)", took(v.within_ms as u64), took(waited)), Role::Info)
        }
        Verdict::Recovered { after_ms } => (format!("✓ verified: {what} ({} after)", took(after_ms as u64)), Role::Ok),
        Verdict::NotRecovered => {
            (format!("✗ not verified: {what} did not happen within {}", took(v.within_ms as u64)), Role::Critical)
        }
        Verdict::Unknown(ref why) => (format!("? {}", sanitize(why)), Role::Warn),
    };
    Some(Line::styled(format!(" {text}"), theme.style(role)))
}

/// The output pane: the latest run's command, output (newest at the bottom) and outcome.
pub fn draw_output(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    f.render_widget(Clear, area);
    let Some(r) = state.actions.runs.back() else {
        let block = Block::bordered().title(" action output ").border_style(theme.style(Role::Border));
        f.render_widget(
            Paragraph::new(Line::styled(
                " no action has run yet; x lists the actions offered here",
                theme.style(Role::Muted),
            ))
            .block(block),
            area,
        );
        return;
    };
    let (title, role) = run_title(r, state.now_ms);
    let mut head =
        vec![Line::styled(format!(" $ {}", sanitize(r.shown.lines().next().unwrap_or(""))), theme.style(Role::Muted))];
    match &r.phase {
        Phase::Refused(why) => head.push(Line::styled(format!(" ✗ {}", sanitize(why)), theme.style(Role::Critical))),
        Phase::Finished { success: false, summary, .. } if short(summary) != *summary => {
            head.push(Line::styled(format!(" ✗ {}", sanitize(summary)), theme.style(Role::Critical)))
        }
        _ => {}
    }
    if let Phase::DryRun = r.phase {
        for l in r.shown.lines().skip(1) {
            head.push(Line::styled(format!("   {}", sanitize(l)), theme.style(Role::Muted)));
        }
    }
    if r.interactive && !matches!(r.phase, Phase::DryRun) {
        head.push(Line::styled(" ran in the terminal; its output was not captured", theme.style(Role::Muted)));
    }
    head.extend(verification_line(r, state.now_ms, theme));
    if let Some(e) = &r.audit_error {
        head.push(Line::styled(format!(" ⚠ audit trail: {}", sanitize(e)), theme.style(Role::Critical)));
    }
    let inner_rows = area.height.saturating_sub(2) as usize;
    let room = inner_rows.saturating_sub(head.len());
    let skip = r.lines.len().saturating_sub(room + state.actions.scroll);
    let mut lines = head;
    if r.dropped_lines > 0 && skip == 0 {
        lines.push(Line::styled(format!(" … {} earlier lines not kept", r.dropped_lines), theme.style(Role::Muted)));
    }
    for l in r.lines.iter().skip(skip).take(room) {
        let style = if l.stderr { theme.style(Role::Warn) } else { theme.style(Role::Text) };
        lines.push(Line::styled(format!(" {}", l.text), style));
    }
    if r.capped {
        lines.push(Line::styled(" … output past 1 MiB counted, not kept", theme.style(Role::Muted)));
    }
    let more = state.actions.runs.len() - 1;
    let footer = if more > 0 { format!(" {more} earlier run(s) · o hide ") } else { " o hide ".to_string() };
    let block = Block::bordered()
        .title(Span::styled(sanitize(&title).into_owned(), theme.style(role).add_modifier(Modifier::BOLD)))
        .title_bottom(Line::styled(footer, theme.style(Role::Muted)))
        .border_style(border(state, theme, Role::Border));
    f.render_widget(Paragraph::new(lines).block(block), area);
}
