//! One attempt at an action: the guard rails, then the audit sequence around the run.
//!
//! A [`Runner`] holds the audit log and the [`Guards`], both shared, and is cheap to clone into the
//! task that runs an attempt. [`Runner::run_attempt`]:
//!
//! 1. asks the guards (read-only, dangerous without a typed confirmation, single flight, cooldown); a
//!    refusal is written as a `refused` record and returned as [`AttemptError::Refused`];
//! 2. writes the `started` record (with the redacted command), and only once that append returned —
//!    the line fsynced — starts the run; if it fails, nothing runs ([`AttemptError::NotRecorded`]);
//! 3. writes `finished` (or `timed_out`) with the exit code, duration and output hash.
//!
//! If the future is dropped while the program runs (the app quits), the run's group is killed (see
//! [`super::run`]) and the single-flight slot is freed, but no end record is written: `centinela audit
//! verify` lists such an attempt as unfinished, which is what it was.

mod guards;

pub use guards::{duration_words, Guards, Policy};

use super::audit::{
    new_attempt_id, redact_argv, AuditCommand, AuditError, AuditLog, Confirmation, Entry, Event, Origin,
};
use super::run::{run_exec, run_http, run_interactive, ExecCommand, HttpCommand, RunEvent, RunOutcome, RunStatus};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::UnboundedSender;

/// What an attempt runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Exec(ExecCommand),
    Http(HttpCommand),
    /// A program given the terminal while the dashboard is suspended (see [`super::run::run_interactive`]).
    Interactive(ExecCommand),
}

impl Command {
    /// The command as the audit trail records it, secrets (by name, and the `secrets` given) redacted.
    pub fn audit_command(&self, secrets: &[&str]) -> AuditCommand {
        match self {
            Command::Exec(c) | Command::Interactive(c) => AuditCommand::argv(&c.argv, secrets),
            Command::Http(c) => {
                let headers: Vec<(&str, &str)> = c.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
                AuditCommand::http(&c.method, &c.url, &headers, secrets)
            }
        }
    }

    /// One line for the screen (redacted): `systemctl restart 'my unit'`, `POST https://… (2 headers)`.
    pub fn display(&self, secrets: &[&str]) -> String {
        match self {
            Command::Exec(c) | Command::Interactive(c) => {
                redact_argv(&c.argv, secrets).iter().map(|a| quote(a)).collect::<Vec<_>>().join(" ")
            }
            Command::Http(c) => {
                let AuditCommand::Http { method, url, headers } = self.audit_command(secrets) else {
                    unreachable!("an HTTP command is recorded as one")
                };
                let mut s = format!("{method} {url}");
                for (name, value) in headers {
                    s.push_str(&format!(" -H '{name}: {value}'"));
                }
                if let Some(body) = &c.body {
                    s.push_str(&format!(" ({} bytes of body)", body.len()));
                }
                s
            }
        }
    }

    async fn run(self, events: UnboundedSender<RunEvent>) -> RunOutcome {
        match self {
            Command::Exec(c) => run_exec(c, events).await,
            Command::Http(c) => run_http(c, events).await,
            Command::Interactive(c) => run_interactive(c, events).await,
        }
    }
}

/// An argument as a POSIX shell would need it quoted (for reading only: nothing is run by a shell).
fn quote(arg: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c);
    if !arg.is_empty() && arg.chars().all(plain) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', "'\\''"))
    }
}

/// Who runs what, where, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptMeta {
    /// The id every record of this attempt carries ([`super::audit::new_attempt_id`]); a fresh one
    /// is drawn when empty.
    pub attempt: String,
    pub action: String,
    /// A short description of what it acts on, e.g. `checkout on web-1`.
    pub target: String,
    pub environment: String,
    pub confirmation: Confirmation,
    pub alert_fingerprint: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, thiserror::Error)]
