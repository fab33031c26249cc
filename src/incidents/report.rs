//! The I/O behind `centinela postmortem` and `centinela handoff`: reading the stored incidents and the
//! audit trail, asking Prometheus and the Alertmanagers, and writing the Markdown out. The documents
//! themselves are written by the pure [`super::postmortem`] and [`super::handoff`].

use super::handoff::{self, Answers, Handoff};
use super::key_panels;
use super::model::Incident;
use super::postmortem::{self, Draft, Panels, Targets, Trail};
use super::store;
use crate::actions::audit::Record;
use crate::cli::{HandoffArgs, PostmortemArgs};
use crate::paths::{read_optional, Paths};
use crate::setup::{self, Loaded};
use crate::sources::alertmanager::AmClient;
use crate::sources::prometheus::PromClient;
use anyhow::anyhow;
use std::collections::HashSet;
use std::path::Path;

/// How many ids an unknown id's message lists.
pub const LIST_KNOWN: usize = 10;
/// Audit records this long before the incident opened belong to it (an action started on the first
/// page), and this long after it closed (the verification of the action that ended it).
pub const TRAIL_BEFORE_MS: i64 = 5 * 60_000;
/// See [`TRAIL_BEFORE_MS`].
pub const TRAIL_AFTER_MS: i64 = 10 * 60_000;

/// Every readable incident in `dir`, oldest first; each unreadable file is named on stderr and skipped.
pub fn load(dir: &Path) -> Vec<Incident> {
    let (list, problems) = store::load_all(dir);
    for p in problems {
        eprintln!("centinela: warning: skipped an incident file that cannot be read: {p}");
    }
    list
}

fn state(i: &Incident) -> &'static str {
    if i.is_open() {
        "open"
    } else {
        "closed"
    }
}

/// The index in `list` (oldest first) of incident `id`, or of the most recent one when `id` is
/// `None`. An id may be shortened to a prefix that only one incident has. The error says which
/// incidents there are.
pub fn choose(list: &[Incident], id: Option<&str>, dir: &Path) -> Result<usize, String> {
    if list.is_empty() {
        return Err(format!(
            "no incidents are stored in {}\n  incidents are recorded there while centinela runs, when an alert at or above \
             the configured severity fires (or one is opened by hand); `centinela info` shows the data dir",
            dir.display()
        ));
    }
    let Some(id) = id else {
        return Ok(list.len() - 1);
    };
    if let Some(i) = list.iter().position(|i| i.id == id) {
        return Ok(i);
    }
    let prefixed: Vec<usize> = (0..list.len()).filter(|&n| list[n].id.starts_with(id)).collect();
    if let [only] = prefixed[..] {
        return Ok(only);
    }
    let mut msg = if prefixed.is_empty() {
        format!("no incident `{id}` in {}; the newest are:", dir.display())
    } else {
        format!("`{id}` starts {} incident ids; give more of it. The newest are:", prefixed.len())
    };
    for i in list.iter().rev().take(LIST_KNOWN) {
        let clean = |s: &str| crate::sanitize::sanitize(s).into_owned();
        msg.push_str(&format!("\n  {}  {} ({}, {})", clean(&i.id), clean(&i.title), clean(&i.environment), state(i)));
    }
    if list.len() > LIST_KNOWN {
        msg.push_str(&format!("\n  … and {} older", list.len() - LIST_KNOWN));
    }
    Err(msg)
}

/// The audit records of environment `env` between `from_ms` and `to_ms`, read line by line (the
/// chain is `centinela audit verify`'s business; lines that are not records are counted).
pub fn read_trail(path: &Path, env: &str, from_ms: i64, to_ms: i64) -> Trail {
    let body = match read_optional(path) {
        Ok(Some(b)) => b,
        Ok(None) => return Trail::Missing(path.to_path_buf()),
        Err(e) => return Trail::Unreadable { path: path.to_path_buf(), why: e.to_string() },
    };
    let mut records = Vec::new();
    let mut bad_lines = 0;
    for line in body.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<Record>(line) {
            Ok(r) => {
                let at = crate::alerts::model::parse_time(&r.time);
                if r.entry.environment == env && at.is_some_and(|t| (from_ms..=to_ms).contains(&t)) {
                    records.push(r);
                }
            }
            Err(_) => bad_lines += 1,
        }
    }
    Trail::Records { path: path.to_path_buf(), records, bad_lines }
}

/// The key panels' section for `inc`, from its environment's Prometheus.
pub async fn panels(loaded: &Loaded, inc: &Incident, now_ms: i64) -> Panels {
    let Some(env) = loaded.config.environment(Some(&inc.environment)) else {
        return Panels::Unavailable(format!(
            "The incident's environment `{}` is not in the config, so there is no Prometheus to ask.",
            inc.environment
        ));
    };
    let client = match PromClient::new(&env.prometheus) {
        Ok(c) => c,
        Err(why) => return Panels::Unavailable(format!("Prometheus at {} cannot be used: {why}", env.prometheus.url)),
    };
    let r = key_panels::window(inc.opened_ms, inc.closed_ms, now_ms);
    let picked = key_panels::pick(&loaded.config.dashboards, &postmortem::services(inc), r);
    key_panels::fetch(&client, &picked, r).await
}

