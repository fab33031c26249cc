//! Where the panels go: Grafana's `gridPos` (the same 24-column grid centinela lays out), rows as
//! one-line title bars with the panels of collapsed rows flattened in place, and the old `rows: […]`
//! layout (panels with a `span` of 12 columns) turned into grid positions.

use super::value::{bool_of, list, num, num_of, str_of};
use super::{panel, Ctx};
use crate::config::{GridPos, Panel, PanelKind};
use serde_json::Value;

/// Grafana's grid rows are 30 px high; the old layout gave row heights in pixels.
const ROW_PX: f64 = 30.0;
/// Far below anything a dashboard has, far enough from `u16::MAX` that `y + h` cannot overflow.
const MAX_Y: f64 = 10_000.0;
const MAX_H: f64 = 200.0;
/// Rows inside rows (Grafana never writes them) are followed this deep, no deeper.
const MAX_DEPTH: usize = 4;

pub fn panels(dash: &Value, ctx: &mut Ctx) -> Vec<Panel> {
    let mut out = Vec::new();
    if dash.get("panels").is_some_and(Value::is_array) {
        let mut shift = 0.0;
        flatten(list(dash, "panels"), &mut shift, 0, &mut out, ctx);
    } else {
        legacy_rows(list(dash, "rows"), &mut out, ctx);
    }
    out
}

/// A `gridPos`, checked and fitted to the grid: `None` when there is none (placed automatically).
fn grid_pos(p: &Value, shift: f64, title: &str, ctx: &mut Ctx) -> Option<GridPos> {
    let g = p.get("gridPos")?;
    if !g.is_object() {
        ctx.note(title, "`gridPos` is not an object; placed automatically");
        return None;
    }
    let n = |k: &str| num_of(g, k);
    let (Some(x), Some(y), Some(w), Some(h)) = (n("x"), n("y"), n("w"), n("h")) else {
        ctx.note(title, "`gridPos` lacks a number among x, y, w, h; placed automatically");
        return None;
    };
    let w = w.round().clamp(1.0, 24.0);
    let x = x.round().clamp(0.0, 24.0 - w);
    let y = (y + shift).round().clamp(0.0, MAX_Y);
    let h = h.round().clamp(1.0, MAX_H);
    Some(GridPos { x: x as u16, y: y as u16, w: w as u16, h: h as u16 })
}

fn bottom(p: &Panel) -> f64 {
    p.pos.map_or(0.0, |g| (g.y + g.h) as f64)
}

/// Panels in order; a collapsed row's own `panels` are placed right below it and everything after
/// it moves down by their height (Grafana keeps their positions as if the row were open).
fn flatten(items: &[Value], shift: &mut f64, depth: usize, out: &mut Vec<Panel>, ctx: &mut Ctx) {
    for p in items {
        if !p.is_object() {
            ctx.dash_note("a panel entry is not an object; left out");
            continue;
        }
        if str_of(p, "type") != Some("row") {
            let title = panel::title(p, ctx);
            let pos = grid_pos(p, *shift, &title, ctx);
            out.push(panel::convert(p, title, pos, ctx));
            continue;
        }
        let title = str_of(p, "title").map(str::trim).unwrap_or("");
        let pos = grid_pos(p, *shift, title, ctx);
        let row_bottom = pos.map_or_else(|| out.iter().map(bottom).fold(0.0, f64::max), |g| g.y as f64 + 1.0);
        if !title.is_empty() {
            let bar =
                GridPos { x: 0, w: 24, h: 1, ..pos.unwrap_or(GridPos { x: 0, y: row_bottom as u16, w: 24, h: 1 }) };
            out.push(Panel { pos: Some(bar), ..row_panel(title) });
        }
        if let Some(var) = str_of(p, "repeat").filter(|r| !r.is_empty()) {
            ctx.note(title, format!("row repeated per value of `${var}` in Grafana; shown once"));
        }
        let nested = list(p, "panels");
        if nested.is_empty() {
            continue;
        }
        if depth >= MAX_DEPTH {
            ctx.note(title, format!("rows nested deeper than {MAX_DEPTH}; their panels left out"));
            continue;
        }
        if !bool_of(p, "collapsed") {
            ctx.note(title, "an open row also lists panels of its own; they are shown below it");
        }
        // Lay the nested panels out from just below the row bar.
        let ys: Vec<f64> =
            nested.iter().filter_map(|n| n.get("gridPos")).filter_map(|g| g.get("y")).filter_map(num).collect();
        let top = ys.iter().copied().fold(f64::INFINITY, f64::min);
        let mut inner_shift = if top.is_finite() { row_bottom - top } else { row_bottom };
        let start = out.len();
        flatten(nested, &mut inner_shift, depth + 1, out, ctx);
        let block = out[start..].iter().map(bottom).fold(row_bottom, f64::max) - row_bottom;
        *shift = (*shift + block).min(MAX_Y);
    }
}

fn row_panel(title: &str) -> Panel {
    Panel::new(title, PanelKind::Row)
}

/// Schema ≤ 16: `rows: [{title, showTitle, collapse, height: "250px", panels: [{span: 6, …}]}]`.
fn legacy_rows(rows: &[Value], out: &mut Vec<Panel>, ctx: &mut Ctx) {
    let mut y = 0.0;
    for row in rows {
        let title = str_of(row, "title").map(str::trim).unwrap_or("");
        if bool_of(row, "showTitle") && !title.is_empty() {
            out.push(Panel { pos: Some(GridPos { x: 0, y: y as u16, w: 24, h: 1 }), ..row_panel(title) });
            y += 1.0;
        }
        if bool_of(row, "collapse") {
            ctx.note(title, "a collapsed row in Grafana; its panels are shown open");
        }
        let row_h = px(row.get("height")).unwrap_or(8.0);
        let mut x = 0.0;
        let mut line_h: f64 = 0.0;
        for p in list(row, "panels") {
            if !p.is_object() {
                ctx.dash_note("a panel entry is not an object; left out");
                continue;
            }
            let w = (num_of(p, "span").unwrap_or(12.0) * 2.0).round().clamp(1.0, 24.0);
            let h = px(p.get("height")).unwrap_or(row_h);
            if x + w > 24.0 {
                x = 0.0;
                y += line_h;
                line_h = 0.0;
            }
            let pos = GridPos { x: x as u16, y: y.min(MAX_Y) as u16, w: w as u16, h: h as u16 };
            let title = panel::title(p, ctx);
            out.push(panel::convert(p, title, Some(pos), ctx));
            x += w;
            line_h = line_h.max(h);
        }
        y = (y + line_h).min(MAX_Y);
    }
}

/// `"250px"`, `250` or `"250"` pixels as grid rows.
fn px(v: Option<&Value>) -> Option<f64> {
    let v = v?;
    let n = match v {
        Value::String(s) => s.trim().trim_end_matches("px").trim().parse::<f64>().ok(),
        other => num(other),
    }?;
    n.is_finite().then(|| (n / ROW_PX).round().clamp(1.0, MAX_H))
}
