//! `centinela audit verify` on a log written through the library: intact, tampered, missing.

use assert_cmd::Command;
use centinela::actions::audit::{AuditCommand, AuditLog, Confirmation, Entry, Event};
use std::path::Path;

fn centinela(home: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("centinela").unwrap();
    c.env("CENTINELA_CONFIG_DIR", home.path().join("config"))
        .env("CENTINELA_STATE_DIR", home.path().join("state"))
        .env("CENTINELA_DATA_DIR", home.path().join("data"));
    c
}

/// Three records in the state dir's log: a restart that ran, and one refused.
fn write_log(path: &Path) {
    let mut log = AuditLog::open(path).unwrap();
    let mut started = Entry::new(Event::Started, "a1");
    started.user = "ana".into();
    started.environment = "production".into();
    started.action = "restart".into();
    started.target = "checkout on web-1".into();
    started.command = Some(AuditCommand::argv(&["systemctl", "restart", "checkout"], &[]));
    started.confirmation = Confirmation::Typed("production".into());
    log.append(started.clone()).unwrap();
    log.append(Entry { event: Event::Finished, exit_code: Some(0), duration_ms: Some(830), ..started.clone() })
        .unwrap();
    log.append(Entry { event: Event::Refused, attempt: "a2".into(), outcome: "read-only mode".into(), ..started })
        .unwrap();
}

fn run(home: &tempfile::TempDir, args: &[&str]) -> (Option<i32>, String, String) {
    let out = centinela(home).args(args).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn an_intact_log_verifies() {
    let home = tempfile::tempdir().unwrap();
    write_log(&home.path().join("state/audit.jsonl"));
    let (code, out, err) = run(&home, &["audit", "verify"]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with("ok: 3 records, chain intact (first 20"), "{out}");
    assert!(out.contains("last hash "), "{out}");
    assert!(!out.contains("note:"), "the head file is there and every attempt ended: {out}");
}

#[test]
fn a_tampered_copy_names_the_line() {
    let home = tempfile::tempdir().unwrap();
    write_log(&home.path().join("state/audit.jsonl"));
    let mut bytes = std::fs::read(home.path().join("state/audit.jsonl")).unwrap();
    let second = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let at = second + bytes[second..].windows(7).position(|w| w == b"restart").unwrap();
    bytes[at] = b'R';
    let copy = home.path().join("copy.jsonl");
    std::fs::write(&copy, &bytes).unwrap();
    let (code, out, err) = run(&home, &["audit", "verify", copy.to_str().unwrap()]);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(
        err.contains("copy.jsonl: line 2 (seq 1): hash does not match its content — the record was edited"),
        "{err}"
    );
    assert!(err.contains("the 1 record(s) before it are intact"), "{err}");
    assert!(out.is_empty(), "{out}");
}

#[test]
fn a_copy_without_its_head_file_says_what_cannot_be_checked() {
    let home = tempfile::tempdir().unwrap();
    write_log(&home.path().join("state/audit.jsonl"));
    let copy = home.path().join("copy.jsonl");
    std::fs::copy(home.path().join("state/audit.jsonl"), &copy).unwrap();
    let (code, out, _) = run(&home, &["audit", "verify", copy.to_str().unwrap()]);
    assert_eq!(code, Some(0));
    assert!(out.contains("note: no head file beside it") && out.contains("records deleted from its end"), "{out}");
}

#[test]
fn an_unfinished_attempt_is_pointed_out() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("state/audit.jsonl");
    write_log(&path);
    let mut log = AuditLog::open(&path).unwrap();
    let mut e = Entry::new(Event::Started, "a3");
    e.action = "rollback".into();
    e.target = "payments".into();
    log.append(e).unwrap();
    let (code, out, _) = run(&home, &["audit", "verify"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("note: line 4: attempt a3 (rollback on payments, started 20"), "{out}");
}

#[test]
fn a_missing_log_says_where_it_looked() {
    let home = tempfile::tempdir().unwrap();
    let (code, _, err) = run(&home, &["audit", "verify"]);
    assert_eq!(code, Some(2));
    let want = home.path().join("state/audit.jsonl").display().to_string();
    assert!(err.contains(&format!("no audit log at {want}")), "{err}");
    assert!(err.contains("no runbook action has been run"), "{err}");
    let (_, out, _) = run(&home, &["info"]);
    assert!(out.contains(&format!("audit log     {want}  (not present)")), "{out}");
    let (code, _, err) = run(&home, &["audit", "verify", "/nonexistent/audit.jsonl"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("no audit log at /nonexistent/audit.jsonl: the path is wrong"), "{err}");
}
