//! Shared test helpers: the Mini Market profile with fixed, deterministic data.
#![allow(dead_code)]

use centinela::action::{Action, QueryKey, QueryResult};
use centinela::config::{load_str, Config};
use centinela::sources::prometheus::{Labels, QueryData, Sample, Series};
use centinela::state::State;
use centinela::update::update;

pub mod alertmanager;
pub mod faulty;
pub mod prometheus;

/// 2023-11-14 22:13:20 UTC: a fixed "now" so frames are identical run to run.
pub const NOW_MS: i64 = 1_700_000_000_000;

pub fn profile() -> Config {
    load_str("examples/minimarket.toml", include_str!("../../examples/minimarket.toml"))
        .expect("the example profile is valid")
}

/// Labels a query of this shape would plausibly return: one series per `by (x)` value, or per
/// legend label.
fn label_sets(expr: &str, legend: Option<&str>) -> Vec<Labels> {
    let by = expr
        .split("by (")
        .nth(1)
        .and_then(|r| r.split(')').next())
        .map(|s| s.split(',').map(|x| x.trim().to_string()).collect::<Vec<_>>());
    let legend_label =
        legend.and_then(|l| l.split("{{").nth(1)).and_then(|r| r.split("}}").next()).map(|s| s.trim().to_string());
    let key = legend_label.or_else(|| by.and_then(|b| b.into_iter().find(|x| x != "le")));
    match key {
        // A `$job` variable at "All": every service.
        Some(k) if k == "job" && expr.contains("job=~") => {
            JOBS.iter().map(|j| Labels::from([(k.clone(), j.to_string())])).collect()
        }
        Some(k) if k == "job" => {
            let job = expr.split("job=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("svc");
            vec![Labels::from([(k, job.to_string())])]
        }
        Some(k) => ["alpha", "beta", "gamma"].iter().map(|v| Labels::from([(k.clone(), v.to_string())])).collect(),
        None => vec![Labels::new()],
    }
}

/// A deterministic value for query `seed` at time `t`.
fn value(seed: usize, i: usize, t: f64) -> f64 {
    let base = 10.0 + (seed % 7) as f64 * 12.0 + i as f64 * 5.0;
    base + (t / 600.0 + seed as f64).sin() * base * 0.3
}

/// The Mini Market services, as `label_values(up, job)` returns them.
pub const JOBS: [&str; 4] = ["agente_deposito", "agente_negocio", "dashboard", "ml_service"];

/// Feed every query of dashboard `d` a fixed answer, as the fetcher would (its variables' values first).
pub fn fill_dashboard(state: &mut State, d: usize) {
    for var in 0..state.dashboards[d].vars.vars.len() {
        if let centinela::state::vars::VarStatus::Asking(generation) = state.dashboards[d].vars.vars[var].status {
            let outcome = Ok(JOBS.iter().map(|j| j.to_string()).collect());
            let r = centinela::action::VariableResult { dashboard: d, var, generation, outcome };
            update(state, Action::Variable(r));
        }
    }
    let spec = state.dashboards[d].spec.clone();
    let now_s = NOW_MS as f64 / 1000.0;
    let range = state.time_ranges[state.dashboards[d].range_idx].as_secs_f64();
    for (p, panel) in spec.panels.iter().enumerate() {
        for (t, q) in panel.queries.iter().enumerate() {
            let seed = d * 100 + p * 10 + t;
            let sets = label_sets(&q.expr, q.legend.as_deref());
            let data = if panel.kind == centinela::config::PanelKind::Logs {
                QueryData::Logs { entries: audit_lines(seed, now_s) }
            } else if panel.kind.needs_range() {
                let series = sets
                    .into_iter()
                    .enumerate()
                    .map(|(i, labels)| Series {
                        labels,
                        points: (0..=120)
                            .map(|k| {
                                let ts = now_s - range + range * k as f64 / 120.0;
                                (ts, value(seed, i, ts))
                            })
                            .collect(),
                    })
                    .collect();
                QueryData::Matrix { series }
            } else {
                let samples = sets
                    .into_iter()
                    .enumerate()
                    .map(|(i, labels)| Sample { labels, t: now_s, v: value(seed, i, now_s) })
                    .collect();
                QueryData::Vector { samples }
            };
            let key = QueryKey { dashboard: d, panel: p, target: t };
            let generation = state.dashboards[d].panels[p].queries[t].issued;
            update(state, Action::Query(QueryResult { key, generation, at_ms: NOW_MS - 4_000, outcome: Ok(data) }));
        }
    }
}

/// Audit-log lines as the security dashboard's logs panel gets them (JSON, one a minute).
pub fn audit_lines(seed: usize, now_s: f64) -> Vec<centinela::logs::LogEntry> {
    let labels = std::sync::Arc::new(Labels::from([
        ("job".to_string(), "audit_logs".to_string()),
        ("service".to_string(), "agente_negocio".to_string()),
    ]));
    let kinds = ["FAILED_AUTHENTICATION", "SENSITIVE_DATA_READ", "ENCRYPTION_FAILURE"];
    (0..12)
        .map(|i| {
            let kind = kinds[(seed + i) % 3];
            let status = if kind == "SENSITIVE_DATA_READ" { "SUCCESS" } else { "FAILURE" };
            centinela::logs::LogEntry {
                ts_ns: ((now_s - 60.0 * (12 - i) as f64) * 1e9) as i64,
                labels: labels.clone(),
                fields: None,
                line: format!(
                    r#"{{"timestamp":"t","level":"{}","event_type":"{kind}","user_id":"user_{}","status":"{status}"}}"#,
                    if status == "FAILURE" { "WARNING" } else { "INFO" },
                    (seed + i * 7) % 12
                ),
            }
        })
        .collect()
}

/// A state showing dashboard `d` of the profile at `w`×`h`, every panel filled with fixed data.
pub fn filled(d: usize, w: u16, h: u16) -> State {
    let mut s = State::new(&profile(), "production", true, NOW_MS);
    s.utc = true;
    update(&mut s, Action::Resize { width: w, height: h });
    s.active = d;
    update(&mut s, Action::Tick { now_ms: NOW_MS });
    fill_dashboard(&mut s, d);
    s
}

/// The first cell of the row holding `needle`, at the needle's first character.
pub fn find(buf: &ratatui::buffer::Buffer, needle: &str) -> Option<(u16, u16)> {
    for y in 0..buf.area.height {
        let row: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
        let line: String = row.concat();
        if let Some(byte) = line.find(needle) {
            // map the byte offset back to a column
            let mut acc = 0;
            for (x, s) in row.iter().enumerate() {
                if acc == byte {
                    return Some((x as u16, y));
                }
                acc += s.len();
            }
        }
    }
    None
}

/// Run `engine` against live backends (ticks every 500 ms) until `done` holds or `secs` pass.
pub async fn drive(engine: &mut centinela::engine::Engine, secs: u64, done: impl Fn(&State) -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(secs);
    while tokio::time::Instant::now() < deadline {
        engine.handle(Action::Tick { now_ms: centinela::poll::now_ms() });
        let tick = tokio::time::Instant::now() + std::time::Duration::from_millis(500);
        while let Ok(Some(a)) = tokio::time::timeout_at(tick, engine.rx.recv()).await {
            engine.handle(a);
        }
        if done(&engine.state) {
            return true;
        }
    }
    false
}

/// Run the profile's `restart` action on what is selected: type `production` at the confirmation,
/// submit, and report the run started. Returns the run's id.
pub fn start_restart(s: &mut State) -> u64 {
    use centinela::action::{RunbookEvent, TextOp};
    let index = s.actions.specs.iter().position(|a| a.name == "restart").expect("the profile has a restart action");
    update(s, Action::RunAction { index });
    for c in "production".chars() {
        update(s, Action::Text { op: TextOp::Insert(c) });
    }
    let eff = update(s, Action::Text { op: TextOp::Submit });
    let id = eff
        .iter()
        .find_map(|e| match e {
            centinela::effect::Effect::RunAction { id, .. } => Some(*id),
            _ => None,
        })
        .expect("it runs");
    update(s, Action::Runbook(RunbookEvent::Started { id, attempt: "a1".into(), at_ms: NOW_MS }));
    id
}
