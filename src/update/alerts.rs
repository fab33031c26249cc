//! `update` for the alerts view: polling the alerting feeds, applying their answers (and announcing
//! new alerts), the selection, the filter bar, the silence editor, acknowledgements and expiring
//! silences. Pure like the rest of `update`: writes go out as effects.

use super::set_status;
use crate::action::{AlertFeed, AlertsData, AlertsResult, FetchError, Intent, TextOp, WriteResult};
use crate::alerts::filter::{self, format_matchers};
use crate::alerts::model::{AmState, NewSilence, Shared, SilenceState};
use crate::alerts::silence;
use crate::effect::{Effect, SilenceOp};
use crate::state::alerts::{Confirm, Feed, Field, SilenceEditor};
use crate::state::text::LineEdit;
use crate::state::{Page, State};

/// Status and rules change slowly: polled every this many refreshes.
const SLOW_FACTOR: i64 = 4;

/// Issue fetches for the alerting feeds that are due. Alerts are polled on every page: the header
/// shows the firing count everywhere.
pub fn schedule(state: &mut State) -> Vec<Effect> {
    let now = state.now_ms;
    let refresh = state.alerts.settings.refresh.0.as_millis() as i64;
    let mut gen = state.next_generation;
    let mut out = Vec::new();
    for (feed, f) in state.alerts.feeds_mut() {
        if *f.in_flight || now < *f.next_due_ms {
            continue;
        }
        *f.in_flight = true;
        *f.issued = gen;
        out.push(Effect::FetchAlerts { feed, generation: gen });
        gen += 1;
        // Until it answers, it is not due again (the answer sets the real next time).
        *f.next_due_ms = now + refresh;
    }
    state.next_generation = gen;
    out
}

fn interval(state: &State, feed: AlertFeed) -> i64 {
    let refresh = state.alerts.settings.refresh.0.as_millis() as i64;
    match feed {
        AlertFeed::AmStatus(_) | AlertFeed::PromRules | AlertFeed::PromBuild => refresh * SLOW_FACTOR,
        _ => refresh,
    }
}

/// Make every alerting feed due now.
pub fn refetch(state: &mut State) {
    for (_, f) in state.alerts.feeds_mut() {
        *f.next_due_ms = 0;
        *f.in_flight = false;
    }
}

/// Store one answer in its feed. Returns whether what it holds changed (false for a late answer).
fn store<T: PartialEq>(
    feed: &mut Feed<T>,
    (generation, at_ms, elapsed_ms): (u64, i64, f64),
    next_due: i64,
    outcome: Result<Option<T>, FetchError>,
) -> bool {
    if generation < feed.issued {
        return false;
    }
    feed.latency_ms = elapsed_ms;
    feed.in_flight = false;
    feed.next_due_ms = next_due;
    feed.answered = true;
    match outcome {
        Ok(Some(data)) => {
            let same = feed.data.as_ref() == Some(&data) && feed.error.is_none();
            feed.data = Some(data);
            feed.at_ms = at_ms;
            feed.error = None;
            feed.failures = 0;
            !same
        }
        // An answer of another kind than the feed's: nothing to store.
        Ok(None) => false,
        Err(e) => {
            let changed = feed.error.as_ref() != Some(&e) || feed.failures + 1 == crate::state::alerts::DOWN_AFTER;
            feed.error = Some(e);
            feed.failures += 1;
            changed
        }
    }
}

