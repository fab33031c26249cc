//! `centinela snapshot`: one frame, drawn by the normal render path into an in-memory buffer once the
//! visible panels have data (or the wait runs out), printed as plain text, with ANSI colours, or as
//! an SVG picture or HTML page (both drawn from the same buffer by [`runs`]).

use crate::action::Action;
use crate::engine::Engine;
use crate::keymap::Keymap;
use crate::poll::now_ms;
use crate::state::State;
use crate::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::Terminal;
use std::fmt::Write;
use std::time::Duration;

/// Show `view`: `alerts`, `silences`, `health`, `logs`, or a dashboard by name or number.
pub fn show_view(engine: &mut Engine, view: &str) -> Result<(), String> {
    match view.to_ascii_lowercase().as_str() {
        "alerts" => engine.state.page = crate::state::Page::Alerts,
        "health" => engine.state.page = crate::state::Page::Health,
        "logs" => {
            engine.handle(crate::action::Intent::LogsView.into());
        }
        "incidents" => engine.state.page = crate::state::Page::Incidents,
        "silences" => {
            engine.state.page = crate::state::Page::Alerts;
            engine.state.alerts.silences_open = true;
        }
        _ => {
            engine.state.active = find_view(engine, view)
                .map_err(|e| format!("{e}; or `alerts`, `silences`, `health`, `logs`, `incidents`"))?
        }
    }
    Ok(())
}

/// Index of the dashboard called `view` (case-insensitive) or numbered `view` (from 1).
pub fn find_view(engine: &Engine, view: &str) -> Result<usize, String> {
    let names: Vec<&str> = engine.state.dashboards.iter().map(|d| d.spec.name.as_str()).collect();
    if let Ok(n) = view.parse::<usize>() {
        if (1..=names.len()).contains(&n) {
            return Ok(n - 1);
        }
    }
    names
        .iter()
        .position(|n| n.eq_ignore_ascii_case(view))
        .ok_or_else(|| format!("no view named `{view}`; available: {}", names.join(", ")))
}

/// Drive the engine until the visible panels have settled or `wait` has passed.
pub async fn settle(engine: &mut Engine, width: u16, height: u16, wait: Duration) {
    engine.handle(Action::Resize { width, height });
    engine.handle(Action::Tick { now_ms: now_ms() });
    let deadline = tokio::time::Instant::now() + wait;
    while !engine.state.visible_settled() {
        match tokio::time::timeout_at(deadline, engine.rx.recv()).await {
            Ok(Some(a)) => {
                engine.handle(a);
            }
            _ => break,
        }
    }
    engine.handle(Action::Tick { now_ms: now_ms() });
}

/// Draw `state` at its own size into a buffer, through the same `ui::render` the terminal uses.
pub fn render(state: &State, theme: &Theme, keymap: &Keymap) -> Buffer {
    let mut term = match Terminal::new(TestBackend::new(state.width, state.height)) {
        Ok(t) => t,
        Err(never) => match never {},
    };
    let _ = term.draw(|f| crate::ui::render(f, state, theme, keymap));
    term.backend().buffer().clone()
}

/// The buffer as plain text, one line per row, trailing spaces trimmed.
pub fn to_text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn sgr_color(c: Color, fg: bool, out: &mut String) {
    let base = if fg { 30 } else { 40 };
    let code = match c {
        Color::Reset => return,
        Color::Black => base,
        Color::Red => base + 1,
        Color::Green => base + 2,
        Color::Yellow => base + 3,
        Color::Blue => base + 4,
        Color::Magenta => base + 5,
        Color::Cyan => base + 6,
        Color::Gray => base + 7,
        Color::DarkGray => base + 60,
        Color::LightRed => base + 61,
        Color::LightGreen => base + 62,
        Color::LightYellow => base + 63,
        Color::LightBlue => base + 64,
        Color::LightMagenta => base + 65,
        Color::LightCyan => base + 66,
        Color::White => base + 67,
        Color::Indexed(i) => {
            let _ = write!(out, ";{};5;{i}", base + 8);
            return;
        }
        Color::Rgb(r, g, b) => {
            let _ = write!(out, ";{};2;{r};{g};{b}", base + 8);
            return;
        }
    };
    let _ = write!(out, ";{code}");
}

/// The buffer with ANSI SGR colour codes, for terminals and `less -R`.
pub fn to_ansi(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut last = None;
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let cell = &buf[(x, y)];
            let key = (cell.fg, cell.bg, cell.modifier);
            if last != Some(key) {
                let mut sgr = String::from("\x1b[0");
                sgr_color(cell.fg, true, &mut sgr);
                sgr_color(cell.bg, false, &mut sgr);
                for (m, code) in [
                    (Modifier::BOLD, 1),
                    (Modifier::DIM, 2),
                    (Modifier::ITALIC, 3),
                    (Modifier::UNDERLINED, 4),
                    (Modifier::REVERSED, 7),
                ] {
                    if cell.modifier.contains(m) {
                        let _ = write!(sgr, ";{code}");
                    }
                }
                sgr.push('m');
                out.push_str(&sgr);
                last = Some(key);
            }
            let sym = cell.symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            out.push_str(sym);
        }
        out.push_str("\x1b[0m\n");
    }
    out
}

mod html;
mod runs;
mod svg;
pub use html::to_html;
pub use svg::to_svg;
