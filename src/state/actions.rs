//! Runbook actions on screen: the menu of actions offered on what is selected, the confirmation
//! being answered, and the runs so far (their output, outcome and verification), newest last.

use crate::actions::audit::{Confirmation, Origin};
use crate::actions::invoke::{Prepared, Subject};
use crate::config::ActionSpec;
use crate::state::text::LineEdit;
use std::collections::VecDeque;
use std::sync::Arc;

/// Runs kept on screen (the audit trail keeps them all).
pub const MAX_RUNS: usize = 20;
/// Output lines kept per run (the output hash in the audit trail covers all of it).
pub const MAX_LINES: usize = 2_000;

#[derive(Debug, Clone, Default)]
pub struct ActionsState {
    /// The configured actions, in config order (an action is named by its index here).
    pub specs: Arc<Vec<ActionSpec>>,
    /// Who runs them (read once at start-up): user and host, for the audit trail and `{user}`.
    pub origin: Origin,
    /// Where `{secret.NAME}` values are read from when an action is expanded.
    pub secrets: crate::actions::template::Secrets,
    /// Why no action can run at all (the audit trail cannot be opened), if so.
    pub unavailable: Option<String>,
    /// Interactive actions need a terminal to hand over (not in `snapshot` or tests).
    pub terminal: bool,
    pub menu: Option<Menu>,
    pub confirm: Option<Pending>,
    pub runs: VecDeque<Run>,
    /// The output pane is shown.
    pub output_open: bool,
    /// Lines scrolled up from the newest in the output pane.
    pub scroll: usize,
    pub next_id: u64,
    /// When quit was pressed while a run was going on (a second press within a few seconds quits).
    pub quit_armed_ms: Option<i64>,
}

/// The actions offered on a subject, to pick from.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    pub subject: Subject,
    /// Spec indexes, in config order.
    pub items: Vec<usize>,
    pub selected: usize,
    /// Opened with the dry-run key: enter shows the command instead of running it.
    pub dry_run: bool,
}

/// An action waiting for its confirmation.
#[derive(Debug, Clone, PartialEq)]
pub struct Pending {
    pub prepared: Prepared,
    /// What has been typed (for a typed confirmation).
    pub typed: LineEdit,
    /// The last wrong answer, said under the field.
    pub error: Option<String>,
}

/// How a run went.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Sent to the runner; not yet known to have started.
    Queued,
    Running,
    Finished {
        success: bool,
        summary: String,
        exit_code: Option<i32>,
        duration_ms: u64,
    },
    /// Not run; why.
    Refused(String),
    /// Shown, not run.
    DryRun,
}

/// What a verification watches after a successful run.
#[derive(Debug, Clone, PartialEq)]
pub enum Watch {
    /// The alert the action was started from stops firing.
    Alert { fingerprint: String },
    /// The health target of this name checks ok.
    Health { name: String },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Watching,
    Recovered {
        after_ms: i64,
    },
    NotRecovered,
    /// It could not be checked (the environment was switched); why.
    Unknown(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub watch: Watch,
    /// Counted from the end of the run.
    pub within_ms: i64,
    pub verdict: Verdict,
}

/// One output line of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputLine {
    pub stderr: bool,
    /// Already sanitised.
    pub text: String,
}

/// One attempt as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: u64,
    /// The audit trail's id for it, once it started.
    pub attempt: String,
    pub name: String,
    pub target: String,
    /// The environment it ran in.
    pub environment: String,
    /// The command or request, as confirmed (secrets redacted).
    pub shown: String,
    pub confirmation: Confirmation,
    pub alert_fingerprint: Option<String>,
    pub interactive: bool,
    pub started_ms: i64,
    pub ended_ms: Option<i64>,
    pub phase: Phase,
    pub lines: VecDeque<OutputLine>,
    /// Lines dropped from the front to keep [`MAX_LINES`].
    pub dropped_lines: u64,
    /// The runner stopped keeping output (1 MiB); later output was counted, not kept.
    pub capped: bool,
    pub verification: Option<Verification>,
    /// The audit trail could not record something about this run.
    pub audit_error: Option<String>,
}

impl Run {
    pub fn new(
        id: u64,
        prepared: &Prepared,
        environment: &str,
        confirmation: Confirmation,
        now_ms: i64,
        phase: Phase,
    ) -> Run {
        Run {
            id,
            attempt: String::new(),
            environment: environment.to_string(),
            name: prepared.name.clone(),
            target: prepared.target.clone(),
            shown: prepared.shown.clone(),
            confirmation,
            alert_fingerprint: prepared.alert_fingerprint.clone(),
            interactive: prepared.interactive,
            started_ms: now_ms,
            ended_ms: None,
            phase,
            lines: VecDeque::new(),
            dropped_lines: 0,
            capped: false,
            verification: None,
            audit_error: None,
        }
    }

    pub fn running(&self) -> bool {
        matches!(self.phase, Phase::Queued | Phase::Running)
    }

    /// How the audit trail names this attempt (a later record about it, e.g. its verification).
    pub fn audit_meta(&self, origin: &Origin) -> crate::actions::attempt::AttemptMeta {
        crate::actions::attempt::AttemptMeta {
            attempt: self.attempt.clone(),
            action: self.name.clone(),
            target: self.target.clone(),
            environment: self.environment.clone(),
            confirmation: self.confirmation.clone(),
            alert_fingerprint: self.alert_fingerprint.clone(),
            origin: origin.clone(),
        }
    }

    pub fn push_line(&mut self, line: OutputLine) {
        if self.lines.len() >= MAX_LINES {
            self.lines.pop_front();
            self.dropped_lines += 1;
        }
        self.lines.push_back(line);
    }
}

impl ActionsState {
    pub fn new(specs: Vec<ActionSpec>, origin: Origin) -> ActionsState {
        ActionsState { specs: Arc::new(specs), origin, next_id: 1, ..Default::default() }
    }

    pub fn run_mut(&mut self, id: u64) -> Option<&mut Run> {
        self.runs.iter_mut().find(|r| r.id == id)
    }

    /// Add a run, forgetting the oldest finished one past [`MAX_RUNS`].
    pub fn push_run(&mut self, run: Run) {
        if self.runs.len() >= MAX_RUNS {
            if let Some(i) = self.runs.iter().position(|r| !r.running()) {
                self.runs.remove(i);
            }
        }
        self.runs.push_back(run);
        self.scroll = 0;
    }

    /// Runs going on now.
    pub fn running(&self) -> impl Iterator<Item = &Run> {
        self.runs.iter().filter(|r| r.running())
    }

    /// A modal (menu or confirmation) has the keyboard.
    pub fn modal(&self) -> bool {
        self.menu.is_some() || self.confirm.is_some()
    }

    /// The confirmation asks for typed text (keys are then text edits).
    pub fn typing(&self) -> bool {
        self.confirm.as_ref().is_some_and(|p| p.prepared.confirm == crate::config::Confirm::TypeEnv)
    }
}

/// A run's duration for the screen: `0.4s`, `12.3s`, `45s`, `2m05s`, `1h02m`.
pub fn took(ms: u64) -> String {
    match ms {
        0..10_000 => format!("{:.1}s", ms as f64 / 1000.0),
        10_000..60_000 => format!("{}s", ms / 1000),
        60_000..3_600_000 => format!("{}m{:02}s", ms / 60_000, ms / 1000 % 60),
        _ => format!("{}h{:02}m", ms / 3_600_000, ms / 60_000 % 60),
    }
}