/// Store a feed's answer; rebuild the list, announce new alerts, redraw only if something changed.
pub fn apply(state: &mut State, r: AlertsResult) -> Vec<Effect> {
    let next_due = r.at_ms + interval(state, r.feed);
    let g = (r.generation, r.at_ms, r.elapsed_ms);
    let a = &mut state.alerts;
    macro_rules! pick {
        ($variant:ident, $field:ident) => {
            r.outcome.map(|d| match d {
                AlertsData::$variant { $field } => Some($field),
                _ => None,
            })
        };
    }
    let changed = match r.feed {
        AlertFeed::AmAlerts(i) => a.ams.get_mut(i).is_some_and(|am| {
            // Shared from here on: merging and regrouping never copy an alert.
            let data = pick!(Alerts, alerts).map(|o| o.map(|v| v.into_iter().map(Shared::new).collect()));
            store(&mut am.alerts, g, next_due, data)
        }),
        AlertFeed::AmGroups(i) => {
            a.ams.get_mut(i).is_some_and(|am| store(&mut am.groups, g, next_due, pick!(Groups, groups)))
        }
        AlertFeed::AmSilences(i) => {
            a.ams.get_mut(i).is_some_and(|am| store(&mut am.silences, g, next_due, pick!(Silences, silences)))
        }
        AlertFeed::AmStatus(i) => {
            a.ams.get_mut(i).is_some_and(|am| store(&mut am.status, g, next_due, pick!(Status, status)))
        }
        AlertFeed::PromAlerts => store(&mut a.prom_alerts, g, next_due, pick!(PromAlerts, alerts)),
        AlertFeed::PromRules => store(&mut a.rules, g, next_due, pick!(Rules, groups)),
        AlertFeed::PromBuild => store(&mut a.prom_build, g, next_due, pick!(Build, info)),
    };
    if !changed {
        return Vec::new();
    }
    // Other views show only the header's counts and the status line's warning count: redraw them
    // only when those move (an alert's `endsAt` moves on every resend and changes nothing there).
    let header = |a: &crate::state::alerts::AlertsState| {
        let live = a.ams.iter().any(|m| m.alerts.live().is_some()) || a.prom_alerts.live().is_some();
        (a.view.firing_by_severity.clone(), a.warnings.len(), live)
    };
    let before = header(a);
    a.rebuild();
    if state.page == Page::Alerts || header(a) != before {
        state.dirty = true;
    }
    let crate::state::alerts::AlertsState { ams, editor, .. } = &mut state.alerts;
    if let Some(editor) = editor {
        editor.check = check_draft(&crate::state::alerts::all_alerts(ams), editor);
    }
    announce_new(state)
}

/// Note alerts that started firing since the last answer: highlight them for a minute, say so in the
/// status line, and ring the bell when asked to. The first complete answer only primes the list.
fn announce_new(state: &mut State) -> Vec<Effect> {
    let now = state.now_ms;
    let crate::state::alerts::AlertsState { ams, prom_alerts, seen, new_at, primed, settings, .. } = &mut state.alerts;
    let all_answered = ams.iter().all(|m| m.alerts.answered) && (!ams.is_empty() || prom_alerts.answered);
    // Nothing answers: keep what was seen, so the alerts are not "new" when it comes back.
    let source_up = ams.iter().any(|m| m.alerts.live().is_some()) || prom_alerts.live().is_some();
    if !source_up {
        return Vec::new();
    }
    let reported = crate::state::alerts::reported_now(ams, prom_alerts);
    let mut fresh = Vec::new();
    for (key, labels, suppressed) in &reported {
        // Announced only the first time it is seen in any state: an alert whose silence expires
        // or whose inhibition lifts is not new.
        if !seen.contains(key) {
            if *primed && !suppressed {
                new_at.insert(key.clone(), now);
                fresh.push(crate::state::alerts::describe(labels));
            }
            seen.insert(key.clone());
        }
    }
    // Forget resolved ones, so a re-fire is announced again; but not while Prometheus stands in
    // for the Alertmanagers: it does not list what they silence or hold.
    let complete = ams.is_empty() || ams.iter().any(|m| m.alerts.live().is_some());
    if complete && (seen.len() > reported.len() || new_at.len() > reported.len()) {
        let current: std::collections::HashSet<&str> = reported.iter().map(|(k, _, _)| k.as_str()).collect();
        seen.retain(|k| current.contains(k.as_str()));
        new_at.retain(|k, t| current.contains(k.as_str()) && now - *t < 3_600_000);
    }
    if all_answered {
        *primed = true;
    }
    let bell = settings.bell;
    if fresh.is_empty() {
        return Vec::new();
    }
    let text = if fresh.len() == 1 {
        format!("new alert firing: {}", fresh[0])
    } else {
        format!("{} new alerts firing: {}", fresh.len(), fresh.join(", "))
    };
    set_status(state, text, true);
    state.dirty = true;
    if bell {
        vec![Effect::Bell]
    } else {
        Vec::new()
    }
}

