//! One Grafana panel (not a row) as a centinela [`Panel`]: its kind, its targets as queries, its
//! value display. What cannot be drawn becomes an `unsupported` panel saying why.

use super::datasource::Ds;
use super::value::{bool_of, list, str_of};
use super::{field, Ctx};
use crate::config::{GridPos, Panel, PanelKind, Query};
use serde_json::Value;

/// The centinela kind of a Grafana panel type, or why there is none.
fn kind(t: &str) -> Result<PanelKind, String> {
    Ok(match t {
        "timeseries" | "graph" => PanelKind::Timeseries,
        "stat" | "singlestat" | "grafana-singlestat-panel" => PanelKind::Stat,
        "gauge" | "bargauge" => PanelKind::Gauge,
        "table" | "table-old" => PanelKind::Table,
        "piechart" | "grafana-piechart-panel" | "barchart" => PanelKind::Bar,
        "logs" => PanelKind::Logs,
        "text" => PanelKind::Text,
        "alertlist" | "annolist" => return Err("centinela's alerts view (key A) shows the alerts".into()),
        "dashlist" | "news" | "welcome" | "gettingstarted" | "nodeGraph" | "traces" | "flamegraph" | "geomap"
        | "canvas" | "heatmap" | "histogram" | "state-timeline" | "status-history" | "xychart" | "candlestick"
        | "trend" | "datagrid" => return Err("no terminal equivalent".into()),
        "" => return Err("the panel has no type".into()),
        _ => return Err("a plugin centinela does not know".into()),
    })
}

fn unsupported(title: String, pos: Option<GridPos>, reason: String) -> Panel {
    blank(title, PanelKind::Unsupported, pos, None, Some(reason))
}

fn blank(
    title: String,
    kind: PanelKind,
    pos: Option<GridPos>,
    content: Option<String>,
    reason: Option<String>,
) -> Panel {
    Panel { pos, content, reason, ..Panel::new(title, kind) }
}

/// The title shown for panel `p`: its own, else its type (and a note).
pub fn title(p: &Value, ctx: &mut Ctx) -> String {
    match str_of(p, "title").map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => t.to_string(),
        None => {
            let t = format!("({})", str_of(p, "type").unwrap_or("panel"));
            ctx.note(&t, "the panel has no title; named after its type");
            t
        }
    }
}

/// Panel `p`, titled `title` (from [`title`]), at `pos`.
pub fn convert(p: &Value, title: String, pos: Option<GridPos>, ctx: &mut Ctx) -> Panel {
    if let Some(lib) = p.get("libraryPanel").filter(|_| p.get("type").is_none()) {
        let name = str_of(lib, "name").or_else(|| str_of(lib, "uid")).unwrap_or("?");
        let reason = format!(
            "library panel `{name}` (its definition lives in Grafana; export with \"Export for sharing externally\" to inline it)"
        );
        ctx.note(&title, format!("unsupported: {reason}"));
        return unsupported(title, pos, reason);
    }
    let ty = str_of(p, "type").unwrap_or("");
    let mut kind = match kind(ty) {
        Ok(k) => k,
        Err(why) => {
            let reason = format!("panel type `{ty}` ({why})");
            ctx.note(&title, format!("unsupported: {reason}"));
            return unsupported(title, pos, reason);
        }
    };
    if let Some(var) = str_of(p, "repeat").filter(|r| !r.is_empty()) {
        ctx.note(&title, format!("repeated per value of `${var}` in Grafana; shown once, for the whole selection"));
    }
    if kind == PanelKind::Text {
        let opts = p.get("options").unwrap_or(&Value::Null);
        let content = str_of(opts, "content").or_else(|| str_of(p, "content")).unwrap_or("").to_string();
        if str_of(opts, "mode").or_else(|| str_of(p, "mode")) == Some("html") {
            ctx.note(&title, "HTML text shown as plain text (tags taken out)");
        }
        if content.trim().is_empty() {
            ctx.note(&title, "empty text panel; shown as an empty box");
        }
        return blank(title, kind, pos, Some(content), None);
    }
    if ty == "piechart" || ty == "grafana-piechart-panel" {
        ctx.note(&title, "pie chart drawn as a bar chart (one bar per series)");
    }
    let panel_ds = ctx.ds.resolve(p.get("datasource"));
    let (queries, why_none) = match targets(p, &title, kind, panel_ds.clone(), ctx) {
        Ok(q) => (q, None),
        Err(why) => (Vec::new(), Some(why)),
    };
    // A table or graph of Loki log lines is a logs panel here.
    if queries.is_empty() {
        if let Some(logs) = loki_logs(p, panel_ds, ctx) {
            if kind != PanelKind::Logs {
                ctx.note(&title, format!("Loki log lines shown as a logs panel (was `{ty}`)"));
            }
            kind = PanelKind::Logs;
            let f = field::convert(p, &title, ctx);
            return Panel { unit: f.unit, ..blank_with(title, kind, pos, logs) };
        }
    }
    if queries.is_empty() {
        let reason = why_none.unwrap_or_else(|| "no query centinela can run".into());
        ctx.note(&title, format!("unsupported: {reason}"));
        return unsupported(title, pos, reason);
    }
    let f = field::convert(p, &title, ctx);
    let (mut min, mut max) = (f.min, f.max);
    if let (Some(lo), Some(hi)) = (min, max) {
        if lo >= hi {
            ctx.note(&title, format!("min {lo} is not below max {hi}; both left to the default"));
            (min, max) = (None, None);
        }
    }
    if kind == PanelKind::Gauge && min.is_some() != max.is_some() {
        ctx.note(&title, "only one of min and max is set; the gauge uses its default range 0–100");
        (min, max) = (None, None);
    }
    Panel {
        unit: f.unit,
        decimals: f.decimals,
        min,
        max,
        thresholds: f.thresholds,
        mappings: f.mappings,
        ..blank_with(title, kind, pos, queries)
    }
}

