//! The logs view through `update`: the pivot from an alert, the query → tail hand-over, stale
//! answers, leaving the view stops the tail, pause, search, the prompt, and Loki being absent.

use super::*;
use crate::action::{AlertFeed, AlertsData, AlertsResult, FetchError, FetchErrorKind, LogsPurpose, LogsResult};
use crate::action::{TailData, TailUpdate, TextOp};
use crate::alerts::model::{Alert, AmState, Labels};
use crate::config::load_str;
use crate::logs::level::Level;
use crate::logs::{LogEntry, LokiResult};
use crate::state::logs::TailStatus;
use crate::state::State;
use std::sync::Arc;

const CFG: &str = r#"
[logs]
buffer_lines = 50
default_query = '{environment="production"}'

[[environment]]
name = "prod"
prometheus = { url = "http://localhost:9090" }
alertmanager = [{ url = "http://am:9093" }]
loki = { url = "http://loki:3100", headers = { "X-Scope-OrgID" = "mm" } }
health = [{ name = "ml_service", url = "http://m/health" }]
[environment.log_pivot]
labels = { service = ["service", "job"] }
extra = { environment = "production" }
before = "5m"

[[dashboard]]
name = "D"
[[dashboard.panel]]
title = "Up"
kind = "stat"
query = [{ expr = "up" }]
"#;

const T0: i64 = 1_700_000_000_000;
const NS: i64 = 1_000_000;

fn state() -> State {
    State::new(&load_str("t.toml", CFG).unwrap(), "prod", false, T0)
}

fn entries(from_ms: i64, n: i64, line: &str) -> Vec<LogEntry> {
    let labels = Arc::new(Labels::from([("service".to_string(), "agente_negocio".to_string())]));
    (0..n)
        .map(|i| LogEntry {
            ts_ns: (from_ms + i) * NS,
            labels: labels.clone(),
            fields: None,
            line: format!("{line} {i}"),
        })
        .collect()
}

fn fetches(eff: &[Effect]) -> Vec<(LogsPurpose, u64, crate::logs::RangeQuery)> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::FetchLogs { purpose, generation, query } => Some((*purpose, *generation, query.clone())),
            _ => None,
        })
        .collect()
}

fn tails(eff: &[Effect]) -> Vec<(u64, String, i64)> {
    eff.iter()
        .filter_map(|e| match e {
            Effect::Tail { generation, expr, start_ns, .. } => Some((*generation, expr.clone(), *start_ns)),
            _ => None,
        })
        .collect()
}

fn answer_lines(s: &mut State, outcome: Result<LokiResult, FetchError>) -> Vec<Effect> {
    let generation = s.logs.lines.issued;
    update(s, Action::Logs(LogsResult { purpose: LogsPurpose::Lines, generation, at_ms: s.now_ms, outcome }))
}

fn firing(s: &mut State) {
    let alert = Alert {
        fingerprint: "f1".into(),
        labels: [("alertname", "ServiceDown"), ("severity", "critical"), ("job", "agente_negocio")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: Labels::new(),
        starts_at_ms: T0 - 60_000,
        ends_at_ms: None,
        updated_at_ms: Some(T0),
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    };
    let generation = s.next_generation;
    let outcome = Ok(AlertsData::Alerts { alerts: vec![alert] });
    update(
        s,
        Action::Alerts(AlertsResult { feed: AlertFeed::AmAlerts(0), generation, at_ms: T0, elapsed_ms: 1.0, outcome }),
    );
}

#[test]
fn one_key_from_an_alert_to_its_service_logs_then_the_tail_takes_over() {
    let mut s = state();
    firing(&mut s);
    update(&mut s, Intent::AlertsView.into());
    assert!(s.alerts.selected_alert().is_some());
    let eff = update(&mut s, Intent::ShowLogs.into());
    assert_eq!(s.page, Page::Logs);
    let f = fetches(&eff);
    let (_, _, q) = f.iter().find(|(p, _, _)| *p == LogsPurpose::Lines).expect("a lines query");
    assert_eq!(q.expr, r#"{service="agente_negocio", environment="production"}"#);
    assert_eq!(q.start_ns, (T0 - 60_000 - 300_000) * NS, "5 minutes before the alert started");
    assert_eq!(q.end_ns, T0 * NS);
    assert_eq!(q.direction, crate::logs::Direction::Backward);
    let (_, _, v) = f.iter().find(|(p, _, _)| *p == LogsPurpose::Volume).expect("a volume query");
    assert!(v.expr.starts_with("sum by (level, detected_level) (count_over_time({service="), "{}", v.expr);
    assert_eq!(s.logs.origin.as_deref(), Some("alert ServiceDown"));

    // The lines arrive; the tail starts from the newest one.
    let eff = answer_lines(&mut s, Ok(LokiResult::Streams(entries(T0 - 10_000, 10, "boom"))));
    let t = tails(&eff);
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].2, (T0 - 10_000 + 9) * NS);
    assert_eq!(s.logs.tail, TailStatus::Connecting);
    let g = t[0].0;
    update(&mut s, Action::Tail(TailUpdate { generation: g, at_ms: T0, data: TailData::Connected { polling: None } }));
    assert_eq!(s.logs.tail, TailStatus::Live);
    // The boundary line comes again with the backlog: not duplicated.
    let mut more = entries(T0 - 10_000 + 9, 1, "boom");
    more[0].line = "boom 9".into();
    more.extend(entries(T0, 3, "after"));
    update(
        &mut s,
        Action::Tail(TailUpdate { generation: g, at_ms: T0, data: TailData::Entries { entries: more, dropped: 0 } }),
    );
    assert_eq!(s.logs.buffer.len(), 13);

    // Going to another view stops the tail; an update from it afterwards changes nothing.
    let eff = update(&mut s, Intent::AlertsView.into());
    assert_eq!(s.page, Page::Alerts);
    assert!(eff.contains(&Effect::StopTail));
    update(
        &mut s,
        Action::Tail(TailUpdate {
            generation: g,
            at_ms: T0,
            data: TailData::Entries { entries: entries(T0 + 5, 2, "x"), dropped: 0 },
        }),
    );
    assert_eq!(s.logs.buffer.len(), 13);
    // Coming back resumes from the newest buffered line, without a new query.
    let eff = update(&mut s, Intent::LogsView.into());
    assert!(fetches(&eff).iter().all(|(p, _, _)| *p != LogsPurpose::Lines));
    assert_eq!(tails(&eff)[0].2, (T0 + 2) * NS);
}