/// A silence write finished: say how it went and poll silences and alerts now.
pub fn apply_write(state: &mut State, w: WriteResult) {
    state.alerts.writes = state.alerts.writes.saturating_sub(1);
    match w.outcome {
        Ok(id) => {
            let short: String = id.chars().take(8).collect();
            set_status(state, format!("{} (silence {short})", w.what), false);
        }
        Err(e) => set_status(state, format!("could not {}: {}", w.what, e.message), true),
    }
    state.dirty = true;
    refetch(state);
}

/// Whether a text field has the keyboard (the engine then sends typed keys as text edits).
pub fn text_focus(state: &State) -> bool {
    state.page == Page::Alerts && (state.alerts.editor.is_some() || state.alerts.bar.edit.is_some())
}

/// Intents of the alerts page. `None` when the intent is not the alerts page's to handle.
pub fn on_intent(state: &mut State, intent: Intent) -> Option<Vec<Effect>> {
    if state.page != Page::Alerts {
        return None;
    }
    let page = (state.height as isize - 8).max(1) / 2;
    let a = &mut state.alerts;
    match intent {
        Intent::SelectNext => a.select_by(1),
        Intent::SelectPrev => a.select_by(-1),
        Intent::PageDown => a.select_by(page),
        Intent::PageUp => a.select_by(-page),
        Intent::SelectFirst => a.select_by(-(a.view.rows.len().max(a.silence_list().len()) as isize)),
        Intent::SelectLast => a.select_by(a.view.rows.len().max(a.silence_list().len()) as isize),
        Intent::Filter => {
            a.bar.edit = Some(LineEdit::new(&a.bar.text));
            a.bar.history.pos = None;
            a.bar.error = None;
        }
        Intent::SilencesView => {
            a.silences_open = !a.silences_open;
            a.silence_selected = 0;
        }
        Intent::Silence => return Some(open_editor(state)),
        Intent::Acknowledge => return Some(acknowledge(state)),
        Intent::ExpireSilence => return Some(ask_expire(state)),
        Intent::Confirm => return Some(confirmed(state)),
        Intent::Refresh => {
            refetch(state);
            set_status(state, "refreshing alerts".into(), false);
            return Some(schedule(state));
        }
        _ => return None,
    }
    Some(Vec::new())
}

/// `Back` on the alerts page: the question, then the silences list, then the filter.
pub fn back(state: &mut State) -> bool {
    let a = &mut state.alerts;
    if a.confirm.take().is_some() {
        return true;
    }
    if state.page != Page::Alerts {
        return false;
    }
    if a.silences_open {
        a.silences_open = false;
        return true;
    }
    if !a.bar.text.is_empty() && !state.fullscreen {
        a.bar.text.clear();
        a.filter = Default::default();
        a.rebuild();
        return true;
    }
    false
}

fn refuse_read_only(state: &mut State, what: &str) -> bool {
    if let Some(why) = state.read_only_reason() {
        set_status(state, format!("read-only: {what} refused ({why})"), true);
        return true;
    }
    false
}

fn open_editor(state: &mut State) -> Vec<Effect> {
    if refuse_read_only(state, "silences are") {
        return Vec::new();
    }
    let a = &state.alerts;
    let labels = match (a.selected_alert(), a.selected_pending()) {
        (Some(s), _) => s.alert.labels.clone(),
        (None, Some(p)) => p.labels.clone(),
        _ => {
            set_status(state, "select an alert to silence first".into(), true);
            return Vec::new();
        }
    };
    let probe = crate::alerts::model::Alert {
        fingerprint: String::new(),
        labels,
        annotations: Default::default(),
        starts_at_ms: 0,
        ends_at_ms: None,
        updated_at_ms: None,
        generator_url: String::new(),
        state: AmState::Active,
        silenced_by: vec![],
        inhibited_by: vec![],
        receivers: vec![],
    };
    let matchers = format_matchers(&silence::prefill(&probe, &a.settings.volatile_labels));
    let duration = crate::ui::chrome::short_duration(a.settings.silence_duration.0);
    let mut editor = SilenceEditor {
        fields: [LineEdit::new(&matchers), LineEdit::new(&duration), LineEdit::default(), LineEdit::new(&a.created_by)],
        focus: Field::Comment,
        check: Ok(0),
    };
    editor.check = check_draft(&a.all_alerts(), &editor);
    state.alerts.editor = Some(editor);
    Vec::new()
}

