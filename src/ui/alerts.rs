//! The alerts view: filter bar, pipeline warnings, the grouped list and the selected alert's detail.
//! Side by side from 120 columns, stacked below that; the detail takes the body in full screen.
//! Only the rows in sight are drawn, so 10,000 alerts cost what a screenful does.

use crate::alerts::filter::format_matchers;
use crate::alerts::model::{Alert, Labels, PromAlert};
use crate::alerts::view::{Row, Shown};
use crate::sanitize::{sanitize, sanitize_trunc};
use crate::state::alerts::AlertsState;
use crate::state::State;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

/// `<1m`, `12m`, `2h05m`, `3d4h`: how long ago `t` was, minute-grained so an idle screen stays still.
pub fn age(now_ms: i64, t_ms: i64) -> String {
    let m = (now_ms - t_ms).max(0) / 60_000;
    match m {
        0 => "<1m".into(),
        1..=59 => format!("{m}m"),
        60..=1439 => format!("{}h{:02}m", m / 60, m % 60),
        _ => format!("{}d{}h", m / 1440, (m % 1440) / 60),
    }
}

/// A wall-clock time in the user's zone (or UTC), with the date when it is not today.
pub fn clock_time(state: &State, t_ms: i64) -> String {
    use chrono::{DateTime, Local, Utc};
    let t = DateTime::<Utc>::from_timestamp_millis(t_ms).unwrap_or_default();
    let now = DateTime::<Utc>::from_timestamp_millis(state.now_ms).unwrap_or_default();
    let fmt = if (now - t).num_hours().abs() < 20 { "%H:%M:%S" } else { "%Y-%m-%d %H:%M" };
    if state.utc {
        format!("{} UTC", t.format(fmt))
    } else {
        t.with_timezone(&Local).format(fmt).to_string()
    }
}

/// Prometheus writes alert values as `8e-02`: show them as numbers people read (`0.08`).
fn value_text(v: &str) -> String {
    match crate::sources::prometheus::parse_value(v) {
        Some(x) if x.is_finite() && (x == 0.0 || x.abs() >= 1e-3) => {
            let s = format!("{:.4}", x);
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        }
        Some(x) if x.is_finite() => format!("{x:e}"),
        _ => sanitize(v).into_owned(),
    }
}

pub fn severity_style(a: &AlertsState, theme: &Theme, severity: &str) -> Style {
    theme.style(a.settings.role(severity))
}

pub fn draw(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let a = &state.alerts;
    if a.silences_open {
        super::silences::draw_list(f, area, state, theme);
    } else {
        let mut y = area.y;
        let bottom = area.y + area.height;
        let bar = filter_bar(a, theme, area.width);
        f.render_widget(Paragraph::new(bar), Rect { y, height: 1.min(area.height), ..area });
        y += 1;
        let mut notes: Vec<Line> = Vec::new();
        if let Some(e) = &a.bar.error {
            notes.push(Line::styled(format!(" ✗ {}", sanitize(e)), theme.style(Role::Critical)));
        }
        let max_warn = if area.height > 30 { 4 } else { 2 };
        for w in a.warnings.iter().take(max_warn) {
            notes.push(Line::styled(format!(" ⚠ {}", sanitize(w)), theme.style(Role::Warn)));
        }
        if a.warnings.len() > max_warn {
            notes.push(Line::styled(
                format!("   …and {} more pipeline warnings", a.warnings.len() - max_warn),
                theme.style(Role::Warn),
            ));
        }
        let nh = (notes.len() as u16).min(bottom.saturating_sub(y));
        f.render_widget(Paragraph::new(notes), Rect { y, height: nh, ..area });
        y += nh;
        let rest = Rect { y, height: bottom.saturating_sub(y), ..area };
        if state.fullscreen {
            draw_detail(f, rest, state, theme);
        } else if rest.width >= 120 {
            let lw = rest.width * 3 / 5;
            draw_list(f, Rect { width: lw, ..rest }, state, theme);
            draw_detail(f, Rect { x: rest.x + lw, width: rest.width - lw, ..rest }, state, theme);
        } else {
            let lh = (rest.height * 11 / 20).max(rest.height.min(5));
            draw_list(f, Rect { height: lh, ..rest }, state, theme);
            draw_detail(f, Rect { y: rest.y + lh, height: rest.height - lh, ..rest }, state, theme);
        }
    }
    if a.editor.is_some() {
        super::silences::draw_editor(f, area, state, theme);
    }
    if a.confirm.is_some() {
        super::silences::draw_confirm(f, area, state, theme);
    }
}