#[test]
fn back_after_a_long_absence_the_query_runs_again_unless_paused() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    answer_lines(&mut s, Ok(LokiResult::Streams(entries(T0 - 10_000, 10, "old"))));
    assert_eq!(s.logs.buffer.len(), 10);

    // Away for 30 s: the tail resumes; the lines stay.
    update(&mut s, Intent::AlertsView.into());
    update(&mut s, Action::Tick { now_ms: T0 + 30_000 });
    let eff = update(&mut s, Intent::LogsView.into());
    assert!(fetches(&eff).iter().all(|(p, _, _)| *p != LogsPurpose::Lines));
    assert_eq!(tails(&eff).len(), 1);
    assert_eq!(s.logs.buffer.len(), 10);

    // Away for 2 minutes: the newest lines are asked for again, from the same start, and the old ones
    // go (the tail's backlog could not have filled the hole).
    update(&mut s, Intent::AlertsView.into());
    update(&mut s, Action::Tick { now_ms: T0 + 150_000 });
    let eff = update(&mut s, Intent::LogsView.into());
    let f = fetches(&eff);
    let (_, _, q) = f.iter().find(|(p, _, _)| *p == LogsPurpose::Lines).expect("a lines query");
    assert_eq!(q.end_ns, (T0 + 150_000) * NS);
    assert_eq!(q.start_ns, s.logs.start_ms * NS);
    assert!(tails(&eff).is_empty(), "the tail starts when the lines have answered");
    assert!(s.logs.buffer.is_empty());
    assert!(s.status.as_ref().is_some_and(|m| m.text.contains("away 2m, loading")), "{:?}", s.status);
    answer_lines(&mut s, Ok(LokiResult::Streams(entries(T0 + 140_000, 5, "new"))));
    assert_eq!(s.logs.buffer.len(), 5);

    // Live tail off (`f`): a long absence keeps the lines too.
    update(&mut s, Intent::ToggleFollow.into());
    update(&mut s, Intent::AlertsView.into());
    update(&mut s, Action::Tick { now_ms: T0 + 300_000 });
    let eff = update(&mut s, Intent::LogsView.into());
    assert!(fetches(&eff).iter().all(|(p, _, _)| *p != LogsPurpose::Lines));
    assert_eq!(s.logs.buffer.len(), 5);
    update(&mut s, Intent::ToggleFollow.into());

    // Paused on a line: a long absence keeps the lines and the place.
    update(&mut s, Intent::SelectPrev.into());
    let at = s.logs.cursor;
    update(&mut s, Intent::AlertsView.into());
    update(&mut s, Action::Tick { now_ms: T0 + 900_000 });
    let eff = update(&mut s, Intent::LogsView.into());
    assert!(fetches(&eff).iter().all(|(p, _, _)| *p != LogsPurpose::Lines));
    assert_eq!((s.logs.buffer.len(), s.logs.cursor), (5, at));
}

