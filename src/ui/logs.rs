//! The logs view: the query line, the volume-by-level sparkline, the lines (level-coloured, search
//! matches highlighted, wrapped or cut), the detail of one line, and the prompt. Also the `logs`
//! dashboard panel, drawn with the same line renderer.
//!
//! Log lines are untrusted: every line passes through [`sanitize`] (escape sequences and control
//! characters become visible symbols) before it reaches the buffer, and only the lines on screen are
//! formatted, so a million buffered lines cost nothing to draw.

use crate::logs::buffer::Needle;
use crate::logs::level::Level;
use crate::logs::LogEntry;
use crate::sanitize::{sanitize, sanitize_trunc};
use crate::state::logs::{LogsState, TailStatus};
use crate::state::State;
use crate::theme::{Role, Theme};
use chrono::{DateTime, Local, Utc};
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

pub fn level_role(l: Level) -> Role {
    match l {
        Level::Fatal | Level::Error => Role::Critical,
        Level::Warn => Role::Warn,
        Level::Info => Role::Info,
        Level::Debug | Level::Trace => Role::Muted,
        Level::Unknown => Role::Text,
    }
}

/// `HH:MM:SS.mmm` in local time or UTC.
fn time_of(ts_ns: i64, utc: bool) -> String {
    let t = DateTime::<Utc>::from_timestamp_nanos(ts_ns);
    if utc {
        t.format("%H:%M:%S%.3f").to_string()
    } else {
        t.with_timezone(&Local).format("%H:%M:%S%.3f").to_string()
    }
}

fn date_time(ms: i64, utc: bool) -> String {
    let t = DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default();
    if utc {
        t.format("%m-%d %H:%M UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%m-%d %H:%M").to_string()
    }
}

/// Split `s` where its display width reaches `w`: (the part that fits, the rest).
fn split_width(s: &str, w: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            return (&s[..i], &s[i..]);
        }
        used += cw;
    }
    (s, "")
}

/// Spans of `text` with the needle's matches highlighted.
fn highlighted<'a>(
    text: &str,
    needle: Option<&Needle>,
    base: ratatui::style::Style,
    hit: ratatui::style::Style,
) -> Vec<Span<'a>> {
    let ranges = needle.map(|n| n.find_all(text)).unwrap_or_default();
    if ranges.is_empty() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b) in ranges {
        if a > at {
            out.push(Span::styled(text[at..a].to_string(), base));
        }
        out.push(Span::styled(text[a..b].to_string(), hit));
        at = b;
    }
    if at < text.len() {
        out.push(Span::styled(text[at..].to_string(), base));
    }
    out
}

/// The short stream name drawn before a line: its `service`, `container`, `app` or `job` label.
fn stream_tag(e: &LogEntry) -> Option<&str> {
    let labels = &e.labels;
    ["service", "service_name", "container", "app", "job"].iter().find_map(|k| labels.get(*k)).map(String::as_str)
}

/// How the rows of one line look.
struct LineStyle<'a> {
    utc: bool,
    wrap: bool,
    raw: bool,
    tag_w: usize,
    needle: Option<&'a Needle>,
    selected: bool,
}

