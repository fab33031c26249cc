//! Answering LogQL from the log generator: log queries (the newest or oldest `limit` lines, merged
//! across sources lazily so the limit bounds the work), metric queries (the timestamps of matching
//! lines, counted per window), and which streams hold data (for `/labels` and `/series`).
//!
//! Nothing is generated past `now`: like a real Loki, the demo has no lines from the future.
//! Work is bounded as Loki bounds it: at most [`MAX_SERIES`] series, and a query that would read more
//! than [`MAX_LINES`] lines (or walk more than [`MAX_TICKS`] ticks without reading them) is refused.

use super::logql::pipeline::{matches_all, Fields, Labels, ERROR_LABEL};
use super::logql::{LogQuery, Matcher, MetricQuery, RangeFn, Sum};
use super::loki_lines::render;
use super::loki_logs::{streams, ticks, Script, SOURCES};
use super::scenario::World;
use std::collections::HashMap;

/// Most lines a query may render and run through its pipeline.
pub const MAX_LINES: i64 = 1_000_000;
/// Most ticks a metric query may walk when it needs no line text (a bare selector).
pub const MAX_TICKS: i64 = 4_000_000;
/// Loki's `max_query_series` default.
pub const MAX_SERIES: usize = 500;
/// Ticks walked per source looking for streams with data, before giving up on the rarer ones.
const MAX_DISCOVERY_TICKS: i64 = 100_000;

/// A log line a query returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub ts_ns: i64,
    pub stream: usize,
    /// The labels after the pipeline, when they differ from the stream's.
    pub labels: Option<Labels>,
    pub line: String,
}

impl Entry {
    pub fn labels(&self) -> &Labels {
        self.labels.as_ref().unwrap_or(&streams()[self.stream].labels)
    }
}

/// What a query read, for the answer's `stats`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    pub lines: u64,
    pub bytes: u64,
    pub post_filter: u64,
}

/// Prometheus's text form of a label set, `{a="b", c="d"}`: how Loki orders streams and names series.
pub fn fmt_labels(labels: &Labels) -> String {
    let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", pairs.join(", "))
}

fn too_much(n: i64, limit: i64) -> String {
    format!(
        "the query would read too many lines (query: {n}, limit: {limit}); consider adding more specific stream \
         selectors or reduce the time range of the query"
    )
}

/// The streams a selector picks (by index) and the sources that feed them.
fn selection(matchers: &[Matcher]) -> (Vec<bool>, Vec<usize>) {
    let picked: Vec<bool> = streams().iter().map(|s| matches_all(matchers, &s.labels)).collect();
    let mut sources: Vec<usize> = streams().iter().zip(&picked).filter(|(_, p)| **p).map(|(s, _)| s.source).collect();
    sources.dedup();
    (picked, sources)
}

/// The lines of `q` with `start <= ts < min(end, now)`: the oldest `limit` (`forward`) or the newest,
/// in that order.
pub fn log_query(
    w: &World,
    q: &LogQuery,
    (start, end, now): (i64, i64, i64),
    limit: usize,
    forward: bool,
) -> Result<(Vec<Entry>, Stats), String> {
    let (picked, sources) = selection(&q.matchers);
    let script = Script::new(w);
    let mut heads: Vec<_> = sources
        .iter()
        .map(|s| {
            let mut it = ticks(*s, start, end.min(now), forward);
            let head = it.next();
            (it, head)
        })
        .collect();
    let (mut out, mut stats) = (Vec::new(), Stats::default());
    while out.len() < limit {
        // The next tick in time order across sources (ties go to the lower source).
        let next = heads.iter().enumerate().filter_map(|(i, (_, h))| h.map(|t| (i, t))).reduce(|a, b| {
            let later = (b.1.ts_ns, std::cmp::Reverse(b.1.source)) > (a.1.ts_ns, std::cmp::Reverse(a.1.source));
            if later != forward {
                b
            } else {
                a
            }
        });
        let Some((i, tick)) = next else { break };
        heads[i].1 = heads[i].0.next();
        let Some(ev) = script.event(tick).filter(|e| picked[e.stream]) else { continue };
        stats.lines += 1;
        if stats.lines as i64 > MAX_LINES {
            return Err(too_much(stats.lines as i64, MAX_LINES));
        }
        let line = render(w, tick, &ev);
        stats.bytes += line.len() as u64;
        if let Some(labels) = q.process(&streams()[ev.stream].labels, &line) {
            stats.post_filter += 1;
            out.push(Entry { ts_ns: tick.ts_ns, stream: ev.stream, labels, line });
        }
    }
    Ok((out, stats))
}

