//! Writing, reopening, torn writes, crashes, locking, and secrets kept out of the file. Tampering is in
//! `tests_tamper.rs`, the format and redaction rules in `tests_format.rs`.

use super::*;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(super) fn entry(event: Event, attempt: &str) -> Entry {
    let mut e = Entry::new(event, attempt);
    e.user = "ana".into();
    e.host = "ops-laptop".into();
    e.environment = "production".into();
    e.action = "restart".into();
    e.target = "checkout on web-1".into();
    e.command = Some(AuditCommand::Argv(["systemctl", "restart", "checkout"].map(String::from).into()));
    e.confirmation = Confirmation::Typed("production".into());
    e
}

/// A log of `n` records (alternately `started` and `finished`) in a new temp dir.
pub(super) fn log_with(n: usize) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state/audit.jsonl");
    let mut log = AuditLog::open(&path).unwrap();
    for i in 0..n {
        let mut e = entry(if i % 2 == 0 { Event::Started } else { Event::Finished }, &format!("attempt-{}", i / 2));
        if e.event == Event::Finished {
            e.exit_code = Some(0);
            e.duration_ms = Some(1200);
            e.output_sha256 = Some(sha256_hex(b"restarted\n"));
            e.outcome = "exit 0".into();
        }
        log.append(e).unwrap();
    }
    (dir, path)
}

pub(super) fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap().lines().map(String::from).collect()
}

pub(super) fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
}

fn records(path: &Path) -> Vec<Record> {
    lines(path).iter().map(|l| serde_json::from_str(l).unwrap()).collect()
}