/// The screen rows of one log line (one row, or several when wrapping), at most `max_rows`.
fn line_rows<'a>(
    e: &LogEntry,
    level: Level,
    width: usize,
    st: &LineStyle,
    theme: &Theme,
    max_rows: usize,
) -> Vec<Line<'a>> {
    let role = level_role(level);
    let mut prefix = vec![
        Span::styled(format!("{} ", time_of(e.ts_ns, st.utc)), theme.style(Role::Muted)),
        Span::styled(format!("{} ", level.badge()), theme.style(role).add_modifier(Modifier::BOLD)),
    ];
    if st.tag_w > 0 {
        let tag = stream_tag(e).map(|t| sanitize_trunc(t, st.tag_w)).unwrap_or_default();
        prefix.push(Span::styled(format!("{tag:<w$} ", w = st.tag_w), theme.style(Role::Accent)));
    }
    let prefix_w: usize = prefix.iter().map(|s| s.width()).sum();
    let room = width.saturating_sub(prefix_w).max(1);
    // Only what can be shown is sanitised and measured: a 1 MB line costs a screenful.
    let limit = room * max_rows.max(1) * 4 + 16;
    let compact = if st.raw { None } else { crate::logs::pretty::compact(&e.line) };
    let shown = compact.as_deref().unwrap_or(&e.line);
    let text = sanitize(&shown[..floor(shown, limit)]);
    let text_style = if level >= Level::Error { theme.style(role) } else { theme.style(Role::Text) };
    let hit = theme.style(Role::Accent).add_modifier(Modifier::REVERSED);
    let sel = |mut spans: Vec<Span<'a>>| {
        if st.selected {
            for s in &mut spans {
                s.style = s.style.add_modifier(Modifier::REVERSED);
            }
        }
        spans
    };
    let mut rows = Vec::new();
    let mut rest: &str = &text;
    let mut first = true;
    while rows.len() < max_rows.max(1) {
        let (part, more) = split_width(rest, room);
        let mut spans = if first { prefix.clone() } else { vec![Span::raw(" ".repeat(prefix_w))] };
        spans.extend(highlighted(part, st.needle, text_style, hit));
        rows.push(Line::from(sel(spans)));
        first = false;
        rest = more;
        if !st.wrap || rest.is_empty() {
            break;
        }
    }
    rows
}

fn floor(s: &str, max: usize) -> usize {
    if s.len() <= max {
        return s.len();
    }
    let mut i = max;
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height < 3 || area.width < 20 {
        return;
    }
    let l = &state.logs;
    let mut y = area.y;
    f.render_widget(Paragraph::new(query_line(l, state, theme, area.width as usize)), Rect { y, height: 1, ..area });
    y += 1;
    let bottom_h = 1u16;
    if area.height >= 12 {
        volume(f, Rect { y, height: 2, ..area }, l, theme);
        y += 2;
    }
    let list_h = (area.y + area.height).saturating_sub(y + bottom_h);
    let mut list = Rect { y, height: list_h, ..area };
    if l.detail && list.height > 4 {
        let (a, b) = if area.width >= 120 {
            let w = area.width * 45 / 100;
            (Rect { width: area.width - w, ..list }, Rect { x: area.x + area.width - w, width: w, ..list })
        } else {
            let h = list.height / 2;
            (Rect { height: list.height - h, ..list }, Rect { y: list.y + list.height - h, height: h, ..list })
        };
        list = a;
        detail(f, b, l, state, theme);
    }
    lines(f, list, l, state, theme);
    bottom(f, Rect { y: area.y + area.height - bottom_h, height: bottom_h, ..area }, l, theme);
}

/// When a retry comes: a countdown (`in 5s`), or in low-bandwidth mode, where nothing redraws every
/// second, the time it is due (`at 14:03:27`).
fn when(state: &State, at_ms: i64) -> String {
    if state.low_bandwidth {
        let t = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(at_ms).unwrap_or_default();
        let t = if state.utc {
            t.format("%H:%M:%S").to_string()
        } else {
            t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string()
        };
        return format!("at {t}");
    }
    format!("in {}s", ((at_ms - state.now_ms).max(0) + 999) / 1000)
}

