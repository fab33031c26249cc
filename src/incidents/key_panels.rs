//! The key panels of an incident: which of the configured panels to show (those whose queries name
//! one of its services, else the first dashboard's first ones), the window around it, and their
//! values from Prometheus over that window.

use super::postmortem::{Chart, Line, Panels, SPARK_WIDTH};
use crate::action::FetchErrorKind;
use crate::config::{Dashboard, Panel};
use crate::sources::prometheus::{PromClient, QueryData, RangeParams};
use crate::variables::{expand, referenced, Binding, Macros};
use std::collections::BTreeMap;

/// At most this many panels are shown.
pub const MAX_PANELS: usize = 4;
/// At most this many series per panel.
pub const MAX_SERIES: usize = 8;
/// The window starts this long before the incident opened…
pub const BEFORE_MS: i64 = 10 * 60_000;
/// …and ends this long after it closed (never after now).
pub const AFTER_MS: i64 = 5 * 60_000;

/// A panel that can be drawn as a sparkline: a stat or timeseries panel with a Prometheus query.
fn drawable(p: &Panel) -> bool {
    p.kind.needs_range() && p.queries.iter().any(|q| q.scrape.is_none())
}

/// Whether `expr` names `word` as a whole token (`job="agente_negocio"`, `=~"agente_negocio|…"`).
fn mentions(expr: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    expr.match_indices(word).any(|(i, _)| {
        let before = expr[..i].chars().next_back();
        let after = expr[i + word.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// What a dashboard's variables stand for in an incident's key panels: a variable named `job` or
/// `service` (where the services come from) is the incident's services; any other multi-value or "All"
/// variable is all its values; a single-value one is its default. `None` when a query cannot be written
/// (a single-value variable without a default).
fn bind(d: &Dashboard, services: &[String]) -> BTreeMap<String, Binding> {
    d.variables
        .iter()
        .filter_map(|v| {
            let shaped = v.multi || v.include_all;
            let b = if matches!(v.name.as_str(), "job" | "service") && !services.is_empty() {
                Binding { values: services.to_vec(), all: false, all_value: None, regex_shaped: true }
            } else if shaped {
                Binding { values: Vec::new(), all: true, all_value: v.all_value.clone(), regex_shaped: true }
            } else {
                Binding { values: v.default.first().cloned().into_iter().collect(), ..Binding::default() }
            };
            (!b.values.is_empty() || b.all).then(|| (v.name.clone(), b))
        })
        .collect()
}

/// The panels to show for an incident touching `services`, their queries written out for the range
/// `r` (variables bound as [`bind`] says): the drawable panels of every dashboard whose queries name
/// one of them, in dashboard order; when none does, the first dashboard's first drawable panels. At
/// most [`MAX_PANELS`].
pub fn pick(dashboards: &[Dashboard], services: &[String], r: RangeParams) -> Vec<Panel> {
    let names = |expr: &str| services.iter().any(|s| mentions(expr, s));
    // Whether the dashboards know these services at all (a panel naming one); only then does a
    // `$job`/`$service` variable stand for them.
    let known = dashboards.iter().flat_map(|d| &d.panels).any(|p| p.queries.iter().any(|q| names(&q.expr)));
    let services: &[String] = if known { services } else { &[] };
    let written = |d: &Dashboard, p: &Panel| -> Option<Panel> {
        let vars = bind(d, services);
        let m = Macros { interval_s: r.step as f64, range_s: (r.end - r.start) as f64, scrape_s: 15.0 };
        let mut p = p.clone();
        for q in &mut p.queries {
            q.expr = expand(&q.expr, &vars, &m);
            if !referenced(&q.expr).iter().all(|n| d.variables.iter().all(|v| v.name != *n)) {
                return None;
            }
        }
        Some(p)
    };
    let relevant: Vec<Panel> = dashboards
        .iter()
        .flat_map(|d| d.panels.iter().filter(|p| drawable(p)).filter_map(move |p| written(d, p)))
        .filter(|p| p.queries.iter().any(|q| names(&q.expr)))
        .take(MAX_PANELS)
        .collect();
    if !relevant.is_empty() {
        return relevant;
    }
    dashboards.first().map_or_else(Vec::new, |d| {
        d.panels.iter().filter(|p| drawable(p)).filter_map(|p| written(d, p)).take(MAX_PANELS).collect()
    })
}

/// The range query around an incident: from [`BEFORE_MS`] before it opened to [`AFTER_MS`] after it
/// closed (to now while it is open, and never past now), with exactly one point per sparkline
/// character (the start moves back a little for a whole step).
pub fn window(opened_ms: i64, closed_ms: Option<i64>, now_ms: i64) -> RangeParams {
    let from = (opened_ms - BEFORE_MS).div_euclid(1000);
    let end = closed_ms.map_or(now_ms, |c| (c + AFTER_MS).min(now_ms)).div_euclid(1000).max(from + 60);
    let gaps = SPARK_WIDTH as i64 - 1;
    let step = ((end - from) + gaps - 1) / gaps;
    RangeParams { start: end - step * gaps, end, step }
}

/// "Prometheus at … did not answer: …", from a transport error's message.
pub fn did_not_answer(name: &str, message: &str) -> String {
    let rest = message.strip_prefix(name).unwrap_or(message);
    let rest = rest.trim_start_matches([':', ' ']);
    let rest = rest.strip_prefix("is unreachable: ").unwrap_or(rest);
    format!("{name} did not answer: {rest}")
}

fn points(data: QueryData, legend: Option<&str>, expr: &str) -> Vec<Line> {
    let name = |labels: &crate::sources::prometheus::Labels| crate::ui::series::legend(legend, labels, expr);
    match data {
        QueryData::Matrix { series } => series.into_iter().map(|s| (name(&s.labels), s.points)).collect(),
        QueryData::Vector { samples } => samples.into_iter().map(|s| (name(&s.labels), vec![(s.t, s.v)])).collect(),
        QueryData::Scalar { t, v } => vec![(name(&Default::default()), vec![(t, v)])],
        QueryData::String { .. } | QueryData::Logs { .. } => Vec::new(),
    }
}

/// The panels' values over `r`. A Prometheus that cannot be reached stops at the first query and
/// makes the whole section [`Panels::Unavailable`]; an error of one query (a bad expression) is that
/// panel's.
pub async fn fetch(client: &PromClient, panels: &[Panel], r: RangeParams) -> Panels {
    if panels.is_empty() {
        return Panels::NoPanels;
    }
    let mut charts = Vec::new();
    for p in panels {
        let mut series = Vec::new();
        let mut failed = None;
        for q in p.queries.iter().filter(|q| q.scrape.is_none()) {
            match client.query_range(&q.expr, r).await {
                Ok(data) => series.extend(points(data, q.legend.as_deref(), &q.expr)),
                Err(e) if matches!(e.kind, FetchErrorKind::Connect | FetchErrorKind::Timeout) => {
                    return Panels::Unavailable(did_not_answer(client.name(), &e.message));
                }
                Err(e) => {
                    failed.get_or_insert(e.message);
                }
            }
        }
        series.retain(|(_, pts)| !pts.is_empty());
        let more = series.len().saturating_sub(MAX_SERIES);
        series.truncate(MAX_SERIES);
        let series = match failed {
            Some(why) if series.is_empty() => Err(why),
            _ => Ok(series),
        };
        charts.push(Chart {
            title: p.title.clone(),
            unit: p.unit,
            decimals: p.decimals,
            min: p.min,
            max: p.max,
            series,
            more,
        });
    }
    Panels::Charts { start_s: r.start as f64, end_s: r.end as f64, step_s: r.step, charts }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_matched_whole() {
        assert!(mentions(r#"up{job="agente_negocio"}"#, "agente_negocio"));
        assert!(mentions(r#"up{job=~"a|agente_negocio"}"#, "agente_negocio"));
        assert!(!mentions(r#"up{job="agente_negocio_v2"}"#, "agente_negocio"));
        assert!(!mentions("up", ""));
    }

    #[test]
    fn the_demo_profile_picks_the_panels_of_the_service() {
        let c = crate::config::load_str("minimarket", crate::setup::DEMO_PROFILE).unwrap();
        let titles = |s: &[&str]| {
            let s: Vec<String> = s.iter().map(|x| x.to_string()).collect();
            let r = RangeParams { start: 0, end: 3600, step: 60 };
            pick(&c.dashboards, &s, r).iter().map(|p| p.title.clone()).collect::<Vec<_>>()
        };
        assert_eq!(
            titles(&["agente_negocio"]),
            ["Service Health", "Request Rate", "P95 Latency per Service"],
            "not the Error Rate gauge, which has no history to draw"
        );
        // The System dashboard's `$job` is the incident's service in its queries.
        let r = RangeParams { start: 0, end: 3600, step: 60 };
        let picked = pick(&c.dashboards, &["agente_negocio".to_string()], r);
        assert!(picked[1].queries[0].expr.contains(r#"job=~"agente_negocio""#), "{:?}", picked[1].queries);
        assert!(
            picked[1].queries[0].expr.contains("[1m15s]"),
            "$__rate_interval at a 60 s step: 60 + 15: {:?}",
            picked[1].queries
        );
        let first: Vec<String> =
            c.dashboards[0].panels.iter().filter(|p| drawable(p)).take(4).map(|p| p.title.clone()).collect();
        assert_eq!(titles(&["nothing_like_it"]), first, "the first dashboard's when no panel names it");
    }

    #[test]
    fn the_window_surrounds_the_incident_and_stops_at_now() {
        let (o, c) = (1_700_000_000_000, 1_700_000_720_000);
        let r = window(o, Some(c), c + 3_600_000);
        assert_eq!(r.end, 1_700_000_720 + 300);
        assert_eq!(r.step, 28, "1620 s over 59 gaps between 60 characters");
        assert_eq!(r.start, r.end - 59 * 28);
        assert!((1_700_000_000 - 600 - 59..=1_700_000_000 - 600).contains(&r.start), "{r:?}");
        let open = window(o, None, o + 60_000);
        assert_eq!(open.end, 1_700_000_060);
        let early = window(o, Some(c), c + 60_000);
        assert_eq!(early.end, 1_700_000_780, "never past now");
    }

    #[test]
    fn unreachable_reads_as_did_not_answer() {
        let n = "Prometheus at http://127.0.0.1:1/";
        assert_eq!(
            did_not_answer(n, "Prometheus at http://127.0.0.1:1/ is unreachable: Connection refused (os error 111)"),
            "Prometheus at http://127.0.0.1:1/ did not answer: Connection refused (os error 111)"
        );
        assert_eq!(
            did_not_answer(n, &format!("{n} timed out after 2s")),
            format!("{n} did not answer: timed out after 2s")
        );
    }
}
