//! `update` for runbook actions: an action's key (or the menu) prepares it for what is selected, the
//! confirmation its policy asks for, the run handed to the runtime as an effect, its output and
//! outcome as they come back, and the verification afterwards. Every attempt, whatever becomes of it
//! (run, refused, cancelled, shown as a dry run, verified), leaves an audit effect.

use super::set_status;
use crate::action::{Intent, RunbookEvent, TextOp};
use crate::actions::audit::{Confirmation, Event};
use crate::actions::invoke::{self, Place, Prepared, Refused, Subject};
use crate::config::{Confirm, Scope};
use crate::effect::Effect;
use crate::incidents::EventKind;
use crate::state::actions::{took, Menu, OutputLine, Pending, Phase, Run, Verdict, Verification, Watch};
use crate::state::text::LineEdit;
use crate::state::{Page, State};

/// What is selected in the current view, as something an action can be started on.
pub fn subject(state: &State) -> Subject {
    match state.page {
        Page::Alerts if !state.alerts.silences_open => {
            state.alerts.selected_alert().map_or(Subject::Global, |s| Subject::Alert(s.alert.clone()))
        }
        Page::Health => state
            .health
            .targets
            .get(state.health.selected)
            .map_or(Subject::Global, |t| Subject::Target { name: t.spec.name.clone(), url: t.spec.url.clone() }),
        _ => Subject::Global,
    }
}

fn place(state: &State) -> Place<'_> {
    Place {
        env: &state.env_name,
        production: state.production,
        read_only: state.read_only(),
        origin: &state.actions.origin,
        now_ms: state.now_ms,
        secrets: &state.actions.secrets,
    }
}

/// An action's key was pressed (or chosen in the menu): prepare it for the selection, then confirm,
/// run, or (with `dry_run`) only show it.
pub fn invoke(state: &mut State, index: usize, dry_run: bool) -> Vec<Effect> {
    state.dirty = true;
    // From the menu: what it was opened on, and its dry-run mode, whatever the selection is now.
    let menu = state.actions.menu.take();
    let dry_run = dry_run || menu.as_ref().is_some_and(|m| m.dry_run);
    let Some(spec) = state.actions.specs.get(index).cloned() else { return Vec::new() };
    if let Some(why) = &state.actions.unavailable {
        let text = format!("{} not run: {why}", spec.name);
        set_status(state, text, true);
        return Vec::new();
    }
    let from_menu = menu.is_some();
    let subject = match (&spec.scope, menu) {
        (Scope::Global, _) => Subject::Global,
        (_, Some(m)) => m.subject,
        (_, None) => subject(state),
    };
    // The alert the menu was opened on may have resolved meanwhile.
    if let (true, Subject::Alert(a)) = (from_menu, &subject) {
        let shown = state.alerts.view.alerts.iter().any(|x| x.alert.fingerprint == a.fingerprint);
        if !shown {
            let text = format!("{} not run: {} is no longer firing", spec.name, subject.describe(&state.env_name));
            set_status(state, text, true);
            return Vec::new();
        }
    }
    if !subject.offers(&spec) {
        let what = match &spec.scope {
            Scope::Alert(s) if s.text.is_empty() => "an alert".to_string(),
            Scope::Alert(s) => format!("alerts matching {}", s.text),
            Scope::Health(n) if n.is_empty() => "a health target".to_string(),
            Scope::Health(n) => format!("the health targets {}", n.join(", ")),
            Scope::Global => "anything".to_string(),
        };
        let labels = spec.required_labels().join(", ");
        let needs = if labels.is_empty() { String::new() } else { format!(" with the labels {labels}") };
        set_status(state, format!("{} works on {what}{needs}: select one first", spec.name), true);
        return Vec::new();
    }
    let prepared = match invoke::prepare(index, &spec, &subject, &place(state)) {
        Ok(p) => p,
        Err(r) => return refuse_unprepared(state, r),
    };
    if dry_run {
        return dry(state, prepared);
    }
    if let Some(reason) = early_refusal(state, &prepared) {
        return refuse(state, prepared, Confirmation::None, reason);
    }
    match prepared.confirm {
        Confirm::None => start(state, prepared, Confirmation::None),
        Confirm::YesNo | Confirm::TypeEnv => {
            state.actions.confirm = Some(Pending { prepared, typed: LineEdit::default(), error: None });
            Vec::new()
        }
    }
}

