//! Grafana dashboard import: panel kinds, units, thresholds, positions, rows, variables, the report of
//! approximations, and clear errors (never a panic) for broken files.

use centinela::config::{GridPos, PanelKind, VariableKind};
use centinela::grafana::{import, ImportError, Imported};
use centinela::theme::Role;
use centinela::units::Unit;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("tests/fixtures/grafana/{name}")).unwrap()
}

fn imported(name: &str) -> Imported {
    import(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn notes(i: &Imported) -> Vec<String> {
    i.report.iter().map(|n| n.to_string()).collect()
}

fn has_note(i: &Imported, panel: &str, needle: &str) -> bool {
    i.report.iter().any(|n| n.panel.as_deref() == Some(panel) && n.message.contains(needle))
}

#[test]
fn every_panel_type_gets_its_kind() {
    let i = imported("every-panel-type.json");
    let d = &i.dashboard;
    assert_eq!(d.name, "Every panel type");
    assert_eq!(d.refresh.map(|r| r.0.as_secs()), Some(60));
    assert_eq!(d.time_range.map(|r| r.0.as_secs()), Some(6 * 3600));
    let kinds: Vec<(&str, PanelKind)> = d.panels.iter().map(|p| (p.title.as_str(), p.kind)).collect();
    use PanelKind::*;
    assert_eq!(
        kinds,
        [
            ("Requests", Timeseries),
            ("Old graph", Timeseries),
            ("Up", Stat),
            ("Old stat", Stat),
            ("Disk", Gauge),
            ("Queue", Gauge),
            ("Pods", Table),
            ("Share", Bar),
            ("Errors", Logs),
            ("Runbook", Text),
            ("Service map", Unsupported),
            ("From Influx", Unsupported),
            ("Details", Row),
            ("Latency", Timeseries),
            ("Errors/s", Stat),
            ("Open row", Row),
            ("After the rows", Stat),
        ]
    );
    let n = notes(&i);
    assert!(has_note(&i, "Share", "pie chart drawn as a bar chart"), "{n:#?}");
}

#[test]
fn targets_become_queries() {
    let i = imported("every-panel-type.json");
    let p = |t: &str| i.dashboard.panels.iter().find(|p| p.title == t).unwrap();
    let req = p("Requests");
    assert_eq!(req.queries.len(), 1, "the hidden target B is left out");
    assert_eq!(req.queries[0].expr, "sum by (job) (rate(http_requests_total[$__rate_interval]))", "kept verbatim");
    assert_eq!(req.queries[0].legend.as_deref(), Some("{{job}}"));
    assert!(has_note(&i, "Requests", "target B is hidden"));
    assert_eq!(p("Old graph").queries[0].legend, None, "an empty legendFormat is no legend");
    assert_eq!(p("Share").queries[0].legend.as_deref(), Some("{{ status }}"));
    // Mixed: the Prometheus target stays, the Elasticsearch one is reported.
    let pods = p("Pods");
    assert_eq!(pods.queries.len(), 1);
    assert_eq!(pods.queries[0].expr, "kube_pod_info");
    assert!(has_note(&i, "Pods", "target B left out: datasource `elasticsearch` is neither Prometheus nor Loki"));
    // Loki via `${DS_LOGS}` from __inputs.
    assert_eq!(p("Errors").queries[0].expr, "{app=\"api\"} |= \"error\"");
    assert_eq!(
        p("Runbook").content.as_deref().unwrap(),
        "# On call\nRestart with **care**: see [the wiki](https://wiki/x)."
    );
    assert!(p("Runbook").queries.is_empty());
}

#[test]
fn unsupported_panels_name_their_type_and_why() {
    let i = imported("every-panel-type.json");
    let p = |t: &str| i.dashboard.panels.iter().find(|p| p.title == t).unwrap();
    assert_eq!(p("Service map").reason.as_deref(), Some("panel type `nodeGraph` (no terminal equivalent)"));
    assert!(p("From Influx")
        .reason
        .as_deref()
        .unwrap()
        .contains("datasource `influxdb` is neither Prometheus nor Loki"));
    assert!(has_note(&i, "Service map", "unsupported: panel type `nodeGraph`"));
}

#[test]
fn units_decimals_and_ranges() {
    let i = imported("every-panel-type.json");
    let p = |t: &str| i.dashboard.panels.iter().find(|p| p.title == t).unwrap();
    assert_eq!(p("Requests").unit, Unit::ReqPerSec);
    assert_eq!(p("Requests").decimals, Some(1));
    assert_eq!(p("Old graph").unit, Unit::Bytes, "from yaxes[0].format");
    assert_eq!(p("Old graph").min, Some(0.0), "a number written as a string");
    assert_eq!(p("Up").unit, Unit::Short);
    assert_eq!(p("Old stat").unit, Unit::PercentUnit, "singlestat `format`");
    assert_eq!(p("Old stat").decimals, Some(2));
    assert_eq!((p("Disk").min, p("Disk").max), (Some(0.0), Some(200.0)));
    // `µs` has no equivalent: a plain number, reported; a gauge with only `min` drops it.
    assert_eq!(p("Queue").unit, Unit::Short);
    assert!(has_note(&i, "Queue", "unit `µs` has no equivalent"));
    assert_eq!((p("Queue").min, p("Queue").max), (None, None));
    assert!(has_note(&i, "Queue", "only one of min and max"));
    assert_eq!(p("Latency").unit, Unit::Seconds);
}

#[test]
fn thresholds_and_mappings() {
    let i = imported("every-panel-type.json");
    let p = |t: &str| i.dashboard.panels.iter().find(|p| p.title == t).unwrap();
    let th = p("Requests").thresholds.clone().unwrap();
    assert_eq!(th.base, Role::Ok);
    assert_eq!(
        th.steps.iter().map(|s| (s.at, s.role)).collect::<Vec<_>>(),
        [(100.0, Role::Warn), (200.0, Role::Critical)]
    );
    let up = p("Up");
    assert_eq!(up.thresholds.as_ref().unwrap().role_for(0.0), Role::Critical);
    assert_eq!(up.thresholds.as_ref().unwrap().role_for(1.0), Role::Ok);
    assert_eq!(up.mappings.get("0").map(String::as_str), Some("DOWN"));
    assert_eq!(up.mappings.get("1").map(String::as_str), Some("UP"));
    assert!(has_note(&i, "Up", "range mapping `2–10 → MANY` left out"));
    assert!(has_note(&i, "Up", "special mapping `null → N/A` left out"));
    // Percentage thresholds: fractions of min–max (0–200).
    let disk = p("Disk").thresholds.clone().unwrap();
    assert_eq!(
        disk.steps.iter().map(|s| (s.at, s.role)).collect::<Vec<_>>(),
        [(100.0, Role::Warn), (180.0, Role::Critical)]
    );
    assert!(has_note(&i, "Disk", "percentage thresholds"));
    // singlestat "0.5,0.8" with its three colours.
    let old = p("Old stat").thresholds.clone().unwrap();
    assert_eq!(old.base, Role::Ok);
    assert_eq!(
        old.steps.iter().map(|s| (s.at, s.role)).collect::<Vec<_>>(),
        [(0.5, Role::Warn), (0.8, Role::Critical)]
    );
    // graph's thresholds list.
    let graph = p("Old graph").thresholds.clone().unwrap();
    assert_eq!(graph.role_for(90.0), Role::Critical);
}

#[test]
fn positions_and_collapsed_rows_flattened_in_place() {
    let i = imported("every-panel-type.json");
    let pos = |t: &str| i.dashboard.panels.iter().find(|p| p.title == t).unwrap().pos.unwrap();
    assert_eq!(pos("Requests"), GridPos { x: 0, y: 0, w: 12, h: 8 });
    assert_eq!(pos("Share"), GridPos { x: 12, y: 12, w: 12, h: 6 });
    assert_eq!(pos("Details"), GridPos { x: 0, y: 28, w: 24, h: 1 });
    // The collapsed row's panels sit under its bar, and what follows moves down by their height (8).
    assert_eq!(pos("Latency"), GridPos { x: 0, y: 29, w: 12, h: 8 });
    assert_eq!(pos("Errors/s"), GridPos { x: 12, y: 29, w: 12, h: 8 });
    assert_eq!(pos("Open row"), GridPos { x: 0, y: 37, w: 24, h: 1 });
    assert_eq!(pos("After the rows"), GridPos { x: 0, y: 38, w: 24, h: 4 });
}

#[test]
fn legacy_rows_of_schema_16_become_grid_positions() {
    let i = imported("schema16-rows.json");
    let d = &i.dashboard;
    assert_eq!(d.name, "Legacy rows");
    assert_eq!(d.refresh, None, "an empty refresh leaves the settings' one");
    let got: Vec<(&str, PanelKind, GridPos)> =
        d.panels.iter().map(|p| (p.title.as_str(), p.kind, p.pos.unwrap())).collect();
    assert_eq!(
        got,
        [
            ("Overview", PanelKind::Row, GridPos { x: 0, y: 0, w: 24, h: 1 }),
            ("CPU", PanelKind::Timeseries, GridPos { x: 0, y: 1, w: 12, h: 8 }),
            ("Up", PanelKind::Stat, GridPos { x: 12, y: 1, w: 12, h: 8 }),
            ("Targets", PanelKind::Table, GridPos { x: 0, y: 9, w: 24, h: 10 }),
        ]
    );
    assert_eq!(d.panels[1].unit, Unit::Percent);
    assert_eq!(d.panels[2].mappings.get("1").map(String::as_str), Some("UP"));
    assert!(has_note(&i, "Hidden", "collapsed row"), "{:#?}", notes(&i));
}

#[test]
fn wrapped_and_unwrapped_schema_39() {
    let i = imported("schema39-wrapped.json");
    assert_eq!(i.dashboard.name, "Wrapped 39");
    assert_eq!(i.dashboard.panels[0].queries[0].legend.as_deref(), Some("{{instance}}"));
    assert!(i.report.is_empty(), "{:#?}", notes(&i));
    let unwrapped = fixture("schema39-wrapped.json");
    let v: serde_json::Value = serde_json::from_str(&unwrapped).unwrap();
    let i = import(&v["dashboard"].to_string()).unwrap();
    assert_eq!(i.dashboard.panels.len(), 1);
}

#[test]
fn templating_of_each_kind() {
    let i = imported("templating.json");
    let v = &i.dashboard.variables;
    let names: Vec<&str> = v.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(names, ["job", "env", "cluster", "interval"]);
    let job = &v[0];
    assert_eq!(job.kind, VariableKind::Query);
    assert_eq!(job.label.as_deref(), Some("Job"));
    assert_eq!(job.query.as_deref(), Some("label_values(up, job)"));
    assert_eq!(job.regex.as_deref(), Some("/api.*/"));
    assert!(job.multi && job.include_all);
    assert_eq!(job.all_value.as_deref(), Some(".*"));
    assert_eq!(job.default, ["api"]);
    assert_eq!(v[1].kind, VariableKind::Custom);
    assert_eq!(v[1].options, ["production", "staging", "dev"]);
    assert_eq!(v[1].default, ["staging"]);
    assert_eq!(v[2].kind, VariableKind::Constant);
    assert_eq!(v[2].default, ["eu-1"]);
    assert!(v[2].hidden);
    assert_eq!(v[3].kind, VariableKind::Interval);
    assert_eq!(v[3].options, ["1m", "5m", "10m", "1h"]);
    assert_eq!(v[3].default, ["5m"]);
    let n = notes(&i);
    for needle in [
        "`$ds` picks a datasource",
        "ad hoc filter variable `$filters`",
        "text box variable `$search`",
        "`auto` interval",
    ] {
        assert!(n.iter().any(|m| m.contains(needle)), "{needle}: {n:#?}");
    }
    // `${ds}` resolves to the environment's Prometheus; the expression is kept verbatim.
    let q = &i.dashboard.panels[0].queries[0].expr;
    assert_eq!(q, "sum by (job) (rate(http_requests_total{job=~\"$job\", env=\"${env}\"}[$interval]))");
}

#[test]
fn broken_files_are_errors_that_say_what_is_wrong() {
    let err = |name: &str| import(&fixture(&format!("malformed/{name}"))).unwrap_err();
    match err("truncated.json") {
        ImportError::Json { message, line, .. } => {
            assert!(message.contains("truncated"), "{message}");
            assert_eq!(line, 1);
        }
        e => panic!("{e}"),
    }
    assert_eq!(
        err("no-panels.json").to_string(),
        "not a Grafana dashboard: no `panels` or `rows` (line 1, col 1); export it from Grafana with Share → Export → Save to file"
    );
    assert!(err("array.json").to_string().contains("the top level is not an object"));
    let e = err("huge-number.json").to_string();
    assert!(e.starts_with("not valid JSON: number out of range (line 1, col"), "{e}");
    let e = import("{\"panels\": [],\n \"title\": x}").unwrap_err().to_string();
    assert!(e.contains("(line 2, col"), "{e}");
    assert!(import("{\"panels\": []}").unwrap_err().to_string().contains("has no panels"));
    assert!(import("").is_err());
}

#[test]
fn wrong_types_import_without_panicking() {
    let i = imported("malformed/wrong-types.json");
    let p = |t: &str| i.dashboard.panels.iter().find(|p| p.title == t).unwrap();
    assert_eq!(p("Grid as a string").pos, None);
    assert!(has_note(&i, "Grid as a string", "`gridPos` is not an object"));
    assert_eq!(p("Targets as an object").kind, PanelKind::Unsupported);
    assert_eq!(p("Targets as an object").reason.as_deref(), Some("`targets` is not a list"));
    assert_eq!(p("No targets").kind, PanelKind::Unsupported);
    let huge = p("Huge grid");
    let pos = huge.pos.unwrap();
    assert!(pos.x + pos.w <= 24 && pos.w >= 1 && pos.h >= 1 && pos.y <= 10_000, "{pos:?}");
    assert_eq!(huge.queries.len(), 1, "`hide: \"yes\"` is not `true`");
    assert!(i.report.iter().any(|n| n.message.contains("not an object; left out")));
    // The deepest rows stop being followed; nothing crashes and the note says so.
    assert!(i.report.iter().any(|n| n.message.contains("rows nested deeper")), "{:#?}", notes(&i));
    // 200 nested rows: serde_json's depth limit makes it an error, not a stack overflow.
    assert!(import(&fixture("malformed/deep-rows.json")).is_err());
}