fn filter_bar<'a>(a: &AlertsState, theme: &Theme, width: u16) -> Line<'a> {
    let mut spans = vec![Span::styled(" filter ", theme.style(Role::Muted))];
    match &a.bar.edit {
        Some(e) => {
            let chars: Vec<char> = e.text.chars().collect();
            let before: String = chars[..e.cursor.min(chars.len())].iter().collect();
            let at: String = chars.get(e.cursor).map_or(" ".into(), |c| c.to_string());
            let after: String = chars.iter().skip(e.cursor + 1).collect();
            spans.push(Span::styled(sanitize(&before).into_owned(), theme.style(Role::Accent)));
            spans.push(Span::styled(
                sanitize(&at).into_owned(),
                theme.style(Role::Accent).add_modifier(Modifier::REVERSED),
            ));
            spans.push(Span::styled(sanitize(&after).into_owned(), theme.style(Role::Accent)));
        }
        None if a.bar.text.is_empty() => {
            let hint = if width >= 120 {
                "none (press / to filter: severity=\"critical\", service=~\"agente.*\", or text)"
            } else {
                "none (/ to filter)"
            };
            spans.push(Span::styled(hint, theme.style(Role::Muted)))
        }
        None => spans.push(Span::styled(sanitize(&a.bar.text).into_owned(), theme.style(Role::Accent))),
    }
    let v = &a.view;
    let shown = v.alerts.len();
    let mut right =
        if shown == v.total { format!("{} alerts", v.total) } else { format!("{shown} of {} alerts", v.total) };
    if !v.pending.is_empty() {
        right.push_str(&format!(" · {} pending", v.pending.len()));
    }
    if v.from_prometheus {
        right.push_str(" · from Prometheus");
    }
    let grouping = if a.settings.group_by.is_empty() {
        " · Alertmanager groups ".to_string()
    } else {
        format!(" · by {} ", a.settings.group_by.join(", "))
    };
    let left_w: usize = spans.iter().map(|s| s.width()).sum();
    let mut right = format!("  {right}");
    if left_w + right.chars().count() + grouping.chars().count() <= width as usize {
        right.push_str(&grouping);
    } else {
        right.push(' ');
    }
    let pad = (width as usize).saturating_sub(left_w + right.chars().count());
    spans.push(Span::raw(" ".repeat(pad)));
    spans.push(Span::styled(right, theme.style(Role::Muted)));
    Line::from(spans)
}

/// The labels that say where: service, job, instance (whichever are present), then the rest.
fn where_labels(labels: &Labels) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for k in ["service", "job", "instance"] {
        if let Some(v) = labels.get(k) {
            if !v.is_empty() && !parts.contains(&v.as_str()) {
                parts.push(v);
            }
        }
    }
    parts.join(" · ")
}

fn pad(s: &str, w: usize) -> String {
    let t = sanitize_trunc(s, w);
    let n = unicode_width::UnicodeWidthStr::width(t.as_str());
    format!("{t}{}", " ".repeat(w.saturating_sub(n)))
}

