//! A one-line text field: the filter bar and the silence editor's fields. Cursor in characters.

use crate::action::TextOp;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct LineEdit {
    pub text: String,
    /// Cursor position in characters, 0..=len.
    pub cursor: usize,
}

impl LineEdit {
    pub fn new(text: &str) -> LineEdit {
        LineEdit { text: text.to_string(), cursor: text.chars().count() }
    }

    fn byte(&self, char_idx: usize) -> usize {
        self.text.char_indices().nth(char_idx).map_or(self.text.len(), |(b, _)| b)
    }

    /// Apply an editing op; returns false for ops that are not edits (submit, cancel, fields, history).
    pub fn apply(&mut self, op: TextOp) -> bool {
        let len = self.text.chars().count();
        match op {
            TextOp::Insert(c) if !c.is_control() => {
                let at = self.byte(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            TextOp::Insert(_) => {}
            TextOp::Backspace if self.cursor > 0 => {
                let at = self.byte(self.cursor - 1);
                self.text.remove(at);
                self.cursor -= 1;
            }
            TextOp::Delete if self.cursor < len => {
                let at = self.byte(self.cursor);
                self.text.remove(at);
            }
            TextOp::Backspace | TextOp::Delete => {}
            TextOp::Left => self.cursor = self.cursor.saturating_sub(1),
            TextOp::Right => self.cursor = (self.cursor + 1).min(len),
            TextOp::Home => self.cursor = 0,
            TextOp::End => self.cursor = len,
            TextOp::Clear => *self = LineEdit::default(),
            TextOp::DeleteWord => {
                let chars: Vec<char> = self.text.chars().collect();
                let mut start = self.cursor;
                while start > 0 && chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                while start > 0 && !chars[start - 1].is_whitespace() {
                    start -= 1;
                }
                let (a, b) = (self.byte(start), self.byte(self.cursor));
                self.text.replace_range(a..b, "");
                self.cursor = start;
            }
            TextOp::Submit
            | TextOp::Cancel
            | TextOp::NextField
            | TextOp::PrevField
            | TextOp::HistoryPrev
            | TextOp::HistoryNext => return false,
        }
        true
    }
}

/// What was typed into a field before (the alerts filter, the LogQL prompt), newest last, and where
/// up/down browsing stands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub entries: Vec<String>,
    pub pos: Option<usize>,
}

impl History {
    /// How many entries are kept.
    pub const MAX: usize = 50;

    /// Remember `text` as the newest entry (once: an older copy moves up) and end browsing.
    pub fn remember(&mut self, text: &str) {
        self.pos = None;
        if text.is_empty() {
            return;
        }
        self.entries.retain(|h| h != text);
        self.entries.push(text.to_string());
        let excess = self.entries.len().saturating_sub(Self::MAX);
        self.entries.drain(..excess);
    }

    /// Browse with up (`HistoryPrev`) and down (`HistoryNext`): the entry to show, or `None` past the
    /// newest (an empty field). `None` too when there is no history (then nothing changes).
    pub fn step(&mut self, op: TextOp) -> Option<Option<&str>> {
        let n = self.entries.len();
        if n == 0 {
            return None;
        }
        self.pos = match (op, self.pos) {
            (TextOp::HistoryPrev, None) => Some(n - 1),
            (TextOp::HistoryPrev, Some(p)) => Some(p.saturating_sub(1)),
            (_, Some(p)) if p + 1 < n => Some(p + 1),
            _ => None,
        };
        Some(self.pos.map(|p| self.entries[p].as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_browses_newest_first_and_keeps_one_copy() {
        let mut h = History::default();
        assert_eq!(h.step(TextOp::HistoryPrev), None);
        for t in ["a", "b", "a", ""] {
            h.remember(t);
        }
        assert_eq!(h.entries, ["b", "a"]);
        assert_eq!(h.step(TextOp::HistoryPrev), Some(Some("a")));
        assert_eq!(h.step(TextOp::HistoryPrev), Some(Some("b")));
        assert_eq!(h.step(TextOp::HistoryPrev), Some(Some("b")), "stays at the oldest");
        assert_eq!(h.step(TextOp::HistoryNext), Some(Some("a")));
        assert_eq!(h.step(TextOp::HistoryNext), Some(None), "past the newest: an empty field");
    }

    #[test]
    fn edits_by_character_not_byte() {
        let mut e = LineEdit::new("año");
        e.apply(TextOp::Left);
        e.apply(TextOp::Backspace);
        assert_eq!(e.text, "ao");
        e.apply(TextOp::Insert('ñ'));
        assert_eq!((e.text.as_str(), e.cursor), ("año", 2));
        e.apply(TextOp::Home);
        e.apply(TextOp::Delete);
        assert_eq!(e.text, "ño");
        e.apply(TextOp::Insert('\u{1b}'));
        assert_eq!(e.text, "ño", "control characters are not typed in");
    }

    #[test]
    fn ctrl_w_deletes_the_word_before_the_cursor() {
        let mut e = LineEdit::new(r#"severity="critical" timeout  "#);
        e.apply(TextOp::DeleteWord);
        assert_eq!(e.text, r#"severity="critical" "#);
        e.apply(TextOp::Clear);
        assert_eq!(e, LineEdit::default());
    }
}
