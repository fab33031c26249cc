//! Stopping a whole process group: the action's program is started as the leader of a new group
//! (`process_group(0)`), so everything it starts (a shell's background jobs, `xargs` children…) is in
//! that group unless it deliberately leaves it (`setsid`, a daemon). Signals go to the group, not
//! only to the program.

use std::time::Duration;

/// How often the group is checked for members while it is given time to exit.
const POLL: Duration = Duration::from_millis(50);

/// Owns the right to signal one process group. Dropped while armed (the run's future was dropped:
/// the app quit, the task was aborted), it sends SIGKILL to the whole group at once: a `Drop` cannot
/// wait out a grace period, and a cancelled action must not go on running unseen.
#[derive(Debug)]
pub(super) struct GroupGuard {
    #[cfg(unix)]
    pgid: Option<rustix::process::Pid>,
}

#[cfg(unix)]
impl GroupGuard {
    /// `pid` is the leader's (the group has the same id).
    pub(super) fn new(pid: Option<u32>) -> GroupGuard {
        GroupGuard { pgid: pid.and_then(|p| i32::try_from(p).ok()).and_then(rustix::process::Pid::from_raw) }
    }

    fn signal(&self, signal: rustix::process::Signal) {
        if let Some(pgid) = self.pgid {
            // ESRCH: nobody is left in the group, which is what we want.
            let _ = rustix::process::kill_process_group(pgid, signal);
        }
    }

    /// Ask every process of the group to stop (SIGTERM).
    pub(super) fn terminate(&self) {
        self.signal(rustix::process::Signal::TERM);
    }

    /// Stop every process of the group now (SIGKILL).
    pub(super) fn kill(&self) {
        self.signal(rustix::process::Signal::KILL);
    }

    /// Whether any process (a zombie included) is still in the group.
    fn has_members(&self) -> bool {
        self.pgid.is_some_and(|pgid| rustix::process::test_kill_process_group(pgid).is_ok())
    }

    /// Stop whatever is left in the group: SIGTERM, up to `grace` for it to go, then SIGKILL. Disarms
    /// the guard. Returns whether anything was left to stop.
    pub(super) async fn stop_remaining(&mut self, grace: Duration) -> bool {
        if !self.has_members() {
            self.pgid = None;
            return false;
        }
        self.terminate();
        let until = tokio::time::Instant::now() + grace;
        // Members that exited but were not reaped yet (zombies) still count, so this may wait the whole
        // grace; the SIGKILL after it is then harmless.
        while self.has_members() && tokio::time::Instant::now() < until {
            tokio::time::sleep(POLL).await;
        }
        self.kill();
        self.pgid = None;
        true
    }
}

#[cfg(unix)]
impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Elsewhere there are no process groups: only the program itself is stopped (tokio's `kill_on_drop`
/// and `start_kill`).
#[cfg(not(unix))]
impl GroupGuard {
    pub(super) fn new(_pid: Option<u32>) -> GroupGuard {
        GroupGuard {}
    }
    pub(super) fn terminate(&self) {}
    pub(super) fn kill(&self) {}
    pub(super) async fn stop_remaining(&mut self, _grace: Duration) -> bool {
        false
    }
}