fn draw_list(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let a = &state.alerts;
    let block = Block::bordered().title(" alerts ").border_style(theme.style(Role::Border));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let h = inner.height as usize;
    let rows = &a.view.rows;
    if rows.is_empty() {
        let waiting = a.ams.iter().all(|m| !m.alerts.answered) && !a.prom_alerts.answered;
        let (text, role) = if waiting {
            ("waiting for the first answer…", Role::Muted)
        } else if a.view.total > 0 {
            ("no alert matches the filter (esc clears it)", Role::Muted)
        } else {
            ("nothing is firing", Role::Ok)
        };
        f.render_widget(Paragraph::new(Line::styled(format!(" {text}"), theme.style(role))), inner);
        return;
    }
    let offset = a.selected.saturating_sub(h / 2).min(rows.len().saturating_sub(h));
    let w = inner.width as usize;
    let multi = a.ams.len() > 1;
    // The name column is as wide as the longest name in sight (8 to 24 columns).
    let name_w = rows
        .iter()
        .skip(offset)
        .take(h)
        .filter_map(|r| match r {
            Row::Alert(k) => Some(a.view.alerts[*k].alert.name().chars().count()),
            Row::PendingAlert(k) => a.view.pending[*k].labels.get("alertname").map(|n| n.chars().count()),
            _ => None,
        })
        .max()
        .unwrap_or(8)
        .clamp(8, 24);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(h)
        .map(|(i, r)| {
            let line = match r {
                Row::Group { title, count, rank } => {
                    let sev_role =
                        a.settings.severity_order.get(*rank).map(|s| a.settings.role(s)).unwrap_or(Role::Text);
                    Line::from(vec![
                        Span::styled("▾ ", theme.style(sev_role)),
                        Span::styled(
                            sanitize_trunc(title, w.saturating_sub(10)),
                            theme.style(Role::Text).add_modifier(Modifier::BOLD),
                        ),
                        Span::styled(format!("  {count}"), theme.style(Role::Muted)),
                    ])
                }
                Row::Alert(k) => alert_line(&a.view.alerts[*k], a, state, theme, (w, name_w), multi),
                Row::Pending { count } => Line::styled(
                    format!("▾ pending: true but not yet for their `for` duration  {count}"),
                    theme.style(Role::Muted).add_modifier(Modifier::BOLD),
                ),
                Row::PendingAlert(k) => pending_line(&a.view.pending[*k], a, state, theme, (w, name_w)),
            };
            if i == a.selected {
                line.patch_style(Style::default().add_modifier(Modifier::REVERSED))
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

/// `widths` = (the row's width, the name column's width).
fn alert_line<'a>(
    s: &Shown,
    a: &AlertsState,
    state: &State,
    theme: &Theme,
    (w, name_w): (usize, usize),
    multi: bool,
) -> Line<'a> {
    let al = &s.alert;
    let sev = severity_style(a, theme, al.severity());
    let dim = s.suppressed();
    let text = if dim { theme.style(Role::Muted) } else { theme.style(Role::Text) };
    let is_new = !a.new_at.is_empty()
        && a.new_at.get(&crate::alerts::view::label_fingerprint(&al.labels)).is_some_and(|t| state.now_ms - t < 60_000);
    let mut spans = vec![
        Span::styled(if dim { "  ○ " } else { "  ● " }, sev),
        Span::styled(pad(al.severity(), 9), if dim { theme.style(Role::Muted) } else { sev }),
        Span::styled(pad(al.name(), name_w), text.add_modifier(Modifier::BOLD)),
        Span::raw(" "),
    ];
    let mut tail = vec![Span::styled(format!(" {:>6}", age(state.now_ms, al.starts_at_ms)), theme.style(Role::Muted))];
    if is_new {
        tail.insert(0, Span::styled(" NEW ", theme.style(Role::Critical).add_modifier(Modifier::REVERSED)));
    }
    if !al.silenced_by.is_empty() {
        tail.insert(0, Span::styled(" silenced", theme.style(Role::Muted)));
    } else if !al.inhibited_by.is_empty() {
        tail.insert(0, Span::styled(" inhibited", theme.style(Role::Muted)));
    }
    if multi {
        let n = a.ams.len();
        let by = s.reported_by.len();
        let role = if by < n { Role::Warn } else { Role::Muted };
        tail.push(Span::styled(format!(" {by}/{n}"), theme.style(role)));
    }
    let used: usize = spans.iter().chain(&tail).map(|s| s.width()).sum();
    let room = w.saturating_sub(used);
    let wl = where_labels(&al.labels);
    let summary = al.annotations.get("summary").map_or("", String::as_str);
    let mid = if wl.is_empty() {
        summary.to_string()
    } else if summary.is_empty() {
        wl
    } else {
        format!("{wl}  {summary}")
    };
    spans.push(Span::styled(pad(&mid, room), text));
    spans.extend(tail);
    Line::from(spans)
}

fn pending_line<'a>(
    p: &PromAlert,
    a: &AlertsState,
    state: &State,
    theme: &Theme,
    (w, name_w): (usize, usize),
) -> Line<'a> {
    let muted = theme.style(Role::Muted);
    let sev = p.labels.get("severity").map_or("", String::as_str);
    let name = p.labels.get("alertname").map_or("", String::as_str);
    let since = p.active_at_ms.map(|t| age(state.now_ms, t)).unwrap_or_default();
    let spans = vec![
        Span::styled("  ◌ ", severity_style(a, theme, sev).add_modifier(Modifier::DIM)),
        Span::styled(pad(sev, 9), muted),
        Span::styled(pad(name, name_w), muted),
        Span::raw(" "),
        Span::styled(pad(&where_labels(&p.labels), w.saturating_sub(4 + 9 + name_w + 1 + 14)), muted),
        Span::styled(format!(" pending {since:>5}"), muted),
    ];
    Line::from(spans)
}