/// A silence's length: a duration of at most a year (a longer one is a config change, not a silence).
fn silence_duration(text: &str) -> Result<std::time::Duration, String> {
    let d = crate::config::parse_duration(text)?;
    if d > std::time::Duration::from_secs(366 * 86_400) {
        return Err(format!("`{}` is longer than a year; silence for less and renew it", text.trim()));
    }
    Ok(d)
}

/// Parse the editor's fields into a silence starting now, or say what is wrong.
fn draft(editor: &SilenceEditor, now_ms: i64) -> Result<NewSilence, String> {
    let matchers = filter::parse_matchers(&editor.field(Field::Matchers).text)?;
    let dur = silence_duration(&editor.field(Field::Duration).text)?;
    let comment = editor.field(Field::Comment).text.trim().to_string();
    let created_by = editor.field(Field::CreatedBy).text.trim().to_string();
    silence::validate(&matchers, &comment, &created_by)?;
    Ok(NewSilence { matchers, starts_at_ms: now_ms, ends_at_ms: now_ms + dur.as_millis() as i64, created_by, comment })
}

fn op_changes_text(op: TextOp) -> bool {
    matches!(op, TextOp::Insert(_) | TextOp::Backspace | TextOp::Delete | TextOp::Clear | TextOp::DeleteWord)
}

fn check_draft(alerts: &[&crate::alerts::model::Alert], editor: &SilenceEditor) -> Result<usize, String> {
    let matchers = filter::parse_matchers(&editor.field(Field::Matchers).text)?;
    silence_duration(&editor.field(Field::Duration).text)?;
    silence::would_mute(&matchers, alerts.iter().copied())
}

fn acknowledge(state: &mut State) -> Vec<Effect> {
    if refuse_read_only(state, "acknowledgements are") {
        return Vec::new();
    }
    let a = &state.alerts;
    let Some(shown) = a.selected_alert() else {
        set_status(state, "select a firing alert to acknowledge".into(), true);
        return Vec::new();
    };
    if !shown.alert.silenced_by.is_empty() {
        let ids: Vec<String> = shown.alert.silenced_by.iter().map(|s| s.chars().take(8).collect()).collect();
        set_status(state, format!("already silenced by {}", ids.join(", ")), false);
        return Vec::new();
    }
    let matchers = silence::prefill(&shown.alert, &a.settings.volatile_labels);
    let dur = a.settings.ack_duration.0.min(std::time::Duration::from_secs(366 * 86_400));
    if let Err(why) = silence::validate(&matchers, "acknowledged", &a.created_by) {
        set_status(state, format!("cannot acknowledge this alert: {why}"), true);
        return Vec::new();
    }
    let mutes = silence::would_mute(&matchers, a.all_alerts()).unwrap_or(1);
    let s = NewSilence {
        matchers,
        starts_at_ms: state.now_ms,
        ends_at_ms: state.now_ms + dur.as_millis() as i64,
        created_by: a.created_by.clone(),
        comment: format!("acknowledged from centinela by {}", a.created_by),
    };
    let others = if mutes > 1 { format!(" (mutes {mutes} alerts firing now)") } else { String::new() };
    let what = format!("acknowledged {} for {}{others}", shown.alert.name(), crate::ui::chrome::short_duration(dur));
    send(state, what, SilenceOp::Create(s))
}

fn send(state: &mut State, what: String, op: SilenceOp) -> Vec<Effect> {
    if state.alerts.ams.is_empty() {
        set_status(state, "no Alertmanager is configured for this environment; silences need one".into(), true);
        return Vec::new();
    }
    let id = state.alerts.next_write;
    state.alerts.next_write += 1;
    state.alerts.writes += 1;
    set_status(state, format!("sending: {what}…"), false);
    vec![Effect::WriteSilence { id, what, op }]
}

fn ask_expire(state: &mut State) -> Vec<Effect> {
    if !state.alerts.silences_open {
        return Vec::new();
    }
    if refuse_read_only(state, "expiring silences is") {
        return Vec::new();
    }
    let list = state.alerts.silence_list();
    let Some(s) = list.get(state.alerts.silence_selected) else {
        set_status(state, "no silence selected".into(), true);
        return Vec::new();
    };
    if s.state == SilenceState::Expired {
        set_status(state, "that silence has already expired".into(), true);
        return Vec::new();
    }
    let confirm = Confirm::ExpireSilence {
        id: s.id.clone(),
        summary: format!("{} by {}", format_matchers(&s.matchers), s.created_by),
    };
    state.alerts.confirm = Some(confirm);
    Vec::new()
}

