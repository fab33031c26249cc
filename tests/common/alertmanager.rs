//! A real Alertmanager for end-to-end tests: the Debian package's binary (`prometheus-alertmanager`),
//! started on a free loopback port with a temporary `--storage.path`, either alone (clustering off) or
//! as one of two instances gossiping into an HA cluster; stopped on drop.
#![allow(dead_code)]

use super::prometheus::{binary, free_port};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct RealAlertmanager {
    /// `http://127.0.0.1:PORT`, the API and web address.
    pub url: String,
    /// `127.0.0.1:PORT` of the gossip listener, when clustered.
    pub cluster_addr: Option<String>,
    child: Child,
    dir: tempfile::TempDir,
}

/// The binary: `$ALERTMANAGER_BIN`, else `prometheus-alertmanager` (Debian) or `alertmanager` on the
/// PATH; a missing binary fails the test naming scripts/install-test-deps.sh.
pub fn alertmanager_binary() -> std::path::PathBuf {
    binary("ALERTMANAGER_BIN", &["prometheus-alertmanager", "alertmanager"])
}

impl RealAlertmanager {
    /// One Alertmanager with clustering disabled (`--cluster.listen-address=`), running `config_yaml`.
    pub fn start(config_yaml: &str) -> RealAlertmanager {
        Self::spawn(config_yaml, None, &[])
    }

    /// Two Alertmanagers peered into one HA cluster (each lists the other as `--cluster.peer`), both
    /// running `config_yaml`. Returns once both answer `/-/ready`; the gossip may still be settling,
    /// so poll `/api/v2/status` for the peers.
    pub fn start_ha_pair(config_yaml: &str) -> (RealAlertmanager, RealAlertmanager) {
        let (pa, pb) = (free_port(), free_port());
        let (a_addr, b_addr) = (format!("127.0.0.1:{pa}"), format!("127.0.0.1:{pb}"));
        let a = Self::spawn(config_yaml, Some(&a_addr), std::slice::from_ref(&b_addr));
        let b = Self::spawn(config_yaml, Some(&b_addr), std::slice::from_ref(&a_addr));
        (a, b)
    }

    /// One Alertmanager gossiping on `cluster_addr` (`127.0.0.1:PORT`) and joining `peers`.
    pub fn start_clustered(config_yaml: &str, cluster_addr: &str, peers: &[String]) -> RealAlertmanager {
        Self::spawn(config_yaml, Some(cluster_addr), peers)
    }

    fn spawn(config_yaml: &str, cluster_addr: Option<&str>, peers: &[String]) -> RealAlertmanager {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let cfg = dir.path().join("alertmanager.yml");
        std::fs::write(&cfg, config_yaml).unwrap();
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).unwrap();
        let mut cmd = Command::new(alertmanager_binary());
        cmd.arg(format!("--config.file={}", cfg.display()))
            .arg(format!("--storage.path={}", dir.path().join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!("--cluster.listen-address={}", cluster_addr.unwrap_or("")));
        if let Some(addr) = cluster_addr {
            // Loopback is not a private address to memberlist: advertise it explicitly. Gossip fast and
            // settle fast so a test sees its peer in a second or two.
            cmd.arg(format!("--cluster.advertise-address={addr}"))
                .arg("--cluster.gossip-interval=50ms")
                .arg("--cluster.pushpull-interval=2s")
                .arg("--cluster.settle-timeout=2s");
            for p in peers {
                cmd.arg(format!("--cluster.peer={p}"));
            }
        }
        let child = cmd
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", alertmanager_binary().display()));
        let am = RealAlertmanager {
            url: format!("http://127.0.0.1:{port}"),
            cluster_addr: cluster_addr.map(str::to_string),
            child,
            dir,
        };
        am.wait_ready();
        am
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// What the server logged so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("alertmanager.log")).unwrap_or_default()
    }

    /// Post alerts (a JSON array of `postableAlert`s) to `/api/v2/alerts`, as Prometheus does.
    pub async fn post_alerts(&self, alerts: &serde_json::Value) {
        let resp = reqwest::Client::new()
            .post(format!("{}/api/v2/alerts", self.url))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(alerts).unwrap())
            .send()
            .await
            .unwrap_or_else(|e| panic!("posting alerts to {}: {e}", self.url));
        let status = resp.status();
        let body = resp.text().await.unwrap_or_default();
        assert!(status.is_success(), "posting alerts to {}: HTTP {status}: {body}", self.url);
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let addr = self.url.trim_start_matches("http://").to_string();
        while Instant::now() < deadline {
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                use std::io::{Read, Write};
                let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
                let _ = s.write_all(b"GET /-/ready HTTP/1.0\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.0 200") || buf.starts_with("HTTP/1.1 200") {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("alertmanager at {} did not become ready in 30 s; its log:\n{}", self.url, self.log());
    }
}

impl Drop for RealAlertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
