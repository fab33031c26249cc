//! Key bindings: `keymaps/default.toml` is embedded in the binary; a user file
//! (`<config dir>/keymap.toml`) overrides it key by key, and the value `"none"` unbinds a key.

use crate::action::Intent;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;
use std::fmt;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");

/// Where a key is pressed: each view has its own section, which wins over `[global]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Dashboard,
    Alerts,
    Silences,
    Health,
    Logs,
    /// The environment picker (over any view).
    Environments,
    /// The incidents view.
    Incidents,
    /// The variable picker over a dashboard.
    Variables,
    /// `centinela replay`: its playback keys win over every view's.
    Replay,
}

/// The sections a keymap file may have, in help order.
pub const SECTIONS: &[(&str, Context)] = &[
    ("global", Context::Global),
    ("dashboard", Context::Dashboard),
    ("alerts", Context::Alerts),
    ("silences", Context::Silences),
    ("health", Context::Health),
    ("logs", Context::Logs),
    ("environments", Context::Environments),
    ("incidents", Context::Incidents),
    ("variables", Context::Variables),
    ("replay", Context::Replay),
];

impl Context {
    pub fn name(self) -> &'static str {
        SECTIONS.iter().find(|(_, c)| *c == self).map_or("global", |(n, _)| n)
    }
}

/// A key with its modifiers, normalised (shift is folded into the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` subset we bind, with a total order for stable help output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Up,
    Down,
    Left,
    Right,
    PageUp,
    PageDown,
    Home,
    End,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum KeymapError {
    #[error("{file}: {msg}")]
    Parse { file: String, msg: String },
    #[error("{file}: key `{key}`: {msg}")]
    Key { file: String, key: String, msg: String },
}

const NAMED: &[(&str, KeyCodeOrd)] = &[
    ("enter", KeyCodeOrd::Enter),
    ("esc", KeyCodeOrd::Esc),
    ("tab", KeyCodeOrd::Tab),
    ("backtab", KeyCodeOrd::BackTab),
    ("backspace", KeyCodeOrd::Backspace),
    ("delete", KeyCodeOrd::Delete),
    ("up", KeyCodeOrd::Up),
    ("down", KeyCodeOrd::Down),
    ("left", KeyCodeOrd::Left),
    ("right", KeyCodeOrd::Right),
    ("pageup", KeyCodeOrd::PageUp),
    ("pagedown", KeyCodeOrd::PageDown),
    ("home", KeyCodeOrd::Home),
    ("end", KeyCodeOrd::End),
    ("space", KeyCodeOrd::Char(' ')),
];

impl Key {
    /// Parse `q`, `G`, `?`, `ctrl-c`, `alt-x`, `shift-tab`, `f1`, `enter`, `space`, `pageup`…
    pub fn parse(s: &str) -> Result<Key, String> {
        let mut key = Key { code: KeyCodeOrd::Esc, ctrl: false, alt: false, shift: false };
        let mut rest = s;
        loop {
            let lower = rest.to_ascii_lowercase();
            if rest.len() > 1 && lower.starts_with("ctrl-") {
                key.ctrl = true;
                rest = &rest[5..];
            } else if rest.len() > 1 && lower.starts_with("alt-") {
                key.alt = true;
                rest = &rest[4..];
            } else if rest.len() > 1 && lower.starts_with("shift-") {
                key.shift = true;
                rest = &rest[6..];
            } else {
                break;
            }
        }
        let lower = rest.to_ascii_lowercase();
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if key.ctrl || key.alt { c.to_ascii_lowercase() } else { c }),
            _ => {
                if let Some((_, code)) = NAMED.iter().find(|(n, _)| *n == lower) {
                    *code
                } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=12).contains(&n) {
                        return Err(format!("`{s}`: function keys go from f1 to f12"));
                    }
                    KeyCodeOrd::F(n)
                } else {
                    return Err(format!(
                        "`{s}` is not a key; use a character, ctrl-/alt-/shift- plus a key, f1–f12, or one of: {}",
                        NAMED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    ));
                }
            }
        };
        Ok(key.normalised())
    }

    fn normalised(mut self) -> Key {
        match self.code {
            // shift-tab is BackTab; shift on a printable character is already in the character.
            KeyCodeOrd::Tab if self.shift => {
                self.code = KeyCodeOrd::BackTab;
                self.shift = false;
            }
            KeyCodeOrd::BackTab | KeyCodeOrd::Char(_) => self.shift = false,
            _ => {}
        }
        self
    }

    /// The binding a terminal key event stands for, if it is a key we can bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let code = match ev.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            _ => return None,
        };
        let m = ev.modifiers;
        let ctrl = m.contains(KeyModifiers::CONTROL);
        let alt = m.contains(KeyModifiers::ALT);
        let code = match code {
            KeyCodeOrd::Char(c) if ctrl || alt => KeyCodeOrd::Char(c.to_ascii_lowercase()),
            c => c,
        };
        Some(Key { code, ctrl, alt, shift: m.contains(KeyModifiers::SHIFT) }.normalised())
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        if self.shift {
            f.write_str("shift-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            KeyCodeOrd::BackTab => f.write_str("shift-tab"),
            other => {
                let name = NAMED.iter().find(|(_, c)| *c == other).map(|(n, _)| *n).unwrap_or("?");
                f.write_str(name)
            }
        }
    }
}

