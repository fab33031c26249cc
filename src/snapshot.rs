//! `centinela snapshot`: one frame, drawn by the normal render path into an in-memory buffer once the
//! visible panels have data (or the wait runs out), printed as plain text or with ANSI colours.

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

/// A terminal palette for pictures: the 16 ANSI colours as a dark terminal shows them.
fn hex(c: Color, fg: bool) -> Option<String> {
    let named = |i: usize| {
        const P: [&str; 16] = [
            "#1c1c1c", "#e05561", "#8cc265", "#d18f52", "#4aa5f0", "#c162de", "#42b3c2", "#c8cdd5", "#5c6370",
            "#ff616e", "#a5e075", "#f0a45d", "#4dc4ff", "#de73ff", "#4cd1e0", "#f2f4f7",
        ];
        P[i].to_string()
    };
    Some(match c {
        Color::Reset => return if fg { Some("#d7dae0".into()) } else { None },
        Color::Black => named(0),
        Color::Red => named(1),
        Color::Green => named(2),
        Color::Yellow => named(3),
        Color::Blue => named(4),
        Color::Magenta => named(5),
        Color::Cyan => named(6),
        Color::Gray => named(7),
        Color::DarkGray => named(8),
        Color::LightRed => named(9),
        Color::LightGreen => named(10),
        Color::LightYellow => named(11),
        Color::LightBlue => named(12),
        Color::LightMagenta => named(13),
        Color::LightCyan => named(14),
        Color::White => named(15),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) if i < 16 => named(i as usize),
        Color::Indexed(i) if i >= 232 => {
            let v = 8 + (i - 232) * 10;
            format!("#{v:02x}{v:02x}{v:02x}")
        }
        Color::Indexed(i) => {
            let i = i - 16;
            let lv = |x: u8| if x == 0 { 0 } else { 55 + x * 40 };
            format!("#{:02x}{:02x}{:02x}", lv(i / 36), lv((i / 6) % 6), lv(i % 6))
        }
    })
}

fn xml_escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters are invalid in XML 1.0; the screen never holds them (sanitised), but
            // a picture must stay well-formed whatever happens.
            c if (c as u32) < 0x20 => out.push('?'),
            c => out.push(c),
        }
    }
}

/// The buffer as an SVG picture: one `<text>` per run of equally styled cells, on a grid of cells,
/// so the picture is exactly the terminal frame.
pub fn to_svg(buf: &Buffer) -> String {
    const CW: f64 = 8.4;
    const CH: f64 = 17.0;
    let (w, h) = (buf.area.width as f64 * CW, buf.area.height as f64 * CH);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w:.0}\" height=\"{h:.0}\" viewBox=\"0 0 {w:.1} {h:.1}\" \
         font-family=\"'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace\" font-size=\"14\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#1c1c1c\"/>\n"
    );
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let start = x;
            let cell = &buf[(x, y)];
            let key = (cell.fg, cell.bg, cell.modifier);
            let mut text = String::new();
            // Every character gets its own x: glyphs a font lacks (braille, block elements) fall back
            // to another font with other widths, and must still sit exactly in their cells.
            let mut xs = String::new();
            while x < buf.area.width {
                let c = &buf[(x, y)];
                if (c.fg, c.bg, c.modifier) != key {
                    break;
                }
                let sym = c.symbol();
                for (i, _) in sym.chars().enumerate() {
                    if i == 0 {
                        let _ = write!(xs, "{:.1} ", x as f64 * CW);
                    }
                }
                text.push_str(sym);
                x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
            }
            let (mut fg, mut bg) = (cell.fg, cell.bg);
            if key.2.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
                if fg == Color::Reset {
                    fg = Color::Black;
                }
                if bg == Color::Reset {
                    bg = Color::Gray;
                }
            }
            let (px, py) = (start as f64 * CW, y as f64 * CH);
            if let Some(b) = hex(bg, false) {
                out.push_str(&format!(
                    "<rect x=\"{px:.1}\" y=\"{py:.1}\" width=\"{:.1}\" height=\"{CH:.1}\" fill=\"{b}\"/>\n",
                    (x - start) as f64 * CW
                ));
            }
            if text.trim().is_empty() {
                continue;
            }
            let weight = if key.2.contains(Modifier::BOLD) { " font-weight=\"bold\"" } else { "" };
            let italic = if key.2.contains(Modifier::ITALIC) { " font-style=\"italic\"" } else { "" };
            let fill = hex(fg, true).unwrap_or_else(|| "#d7dae0".into());
            let baseline = py + CH * 0.78;
            let attrs = format!("fill=\"{fill}\"{weight}{italic}");
            // Characters every monospace font has are drawn as runs stretched to their cells; any
            // other (braille, block elements) is placed in its own cell, because the font that
            // stands in for it has other widths.
            let common = |c: char| (c as u32) < 0x250 || ('\u{2500}'..='\u{257F}').contains(&c);
            let cells: Vec<(char, f64)> =
                text.chars().zip(xs.split_whitespace().filter_map(|p| p.parse::<f64>().ok())).collect();
            let mut i = 0;
            while i < cells.len() {
                let (c, cx) = cells[i];
                if common(c) {
                    let mut j = i;
                    let mut run = String::new();
                    while j < cells.len() && common(cells[j].0) {
                        run.push(cells[j].0);
                        j += 1;
                    }
                    if !run.trim().is_empty() {
                        let _ = write!(
                            out,
                            "<text x=\"{cx:.1}\" y=\"{baseline:.1}\" {attrs} xml:space=\"preserve\" textLength=\"{:.1}\" lengthAdjust=\"spacingAndGlyphs\">",
                            (j - i) as f64 * CW
                        );
                        xml_escape(&run, &mut out);
                        out.push_str("</text>\n");
                    }
                    i = j;
                } else {
                    let _ = write!(out, "<text x=\"{cx:.1}\" y=\"{baseline:.1}\" {attrs}>");
                    xml_escape(&c.to_string(), &mut out);
                    out.push_str("</text>\n");
                    i += 1;
                }
            }
        }
    }
    out.push_str("</svg>\n");
    out
}