/// What the screen can already tell is refused: read-only, the same action already running on the
/// same target. (The runner's guards check these again, and the cooldown, when it starts.)
fn early_refusal(state: &State, p: &Prepared) -> Option<String> {
    if let Some(why) = state.read_only_reason() {
        return Some(format!("read-only: {} was refused ({why})", p.name));
    }
    if p.interactive && !state.actions.terminal {
        return Some(format!("{} is interactive and needs a terminal to hand over; run it from the TUI", p.name));
    }
    // The same command in the same environment, from whichever alert it was started.
    let first = |shown: &str| shown.lines().next().unwrap_or_default().to_string();
    state
        .actions
        .running()
        .find(|r| r.name == p.name && r.environment == state.env_name && first(&r.shown) == first(&p.shown))
        .map(|r| format!("{} on {} is already running (single flight)", r.name, r.target))
}

fn next_id(state: &mut State) -> u64 {
    let id = state.actions.next_id;
    state.actions.next_id += 1;
    id
}

fn audit(state: &State, p: &Prepared, confirmation: Confirmation, event: Event, outcome: String) -> Effect {
    Effect::AuditAction {
        meta: p.meta(&state.env_name, &state.actions.origin, confirmation),
        command: Some(p.command.clone()),
        event,
        outcome,
    }
}

fn refuse_unprepared(state: &mut State, r: Refused) -> Vec<Effect> {
    let meta = crate::actions::attempt::AttemptMeta {
        attempt: String::new(),
        action: r.name.clone(),
        target: r.target.clone(),
        environment: state.env_name.clone(),
        confirmation: Confirmation::None,
        alert_fingerprint: r.alert_fingerprint.clone(),
        origin: state.actions.origin.clone(),
    };
    set_status(state, format!("refused: {}", r.reason), true);
    vec![Effect::AuditAction { meta, command: None, event: Event::Refused, outcome: r.reason }]
}

fn refuse(state: &mut State, p: Prepared, confirmation: Confirmation, reason: String) -> Vec<Effect> {
    let effect = audit(state, &p, confirmation.clone(), Event::Refused, reason.clone());
    let id = next_id(state);
    let run = Run::new(id, &p, &state.env_name, confirmation, state.now_ms, Phase::Refused(reason.clone()));
    state.actions.push_run(run);
    set_status(state, reason, true);
    vec![effect]
}

fn dry(state: &mut State, p: Prepared) -> Vec<Effect> {
    let effect = audit(state, &p, Confirmation::None, Event::DryRun, "dry run: shown, not run".into());
    let id = next_id(state);
    let run = Run::new(id, &p, &state.env_name, Confirmation::None, state.now_ms, Phase::DryRun);
    set_status(state, format!("dry run of {} on {}: shown below, not run", p.name, p.target), false);
    state.actions.push_run(run);
    state.actions.output_open = true;
    vec![effect]
}

fn start(state: &mut State, p: Prepared, confirmation: Confirmation) -> Vec<Effect> {
    let id = next_id(state);
    let meta = p.meta(&state.env_name, &state.actions.origin, confirmation.clone());
    let run = Run::new(id, &p, &state.env_name, confirmation, state.now_ms, Phase::Queued);
    set_status(state, format!("{} on {}: started", p.name, p.target), false);
    state.actions.push_run(run);
    state.actions.output_open = !p.interactive;
    vec![Effect::RunAction { id, meta, policy: p.policy, command: p.command }]
}

/// Whether the typed confirmation has the keyboard.
pub fn text_focus(state: &State) -> bool {
    state.actions.typing()
}

/// An edit of the typed confirmation.
pub fn on_text(state: &mut State, op: TextOp) -> Vec<Effect> {
    state.dirty = true;
    match op {
        TextOp::Submit => confirm(state),
        TextOp::Cancel => cancel(state),
        op => {
            if let Some(p) = &mut state.actions.confirm {
                p.typed.apply(op);
                p.error = None;
            }
            Vec::new()
        }
    }
}

