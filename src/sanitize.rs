//! The one function untrusted text passes through on its way to the screen.
//!
//! Label values, annotations, log lines, health bodies, error messages from backends and action output
//! are all untrusted: a label holding `\x1b[2J` or an OSC 52 sequence must never reach the terminal as a
//! control sequence. Every such string is run through [`sanitize`] before it is put in a ratatui buffer
//! (ratatui itself writes cell symbols verbatim).

use std::borrow::Cow;

/// True for characters that must not reach the terminal as themselves.
fn is_hostile(c: char) -> bool {
    c.is_control() // C0, DEL and C1 (U+0080..=U+009F)
        || matches!(c,
            '\u{200E}' | '\u{200F}'            // LRM / RLM
            | '\u{202A}'..='\u{202E}'          // bidi embeddings and overrides
            | '\u{2066}'..='\u{2069}'          // bidi isolates
            | '\u{061C}'                       // Arabic letter mark
            | '\u{FEFF}'                       // zero width no-break space / BOM
            | '\u{200B}'..='\u{200D}'          // zero width space / joiners
        )
}

/// Make `s` harmless to print: control characters become visible symbols (ESC shows as `␛`, a newline
/// as `␊`, a tab as a space), C1 controls and bidi/zero-width format characters become `<U+XXXX>`.
/// Borrows when nothing needs changing, which is the common case.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hostile) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_hostile(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push(' '),
            // C0 controls map onto the Unicode "control pictures" block: ESC -> ␛, LF -> ␊, NUL -> ␀.
            '\u{0}'..='\u{1F}' => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7F}' => out.push('␡'),
            _ => out.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    Cow::Owned(out)
}

/// Sanitise and cut to at most `max` characters, adding `…` when something was cut.
pub fn sanitize_trunc(s: &str, max: usize) -> String {
    let clean = sanitize(s);
    if clean.chars().count() <= max {
        return clean.into_owned();
    }
    let mut out: String = clean.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("agente_deposito 12.5%"), Cow::Borrowed(_)));
    }

    #[test]
    fn hostile_payloads_lose_their_escape_bytes() {
        let payloads = [
            "\x1b[2J\x1b[H",                               // CSI clear screen
            "\x1b]52;c;cm0gLXJmIC8=\x07",                  // OSC 52 clipboard write
            "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\", // OSC 8 hyperlink
            "\x1bP+q544e\x1b\\",                           // DCS
            "\u{9b}31m",                                   // C1 CSI
            "ok\u{202E}gnp.exe",                           // bidi override
            "a\rb\nc\u{7f}",
        ];
        for p in payloads {
            let s = sanitize(p);
            assert!(!s.chars().any(is_hostile), "{p:?} -> {s:?}");
            assert!(!s.contains('\x1b') && !s.contains('\u{9b}'));
        }
        assert_eq!(sanitize("\x1b[2J"), "␛[2J");
        assert_eq!(sanitize("a\u{202E}b"), "a<U+202E>b");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(sanitize_trunc("Depósito", 20), "Depósito");
        assert_eq!(sanitize_trunc("abcdefgh", 5), "abcd…");
    }
}
