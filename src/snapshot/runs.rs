//! The walk the pictures share: a buffer's rows cut into runs of equally styled cells, with the
//! colours a dark terminal shows, and the escaping that keeps SVG and HTML well-formed.

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// The picture's background and default foreground (a dark terminal's).
pub const BACKGROUND: &str = "#1c1c1c";
pub const FOREGROUND: &str = "#d7dae0";

/// One run of equally styled cells in one row.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Column of the first cell and the row.
    pub x: u16,
    pub y: u16,
    /// Columns covered (a wide character covers two).
    pub width: u16,
    /// Each cell's symbol with the column it starts at.
    pub cells: Vec<(String, u16)>,
    /// Foreground as `#rrggbb`, reverse video already applied.
    pub fg: String,
    /// Background as `#rrggbb`, or `None` for the terminal's own.
    pub bg: Option<String>,
    pub bold: bool,
    pub italic: bool,
    pub underlined: bool,
}

impl Run {
    /// The run's text, as the cells show it.
    pub fn text(&self) -> String {
        self.cells.iter().map(|(s, _)| s.as_str()).collect()
    }
}

/// Every row of `buf` as runs of equally styled cells, left to right, top to bottom.
pub fn runs(buf: &Buffer) -> Vec<Run> {
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        let mut x = 0;
        while x < buf.area.width {
            let start = x;
            let first = &buf[(x, y)];
            let key = (first.fg, first.bg, first.modifier);
            let mut cells = Vec::new();
            while x < buf.area.width {
                let c = &buf[(x, y)];
                if (c.fg, c.bg, c.modifier) != key {
                    break;
                }
                let sym = c.symbol();
                cells.push((sym.to_string(), x));
                x += unicode_width::UnicodeWidthStr::width(sym).max(1) as u16;
            }
            let (mut fg, mut bg) = (key.0, key.1);
            if key.2.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
                if fg == Color::Reset {
                    fg = Color::Black;
                }
                if bg == Color::Reset {
                    bg = Color::Gray;
                }
            }
            out.push(Run {
                x: start,
                y,
                width: x.min(buf.area.width) - start,
                cells,
                fg: hex(fg).unwrap_or_else(|| FOREGROUND.into()),
                bg: hex(bg),
                bold: key.2.contains(Modifier::BOLD),
                italic: key.2.contains(Modifier::ITALIC),
                underlined: key.2.contains(Modifier::UNDERLINED),
            });
        }
    }
    out
}

/// A terminal palette for pictures: the 16 ANSI colours as a dark terminal shows them; `None` for
/// the terminal's default colour.
fn hex(c: Color) -> Option<String> {
    const P: [&str; 16] = [
        "#1c1c1c", "#e05561", "#8cc265", "#d18f52", "#4aa5f0", "#c162de", "#42b3c2", "#c8cdd5", "#5c6370", "#ff616e",
        "#a5e075", "#f0a45d", "#4dc4ff", "#de73ff", "#4cd1e0", "#f2f4f7",
    ];
    let named = |i: usize| P[i].to_string();
    Some(match c {
        Color::Reset => return None,
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

/// Append `s` escaped for XML text and attribute values (SVG, and HTML written as XHTML).
pub fn xml_escape(s: &str, out: &mut String) {
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Control characters (and the two non-characters) are invalid in XML 1.0; the screen never
            // holds them (sanitised), but a picture must stay well-formed whatever happens.
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => out.push('?'),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    /// A buffer whose cells hold everything that could break out of XML text.
    pub fn hostile() -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, 40, 4));
        buf.set_string(0, 0, "a<b>&c ]]> \"q\" 'x'", Style::default().fg(Color::Red));
        buf.set_string(0, 1, "</pre></svg><!-- --> &amp;", Style::default().add_modifier(Modifier::REVERSED));
        // set_string drops control characters; cells can still hold them when written directly.
        for (i, c) in ["\u{1b}", "\u{7}", "\u{0}", "\u{fffe}", "]]>"].iter().enumerate() {
            buf[(i as u16, 2)].set_symbol(c);
        }
        buf.set_string(0, 3, "⣿█ 漢字 ok", Style::default().fg(Color::Indexed(200)).bg(Color::Rgb(1, 2, 3)));
        buf
    }

    #[test]
    fn runs_cover_each_row_once_with_reverse_video_applied() {
        let buf = hostile();
        let rs = runs(&buf);
        for y in 0..buf.area.height {
            let width: u16 = rs.iter().filter(|r| r.y == y).map(|r| r.width).sum();
            assert_eq!(width, buf.area.width, "row {y}");
        }
        let rev = rs.iter().find(|r| r.y == 1 && r.x == 0).unwrap();
        assert_eq!((rev.fg.as_str(), rev.bg.as_deref()), ("#1c1c1c", Some("#c8cdd5")));
        let wide = rs.iter().find(|r| r.y == 3 && r.x == 0).unwrap();
        assert_eq!(wide.bg.as_deref(), Some("#010203"));
        assert!(wide.text().starts_with("⣿█ 漢字 ok"));
    }

    #[test]
    fn escaping_leaves_no_markup_and_no_control_characters() {
        let mut out = String::new();
        xml_escape("<a href='x'>&\u{1b}]52;c;\u{7}]]></a>", &mut out);
        assert_eq!(out, "&lt;a href=&apos;x&apos;&gt;&amp;?]52;c;?]]&gt;&lt;/a&gt;");
    }
}
