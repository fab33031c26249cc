//! Dashboard variables in `update`: asking for their choices, substituting them, the picker.

use super::*;
use crate::action::{FetchError, FetchErrorKind, VariableResult};
use crate::config::load_str;
use crate::state::vars::VarStatus;
use crate::state::State;

const CFG: &str = r#"
[settings]
refresh = "30s"
time_range = "1h"

[[environment]]
name = "prod"
prometheus = { url = "http://localhost:9090" }

[[dashboard]]
name = "Services"
[[dashboard.variable]]
name = "job"
kind = "query"
query = "label_values(up, job)"
multi = true
include_all = true
default = ["$__all"]
[[dashboard.variable]]
name = "instance"
kind = "query"
query = 'label_values(up{job=~"$job"}, instance)'
[[dashboard.variable]]
name = "window"
kind = "interval"
options = ["5m", "1h"]
[[dashboard.panel]]
title = "Rate"
kind = "timeseries"
query = [{ expr = 'sum by (job) (rate(http_requests_total{job=~"$job"}[$__rate_interval]))' }]
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = 'up{instance="$instance"}' }, { expr = "max_over_time(up[$window])" }]
"#;

const T0: i64 = 1_700_000_000_000;

fn state() -> State {
    State::new(&load_str("t.toml", CFG).unwrap(), "prod", false, T0)
}

fn var_fetches(effects: &[Effect]) -> Vec<(usize, u64, crate::variables::VarQuery)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::FetchVariable { var, generation, query, .. } => Some((*var, *generation, query.clone())),
            _ => None,
        })
        .collect()
}

fn exprs(effects: &[Effect]) -> Vec<String> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Fetch(r) => Some(r.expr.clone()),
            _ => None,
        })
        .collect()
}

fn answer(var: usize, generation: u64, values: &[&str]) -> Action {
    Action::Variable(VariableResult {
        dashboard: 0,
        var,
        generation,
        outcome: Ok(values.iter().map(|s| s.to_string()).collect()),
    })
}