pub enum AttemptError {
    /// A guard refused; `audit` says if the `refused` record could not be written either.
    #[error("{reason}{}", audit.as_ref().map(|e| format!(" (and the refusal is not in the audit trail: {e})")).unwrap_or_default())]
    Refused { reason: String, audit: Option<AuditError> },
    #[error("{action} on {target} was not run: its start could not be written to the audit trail: {source}")]
    NotRecorded {
        action: String,
        target: String,
        #[source]
        source: AuditError,
    },
    #[error("{action} on {target} ended ({}), but the audit trail could not record that: {source}", outcome.summary)]
    EndNotRecorded {
        action: String,
        target: String,
        outcome: RunOutcome,
        #[source]
        source: AuditError,
    },
}

/// Runs attempts: the audit log and the guards, shared (clone it into the task that runs one).
#[derive(Debug, Clone)]
pub struct Runner {
    audit: Arc<Mutex<AuditLog>>,
    audit_path: PathBuf,
    guards: Arc<Mutex<Guards>>,
    secrets: Arc<Vec<String>>,
}

impl Runner {
    /// `secrets` (values from the environment, tokens…) are redacted from the display and the records.
    pub fn new(mut audit: AuditLog, guards: Guards, secrets: Vec<String>) -> Runner {
        audit.set_secrets(secrets.iter().cloned());
        let audit_path = audit.path().to_path_buf();
        Runner {
            audit: Arc::new(Mutex::new(audit)),
            audit_path,
            guards: Arc::new(Mutex::new(guards)),
            secrets: Arc::new(secrets),
        }
    }

    /// The guards, to show what is running (lock briefly: every attempt takes them too).
    pub fn guards(&self) -> &Mutex<Guards> {
        &self.guards
    }

    fn secrets(&self) -> Vec<&str> {
        self.secrets.iter().map(String::as_str).collect()
    }

    /// `text` (a line of an action's output) with every known secret value replaced by `<redacted>`.
    pub fn redact(&self, text: &str) -> String {
        super::audit::redact(text, &self.secrets())
    }

    /// The redacted one-line form of `command`, as a confirmation prompt would show it.
    pub fn display(&self, command: &Command) -> String {
        command.display(&self.secrets())
    }

    /// Guard, record, run, record (see the module docs).
    pub async fn run_attempt(
        &self,
        meta: AttemptMeta,
        policy: Policy,
        command: Command,
        events: UnboundedSender<RunEvent>,
    ) -> Result<RunOutcome, AttemptError> {
        self.run_attempt_then(meta, policy, command, events, || {}).await
    }

    /// [`Runner::run_attempt`], calling `on_start` once the guards let it through and its `started`
    /// record is on disk, just before the run (a refusal never calls it).
    pub async fn run_attempt_then(
        &self,
        meta: AttemptMeta,
        policy: Policy,
        command: Command,
        events: UnboundedSender<RunEvent>,
        on_start: impl FnOnce(),
    ) -> Result<RunOutcome, AttemptError> {
        let started = self.entry(Event::Started, &meta, &command);
        // One run at a time and the cooldown are per environment and per command: the same restart
        // reached from two alerts is one target, and a staging run does not hold production back.
        let key = guard_key(&meta.environment, &self.display(&command));
        let begun =
            lock(&self.guards).begin(&meta.action, &key, &meta.environment, &meta.confirmation, &policy, now_ms());
        if let Err(reason) = begun {
            let entry = Entry { event: Event::Refused, outcome: reason.clone(), ..started };
            return Err(AttemptError::Refused { reason, audit: self.append(entry).await.err() });
        }
        // Frees the single-flight slot however this future ends, dropped included.
        let mut slot = Slot { guards: &self.guards, action: &meta.action, target: &key, ran: false };
        if let Err(source) = self.append(started.clone()).await {
            return Err(AttemptError::NotRecorded { action: meta.action.clone(), target: meta.target.clone(), source });
        }
        slot.ran = true;
        on_start();
        let outcome = command.run(events).await;
        drop(slot);
        let (event, output_sha256) = match &outcome.status {
            RunStatus::TimedOut => (Event::TimedOut, Some(outcome.output_sha256.clone())),
            RunStatus::Finished { .. } => (Event::Finished, Some(outcome.output_sha256.clone())),
            RunStatus::FailedToStart(_) => (Event::Finished, None),
        };
        let outcome_words = match &outcome.status {
            RunStatus::FailedToStart(why) => format!("failed to start: {why}"),
            _ => outcome.summary.clone(),
        };
        let end = Entry {
            event,
            outcome: outcome_words,
            exit_code: outcome.exit_code(),
            duration_ms: Some(outcome.duration.as_millis() as u64),
            output_sha256,
            ..started
        };
        match self.append(end).await {
            Ok(_) => Ok(outcome),
            Err(source) => {
                Err(AttemptError::EndNotRecorded { action: meta.action, target: meta.target, outcome, source })
            }
        }
    }