fn confirm(state: &mut State) -> Vec<Effect> {
    let Some(p) = state.actions.confirm.take() else { return Vec::new() };
    match p.prepared.confirm {
        Confirm::TypeEnv => {
            let typed = p.typed.text.trim().to_string();
            if typed != state.env_name {
                let error = if typed.is_empty() {
                    format!("type {} to run it, or press esc", state.env_name)
                } else {
                    format!("`{typed}` is not `{}`: type the environment's name exactly", state.env_name)
                };
                state.actions.confirm = Some(Pending { error: Some(error), ..p });
                return Vec::new();
            }
            start(state, p.prepared, Confirmation::Typed(typed))
        }
        Confirm::YesNo | Confirm::None => start(state, p.prepared, Confirmation::Yes),
    }
}

fn cancel(state: &mut State) -> Vec<Effect> {
    let Some(p) = state.actions.confirm.take() else { return Vec::new() };
    set_status(state, format!("{} on {}: cancelled, nothing was run", p.prepared.name, p.prepared.target), false);
    vec![audit(state, &p.prepared, Confirmation::None, Event::Cancelled, "cancelled at the confirmation".into())]
}

/// The intents the actions layer answers: the menu, the confirmation and the output pane. `None`
/// when the intent is not for it.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    if state.actions.confirm.is_some() {
        return Some(match intent {
            Intent::Confirm if !state.actions.typing() => confirm(state),
            Intent::Back | Intent::Quit => cancel(state),
            _ => Vec::new(),
        });
    }
    if let Some(menu) = &mut state.actions.menu {
        let n = menu.items.len();
        match intent {
            Intent::SelectNext | Intent::FocusDown => menu.selected = (menu.selected + 1).min(n.saturating_sub(1)),
            Intent::SelectPrev | Intent::FocusUp => menu.selected = menu.selected.saturating_sub(1),
            Intent::SelectFirst => menu.selected = 0,
            Intent::SelectLast => menu.selected = n.saturating_sub(1),
            Intent::Confirm | Intent::DryRun => {
                let index = menu.items.get(menu.selected).copied();
                let dry = menu.dry_run || intent == Intent::DryRun;
                return Some(index.map_or_else(Vec::new, |i| invoke(state, i, dry)));
            }
            Intent::Back | Intent::ActionsMenu | Intent::Quit => state.actions.menu = None,
            _ => {}
        }
        return Some(Vec::new());
    }
    match intent {
        Intent::ActionsMenu | Intent::DryRun => {
            open_menu(state, intent == Intent::DryRun);
            Some(Vec::new())
        }
        Intent::ActionOutput => {
            state.actions.output_open = !state.actions.output_open;
            if state.actions.output_open && state.actions.runs.is_empty() {
                set_status(state, "no action has run yet in this session".into(), false);
            }
            Some(Vec::new())
        }
        Intent::Back if state.actions.output_open && !state.help => {
            state.actions.output_open = false;
            Some(Vec::new())
        }
        _ => None,
    }
}

fn open_menu(state: &mut State, dry_run: bool) {
    let subject = subject(state);
    let items: Vec<usize> = {
        let specs = &state.actions.specs;
        let global_only = Subject::Global;
        let on = if matches!(subject, Subject::Global) { &global_only } else { &subject };
        invoke::offered(specs, on, &state.env_name).into_iter().map(|(i, _)| i).collect()
    };
    if items.is_empty() {
        let what = match &subject {
            Subject::Global if state.actions.specs.is_empty() => {
                "no actions are configured: add [[action]] entries to the config".to_string()
            }
            Subject::Global => "no action is offered here; select an alert or a health target".to_string(),
            s => format!("no action is offered on {}", s.describe(&state.env_name)),
        };
        set_status(state, what, false);
        return;
    }
    state.actions.menu = Some(Menu { subject, items, selected: 0, dry_run });
}

