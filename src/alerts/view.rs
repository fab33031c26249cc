//! From what the backends said to what the alerts view lists: alerts merged across the Alertmanagers
//! of an HA cluster by fingerprint, filtered, grouped and sorted (severity, then newest first), with
//! Prometheus's pending alerts apart. Pure and rebuilt only when data or the filter change, so
//! drawing a frame never sorts.

use super::filter::Filter;
use super::model::{Alert, AlertGroup, AmState, Labels, PromAlert, PromAlertState, Shared};
use crate::config::AlertsSettings;
use std::collections::{BTreeMap, HashMap};

/// One alert as listed: merged over every Alertmanager that reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub alert: Shared,
    /// Indexes of the Alertmanagers that report it (empty when it comes from Prometheus only).
    pub reported_by: Vec<usize>,
    /// Its value at the last evaluation, from Prometheus.
    pub value: Option<String>,
    pub rank: usize,
}

impl Shown {
    pub fn suppressed(&self) -> bool {
        self.alert.state == AmState::Suppressed
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// A group heading: its labels (`alertname="X", service="Y"`) and how many alerts it lists.
    Group { title: String, count: usize, rank: usize },
    /// An index into `View::alerts`.
    Alert(usize),
    /// The heading of the pending section.
    Pending { count: usize },
    /// An index into `View::pending`.
    PendingAlert(usize),
}

/// What the alerts view lists, ready to draw.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct View {
    pub alerts: Vec<Shown>,
    pub pending: Vec<PromAlert>,
    pub rows: Vec<Row>,
    /// Firing, not suppressed, by severity (all alerts, before the filter): the header's counts.
    pub firing_by_severity: Vec<(String, usize)>,
    /// How many alerts there are before the filter (firing, suppressed included).
    pub total: usize,
    /// Firing alerts come from Prometheus because no Alertmanager answered.
    pub from_prometheus: bool,
}

/// The inputs: each Alertmanager's last good alert list (None when it never answered or is down),
/// the first answering instance's groups, and Prometheus's alerts.
pub struct Inputs<'a> {
    pub per_am: &'a [Option<&'a [Shared]>],
    pub groups: Option<&'a [AlertGroup]>,
    pub prom: Option<&'a [PromAlert]>,
    pub filter: &'a Filter,
    pub settings: &'a AlertsSettings,
}

/// Merge by fingerprint: the entry with the newest `updatedAt` wins (it has the latest status), and
/// every instance reporting it is listed.
pub fn merge(per_am: &[Option<&[Shared]>]) -> Vec<(Shared, Vec<usize>)> {
    let mut by_fp: HashMap<&str, usize> =
        HashMap::with_capacity(per_am.iter().flatten().map(|a| a.len()).max().unwrap_or(0));
    let mut out: Vec<(Shared, Vec<usize>)> = Vec::new();
    for (i, alerts) in per_am.iter().enumerate() {
        for a in alerts.iter().flat_map(|a| a.iter()) {
            match by_fp.get(a.fingerprint.as_str()) {
                Some(&at) => {
                    let (kept, by) = &mut out[at];
                    if !by.contains(&i) {
                        by.push(i);
                    }
                    if a.updated_at_ms > kept.updated_at_ms {
                        let older = std::mem::replace(kept, a.clone());
                        absorb(kept, &older);
                    } else {
                        absorb(kept, a);
                    }
                }
                None => {
                    by_fp.insert(&a.fingerprint, out.len());
                    out.push((a.clone(), vec![i]));
                }
            }
        }
    }
    out
}

