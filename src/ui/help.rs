//! The help overlay, generated from the live keymap: every bound action with its keys and its doc
//! comment. Rebinding a key in `keymap.toml` changes what help shows.

use crate::action::Intent;
use crate::keymap::{Context, Keymap};
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};
use ratatui::Frame;

/// (keys, description) rows of the view in force and of `[global]`, each under a heading row
/// (empty keys); the nine dashboard_N actions fold into one row.
pub fn rows(keymap: &Keymap, ctx: Context) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if ctx != Context::Global {
        let own = keymap.bindings_in(ctx);
        if !own.is_empty() {
            out.push((String::new(), format!("in this view [{}]", ctx.name())));
            for (intent, keys) in own {
                let ks: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                out.push((ks.join(" "), intent.description().to_string()));
            }
            out.push((String::new(), "everywhere [global]".to_string()));
        }
    }
    out.extend(global_rows(keymap, ctx));
    out
}

/// Whether a global intent does anything in `ctx` (panel focus and zoom are for dashboards).
fn applies(intent: Intent, ctx: Context) -> bool {
    use Intent::*;
    let dashboard_only =
        matches!(intent, FocusLeft | FocusRight | FocusUp | FocusDown | FocusNext | FocusPrev | ZoomIn | ZoomOut);
    let list_view = matches!(ctx, Context::Alerts | Context::Silences | Context::Logs | Context::Health);
    // Full screen is the alerts view's detail pane too; the health and logs views have none.
    let no_fullscreen = intent == ToggleFullscreen && matches!(ctx, Context::Logs | Context::Health);
    !(dashboard_only && list_view || no_fullscreen)
}

/// The `[global]` rows that work in `ctx`: keys the view's own section takes are left out.
fn global_rows(keymap: &Keymap, ctx: Context) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut dash_keys = Vec::new();
    for (intent, keys) in keymap.bindings() {
        if !applies(intent, ctx) {
            continue;
        }
        let ks: Vec<String> =
            keys.iter().filter(|k| keymap.resolve(ctx, **k) == Some(intent)).map(|k| k.to_string()).collect();
        if ks.is_empty() {
            continue;
        }
        if intent.dashboard_index().is_some() {
            dash_keys.extend(ks);
            continue;
        }
        out.push((ks.join(" "), intent.description().to_string()));
    }
    if !dash_keys.is_empty() {
        let pos =
            out.iter().position(|(_, d)| d == Intent::PrevDashboard.description()).map(|p| p + 1).unwrap_or(out.len());
        out.insert(pos, (dash_keys.join(" "), "Go to dashboard N.".to_string()));
    }
    out
}

/// The playback keys of `centinela replay` (the keymap's `[replay]` section), under a heading.
pub fn replay_rows(keymap: &Keymap) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "replay [replay]".to_string())];
    for (intent, keys) in keymap.bindings_in(Context::Replay) {
        let ks: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
        out.push((ks.join(" "), intent.description().to_string()));
    }
    out
}

/// Rows for the runbook actions whose keys work in `ctx` (from the config, not the keymap).
pub fn action_rows(specs: &[crate::config::ActionSpec], env: &str, ctx: Context) -> Vec<(String, String)> {
    use crate::config::Scope;
    let rows: Vec<(String, String)> = specs
        .iter()
        .filter(|s| s.offered_in(env))
        .filter(|s| match &s.scope {
            Scope::Global => matches!(ctx, Context::Alerts | Context::Health),
            Scope::Alert(_) => ctx == Context::Alerts,
            Scope::Health(_) => ctx == Context::Health,
        })
        .map(|s| {
            let on = match &s.scope {
                Scope::Global => String::new(),
                Scope::Alert(m) if m.text.is_empty() => " (on the selected alert)".into(),
                Scope::Alert(m) => format!(" (on alerts {})", m.text),
                Scope::Health(_) => " (on the selected target)".into(),
            };
            let what = if s.description.is_empty() { s.name.clone() } else { format!("{}: {}", s.name, s.description) };
            let danger = if s.dangerous { " ⚠ dangerous" } else { "" };
            (s.key.clone().unwrap_or_else(|| "x menu".into()), format!("{what}{on}{danger}"))
        })
        .collect();
    if rows.is_empty() {
        return rows;
    }
    let mut out = vec![(String::new(), "runbook actions [from the config]".to_string())];
    out.extend(rows);
    out
}

/// Draw the help overlay: `rows` (from [`rows`], [`replay_rows`], [`action_rows`]) in a centred box.
pub fn draw(f: &mut Frame, area: Rect, theme: &Theme, rows: Vec<(String, String)>) {
    let key_w = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(4).min(24);
    let desc_w = rows.iter().map(|(_, d)| d.chars().count()).max().unwrap_or(10);
    let width = ((key_w + desc_w + 5) as u16).min(area.width);
    let height = (rows.len() as u16 + 4).min(area.height);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(k, d)| {
            if k.is_empty() {
                return Line::styled(format!(" {d}"), theme.style(Role::Muted));
            }
            Line::from(vec![
                Span::styled(
                    format!(" {:<key_w$} ", crate::sanitize::sanitize_trunc(k, key_w)),
                    theme.style(Role::Accent),
                ),
                Span::raw(crate::sanitize::sanitize(d).into_owned()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled(
        " keys come from keymaps/default.toml and your keymap.toml",
        theme.style(Role::Muted),
    )));
    let block = Block::bordered().title(" help ").border_style(theme.style(Role::Focus));
    f.render_widget(Clear, popup);
    f.render_widget(Paragraph::new(lines).block(block), popup);
}
