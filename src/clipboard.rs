//! Copying to the clipboard of the terminal the engineer sits at, also over SSH: the OSC 52 escape
//! sequence (`ESC ] 52 ; c ; <base64> BEL`), which the terminal emulator itself acts on.
//!
//! The text is base64-encoded, so nothing in it (an ESC, a BEL, a whole OSC sequence in a hostile log
//! line) can end the sequence early or reach the terminal as a command.
//!
//! tmux: its `set-clipboard` option decides. With `on`, tmux takes an application's OSC 52 and passes
//! it on to the outer terminal. With the default, `external`, tmux ignores applications' OSC 52 (it
//! only sets the clipboard from its own copy mode), and a DCS passthrough (`ESC P tmux; … ESC \`)
//! reaches the outer terminal only with `allow-passthrough on` (tmux 3.3+, default off). So inside tmux
//! (`$TMUX` set) centinela writes both: the plain sequence (works with `set-clipboard on`) and the
//! wrapped one (works with `allow-passthrough on`); tmux drops whichever it does not accept, and when
//! both pass, the clipboard is set twice to the same text. With neither option on, nothing can reach
//! the clipboard from inside tmux; the README says which line to add to `~/.tmux.conf`.

use base64::Engine as _;

/// Larger sequences are dropped by some terminals (hterm and others cap OSC 52 near 74 994 bytes,
/// tmux's own limit is similar): the status line warns beyond this.
pub const SAFE_BYTES: usize = 74_994;

/// The OSC 52 sequence that puts `text` on the clipboard, and inside tmux the passthrough copy too.
pub fn osc52(text: &str, tmux: bool) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let plain = format!("\x1b]52;c;{b64}\x07");
    if !tmux {
        return plain;
    }
    // Inside a DCS every ESC of the wrapped sequence is doubled.
    let wrapped = format!("\x1bPtmux;{}\x1b\\", plain.replace('\x1b', "\x1b\x1b"));
    plain + &wrapped
}

/// How many bytes the terminal receives for `text` outside tmux (what the size warning is about).
pub fn sequence_len(text: &str) -> usize {
    "\x1b]52;c;".len() + text.len().div_ceil(3) * 4 + 1
}

/// Whether this process runs inside tmux.
pub fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(b64: &str) -> String {
        String::from_utf8(base64::engine::general_purpose::STANDARD.decode(b64).unwrap()).unwrap()
    }

    #[test]
    fn hostile_text_cannot_leave_the_sequence() {
        let hostile = "a\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1bP\x1b\\\u{9c}\u{9d}rm -rf ~\n";
        let s = osc52(hostile, false);
        let payload = s.strip_prefix("\x1b]52;c;").and_then(|p| p.strip_suffix('\x07')).expect("one sequence");
        assert!(payload.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)), "{payload:?}");
        assert_eq!(s.matches('\x1b').count(), 1, "only the introducer is an ESC");
        assert_eq!(s.matches('\x07').count(), 1, "only the terminator is a BEL");
        assert_eq!(decode(payload), hostile, "and the text arrives whole");
        assert_eq!(sequence_len(hostile), s.len());
    }

    #[test]
    fn tmux_gets_the_plain_sequence_and_a_passthrough_copy() {
        let s = osc52("hi\x1b", true);
        let plain = osc52("hi\x1b", false);
        let rest = s.strip_prefix(&plain).expect("plain first");
        let inner = rest.strip_prefix("\x1bPtmux;").and_then(|r| r.strip_suffix("\x1b\\")).expect("a DCS");
        assert_eq!(inner, plain.replace('\x1b', "\x1b\x1b"));
        // The DCS ends only at its own ST: the payload has no lone ESC.
        assert!(!inner.replace("\x1b\x1b", "").contains('\x1b'));
    }
}