fn blank_with(title: String, kind: PanelKind, pos: Option<GridPos>, queries: Vec<Query>) -> Panel {
    Panel { queries, ..blank(title, kind, pos, None, None) }
}

/// The panel's Prometheus targets (for a logs panel: its Loki ones), or why there are none.
fn targets(p: &Value, title: &str, kind: PanelKind, panel_ds: Option<Ds>, ctx: &mut Ctx) -> Result<Vec<Query>, String> {
    let targets = match p.get("targets") {
        None | Some(Value::Null) => return Err("the panel has no targets (queries)".into()),
        Some(Value::Array(t)) => t,
        Some(_) => return Err("`targets` is not a list".into()),
    };
    let want = if kind == PanelKind::Logs { Ds::Loki } else { Ds::Prometheus };
    let mut out = Vec::new();
    let mut why = Vec::new();
    for (i, t) in targets.iter().enumerate() {
        let ref_id = str_of(t, "refId").map_or_else(|| format!("#{}", i + 1), str::to_string);
        if !t.is_object() {
            why.push(format!("target {ref_id} is not an object"));
            continue;
        }
        let ds = ctx.ds.resolve(t.get("datasource")).filter(|d| *d != Ds::Mixed);
        let ds = ds.or_else(|| panel_ds.clone().filter(|d| *d != Ds::Mixed)).unwrap_or(Ds::Prometheus);
        if bool_of(t, "hide") {
            ctx.note(title, format!("target {ref_id} is hidden in Grafana; left out"));
            continue;
        }
        // Loki log lines outside a logs panel: `loki_logs` makes it one.
        let log_lines = ds == Ds::Loki && str_of(t, "expr").is_some_and(|e| e.trim_start().starts_with('{'));
        if ds != want && log_lines {
            why.push("Loki log lines".into());
            continue;
        }
        if ds != want {
            let what = match &ds {
                Ds::Other(name) => format!("datasource `{name}` is neither Prometheus nor Loki"),
                Ds::Loki => "Loki metric queries are not drawn (centinela reads Loki in logs panels)".into(),
                _ => "a logs panel reads Loki, not Prometheus".into(),
            };
            ctx.note(title, format!("target {ref_id} left out: {what}"));
            why.push(what);
            continue;
        }
        let Some(expr) = str_of(t, "expr").map(str::trim).filter(|e| !e.is_empty()) else {
            ctx.note(title, format!("target {ref_id} has no `expr`; left out"));
            why.push(format!("target {ref_id} has no `expr`"));
            continue;
        };
        if let Some(why) = (want == Ds::Prometheus).then(|| super::promql::mistake(expr)).flatten() {
            ctx.note(title, format!("target {ref_id}: Prometheus will refuse this expression (kept as it is): {why}"));
        }
        let legend = str_of(t, "legendFormat").map(str::trim).filter(|l| !l.is_empty() && *l != "__auto");
        out.push(Query { expr: expr.to_string(), legend: legend.map(str::to_string), scrape: None });
    }
    if out.is_empty() {
        why.dedup();
        return Err(if why.is_empty() { "every target is hidden or empty".into() } else { why.join("; ") });
    }
    Ok(out)
}

/// A panel of another kind whose targets are Loki log queries (a stream selector, not a metric):
/// those queries, for a logs panel.
fn loki_logs(p: &Value, panel_ds: Option<Ds>, ctx: &mut Ctx) -> Option<Vec<Query>> {
    let q: Vec<Query> = list(p, "targets")
        .iter()
        .filter(|t| !bool_of(t, "hide"))
        .filter(|t| {
            let ds = ctx.ds.resolve(t.get("datasource")).filter(|d| *d != Ds::Mixed);
            ds.or_else(|| panel_ds.clone()) == Some(Ds::Loki)
        })
        .filter_map(|t| str_of(t, "expr").map(str::trim))
        .filter(|e| e.starts_with('{'))
        .map(|e| Query { expr: e.to_string(), legend: None, scrape: None })
        .collect();
    (!q.is_empty()).then_some(q)
}
