//! Attempts end to end: guard rails, and the audit records around real runs (checked with `verify`).

use centinela::actions::attempt::{AttemptError, AttemptMeta, Command, Guards, Policy, Runner};
use centinela::actions::audit::{sha256_hex, verify, AuditLog, Confirmation, Origin};
use centinela::actions::run::{ExecCommand, RunEvent, RunOutcome, RunStatus};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const LONG: Duration = Duration::from_secs(60);

fn meta(action: &str) -> AttemptMeta {
    AttemptMeta {
        attempt: String::new(),
        action: action.into(),
        target: "agente_negocio".into(),
        environment: "production".into(),
        confirmation: Confirmation::Yes,
        alert_fingerprint: Some("5a3c9e0b1f2d4e6a".into()),
        origin: Origin { user: "ana".into(), host: "ops-laptop".into() },
    }
}

fn exec(argv: &[&str], timeout: Duration) -> Command {
    Command::Exec(ExecCommand {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        cwd: None,
        env: Vec::new(),
        timeout,
    })
}

fn runner(dir: &Path, read_only: bool) -> (Runner, PathBuf) {
    let path = dir.join("audit.jsonl");
    (Runner::new(AuditLog::open(&path).unwrap(), Guards::new(read_only), vec!["hunter2".into()]), path)
}