    /// Write a `dry_run` record and return the command's display form; nothing runs.
    pub async fn dry_run(&self, meta: &AttemptMeta, command: &Command) -> Result<String, AuditError> {
        let entry = Entry { outcome: "dry run: shown, not run".into(), ..self.entry(Event::DryRun, meta, command) };
        self.append(entry).await?;
        Ok(self.display(command))
    }

    /// Write a `refused` record for a refusal decided elsewhere (a wrong confirmation, a missing secret).
    pub async fn refuse(&self, meta: &AttemptMeta, command: &Command, reason: &str) -> Result<(), AuditError> {
        self.append(Entry { outcome: reason.to_string(), ..self.entry(Event::Refused, meta, command) }).await.map(drop)
    }

    /// Write one record about an attempt decided elsewhere: cancelled at the confirmation, refused
    /// before a command existed (a template refusal), or the verification after a run.
    pub async fn record(
        &self,
        meta: &AttemptMeta,
        command: Option<&Command>,
        event: Event,
        outcome: &str,
    ) -> Result<(), AuditError> {
        let mut entry = Entry { outcome: outcome.to_string(), ..self.entry_for(event, meta, command) };
        if command.is_none() {
            entry.command = None;
        }
        self.append(entry).await
    }

    fn entry(&self, event: Event, meta: &AttemptMeta, command: &Command) -> Entry {
        self.entry_for(event, meta, Some(command))
    }

    fn entry_for(&self, event: Event, meta: &AttemptMeta, command: Option<&Command>) -> Entry {
        let attempt = if meta.attempt.is_empty() { new_attempt_id() } else { meta.attempt.clone() };
        Entry {
            user: meta.origin.user.clone(),
            host: meta.origin.host.clone(),
            environment: meta.environment.clone(),
            action: meta.action.clone(),
            target: meta.target.clone(),
            command: command.map(|c| c.audit_command(&self.secrets())),
            confirmation: meta.confirmation.clone(),
            alert_fingerprint: meta.alert_fingerprint.clone(),
            ..Entry::new(event, attempt)
        }
    }

    /// Append on a blocking thread: the append fsyncs and may wait for another process's lock.
    async fn append(&self, entry: Entry) -> Result<(), AuditError> {
        let audit = Arc::clone(&self.audit);
        match tokio::task::spawn_blocking(move || lock(&audit).append(entry)).await {
            Ok(written) => written.map(drop),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => Err(AuditError::Io {
                what: "append to",
                path: self.audit_path.clone(),
                source: std::io::Error::other("the runtime is shutting down"),
            }),
        }
    }
}

/// What the guards know a run by: `production · docker restart agente_negocio` (also how their
/// refusals name it).
pub fn guard_key(environment: &str, command: &str) -> String {
    format!("{environment} · {}", command.lines().next().unwrap_or_default())
}

/// A run's single-flight slot; released when dropped.
struct Slot<'a> {
    guards: &'a Mutex<Guards>,
    action: &'a str,
    target: &'a str,
    /// Whether the run started (then its cooldown starts too).
    ran: bool,
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        let mut guards = lock(self.guards);
        if self.ran {
            guards.end(self.action, self.target, now_ms());
        } else {
            guards.abandon(self.action, self.target);
        }
    }
}

/// A poisoned lock still holds consistent data here (every update is a single insert or remove).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Milliseconds since the Unix epoch, the guards' clock.
pub fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
