//! Running one action: a program (argv, never a shell) or an HTTP request, its output streamed line by
//! line to a channel, with a timeout. No guard rails and no audit here: see [`super::attempt`].
//!
//! # Stopping a program
//!
//! The program is started as the leader of its own process group, so the timeout stops everything it
//! started, not only itself: SIGTERM to the group, [`GRACE`] for it to exit, then SIGKILL to the group.
//! When the program exits by itself, its output is read until both pipes close; what is still in the
//! group after that (background jobs, even those that closed their output) gets the same
//! SIGTERM-grace-SIGKILL, so nothing an action started outlives it unless it left the group on purpose
//! (`setsid`, a daemon). If the future of [`run_exec`] is dropped before it returns (the app quits,
//! the task is aborted), a guard owned by the future sends SIGKILL to the whole group in its `Drop`.

mod group;
mod http;
mod interactive;
mod output;

pub use http::run_http;
pub use interactive::run_interactive;
pub use output::{MAX_LINE_BYTES, MAX_OUTPUT_BYTES};

use group::GroupGuard;
use output::Collector;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;
use tokio::process::{ChildStderr, ChildStdout};
use tokio::sync::mpsc::UnboundedSender;

/// How long a process group gets between SIGTERM and SIGKILL, and how long output is read after the
/// program exited while something else keeps its pipes open.
pub const GRACE: Duration = Duration::from_secs(2);

/// A program to run: `argv[0]` with `argv[1..]` as its arguments, exactly these bytes (no shell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecCommand {
    pub argv: Vec<String>,
    /// The working directory; centinela's own when `None`. A relative `argv[0]` with a `/` resolves
    /// from it; one without is looked up in `PATH`.
    pub cwd: Option<PathBuf>,
    /// Set in the program's environment, on top of centinela's.
    pub env: Vec<(String, String)>,
    pub timeout: Duration,
}

/// An HTTP request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpCommand {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    /// The statuses that mean success; any 2xx when empty.
    pub expect_status: Vec<u16>,
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    /// A program's stdout, or an HTTP response body.
    Stdout,
    Stderr,
}

