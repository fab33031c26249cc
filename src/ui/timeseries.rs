//! Time series: a braille line chart (half blocks in low-bandwidth mode) over the dashboard's time range, with a legend of latest values.

use super::panel::value_role;
use super::series::{show, Named};
use crate::config::Panel;
use crate::sanitize::sanitize_trunc;
use crate::state::State;
use crate::theme::{Role, Theme};
use chrono::{DateTime, Local, Utc};
use ratatui::layout::Rect;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph};
use ratatui::Frame;

fn time_label(t: f64, utc: bool, long: bool) -> String {
    let dt = DateTime::<Utc>::from_timestamp(t as i64, 0).unwrap_or_default();
    let fmt = if long { "%d %b %H:%M" } else { "%H:%M" };
    if utc {
        dt.format(fmt).to_string()
    } else {
        dt.with_timezone(&Local).format(fmt).to_string()
    }
}

type Point = (f64, f64);
/// One column being decimated: its index, lowest and highest point.
type Column = (i64, Point, Point);

/// At most two points per braille column: the lowest and the highest of the column, in time order.
/// A chart cannot draw more, and min/max (not averages) keep every spike and dip visible.
pub fn decimate(points: Vec<(f64, f64)>, start: f64, end: f64, columns: usize) -> Vec<(f64, f64)> {
    if points.len() <= columns * 2 || columns == 0 || end <= start {
        return points;
    }
    let width = (end - start) / columns as f64;
    let mut out = Vec::with_capacity(columns * 2);
    let mut bucket: Option<Column> = None;
    let flush = |out: &mut Vec<Point>, (_, lo, hi): Column| {
        let (a, b) = if lo.0 <= hi.0 { (lo, hi) } else { (hi, lo) };
        out.push(a);
        if b != a {
            out.push(b);
        }
    };
    for p in points {
        let b = ((p.0 - start) / width).floor() as i64;
        match &mut bucket {
            Some((cur, lo, hi)) if *cur == b => {
                if p.1 < lo.1 {
                    *lo = p;
                }
                if p.1 > hi.1 {
                    *hi = p;
                }
            }
            _ => {
                if let Some(done) = bucket.take() {
                    flush(&mut out, done);
                }
                bucket = Some((b, p, p));
            }
        }
    }
    if let Some(done) = bucket {
        flush(&mut out, done);
    }
    out
}

/// The smallest "nice" number (1, 2, 2.5 or 5 times a power of ten) at or above `v` (v > 0).
pub fn nice_ceil(v: f64) -> f64 {
    let p = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * p).find(|c| *c >= v * (1.0 - 1e-12)).unwrap_or(10.0 * p)
}