fn query_line<'a>(l: &LogsState, state: &State, theme: &Theme, width: usize) -> Line<'a> {
    let (mode, role) = match (&l.tail, l.follow) {
        (TailStatus::Live, _) => ("● live".to_string(), Role::Ok),
        (TailStatus::Polling(_), _) => ("● live (polling)".to_string(), Role::Warn),
        (TailStatus::Connecting, _) => ("○ connecting".to_string(), Role::Muted),
        (TailStatus::Retrying { retry_at_ms, .. }, _) => {
            (format!("✖ tail lost, retry {}", when(state, *retry_at_ms)), Role::Critical)
        }
        (TailStatus::Off, true) if l.lines.in_flight => ("○ loading".to_string(), Role::Muted),
        (TailStatus::Off, true) if l.lines.error.is_some() && l.lines.next_due_ms > 0 => {
            (format!("✖ query failed, again {}", when(state, l.lines.next_due_ms)), Role::Critical)
        }
        (TailStatus::Off, _) if l.lines.error.is_some() => {
            ("✖ query refused: e to edit it".to_string(), Role::Critical)
        }
        (TailStatus::Off, _) => ("■ not following".to_string(), Role::Muted),
    };
    let mut right = format!(" {mode} · {} lines", group(l.buffer.len() as u64));
    if l.buffer.dropped > 0 {
        right.push_str(&format!(" · {} dropped (buffer {})", group(l.buffer.dropped), group(l.buffer.cap() as u64)));
    }
    if l.tail_dropped > 0 {
        right.push_str(&format!(" · Loki dropped {}", group(l.tail_dropped)));
    }
    right.push_str(if state.utc { " · UTC " } else { " · local " });
    // Narrow: the query keeps the room; where it came from and since when give way.
    let wide = width >= 110;
    let since = if wide { format!(" since {}", date_time(l.start_ms, state.utc)) } else { String::new() };
    let origin = l.origin.as_deref().filter(|_| wide).map(|o| format!(" · {o}")).unwrap_or_default();
    let room = width.saturating_sub(right.chars().count() + since.chars().count() + origin.chars().count() + 2);
    let q = sanitize_trunc(&l.query, room.max(8));
    let used = q.chars().count() + since.chars().count() + origin.chars().count() + 1 + right.chars().count();
    let pad = width.saturating_sub(used);
    Line::from(vec![
        Span::styled(format!(" {q}"), theme.style(Role::Header)),
        Span::styled(since, theme.style(Role::Muted)),
        Span::styled(origin, theme.style(Role::Accent)),
        Span::raw(" ".repeat(pad)),
        Span::styled(right, theme.style(role)),
    ])
}

/// `12,345`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Two rows of bars (one per time bucket, height = lines in it), each coloured by the most severe
/// level present, and a legend with the totals.
fn volume(f: &mut Frame, area: Rect, l: &LogsState, theme: &Theme) {
    let Some(v) = &l.volume else {
        let text = match &l.volume_req.error {
            Some(e) => format!(" volume: {}", e.message),
            None => " volume: loading…".into(),
        };
        f.render_widget(
            Paragraph::new(Span::styled(sanitize_trunc(&text, area.width as usize), theme.style(Role::Muted))),
            area,
        );
        return;
    };
    let legend: Vec<Span> = v
        .counts
        .iter()
        .map(|(lv, _)| {
            let name = if *lv == Level::Unknown { "other" } else { lv.badge() };
            Span::styled(format!(" {name} {}", group(v.total(*lv) as u64)), theme.style(level_role(*lv)))
        })
        .collect();
    let legend_w: usize = legend.iter().map(|s| s.width()).sum::<usize>() + 1;
    const LABEL_W: usize = 5;
    let ncols = (area.width as usize).saturating_sub(legend_w + LABEL_W).max(1);
    let n = v.times.len();
    if n == 0 {
        return;
    }
    // Per column: warnings and worse (the most severe level present colours it), and all lines. Each
    // row has its own scale, so a handful of errors shows beside thousands of info lines. One column
    // per bucket stretched over the width, or the mean of the buckets a column covers.
    let mut problems = vec![(0.0f64, Level::Unknown); ncols];
    let mut all = vec![0.0f64; ncols];
    for c in 0..ncols {
        let (from, to) = (c * n / ncols, ((c + 1) * n / ncols).max(c * n / ncols + 1).min(n));
        for (lv, counts) in &v.counts {
            let mean = counts[from..to].iter().sum::<f64>() / (to - from) as f64;
            all[c] += mean;
            if *lv >= Level::Warn {
                problems[c].0 += mean;
                if mean > 0.0 && *lv > problems[c].1 {
                    problems[c].1 = *lv;
                }
            }
        }
    }
    const BARS: [char; 9] = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let bar = |v: f64, max: f64| {
        let eighths = if max > 0.0 { ((v / max) * 8.0).round() as usize } else { 0 };
        BARS[if v > 0.0 { eighths.clamp(1, 8) } else { 0 }].to_string()
    };
    let pmax = problems.iter().map(|c| c.0).fold(0.0, f64::max);
    let amax = all.iter().copied().fold(0.0, f64::max);
    let mut top = vec![Span::styled(" warn", theme.style(Role::Muted))];
    top.extend(problems.iter().map(|(v, lv)| Span::styled(bar(*v, pmax), theme.style(level_role(*lv)))));
    let mut low = vec![Span::styled(" all ", theme.style(Role::Muted))];
    low.extend(all.iter().map(|v| Span::styled(bar(*v, amax), theme.style(Role::Info))));
    top.push(Span::raw(" ".repeat(legend_w)));
    low.extend(legend);
    f.render_widget(Paragraph::new(vec![Line::from(top), Line::from(low)]), area);
}

