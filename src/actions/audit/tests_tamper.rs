//! Every kind of tampering is detected, and the first broken record is named.

use super::tests::{broken, lines, log_with, write_lines};
use super::*;

/// Make a log of `n` records, edit its lines, and return what `verify` says is broken.
fn tamper(n: usize, edit: impl FnOnce(&mut Vec<String>)) -> Break {
    let (_dir, path) = log_with(n);
    let mut ls = lines(&path);
    edit(&mut ls);
    write_lines(&path, &ls);
    broken(&path)
}

/// A forger who edits a record and recomputes its hash.
fn forge(line: &str, edit: impl FnOnce(&mut Record)) -> String {
    let mut r: Record = serde_json::from_str(line).unwrap();
    edit(&mut r);
    Record::seal(r.seq, r.time, r.entry, r.prev).line()
}

fn says(brk: &Break, line: u64, seq: Option<u64>, problem: &str) {
    assert_eq!((brk.line, brk.seq), (line, seq), "{brk}");
    assert!(brk.problem.contains(problem), "wanted {problem:?} in: {brk}");
}

#[test]
fn an_edited_field_is_named() {
    let brk = tamper(5, |ls| ls[2] = ls[2].replace("\"restart\"", "\"rollback\""));
    assert_eq!(brk.to_string(), "line 3 (seq 2): hash does not match its content — the record was edited");
    assert_eq!(brk.intact, 2);
    says(&tamper(5, |ls| ls[3] = ls[3].replace("\"exit_code\":0", "\"exit_code\":1")), 4, Some(3), "edited");
    says(&tamper(5, |ls| ls[1] = ls[1].replace("\"prev\":\"", "\"prev\":\"f")), 2, Some(1), "hash does not match");
}

#[test]
fn an_edit_that_keeps_the_meaning_is_still_an_edit() {
    says(&tamper(3, |ls| ls[1] = ls[1].replace("\"event\":", "\"event\": ")), 2, Some(1), "hash does not match");
    says(&tamper(3, |ls| ls[1] = ls[1].replace("\"ana\"", "\"\\u0061na\"")), 2, Some(1), "hash does not match");
    says(&tamper(3, |ls| ls[2] = ls[2].replacen('{', "{ ", 1)), 3, Some(2), "hash does not match");
}

#[test]
fn an_edited_hash_is_named() {
    let brk = tamper(3, |ls| {
        let at = ls[1].len() - 5;
        let digit = if &ls[1][at..at + 1] == "0" { "1" } else { "0" };
        ls[1].replace_range(at..at + 1, digit);
    });
    says(&brk, 2, Some(1), "hash does not match");
    says(&tamper(3, |ls| ls[0] = ls[0].replace(",\"hash\":", ",\"hsah\":")), 1, Some(0), "does not end with its hash");
}

#[test]
fn an_edit_with_its_hash_recomputed_breaks_the_next_link() {
    let brk = tamper(5, |ls| ls[2] = forge(&ls[2], |r| r.entry.user = "mallory".into()));
    says(&brk, 4, Some(3), "its prev is not the hash of line 3");
}

#[test]
fn deleted_records_are_named() {
    says(&tamper(5, |ls| drop(ls.remove(0))), 1, Some(1), "the log starts at seq 1, not 0");
    let brk = tamper(5, |ls| drop(ls.remove(2)));
    assert_eq!(brk.to_string(), "line 3 (seq 3): seq 3 follows seq 1 — 1 record(s) deleted or reordered");
    says(&tamper(9, |ls| drop(ls.drain(3..5))), 4, Some(5), "seq 5 follows seq 2 — 2 record(s) deleted");
    let brk = tamper(5, |ls| drop(ls.pop()));
    says(&brk, 5, None, "head file");
    assert!(brk.problem.contains("says seq 4 was written, but the log ends at seq 3: its last 1 record(s)"), "{brk}");
    says(&tamper(2, |ls| ls.clear()), 1, None, "the log has no record: its last 2 record(s) were deleted");
}

#[test]
fn a_deleted_log_is_named_by_its_head_file() {
    let (_dir, path) = log_with(2);
    std::fs::remove_file(&path).unwrap();
    says(&broken(&path), 1, None, "the log file is gone, but its head file");
    let err = AuditLog::open(&path).unwrap_err();
    assert!(err.to_string().contains("head file says record 1 was written"), "and nothing is written: {err}");
}

#[test]
fn deleting_the_first_records_and_renumbering_is_caught_by_prev() {
    let brk = tamper(3, |ls| {
        ls.remove(0);
        let first = forge(&ls[0], |r| r.seq = 0);
        ls[0] = first;
    });
    says(&brk, 1, Some(0), "its prev is not zero though it is the first record");
}

#[test]
fn the_end_of_a_copy_without_its_head_file_is_not_pinned() {
    // The documented limit: without the head file, a log cut at a record boundary is a shorter
    // intact chain; `verify` says so.
    let (_dir, path) = log_with(4);
    let copy = path.with_file_name("copy.jsonl");
    write_lines(&copy, &lines(&path)[..3]);
    let report = verify(&copy).unwrap();
    assert_eq!((report.records, report.head), (3, HeadCheck::Absent));
}

#[test]
fn duplicated_and_reordered_records_are_named() {
    says(&tamper(4, |ls| ls.insert(2, ls[1].clone())), 3, Some(1), "seq 1 repeats — a record was duplicated");
    says(&tamper(4, |ls| ls.swap(1, 2)), 2, Some(2), "seq 2 follows seq 0 — 1 record(s) deleted or reordered");
    says(&tamper(4, |ls| ls.swap(0, 3)), 1, Some(3), "the log starts at seq 3");
    let brk = tamper(4, |ls| {
        let (a, b) = (ls[2].clone(), ls[1].clone());
        ls[1] = forge(&a, |r| r.seq = 1);
        ls[2] = forge(&b, |r| r.seq = 2);
    });
    says(&brk, 2, Some(1), "its prev is not the hash of line 1");
}

#[test]
fn an_inserted_record_is_named() {
    let brk = tamper(3, |ls| {
        let fake = forge(&ls[1], |r| r.entry.action = "rollback".into());
        ls.insert(2, fake);
    });
    says(&brk, 3, Some(1), "seq 1 repeats");
    says(&tamper(3, |ls| ls.insert(1, String::new())), 2, None, "empty");
}

#[test]
fn a_truncated_log_is_named() {
    let (_dir, path) = log_with(4);
    let bytes = std::fs::read(&path).unwrap();
    let third_line_start = bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').nth(1).unwrap().0 + 1;
    std::fs::write(&path, &bytes[..third_line_start + 40]).unwrap();
    let brk = broken(&path).to_string();
    assert!(brk.starts_with("line 3: not JSON — a torn or edited line (the last line, without a newline"), "{brk}");
    std::fs::write(&path, &bytes[..bytes.len() - 1]).unwrap();
    says(&broken(&path), 4, Some(3), "ends without a newline");
}

#[test]
fn a_rewritten_end_is_caught_by_the_head_file() {
    let brk = tamper(4, |ls| ls[3] = forge(&ls[3], |r| r.entry.outcome = "exit 0 (all fine)".into()));
    says(&brk, 4, Some(3), "does not match the head file");
}