/// While a silence gossips through the cluster, instances disagree: the alert counts as suppressed
/// if any instance says so, with every silence and inhibitor any of them names.
fn absorb(kept: &mut Shared, other: &Alert) {
    if other.state != AmState::Suppressed
        || (kept.state == AmState::Suppressed
            && other.silenced_by.iter().all(|s| kept.silenced_by.contains(s))
            && other.inhibited_by.iter().all(|s| kept.inhibited_by.contains(s)))
    {
        return;
    }
    let k = Shared::make_mut(kept);
    k.state = AmState::Suppressed;
    for s in &other.silenced_by {
        if !k.silenced_by.contains(s) {
            k.silenced_by.push(s.clone());
        }
    }
    for s in &other.inhibited_by {
        if !k.inhibited_by.contains(s) {
            k.inhibited_by.push(s.clone());
        }
    }
}

/// Alertmanager's fingerprint is a hash of the label set; for alerts known only from Prometheus a
/// stable stand-in is enough (it only has to be unique and constant).
pub fn label_fingerprint(labels: &Labels) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    labels.hash(&mut h);
    format!("p{:015x}", h.finish() & 0x0fff_ffff_ffff_ffff)
}

fn from_prometheus(p: &PromAlert) -> Shared {
    Shared::new(Alert {
        fingerprint: label_fingerprint(&p.labels),
        labels: p.labels.clone(),
        annotations: p.annotations.clone(),
        starts_at_ms: p.active_at_ms.unwrap_or(0),
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
        receivers: Vec::new(),
    })
}

fn title(labels: &Labels) -> String {
    if labels.is_empty() {
        return "(no group labels)".into();
    }
    labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect::<Vec<_>>().join(", ")
}

type GroupKey<'a> = (Option<usize>, Vec<&'a str>);

/// The group of an alert: its Alertmanager group's index, else the values of the `by` labels.
fn group_key<'a>(s: &'a Shown, am_group: &HashMap<&str, usize>, by: &[String]) -> GroupKey<'a> {
    if let Some(gi) = am_group.get(s.alert.fingerprint.as_str()) {
        return (Some(*gi), Vec::new());
    }
    (None, by.iter().map(|k| s.alert.labels.get(k).map_or("", String::as_str)).collect())
}