fn confirmed(state: &mut State) -> Vec<Effect> {
    match state.alerts.confirm.take() {
        Some(Confirm::ExpireSilence { id, summary }) => {
            if refuse_read_only(state, "expiring silences is") {
                return Vec::new();
            }
            send(state, format!("expired silence {summary}"), SilenceOp::Expire(id))
        }
        None => Vec::new(),
    }
}

/// A text edit: to the silence editor when it is open, else to the filter bar.
pub fn on_text(state: &mut State, op: TextOp) -> Vec<Effect> {
    state.dirty = true;
    if state.alerts.editor.is_some() {
        return editor_text(state, op);
    }
    let a = &mut state.alerts;
    let Some(edit) = a.bar.edit.as_mut() else { return Vec::new() };
    match op {
        TextOp::Submit => {
            let text = edit.text.trim().to_string();
            match filter::parse(&text) {
                Ok(f) => {
                    a.filter = f;
                    a.bar.text = text.clone();
                    a.bar.edit = None;
                    a.bar.error = None;
                    a.bar.history.remember(&text);
                    a.rebuild();
                }
                Err(e) => a.bar.error = Some(e),
            }
        }
        TextOp::Cancel => {
            a.bar.edit = None;
            a.bar.error = None;
            // Back to the filter in force before editing.
            a.filter = filter::parse(&a.bar.text).unwrap_or_default();
            a.rebuild();
        }
        TextOp::HistoryPrev | TextOp::HistoryNext => {
            let Some(shown) = a.bar.history.step(op) else { return Vec::new() };
            *edit = LineEdit::new(shown.unwrap_or(""));
            live_filter(state);
        }
        op => {
            if edit.apply(op) {
                live_filter(state);
            }
        }
    }
    Vec::new()
}

/// Filter as you type: a text that parses applies at once; one that does not keeps the last good
/// filter and shows why.
fn live_filter(state: &mut State) {
    let a = &mut state.alerts;
    let Some(edit) = &a.bar.edit else { return };
    match filter::parse(&edit.text) {
        Ok(f) => {
            a.filter = f;
            a.bar.error = None;
            a.rebuild();
        }
        Err(e) => a.bar.error = Some(e),
    }
}

fn editor_text(state: &mut State, op: TextOp) -> Vec<Effect> {
    let now = state.now_ms;
    let crate::state::alerts::AlertsState { ams, editor, .. } = &mut state.alerts;
    let Some(editor) = editor.as_mut() else { return Vec::new() };
    let pos = Field::ALL.iter().position(|f| *f == editor.focus).unwrap_or(0);
    match op {
        TextOp::NextField | TextOp::HistoryNext => editor.focus = Field::ALL[(pos + 1) % Field::ALL.len()],
        TextOp::PrevField | TextOp::HistoryPrev => {
            editor.focus = Field::ALL[(pos + Field::ALL.len() - 1) % Field::ALL.len()]
        }
        TextOp::Cancel => {
            state.alerts.editor = None;
            set_status(state, "silence not created".into(), false);
        }
        TextOp::Submit => match draft(editor, now) {
            Ok(s) => {
                let what = format!(
                    "silenced {} for {}",
                    format_matchers(&s.matchers),
                    editor.field(Field::Duration).text.trim()
                );
                state.alerts.editor = None;
                if refuse_read_only(state, "silences are") {
                    return Vec::new();
                }
                return send(state, what, SilenceOp::Create(s));
            }
            Err(e) => editor.check = Err(e),
        },
        op => {
            let edited = editor.fields[editor.focus as usize].apply(op) && op_changes_text(op);
            // Recount what it would mute only when the matchers or the duration changed (or to
            // clear a complaint once the field it was about is edited).
            let counted = matches!(editor.focus, Field::Matchers | Field::Duration) || editor.check.is_err();
            if edited && counted {
                editor.check = check_draft(&crate::state::alerts::all_alerts(ams), editor);
            }
        }
    }
    Vec::new()
}
