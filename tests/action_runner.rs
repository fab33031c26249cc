//! The action runner against real processes and an in-process HTTP server. Timeouts are generous and
//! waits are polls with a deadline, so a loaded machine slows these tests down without failing them.

use centinela::actions::audit::sha256_hex;
use centinela::actions::run::{
    run_exec, run_http, ExecCommand, HttpCommand, RunEvent, RunOutcome, RunStatus, Stream, MAX_LINE_BYTES,
    MAX_OUTPUT_BYTES,
};
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

const LONG: Duration = Duration::from_secs(60);

fn exec_cmd(argv: &[&str], timeout: Duration) -> ExecCommand {
    ExecCommand { argv: argv.iter().map(|s| s.to_string()).collect(), cwd: None, env: Vec::new(), timeout }
}

async fn exec(cmd: ExecCommand) -> (RunOutcome, Vec<RunEvent>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let outcome = run_exec(cmd, tx).await;
    let mut events = Vec::new();
    while let Ok(e) = rx.try_recv() {
        events.push(e);
    }
    (outcome, events)
}

fn lines(events: &[RunEvent], which: Stream) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            RunEvent::Output { stream, line } if *stream == which => Some(line.clone()),
            _ => None,
        })
        .collect()
}

/// The hash the runner reports: every line sent, with its newline, in order.
fn hash_of(events: &[RunEvent]) -> String {
    let mut all = String::new();
    for e in events {
        if let RunEvent::Output { line, .. } = e {
            all.push_str(line);
            all.push('\n');
        }
    }
    sha256_hex(all.as_bytes())
}

/// Processes of group `pgid` that are still running (zombies waiting to be reaped do not count).
fn live_members(pgid: u32) -> Vec<u32> {
    let mut live = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses, so cut after the last ')'.
        let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        if fields[0] != "Z" && fields[2] == pgid.to_string() {
            live.push(pid);
        }
    }
    live
}

fn is_live(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s[s.rfind(')').unwrap() + 2..].starts_with('Z'))
        .unwrap_or(false)
}

fn read_pid(path: &Path) -> u32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

