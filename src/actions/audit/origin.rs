//! Who is acting, where, and under which attempt id.

/// Who is acting, and where, as the environment tells it (for `user` and `host`).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Origin {
    pub user: String,
    pub host: String,
}

impl Origin {
    /// `$USER` (or `$LOGNAME`, `$USERNAME`) and the host name (`$HOSTNAME`, `$COMPUTERNAME`,
    /// `/proc/sys/kernel/hostname`, `/etc/hostname`); `unknown` when none says.
    pub fn detect() -> Origin {
        let env = |names: &[&str]| {
            names.iter().find_map(|n| std::env::var(n).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty()))
        };
        let file = |p: &str| std::fs::read_to_string(p).ok().map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let user = env(&["USER", "LOGNAME", "USERNAME"]).unwrap_or_else(|| "unknown".into());
        let host = env(&["HOSTNAME", "COMPUTERNAME"])
            .or_else(|| file("/proc/sys/kernel/hostname"))
            .or_else(|| file("/etc/hostname"))
            .unwrap_or_else(|| "unknown".into());
        Origin { user, host }
    }
}

/// A new attempt id: 16 random hex digits.
pub fn new_attempt_id() -> String {
    let mut bytes = [0u8; 8];
    if ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut bytes).is_err() {
        // No system randomness (never seen in practice): time and process id are unique enough here.
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
        bytes = ((nanos as u64) ^ (u64::from(std::process::id()) << 40)).to_be_bytes();
    }
    super::hex(&bytes)
}