fn kv<'a>(key: &str, value: String, theme: &Theme, role: Role) -> Line<'a> {
    Line::from(vec![
        Span::styled(format!("{key:<13}"), theme.style(Role::Muted)),
        Span::styled(value, theme.style(role)),
    ])
}

fn draw_detail(f: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let a = &state.alerts;
    let block = Block::bordered().title(" detail ").border_style(theme.style(Role::Border));
    let lines = if let Some(s) = a.selected_alert() {
        alert_detail(s, a, state, theme)
    } else if let Some(p) = a.selected_pending() {
        pending_detail(p, a, state, theme)
    } else {
        vec![Line::styled(" select an alert to see its labels, rule and silences", theme.style(Role::Muted))]
    };
    f.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), area);
}

fn rule_lines<'a>(labels: &Labels, a: &AlertsState, theme: &Theme, out: &mut Vec<Line<'a>>) {
    let probe = Alert {
        fingerprint: String::new(),
        labels: labels.clone(),
        annotations: Labels::new(),
        starts_at_ms: 0,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: crate::alerts::model::AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    };
    match a.rule_for(&probe) {
        Some((g, r)) => {
            let expr: String = r.query.split_whitespace().collect::<Vec<_>>().join(" ");
            out.push(kv("rule", sanitize(&expr).into_owned(), theme, Role::Info));
            let for_ = crate::ui::chrome::short_duration(std::time::Duration::from_secs_f64(r.for_s.max(0.0)));
            let health_role = if r.health == "err" { Role::Critical } else { Role::Muted };
            out.push(kv(
                "for",
                format!("{for_}   group {} ({}), health {}", sanitize(&g.name), sanitize(&g.file), sanitize(&r.health)),
                theme,
                health_role,
            ));
            if !r.last_error.is_empty() {
                out.push(kv("rule error", sanitize(&r.last_error).into_owned(), theme, Role::Critical));
            }
        }
        None if a.rules.data.is_some() => {
            out.push(kv("rule", "not found in Prometheus's rules".into(), theme, Role::Muted))
        }
        None => out.push(kv("rule", "rules not loaded yet".into(), theme, Role::Muted)),
    }
}

fn annotations<'a>(ann: &Labels, theme: &Theme, out: &mut Vec<Line<'a>>) {
    for (k, label, role) in [
        ("summary", "summary", Role::Text),
        ("description", "description", Role::Text),
        ("runbook", "runbook", Role::Accent),
        ("runbook_url", "runbook", Role::Accent),
    ] {
        if let Some(v) = ann.get(k) {
            out.push(kv(label, sanitize(v).into_owned(), theme, role));
        }
    }
    for (k, v) in
        ann.iter().filter(|(k, _)| !["summary", "description", "runbook", "runbook_url"].contains(&k.as_str()))
    {
        out.push(kv(&sanitize_trunc(k, 12), sanitize(v).into_owned(), theme, Role::Text));
    }
}

fn label_line<'a>(labels: &Labels, theme: &Theme) -> Line<'a> {
    let text: Vec<String> = labels.iter().map(|(k, v)| format!("{}={:?}", sanitize(k), sanitize(v).as_ref())).collect();
    kv("labels", text.join(" "), theme, Role::Text)
}

