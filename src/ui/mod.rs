//! Rendering: a pure function of `(&State, &Theme, &Keymap)` into a ratatui frame.
//!
//! The same function draws the terminal, `snapshot` output and screenshots, so what tests and
//! pictures show is what the engineer sees. Untrusted text is passed through
//! [`crate::sanitize::sanitize`] before it reaches a buffer.

pub mod actions;
pub mod alerts;
pub mod bar;
pub mod chrome;
pub mod envs;
pub mod gauge;
pub mod health;
pub mod help;
pub mod incidents;
pub mod layout;
pub mod logs;
pub mod panel;
pub mod series;
pub mod silences;
pub mod stat;
pub mod table;
pub mod text;
pub mod timeseries;
pub mod unsupported;
pub mod vars;

use crate::keymap::Keymap;
use crate::state::State;
use crate::theme::Theme;
use ratatui::Frame;

/// Draw the whole screen.
pub fn render(f: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let area = f.area();
    let mut screen = layout::screen(area);
    let output = state.actions.output_open.then(|| {
        let h = actions::output_height(screen.body);
        screen.body.height -= h;
        ratatui::layout::Rect { y: screen.body.y + screen.body.height, height: h, ..screen.body }
    });
    chrome::header(f, screen.header, state, theme);
    let dash = state.dash();
    if state.page == crate::state::Page::Alerts {
        alerts::draw(f, screen.body, state, theme);
    } else if state.page == crate::state::Page::Health {
        health::draw(f, screen.body, state, theme);
    } else if state.page == crate::state::Page::Logs {
        logs::draw(f, screen.body, state, theme);
    } else if state.page == crate::state::Page::Incidents {
        incidents::draw(f, screen.body, state, theme);
    } else if state.fullscreen {
        vars::draw_strip(f, screen.body, state, theme);
        let grid = vars::grid_area(state, screen.body);
        let i = dash.focus.min(dash.spec.panels.len().saturating_sub(1));
        if let (Some(spec), Some(ps)) = (dash.spec.panels.get(i), dash.panels.get(i)) {
            panel::draw(f, grid, spec, ps, state, theme, true);
        }
    } else {
        vars::draw_strip(f, screen.body, state, theme);
        let rects = layout::panel_rects(&dash.spec, vars::grid_area(state, screen.body));
        for (i, ((spec, ps), rect)) in dash.spec.panels.iter().zip(&dash.panels).zip(rects).enumerate() {
            // A row is a one-line title; every other panel needs a border around something.
            let rows = if spec.kind == crate::config::PanelKind::Row { 1 } else { 2 };
            if rect.width >= 4 && rect.height >= rows {
                panel::draw(f, rect, spec, ps, state, theme, i == dash.focus);
            }
        }
    }
    if let Some(rect) = output {
        actions::draw_output(f, rect, state, theme);
    }
    chrome::status(f, screen.status, state, theme, keymap);
    incidents::draw_note(f, screen.body, state, theme);
    envs::draw_picker(f, screen.body, state, theme);
    vars::draw_picker(f, screen.body, state, theme);
    actions::draw_menu(f, area, state, theme);
    actions::draw_confirm(f, area, state, theme);
    // Overlays leave the header (the environment's name) in sight.
    if state.help {
        let below_header =
            ratatui::layout::Rect { y: screen.body.y, height: area.height - screen.header.height, ..area };
        let ctx = state.key_context();
        // Replaying, the playback keys come first: they win over the view's.
        let mut rows = if state.replay.is_some() { help::replay_rows(keymap) } else { Vec::new() };
        // The configured runbook actions before the keymap's: on a small screen they must not be the
        // rows cut off.
        rows.extend(help::action_rows(&state.actions.specs, &state.env_name, ctx));
        rows.extend(help::rows(keymap, ctx));
        help::draw(f, below_header, theme, rows);
    }
    if state.low_bandwidth {
        crate::theme::ansi16::to_16_colours(f.buffer_mut());
    }
}