impl serde::Serialize for Key {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Key::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Key {
    /// A plain character key, as typed.
    pub fn char(c: char) -> Key {
        Key { code: KeyCodeOrd::Char(c), ctrl: false, alt: false, shift: false }
    }

    pub fn plain(code: KeyCodeOrd) -> Key {
        Key { code, ctrl: false, alt: false, shift: false }
    }
}

/// The resolved key bindings, per section.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    maps: BTreeMap<Context, BTreeMap<Key, Intent>>,
}

type RawKeymap = BTreeMap<String, BTreeMap<String, String>>;

fn parse_file(file: &str, text: &str) -> Result<RawKeymap, KeymapError> {
    let raw: RawKeymap = toml::from_str(text).map_err(|e| KeymapError::Parse {
        file: file.to_string(),
        msg: format!("{} (expected sections like [global] holding `key = \"action\"` lines)", e.message()),
    })?;
    for section in raw.keys() {
        if !SECTIONS.iter().any(|(n, _)| n == section) {
            let names: Vec<&str> = SECTIONS.iter().map(|(n, _)| *n).collect();
            return Err(KeymapError::Parse {
                file: file.to_string(),
                msg: format!("unknown section [{section}]; known sections: {}", names.join(", ")),
            });
        }
    }
    Ok(raw)
}

impl Keymap {
    /// The embedded default keymap, overridden by `user` (file name, contents) when given.
    pub fn load(user: Option<(&str, &str)>) -> Result<Keymap, KeymapError> {
        let mut km = Keymap::default();
        km.apply("keymaps/default.toml (embedded)", DEFAULT_KEYMAP)?;
        if let Some((file, text)) = user {
            km.apply(file, text)?;
        }
        Ok(km)
    }

    fn apply(&mut self, file: &str, text: &str) -> Result<(), KeymapError> {
        let raw = parse_file(file, text)?;
        for (section, ctx) in SECTIONS {
            self.apply_section(file, *ctx, raw.get(*section))?;
        }
        Ok(())
    }

    fn apply_section(
        &mut self,
        file: &str,
        ctx: Context,
        section: Option<&BTreeMap<String, String>>,
    ) -> Result<(), KeymapError> {
        let map = self.maps.entry(ctx).or_default();
        for (key_s, action) in section.into_iter().flatten() {
            let err = |msg: String| KeymapError::Key { file: file.to_string(), key: key_s.clone(), msg };
            let key = Key::parse(key_s).map_err(err)?;
            if action == "none" {
                map.remove(&key);
                continue;
            }
            let intent = Intent::from_name(action).ok_or_else(|| {
                let near = crate::config::nearest(action, Intent::ALL.iter().map(|i| i.name()));
                err(format!(
                    "unknown action `{action}`{}; use \"none\" to unbind a key",
                    near.map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default()
                ))
            })?;
            map.insert(key, intent);
        }
        Ok(())
    }

    /// The intent `key` stands for in `ctx`: the view's own section first, then `[global]`.
    pub fn resolve(&self, ctx: Context, key: Key) -> Option<Intent> {
        let get = |c: Context| self.maps.get(&c).and_then(|m| m.get(&key)).copied();
        if ctx != Context::Global {
            if let Some(i) = get(ctx) {
                return Some(i);
            }
        }
        get(Context::Global)
    }