/// A series of a metric query: its labels and the sorted timestamps of the lines it counts.
#[derive(Debug)]
struct Counted {
    labels: Labels,
    ts: Vec<i64>,
}

fn pipeline_error(labels: &Labels) -> String {
    let kind = &labels[ERROR_LABEL];
    format!(
        "pipeline error: '{kind}' for series: '{}'.\nUse a label filter to intentionally skip this error. (e.g | \
         __error__!=\"{kind}\").\nTo skip all potential errors you can match empty errors.(e.g __error__=\"\")\nThe \
         label filter can also be specified after unwrap. (e.g | unwrap latency | __error__=\"\" )\n",
        fmt_labels(labels)
    )
}

/// The series a line counts in: its labels (the stream's plus the pipeline's), summed as asked.
fn group(stream: &Labels, fields: &Fields, sum: &Option<Sum>) -> Labels {
    match sum {
        Some(Sum::By(keep)) => keep
            .iter()
            .filter_map(|k| {
                fields.get(k).or_else(|| stream.get(k).map(String::as_str)).map(|v| (k.clone(), v.to_string()))
            })
            .collect(),
        Some(Sum::Without(drop)) => {
            let mut all = fields.merged(stream);
            all.retain(|k, _| !drop.contains(k));
            all
        }
        None => fields.merged(stream),
    }
}

/// The lines of `m` with `from < ts <= to` (and before `now`), grouped into the series it reports.
fn collect(w: &World, m: &MetricQuery, from: i64, to: i64, now: i64) -> Result<(Vec<Counted>, Stats), String> {
    let (picked, sources) = selection(&m.log.matchers);
    let walks: Vec<_> = sources.iter().map(|s| ticks(*s, from + 1, (to + 1).min(now), true)).collect();
    let total: i64 = walks.iter().map(|t| t.len()).sum();
    let reads = m.log.reads_lines();
    let cap = if reads { MAX_LINES } else { MAX_TICKS };
    if total > cap {
        return Err(too_much(total, cap));
    }
    let script = Script::new(w);
    let mut series: Vec<Counted> = Vec::new();
    let mut index: HashMap<Labels, usize> = HashMap::new();
    let mut by_stream: Vec<Option<usize>> = vec![None; streams().len()];
    let mut stats = Stats::default();
    let mut intern = |labels: Labels, series: &mut Vec<Counted>| -> Result<usize, String> {
        if let Some(i) = index.get(&labels) {
            return Ok(*i);
        }
        if series.len() >= MAX_SERIES {
            return Err(format!("maximum of series ({MAX_SERIES}) reached for a single query"));
        }
        index.insert(labels.clone(), series.len());
        series.push(Counted { labels, ts: Vec::new() });
        Ok(series.len() - 1)
    };
    for walk in walks {
        for tick in walk {
            let Some(ev) = script.event(tick).filter(|e| picked[e.stream]) else { continue };
            stats.lines += 1;
            let stream_labels = &streams()[ev.stream].labels;
            let fields = if reads {
                let line = render(w, tick, &ev);
                stats.bytes += line.len() as u64;
                match m.log.run(stream_labels, &line) {
                    None => continue,
                    Some(f) => f,
                }
            } else {
                Fields::default()
            };
            stats.post_filter += 1;
            let i = if fields.get(ERROR_LABEL).is_some() {
                return Err(pipeline_error(&fields.merged(stream_labels)));
            } else if !fields.is_empty() {
                intern(group(stream_labels, &fields, &m.sum), &mut series)?
            } else if let Some(i) = by_stream[ev.stream] {
                i
            } else {
                let i = intern(group(stream_labels, &fields, &m.sum), &mut series)?;
                by_stream[ev.stream] = Some(i);
                i
            };
            series[i].ts.push(tick.ts_ns);
        }
    }
    for s in &mut series {
        s.ts.sort_unstable();
    }
    Ok((series, stats))
}

