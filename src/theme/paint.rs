//! An environment's header colour (`color = "…"` in `[[environment]]`): a theme role or a colour, and
//! the bar style it becomes. Without colour (`NO_COLOR`) the bar is reverse video and bold, so it is
//! still unmistakable.

use super::{Role, Theme};
use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// What `color` names: a role of the theme in force, or a fixed colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paint {
    Role(Role),
    Color(Color),
}

/// Parse `production`, `critical`, `red`, `#d70000` or `196`. Role names win over colour names of the
/// same spelling (`red` is the `critical` role, so it follows the theme).
pub fn parse(s: &str) -> Result<Paint, String> {
    let de = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(s);
    if let Ok(role) = Role::deserialize(de) {
        return Ok(Paint::Role(role));
    }
    s.parse::<Color>().map(Paint::Color).map_err(|_| {
        format!(
            "`{s}` is neither a theme role nor a colour; use a role (production, critical, warn, info, ok, accent) \
             or a colour (red, yellow, lightblue, #rrggbb, a 0–255 index)"
        )
    })
}

impl Theme {
    /// The style of an environment's header bar, or `None` for a plain header. `color` is the
    /// environment's setting (already validated; an unparsable one falls back to the default).
    pub fn env_bar(&self, color: Option<&str>, production: bool) -> Option<Style> {
        let paint = match color.map(parse) {
            Some(Ok(p)) => p,
            _ if production => Paint::Role(Role::Production),
            _ => return None,
        };
        let bold = Style::default().add_modifier(Modifier::BOLD);
        if self.no_color {
            return Some(bold.add_modifier(Modifier::REVERSED));
        }
        let colour = match paint {
            Paint::Color(c) => c,
            Paint::Role(r) => {
                let st = self.style(r);
                match st.bg.or(st.fg) {
                    Some(c) => c,
                    // A role without colour (a user theme's choice): its own modifiers, reversed.
                    None => return Some(st.add_modifier(Modifier::REVERSED | Modifier::BOLD)),
                }
            }
        };
        Some(bold.bg(colour).fg(readable_on(colour)))
    }
}

/// Black or white, whichever reads better on `bg`.
pub fn readable_on(bg: Color) -> Color {
    let light = match bg {
        Color::Rgb(r, g, b) => 299 * r as u32 + 587 * g as u32 + 114 * b as u32 > 150_000,
        Color::Indexed(i) => (i >= 7 && i != 8 && i < 16) || (i >= 250),
        Color::Yellow
        | Color::White
        | Color::Gray
        | Color::Cyan
        | Color::Green
        | Color::LightYellow
        | Color::LightGreen
        | Color::LightCyan
        | Color::LightBlue
        | Color::LightMagenta
        | Color::LightRed => true,
        _ => false,
    };
    if light {
        Color::Black
    } else {
        Color::White
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::theme::ThemeSet;

    #[test]
    fn roles_colours_and_nonsense() {
        assert_eq!(parse("production"), Ok(Paint::Role(Role::Production)));
        assert_eq!(parse("red"), Ok(Paint::Role(Role::Critical)));
        assert_eq!(parse("magenta"), Ok(Paint::Color(Color::Magenta)));
        assert_eq!(parse("#d70000"), Ok(Paint::Color(Color::Rgb(0xd7, 0, 0))));
        assert!(parse("rojo").unwrap_err().contains("neither a theme role nor a colour"));
    }

    #[test]
    fn production_is_a_bar_by_default_and_reverse_video_without_colour() {
        let set = ThemeSet::load(None);
        let t = set.resolve("default", false).unwrap();
        assert_eq!(t.env_bar(None, false), None, "staging looks ordinary");
        let bar = t.env_bar(None, true).unwrap();
        assert_eq!((bar.bg, bar.fg), (Some(Color::Red), Some(Color::White)));
        let yellow = t.env_bar(Some("yellow"), false).unwrap();
        assert_eq!((yellow.bg, yellow.fg), (Some(Color::Yellow), Some(Color::Black)), "warn role is yellow");
        let plain = set.resolve("default", true).unwrap().env_bar(None, true).unwrap();
        assert_eq!((plain.bg, plain.fg), (None, None));
        assert!(plain.add_modifier.contains(Modifier::REVERSED | Modifier::BOLD));
        for (name, _) in crate::theme::BUILTIN {
            let bar = set.resolve(name, false).unwrap().env_bar(None, true).unwrap();
            assert!(bar.bg.is_some(), "{name}: production has a coloured bar");
        }
    }
}