async fn wait_for_file(path: &Path) {
    let until = Instant::now() + LONG;
    while std::fs::read_to_string(path).map_or(true, |s| !s.ends_with('\n')) {
        assert!(Instant::now() < until, "{} never appeared", path.display());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_until_gone(pgid: u32) {
    let until = Instant::now() + LONG;
    while !live_members(pgid).is_empty() {
        assert!(Instant::now() < until, "group {pgid} still has {:?}", live_members(pgid));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn output_is_streamed_in_order_with_exit_code_0() {
    let (o, events) = exec(exec_cmd(&["/bin/sh", "-c", "for i in 1 2 3; do echo line$i; done"], LONG)).await;
    assert_eq!(o.status, RunStatus::Finished { exit_code: Some(0), signal: None });
    assert!(o.success);
    assert_eq!(o.summary, "exit 0");
    assert_eq!(lines(&events, Stream::Stdout), ["line1", "line2", "line3"]);
    assert_eq!(o.output_sha256, sha256_hex(b"line1\nline2\nline3\n"));
    assert_eq!(o.output_dropped_bytes, 0);
}

#[tokio::test]
async fn a_non_zero_exit_is_a_failure_with_its_code_and_stderr_is_tagged() {
    let (o, events) = exec(exec_cmd(&["/bin/sh", "-c", "echo out; echo err >&2; printf tail; exit 3"], LONG)).await;
    assert_eq!(o.exit_code(), Some(3));
    assert!(!o.success);
    assert_eq!(o.summary, "exit 3");
    assert_eq!(lines(&events, Stream::Stdout), ["out", "tail"]);
    assert_eq!(lines(&events, Stream::Stderr), ["err"]);
    assert_eq!(o.output_sha256, hash_of(&events));
}

#[tokio::test]
async fn a_missing_program_is_named_with_where_it_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = exec_cmd(&["./deploy.sh", "--now"], LONG);
    cmd.cwd = Some(dir.path().to_path_buf());
    let (o, events) = exec(cmd).await;
    let RunStatus::FailedToStart(message) = &o.status else { panic!("{o:?}") };
    assert_eq!(
        *message,
        format!(
            "`./deploy.sh` was not found; check the action's argv[0] (relative paths resolve from {})",
            dir.path().display()
        )
    );
    assert!(events.is_empty());

    let (o, _) = exec(exec_cmd(&["centinela-no-such-program"], LONG)).await;
    let RunStatus::FailedToStart(message) = &o.status else { panic!("{o:?}") };
    assert!(message.starts_with("`centinela-no-such-program` was not found"), "{message}");
    assert!(message.contains("looked up in PATH"), "{message}");

    let mut cmd = exec_cmd(&["/bin/true"], LONG);
    cmd.cwd = Some(dir.path().join("gone"));
    let (o, _) = exec(cmd).await;
    assert!(matches!(&o.status, RunStatus::FailedToStart(m) if m.contains("working directory")), "{o:?}");
}

#[tokio::test]
async fn arguments_reach_the_program_byte_for_byte_without_a_shell() {
    let args = ["a b", "it's \"quoted\"", "; rm -rf /", "$(id)", "`id`", "*", "$HOME", "a\\b", ""];
    let mut argv = vec!["/usr/bin/printf", "%s\\n"];
    argv.extend(args);
    let (o, events) = exec(exec_cmd(&argv, LONG)).await;
    assert!(o.success, "{o:?}");
    assert_eq!(lines(&events, Stream::Stdout), args);

    let mut cmd = exec_cmd(&["/usr/bin/env"], LONG);
    cmd.env = vec![("CENTINELA_TEST_VALUE".into(), "x; $(id)".into())];
    let (_, events) = exec(cmd).await;
    assert!(lines(&events, Stream::Stdout).contains(&"CENTINELA_TEST_VALUE=x; $(id)".to_string()));
}

#[tokio::test]
async fn the_timeout_kills_the_whole_group_even_what_ignores_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (leader, child) = (dir.path().join("leader"), dir.path().join("child"));
    // SIGTERM is ignored by the shell and (inherited) by its background sleep: only SIGKILL ends them.
    let script = "trap '' TERM; echo $$ > \"$1\"; sleep 300 & echo $! > \"$2\"; echo started; wait; wait";
    let argv = ["/bin/sh", "-c", script, "sh", leader.to_str().unwrap(), child.to_str().unwrap()];
    let (o, events) = exec(exec_cmd(&argv, Duration::from_secs(3))).await;
    assert_eq!(o.status, RunStatus::TimedOut, "{o:?}");
    assert!(!o.success);
    assert_eq!(o.summary, "timed out after 3s; its process group was killed");
    assert!(events.contains(&RunEvent::Stopping { after: Duration::from_secs(3) }));
    assert_eq!(lines(&events, Stream::Stdout), ["started"]);
    let (leader, child) = (read_pid(&leader), read_pid(&child));
    wait_until_gone(leader).await;
    assert!(!is_live(child));
}

#[tokio::test]
async fn background_jobs_do_not_outlive_the_program() {
    let dir = tempfile::tempdir().unwrap();
    let child = dir.path().join("child");
    // The sleep keeps stdout open, so the runner reads until the grace is over, then stops the group.
    let argv = ["/bin/sh", "-c", "sleep 300 & echo $! > \"$1\"; echo bye", "sh", child.to_str().unwrap()];
    let (o, events) = exec(exec_cmd(&argv, LONG)).await;
    assert_eq!(o.exit_code(), Some(0), "{o:?}");
    assert_eq!(o.summary, "exit 0; processes it left behind were stopped");
    assert_eq!(lines(&events, Stream::Stdout), ["bye"]);
    assert!(o.duration < LONG);
    let child = read_pid(&child);
    let until = Instant::now() + LONG;
    while is_live(child) {
        assert!(Instant::now() < until, "the background sleep {child} survived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn dropping_the_run_kills_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let (leader, child) = (dir.path().join("leader"), dir.path().join("child"));
    let script = "echo $$ > \"$1\"; sleep 300 & echo $! > \"$2\"; wait";
    let argv = ["/bin/sh", "-c", script, "sh", leader.to_str().unwrap(), child.to_str().unwrap()];
    let (tx, _rx) = mpsc::unbounded_channel();
    let task = tokio::spawn(run_exec(exec_cmd(&argv, LONG), tx));
    wait_for_file(&child).await;
    let (leader, child) = (read_pid(&leader), read_pid(&child));
    assert!(is_live(child));
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    wait_until_gone(leader).await;
    assert!(!is_live(child));
}

#[tokio::test]
async fn long_lines_and_long_output_are_capped_and_counted() {
    let script = "head -c 20000 /dev/zero | tr '\\0' a; echo; echo after";
    let (o, events) = exec(exec_cmd(&["/bin/sh", "-c", script], LONG)).await;
    let out = lines(&events, Stream::Stdout);
    assert_eq!(out.len(), 2);
    assert_eq!(out[0], "a".repeat(MAX_LINE_BYTES));
    assert_eq!(out[1], "after");
    assert_eq!(o.output_dropped_bytes, (20000 - MAX_LINE_BYTES) as u64);
    assert_eq!(o.output_sha256, hash_of(&events));

    // 200 000 lines of 11 bytes: about 2.1 MiB, half of it over the cap.
    let (o, events) = exec(exec_cmd(&["/bin/sh", "-c", "yes 0123456789 | head -n 200000"], LONG)).await;
    assert!(o.success, "{o:?}");
    let kept = lines(&events, Stream::Stdout).len();
    assert_eq!(kept, MAX_OUTPUT_BYTES / 11);
    assert_eq!(o.output_dropped_bytes, ((200_000 - kept) * 11) as u64);
    assert_eq!(events.iter().filter(|e| matches!(e, RunEvent::OutputCapped { .. })).count(), 1);
    assert_eq!(o.output_sha256, hash_of(&events));
}

mod http {
    use super::*;
    use wiremock::matchers::{body_string, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn http_cmd(url: String, timeout: Duration) -> HttpCommand {
        HttpCommand {
            method: "POST".into(),
            url,
            headers: vec![("X-Token".into(), "abc".into())],
            body: Some("{\"service\":\"checkout\"}".into()),
            expect_status: Vec::new(),
            timeout,
        }
    }

    async fn send(cmd: HttpCommand) -> (RunOutcome, Vec<RunEvent>) {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let outcome = run_http(cmd, tx).await;
        let mut events = Vec::new();
        while let Ok(e) = rx.try_recv() {
            events.push(e);
        }
        (outcome, events)
    }

    #[tokio::test]
    async fn a_2xx_streams_the_body_and_succeeds() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/restart"))
            .and(header("x-token", "abc"))
            .and(body_string("{\"service\":\"checkout\"}"))
            .respond_with(ResponseTemplate::new(200).set_body_string("restarting\ndone"))
            .expect(1)
            .mount(&server)
            .await;
        let (o, events) = send(http_cmd(format!("{}/restart", server.uri()), LONG)).await;
        assert_eq!(o.status, RunStatus::Finished { exit_code: Some(200), signal: None });
        assert!(o.success);
        assert_eq!(o.summary, "HTTP 200");
        assert_eq!(lines(&events, Stream::Stdout), ["restarting", "done"]);
        assert_eq!(o.output_sha256, sha256_hex(b"restarting\ndone\n"));
    }

    #[tokio::test]
    async fn an_unexpected_status_is_a_failure_that_names_it() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
            .mount(&server)
            .await;
        let (o, events) = send(http_cmd(server.uri(), LONG)).await;
        assert_eq!(o.exit_code(), Some(500));
        assert!(!o.success);
        assert_eq!(o.summary, "HTTP 500, expected 2xx");
        assert_eq!(lines(&events, Stream::Stdout), ["boom"]);

        let mut cmd = http_cmd(server.uri(), LONG);
        cmd.expect_status = vec![202, 204, 500];
        let (o, _) = send(cmd).await;
        assert!(o.success);
        let mut cmd = http_cmd(server.uri(), LONG);
        cmd.expect_status = vec![202, 204];
        let (o, _) = send(cmd).await;
        assert_eq!(o.summary, "HTTP 500, expected 202 or 204");
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_clear_failure_to_start() {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let (o, events) = send(http_cmd(format!("http://user:pw@127.0.0.1:{port}/x?token=t"), LONG)).await;
        let RunStatus::FailedToStart(message) = &o.status else { panic!("{o:?}") };
        assert!(message.starts_with(&format!("POST http://127.0.0.1:{port}/x is unreachable: ")), "{message}");
        assert!(message.to_lowercase().contains("refused"), "{message}");
        assert!(!message.contains("pw") && !message.contains("token"), "{message}");
        assert!(events.is_empty());
    }

    #[tokio::test]
    async fn a_slow_server_times_out() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(120)))
            .mount(&server)
            .await;
        let (o, _) = send(http_cmd(server.uri(), Duration::from_secs(1))).await;
        assert_eq!(o.status, RunStatus::TimedOut, "{o:?}");
        assert!(o.summary.ends_with("timed out after 1s"), "{}", o.summary);
    }

    #[tokio::test]
    async fn a_bad_method_or_header_never_sends() {
        let mut cmd = http_cmd("http://127.0.0.1:9/".into(), LONG);
        cmd.method = "RE START".into();
        let (o, _) = send(cmd).await;
        assert_eq!(o.status, RunStatus::FailedToStart("`RE START` is not an HTTP method".into()));
        let mut cmd = http_cmd("http://127.0.0.1:9/".into(), LONG);
        cmd.headers = vec![("X-Token".into(), "a\nb".into())];
        let (o, _) = send(cmd).await;
        assert!(matches!(&o.status, RunStatus::FailedToStart(m) if m.contains("`X-Token`")), "{o:?}");
    }
}
