//! Markdown pieces shared by the postmortem draft and the shift hand-off: table cells and inline text
//! made safe from untrusted strings (alert labels, notes, silence comments, backend errors), and the
//! times and durations written the same way everywhere (UTC).

use crate::sanitize::sanitize;

/// A table cell: control characters made visible (an ESC shows as `␛`), newlines as `<br>`, and the
/// characters that would end the cell or start markup escaped (`|`, `\`, `<`, `>`), so a hostile note
/// stays one cell of one row.
pub fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split(['\n', '\r']).filter(|l| !l.is_empty()).enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        for c in sanitize(line).chars() {
            match c {
                '|' => out.push_str("\\|"),
                '\\' => out.push_str("\\\\"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                c => out.push(c),
            }
        }
    }
    if out.trim().is_empty() {
        out = " ".into();
    }
    out
}

/// Inline text (a list item, a line of prose): control characters made visible, newlines as spaces,
/// `<` and `>` escaped so no HTML reaches the document.
pub fn text(s: &str) -> String {
    let one_line: String = s.split(['\n', '\r']).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(" ");
    sanitize(&one_line).replace('<', "&lt;").replace('>', "&gt;")
}

/// Text for a fenced code block: control characters made visible and backticks softened, so the
/// fence cannot be closed from inside.
pub fn code(s: &str) -> String {
    text(s).replace("&lt;", "<").replace("&gt;", ">").replace('`', "'")
}

/// `2026-11-23 10:04:00 UTC`.
pub fn utc(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map_or_else(|| format!("{ms} ms"), |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
}

/// `10:04:00`, or the date too when `ms` is on another day than `day_of`.
pub fn clock(ms: i64, day_of: i64) -> String {
    let (Some(t), Some(d)) =
        (chrono::DateTime::from_timestamp_millis(ms), chrono::DateTime::from_timestamp_millis(day_of))
    else {
        return format!("{ms} ms");
    };
    if t.date_naive() == d.date_naive() {
        t.format("%H:%M:%S").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

/// A duration as people write it: `45s`, `4m`, `4m 30s`, `1h 05m`, `2d 3h`.
pub fn dur(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    match (d, h, m, sec) {
        (0, 0, 0, sec) => format!("{sec}s"),
        (0, 0, m, 0) => format!("{m}m"),
        (0, 0, m, sec) => format!("{m}m {sec:02}s"),
        (0, h, m, _) => format!("{h}h {m:02}m"),
        (d, h, _, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_note_stays_one_cell() {
        let c = cell("rolled back | then \x1b[2Jcleared\nsecond line\r\nthird <script>\\");
        assert_eq!(c, "rolled back \\| then ␛[2Jcleared<br>second line<br>third &lt;script&gt;\\\\");
        assert!(!c.contains('\n') && !c.contains('\x1b'));
        // Every pipe left is escaped.
        assert!(c.match_indices('|').all(|(i, _)| c[..i].ends_with('\\')));
        assert_eq!(cell(""), " ");
        assert_eq!(cell("\u{202E}evil"), "<U+202E>evil".replace('<', "&lt;").replace('>', "&gt;"));
    }

    #[test]
    fn inline_text_and_code_are_one_line() {
        assert_eq!(text("a\nb\x07 <b>"), "a b␇ &lt;b&gt;");
        assert_eq!(code("```x\n<y>"), "'''x <y>");
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(dur(0), "0s");
        assert_eq!(dur(45_000), "45s");
        assert_eq!(dur(4 * 60_000), "4m");
        assert_eq!(dur(4 * 60_000 + 30_000), "4m 30s");
        assert_eq!(dur(65 * 60_000), "1h 05m");
        assert_eq!(dur(27 * 3_600_000), "1d 3h");
        assert_eq!(dur(-5), "0s");
    }

    #[test]
    fn times_are_utc() {
        let t = 1_763_892_240_000; // 2025-11-23 10:04:00 UTC
        assert_eq!(utc(t), "2025-11-23 10:04:00 UTC");
        assert_eq!(clock(t, t), "10:04:00");
        assert_eq!(clock(t + 86_400_000, t), "2025-11-24 10:04:00");
    }
}