pub fn build(inp: Inputs<'_>) -> View {
    let settings = inp.settings;
    let any_am = inp.per_am.iter().any(Option::is_some);
    let merged: Vec<(Shared, Vec<usize>)> = if any_am {
        merge(inp.per_am)
    } else {
        // No Alertmanager answered (or none is configured): Prometheus's firing alerts stand in.
        inp.prom
            .into_iter()
            .flatten()
            .filter(|p| p.state == PromAlertState::Firing)
            .map(|p| (from_prometheus(p), Vec::new()))
            .collect()
    };
    // Prometheus's value per label set, for the detail pane.
    let values: HashMap<&Labels, &str> =
        inp.prom.into_iter().flatten().map(|p| (&p.labels, p.value.as_str())).collect();

    let mut counts: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for (a, _) in &merged {
        // The dead man's switch fires all the time by design: not something to count.
        if a.state != AmState::Suppressed && settings.dead_mans_switch.as_deref() != Some(a.name()) {
            *counts.entry((settings.rank(a.severity()), a.severity().to_string())).or_default() += 1;
        }
    }
    let total = merged.len();
    let mut alerts: Vec<Shown> = merged
        .into_iter()
        .filter(|(a, _)| inp.filter.matches(&a.labels, &a.annotations))
        .map(|(a, by)| {
            let value = values.get(&a.labels).map(|v| v.to_string());
            let rank = settings.rank(a.severity());
            Shown { alert: a, reported_by: by, value, rank }
        })
        .collect();
    // Active before suppressed, most severe first, newest first, then by name for a stable order.
    alerts.sort_by(|a, b| {
        (a.suppressed(), a.rank, std::cmp::Reverse(a.alert.starts_at_ms), a.alert.name(), &a.alert.fingerprint).cmp(&(
            b.suppressed(),
            b.rank,
            std::cmp::Reverse(b.alert.starts_at_ms),
            b.alert.name(),
            &b.alert.fingerprint,
        ))
    });

    // Group per alert: the Alertmanager group it is in (by index), else the configured labels'
    // values. Keys borrow; a heading's text is made once per group.
    let am_group: HashMap<&str, usize> = match (settings.group_by.is_empty(), inp.groups) {
        (true, Some(groups)) => groups
            .iter()
            .enumerate()
            .flat_map(|(gi, g)| g.fingerprints.iter().map(move |fp| (fp.as_str(), gi)))
            .collect(),
        _ => HashMap::new(),
    };
    let by: Vec<String> =
        if settings.group_by.is_empty() { vec!["alertname".to_string()] } else { settings.group_by.clone() };

    // Groups in order of their first (most urgent) alert; alerts keep their order inside.
    let mut order: Vec<GroupKey> = Vec::new();
    let mut members: HashMap<GroupKey, Vec<usize>> = HashMap::new();
    for (i, s) in alerts.iter().enumerate() {
        let k = group_key(s, &am_group, &by);
        let m = members.entry(k.clone()).or_default();
        if m.is_empty() {
            order.push(k);
        }
        m.push(i);
    }
    let group_title = |k: &GroupKey| -> String {
        match (k.0, inp.groups) {
            (Some(gi), Some(groups)) => title(&groups[gi].labels),
            _ => {
                let l: Labels = by
                    .iter()
                    .zip(&k.1)
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.clone(), v.to_string()))
                    .collect();
                title(&l)
            }
        }
    };
    let mut rows = Vec::with_capacity(alerts.len() + order.len() + 2);
    for k in &order {
        let m = &members[k];
        // A group of one needs no heading: its alert's row says it all.
        if m.len() > 1 {
            rows.push(Row::Group { title: group_title(k), count: m.len(), rank: alerts[m[0]].rank });
        }
        rows.extend(m.iter().map(|&i| Row::Alert(i)));
    }
    let mut pending: Vec<PromAlert> = inp
        .prom
        .into_iter()
        .flatten()
        .filter(|p| p.state == PromAlertState::Pending && inp.filter.matches(&p.labels, &p.annotations))
        .cloned()
        .collect();
    pending.sort_by_key(|p| {
        (settings.rank(p.labels.get("severity").map_or("", String::as_str)), std::cmp::Reverse(p.active_at_ms))
    });
    if !pending.is_empty() {
        rows.push(Row::Pending { count: pending.len() });
        rows.extend((0..pending.len()).map(Row::PendingAlert));
    }
    View {
        alerts,
        pending,
        rows,
        firing_by_severity: counts.into_iter().map(|((_, s), n)| (s, n)).collect(),
        total,
        from_prometheus: !any_am && inp.prom.is_some(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::filter;

    fn shared(v: Vec<Alert>) -> Vec<Shared> {
        v.into_iter().map(Shared::new).collect()
    }

    pub fn alert(fp: &str, name: &str, sev: &str, start: i64, updated: i64) -> Alert {
        let labels: Labels =
            [("alertname", name), ("severity", sev)].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Alert {
            fingerprint: fp.into(),
            labels,
            annotations: Labels::new(),
            starts_at_ms: start,
            ends_at_ms: None,
            updated_at_ms: Some(updated),
            generator_url: String::new(),
            state: AmState::Active,
            silenced_by: vec![],
            inhibited_by: vec![],
            receivers: vec![],
        }
    }

    #[test]
    fn ha_pair_merges_by_fingerprint_and_the_newest_status_wins() {
        let a1 = shared(vec![alert("f1", "A", "critical", 10, 100), alert("f2", "B", "high", 20, 100)]);
        let mut newer = alert("f1", "A", "critical", 10, 200);
        newer.state = AmState::Suppressed;
        let a2 = shared(vec![newer, alert("f3", "C", "medium", 30, 100)]);
        let m = merge(&[Some(&a1), Some(&a2)]);
        assert_eq!(m.len(), 3);
        assert_eq!(m[0].1, [0, 1]);
        assert_eq!(m[0].0.state, AmState::Suppressed, "suppressed if any instance says so");
        assert_eq!(m[2].1, [1], "one instance's own alerts still show");
        // The other order: the newer copy says active, the older one silenced (gossip lag).
        let mut silenced = alert("f1", "A", "critical", 10, 50);
        silenced.state = AmState::Suppressed;
        silenced.silenced_by = vec!["s1".into()];
        let m = merge(&[Some(&a1), Some(&shared(vec![silenced]))]);
        assert_eq!((m[0].0.state, m[0].0.silenced_by.clone()), (AmState::Suppressed, vec!["s1".to_string()]));
        // The second instance is down: the first one's alerts still show.
        assert_eq!(merge(&[Some(&a1), None]).len(), 2);
    }

    #[test]
    fn sorted_by_severity_then_newest_with_unknown_severities_last() {
        let s = AlertsSettings::default();
        let a = shared(vec![
            alert("1", "Old", "high", 10, 0),
            alert("2", "Crit", "critical", 5, 0),
            alert("3", "New", "high", 50, 0),
            alert("4", "Weird", "sev-9", 60, 0),
        ]);
        let f = Filter::default();
        let v = build(Inputs { per_am: &[Some(&a)], groups: None, prom: None, filter: &f, settings: &s });
        let names: Vec<&str> = v.alerts.iter().map(|s| s.alert.name()).collect();
        assert_eq!(names, ["Crit", "New", "Old", "Weird"]);
        assert_eq!(
            v.firing_by_severity,
            [("critical".to_string(), 1), ("high".to_string(), 2), ("sev-9".to_string(), 1)]
        );
        // Grouped by alertname without Alertmanager groups: one heading per name.
        assert_eq!(v.rows[0], Row::Alert(0), "a group of one has no heading");
    }

    #[test]
    fn alertmanager_groups_and_filters_and_pending_apart() {
        let s = AlertsSettings::default();
        let a = shared(vec![alert("1", "A", "high", 10, 0), alert("2", "B", "high", 20, 0)]);
        let g = vec![AlertGroup {
            labels: [("severity".to_string(), "high".to_string())].into(),
            receiver: "r".into(),
            fingerprints: vec!["1".into(), "2".into()],
        }];
        let p = vec![PromAlert {
            labels: a[0].labels.clone(),
            annotations: Labels::new(),
            state: PromAlertState::Pending,
            active_at_ms: Some(5),
            value: "0.7".into(),
        }];
        let f = Filter::default();
        let v = build(Inputs { per_am: &[Some(&a)], groups: Some(&g), prom: Some(&p), filter: &f, settings: &s });
        assert_eq!(v.rows.len(), 1 + 2 + 1 + 1);
        assert!(matches!(&v.rows[0], Row::Group { count: 2, .. }));
        assert_eq!(v.rows[3], Row::Pending { count: 1 });
        assert_eq!(v.alerts.iter().find(|s| s.alert.name() == "A").unwrap().value.as_deref(), Some("0.7"));
        let f = filter::parse(r#"alertname="B""#).unwrap();
        let v = build(Inputs { per_am: &[Some(&a)], groups: Some(&g), prom: Some(&p), filter: &f, settings: &s });
        assert_eq!(v.alerts.len(), 1);
        assert_eq!(v.total, 2, "the total is before the filter");
        assert!(v.pending.is_empty());
    }

    #[test]
    fn without_alertmanager_prometheus_firing_alerts_stand_in() {
        let s = AlertsSettings::default();
        let p = vec![PromAlert {
            labels: [("alertname".to_string(), "X".to_string())].into(),
            annotations: Labels::new(),
            state: PromAlertState::Firing,
            active_at_ms: Some(5),
            value: "1".into(),
        }];
        let f = Filter::default();
        let v = build(Inputs { per_am: &[None, None], groups: None, prom: Some(&p), filter: &f, settings: &s });
        assert!(v.from_prometheus);
        assert_eq!(v.alerts.len(), 1);
        assert_eq!(v.alerts[0].alert.fingerprint, label_fingerprint(&p[0].labels));
    }
}
