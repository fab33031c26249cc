//! A real Prometheus server for end-to-end tests: the Debian package's binary, started on a free
//! loopback port with a temporary data dir, scraping the given targets every second; stopped on drop.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RealPrometheus {
    pub url: String,
    child: Child,
    _dir: tempfile::TempDir,
}

/// The binary: `$PROMETHEUS_BIN`, else `prometheus` on the PATH. A missing binary fails the test with
/// what to do: these tests are not skipped.
pub fn binary(var: &str, names: &[&str]) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        return PathBuf::from(p);
    }
    for n in names {
        for dir in std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()) {
            let p = dir.join(n);
            if p.is_file() {
                return p;
            }
        }
    }
    panic!("`{}` is not installed; run scripts/install-test-deps.sh (Debian packages prometheus, prometheus-alertmanager) or set {var}", names[0]);
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl RealPrometheus {
    /// `scrape_configs` is the YAML list body (already indented by two spaces per level).
    pub fn start(scrape_configs: &str, extra_config: &str) -> RealPrometheus {
        Self::start_with_args(scrape_configs, extra_config, &[])
    }

    /// [`start`](Self::start) with extra command-line flags (e.g. `--rules.alert.resend-delay=1s`).
    pub fn start_with_args(scrape_configs: &str, extra_config: &str, args: &[&str]) -> RealPrometheus {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let cfg = dir.path().join("prometheus.yml");
        std::fs::write(
            &cfg,
            format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n{extra_config}\nscrape_configs:\n{scrape_configs}"),
        )
        .unwrap();
        let log = std::fs::File::create(dir.path().join("prometheus.log")).unwrap();
        let child = Command::new(binary("PROMETHEUS_BIN", &["prometheus"]))
            .arg(format!("--config.file={}", cfg.display()))
            .arg(format!("--storage.tsdb.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--web.enable-lifecycle")
            .args(args)
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start prometheus");
        let p = RealPrometheus { url: format!("http://127.0.0.1:{port}"), child, _dir: dir };
        p.wait_ready();
        p
    }

    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = self.url.trim_start_matches("http://").to_string();
        while Instant::now() < deadline {
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                use std::io::{Read, Write};
                let _ = s.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let log = std::fs::read_to_string(self._dir.path().join("prometheus.log")).unwrap_or_default();
        panic!("prometheus did not become ready in 30 s; its log:\n{log}");
    }
}

impl Drop for RealPrometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Scrape configs for the demo's simulated services, labelled as the Mini Market's prometheus.yml
/// labels them (job, instance, service).
pub fn scrape_configs(services: &[centinela::demo::DemoService]) -> String {
    let mut s = String::new();
    for svc in services {
        s.push_str(&format!(
            "  - job_name: '{job}'\n    static_configs:\n      - targets: ['{addr}']\n    relabel_configs:\n      - target_label: instance\n        replacement: '{inst}'\n      - target_label: service\n        replacement: '{job}'\n",
            job = svc.job,
            addr = svc.addr,
            inst = svc.instance
        ));
    }
    s
}

/// The example rules with every `for:` at `0s` and every group `interval:` at `1s`, so they fire at once
/// (as the rule file's header documents).
pub fn fast_rules(rules: &str) -> String {
    let r = regex::Regex::new(r"(?m)^(\s+)for: .*$").unwrap().replace_all(rules, "${1}for: 0s");
    regex::Regex::new(r"(?m)^(\s+)interval: .*$").unwrap().replace_all(&r, "${1}interval: 1s").into_owned()
}
