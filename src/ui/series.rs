//! Turning query results into named series for drawing: legends, values, value mappings.

use crate::config::Panel;
use crate::sanitize::sanitize;
use crate::sources::prometheus::{Labels, QueryData};
use crate::state::PanelState;
use crate::units;
use std::borrow::Cow;

/// One line of a panel: a name and its points, borrowed from the state (render runs every frame and
/// must not copy thousands of points to draw them).
#[derive(Debug, Clone)]
pub struct Named<'a> {
    pub name: String,
    /// (unix seconds, value); a single point for instant results.
    pub points: Cow<'a, [(f64, f64)]>,
}

impl Named<'_> {
    /// The latest finite value, else the latest value (so NaN/Inf still show as such).
    pub fn last(&self) -> Option<f64> {
        self.points.iter().rev().map(|p| p.1).find(|v| v.is_finite()).or(self.points.last().map(|p| p.1))
    }
}

/// Expand a legend template: `{{label}}` (spaces allowed inside the braces) becomes the label's value.
pub fn legend(template: Option<&str>, labels: &Labels, expr: &str) -> String {
    let Some(t) = template.filter(|t| !t.trim().is_empty()) else {
        return default_name(labels, expr);
    };
    let mut out = String::with_capacity(t.len());
    let mut rest = t;
    while let Some(open) = rest.find("{{") {
        out.push_str(&rest[..open]);
        let after = &rest[open + 2..];
        match after.find("}}") {
            Some(close) => {
                let name = after[..close].trim();
                out.push_str(labels.get(name).map(String::as_str).unwrap_or(""));
                rest = &after[close + 2..];
            }
            None => {
                out.push_str(&rest[open..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    sanitize(out.trim()).into_owned()
}

fn default_name(labels: &Labels, expr: &str) -> String {
    let name = labels.get("__name__").cloned().unwrap_or_default();
    let rest: Vec<String> =
        labels.iter().filter(|(k, _)| *k != "__name__").map(|(k, v)| format!("{k}=\"{v}\"")).collect();
    let s = match (name.is_empty(), rest.is_empty()) {
        (true, true) => expr.to_string(),
        (false, true) => name,
        (_, false) => format!("{name}{{{}}}", rest.join(", ")),
    };
    sanitize(&s).into_owned()
}

/// All series of a panel, across its queries, in query order.
pub fn collect<'a>(spec: &Panel, state: &'a PanelState) -> Vec<Named<'a>> {
    let mut out = Vec::new();
    for (q, qs) in spec.queries.iter().zip(&state.queries) {
        let Some((data, _)) = qs.slot.data() else { continue };
        match data {
            QueryData::Matrix { series } => {
                for s in series {
                    out.push(Named {
                        name: legend(q.legend.as_deref(), &s.labels, &q.expr),
                        points: Cow::Borrowed(&s.points),
                    });
                }
            }
            QueryData::Vector { samples } => {
                for s in samples {
                    out.push(Named {
                        name: legend(q.legend.as_deref(), &s.labels, &q.expr),
                        points: Cow::Owned(vec![(s.t, s.v)]),
                    });
                }
            }
            QueryData::Scalar { t, v } => out.push(Named {
                name: legend(q.legend.as_deref(), &Labels::new(), &q.expr),
                points: Cow::Owned(vec![(*t, *v)]),
            }),
            QueryData::String { t, v } => {
                out.push(Named { name: sanitize(v).into_owned(), points: Cow::Owned(vec![(*t, f64::NAN)]) })
            }
            // Drawn by the logs panel, not as series.
            QueryData::Logs { .. } => {}
        }
    }
    out
}

/// A value as the panel shows it: a value mapping when one matches, else formatted in the unit.
pub fn show(spec: &Panel, v: f64) -> String {
    if !spec.mappings.is_empty() {
        let raw = units::format(v, units::Unit::Short, Some(0));
        let key = if v.is_finite() && v.fract() == 0.0 { format!("{v}") } else { raw };
        if let Some(m) = spec.mappings.get(&key) {
            return sanitize(m).into_owned();
        }
    }
    units::format(v, spec.unit, spec.decimals)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(kv: &[(&str, &str)]) -> Labels {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn legend_templates() {
        let l = labels(&[("job", "ml_service"), ("le", "0.5")]);
        assert_eq!(legend(Some("{{job}} P95"), &l, "x"), "ml_service P95");
        assert_eq!(legend(Some("{{ job }}"), &l, "x"), "ml_service");
        assert_eq!(legend(Some("{{missing}} x"), &l, "x"), "x");
        assert_eq!(legend(Some("{{unclosed"), &l, "x"), "{{unclosed");
        assert_eq!(legend(None, &labels(&[("__name__", "up"), ("job", "a")]), "up"), "up{job=\"a\"}");
        assert_eq!(legend(None, &Labels::new(), "sum(up)"), "sum(up)");
        assert_eq!(legend(Some("{{job}}"), &labels(&[("job", "\x1b[2Jevil")]), "x"), "␛[2Jevil");
    }
}