    /// A terminal key event on a dashboard.
    pub fn lookup(&self, ev: &KeyEvent) -> Option<Intent> {
        Key::from_event(ev).and_then(|k| self.resolve(Context::Dashboard, k))
    }

    /// Every bound intent of one section with its keys, in [`Intent::ALL`] order: the help overlay.
    pub fn bindings_in(&self, ctx: Context) -> Vec<(Intent, Vec<Key>)> {
        let Some(map) = self.maps.get(&ctx) else { return Vec::new() };
        Intent::ALL
            .iter()
            .filter_map(|i| {
                let keys: Vec<Key> = map.iter().filter(|(_, v)| *v == i).map(|(k, _)| *k).collect();
                (!keys.is_empty()).then_some((*i, keys))
            })
            .collect()
    }

    /// The `[global]` bindings.
    pub fn bindings(&self) -> Vec<(Intent, Vec<Key>)> {
        self.bindings_in(Context::Global)
    }

    /// The simplest key for `intent` in `ctx` (its own section, then global): no modifiers first,
    /// then the shortest name. For hints.
    pub fn key_for_in(&self, ctx: Context, intent: Intent) -> Option<Key> {
        let pick = |c: Context| {
            self.maps
                .get(&c)?
                .iter()
                .filter(|(k, v)| **v == intent && self.resolve(ctx, **k) == Some(intent))
                .map(|(k, _)| *k)
                .min_by_key(|k| (k.ctrl || k.alt || k.shift, k.to_string().len()))
        };
        pick(ctx).or_else(|| pick(Context::Global))
    }

    /// The simplest global key bound to `intent`.
    pub fn key_for(&self, intent: Intent) -> Option<Key> {
        self.key_for_in(Context::Global, intent)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, m)
    }

    #[test]
    fn default_keymap_binds_the_essentials() {
        let km = Keymap::load(None).unwrap();
        assert_eq!(km.lookup(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), Some(Intent::Quit));
        assert_eq!(km.lookup(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Intent::Quit));
        assert_eq!(km.lookup(&ev(KeyCode::Tab, KeyModifiers::NONE)), Some(Intent::NextDashboard));
        assert_eq!(km.lookup(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)), Some(Intent::PrevDashboard));
        assert_eq!(km.lookup(&ev(KeyCode::Char('3'), KeyModifiers::NONE)), Some(Intent::Dashboard3));
        assert_eq!(km.lookup(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)), Some(Intent::ToggleHelp));
    }

    #[test]
    fn user_file_overrides_key_by_key_and_none_unbinds() {
        let user = "[global]\nq = \"none\"\nx = \"quit\"\nr = \"zoom_in\"\n";
        let km = Keymap::load(Some(("keymap.toml", user))).unwrap();
        assert_eq!(km.lookup(&ev(KeyCode::Char('q'), KeyModifiers::NONE)), None);
        assert_eq!(km.lookup(&ev(KeyCode::Char('x'), KeyModifiers::NONE)), Some(Intent::Quit));
        assert_eq!(km.lookup(&ev(KeyCode::Char('r'), KeyModifiers::NONE)), Some(Intent::ZoomIn));
        // untouched keys keep their defaults
        assert_eq!(km.lookup(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Intent::Quit));
    }

    #[test]
    fn bad_user_files_say_what_is_wrong() {
        let e = Keymap::load(Some(("k.toml", "[global]\nq = \"quitt\"\n"))).unwrap_err();
        assert!(e.to_string().contains("did you mean `quit`"), "{e}");
        let e = Keymap::load(Some(("k.toml", "[global]\nctrl-nope = \"quit\"\n"))).unwrap_err();
        assert!(e.to_string().contains("is not a key"), "{e}");
        let e = Keymap::load(Some(("k.toml", "[globl]\n"))).unwrap_err();
        assert!(e.to_string().contains("unknown section [globl]"), "{e}");
    }

    #[test]
    fn hints_prefer_plain_keys() {
        let km = Keymap::load(None).unwrap();
        assert_eq!(km.key_for(Intent::Quit).unwrap().to_string(), "q");
        assert_eq!(km.key_for(Intent::ToggleFullscreen).unwrap().to_string(), "f");
    }

    #[test]
    fn keys_print_as_they_parse() {
        for s in ["q", "ctrl-c", "shift-tab", "f1", "enter", "space", "?", "G", "alt-x"] {
            assert_eq!(Key::parse(s).unwrap().to_string(), s);
        }
    }
}