pub(super) fn broken(path: &Path) -> Break {
    match verify(path) {
        Err(VerifyError::Broken { brk, .. }) => brk,
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

#[test]
fn reopening_continues_the_chain() {
    let (_dir, path) = log_with(3);
    let mut log = AuditLog::open(&path).unwrap();
    let fourth = log.append(entry(Event::Refused, "attempt-9")).unwrap();
    assert_eq!(fourth.seq, 3);
    drop(log);
    AuditLog::open(&path).unwrap().append(entry(Event::Cancelled, "attempt-10")).unwrap();
    let recs = records(&path);
    assert_eq!(recs.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1, 2, 3, 4]);
    assert_eq!(recs[0].prev, ZERO_HASH);
    assert!(recs.windows(2).all(|w| w[1].prev == w[0].hash));
    assert_eq!(lines(&path)[3], fourth.line(), "append returns the record exactly as written");
    let report = verify(&path).unwrap();
    assert_eq!(report.records, 5);
    assert_eq!(report.head, HeadCheck::Matches);
    assert_eq!(report.last_hash.as_deref(), Some(recs[4].hash.as_str()));
    assert_eq!(report.first_time.as_deref(), Some(recs[0].time.as_str()));
    assert_eq!(report.unfinished.len(), 1, "attempt-1 was started and never finished: {report:?}");
}

#[test]
fn the_hash_is_the_sha256_of_the_line_without_its_hash_field() {
    let (_dir, path) = log_with(1);
    let line = &lines(&path)[0];
    let (body, hash) = line.rsplit_once(",\"hash\":\"").unwrap();
    let hash = hash.strip_suffix("\"}").unwrap();
    assert_eq!(sha256_hex(format!("{body}}}").as_bytes()), hash);
    assert!(line.starts_with("{\"seq\":0,\"time\":\""), "{line}");
    let fields = [
        "seq",
        "time",
        "event",
        "attempt",
        "user",
        "host",
        "environment",
        "action",
        "target",
        "command",
        "confirmation",
        "outcome",
        "exit_code",
        "duration_ms",
        "output_sha256",
        "alert_fingerprint",
        "prev",
        "hash",
    ];
    let value: serde_json::Value = serde_json::from_str(line).unwrap();
    let keys: Vec<&str> = value.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, fields, "every field, in this order");
    assert!(line.contains(r#""event":"started","attempt":"attempt-0","user":"ana""#), "{line}");
    assert!(line.contains(r#""command":["systemctl","restart","checkout"],"confirmation":"typed:production""#));
    assert!(line.contains(r#""exit_code":null,"duration_ms":null"#), "{line}");
    let time = value["time"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(time).is_ok() && time.ends_with('Z') && time.len() == 24, "{time}");
}

#[cfg(unix)]
#[test]
fn the_log_and_its_head_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = log_with(1);
    for p in [path.clone(), head_path(&path)] {
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
    }
}

#[test]
fn a_torn_last_line_is_moved_aside_and_nothing_is_lost() {
    let (dir, path) = log_with(2);
    let torn = br#"{"seq":2,"time":"2025-03-01T09:14:07.215Z","event":"star"#;
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(torn);
    std::fs::write(&path, &bytes).unwrap();
    assert!(broken(&path).problem.contains("not JSON — a torn or edited line"));

    let mut log = AuditLog::open(&path).unwrap();
    let [recovery] = log.recoveries() else { panic!("{:?}", log.recoveries()) };
    assert_eq!(std::fs::read(&recovery.moved_to).unwrap(), torn, "the torn bytes are kept, byte for byte");
    assert_eq!(recovery.moved_to.parent(), path.parent());
    let name = recovery.moved_to.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("audit.jsonl.torn-"), "{name}");
    let rec = &recovery.record;
    assert_eq!((rec.seq, rec.entry.event), (2, Event::Recovered));
    assert_eq!(rec.entry.output_sha256.as_deref(), Some(sha256_hex(torn).as_str()));
    assert!(rec.entry.outcome.contains(&name) && rec.entry.outcome.contains(&format!("{} byte(s)", torn.len())));
    log.append(entry(Event::Refused, "attempt-2")).unwrap();

    let report = verify(&path).unwrap();
    assert_eq!((report.records, report.recovered_at.clone()), (4, vec![3]));
    assert!(std::fs::read(&path).unwrap().starts_with(&bytes[..bytes.len() - torn.len()]), "the prefix is unchanged");
    drop(dir);
}

#[test]
fn a_log_that_is_only_a_torn_line_starts_over_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    std::fs::write(&path, b"{\"seq\":0,\"ti").unwrap();
    let log = AuditLog::open(&path).unwrap();
    assert_eq!(log.recoveries()[0].record.seq, 0);
    assert_eq!(verify(&path).unwrap().records, 1);
}

#[test]
fn a_damaged_last_record_is_not_written_on() {
    let (_dir, path) = log_with(2);
    let mut ls = lines(&path);
    ls[1] = ls[1].replace("restart", "rollback");
    write_lines(&path, &ls);
    let before = std::fs::read(&path).unwrap();
    let err = AuditLog::open(&path).unwrap_err();
    assert!(matches!(&err, AuditError::Damaged { problem, .. } if problem.contains("last record is damaged")), "{err}");
    assert!(err.to_string().contains("centinela audit verify"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing written");
}

#[test]
fn records_deleted_from_the_end_stop_further_writes() {
    let (_dir, path) = log_with(3);
    let ls = lines(&path);
    write_lines(&path, &ls[..2]);
    let err = AuditLog::open(&path).unwrap_err();
    assert!(err.to_string().contains("head file says record 2 was written, but the log ends at record 1"), "{err}");
}

#[test]
fn a_crash_between_started_and_finished_leaves_a_consistent_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    // `append` returns only after the line is fsynced and the action starts only then, so a process
    // killed while the action runs leaves exactly what dropping the log here leaves.
    let mut log = AuditLog::open(&path).unwrap();
    let started = log.append(entry(Event::Started, "a1")).unwrap();
    drop(log);
    let report = verify(&path).unwrap();
    assert_eq!(report.records, 1);
    assert_eq!(report.unfinished.iter().map(|u| (u.attempt.as_str(), u.line)).collect::<Vec<_>>(), [("a1", 1)]);

    // Killed again, this time while writing `finished`: half a line.
    let finished = Entry { event: Event::Finished, exit_code: Some(0), ..started.entry.clone() };
    let whole = Record::seal(1, started.time.clone(), finished.clone(), started.hash.clone()).line();
    let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
    std::io::Write::write_all(&mut f, &whole.as_bytes()[..whole.len() / 2]).unwrap();
    drop(f);
    assert!(verify(&path).is_err(), "torn until the log is next opened");

    let mut log = AuditLog::open(&path).unwrap();
    assert_eq!(log.recoveries().len(), 1);
    assert_eq!(verify(&path).unwrap().unfinished.len(), 1, "the torn `finished` does not count");
    log.append(finished).unwrap();
    let report = verify(&path).unwrap();
    assert_eq!((report.records, report.unfinished.len()), (3, 0));
}

#[test]
fn two_processes_keep_one_chain() {
    let (_dir, path) = log_with(0);
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let path = path.clone();
            std::thread::spawn(move || {
                // Separate opens lock each other out like two processes (flock is per open file).
                let mut log = AuditLog::open(&path).unwrap();
                for i in 0..15 {
                    log.append(entry(Event::DryRun, &format!("w{w}-{i}"))).unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    let report = verify(&path).unwrap();
    assert_eq!((report.records, report.head), (30, HeadCheck::Matches));
}

#[test]
fn a_held_lock_is_waited_for_then_given_up_on() {
    let (_dir, path) = log_with(1);
    let mut log = AuditLog::open(&path).unwrap();
    log.set_lock_wait(Duration::from_millis(60));
    let other = std::fs::File::open(&path).unwrap();
    fs4::FileExt::lock(&other).unwrap();
    let err = log.append(entry(Event::DryRun, "x")).unwrap_err();
    assert!(matches!(err, AuditError::Locked { .. }), "{err}");
    fs4::FileExt::unlock(&other).unwrap();
    assert_eq!(log.append(entry(Event::DryRun, "x")).unwrap().seq, 1);
}

#[test]
fn an_oversized_record_is_refused_whole() {
    let (_dir, path) = log_with(1);
    let before = std::fs::read(&path).unwrap();
    let mut log = AuditLog::open(&path).unwrap();
    let mut e = entry(Event::Finished, "x");
    e.outcome = "x".repeat(MAX_LINE);
    assert!(matches!(log.append(e).unwrap_err(), AuditError::TooLong { .. }));
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(log.append(entry(Event::Finished, "x")).unwrap().seq, 1);
}

#[test]
fn a_bearer_token_never_reaches_the_file() {
    let (_dir, path) = log_with(0);
    let token = "s3cr3t-T0ken/with+chars";
    let mut log = AuditLog::open(&path).unwrap();
    log.set_secrets([token]);
    let mut e = entry(Event::Finished, "a1");
    // Built without the redacting constructor: `append` still redacts.
    e.command = Some(AuditCommand::Http {
        method: "POST".into(),
        url: format!("https://ops:hunter2@deploy.example/v1/restart?api_key=k3y-value&svc=checkout#t={token}"),
        headers: vec![
            ("Authorization".into(), format!("Bearer {token}")),
            ("X-Deploy-Token".into(), "tok-123".into()),
            ("Accept".into(), "application/json".into()),
        ],
    });
    e.outcome = format!("HTTP 401 for {token}; body echoed s3cr3t-T0ken%2Fwith%2Bchars");
    e.target = format!("checkout ({token})");
    log.append(e).unwrap();
    let mut argv = entry(Event::Started, "a2");
    argv.command = Some(AuditCommand::Argv(vec![
        "curl".into(),
        "-H".into(),
        format!("Authorization: Bearer {token}"),
        "--token".into(),
        "tok-456".into(),
    ]));
    log.append(argv).unwrap();

    let text = std::fs::read_to_string(&path).unwrap();
    for secret in [token, "s3cr3t", "hunter2", "k3y-value", "tok-123", "tok-456"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    for kept in
        ["Bearer <redacted>", "https://ops:<redacted>@deploy.example/v1/restart?api_key=<redacted>&svc=checkout"]
    {
        assert!(text.contains(kept), "{kept} missing:\n{text}");
    }
    assert!(text.contains(r#"["Accept","application/json"]"#) && text.contains(r#""--token","<redacted>""#));
    assert_eq!(verify(&path).unwrap().records, 2);
    assert!(!format!("{log:?}").contains("s3cr3t"), "nor in the log's Debug: {log:?}");
}

#[test]
fn garbage_is_reported_never_panicked_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("garbage.jsonl");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut random = |n: usize| -> Vec<u8> {
        (0..n)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                (seed >> 24) as u8
            })
            .collect()
    };
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (b"\xff\xfe\xfd\n".to_vec(), "not UTF-8"),
        (b"\0\0\0\n".to_vec(), "not JSON"),
        (b"{}\n".to_vec(), "not an audit record"),
        (b"[1,2]\n".to_vec(), "not an audit record"),
        (b"\n".to_vec(), "empty"),
        (br#"{"seq":0,"hash":"00"}"#.to_vec(), "not an audit record"),
        (vec![b'x'; MAX_LINE + 10], "longer than 1 MiB"),
        (random(20_000), ""),
        (random(300), ""),
    ];
    for (bytes, want) in cases {
        std::fs::write(&path, &bytes).unwrap();
        let brk = broken(&path);
        assert_eq!(brk.line, 1, "{brk}");
        assert!(brk.problem.contains(want), "{want}: {brk}");
        // Opening such a file for writing refuses or moves the junk aside; it never panics either.
        let _ = AuditLog::open(&path);
    }
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, b"").unwrap();
    assert_eq!(verify(&empty).unwrap().records, 0);
    assert!(matches!(verify(&dir.path().join("none")), Err(VerifyError::Missing { .. })));
}

#[test]
fn attempt_ids_are_random_hex() {
    let (a, b) = (new_attempt_id(), new_attempt_id());
    assert!(a.len() == 16 && a.bytes().all(|c| c.is_ascii_hexdigit()) && a != b, "{a} {b}");
}
