//! The binary's commands: check-config, info, and snapshot against broken backends.

use assert_cmd::Command;
use std::time::{Duration, Instant};

fn centinela(home: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("centinela").unwrap();
    c.env("CENTINELA_CONFIG_DIR", home.path().join("config"))
        .env("CENTINELA_STATE_DIR", home.path().join("state"))
        .env("CENTINELA_DATA_DIR", home.path().join("data"))
        .env_remove("NO_COLOR");
    c
}

#[test]
fn check_config_accepts_the_example_profile_and_a_small_file() {
    let home = tempfile::tempdir().unwrap();
    for f in ["examples/minimarket.toml", "tests/fixtures/config/valid.toml"] {
        let out = centinela(&home).args(["check-config", f]).output().unwrap();
        assert!(out.status.success(), "{f}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains(": ok ("));
    }
}

#[test]
fn check_config_reports_every_problem_with_its_position() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home).args(["check-config", "tests/fixtures/config/invalid.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let f = "tests/fixtures/config/invalid.toml";
    assert!(err.contains(&format!("{f}:3:1: unknown key `refersh`\n  hint: did you mean `refresh`?")), "{err}");
    assert!(err.contains(&format!("{f}:4:14: `1 fortnight` is not a duration")), "{err}");
    assert!(
        err.contains(&format!("{f}:8:"))
            && err.contains("unknown key `timout`")
            && err.contains("did you mean `timeout`?"),
        "{err}"
    );
    assert!(err.contains(&format!("{f}:14:8: unknown value `stats`\n  hint: did you mean `stat`?")), "{err}");
    assert!(err.contains("4 problem(s)"), "{err}");
}

#[test]
fn check_config_reports_semantic_problems() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home).args(["check-config", "tests/fixtures/config/semantic.toml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        ":3:1: no environment is named `production`",
        ":4:1: unknown theme `solarized-neon`",
        "scheme `ftp`",
        "`max` (5) must be above `min` (10)",
        "panel `Latency` has no queries",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
}

#[test]
fn a_missing_config_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home).args(["snapshot", "--size", "80x24"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no config file at") && err.contains("centinela --demo"), "{err}");
}

#[test]
fn info_prints_the_paths() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home).arg("info").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains(&home.path().join("config/config.toml").display().to_string()), "{text}");
    assert!(text.contains("log dir"));
}

#[test]
fn snapshot_against_a_dead_backend_shows_the_error_in_the_panel() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home)
        .args(["snapshot", "--config", "tests/fixtures/config/valid.toml", "--size", "100x20", "--wait", "5s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Targets up"), "{text}");
    let flat = text.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("✖ Prometheus at http://127.0.0.1:1/prometheus is unreachable: Connection refused"),
        "{text}"
    );
    assert!(text.contains("staging"), "{text}");
}

#[test]
fn snapshot_against_a_hung_backend_is_bounded_by_the_timeout() {
    // A server that accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let _keep = std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in listener.incoming().flatten() {
            held.push(s);
        }
    });
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("hung.toml");
    std::fs::write(
        &cfg,
        std::fs::read_to_string("tests/fixtures/config/valid.toml")
            .unwrap()
            .replace("127.0.0.1:1/prometheus", &format!("127.0.0.1:{port}")),
    )
    .unwrap();
    let start = Instant::now();
    let out = centinela(&home)
        .args(["snapshot", "--config"])
        .arg(&cfg)
        .args(["--size", "100x20", "--wait", "10s"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let flat = text.replace('│', " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("timed out after 2s"), "{text}");
    assert!(start.elapsed() < Duration::from_secs(9), "the 2 s request timeout ends the wait, not the 10 s cap");
}

#[test]
fn unknown_views_are_named() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home)
        .args(["snapshot", "--config", "tests/fixtures/config/valid.toml", "--view", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no view named `nope`; available: Overview"));
}

#[test]
fn snapshot_of_the_alerts_view_in_the_demo() {
    let home = tempfile::tempdir().unwrap();
    let out = centinela(&home)
        .env("CENTINELA_DEMO_OFFSET", "60s")
        .args(["snapshot", "--demo", "--view", "alerts", "--size", "120x30", "--wait", "10s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.contains("ServiceDown")).unwrap_or_else(|| panic!("{text}"));
    assert!(line.contains("critical") && line.contains("2/2"), "reported by both demo Alertmanagers: {line}");
    assert!(text.contains("inhibited"), "{text}");
    assert!(text.lines().next().unwrap().contains(" 2C 2H 1M "), "counts by severity, short at 120 columns: {text}");
}

#[test]
fn import_grafana_prints_toml_and_reports_per_file() {
    let home = tempfile::tempdir().unwrap();
    let good = "tests/fixtures/grafana/every-panel-type.json";
    let bad = "tests/fixtures/grafana/malformed/truncated.json";
    let out = centinela(&home).args(["import-grafana", bad, good, "no/such.json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a file that could not be imported fails the run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("[[dashboard]]\nname = \"Every panel type\""), "the good file is still printed: {stdout}");
    assert!(stderr.contains(&format!("{bad}: not valid JSON: the file ends in the middle")), "{stderr}");
    assert!(stderr.contains("no/such.json: cannot read the file"), "{stderr}");
    assert!(stderr.contains(&format!("{good}: panel `Share`: pie chart drawn as a bar chart")), "{stderr}");
    assert!(
        stderr.lines().all(|l| l.starts_with(bad) || l.starts_with(good) || l.starts_with("no/such.json")),
        "{stderr}"
    );

    let out = centinela(&home).args(["import-grafana", good]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "approximations are not failures");
}
