//! Low-bandwidth mode's colours: every RGB or 256-palette colour becomes the nearest of the 16 ANSI
//! colours. Applied once per frame to the whole buffer ([`to_16_colours`]), so every colour on screen
//! (the theme's roles and palette, an environment's `color = "#d70000"`) goes through this one place.
//! A 16-colour escape sequence is also the shortest one (`ESC[31m` against `ESC[38;2;215;0;0m`).

use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// The 16 ANSI colours and the RGB xterm draws them with.
const ANSI: [(Color, (u8, u8, u8)); 16] = [
    (Color::Black, (0, 0, 0)),
    (Color::Red, (205, 0, 0)),
    (Color::Green, (0, 205, 0)),
    (Color::Yellow, (205, 205, 0)),
    (Color::Blue, (0, 0, 238)),
    (Color::Magenta, (205, 0, 205)),
    (Color::Cyan, (0, 205, 205)),
    (Color::Gray, (229, 229, 229)),
    (Color::DarkGray, (127, 127, 127)),
    (Color::LightRed, (255, 0, 0)),
    (Color::LightGreen, (0, 255, 0)),
    (Color::LightYellow, (255, 255, 0)),
    (Color::LightBlue, (92, 92, 255)),
    (Color::LightMagenta, (255, 0, 255)),
    (Color::LightCyan, (0, 255, 255)),
    (Color::White, (255, 255, 255)),
];

/// Whether `c` is one of the 16 ANSI colours (or the terminal's default).
pub fn is_16(c: Color) -> bool {
    !matches!(c, Color::Rgb(..) | Color::Indexed(_))
}

/// The RGB of a 256-palette index (16–231: the 6×6×6 cube; 232–255: the grey ramp).
fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    match i {
        0..=15 => ANSI[i as usize].1,
        16..=231 => {
            let level = |v: u8| if v == 0 { 0 } else { 55 + 40 * v };
            let i = i - 16;
            (level(i / 36), level((i / 6) % 6), level(i % 6))
        }
        _ => {
            let g = 8 + 10 * (i - 232);
            (g, g, g)
        }
    }
}

/// The nearest ANSI colour to `c` ("redmean" distance, which weighs green as the eye does);
/// ANSI colours and the default are returned as they are.
pub fn nearest(c: Color) -> Color {
    let (r, g, b) = match c {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) if i < 16 => return ANSI[i as usize].0,
        Color::Indexed(i) => indexed_rgb(i),
        other => return other,
    };
    let dist = |(r2, g2, b2): (u8, u8, u8)| {
        let rm = (r as i64 + r2 as i64) / 2;
        let (dr, dg, db) = (r as i64 - r2 as i64, g as i64 - g2 as i64, b as i64 - b2 as i64);
        (((512 + rm) * dr * dr) >> 8) + 4 * dg * dg + (((767 - rm) * db * db) >> 8)
    };
    ANSI.iter().min_by_key(|(_, rgb)| dist(*rgb)).map_or(Color::Reset, |(c, _)| *c)
}

/// Map every cell's colours in `buf` to the 16 ANSI colours.
pub fn to_16_colours(buf: &mut Buffer) {
    for cell in &mut buf.content {
        if !is_16(cell.fg) {
            cell.fg = nearest(cell.fg);
        }
        if !is_16(cell.bg) {
            cell.bg = nearest(cell.bg);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_go_to_their_nearest_ansi_colour() {
        assert_eq!(nearest(Color::Rgb(0xd7, 0, 0)), Color::Red);
        assert_eq!(nearest(Color::Rgb(255, 135, 0)), Color::Yellow, "orange reads as a warning");
        assert_eq!(nearest(Color::Rgb(0x30, 0x30, 0x30)), Color::Black);
        assert_eq!(nearest(Color::Rgb(0x80, 0x80, 0x80)), Color::DarkGray);
        assert_eq!(nearest(Color::Indexed(196)), Color::LightRed);
        assert_eq!(nearest(Color::Indexed(2)), Color::Green);
        assert_eq!(nearest(Color::Indexed(250)), Color::Gray);
        assert_eq!(nearest(Color::Cyan), Color::Cyan);
        assert_eq!(nearest(Color::Reset), Color::Reset);
        for i in 0..=255u8 {
            assert!(is_16(nearest(Color::Indexed(i))), "{i}");
        }
    }

    #[test]
    fn a_buffer_keeps_only_16_colours() {
        let mut buf = Buffer::empty(ratatui::layout::Rect::new(0, 0, 4, 1));
        buf.content[0].fg = Color::Rgb(1, 2, 250);
        buf.content[1].bg = Color::Indexed(100);
        buf.content[2].fg = Color::Green;
        to_16_colours(&mut buf);
        assert!(buf.content.iter().all(|c| is_16(c.fg) && is_16(c.bg)));
        assert_eq!(buf.content[0].fg, Color::Blue);
        assert_eq!(buf.content[2].fg, Color::Green);
    }
}