#[test]
fn queries_wait_for_their_variables_then_carry_the_values() {
    let mut s = state();
    let out = update(&mut s, Action::Tick { now_ms: T0 });
    // Only `job` can be asked: `instance`'s own query uses `$job`.
    let asked = var_fetches(&out);
    assert_eq!(asked.len(), 1);
    assert_eq!(
        asked[0].2,
        crate::variables::VarQuery::LabelValues { label: "job".into(), selector: Some("up".into()) }
    );
    // The interval variable is ready: its panel query goes out at once, the others wait.
    assert_eq!(exprs(&out), vec!["max_over_time(up[5m])"]);

    let out = update(&mut s, answer(0, asked[0].1, &["api", "db.main"]));
    let e = exprs(&out);
    assert_eq!(e, vec![r#"sum by (job) (rate(http_requests_total{job=~"(api|db\.main)"}[1m]))"#]);
    // Now `instance` is asked, narrowed by the selected jobs.
    let asked = var_fetches(&out);
    assert_eq!(
        asked[0].2,
        crate::variables::VarQuery::LabelValues {
            label: "instance".into(),
            selector: Some(r#"up{job=~"(api|db\.main)"}"#.into())
        }
    );
    let out = update(&mut s, answer(1, asked[0].1, &["h1:9100", "h2:9100"]));
    assert_eq!(exprs(&out), vec![r#"up{instance="h1:9100"}"#]);
    assert_eq!(s.dash().vars.vars[1].shown(), "h1:9100");
}

#[test]
fn a_late_or_failed_answer_says_why_and_never_lies() {
    let mut s = state();
    let out = update(&mut s, Action::Tick { now_ms: T0 });
    let (_, g, _) = var_fetches(&out)[0].clone();
    // An answer to an older question is dropped.
    update(&mut s, answer(0, g - 1, &["x"]));
    assert_eq!(s.dash().vars.vars[0].status, VarStatus::Asking(g));
    let err = FetchError { kind: FetchErrorKind::Connect, message: "Prometheus refused the connection".into() };
    let out =
        update(&mut s, Action::Variable(VariableResult { dashboard: 0, var: 0, generation: g, outcome: Err(err) }));
    assert!(matches!(&s.dash().vars.vars[0].status, VarStatus::Failed(m) if m.contains("refused")));
    // "All" with no known choices still stands for every value, so the rate panel is asked with `.*`.
    assert!(exprs(&out).iter().any(|e| e.contains(r#"job=~".*""#)), "{:?}", exprs(&out));
    // The refresh key asks again.
    let out = update(&mut s, Intent::Refresh.into());
    assert_eq!(var_fetches(&out).iter().map(|f| f.0).collect::<Vec<_>>(), vec![0]);
}

#[test]
fn a_variable_with_nothing_to_stand_for_fails_the_panel_with_the_reason() {
    let mut s = state();
    let out = update(&mut s, Action::Tick { now_ms: T0 });
    let (_, g, _) = var_fetches(&out)[0].clone();
    let out = update(&mut s, answer(0, g, &["api"]));
    let (_, g2, _) = var_fetches(&out)[0].clone();
    update(&mut s, answer(1, g2, &[]));
    update(&mut s, Action::Tick { now_ms: T0 + 2000 });
    let slot = &s.dash().panels[1].queries[0].slot;
    let msg = slot.error().map(|e| e.message.clone()).unwrap_or_default();
    assert!(msg.contains("no values") && msg.contains("$instance"), "{msg}");
}

#[test]
fn the_picker_changes_a_value_and_refetches_only_what_uses_it() {
    let mut s = state();
    let out = update(&mut s, Action::Tick { now_ms: T0 });
    let (_, g, _) = var_fetches(&out)[0].clone();
    update(&mut s, answer(0, g, &["api", "db"]));
    assert_eq!(s.dash().vars.shown(), vec![0, 1, 2]);
    update(&mut s, Intent::Variables.into());
    assert!(s.var_picker.is_some());
    assert_eq!(s.key_context(), crate::keymap::Context::Variables);
    // Right on `job` (All) moves to the first value.
    let out = update(&mut s, Intent::FocusRight.into());
    assert_eq!(s.dash().vars.vars[0].shown(), "api");
    assert_eq!(exprs(&out), vec![r#"sum by (job) (rate(http_requests_total{job=~"api"}[1m]))"#]);
    assert!(matches!(s.dash().panels[0].queries[0].slot, Slot::Loading));
    // The `instance` variable uses `$job`: asked again.
    assert!(var_fetches(&out).iter().any(|(v, _, _)| *v == 1));
    assert_eq!(s.status.as_ref().unwrap().text, "$job = api");

    // The list of `job`'s values: tick a second one, apply.
    update(&mut s, Intent::Confirm.into());
    assert_eq!(s.var_picker.as_ref().unwrap().choice, Some(1));
    update(&mut s, Intent::SelectNext.into());
    let out = update(&mut s, Intent::ToggleMark.into());
    assert_eq!(s.dash().vars.vars[0].shown(), "api +1");
    assert_eq!(exprs(&out), vec![r#"sum by (job) (rate(http_requests_total{job=~"(api|db)"}[1m]))"#]);
    update(&mut s, Intent::Confirm.into());
    assert_eq!(s.dash().vars.vars[0].selected, vec!["api", "db"], "enter keeps a multi-selection");
    // Keys meant for the dashboard wait until the picker is closed.
    update(&mut s, Intent::AlertsView.into());
    assert_eq!(s.page, Page::Dashboards);
    update(&mut s, Intent::Back.into());
    assert!(s.var_picker.is_none());
}

#[test]
fn a_dashboard_without_variables_says_so() {
    let cfg = "[[environment]]\nname = 'p'\nprometheus = { url = 'http://x' }\n[[dashboard]]\nname = 'd'\n\
               [[dashboard.panel]]\ntitle = 't'\nkind = 'stat'\nquery = [{ expr = 'up' }]";
    let mut s = State::new(&load_str("t.toml", cfg).unwrap(), "p", false, T0);
    update(&mut s, Intent::Variables.into());
    assert!(s.var_picker.is_none());
    assert!(s.status.as_ref().unwrap().text.contains("no variables"));
}