/// What the runner reports about a run.
pub fn apply(state: &mut State, event: RunbookEvent) -> Vec<Effect> {
    state.dirty = true;
    let now = state.now_ms;
    match event {
        RunbookEvent::Started { id, attempt, at_ms } => {
            let Some(r) = state.actions.run_mut(id) else { return Vec::new() };
            r.attempt = attempt;
            r.phase = Phase::Running;
            // The command or the request line; headers stay out of the timeline.
            let what = r.shown.lines().next().unwrap_or_default();
            let (env, text) = (r.environment.clone(), format!("{} on {}: {what}", r.name, r.target));
            let by = super::incidents::who(state);
            return super::incidents::record_in(state, &env, at_ms, EventKind::ActionStarted, text, by);
        }
        RunbookEvent::Output { id, lines } => {
            if let Some(r) = state.actions.run_mut(id) {
                for (stderr, text) in lines {
                    r.push_line(OutputLine { stderr, text: crate::sanitize::sanitize_trunc(&text, 2_000) });
                }
            }
        }
        RunbookEvent::Capped { id } => {
            if let Some(r) = state.actions.run_mut(id) {
                r.capped = true;
            }
        }
        RunbookEvent::Refused { id, reason } => {
            set_status(state, reason.clone(), true);
            let Some(r) = state.actions.run_mut(id) else { return Vec::new() };
            r.phase = Phase::Refused(reason.clone());
            r.ended_ms = Some(now);
            let (env, text) = (r.environment.clone(), format!("{} on {}: {reason}", r.name, r.target));
            let by = super::incidents::who(state);
            return super::incidents::record_in(state, &env, now, EventKind::ActionRefused, text, by);
        }
        RunbookEvent::AuditFailed { id, error } => {
            if let Some(r) = state.actions.run_mut(id) {
                r.audit_error = Some(error.clone());
            }
            set_status(state, format!("the audit trail could not record it: {error}"), true);
        }
        RunbookEvent::Ended { id, success, summary, exit_code, duration_ms, audit_error, at_ms } => {
            let specs = state.actions.specs.clone();
            let Some(r) = state.actions.run_mut(id) else { return Vec::new() };
            r.phase = Phase::Finished { success, summary: summary.clone(), exit_code, duration_ms };
            r.ended_ms = Some(at_ms.max(r.started_ms));
            r.audit_error = audit_error.clone();
            let verify = specs.iter().find(|s| s.name == r.name).and_then(|s| s.verify.clone());
            if success {
                r.verification = verify.and_then(|v| {
                    let watch = match (v.health, &r.alert_fingerprint) {
                        (Some(name), _) => Watch::Health { name },
                        (None, Some(fp)) if v.alert_resolves => Watch::Alert { fingerprint: fp.clone() },
                        _ => return None,
                    };
                    Some(Verification { watch, within_ms: v.within.0.as_millis() as i64, verdict: Verdict::Watching })
                });
            }
            // It ended after a switch to another environment: nobody can watch it recover from here.
            let switched_away = r.environment != state.env_name;
            if let (true, Some(v)) = (switched_away, &mut r.verification) {
                v.verdict =
                    Verdict::Unknown(format!("not checked: switched away from {} before it ended", r.environment));
            }
            let text = format!("{} on {}: {summary} after {}", r.name, r.target, took(duration_ms));
            let text = match audit_error {
                Some(e) => format!("{text}; the audit trail could not record the end: {e}"),
                None => text,
            };
            set_status(state, text, !success);
            let r = state.actions.run_mut(id).expect("found above");
            let kind = if success { EventKind::ActionSucceeded } else { EventKind::ActionFailed };
            let (env, text) =
                (r.environment.clone(), format!("{} on {}: {summary} after {}", r.name, r.target, took(duration_ms)));
            let by = super::incidents::who(state);
            let mut out = super::incidents::record_in(state, &env, at_ms, kind, text, by);
            let origin = state.actions.origin.clone();
            let r = state.actions.run_mut(id).expect("found above");
            if let Some(Verification { verdict: Verdict::Unknown(why), .. }) = &r.verification {
                let meta = r.audit_meta(&origin);
                out.push(Effect::AuditAction { meta, command: None, event: Event::Verified, outcome: why.clone() });
            }
            out.extend(verify_all(state));
            return out;
        }
    }
    Vec::new()
}

