//! Themes: semantic roles (ok, warn, critical, stale, muted, …) mapped to styles.
//!
//! Built-in themes are the files in `themes/`, embedded in the binary. A user theme in
//! `<config dir>/themes/NAME.toml` with the same name replaces a built-in one; any theme may name a
//! `parent` and then only overrides the roles it lists. `NO_COLOR` keeps modifiers (bold, reverse, dim)
//! and drops every colour, so roles stay distinguishable without colour.

pub mod ansi16;
pub mod paint;

use ratatui::style::{Color, Modifier, Style};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// A semantic colour role. Grafana colour names are accepted as aliases so thresholds read naturally.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Ordinary text.
    Text,
    /// Secondary text: hints, units, axis labels.
    Muted,
    /// Healthy values.
    #[serde(alias = "green")]
    Ok,
    /// Values that need attention.
    #[serde(alias = "yellow", alias = "orange")]
    Warn,
    /// Values that need action now.
    #[serde(alias = "red")]
    Critical,
    /// Neutral highlighted values.
    #[serde(alias = "blue", alias = "purple")]
    Info,
    /// Data older than twice its refresh interval.
    Stale,
    /// Panel borders.
    Border,
    /// Border of the focused panel.
    Focus,
    /// The header bar.
    Header,
    /// The active dashboard tab.
    TabActive,
    /// Inactive dashboard tabs.
    Tab,
    /// The status line.
    Status,
    /// Selected rows and key names in help.
    Accent,
    /// The header bar of production environments (its background is the bar's colour).
    Production,
}

impl Role {
    pub const ALL: &'static [Role] = &[
        Role::Text,
        Role::Muted,
        Role::Ok,
        Role::Warn,
        Role::Critical,
        Role::Info,
        Role::Stale,
        Role::Border,
        Role::Focus,
        Role::Header,
        Role::TabActive,
        Role::Tab,
        Role::Status,
        Role::Accent,
        Role::Production,
    ];
}

/// One role's style as written in a theme file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub dim: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub reverse: bool,
    #[serde(default)]
    pub underline: bool,
}

/// A theme file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThemeFile {
    pub name: Option<String>,
    pub parent: Option<String>,
    #[serde(default)]
    pub roles: BTreeMap<Role, StyleSpec>,
    /// Colours for chart series, in order.
    #[serde(default)]
    pub palette: Vec<String>,
}

/// A resolved theme: every role has a style, and the series palette is non-empty.
#[derive(Debug, Clone)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
    pub palette: Vec<Color>,
    pub no_color: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme `{0}`; available: {1}")]
    Unknown(String, String),
    #[error("theme `{name}`: {msg}")]
    Invalid { name: String, msg: String },
    #[error("theme `{0}` inherits from itself through its `parent` chain")]
    Cycle(String),
}

/// Built-in themes embedded from `themes/`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("default", include_str!("../../themes/default.toml")),
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("high-contrast", include_str!("../../themes/high-contrast.toml")),
];

fn parse_color(name: &str, s: &str) -> Result<Color, ThemeError> {
    s.parse::<Color>().map_err(|_| ThemeError::Invalid {
        name: name.to_string(),
        msg: format!("`{s}` is not a colour; use a name (red, lightblue…), #rrggbb or a 0–255 index"),
    })
}

fn to_style(theme: &str, spec: &StyleSpec, no_color: bool) -> Result<Style, ThemeError> {
    let mut st = Style::default();
    if !no_color {
        if let Some(fg) = &spec.fg {
            st = st.fg(parse_color(theme, fg)?);
        }
        if let Some(bg) = &spec.bg {
            st = st.bg(parse_color(theme, bg)?);
        }
    }
    let mods = [
        (spec.bold, Modifier::BOLD),
        (spec.dim, Modifier::DIM),
        (spec.italic, Modifier::ITALIC),
        (spec.reverse, Modifier::REVERSED),
        (spec.underline, Modifier::UNDERLINED),
    ];
    for (on, m) in mods {
        if on {
            st = st.add_modifier(m);
        }
    }
    Ok(st)
}

/// Where themes come from: built-ins plus the files of a user theme directory.
pub struct ThemeSet {
    files: BTreeMap<String, String>,
}

impl ThemeSet {
    /// Built-in themes, overlaid by `*.toml` files in `user_dir` when it exists.
    pub fn load(user_dir: Option<&Path>) -> ThemeSet {
        let mut files: BTreeMap<String, String> = BUILTIN.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect();
        if let Some(dir) = user_dir {
            if let Ok(rd) = std::fs::read_dir(dir) {
                for e in rd.flatten() {
                    let p = e.path();
                    if p.extension().is_some_and(|x| x == "toml") {
                        if let (Some(stem), Ok(text)) = (p.file_stem(), std::fs::read_to_string(&p)) {
                            files.insert(stem.to_string_lossy().into_owned(), text);
                        }
                    }
                }
            }
        }
        ThemeSet { files }
    }