#[test]
fn a_pivot_that_finds_no_label_says_so_even_when_the_view_reloads() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    answer_lines(&mut s, Ok(LokiResult::Streams(entries(T0 - 10_000, 10, "old"))));
    update(&mut s, Intent::LogsView.into());
    assert_eq!(s.page, Page::Dashboards);
    update(&mut s, Action::Tick { now_ms: T0 + 120_000 });
    // The focused panel has no data yet, so no label to pivot on: the view opens as it was (and
    // reloads, away 2 minutes), and the message about the pivot stays.
    let eff = update(&mut s, Intent::ShowLogs.into());
    assert_eq!(s.page, Page::Logs);
    assert!(fetches(&eff).iter().any(|(p, _, _)| *p == LogsPurpose::Lines), "reloaded");
    let status = s.status.as_ref().expect("a message");
    assert!(status.error && status.text.contains("maps to a log label"), "{status:?}");
}

#[test]
fn late_answers_and_errors() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    let first = s.logs.lines.issued;
    // A new query before the first answered: the first one's answer is void.
    update(&mut s, Intent::EditQuery.into());
    update(&mut s, Action::Text { op: TextOp::Clear });
    for c in r#"{service="ml_service"} |= "slow""#.chars() {
        update(&mut s, Action::Text { op: TextOp::Insert(c) });
    }
    update(&mut s, Action::Text { op: TextOp::Submit });
    assert_ne!(s.logs.lines.issued, first);
    update(
        &mut s,
        Action::Logs(LogsResult {
            purpose: LogsPurpose::Lines,
            generation: first,
            at_ms: T0,
            outcome: Ok(LokiResult::Streams(entries(T0, 5, "old"))),
        }),
    );
    assert!(s.logs.buffer.is_empty(), "the answer to the replaced query is dropped");
    // Loki's LogQL error is shown as it is, and not sent again (it would be refused again).
    let msg = "parse error at line 1, col 23: syntax error: unexpected |=";
    answer_lines(&mut s, Err(FetchError { kind: FetchErrorKind::Api, message: msg.into() }));
    assert_eq!(s.logs.lines.error.as_ref().unwrap().message, msg);
    let eff = update(&mut s, Action::Tick { now_ms: T0 + 60_000 });
    assert!(fetches(&eff).iter().all(|(p, _, _)| *p != LogsPurpose::Lines), "a refused query is not sent again");
    assert_eq!(s.logs.history.entries.last().unwrap(), r#"{service="ml_service"} |= "slow""#);
    // Up in the prompt brings back the earlier query.
    update(&mut s, Intent::EditQuery.into());
    update(&mut s, Action::Text { op: TextOp::HistoryPrev });
    update(&mut s, Action::Text { op: TextOp::HistoryPrev });
    assert_eq!(s.logs.prompt.as_ref().unwrap().text, r#"{environment="production"}"#);
    update(&mut s, Action::Text { op: TextOp::Cancel });
    // A metric query is refused with a hint, without asking Loki.
    update(&mut s, Intent::EditQuery.into());
    update(&mut s, Action::Text { op: TextOp::Clear });
    for c in "rate({a=\"b\"}[1m])".chars() {
        update(&mut s, Action::Text { op: TextOp::Insert(c) });
    }
    let eff = update(&mut s, Action::Text { op: TextOp::Submit });
    assert!(fetches(&eff).is_empty());
    assert!(s.logs.lines.error.as_ref().unwrap().message.contains("metric query"));
}

#[test]
fn pause_search_and_the_ring_bound() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    answer_lines(&mut s, Ok(LokiResult::Streams(entries(T0, 40, "ok"))));
    assert!(!s.logs.paused());
    update(&mut s, Intent::SelectPrev.into());
    assert!(s.logs.paused(), "moving up pauses");
    let g = s.logs.tail_generation;
    let mut burst = entries(T0 + 100, 30, "later");
    burst[7].line = "connection refused".into();
    update(
        &mut s,
        Action::Tail(TailUpdate { generation: g, at_ms: T0, data: TailData::Entries { entries: burst, dropped: 4 } }),
    );
    assert_eq!(s.logs.buffer.len(), 50, "the buffer holds buffer_lines");
    assert_eq!(s.logs.buffer.dropped, 20);
    assert_eq!(s.logs.tail_dropped, 4);
    assert_eq!(s.logs.new_since_pause, 30);
    assert_eq!(s.logs.cursor_line().unwrap().entry.line, "ok 38", "the paused cursor keeps its line");
    // Search jumps to the match.
    update(&mut s, Intent::Search.into());
    for c in "REFUSED".to_lowercase().chars() {
        update(&mut s, Action::Text { op: TextOp::Insert(c) });
    }
    update(&mut s, Action::Text { op: TextOp::Submit });
    assert_eq!(s.logs.matches, 1);
    assert_eq!(s.logs.cursor_line().unwrap().entry.line, "connection refused");
    update(&mut s, Intent::TogglePause.into());
    assert!(!s.logs.paused());
    // esc clears the search, then leaves the view.
    update(&mut s, Intent::Back.into());
    assert!(s.logs.needle.is_none());
    assert_eq!(s.page, Page::Logs);
    update(&mut s, Intent::Back.into());
    assert_eq!(s.page, Page::Dashboards);
}

