//! Where centinela keeps things: config, state (logs, audit) and data (snapshots, incidents).
//!
//! Each directory can be overridden by an environment variable (`CENTINELA_CONFIG_DIR`,
//! `CENTINELA_STATE_DIR`, `CENTINELA_DATA_DIR`); otherwise the XDG directories are used, and on macOS
//! `~/.config/centinela` too, because that is where terminal users look.

use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub state_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl Paths {
    pub fn resolve() -> Result<Paths, String> {
        let proj = directories::ProjectDirs::from("", "", "centinela");
        let from_env = |var: &str| std::env::var_os(var).filter(|v| !v.is_empty()).map(PathBuf::from);
        let base = proj.as_ref();
        let config_dir = from_env("CENTINELA_CONFIG_DIR")
            .or_else(|| {
                if cfg!(target_os = "macos") {
                    directories::BaseDirs::new().map(|b| b.home_dir().join(".config/centinela"))
                } else {
                    base.map(|p| p.config_dir().to_path_buf())
                }
            })
            .ok_or("cannot find a home directory; set CENTINELA_CONFIG_DIR")?;
        let state_dir = from_env("CENTINELA_STATE_DIR")
            .or_else(|| base.map(|p| p.state_dir().unwrap_or(p.data_local_dir()).to_path_buf()))
            .ok_or("cannot find a home directory; set CENTINELA_STATE_DIR")?;
        let data_dir = from_env("CENTINELA_DATA_DIR")
            .or_else(|| base.map(|p| p.data_dir().to_path_buf()))
            .ok_or("cannot find a home directory; set CENTINELA_DATA_DIR")?;
        Ok(Paths { config_dir, state_dir, data_dir })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }
    pub fn keymap_file(&self) -> PathBuf {
        self.config_dir.join("keymap.toml")
    }
    pub fn themes_dir(&self) -> PathBuf {
        self.config_dir.join("themes")
    }
    pub fn log_dir(&self) -> PathBuf {
        self.state_dir.join("logs")
    }
    pub fn log_file_hint(&self) -> PathBuf {
        self.log_dir().join("centinela.log")
    }
    /// The audit trail of runbook actions (see [`crate::actions::audit`]).
    pub fn audit_file(&self) -> PathBuf {
        self.state_dir.join("audit.jsonl")
    }

    /// The audit trail `--demo` writes: its own file, so the simulated deployer's restarts never mix
    /// with the real ones (`centinela --demo audit verify` checks it).
    pub fn demo_audit_file(&self) -> PathBuf {
        self.state_dir.join("demo-audit.jsonl")
    }

    /// Where incidents are kept: one JSON file each (see [`crate::incidents::store`]).
    pub fn incidents_dir(&self) -> PathBuf {
        self.data_dir.join("incidents")
    }

    /// The incidents of the demo (its own folder) or the real ones.
    pub fn incidents_dir_for(&self, demo: bool) -> PathBuf {
        if demo {
            self.data_dir.join("demo-incidents")
        } else {
            self.incidents_dir()
        }
    }

    /// The audit trail in use: the demo's or the real one.
    pub fn audit_file_for(&self, demo: bool) -> PathBuf {
        if demo {
            self.demo_audit_file()
        } else {
            self.audit_file()
        }
    }
}

/// Read a file that may be absent: `Ok(None)` when it does not exist.
pub fn read_optional(path: &Path) -> std::io::Result<Option<String>> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