    /// Add (or replace) the theme `name` from its TOML text, as a user file would.
    pub fn with_file(mut self, name: &str, text: &str) -> ThemeSet {
        self.files.insert(name.to_string(), text.to_string());
        self
    }

    pub fn names(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    fn file(&self, name: &str) -> Result<ThemeFile, ThemeError> {
        let text =
            self.files.get(name).ok_or_else(|| ThemeError::Unknown(name.to_string(), self.names().join(", ")))?;
        toml::from_str(text).map_err(|e| ThemeError::Invalid { name: name.to_string(), msg: e.message().to_string() })
    }

    /// Resolve `name` through its parent chain into a complete theme.
    pub fn resolve(&self, name: &str, no_color: bool) -> Result<Theme, ThemeError> {
        let mut chain = Vec::new();
        let mut cur = Some(name.to_string());
        while let Some(n) = cur {
            if chain.iter().any(|(c, _): &(String, ThemeFile)| *c == n) {
                return Err(ThemeError::Cycle(name.to_string()));
            }
            let f = self.file(&n)?;
            cur = f.parent.clone();
            chain.push((n, f));
        }
        let mut styles = BTreeMap::new();
        let mut palette = Vec::new();
        // Apply from the root ancestor down, so children override.
        for (n, f) in chain.iter().rev() {
            for (role, spec) in &f.roles {
                styles.insert(*role, to_style(n, spec, no_color)?);
            }
            if !f.palette.is_empty() {
                palette = f.palette.iter().map(|c| parse_color(n, c)).collect::<Result<_, _>>()?;
            }
        }
        for r in Role::ALL {
            styles.entry(*r).or_insert_with(Style::default);
        }
        if palette.is_empty() || no_color {
            palette = vec![Color::Reset];
        }
        Ok(Theme { name: name.to_string(), styles, palette, no_color })
    }
}

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// The colour of series number `i` in charts and legends.
    pub fn series(&self, i: usize) -> Style {
        let c = self.palette[i % self.palette.len()];
        if c == Color::Reset {
            Style::default()
        } else {
            Style::default().fg(c)
        }
    }

    /// The built-in default theme; used by tests and as a last resort.
    pub fn builtin_default() -> Theme {
        // The embedded default theme is validated by a unit test, so this cannot fail in practice; fall
        // back to an uncoloured theme rather than panic if it ever did.
        ThemeSet::load(None).resolve("default", false).unwrap_or_else(|_| Theme {
            name: "default".into(),
            styles: BTreeMap::new(),
            palette: vec![Color::Reset],
            no_color: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_resolves_with_all_roles() {
        let set = ThemeSet::load(None);
        for (name, _) in BUILTIN {
            let t = set.resolve(name, false).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(!t.palette.is_empty());
            assert_ne!(t.style(Role::Critical), t.style(Role::Ok), "{name}: ok and critical look alike");
        }
    }

    #[test]
    fn default_theme_uses_only_the_16_ansi_colours() {
        let t = ThemeSet::load(None).resolve("default", false).unwrap();
        for r in Role::ALL {
            let st = t.style(*r);
            for c in [st.fg, st.bg].into_iter().flatten() {
                assert!(!matches!(c, Color::Rgb(..) | Color::Indexed(_)), "{r:?} uses {c:?}");
            }
        }
    }

    #[test]
    fn no_color_drops_colours_but_keeps_modifiers() {
        let t = ThemeSet::load(None).resolve("default", true).unwrap();
        let crit = t.style(Role::Critical);
        assert_eq!(crit.fg, None);
        assert!(crit.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn child_overrides_parent_and_cycles_are_caught() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("mine.toml"), "parent = \"dark\"\n[roles.ok]\nfg = \"#00ff00\"\n").unwrap();
        std::fs::write(dir.path().join("loop.toml"), "parent = \"loop\"\n").unwrap();
        let set = ThemeSet::load(Some(dir.path()));
        let t = set.resolve("mine", false).unwrap();
        assert_eq!(t.style(Role::Ok).fg, Some(Color::Rgb(0, 255, 0)));
        let dark = set.resolve("dark", false).unwrap();
        assert_eq!(t.style(Role::Critical), dark.style(Role::Critical));
        assert!(matches!(set.resolve("loop", false), Err(ThemeError::Cycle(_))));
        assert!(matches!(set.resolve("nope", false), Err(ThemeError::Unknown(..))));
    }
}