/// Lower and upper bounds of the y axis: the configured ones, else from the data.
///
/// Non-negative data starts at zero and the top is rounded up to a nice number, so a steady series
/// is drawn as a steady line (an axis fitted to min..max would blow noise in the fourth digit up to
/// the full panel height) and the axis only moves when the data really does.
pub fn y_bounds(spec: &Panel, series: &[Vec<(f64, f64)>]) -> (f64, f64) {
    let mut lo = f64::INFINITY;
    let mut hi = f64::NEG_INFINITY;
    for s in series {
        for &(_, v) in s {
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    if !lo.is_finite() || !hi.is_finite() {
        lo = 0.0;
        hi = 1.0;
    }
    let (lo, hi) = if lo >= 0.0 {
        (0.0, if hi > 0.0 { nice_ceil(hi * 1.05) } else { 1.0 })
    } else {
        let span = nice_ceil((hi - lo).max(hi.abs().max(lo.abs()) * 0.1).max(f64::MIN_POSITIVE));
        let step = span / 10.0;
        ((lo / step).floor() * step, (hi / step).ceil() * step + if hi == lo { step } else { 0.0 })
    };
    let lo = spec.min.unwrap_or(lo);
    (lo, spec.max.unwrap_or(hi).max(lo + f64::EPSILON))
}

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, all: &[Named], state: &State, theme: &Theme) {
    // The query's own aligned window (panel width = this area plus its two borders).
    let (start, end) = crate::sources::prometheus::chart_window(
        state.now_ms.div_euclid(1000),
        state.range(),
        crate::update::chart_cells(area.width + 2, state.low_bandwidth),
        crate::update::MIN_STEP_S,
    );
    // Legend lines: one per series, at most a third of the height; none when the panel is tiny.
    let legend_n = if area.height >= 6 { all.len().min((area.height / 3) as usize).max(1) } else { 0 };
    let chart = Rect { height: area.height - legend_n as u16, ..area };
    let legend = Rect { y: area.y + chart.height, height: legend_n as u16, ..area };

    let data: Vec<Vec<(f64, f64)>> = all
        .iter()
        .map(|s| {
            s.points.iter().copied().filter(|(t, v)| v.is_finite() && *t >= start - 1.0 && *t <= end + 1.0).collect()
        })
        .collect();
    let (lo, hi) = y_bounds(spec, &data);
    // Low bandwidth: half blocks (one of `▀▄█` per cell), which every terminal font has, not braille.
    let marker = match (theme.no_color, state.low_bandwidth) {
        (true, _) => Marker::Dot,
        (false, true) => Marker::HalfBlock,
        (false, false) => Marker::Braille,
    };
    let datasets: Vec<Dataset> = data
        .iter()
        .enumerate()
        .map(|(i, pts)| Dataset::default().marker(marker).graph_type(GraphType::Line).style(theme.series(i)).data(pts))
        .collect();
    let long = state.range().as_secs() > 86400;
    let muted = theme.style(Role::Muted);
    // Narrow charts keep their width for the lines: bare numbers on the axis, units in the legend.
    let axis =
        |v: f64| if area.width < 60 { crate::units::format(v, crate::units::Unit::Short, None) } else { show(spec, v) };
    let y_labels =
        vec![Span::styled(axis(lo), muted), Span::styled(axis((lo + hi) / 2.0), muted), Span::styled(axis(hi), muted)];
    let x_labels = if chart.width > 30 {
        vec![
            Span::styled(time_label(start, state.utc, long), muted),
            Span::styled(time_label((start + end) / 2.0, state.utc, long), muted),
            Span::styled(time_label(end, state.utc, long), muted),
        ]
    } else {
        vec![
            Span::styled(time_label(start, state.utc, long), muted),
            Span::styled(time_label(end, state.utc, long), muted),
        ]
    };
    if chart.height >= 3 {
        let widget = Chart::new(datasets)
            .x_axis(Axis::default().bounds([start, end]).labels(x_labels).style(muted))
            .y_axis(Axis::default().bounds([lo, hi]).labels(y_labels).style(muted))
            .legend_position(None);
        f.render_widget(widget, chart);
    }

    // Legend: series colour, name, latest value coloured by threshold.
    let w = legend.width as usize;
    let lines: Vec<Line> = all
        .iter()
        .enumerate()
        .take(legend_n)
        .map(|(i, s)| {
            let value = s.last().map(|v| show(spec, v)).unwrap_or_else(|| "–".into());
            let role = s.last().map(|v| value_role(spec, v)).unwrap_or(Role::Muted);
            // The "(+N)" marker of the last row (N more series) takes its room from the name, never from
            // the value; in brackets, so "+2" never reads as part of a value beside it ("+2 0 req/s").
            let more = if i + 1 == legend_n && all.len() > legend_n {
                format!(" (+{})", all.len() - legend_n)
            } else {
                String::new()
            };
            let more_w = more.chars().count();
            let name_w = w.saturating_sub(value.chars().count() + 4 + more_w);
            let name = sanitize_trunc(&s.name, name_w);
            let pad = w.saturating_sub(
                2 + unicode_width::UnicodeWidthStr::width(name.as_str()) + value.chars().count() + 1 + more_w,
            );
            Line::from(vec![
                Span::styled("━ ", theme.series(i)),
                Span::raw(name),
                Span::styled(more.clone(), muted),
                Span::raw(" ".repeat(pad)),
                Span::styled(value, theme.style(role)),
            ])
        })
        .collect();
    f.render_widget(Paragraph::new(lines), legend);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn panel() -> Panel {
        toml::from_str("title = \"t\"\nkind = \"timeseries\"\nquery = [{ expr = \"x\" }]").unwrap()
    }

    #[test]
    fn nice_numbers() {
        assert_eq!(nice_ceil(0.7), 1.0);
        assert_eq!(nice_ceil(1.3), 2.0);
        assert_eq!(nice_ceil(2.2), 2.5);
        assert_eq!(nice_ceil(41.0), 50.0);
        assert_eq!(nice_ceil(100.0), 100.0);
    }

    #[test]
    fn decimation_keeps_spikes_and_bounds_the_points() {
        let pts: Vec<(f64, f64)> = (0..10_000).map(|i| (i as f64, if i == 5_003 { 900.0 } else { 1.0 })).collect();
        let d = decimate(pts.clone(), 0.0, 10_000.0, 100);
        assert!(d.len() <= 200, "{}", d.len());
        assert!(d.contains(&(5_003.0, 900.0)), "the spike survives");
        assert!(d.windows(2).all(|w| w[0].0 < w[1].0), "time order is kept");
        let few: Vec<(f64, f64)> = pts.into_iter().take(50).collect();
        assert_eq!(decimate(few.clone(), 0.0, 10_000.0, 100), few, "nothing to drop");
    }

    #[test]
    fn a_steady_series_is_a_steady_line() {
        let p = panel();
        let a = y_bounds(&p, &[vec![(0.0, 39.71), (1.0, 39.72)]]);
        let b = y_bounds(&p, &[vec![(0.0, 39.70), (1.0, 39.74)]]);
        assert_eq!(a, (0.0, 50.0));
        assert_eq!(a, b, "noise in the 4th digit does not move the axis");
        let (lo, hi) = y_bounds(&p, &[vec![(0.0, -3.0), (1.0, 4.0)]]);
        assert!(lo <= -3.0 && hi >= 4.0);
        let mut fixed = panel();
        fixed.min = Some(95.0);
        fixed.max = Some(100.0);
        assert_eq!(y_bounds(&fixed, &[vec![(0.0, 99.9)]]), (95.0, 100.0));
    }
}
