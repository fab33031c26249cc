//! The binary in a real pseudo-terminal (tmux on a private socket): it draws, answers keys, restores
//! the terminal on quit and on SIGTERM, and exits when the terminal goes away (SIGHUP), instead of
//! spinning as some peers do after an SSH drop.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
    home: tempfile::TempDir,
}

impl Tmux {
    fn new(tag: &str) -> Tmux {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok_and(|o| o.status.success()),
            "tmux is not installed; run scripts/install-test-deps.sh"
        );
        Tmux { socket: format!("centinela-test-{tag}-{}", std::process::id()), home: tempfile::tempdir().unwrap() }
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux").arg("-L").arg(&self.socket).args(args).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn start(&self, centinela_args: &str) {
        let bin = env!("CARGO_BIN_EXE_centinela");
        let h = self.home.path().display();
        let cmd = format!(
            "CENTINELA_CONFIG_DIR={h}/c CENTINELA_STATE_DIR={h}/s CENTINELA_DATA_DIR={h}/d exec {bin} {centinela_args}"
        );
        self.run(&["new-session", "-d", "-s", "t", "-x", "100", "-y", "30", &cmd]);
        self.run(&["set-option", "-t", "t", "remain-on-exit", "on"]);
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "t"])
    }

    fn wait_for(&self, what: &str, present: bool) -> String {
        let end = Instant::now() + Duration::from_secs(15);
        loop {
            let s = self.screen();
            if s.contains(what) == present {
                return s;
            }
            assert!(
                Instant::now() < end,
                "waited 15 s for {what:?} to be {}:\n{s}",
                if present { "shown" } else { "gone" }
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn pane(&self, fmt: &str) -> String {
        self.run(&["display-message", "-p", "-t", "t", fmt]).trim().to_string()
    }

    fn wait_dead(&self) {
        let end = Instant::now() + Duration::from_secs(5);
        while self.pane("#{pane_dead}") != "1" {
            assert!(Instant::now() < end, "centinela did not exit:\n{}", self.screen());
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").arg("-L").arg(&self.socket).arg("kill-server").output();
    }
}

fn alive(pid: &str) -> bool {
    Command::new("kill").args(["-0", pid]).output().is_ok_and(|o| o.status.success())
}

#[test]
fn draws_answers_keys_and_quits_cleanly() {
    let t = Tmux::new("keys");
    t.start("--config tests/fixtures/config/valid.toml");
    t.wait_for("Targets up", true);
    t.run(&["send-keys", "-t", "t", "?"]);
    t.wait_for("Show or hide this help.", true);
    t.run(&["send-keys", "-t", "t", "Escape"]);
    t.wait_for("Show or hide this help.", false);
    t.run(&["send-keys", "-t", "t", "q"]);
    t.wait_dead();
    let after = t.screen();
    assert!(!after.contains("Targets up"), "the alternate screen was left:\n{after}");
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    let t = Tmux::new("term");
    t.start("--config tests/fixtures/config/valid.toml");
    t.wait_for("Targets up", true);
    let pid = t.pane("#{pane_pid}");
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    t.wait_dead();
    assert!(!t.screen().contains("Targets up"));
}

#[test]
fn exits_when_the_terminal_goes_away() {
    let t = Tmux::new("hup");
    t.start("--config tests/fixtures/config/valid.toml");
    t.wait_for("Targets up", true);
    let pid = t.pane("#{pane_pid}");
    assert!(alive(&pid));
    t.run(&["kill-session", "-t", "t"]); // the pty closes: SIGHUP
    let end = Instant::now() + Duration::from_secs(2);
    while alive(&pid) {
        assert!(Instant::now() < end, "centinela (pid {pid}) still runs 2 s after its terminal went away");
        std::thread::sleep(Duration::from_millis(20));
    }
}