/// What a run reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunEvent {
    /// One line, without its newline; raw text (invalid UTF-8 replaced), to be sanitised for the screen.
    Output { stream: Stream, line: String },
    /// The output reached `limit` bytes; later lines are counted in [`RunOutcome::output_dropped_bytes`].
    OutputCapped { limit: usize },
    /// The timeout fired; the process group is being stopped.
    Stopping { after: Duration },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunStatus {
    /// It ran to its end: a program's exit code or the signal that ended it; for HTTP, the status.
    Finished { exit_code: Option<i32>, signal: Option<i32> },
    /// It ran out of time and was stopped (for a program: its whole process group).
    TimedOut,
    /// It never ran (no such program, unreachable server…); the message says why in one line.
    FailedToStart(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunOutcome {
    pub status: RunStatus,
    /// Exit code 0, or an expected HTTP status.
    pub success: bool,
    /// What happened, in a few words: `exit 0`, `HTTP 503, expected 2xx`, `timed out after 30s`.
    pub summary: String,
    pub duration: Duration,
    /// [`crate::actions::audit::sha256_hex`] of every line sent, each followed by `\n`, in the order sent.
    pub output_sha256: String,
    pub output_dropped_bytes: u64,
}

impl RunOutcome {
    pub fn exit_code(&self) -> Option<i32> {
        match self.status {
            RunStatus::Finished { exit_code, .. } => exit_code,
            _ => None,
        }
    }

    fn new(status: RunStatus, success: bool, summary: String, start: Instant, out: &Collector) -> RunOutcome {
        let (output_sha256, output_dropped_bytes) = out.summary();
        RunOutcome { status, success, summary, duration: start.elapsed(), output_sha256, output_dropped_bytes }
    }

    /// How a program that ran ended: its exit code or signal (`left` adds a note, e.g. stragglers).
    fn ended(status: io::Result<ExitStatus>, program: &str, left: &str, start: Instant, out: &Collector) -> RunOutcome {
        match status {
            Ok(s) => {
                let (exit_code, signal) = (s.code(), exit_signal(&s));
                let summary = match (exit_code, signal) {
                    (Some(code), _) => format!("exit {code}{left}"),
                    (None, Some(sig)) => format!("killed by signal {sig}{left}"),
                    (None, None) => format!("ended without an exit code{left}"),
                };
                RunOutcome::new(RunStatus::Finished { exit_code, signal }, exit_code == Some(0), summary, start, out)
            }
            Err(e) => {
                let summary = format!("cannot tell how `{program}` ended: {e}");
                RunOutcome::new(RunStatus::Finished { exit_code: None, signal: None }, false, summary, start, out)
            }
        }
    }

    fn failed(message: String, start: Instant, out: &Collector) -> RunOutcome {
        RunOutcome::new(RunStatus::FailedToStart(message.clone()), false, message, start, out)
    }
}

/// Run a program (see the module docs for how it is stopped). Never panics on the program's behalf:
/// every failure is in the outcome.
pub async fn run_exec(cmd: ExecCommand, events: UnboundedSender<RunEvent>) -> RunOutcome {
    let start = Instant::now();
    let mut out = Collector::new(events);
    let (program, mut command) = match command(&cmd) {
        Ok(c) => c,
        Err(message) => return RunOutcome::failed(message, start, &out),
    };
    command.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    command.process_group(0);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return RunOutcome::failed(spawn_error(&program, cmd.cwd.as_deref(), &e), start, &out),
    };
    // Declared after `child`, so dropped before it: the group is killed while the leader is not yet
    // reaped, and its id cannot have been reused.
    let mut group = GroupGuard::new(child.id());
    let mut pipes = Pipes { stdout: child.stdout.take(), stderr: child.stderr.take(), buf: [[0; 8192]; 2] };

    let deadline = tokio::time::Instant::from_std(start) + cmd.timeout;
    let mut status: Option<io::Result<ExitStatus>> = None;
    let mut drain_until = deadline;
    while pipes.open() || status.is_none() {
        tokio::select! {
            () = pipes.read_some(&mut out), if pipes.open() => {}
            s = child.wait(), if status.is_none() => {
                status = Some(s);
                drain_until = deadline.min(tokio::time::Instant::now() + GRACE);
            }
            () = tokio::time::sleep_until(drain_until) => break,
        }
    }

    let timed_out = status.is_none();
    if timed_out {
        out.send(RunEvent::Stopping { after: cmd.timeout });
        group.terminate();
        #[cfg(not(unix))]
        let _ = child.start_kill();
        status = Some(match tokio::time::timeout(GRACE, child.wait()).await {
            Ok(s) => s,
            Err(_) => {
                group.kill();
                let _ = child.start_kill();
                child.wait().await
            }
        });
    }
    // Whatever is left of the group (background jobs) goes with the program.
    let stragglers = group.stop_remaining(GRACE).await;
    let until = tokio::time::Instant::now() + GRACE;
    while pipes.open() && tokio::time::timeout_at(until, pipes.read_some(&mut out)).await.is_ok() {}
    pipes.close(&mut out);

    let left = if stragglers { "; processes it left behind were stopped" } else { "" };
    if timed_out {
        let summary =
            format!("timed out after {}; its process group was killed", humantime::format_duration(cmd.timeout));
        return RunOutcome::new(RunStatus::TimedOut, false, summary, start, &out);
    }
    match status {
        Some(s) => RunOutcome::ended(s, &program, left, start, &out),
        None => unreachable!("the status is set on every path out of the loop above"),
    }
}

/// The program of `cmd`, set up with its arguments, environment and directory (stdio and process
/// group are the caller's), or why it cannot run.
fn command(cmd: &ExecCommand) -> Result<(String, tokio::process::Command), String> {
    let Some(program) = cmd.argv.first().filter(|p| !p.is_empty()) else {
        return Err("the action's argv is empty; nothing to run".into());
    };
    if let Some(dir) = cmd.cwd.as_deref().filter(|d| !d.is_dir()) {
        return Err(format!("the working directory {} does not exist or is not a directory", dir.display()));
    }
    let mut command = tokio::process::Command::new(program);
    command.args(&cmd.argv[1..]).envs(cmd.env.iter().map(|(k, v)| (k, v))).kill_on_drop(true);
    if let Some(dir) = &cmd.cwd {
        command.current_dir(dir);
    }
    Ok((program.clone(), command))
}

#[cfg(unix)]
fn exit_signal(s: &ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(s)
}

#[cfg(not(unix))]
fn exit_signal(_: &ExitStatus) -> Option<i32> {
    None
}

/// Why `program` did not start, in one line that says what to check.
fn spawn_error(program: &str, cwd: Option<&Path>, e: &io::Error) -> String {
    let from = match cwd {
        Some(dir) => dir.display().to_string(),
        None => std::env::current_dir().map(|d| d.display().to_string()).unwrap_or_else(|_| "centinela's".into()),
    };
    let hint = if program.contains('/') {
        format!("relative paths resolve from {from}")
    } else {
        "a name without `/` is looked up in PATH".into()
    };
    match e.kind() {
        io::ErrorKind::NotFound => format!("`{program}` was not found; check the action's argv[0] ({hint})"),
        io::ErrorKind::PermissionDenied => {
            format!("`{program}` cannot be run (permission denied); is it executable? ({hint})")
        }
        _ => format!("`{program}` could not be started: {e}"),
    }
}

/// The program's stdout and stderr, read as they come.
struct Pipes {
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
    buf: [[u8; 8192]; 2],
}

impl Pipes {
    fn open(&self) -> bool {
        self.stdout.is_some() || self.stderr.is_some()
    }

    /// Read from whichever pipe has bytes first and hand them to `out`; a closed pipe is finished.
    /// Cancel-safe: bytes are handed over right after the read that returned them.
    async fn read_some(&mut self, out: &mut Collector) {
        let [buf_out, buf_err] = &mut self.buf;
        let (stream, read) = tokio::select! {
            r = read_pipe(&mut self.stdout, buf_out), if self.stdout.is_some() => (Stream::Stdout, r),
            r = read_pipe(&mut self.stderr, buf_err), if self.stderr.is_some() => (Stream::Stderr, r),
            else => return,
        };
        match read {
            Ok(n) if n > 0 => out.push(stream, &self.buf[stream as usize][..n]),
            // End of file, or a read error: either way nothing more comes from that pipe.
            _ => self.close_one(stream, out),
        }
    }

    fn close_one(&mut self, stream: Stream, out: &mut Collector) {
        match stream {
            Stream::Stdout => self.stdout = None,
            Stream::Stderr => self.stderr = None,
        }
        out.finish(stream);
    }

    fn close(&mut self, out: &mut Collector) {
        for stream in [Stream::Stdout, Stream::Stderr] {
            self.close_one(stream, out);
        }
    }
}

async fn read_pipe<R: tokio::io::AsyncRead + Unpin>(pipe: &mut Option<R>, buf: &mut [u8]) -> io::Result<usize> {
    match pipe {
        Some(p) => p.read(buf).await,
        None => std::future::pending().await,
    }
}
