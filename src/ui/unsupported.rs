//! An `unsupported` panel: a box that names what could not be drawn and why (an imported Grafana panel
//! of a type with no terminal equivalent, a datasource centinela does not read…), so nothing is
//! dropped silently.

use crate::config::Panel;
use crate::sanitize::sanitize;
use crate::theme::{Role, Theme};
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

pub fn draw(f: &mut Frame, area: Rect, spec: &Panel, theme: &Theme, focused: bool) {
    let reason = spec.reason.as_deref().unwrap_or("no reason given");
    let line = Line::styled(format!("unsupported: {}", sanitize(reason)), theme.style(Role::Muted));
    super::text::boxed(f, area, spec, vec![line], theme, focused);
}