fn value(m: &MetricQuery, count: usize) -> f64 {
    match m.func {
        RangeFn::CountOverTime => count as f64,
        RangeFn::Rate => count as f64 / (m.range_ns as f64 / 1e9),
    }
}

fn count_at(ts: &[i64], t: i64, range: i64) -> usize {
    ts.partition_point(|x| *x <= t) - ts.partition_point(|x| *x <= t - range)
}

/// A metric range query evaluated at `start, start+step, …, end` (each over `(T-range, T]`): each
/// series' labels and its non-empty points, series in label order.
pub type Matrix = Vec<(Labels, Vec<(i64, f64)>)>;

pub fn metric_range(
    w: &World,
    m: &MetricQuery,
    (start, end, step): (i64, i64, i64),
    now: i64,
) -> Result<(Matrix, Stats), String> {
    let (series, stats) = collect(w, m, start - m.range_ns, end, now)?;
    let mut out: Matrix = series
        .into_iter()
        .map(|s| {
            let points = (0..)
                .map(|i| start + i * step)
                .take_while(|t| *t <= end)
                .filter_map(|t| Some((t, count_at(&s.ts, t, m.range_ns))).filter(|(_, c)| *c > 0))
                .map(|(t, c)| (t, value(m, c)))
                .collect();
            (s.labels, points)
        })
        .filter(|(_, p): &(Labels, Vec<(i64, f64)>)| !p.is_empty())
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((out, stats))
}

/// A metric instant query at `t` (over `(t-range, t]`): each series' labels and value, in label order.
pub fn metric_instant(w: &World, m: &MetricQuery, t: i64, now: i64) -> Result<(Vec<(Labels, f64)>, Stats), String> {
    let (series, stats) = collect(w, m, t - m.range_ns, t, now)?;
    let mut out: Vec<(Labels, f64)> = series
        .into_iter()
        .map(|s| {
            let c = count_at(&s.ts, t, m.range_ns);
            (s.labels, value(m, c))
        })
        .filter(|(_, v)| *v > 0.0)
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok((out, stats))
}

/// The streams (indices) matching any of `selectors` (all streams when there are none) that have at
/// least one line in `[start, min(end, now))`.
pub fn streams_with_data(w: &World, selectors: &[Vec<Matcher>], (start, end, now): (i64, i64, i64)) -> Vec<usize> {
    let wanted: Vec<bool> =
        streams().iter().map(|s| selectors.is_empty() || selectors.iter().any(|m| matches_all(m, &s.labels))).collect();
    let mut found = vec![false; streams().len()];
    let script = Script::new(w);
    for source in 0..SOURCES {
        let mut missing = (0..streams().len()).filter(|i| wanted[*i] && streams()[*i].source == source).count();
        let walk = ticks(source, start, end.min(now), true).take(MAX_DISCOVERY_TICKS as usize);
        for tick in walk {
            if missing == 0 {
                break;
            }
            if let Some(ev) = script.event(tick) {
                if wanted[ev.stream] && !found[ev.stream] {
                    found[ev.stream] = true;
                    missing -= 1;
                }
            }
        }
    }
    (0..streams().len()).filter(|i| found[*i]).collect()
}

#[cfg(test)]
#[path = "loki_query_tests.rs"]
mod tests;