/// Check the runs being verified against what the alerts and health checks say now.
pub fn verify_all(state: &mut State) -> Vec<Effect> {
    let now = state.now_ms;
    let mut out = Vec::new();
    let mut messages = Vec::new();
    let mut timeline = Vec::new();
    for i in 0..state.actions.runs.len() {
        let r = &state.actions.runs[i];
        let (Some(v), Some(ended)) = (&r.verification, r.ended_ms) else { continue };
        if r.environment != state.env_name {
            continue;
        }
        if v.verdict != Verdict::Watching {
            continue;
        }
        let recovered = match &v.watch {
            Watch::Alert { fingerprint } => alert_gone(state, fingerprint, ended),
            Watch::Health { name } => health_ok(state, name, ended),
        };
        let (verdict, words) = match recovered {
            Some(at) if at - ended <= v.within_ms => {
                let after = (at - ended).max(0);
                (Verdict::Recovered { after_ms: after }, format!("recovered {} after the run", secs(after)))
            }
            _ if now - ended > v.within_ms => {
                (Verdict::NotRecovered, format!("did not recover within {}", secs(v.within_ms)))
            }
            _ => continue,
        };
        let what = match &v.watch {
            Watch::Alert { .. } => "the alert".to_string(),
            Watch::Health { name } => format!("health target {name}"),
        };
        let r = &mut state.actions.runs[i];
        let ok = matches!(verdict, Verdict::Recovered { .. });
        if let Some(v) = &mut r.verification {
            v.verdict = verdict;
        }
        let meta = r.audit_meta(&state.actions.origin);
        messages.push((format!("{} on {}: {what} {words}", r.name, r.target), !ok));
        let kind = if ok { EventKind::Verified } else { EventKind::NotVerified };
        timeline.push((r.environment.clone(), kind, format!("{} on {}: {what} {words}", r.name, r.target)));
        out.push(Effect::AuditAction {
            meta,
            command: None,
            event: Event::Verified,
            outcome: format!("{what} {words}"),
        });
    }
    for (text, error) in messages {
        set_status(state, text, error);
        state.dirty = true;
    }
    for (env, kind, text) in timeline {
        out.extend(super::incidents::record_in(state, &env, now, kind, text, String::new()));
    }
    out
}

fn secs(ms: i64) -> String {
    took(ms.max(0) as u64)
}

/// When the alert was seen gone in an answer that arrived after the run ended, if it was.
fn alert_gone(state: &State, fingerprint: &str, ended: i64) -> Option<i64> {
    let a = &state.alerts;
    if a.ams.is_empty() {
        let feed = &a.prom_alerts;
        let firing =
            feed.data.as_ref()?.iter().any(|p| crate::alerts::view::label_fingerprint(&p.labels) == fingerprint);
        return (feed.at_ms > ended && !firing).then_some(feed.at_ms);
    }
    // Every Alertmanager that answers must have answered since the run ended.
    let fresh: Vec<i64> = a.ams.iter().filter(|m| m.alerts.error.is_none()).map(|m| m.alerts.at_ms).collect();
    if fresh.is_empty() || fresh.iter().any(|&at| at <= ended) {
        return None;
    }
    let firing = a.all_alerts().iter().any(|x| x.fingerprint == fingerprint);
    (!firing).then(|| fresh.into_iter().max().unwrap_or(state.now_ms))
}

/// When the health target was seen ok in a check answered after the run ended, if it was.
fn health_ok(state: &State, name: &str, ended: i64) -> Option<i64> {
    let t = state.health.targets.iter().find(|t| t.spec.name == name)?;
    (t.at_ms > ended && t.level() == crate::health::Level::Ok).then_some(t.at_ms)
}

/// The environment changed: a menu or confirmation prepared for the old one is dropped (the
/// confirmation as cancelled), and runs still being verified there can no longer be checked.
pub fn env_switched(state: &mut State, from: &str) -> Vec<Effect> {
    state.actions.menu = None;
    let mut out = cancel(state);
    for r in state.actions.runs.iter_mut().filter(|r| r.environment == from) {
        let Some(v) = &mut r.verification else { continue };
        if v.verdict != Verdict::Watching {
            continue;
        }
        let why = format!("not checked: switched away from {from} before it recovered");
        v.verdict = Verdict::Unknown(why.clone());
        let meta = r.audit_meta(&state.actions.origin);
        out.push(Effect::AuditAction { meta, command: None, event: Event::Verified, outcome: why });
    }
    out
}

/// Quit while an action runs: the first press warns (quitting stops the run), a second within five
/// seconds quits. Returns whether to quit now.
pub fn may_quit(state: &mut State) -> bool {
    let running: Vec<String> = state.actions.running().map(|r| format!("{} on {}", r.name, r.target)).collect();
    if running.is_empty() || state.actions.quit_armed_ms.is_some_and(|at| state.now_ms - at <= 5_000) {
        return true;
    }
    state.actions.quit_armed_ms = Some(state.now_ms);
    let text = format!("{} still running; quitting stops it. Press quit again to stop it and quit", running.join(", "));
    set_status(state, text, true);
    false
}
