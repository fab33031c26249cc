//! Layout: where the header, body and status line go, and where each panel sits in the body.
//! Pure functions of the area and the dashboard, shared by render and by `update` (which needs each
//! panel's width to choose the query step, and the geometry for arrow-key focus).

use crate::config::{Dashboard, GridPos};
use ratatui::layout::Rect;

/// The screen split: header (1 line), body, status line (1 line).
pub struct Screen {
    pub header: Rect,
    pub body: Rect,
    pub status: Rect,
}

pub fn screen(area: Rect) -> Screen {
    let h = area.height;
    let header = Rect { height: h.min(1), ..area };
    let status = Rect { y: area.y + h.saturating_sub(1), height: h.saturating_sub(1).min(1), ..area };
    let body = Rect { y: area.y + 1, height: h.saturating_sub(2), ..area };
    Screen { header, body, status }
}

/// Grid positions for every panel: the configured ones, and a two-column flow for panels without.
pub fn grid(d: &Dashboard) -> Vec<GridPos> {
    let mut out = Vec::with_capacity(d.panels.len());
    let mut flow_y = d.panels.iter().filter_map(|p| p.pos).map(|p| p.y + p.h).max().unwrap_or(0);
    let mut flow_x = 0;
    for p in &d.panels {
        match p.pos {
            Some(pos) => out.push(pos),
            None => {
                out.push(GridPos { x: flow_x, y: flow_y, w: 12, h: 8 });
                flow_x += 12;
                if flow_x >= 24 {
                    flow_x = 0;
                    flow_y += 8;
                }
            }
        }
    }
    out
}

/// The rectangle of every panel inside `body`. Columns split the width in 24ths and rows split the
/// height in proportion to the grid height, so a Grafana layout keeps its shape at any size.
pub fn panel_rects(d: &Dashboard, body: Rect) -> Vec<Rect> {
    let g = grid(d);
    let total_h = g.iter().map(|p| p.y + p.h).max().unwrap_or(1).max(1) as u32;
    let bw = body.width as u32;
    let bh = body.height as u32;
    let col = |x: u16| body.x + ((x.min(24) as u32 * bw) / 24) as u16;
    let row = |y: u16| body.y + ((y as u32 * bh) / total_h) as u16;
    g.iter()
        .map(|p| {
            let x0 = col(p.x);
            let x1 = col((p.x + p.w).min(24));
            let y0 = row(p.y);
            let y1 = row(p.y + p.h);
            Rect { x: x0, y: y0, width: x1.saturating_sub(x0), height: y1.saturating_sub(y0) }
        })
        .collect()
}

/// The panel nearest to `from` in a direction (dx, dy), by the centre of its rectangle.
pub fn neighbour(rects: &[Rect], from: usize, dx: i32, dy: i32) -> Option<usize> {
    let c = |r: &Rect| (r.x as i32 * 2 + r.width as i32, r.y as i32 * 2 + r.height as i32);
    let (fx, fy) = c(rects.get(from)?);
    rects
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != from)
        .filter_map(|(i, r)| {
            let (x, y) = c(r);
            let (ddx, ddy) = (x - fx, y - fy);
            // Must lie in the asked direction; prefer small distance along it and small drift across.
            let along = ddx * dx + ddy * dy;
            if along <= 0 {
                return None;
            }
            let across = (ddx * dy).abs() + (ddy * dx).abs();
            Some((along + 2 * across, i))
        })
        .min()
        .map(|(_, i)| i)
}

/// A box for `lines` (plus its border) in `area`: as wide as the widest line and as tall as the lines,
/// both capped by the area, centred across and a third of the way down.
pub fn popup_for(area: Rect, lines: &[ratatui::text::Line]) -> Rect {
    let content_w = lines.iter().map(ratatui::text::Line::width).max().unwrap_or(20) + 3;
    let width = (content_w as u16).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height.saturating_sub(height)) / 3, width, height }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rect(x: u16, y: u16, w: u16, h: u16) -> Rect {
        Rect { x, y, width: w, height: h }
    }

    #[test]
    fn arrow_focus_moves_to_the_obvious_neighbour() {
        // [0][1]
        // [2   ]
        let r = [rect(0, 0, 10, 5), rect(10, 0, 10, 5), rect(0, 5, 20, 5)];
        assert_eq!(neighbour(&r, 0, 1, 0), Some(1));
        assert_eq!(neighbour(&r, 1, -1, 0), Some(0));
        assert_eq!(neighbour(&r, 0, 0, 1), Some(2));
        assert_eq!(neighbour(&r, 2, 0, -1), Some(0));
        assert_eq!(neighbour(&r, 0, -1, 0), None);
    }
}
