//! An interactive action: the program gets the terminal (stdin, stdout, stderr inherited) while the
//! dashboard is suspended. It stays in centinela's process group, which is the terminal's foreground
//! group, so it can read the keyboard and ctrl-c reaches it (a group of its own would be stopped by
//! SIGTTIN on its first read). The timeout still applies: at the limit the program gets SIGTERM,
//! then SIGKILL after [`super::GRACE`]. Its output went to the terminal, not through centinela, so the
//! recorded hash is that of no output.

use super::output::Collector;
use super::{exit_signal, spawn_error, ExecCommand, RunEvent, RunOutcome, RunStatus, GRACE};
use std::process::Stdio;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// Run `cmd` attached to the terminal. The caller must have left the alternate screen and raw mode
/// and stopped reading the keyboard first.
pub async fn run_interactive(cmd: ExecCommand, events: UnboundedSender<RunEvent>) -> RunOutcome {
    let start = Instant::now();
    let out = Collector::new(events);
    let Some(program) = cmd.argv.first().filter(|p| !p.is_empty()) else {
        return RunOutcome::failed("the action's argv is empty; nothing to run".into(), start, &out);
    };
    if let Some(dir) = cmd.cwd.as_deref().filter(|d| !d.is_dir()) {
        let message = format!("the working directory {} does not exist or is not a directory", dir.display());
        return RunOutcome::failed(message, start, &out);
    }
    let mut command = tokio::process::Command::new(program);
    command
        .args(&cmd.argv[1..])
        .envs(cmd.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if let Some(dir) = &cmd.cwd {
        command.current_dir(dir);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return RunOutcome::failed(spawn_error(program, cmd.cwd.as_deref(), &e), start, &out),
    };
    let status = match tokio::time::timeout(cmd.timeout, child.wait()).await {
        Ok(s) => s,
        Err(_) => {
            out.send(RunEvent::Stopping { after: cmd.timeout });
            terminate(child.id());
            if tokio::time::timeout(GRACE, child.wait()).await.is_err() {
                let _ = child.start_kill();
                let _ = child.wait().await;
            }
            let summary = format!("timed out after {}; it was stopped", humantime::format_duration(cmd.timeout));
            return RunOutcome::new(RunStatus::TimedOut, false, summary, start, &out);
        }
    };
    match status {
        Ok(s) => {
            let (exit_code, signal) = (s.code(), exit_signal(&s));
            let summary = match (exit_code, signal) {
                (Some(code), _) => format!("exit {code}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                (None, None) => "ended without an exit code".to_string(),
            };
            RunOutcome::new(RunStatus::Finished { exit_code, signal }, exit_code == Some(0), summary, start, &out)
        }
        Err(e) => {
            let summary = format!("cannot tell how `{program}` ended: {e}");
            RunOutcome::new(RunStatus::Finished { exit_code: None, signal: None }, false, summary, start, &out)
        }
    }
}

#[cfg(unix)]
fn terminate(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()).and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
}

#[cfg(not(unix))]
fn terminate(_pid: Option<u32>) {}
