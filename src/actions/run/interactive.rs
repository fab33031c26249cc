//! An interactive action: the program gets the terminal (stdin, stdout, stderr inherited) while the
//! dashboard is suspended. It stays in centinela's process group, which is the terminal's foreground
//! group, so it can read the keyboard and ctrl-c reaches it (a group of its own would be stopped by
//! SIGTTIN on its first read). The timeout still applies: at the limit the program gets SIGTERM,
//! then SIGKILL after [`super::GRACE`]. Its output went to the terminal, not through centinela, so the
//! recorded hash is that of no output.

use super::output::Collector;
use super::{spawn_error, ExecCommand, RunEvent, RunOutcome, RunStatus, GRACE};
use std::process::Stdio;
use std::time::Instant;
use tokio::sync::mpsc::UnboundedSender;

/// Run `cmd` attached to the terminal. The caller must have left the alternate screen and raw mode
/// and stopped reading the keyboard first.
pub async fn run_interactive(cmd: ExecCommand, events: UnboundedSender<RunEvent>) -> RunOutcome {
    let start = Instant::now();
    let out = Collector::new(events);
    let (program, mut command) = match super::command(&cmd) {
        Ok(c) => c,
        Err(message) => return RunOutcome::failed(message, start, &out),
    };
    command.stdin(Stdio::inherit()).stdout(Stdio::inherit()).stderr(Stdio::inherit());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return RunOutcome::failed(spawn_error(&program, cmd.cwd.as_deref(), &e), start, &out),
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
    RunOutcome::ended(status, &program, "", start, &out)
}

#[cfg(unix)]
fn terminate(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()).and_then(rustix::process::Pid::from_raw) {
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
    }
}

#[cfg(not(unix))]
fn terminate(_pid: Option<u32>) {}