fn lines(f: &mut Frame, area: Rect, l: &LogsState, state: &State, theme: &Theme) {
    if area.height == 0 {
        return;
    }
    if l.buffer.is_empty() {
        let (text, role) = match (&l.lines.error, &l.unavailable) {
            (_, Some(why)) => (format!("✖ {why}"), Role::Critical),
            (Some(e), _) => (format!("✖ {}", e.message), Role::Critical),
            (None, _) if l.lines.in_flight => ("loading…".to_string(), Role::Muted),
            (None, _) => ("no log lines in this range: widen it (e) or wait for the tail".to_string(), Role::Muted),
        };
        let r = Rect { y: area.y + area.height / 3, height: area.height - area.height / 3, ..area };
        f.render_widget(
            Paragraph::new(Span::styled(sanitize(&text).into_owned(), theme.style(role)))
                .wrap(ratatui::widgets::Wrap { trim: true }),
            r,
        );
        return;
    }
    let width = area.width as usize;
    let tag_w = if width >= 100 { 16 } else { 0 };
    let h = area.height as usize;
    let cursor = l.cursor_index().unwrap_or(0);
    let n = l.buffer.len();
    // Paused: the cursor sits mid-screen where it can; following: the newest line is at the bottom.
    let last = if l.paused() { (cursor + h / 2).min(n - 1) } else { n - 1 };
    let mut rows: Vec<Line> = Vec::new();
    let mut i = last as isize;
    while i >= 0 && rows.len() < h {
        let line = l.buffer.get(i as usize).expect("index within the buffer");
        let st = LineStyle {
            utc: state.utc,
            wrap: l.wrap,
            raw: l.raw,
            tag_w,
            needle: l.needle.as_ref(),
            selected: l.paused() && i as usize == cursor,
        };
        let mut r = line_rows(&line.entry, line.level, width, &st, theme, h);
        // Keep the rows of a wrapped line together; the topmost line may lose its first rows.
        while rows.len() + r.len() > h && !r.is_empty() {
            r.remove(0);
        }
        for row in r.into_iter().rev() {
            rows.push(row);
        }
        i -= 1;
    }
    rows.reverse();
    f.render_widget(Paragraph::new(rows), area);
}