/// The postmortem draft of `list[index]`.
pub async fn postmortem(loaded: &Loaded, list: &[Incident], index: usize, targets: Targets) -> String {
    let now_ms = crate::poll::now_ms();
    let Some(inc) = list.get(index) else { return String::new() };
    let trail = read_trail(
        &loaded.paths.audit_file_for(loaded.demo.is_some()),
        &inc.environment,
        inc.opened_ms - TRAIL_BEFORE_MS,
        inc.closed_ms.map_or(now_ms, |c| c + TRAIL_AFTER_MS),
    );
    let panels = panels(loaded, inc, now_ms).await;
    postmortem::render(&Draft { incident: inc, all: list, targets, trail, panels, now_ms })
}

/// `centinela postmortem`: choose the incident (before anything slow), load the config, draft, write.
pub async fn run_postmortem(common: &crate::cli::Common, paths: &Paths, args: &PostmortemArgs) -> anyhow::Result<()> {
    let dir = paths.incidents_dir_for(common.demo);
    let list = load(&dir);
    let index = choose(&list, args.id.as_deref(), &dir).map_err(anyhow::Error::msg)?;
    let loaded = setup::load(common).await?;
    // The command line wins over the config's [incidents] targets.
    let set = &loaded.config.incidents;
    let mttr = args.mttr_target.unwrap_or(set.mttr_target.0);
    let targets = postmortem::targets(mttr, args.mtta_target.or(set.mtta_target.map(|d| d.0)));
    write_out(&postmortem(&loaded, &list, index, targets).await, args.output.as_deref())
}

/// Ask every Alertmanager of the environment, merging what they say (by `key`).
async fn ask_all<T, K: std::hash::Hash + Eq, F>(
    loaded: &Loaded,
    what: &str,
    key: impl Fn(&T) -> K,
    get: impl Fn(AmClient) -> F,
) -> Answers<T>
where
    F: std::future::Future<Output = Result<Vec<T>, crate::action::FetchError>>,
{
    let mut a = Answers { items: Vec::new(), answered: 0, problems: Vec::new() };
    let ams = loaded.config.environment(Some(&loaded.env_name)).map(|e| e.alertmanagers.clone()).unwrap_or_default();
    if ams.is_empty() {
        a.problems.push(format!(
            "No Alertmanager is configured for {} (`alertmanager = [{{ url = \"…\" }}]` in its [[environment]]), so \
             its {what} are not known.",
            loaded.env_name
        ));
        return a;
    }
    let mut calls = Vec::new();
    for src in &ams {
        match AmClient::new(src) {
            Ok(c) => {
                let name = c.name().to_string();
                let call = get(c);
                calls.push(async move { (name, call.await) });
            }
            Err(why) => a.problems.push(format!("Alertmanager at {} cannot be used: {why}", src.url)),
        }
    }
    let mut seen = HashSet::new();
    for (name, got) in futures_util::future::join_all(calls).await {
        match got {
            Ok(items) => {
                a.answered += 1;
                a.items.extend(items.into_iter().filter(|i| seen.insert(key(i))));
            }
            Err(e) => a.problems.push(key_panels::did_not_answer(&name, &e.message)),
        }
    }
    a
}

/// `centinela handoff`: the environment's firing alerts and silences, the open incidents; written out.
pub async fn run_handoff(common: &crate::cli::Common, paths: &Paths, args: &HandoffArgs) -> anyhow::Result<()> {
    let list = load(&paths.incidents_dir_for(common.demo));
    let loaded = setup::load(common).await?;
    let (alerts, silences) = tokio::join!(
        ask_all(
            &loaded,
            "alerts",
            |a: &crate::alerts::model::Alert| a.fingerprint.clone(),
            |c| async move { c.alerts().await }
        ),
        ask_all(
            &loaded,
            "silences",
            |s: &crate::alerts::model::Silence| s.id.clone(),
            |c| async move { c.silences().await }
        ),
    );
    let h = Handoff {
        environment: &loaded.env_name,
        now_ms: crate::poll::now_ms(),
        alerts,
        silences,
        open: list.iter().filter(|i| i.is_open()).collect(),
        severity_order: &loaded.config.alerts.severity_order,
        dead_mans_switch: loaded.config.alerts.dead_mans_switch.as_deref(),
    };
    write_out(&handoff::render(&h), args.output.as_deref())
}

/// Print `doc` on stdout, or write it to `file` (and say so on stderr).
pub fn write_out(doc: &str, file: Option<&Path>) -> anyhow::Result<()> {
    match file {
        None => {
            print!("{doc}");
            Ok(())
        }
        Some(f) => {
            std::fs::write(f, doc).map_err(|e| anyhow!("cannot write {}: {e}; check the path", f.display()))?;
            eprintln!("centinela: wrote {}", f.display());
            Ok(())
        }
    }
}