#[test]
fn without_loki_the_view_says_how_to_add_it() {
    let cfg = CFG.replace("loki = { url = \"http://loki:3100\", headers = { \"X-Scope-OrgID\" = \"mm\" } }\n", "");
    let mut s = State::new(&load_str("t.toml", &cfg).unwrap(), "prod", false, T0);
    let eff = update(&mut s, Intent::LogsView.into());
    assert!(fetches(&eff).is_empty() && tails(&eff).is_empty());
    assert!(s.logs.lines.error.as_ref().unwrap().message.contains("add `loki = "));
    // The health target pivots too (to the plain view here, with the reason).
    let mut s = state();
    update(&mut s, Intent::HealthView.into());
    let eff = update(&mut s, Intent::ShowLogs.into());
    let f = fetches(&eff);
    assert_eq!(f[0].2.expr, r#"{service="ml_service", environment="production"}"#);
}

#[test]
fn a_lost_tail_says_when_it_retries_and_recovers_by_itself() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    answer_lines(&mut s, Ok(LokiResult::Streams(entries(T0, 3, "ok"))));
    let g = s.logs.tail_generation;
    let error =
        FetchError { kind: FetchErrorKind::Connect, message: "Loki at http://loki:3100/ is unreachable".into() };
    update(
        &mut s,
        Action::Tail(TailUpdate {
            generation: g,
            at_ms: T0,
            data: TailData::Disconnected { error, retry_in_ms: 4_000 },
        }),
    );
    assert!(matches!(s.logs.tail, TailStatus::Retrying { retry_at_ms, .. } if retry_at_ms == T0 + 4_000));
    // The countdown redraws on ticks (the tick signature changes with it).
    s.dirty = false;
    update(&mut s, Action::Tick { now_ms: T0 + 1_500 });
    assert!(s.dirty);
    // Lines arriving again mean the tail is back.
    update(
        &mut s,
        Action::Tail(TailUpdate {
            generation: g,
            at_ms: T0,
            data: TailData::Entries { entries: entries(T0 + 10, 1, "back"), dropped: 0 },
        }),
    );
    assert_eq!(s.logs.tail, TailStatus::Live);
    assert_eq!(s.logs.buffer.len(), 4);
}

#[test]
fn the_volume_spans_the_whole_range_with_quiet_steps_as_zeros() {
    use crate::sources::prometheus::Series;
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    let (start, end, step) = s.logs.volume_axis;
    assert_eq!(step, 60, "an hour in about 60 buckets");
    let n = ((end - start) / step + 1) as usize;
    // Loki leaves empty steps out: two steps with errors, an hour apart.
    let series = vec![Series {
        labels: Labels::from([("level".to_string(), "error".to_string())]),
        points: vec![(start as f64, 3.0), ((start + 59 * step) as f64, 7.0)],
    }];
    let generation = s.logs.volume_req.issued;
    let outcome = Ok(LokiResult::Matrix(series));
    update(&mut s, Action::Logs(LogsResult { purpose: LogsPurpose::Volume, generation, at_ms: T0, outcome }));
    let v = s.logs.volume.as_ref().unwrap();
    assert_eq!(v.times.len(), n);
    let errors = &v.counts.iter().find(|(l, _)| *l == Level::Error).unwrap().1;
    assert_eq!((errors[0], errors[1], errors[59]), (3.0, 0.0, 7.0));
    assert_eq!(v.total(Level::Error), 10.0);
}

#[test]
fn an_unreachable_loki_is_asked_again_after_ten_seconds() {
    let mut s = state();
    update(&mut s, Intent::LogsView.into());
    let first = s.logs.lines.issued;
    let e = FetchError { kind: FetchErrorKind::Connect, message: "Loki at http://loki:3100/ is unreachable".into() };
    answer_lines(&mut s, Err(e));
    assert!(fetches(&update(&mut s, Action::Tick { now_ms: T0 + 5_000 })).is_empty());
    let eff = update(&mut s, Action::Tick { now_ms: T0 + 10_000 });
    assert!(fetches(&eff).iter().any(|(p, g, _)| *p == LogsPurpose::Lines && *g > first));
}