fn alert_detail<'a>(s: &Shown, a: &AlertsState, state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let al = &s.alert;
    let sev = severity_style(a, theme, al.severity());
    let state_word = if !al.silenced_by.is_empty() {
        "silenced"
    } else if !al.inhibited_by.is_empty() {
        "inhibited"
    } else {
        "firing"
    };
    let mut out = vec![Line::from(vec![
        Span::styled(sanitize(al.name()).into_owned(), theme.style(Role::Text).add_modifier(Modifier::BOLD)),
        Span::raw("  "),
        Span::styled(sanitize(al.severity()).into_owned(), sev),
        Span::raw("  "),
        Span::styled(state_word, if state_word == "firing" { sev } else { theme.style(Role::Muted) }),
    ])];
    annotations(&al.annotations, theme, &mut out);
    let mut started = format!("{} ({} ago)", clock_time(state, al.starts_at_ms), age(state.now_ms, al.starts_at_ms));
    if let Some(v) = &s.value {
        started.push_str(&format!("   value {}", value_text(v)));
    }
    out.push(kv("started", started, theme, Role::Text));
    rule_lines(&al.labels, a, theme, &mut out);
    for id in &al.silenced_by {
        let text = match a.silence(id) {
            Some(si) => format!(
                "{} by {}: \"{}\", ends {} (in {})",
                format_matchers(&si.matchers),
                si.created_by,
                si.comment,
                clock_time(state, si.ends_at_ms),
                age(si.ends_at_ms, state.now_ms)
            ),
            None => format!("silence {id}"),
        };
        out.push(kv("silenced by", sanitize(&text).into_owned(), theme, Role::Warn));
    }
    for fp in &al.inhibited_by {
        let by = a.view.alerts.iter().find(|o| &o.alert.fingerprint == fp).map(|o| {
            let wl = where_labels(&o.alert.labels);
            format!("{} {} ({fp})", o.alert.name(), wl)
        });
        out.push(kv("inhibited by", sanitize(&by.unwrap_or_else(|| fp.clone())).into_owned(), theme, Role::Warn));
    }
    if !s.reported_by.is_empty() {
        let names: Vec<&str> = s.reported_by.iter().filter_map(|i| a.ams.get(*i)).map(|m| m.name.as_str()).collect();
        let missing: Vec<&str> = a
            .ams
            .iter()
            .enumerate()
            .filter(|(i, _)| !s.reported_by.contains(i))
            .map(|(_, m)| m.name.as_str())
            .collect();
        let mut text = names.join(", ");
        if !missing.is_empty() {
            text.push_str(&format!("   not reported by {}", missing.join(", ")));
        }
        out.push(kv("reported by", text, theme, if missing.is_empty() { Role::Muted } else { Role::Warn }));
    } else {
        out.push(kv("reported by", "Prometheus (no Alertmanager answered)".into(), theme, Role::Warn));
    }
    if !al.receivers.is_empty() {
        out.push(kv("receivers", sanitize(&al.receivers.join(", ")).into_owned(), theme, Role::Muted));
    }
    if !al.generator_url.is_empty() {
        out.push(kv("source", sanitize(&al.generator_url).into_owned(), theme, Role::Muted));
    }
    out.push(label_line(&al.labels, theme));
    out.push(kv("fingerprint", sanitize(&al.fingerprint).into_owned(), theme, Role::Muted));
    out
}

fn pending_detail<'a>(p: &PromAlert, a: &AlertsState, state: &State, theme: &Theme) -> Vec<Line<'a>> {
    let sev = p.labels.get("severity").map_or("", String::as_str);
    let name = p.labels.get("alertname").map_or("", String::as_str);
    let mut out = vec![Line::from(vec![
        Span::styled(sanitize(name).into_owned(), theme.style(Role::Text).add_modifier(Modifier::BOLD)),
        Span::raw("  "),
        Span::styled(sanitize(sev).into_owned(), severity_style(a, theme, sev)),
        Span::styled("  pending", theme.style(Role::Muted)),
    ])];
    annotations(&p.annotations, theme, &mut out);
    if let Some(t) = p.active_at_ms {
        out.push(kv(
            "active since",
            format!("{} ({} ago)   value {}", clock_time(state, t), age(state.now_ms, t), value_text(&p.value)),
            theme,
            Role::Text,
        ));
    }
    rule_lines(&p.labels, a, theme, &mut out);
    out.push(label_line(&p.labels, theme));
    out
}