/// The cursor line in full: time, level, labels, fields, and the body pretty-printed.
fn detail(f: &mut Frame, area: Rect, l: &LogsState, state: &State, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(" line ", theme.style(Role::Header)));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let Some(line) = l.cursor_line() else { return };
    let w = inner.width as usize;
    let t = DateTime::<Utc>::from_timestamp_nanos(line.entry.ts_ns);
    let when = if state.utc {
        t.format("%Y-%m-%d %H:%M:%S%.9f UTC").to_string()
    } else {
        t.with_timezone(&Local).format("%Y-%m-%d %H:%M:%S%.9f %z").to_string()
    };
    let mut rows = vec![Line::from(vec![
        Span::styled(when, theme.style(Role::Muted)),
        Span::raw(" "),
        Span::styled(line.level.name(), theme.style(level_role(line.level))),
    ])];
    // The body first (what the engineer opened it for), then the stream's labels and fields.
    let hit = theme.style(Role::Accent).add_modifier(Modifier::REVERSED);
    let room = inner.height as usize;
    'body: for body in crate::logs::pretty::body_lines(&line.entry.line) {
        let clean = sanitize(&body);
        let mut rest: &str = &clean;
        loop {
            if rows.len() >= room {
                break 'body;
            }
            let (part, more) = split_width(rest, w.max(1));
            rows.push(Line::from(highlighted(part, l.needle.as_ref(), theme.style(Role::Text), hit)));
            rest = more;
            if rest.is_empty() {
                break;
            }
        }
    }
    rows.push(Line::from(Span::styled("─".repeat(w), theme.style(Role::Border))));
    let kv = |k: &str, v: &str, role: Role| {
        Line::from(vec![
            Span::styled(format!("{} ", sanitize_trunc(k, 24)), theme.style(Role::Muted)),
            Span::styled(sanitize_trunc(v, w.saturating_sub(k.len().min(24) + 1)), theme.style(role)),
        ])
    };
    for (k, v) in line.entry.labels.iter() {
        rows.push(kv(k, v, Role::Accent));
    }
    for (k, v) in line.entry.fields.iter().flat_map(|f| f.iter()) {
        rows.push(kv(k, v, Role::Info));
    }
    f.render_widget(Paragraph::new(rows), inner);
}

/// The prompt while editing, else what the view is doing (paused, search matches).
fn bottom(f: &mut Frame, area: Rect, l: &LogsState, theme: &Theme) {
    let (label, edit) = match (&l.prompt, &l.search_edit) {
        (Some(e), _) => ("LogQL ", Some(e)),
        (_, Some(e)) => ("search ", Some(e)),
        _ => ("", None),
    };
    if let Some(e) = edit {
        let text = sanitize(&e.text);
        let spans = vec![
            Span::styled(format!(" {label}› "), theme.style(Role::Accent)),
            Span::styled(text.into_owned(), theme.style(Role::Text)),
        ];
        f.render_widget(Paragraph::new(Line::from(spans)), area);
        let x = area.x + 3 + label.chars().count() as u16 + e.cursor as u16;
        f.set_cursor_position((x.min(area.x + area.width.saturating_sub(1)), area.y));
        return;
    }
    let mut spans = Vec::new();
    if l.paused() {
        spans.push(Span::styled(
            format!(" ‖ paused · {} new lines below · G or space resumes ", group(l.new_since_pause)),
            theme.style(Role::Warn),
        ));
    }
    if let Some(n) = &l.needle {
        spans.push(Span::styled(
            format!(
                " /{} · {} matching lines · n next · N previous ",
                sanitize_trunc(&n.text, 30),
                group(l.matches as u64)
            ),
            theme.style(Role::Accent),
        ));
    }
    if l.wrap {
        spans.push(Span::styled(" wrap ", theme.style(Role::Muted)));
    }
    if let Some(e) = l.lines.error.as_ref().filter(|_| !l.buffer.is_empty()) {
        spans.push(Span::styled(format!(" ✖ {}", e.message), theme.style(Role::Critical)));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// A dashboard `logs` panel: the newest lines at the bottom.
pub fn panel(f: &mut Frame, area: Rect, entries: &[&LogEntry], state: &State, theme: &Theme) {
    let st = LineStyle {
        utc: state.utc,
        wrap: false,
        raw: false,
        tag_w: if area.width >= 100 { 16 } else { 0 },
        needle: None,
        selected: false,
    };
    let h = area.height as usize;
    let first = entries.len().saturating_sub(h);
    let rows: Vec<Line> = entries[first..]
        .iter()
        .map(|e| line_rows(e, crate::logs::level::detect(e), area.width as usize, &st, theme, 1).remove(0))
        .collect();
    f.render_widget(Paragraph::new(rows), area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_groups() {
        assert_eq!(split_width("abcdef", 4), ("abcd", "ef"));
        assert_eq!(split_width("日本語", 5), ("日本", "語"), "a wide character never straddles the edge");
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(group(12), "12");
    }
}