async fn attempt(
    r: &Runner,
    m: AttemptMeta,
    p: Policy,
    c: Command,
) -> (Result<RunOutcome, AttemptError>, Vec<RunEvent>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let result = r.run_attempt(m, p, c, tx).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (result, events)
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn events_of(records: &[Value]) -> Vec<&str> {
    records.iter().map(|r| r["event"].as_str().unwrap()).collect()
}

fn verified(path: &Path) {
    let report = verify(path).unwrap_or_else(|e| panic!("{e:?}"));
    assert!(report.unfinished.is_empty(), "{:?}", report.unfinished);
}

#[tokio::test]
async fn started_is_on_disk_before_the_run_and_finished_carries_its_result() {
    let dir = tempfile::tempdir().unwrap();
    let (r, path) = runner(dir.path(), false);
    // The command prints the audit log as it is when the program runs.
    let (result, events) =
        attempt(&r, meta("restart"), Policy::default(), exec(&["/bin/cat", path.to_str().unwrap()], LONG)).await;
    let outcome = result.unwrap();
    assert!(outcome.success);
    let seen: Vec<Value> = events
        .iter()
        .map(|e| match e {
            RunEvent::Output { line, .. } => serde_json::from_str(line).unwrap(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(events_of(&seen), ["started"]);

    let recs = records(&path);
    assert_eq!(events_of(&recs), ["started", "finished"]);
    let (started, finished) = (&recs[0], &recs[1]);
    assert_eq!(seen[0], *started);
    assert_eq!(started["attempt"], finished["attempt"]);
    assert_eq!(started["command"], serde_json::json!(["/bin/cat", path.to_str().unwrap()]));
    assert_eq!(started["user"], "ana");
    assert_eq!(started["alert_fingerprint"], "5a3c9e0b1f2d4e6a");
    assert_eq!(finished["exit_code"], 0);
    assert_eq!(finished["outcome"], "exit 0");
    assert!(finished["duration_ms"].is_u64());
    let printed: String = std::fs::read_to_string(&path).unwrap().lines().next().unwrap().to_string() + "\n";
    assert_eq!(finished["output_sha256"], sha256_hex(printed.as_bytes()));
    assert_eq!(finished["output_sha256"], outcome.output_sha256.as_str());
    verified(&path);
}

#[tokio::test]
async fn a_timeout_and_a_failure_to_start_are_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (r, path) = runner(dir.path(), false);
    let (result, _) =
        attempt(&r, meta("restart"), Policy::default(), exec(&["/bin/sleep", "300"], Duration::from_secs(1))).await;
    assert_eq!(result.unwrap().status, RunStatus::TimedOut);
    let (result, _) = attempt(&r, meta("rollback"), Policy::default(), exec(&["./rollback.sh"], LONG)).await;
    assert!(matches!(result.unwrap().status, RunStatus::FailedToStart(_)));
    let recs = records(&path);
    assert_eq!(events_of(&recs), ["started", "timed_out", "started", "finished"]);
    assert_eq!(recs[1]["outcome"], "timed out after 1s; its process group was killed");
    assert!(recs[1]["exit_code"].is_null());
    assert!(recs[3]["outcome"].as_str().unwrap().starts_with("failed to start: `./rollback.sh` was not found"));
    assert!(recs[3]["output_sha256"].is_null());
    verified(&path);
}

#[tokio::test]
async fn refusals_are_recorded_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("ran");
    let touch = exec(&["/usr/bin/touch", marker.to_str().unwrap()], LONG);

    let (r, path) = runner(dir.path(), true);
    let (result, _) = attempt(&r, meta("restart"), Policy::default(), touch.clone()).await;
    let Err(AttemptError::Refused { reason, audit: None }) = result else { panic!("{result:?}") };
    assert!(reason.starts_with("read-only: centinela was started with --read-only"), "{reason}");

    let (r, _) = runner(dir.path(), false);
    let dangerous = Policy { dangerous: true, ..Policy::default() };
    let (result, _) = attempt(&r, meta("restart"), dangerous, touch.clone()).await;
    assert!(matches!(result, Err(AttemptError::Refused { .. })), "{result:?}");
    assert!(!marker.exists());

    let cooldown = Policy { cooldown: Duration::from_secs(3600), ..Policy::default() };
    attempt(&r, meta("restart"), cooldown, touch.clone()).await.0.unwrap();
    let (result, _) = attempt(&r, meta("restart"), cooldown, touch).await;
    let Err(AttemptError::Refused { reason, .. }) = result else { panic!("{result:?}") };
    // The guards know a run by its environment and command.
    assert!(reason.starts_with("restart on production · /usr/bin/touch "), "{reason}");
    assert!(reason.contains(" ran 0 s ago; cooldown 1h, try again in "), "{reason}");

    let recs = records(&path);
    assert_eq!(events_of(&recs), ["refused", "refused", "started", "finished", "refused"]);
    assert!(recs[0]["outcome"].as_str().unwrap().starts_with("read-only"));
    assert!(recs[1]["outcome"].as_str().unwrap().contains("marked dangerous"));
    assert_eq!(recs[4]["outcome"], reason.as_str());
    verified(&path);
}

#[tokio::test]
async fn one_run_at_a_time_and_a_dropped_attempt_frees_its_slot() {
    let dir = tempfile::tempdir().unwrap();
    let (r, path) = runner(dir.path(), false);
    let marker = dir.path().join("running");
    let script = "echo > \"$1\"; exec sleep 300";
    let long = exec(&["/bin/sh", "-c", script, "sh", marker.to_str().unwrap()], LONG);
    let task = tokio::spawn({
        let r = r.clone();
        async move { attempt(&r, meta("restart"), Policy::default(), long).await }
    });
    let until = Instant::now() + LONG;
    while !marker.exists() {
        assert!(Instant::now() < until, "the first run never started");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The same command again (from another alert, say): refused while the first runs.
    let same = exec(&["/bin/sh", "-c", script, "sh", marker.to_str().unwrap()], LONG);
    let (result, _) = attempt(&r, meta("restart"), Policy::default(), same).await;
    let Err(AttemptError::Refused { reason, .. }) = result else { panic!("{result:?}") };
    assert!(reason.starts_with("restart on production · /bin/sh -c "), "{reason}");
    assert!(reason.contains(" is already running (started "), "{reason}");
    assert_eq!(r.guards().lock().unwrap().running().count(), 1);

    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(r.guards().lock().unwrap().running().count(), 0);
    attempt(&r, meta("restart"), Policy::default(), exec(&["/bin/true"], LONG)).await.0.unwrap();
    assert_eq!(events_of(&records(&path)), ["started", "refused", "started", "finished"]);
    // The aborted attempt has no end record, and verify says so.
    let report = verify(&path).unwrap();
    assert_eq!(report.unfinished.len(), 1);
}

#[tokio::test]
async fn a_failing_audit_append_prevents_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (r, path) = runner(dir.path(), false);
    // Someone edits the log: its last complete line is no record, so the log refuses to append.
    std::fs::write(&path, "not a record\n").unwrap();
    let marker = dir.path().join("ran");
    let (result, events) =
        attempt(&r, meta("restart"), Policy::default(), exec(&["/usr/bin/touch", marker.to_str().unwrap()], LONG))
            .await;
    let Err(e @ AttemptError::NotRecorded { .. }) = result else { panic!("{result:?}") };
    assert!(e.to_string().starts_with("restart on agente_negocio was not run: its start could not be written"), "{e}");
    assert!(!marker.exists());
    assert!(events.is_empty());
    assert_eq!(r.guards().lock().unwrap().running().count(), 0);
}

#[tokio::test]
async fn a_dry_run_is_recorded_and_shown_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let (r, path) = runner(dir.path(), false);
    let cmd = exec(&["deploy", "--token", "abc", "x hunter2", "it's"], LONG);
    let shown = r.dry_run(&meta("deploy"), &cmd).await.unwrap();
    assert_eq!(shown, "deploy --token '<redacted>' 'x <redacted>' 'it'\\''s'");
    let recs = records(&path);
    assert_eq!(events_of(&recs), ["dry_run"]);
    let line = std::fs::read_to_string(&path).unwrap();
    // `"abc"` with its quotes: the bare letters can occur in a record's random hash.
    assert!(!line.contains("\"abc\"") && !line.contains("hunter2"), "{line}");
    verified(&path);
}
